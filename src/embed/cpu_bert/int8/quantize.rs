//! Int8 quantization: weight matrices once at load (symmetric, one scale per output channel, packed for the
//! kernels) and activations per row on every product (asymmetric, one scale and zero point per token).

/// Output channels in one packed panel: the kernels compute 64 columns of the product at a time.
pub const PANEL: usize = 64;

/// A weight matrix `[n × k]` quantized to int8 with one scale per row (output channel): `w[j, c] ≈ scale[j] ·
/// q[j, c]`, `q` in −127..=127.
///
/// The values are packed in panels of [`PANEL`] output channels, `[n/64][k/4][64][4]`: for each step of four
/// inputs, the 64 channels' four consecutive weights lie in 256 contiguous bytes, which is the operand layout of
/// `vpdpbusd`. `n` is padded to a multiple of 64 and `k` to a multiple of 4 with zero weights.
pub struct QuantizedMatrix {
    /// Output channels (rows of the original matrix).
    pub n: usize,
    /// Inputs (columns of the original matrix).
    pub k: usize,
    /// `k` rounded up to a multiple of 4.
    pub k4: usize,
    /// The packed int8 weights, `panels · k4 · 64` bytes.
    pub data: Vec<i8>,
    /// Per-channel scales, padded to the panels (1.0 for padding).
    pub scale: Vec<f32>,
    /// Per-channel sums of the int8 weights, for the activations' zero point (0 for padding).
    pub colsum: Vec<i32>,
}

impl QuantizedMatrix {
    /// Quantizes the row-major matrix `w` (`n` rows of `k`).
    pub fn quantize(w: &[f32], n: usize, k: usize) -> Self {
        assert!(w.len() >= n * k, "QuantizedMatrix::quantize: matrix too small");
        let k4 = k.next_multiple_of(4);
        let padded = n.next_multiple_of(PANEL);
        let mut data = vec![0i8; padded * k4];
        let mut scale = vec![1.0f32; padded];
        let mut colsum = vec![0i32; padded];
        for (j, row) in w.chunks_exact(k).take(n).enumerate() {
            let s = int8_scale(row);
            scale[j] = s;
            let (panel, lane) = (j / PANEL, j % PANEL);
            for (c, q) in int8_codes(row, s).enumerate() {
                colsum[j] += i32::from(q);
                data[panel * k4 * PANEL + (c / 4) * PANEL * 4 + lane * 4 + c % 4] = q;
            }
        }
        QuantizedMatrix {
            n,
            k,
            k4,
            data,
            scale,
            colsum,
        }
    }

    /// The number of 64-channel panels.
    pub fn panels(&self) -> usize {
        self.scale.len() / PANEL
    }

    /// The packed weights of panel `p`: `k4/4` steps of 256 bytes.
    pub fn panel(&self, p: usize) -> &[i8] {
        &self.data[p * self.k4 * PANEL..(p + 1) * self.k4 * PANEL]
    }

    /// The int8 weight of channel `j`, input `c` (for tests and references).
    pub fn get(&self, j: usize, c: usize) -> i8 {
        self.data[(j / PANEL) * self.k4 * PANEL + (c / 4) * PANEL * 4 + (j % PANEL) * 4 + c % 4]
    }
}

/// Rows of activations quantized to unsigned integers with one scale and zero point per row: `x[i, c] ≈ scale[i]
/// · (q[i, c] − zero[i])`. The buffers are reused from one product to the next.
#[derive(Default)]
pub struct QuantizedRows {
    /// Values per row as stored: `k` rounded up to 4, the padding zero.
    pub k4: usize,
    /// The quantized values, row-major, `k4` a row.
    pub data: Vec<u8>,
    /// Per-row scales.
    pub scale: Vec<f32>,
    /// Per-row zero points.
    pub zero: Vec<i32>,
}

use super::level::{Int8Kernel, Level};
use crate::linalg::{int8_codes, int8_scale};

/// Lanes of the min/max reduction (one AVX-512 register).
const LANES: usize = 16;

impl QuantizedRows {
    /// Quantizes the `m` rows of `k` values of `x` for `kernel`, onto `0..=kernel.levels()`, with the vector
    /// instructions that kernel has.
    pub fn quantize(&mut self, kernel: Int8Kernel, x: &[f32], m: usize, k: usize) {
        self.quantize_to(kernel, x, m, k, kernel.levels());
    }

    /// Quantizes the `m` rows of `k` values of `x` onto `0..=levels` (255 for 8 bits, 127 for 7), running the
    /// vector instructions of `kernel` (the result is the same for every kernel). Zero is always exactly
    /// representable (the range is widened to include it).
    pub fn quantize_to(&mut self, kernel: Int8Kernel, x: &[f32], m: usize, k: usize, levels: u8) {
        assert!(x.len() >= m * k, "QuantizedRows::quantize: input too small");
        match kernel.level() {
            Level::Scalar => self.quantize_body(x, m, k, levels),
            #[cfg(target_arch = "x86_64")]
            Level::Avx2 => {
                #[target_feature(enable = "avx2")]
                fn avx2(q: &mut QuantizedRows, x: &[f32], m: usize, k: usize, levels: u8) {
                    q.quantize_body(x, m, k, levels)
                }
                // SAFETY: an AVX2 kernel is only made on CPUs with AVX2.
                unsafe { avx2(self, x, m, k, levels) }
            }
            #[cfg(target_arch = "x86_64")]
            Level::Vnni => {
                let k4 = self.prepare(m, k);
                for (i, (row, out)) in x
                    .chunks_exact(k)
                    .zip(self.data.chunks_exact_mut(k4))
                    .take(m)
                    .enumerate()
                {
                    // SAFETY: a VNNI kernel is only made on CPUs with AVX-512 F and BW.
                    let (s, zp) = unsafe { x86::quantize_row(row, out, levels) };
                    self.scale[i] = s;
                    self.zero[i] = zp;
                }
            }
        }
    }

