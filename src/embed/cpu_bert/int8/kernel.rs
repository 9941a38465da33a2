//! The int8 matrix product `y (+)= dequant(xq · wqᵀ)`: register-blocked micro-kernels for AVX-512 VNNI
//! (`vpdpbusd`), AVX2 (`vpmaddubsw` + `vpmaddwd`) and portable code, chosen at run time.
//!
//! Every variant computes the same integer accumulators for the same quantized inputs (the tests check this) and
//! the same dequantization, so they agree bit for bit: the vectors do not depend on the CPU.

use super::level::{Int8Kernel, Level};
use super::quantize::{QuantizedMatrix, QuantizedRows, PANEL};

/// `y[m × n] = dequant(x · wᵀ)`, or `+=` with `accumulate`: `x` holds `m` quantized rows, `w` the `n × k`
/// quantized weights, `y` is row-major with `n` columns. Activations above [`Int8Kernel::levels`] give wrong
/// results (never undefined behaviour).
pub fn products(kernel: Int8Kernel, y: &mut [f32], x: &QuantizedRows, w: &QuantizedMatrix, m: usize, accumulate: bool) {
    check(x, w, m);
    assert!(y.len() >= m * w.n, "int8 products: output too small");
    let out = Dequant { y, x, w, accumulate };
    run(kernel, x, w, m, out);
}

/// The integer accumulators `Σ_c xq[i, c] · wq[j, c]` (`m × n`, row-major): what [`products`] dequantizes, for
/// tests that compare kernels.
pub fn accumulators(kernel: Int8Kernel, x: &QuantizedRows, w: &QuantizedMatrix, m: usize) -> Vec<i32> {
    check(x, w, m);
    let mut out = Integers {
        acc: vec![0; m * w.n],
        n: w.n,
    };
    run(kernel, x, w, m, &mut out);
    out.acc
}

fn check(x: &QuantizedRows, w: &QuantizedMatrix, m: usize) {
    assert!(
        x.k4 == w.k4 && x.data.len() >= m * x.k4 && x.scale.len() >= m && x.zero.len() >= m,
        "int8 products: activations do not match the weights"
    );
}

/// Where a finished tile of integer accumulators goes.
trait Sink {
    /// Takes the accumulators of rows `i0..i0 + tile.len()` (at most), columns `p·64..p·64 + 64` of panel `p`.
    fn tile(&mut self, i0: usize, rows: usize, p: usize, tile: &[[i32; PANEL]]);

    /// The output of that tile, to prefetch while the tile is computed (empty when there is none).
    fn output(&self, _i0: usize, _rows: usize, _p: usize) -> (*const u8, usize, usize) {
        (std::ptr::null(), 0, 0)
    }
}

/// Dequantizes tiles into the f32 output: `y = sx[i] · sw[j] · (acc − zp[i] · Σ_c wq[j, c])`.
struct Dequant<'a> {
    y: &'a mut [f32],
    x: &'a QuantizedRows,
    w: &'a QuantizedMatrix,
    accumulate: bool,
}

impl Sink for Dequant<'_> {
    #[inline(always)]
    fn output(&self, i0: usize, rows: usize, p: usize) -> (*const u8, usize, usize) {
        let n = self.w.n;
        let c0 = p * PANEL;
        // Each tile row's outputs: the 64 columns from c0 (at most 256 bytes), rows n·4 bytes apart.
        (self.y[i0 * n + c0..].as_ptr().cast(), rows, n * 4)
    }

    #[inline(always)]
    fn tile(&mut self, i0: usize, rows: usize, p: usize, tile: &[[i32; PANEL]]) {
        let n = self.w.n;
        let c0 = p * PANEL;
        let cols = (n - c0).min(PANEL);
        let sw = &self.w.scale[c0..c0 + cols];
        let sums = &self.w.colsum[c0..c0 + cols];
        for (i, acc) in tile.iter().enumerate().take(rows) {
            let (sx, zp) = (self.x.scale[i0 + i], self.x.zero[i0 + i]);
            let out = &mut self.y[(i0 + i) * n + c0..(i0 + i) * n + c0 + cols];
            if self.accumulate {
                for (((o, &a), &s), &sum) in out.iter_mut().zip(acc).zip(sw).zip(sums) {
                    *o += (a - zp * sum) as f32 * (sx * s);
                }
            } else {
                for (((o, &a), &s), &sum) in out.iter_mut().zip(acc).zip(sw).zip(sums) {
                    *o = (a - zp * sum) as f32 * (sx * s);
                }
            }
        }
    }
}

