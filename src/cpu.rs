//! The processor's vector instruction sets, detected once: the one place the crate asks. Every SIMD kernel is
//! chosen from these flags, and a flag is only true where the processor has that instruction set, which is what
//! makes calling the kernel compiled for it sound.

use std::sync::OnceLock;

/// Which x86-64 vector extensions this processor has (all false elsewhere).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CpuFeatures {
    /// AVX2 (256-bit integer and float vectors).
    pub avx2: bool,
    /// Fused multiply-add on 256-bit vectors.
    pub fma: bool,
    /// AVX-512 Foundation.
    pub avx512f: bool,
    /// AVX-512 byte and word instructions.
    pub avx512bw: bool,
    /// AVX-512 Vector Neural Network Instructions (int8 dot products).
    pub avx512vnni: bool,
}

impl CpuFeatures {
    fn detect() -> CpuFeatures {
        #[cfg(target_arch = "x86_64")]
        {
            CpuFeatures {
                avx2: std::arch::is_x86_feature_detected!("avx2"),
                fma: std::arch::is_x86_feature_detected!("fma"),
                avx512f: std::arch::is_x86_feature_detected!("avx512f"),
                avx512bw: std::arch::is_x86_feature_detected!("avx512bw"),
                avx512vnni: std::arch::is_x86_feature_detected!("avx512vnni"),
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            CpuFeatures::default()
        }
    }
}

/// This processor's features, detected on first use.
pub fn features() -> &'static CpuFeatures {
    static FEATURES: OnceLock<CpuFeatures> = OnceLock::new();
    FEATURES.get_or_init(CpuFeatures::detect)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flags_agree_with_the_standard_library() {
        let f = features();
        #[cfg(target_arch = "x86_64")]
        {
            assert_eq!(f.avx2, std::arch::is_x86_feature_detected!("avx2"));
            assert_eq!(f.avx512vnni, std::arch::is_x86_feature_detected!("avx512vnni"));
        }
        // Wider sets imply the narrower ones on every processor made.
        assert!(!f.avx512f || f.avx2);
        assert!(!f.avx512vnni || f.avx512f);
    }
}
