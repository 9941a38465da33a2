//! The vector instruction set the kernels use, detected once at run time.

/// Which compiled variant of the element-wise kernels runs: AVX-512, AVX2 with FMA, or portable scalar code.
///
/// A value can only be made for an instruction set this CPU has ([`Isa::detect`], [`Isa::supported`]), which is
/// what makes the dispatching kernels safe to call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Isa(Level);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    Scalar,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    #[cfg(target_arch = "x86_64")]
    Avx512,
}

impl Isa {
    /// Portable code, on any CPU.
    pub const SCALAR: Isa = Isa(Level::Scalar);

    /// The widest instruction set this CPU supports.
    pub fn detect() -> Isa {
        *Self::supported().last().unwrap_or(&Isa::SCALAR)
    }

    /// Every instruction set this CPU supports, narrowest first (scalar is always there).
    pub fn supported() -> Vec<Isa> {
        #[allow(unused_mut)]
        let mut out = vec![Isa::SCALAR];
        #[cfg(target_arch = "x86_64")]
        {
            if crate::cpu::features().avx2 && crate::cpu::features().fma {
                out.push(Isa(Level::Avx2));
                if crate::cpu::features().avx512f {
                    out.push(Isa(Level::Avx512));
                }
            }
        }
        out
    }

    /// A short name: `avx512`, `avx2` or `scalar`.
    pub fn name(self) -> &'static str {
        match self.0 {
            Level::Scalar => "scalar",
            #[cfg(target_arch = "x86_64")]
            Level::Avx2 => "avx2",
            #[cfg(target_arch = "x86_64")]
            Level::Avx512 => "avx512",
        }
    }

    pub(crate) fn level(self) -> Level {
        self.0
    }
}