/// Keeps the raw accumulators.
struct Integers {
    acc: Vec<i32>,
    n: usize,
}

impl Sink for &mut Integers {
    #[inline(always)]
    fn tile(&mut self, i0: usize, rows: usize, p: usize, tile: &[[i32; PANEL]]) {
        let c0 = p * PANEL;
        let cols = (self.n - c0).min(PANEL);
        for (i, acc) in tile.iter().enumerate().take(rows) {
            self.acc[(i0 + i) * self.n + c0..][..cols].copy_from_slice(&acc[..cols]);
        }
    }
}

fn run(kernel: Int8Kernel, x: &QuantizedRows, w: &QuantizedMatrix, m: usize, sink: impl Sink) {
    match kernel.level() {
        Level::Scalar => scalar::drive(x, w, m, sink),
        // SAFETY: an AVX2 kernel is only made on CPUs with AVX2; the shapes were checked by the caller.
        #[cfg(target_arch = "x86_64")]
        Level::Avx2 => unsafe { x86::drive_avx2(x, w, m, sink) },
        // SAFETY: a VNNI kernel is only made on CPUs with AVX-512 F, BW and VNNI; shapes checked by the caller.
        #[cfg(target_arch = "x86_64")]
        Level::Vnni => unsafe { x86::drive_vnni(x, w, m, sink) },
    }
}

/// Portable kernel: 4 rows × 64 columns a tile.
mod scalar {
    use super::*;

    const ROWS: usize = 4;

