//! Which compiled int8 kernel runs: chosen once from what this CPU supports.

/// Which compiled int8 kernel runs.
///
/// A value can only be made for a kernel this CPU supports ([`Int8Kernel::detect`], [`Int8Kernel::supported`]),
/// which is what makes [`products`] safe to call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Int8Kernel(Level);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Level {
    Scalar,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    #[cfg(target_arch = "x86_64")]
    Vnni,
}

impl Int8Kernel {
    /// Portable code, on any CPU.
    pub const SCALAR: Int8Kernel = Int8Kernel(Level::Scalar);

    /// The fastest kernel this CPU supports.
    pub fn detect() -> Int8Kernel {
        *Self::supported().last().unwrap_or(&Self::SCALAR)
    }

    /// Every kernel this CPU supports, slowest first (scalar is always there).
    pub fn supported() -> Vec<Int8Kernel> {
        #[allow(unused_mut)]
        let mut out = vec![Self::SCALAR];
        #[cfg(target_arch = "x86_64")]
        {
            if crate::cpu::features().avx2 {
                out.push(Int8Kernel(Level::Avx2));
            }
            if crate::cpu::features().avx512f && crate::cpu::features().avx512bw && crate::cpu::features().avx512vnni {
                out.push(Int8Kernel(Level::Vnni));
            }
        }
        out
    }

    pub(super) fn level(self) -> Level {
        self.0
    }

    /// A short name: `avx512-vnni`, `avx2` or `scalar`.
    pub fn name(self) -> &'static str {
        match self.0 {
            Level::Scalar => "scalar",
            #[cfg(target_arch = "x86_64")]
            Level::Avx2 => "avx2",
            #[cfg(target_arch = "x86_64")]
            Level::Vnni => "avx512-vnni",
        }
    }

    /// The largest quantized activation this kernel takes: 255 for every kernel, so that the vectors do not
    /// depend on the CPU (AVX2 splits each activation in two so that `vpmaddubsw` cannot saturate).
    pub fn levels(self) -> u8 {
        255
    }
}
