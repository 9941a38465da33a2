//! Element-wise and attention kernels of the fast CPU forward: bias + GELU, bias + LayerNorm, softmax and one
//! attention head over a packed sequence.
//!
//! Each kernel has one body written as plain loops over fixed-width lanes, compiled three times: for AVX-512, for
//! AVX2 with FMA, and portable (no FMA). The public functions take an [`Isa`] and call the matching variant; the
//! tests check each variant against straightforward `f64` references.

use super::isa::{Isa, Level};

/// Lanes the reductions keep in flight (one AVX-512 register, two AVX2 ones).
const LANES: usize = 16;

/// Defines a public kernel dispatching on an [`Isa`] to its body compiled per instruction set. The body is generic
/// over `const FMA: bool` (fused multiply-add allowed).
macro_rules! dispatch {
    ($(#[$doc:meta])* pub fn $name:ident$(<$(const $c:ident: $ct:ty),*>)?($($arg:ident: $ty:ty),* $(,)?) => $body:ident) => {
        $(#[$doc])*
        pub fn $name$(<$(const $c: $ct),*>)?(isa: Isa, $($arg: $ty),*) {
            match isa.level() {
                Level::Scalar => $body::<false $($(, $c)*)?>($($arg),*),
                #[cfg(target_arch = "x86_64")]
                Level::Avx2 => {
                    #[target_feature(enable = "avx2,fma")]
                    unsafe fn avx2$(<$(const $c: $ct),*>)?($($arg: $ty),*) {
                        $body::<true $($(, $c)*)?>($($arg),*)
                    }
                    // SAFETY: an AVX2 `Isa` is only made on CPUs with AVX2 and FMA.
                    unsafe { avx2$(::<$($c),*>)?($($arg),*) }
                }
                #[cfg(target_arch = "x86_64")]
                Level::Avx512 => {
                    #[target_feature(enable = "avx512f,avx2,fma")]
                    unsafe fn avx512$(<$(const $c: $ct),*>)?($($arg: $ty),*) {
                        $body::<true $($(, $c)*)?>($($arg),*)
                    }
                    // SAFETY: an AVX-512 `Isa` is only made on CPUs with AVX-512F, AVX2 and FMA.
                    unsafe { avx512$(::<$($c),*>)?($($arg),*) }
                }
            }
        }
    };
}

#[inline(always)]
fn fmadd<const FMA: bool>(a: f32, b: f32, c: f32) -> f32 {
    if FMA {
        a.mul_add(b, c)
    } else {
        a * b + c
    }
}

/// e^x for x in about [-87, 88] (clamped outside): Cody-Waite reduction to r in [-ln2/2, ln2/2] and a degree-6
/// Taylor polynomial; relative error about 2e-7.
#[inline(always)]
fn exp_approx<const FMA: bool>(x: f32) -> f32 {
    const LN2_HI: f32 = 0.693_145_75;
    const LN2_LO: f32 = 1.428_606_8e-6;
    let x = x.clamp(-87.0, 88.0);
    let n = fmadd::<FMA>(x, std::f32::consts::LOG2_E, 0.5).floor();
    let r = fmadd::<FMA>(n, -LN2_HI, x);
    let r = fmadd::<FMA>(n, -LN2_LO, r);
    let mut p = 1.0 / 720.0;
    p = fmadd::<FMA>(p, r, 1.0 / 120.0);
    p = fmadd::<FMA>(p, r, 1.0 / 24.0);
    p = fmadd::<FMA>(p, r, 1.0 / 6.0);
    p = fmadd::<FMA>(p, r, 0.5);
    p = fmadd::<FMA>(p, r, 1.0);
    p = fmadd::<FMA>(p, r, 1.0);
    p * pow2(n)
}

/// 2^n for an integer-valued `n` in [-126, 127], made without a float-to-integer cast: Rust's `as i32` saturates
/// and so runs lane by lane, where this compiles to vector adds and shifts. Adding 2^23 + 127 puts n + 127 in the
/// low bits of the mantissa; the shift moves them into the exponent field and drops the rest. Other inputs give
/// some float (no panic, no undefined behaviour).
#[inline(always)]
fn pow2(n: f32) -> f32 {
    const BIAS: f32 = 8_388_608.0 + 127.0;
    f32::from_bits((n + BIAS).to_bits() << 23)
}

/// GELU with the exact (erf) definition, x·Φ(x), using Abramowitz-Stegun 7.1.26 for erf (absolute error below
/// 1.5e-7). The complement 1 − erf is formed directly, so negative inputs lose no precision to cancellation.
#[inline(always)]
fn gelu_erf<const FMA: bool>(x: f32) -> f32 {
    const P: f32 = 0.327_591_1;
    const A: [f32; 5] = [0.254_829_6, -0.284_496_72, 1.421_413_8, -1.453_152, 1.061_405_4];
    let a = x.abs() * std::f32::consts::FRAC_1_SQRT_2;
    let t = 1.0 / fmadd::<FMA>(P, a, 1.0);
    let mut poly = A[4];
    poly = fmadd::<FMA>(poly, t, A[3]);
    poly = fmadd::<FMA>(poly, t, A[2]);
    poly = fmadd::<FMA>(poly, t, A[1]);
    poly = fmadd::<FMA>(poly, t, A[0]);
    // q = 1 - erf(|x|/√2)
    let q = poly * t * exp_approx::<FMA>(-a * a);
    let h = if x >= 0.0 { 2.0 - q } else { q };
    0.5 * x * h
}

#[inline(always)]
fn sum<const FMA: bool>(x: &[f32]) -> f32 {
    let mut acc = [0f32; LANES];
    let mut chunks = x.chunks_exact(LANES);
    for c in &mut chunks {
        for l in 0..LANES {
            acc[l] += c[l];
        }
    }
    acc.iter().sum::<f32>() + chunks.remainder().iter().sum::<f32>()
}

#[inline(always)]
fn max<const FMA: bool>(x: &[f32]) -> f32 {
    let mut acc = [f32::NEG_INFINITY; LANES];
    let mut chunks = x.chunks_exact(LANES);
    for c in &mut chunks {
        for l in 0..LANES {
            acc[l] = acc[l].max(c[l]);
        }
    }
    acc.iter()
        .chain(chunks.remainder())
        .fold(f32::NEG_INFINITY, |m, &v| m.max(v))
}

#[inline(always)]
fn add_bias_body<const FMA: bool>(rows: &mut [f32], bias: &[f32]) {
    for row in rows.chunks_exact_mut(bias.len()) {
        for (x, b) in row.iter_mut().zip(bias) {
            *x += b;
        }
    }
}

#[inline(always)]
fn bias_gelu_body<const FMA: bool>(rows: &mut [f32], bias: &[f32]) {
    for row in rows.chunks_exact_mut(bias.len()) {
        for (x, b) in row.iter_mut().zip(bias) {
            *x = gelu_erf::<FMA>(*x + b);
        }
    }
}

#[inline(always)]
fn softmax_body<const FMA: bool>(row: &mut [f32]) {
    let m = max::<FMA>(row);
    for x in row.iter_mut() {
        *x = exp_approx::<FMA>(*x - m);
    }
    let inv = 1.0 / sum::<FMA>(row);
    for x in row.iter_mut() {
        *x *= inv;
    }
}

#[inline(always)]
fn bias_layer_norm_body<const FMA: bool>(rows: &mut [f32], bias: &[f32], gamma: &[f32], beta: &[f32], eps: f32) {
    let width = bias.len();
    let inv_width = 1.0 / width as f32;
    for row in rows.chunks_exact_mut(width) {
        for (x, b) in row.iter_mut().zip(bias) {
            *x += b;
        }
        let mean = sum::<FMA>(row) * inv_width;
        let mut acc = [0f32; LANES];
        let mut chunks = row.chunks_exact(LANES);
        for c in &mut chunks {
            for l in 0..LANES {
                let d = c[l] - mean;
                acc[l] = fmadd::<FMA>(d, d, acc[l]);
            }
        }
        let tail: f32 = chunks.remainder().iter().map(|&v| (v - mean) * (v - mean)).sum();
        let var = (acc.iter().sum::<f32>() + tail) * inv_width;
        let inv_std = 1.0 / (var + eps).sqrt();
        for ((x, g), b) in row.iter_mut().zip(gamma).zip(beta) {
            *x = fmadd::<FMA>((*x - mean) * inv_std, *g, *b);
        }
    }
}

/// Query rows [`attend`] takes together: their independent sums keep the FMA units busy where one row's chain of
/// dependent FMAs would wait on each result.
pub const ATTEND_ROWS: usize = 4;

/// One attention head over one packed sequence. `qkv` holds the sequence's rows of fused Q|K|V (row length
/// `3 * hidden`, the query already scaled by 1/√D); the head's D columns start at `head` in each part. Writes the
/// head's context into `ctx` (row length `hidden`, same columns). `kt` and `scores` are scratch space of at least
/// `D * lp` and `ATTEND_ROWS * lp` floats, with `lp` the sequence length rounded up to 16. Each row's sums run in
/// the same order as for a row on its own; only [`ATTEND_ROWS`] rows run side by side.
#[inline(always)]
fn attend_body<const FMA: bool, const D: usize>(
    qkv: &[f32],
    ctx: &mut [f32],
    hidden: usize,
    head: usize,
    kt: &mut [f32],
    scores: &mut [f32],
) {
    const R: usize = ATTEND_ROWS;
    let stride = 3 * hidden;
    let len = qkv.len() / stride;
    let lp = len.next_multiple_of(LANES);
    let kt = &mut kt[..D * lp];
    let scores = &mut scores[..R * lp];
    // K transposed (D rows of lp), zero-padded, so the scores of LANES keys at a time are plain FMAs.
    for (j, row) in qkv.chunks_exact(stride).enumerate() {
        let k: &[f32; D] = row[hidden + head..][..D].try_into().expect("head fits the row");
        for c in 0..D {
            kt[c * lp + j] = k[c];
        }
    }
    for c in 0..D {
        kt[c * lp + len..(c + 1) * lp].fill(0.0);
    }
    for first in (0..len).step_by(R) {
        let rows = R.min(len - first);
        // The group's queries; rows past the sequence's end stay zero and their results are dropped.
        let mut q = [[0f32; D]; R];
        for (i, qi) in q.iter_mut().enumerate().take(rows) {
            qi.copy_from_slice(&qkv[(first + i) * stride + head..][..D]);
        }
        for jb in 0..lp / LANES {
            let mut acc = [[0f32; LANES]; R];
            for c in 0..D {
                let k: &[f32; LANES] = kt[c * lp + jb * LANES..][..LANES].try_into().expect("padded");
                for (a, qi) in acc.iter_mut().zip(&q) {
                    let qc = qi[c];
                    for l in 0..LANES {
                        a[l] = fmadd::<FMA>(qc, k[l], a[l]);
                    }
                }
            }
            for (i, a) in acc.iter().enumerate() {
                scores[i * lp + jb * LANES..][..LANES].copy_from_slice(a);
            }
        }
        for i in 0..rows {
            softmax_body::<FMA>(&mut scores[i * lp..i * lp + len]);
        }
        let mut acc = [[0f32; D]; R];
        for (j, vrow) in qkv.chunks_exact(stride).enumerate() {
            let v: &[f32; D] = vrow[2 * hidden + head..][..D].try_into().expect("head fits the row");
            for (i, a) in acc.iter_mut().enumerate() {
                let p = scores[i * lp + j];
                for c in 0..D {
                    a[c] = fmadd::<FMA>(p, v[c], a[c]);
                }
            }
        }
        for (i, a) in acc.iter().enumerate().take(rows) {
            ctx[(first + i) * hidden + head..][..D].copy_from_slice(a);
        }
    }
}

dispatch! {
    /// Adds `bias` to every row of `rows` (row length `bias.len()`).
    pub fn add_bias(rows: &mut [f32], bias: &[f32]) => add_bias_body
}

dispatch! {
    /// Adds `bias` to every row of `rows`, then applies GELU (erf form) in place.
    pub fn bias_gelu(rows: &mut [f32], bias: &[f32]) => bias_gelu_body
}

dispatch! {
    /// Softmax of one row in place.
    pub fn softmax(row: &mut [f32]) => softmax_body
}

dispatch! {
    /// Adds `bias` to every row, then LayerNorm with `gamma`, `beta` and `eps`, in place (row length `bias.len()`).
    pub fn bias_layer_norm(rows: &mut [f32], bias: &[f32], gamma: &[f32], beta: &[f32], eps: f32) => bias_layer_norm_body
}

dispatch! {
    /// Self-attention of one head (dimension `D`) over one packed sequence; see the body's description of the
    /// arguments: `qkv` is the sequence's fused rows, `ctx` its context rows, `head` the head's first column.
    pub fn attend<const D: usize>(
        qkv: &[f32],
        ctx: &mut [f32],
        hidden: usize,
        head: usize,
        kt: &mut [f32],
        scores: &mut [f32],
    ) => attend_body
}

#[cfg(test)]
mod tests;