    pub(super) fn drive(x: &QuantizedRows, w: &QuantizedMatrix, m: usize, mut sink: impl Sink) {
        let k4 = w.k4;
        let mut tile = [[0i32; PANEL]; ROWS];
        for p in 0..w.panels() {
            let panel = w.panel(p);
            for i0 in (0..m).step_by(ROWS) {
                let rows = (m - i0).min(ROWS);
                for (i, acc) in tile.iter_mut().enumerate().take(rows) {
                    let row = &x.data[(i0 + i) * k4..(i0 + i + 1) * k4];
                    acc.fill(0);
                    for (xs, ws) in row.chunks_exact(4).zip(panel.chunks_exact(4 * PANEL)) {
                        for (a, wc) in acc.iter_mut().zip(ws.chunks_exact(4)) {
                            *a += xs
                                .iter()
                                .zip(wc)
                                .map(|(&u, &s)| i32::from(u) * i32::from(s))
                                .sum::<i32>();
                        }
                    }
                }
                sink.tile(i0, rows, p, &tile[..rows]);
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::*;
    use std::arch::x86_64::*;

    /// Rows of a VNNI tile: 6 × 4 accumulator registers, 4 weight registers and a broadcast fit in 32.
    const VNNI_ROWS: usize = 6;
    /// Rows of an AVX2 tile (32 columns a pass): 12 accumulators, a broadcast, the ones and a product in 16.
    const AVX2_ROWS: usize = 3;

    /// Pointers to the `rows` rows of `x` from `i0`; the unused slots repeat the first row (their results are
    /// discarded).
    #[inline(always)]
    fn row_starts<const R: usize>(x: &QuantizedRows, i0: usize, rows: usize) -> [*const u8; R] {
        std::array::from_fn(|i| x.data[(i0 + if i < rows { i } else { 0 }) * x.k4..].as_ptr())
    }

    /// Asks for the cache lines of a tile's outputs, which the epilogue reads and writes after the product.
    #[inline(always)]
    fn prefetch_output(sink: &impl Sink, i0: usize, rows: usize, p: usize, bytes: usize) {
        let (start, rows, stride) = sink.output(i0, rows, p);
        if start.is_null() {
            return;
        }
        for r in 0..rows {
            for line in (0..bytes).step_by(64) {
                // SAFETY: SSE is part of x86-64; a prefetch never faults, and the address is only computed
                // (wrapping_add), not dereferenced.
                unsafe { _mm_prefetch::<_MM_HINT_T0>(start.wrapping_add(r * stride + line).cast()) };
            }
        }
    }

    /// # Safety
    /// The CPU supports AVX-512 F, BW and VNNI; `x` and `w` have the same `k4` and `x` holds `m` rows.
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    pub(super) unsafe fn drive_vnni(x: &QuantizedRows, w: &QuantizedMatrix, m: usize, mut sink: impl Sink) {
        let steps = w.k4 / 4;
        let mut tile = [[0i32; PANEL]; VNNI_ROWS];
        for p in 0..w.panels() {
            let panel = w.panel(p).as_ptr();
            for i0 in (0..m).step_by(VNNI_ROWS) {
                let rows = (m - i0).min(VNNI_ROWS);
                let starts = row_starts::<VNNI_ROWS>(x, i0, rows);
                prefetch_output(&sink, i0, rows, p, (w.n - p * PANEL).min(PANEL) * 4);
                let mut acc = [[_mm512_setzero_si512(); 4]; VNNI_ROWS];
                for s in 0..steps {
                    // SAFETY: step `s` of a panel is 256 bytes at s·256 (the panel holds steps·256); each row start
                    // is followed by k4 = steps·4 bytes, so the 4 bytes at s·4 are in bounds.
                    unsafe {
                        let wp = panel.add(s * 4 * PANEL);
                        let wv: [__m512i; 4] = std::array::from_fn(|j| _mm512_loadu_si512(wp.add(64 * j).cast()));
                        for (a, start) in acc.iter_mut().zip(&starts) {
                            let b = _mm512_set1_epi32(start.add(4 * s).cast::<i32>().read_unaligned());
                            for (aj, wj) in a.iter_mut().zip(&wv) {
                                *aj = _mm512_dpbusd_epi32(*aj, b, *wj);
                            }
                        }
                    }
                }
                for (t, a) in tile.iter_mut().zip(&acc) {
                    for (j, v) in a.iter().enumerate() {
                        // SAFETY: each tile row holds 64 i32, 16 per register.
                        unsafe { _mm512_storeu_si512(t[16 * j..].as_mut_ptr().cast(), *v) };
                    }
                }
                sink.tile(i0, rows, p, &tile[..rows]);
            }
        }
    }

    /// # Safety
    /// The CPU supports AVX2; `x` and `w` have the same `k4` and `x` holds `m` rows.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn drive_avx2(x: &QuantizedRows, w: &QuantizedMatrix, m: usize, mut sink: impl Sink) {
        let steps = w.k4 / 4;
        let mut tile = [[0i32; PANEL]; AVX2_ROWS];
        let ones = _mm256_set1_epi16(1);
        let low_max = _mm256_set1_epi8(127);
        for p in 0..w.panels() {
            let panel = w.panel(p).as_ptr();
            for i0 in (0..m).step_by(AVX2_ROWS) {
                let rows = (m - i0).min(AVX2_ROWS);
                let starts = row_starts::<AVX2_ROWS>(x, i0, rows);
                for half in 0..2 {
                    let mut acc = [[_mm256_setzero_si256(); 4]; AVX2_ROWS];
                    for s in 0..steps {
                        // SAFETY: as in `drive_vnni`; the half-panel is 128 of the step's 256 bytes.
                        unsafe {
                            let wp = panel.add(s * 4 * PANEL + 128 * half);
                            for (a, start) in acc.iter_mut().zip(&starts) {
                                let b = _mm256_set1_epi32(start.add(4 * s).cast::<i32>().read_unaligned());
                                // An 8-bit activation as two parts of at most 127 and 128: with weights within
                                // ±127, neither part's pair sums can saturate 16 bits (2·128·127 < 32767).
                                let low = _mm256_min_epu8(b, low_max);
                                let high = _mm256_sub_epi8(b, low);
                                for (j, aj) in a.iter_mut().enumerate() {
                                    let wj = _mm256_loadu_si256(wp.add(32 * j).cast());
                                    let sums = _mm256_add_epi32(
                                        _mm256_madd_epi16(_mm256_maddubs_epi16(low, wj), ones),
                                        _mm256_madd_epi16(_mm256_maddubs_epi16(high, wj), ones),
                                    );
                                    *aj = _mm256_add_epi32(*aj, sums);
                                }
                            }
                        }
                    }
                    for (t, a) in tile.iter_mut().zip(&acc) {
                        for (j, v) in a.iter().enumerate() {
                            // SAFETY: each half of a tile row holds 32 i32, 8 per register.
                            unsafe { _mm256_storeu_si256(t[32 * half + 8 * j..].as_mut_ptr().cast(), *v) };
                        }
                    }
                }
                sink.tile(i0, rows, p, &tile[..rows]);
            }
        }
    }
}