    /// The body of [`QuantizedRows::quantize_to`], compiled once per instruction set.
    #[inline(always)]
    fn quantize_body(&mut self, x: &[f32], m: usize, k: usize, levels: u8) {
        let k4 = self.prepare(m, k);
        let top = f32::from(levels);
        for (i, (row, out)) in x
            .chunks_exact(k)
            .zip(self.data.chunks_exact_mut(k4))
            .take(m)
            .enumerate()
        {
            let (lo, hi) = min_max(row);
            let (s, zp) = scale_and_zero(lo, hi, levels);
            self.scale[i] = s;
            self.zero[i] = zp;
            let (inv, zp) = (1.0 / s, zp as f32);
            for (q, &v) in out.iter_mut().zip(row) {
                *q = (v * inv + zp).round_ties_even().clamp(0.0, top) as u8;
            }
            out[k..].fill(0);
        }
    }

    /// Sizes the buffers for `m` rows of `k` values and returns the stored row length.
    fn prepare(&mut self, m: usize, k: usize) -> usize {
        let k4 = k.next_multiple_of(4);
        self.k4 = k4;
        self.data.resize(m * k4, 0);
        self.scale.resize(m, 0.0);
        self.zero.resize(m, 0);
        k4
    }
}

/// The scale and zero point that map `[min(lo, 0), max(hi, 0)]` onto `0..=levels`.
#[inline(always)]
fn scale_and_zero(lo: f32, hi: f32, levels: u8) -> (f32, i32) {
    let (lo, hi) = (lo.min(0.0), hi.max(0.0));
    let range = hi - lo;
    let top = f32::from(levels);
    if range > 0.0 && range.is_finite() {
        let s = range / top;
        (s, (-lo / s).round_ties_even().clamp(0.0, top) as i32)
    } else {
        (1.0, 0)
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    /// Quantizes one row into `out` (`row.len()` rounded up to 4 bytes, the padding zeroed) and returns its
    /// scale and zero point: the same values as the portable body, in AVX-512.
    ///
    /// # Safety
    /// The CPU supports AVX-512 F and BW.
    #[target_feature(enable = "avx512f,avx512bw")]
    pub(super) unsafe fn quantize_row(row: &[f32], out: &mut [u8], levels: u8) -> (f32, i32) {
        let k = row.len();
        let full = k / 16 * 16;
        let tail: __mmask16 = ((1u32 << (k - full)) - 1) as u16;
        let (mut lo, mut hi) = (_mm512_set1_ps(f32::INFINITY), _mm512_set1_ps(f32::NEG_INFINITY));
        for c in (0..full).step_by(16) {
            // SAFETY: c + 16 ≤ k.
            let v = unsafe { _mm512_loadu_ps(row.as_ptr().add(c)) };
            lo = _mm512_min_ps(lo, v);
            hi = _mm512_max_ps(hi, v);
        }
        // SAFETY: the masked load reads only the k − full lanes that exist; the others are zero, inside the range
        // (which always includes zero).
        let v = unsafe { _mm512_maskz_loadu_ps(tail, row.as_ptr().add(full)) };
        lo = _mm512_min_ps(lo, v);
        hi = _mm512_max_ps(hi, v);
        let (s, zp) = super::scale_and_zero(_mm512_reduce_min_ps(lo), _mm512_reduce_max_ps(hi), levels);
        let (inv, zpf) = (_mm512_set1_ps(1.0 / s), _mm512_set1_ps(zp as f32));
        let (zero, top) = (_mm512_setzero_si512(), _mm512_set1_epi32(i32::from(levels)));
        // Round to nearest even (the default rounding mode), as the portable body does.
        let quantize = |v: __m512| {
            let q = _mm512_cvtps_epi32(_mm512_add_ps(_mm512_mul_ps(v, inv), zpf));
            _mm512_min_epi32(_mm512_max_epi32(q, zero), top)
        };
        for c in (0..full).step_by(16) {
            // SAFETY: c + 16 ≤ k ≤ out.len().
            unsafe {
                let q = quantize(_mm512_loadu_ps(row.as_ptr().add(c)));
                _mm512_mask_cvtepi32_storeu_epi8(out.as_mut_ptr().add(c).cast(), 0xffff, q);
            }
        }
        if full < k {
            // SAFETY: the masked load and store touch only the lanes below k.
            unsafe {
                let q = quantize(_mm512_maskz_loadu_ps(tail, row.as_ptr().add(full)));
                _mm512_mask_cvtepi32_storeu_epi8(out.as_mut_ptr().add(full).cast(), tail, q);
            }
        }
        out[k..].fill(0);
        (s, zp)
    }
}

/// The least and greatest of `row` (NaNs ignored), in 16 lanes so that it vectorizes.
#[inline(always)]
fn min_max(row: &[f32]) -> (f32, f32) {
    let mut lo = [f32::INFINITY; LANES];
    let mut hi = [f32::NEG_INFINITY; LANES];
    let chunks = row.chunks_exact(LANES);
    for &v in chunks.remainder() {
        lo[0] = lo[0].min(v);
        hi[0] = hi[0].max(v);
    }
    for chunk in chunks {
        for l in 0..LANES {
            lo[l] = if chunk[l] < lo[l] { chunk[l] } else { lo[l] };
            hi[l] = if chunk[l] > hi[l] { chunk[l] } else { hi[l] };
        }
    }
    (
        lo.iter().fold(f32::INFINITY, |a, &b| a.min(b)),
        hi.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b)),
    )
}
