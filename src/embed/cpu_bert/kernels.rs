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
    let scale = f32::from_bits(((n as i32 + 127) as u32) << 23);
    p * scale
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
mod tests {
    use super::*;

    fn data(n: usize, seed: u64, scale: f32) -> Vec<f32> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                ((s >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * scale
            })
            .collect()
    }

    fn erf64(x: f64) -> f64 {
        // Series for |x| < 3, continued fraction beyond; accurate to ~1e-12, enough as a reference here.
        let a = x.abs();
        let r = if a < 3.0 {
            let mut term = a;
            let mut total = a;
            for n in 1..200 {
                term *= -a * a / n as f64;
                total += term / (2 * n + 1) as f64;
            }
            total * 2.0 / std::f64::consts::PI.sqrt()
        } else {
            let mut f = 0.0;
            for n in (1..60).rev() {
                f = n as f64 / 2.0 / (a + f);
            }
            1.0 - (-a * a).exp() / (a + f) / std::f64::consts::PI.sqrt()
        };
        r.copysign(x)
    }

    fn gelu64(x: f64) -> f64 {
        0.5 * x * (1.0 + erf64(x / std::f64::consts::SQRT_2))
    }

    #[test]
    fn every_isa_variant_is_checked() {
        let names: Vec<_> = Isa::supported().iter().map(|i| i.name()).collect();
        assert_eq!(names[0], "scalar");
        assert_eq!(Isa::detect(), *Isa::supported().last().unwrap());
    }

    #[test]
    fn gelu_matches_erf_definition() {
        let mut x = data(1536 * 3, 1, 8.0);
        x.extend([0.0, -0.0, 1e-8, -1e-8, 12.0, -12.0, 40.0, -40.0, 100.0, -100.0]);
        let bias = vec![0.0; x.len()];
        for isa in Isa::supported() {
            let mut y = x.clone();
            bias_gelu(isa, &mut y, &bias);
            for (&a, &b) in x.iter().zip(&y) {
                let want = gelu64(a as f64);
                assert!(
                    (want - b as f64).abs() <= 1e-6 + 2e-6 * want.abs(),
                    "{}: gelu({a}) = {b}, want {want}",
                    isa.name()
                );
            }
        }
    }

    #[test]
    fn bias_is_added_before_gelu_and_per_column() {
        let x = data(3 * 40, 2, 3.0);
        let bias = data(40, 3, 1.0);
        for isa in Isa::supported() {
            let mut y = x.clone();
            bias_gelu(isa, &mut y, &bias);
            let mut z = x.clone();
            add_bias(isa, &mut z, &bias);
            for (i, (&a, &b)) in z.iter().zip(&y).enumerate() {
                assert_eq!(z[i], x[i] + bias[i % 40]);
                let want = gelu64(a as f64);
                assert!((want - b as f64).abs() <= 2e-6, "{}: {a} {b}", isa.name());
            }
        }
    }

    #[test]
    fn softmax_matches_reference() {
        for len in [1, 2, 15, 16, 17, 100, 300] {
            let x = data(len, len as u64, 30.0);
            let m = x.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v as f64));
            let total: f64 = x.iter().map(|&v| (v as f64 - m).exp()).sum();
            for isa in Isa::supported() {
                let mut y = x.clone();
                softmax(isa, &mut y);
                for (&a, &b) in x.iter().zip(&y) {
                    let want = (a as f64 - m).exp() / total;
                    assert!(
                        (want - b as f64).abs() <= 4e-6 * want + 1e-30,
                        "{} len {len}: {b} vs {want}",
                        isa.name()
                    );
                }
            }
        }
    }

    #[test]
    fn exp_is_accurate_over_its_range() {
        for isa in Isa::supported() {
            let mut x: Vec<f32> = (-870..=0).map(|i| i as f32 / 10.0).collect();
            x.push(-1000.0);
            let mut y = x.clone();
            // softmax over [v, -inf-ish] isolates exp: use two-element rows [v, 0] → exp(v)/(1+exp(v)).
            for (&v, out) in x.iter().zip(y.iter_mut()) {
                let mut row = [v, 0.0];
                softmax(isa, &mut row);
                *out = row[0] / row[1];
            }
            for (&v, &e) in x.iter().zip(&y) {
                let want = (v as f64).exp();
                assert!(
                    (e as f64 - want).abs() <= 1e-6 * want + 1e-37,
                    "{}: exp({v}) = {e}, want {want}",
                    isa.name()
                );
            }
        }
    }

    #[test]
    fn layer_norm_matches_reference() {
        for width in [8, 20, 384] {
            let x = data(width * 5, width as u64, 4.0);
            let bias = data(width, 7, 1.0);
            let gamma = data(width, 8, 2.0);
            let beta = data(width, 9, 1.0);
            for isa in Isa::supported() {
                let mut y = x.clone();
                bias_layer_norm(isa, &mut y, &bias, &gamma, &beta, 1e-12);
                for (xr, yr) in x.chunks(width).zip(y.chunks(width)) {
                    let v: Vec<f64> = xr.iter().zip(&bias).map(|(&a, &b)| a as f64 + b as f64).collect();
                    let mean = v.iter().sum::<f64>() / width as f64;
                    let var = v.iter().map(|a| (a - mean) * (a - mean)).sum::<f64>() / width as f64;
                    for i in 0..width {
                        let want = (v[i] - mean) / (var + 1e-12).sqrt() * gamma[i] as f64 + beta[i] as f64;
                        assert!((want - yr[i] as f64).abs() < 1e-5, "{} width {width}", isa.name());
                    }
                }
            }
        }
    }

    fn attend_reference(qkv: &[f32], hidden: usize, head: usize, d: usize) -> Vec<f64> {
        let stride = 3 * hidden;
        let len = qkv.len() / stride;
        let mut out = vec![0f64; len * d];
        for i in 0..len {
            let s: Vec<f64> = (0..len)
                .map(|j| {
                    (0..d)
                        .map(|c| qkv[i * stride + head + c] as f64 * qkv[j * stride + hidden + head + c] as f64)
                        .sum()
                })
                .collect();
            let m = s.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let total: f64 = s.iter().map(|v| (v - m).exp()).sum();
            for j in 0..len {
                let p = (s[j] - m).exp() / total;
                for c in 0..d {
                    out[i * d + c] += p * qkv[j * stride + 2 * hidden + head + c] as f64;
                }
            }
        }
        out
    }

    fn check_attend<const D: usize>(heads: usize, lens: &[usize]) {
        let hidden = heads * D;
        for &len in lens {
            let qkv = data(len * 3 * hidden, len as u64 + 11, 1.5);
            let lp = len.next_multiple_of(16);
            for isa in Isa::supported() {
                let mut ctx = vec![f32::NAN; len * hidden];
                let mut kt = vec![0f32; D * lp];
                let mut scores = vec![0f32; ATTEND_ROWS * lp];
                for h in 0..heads {
                    attend::<D>(isa, &qkv, &mut ctx, hidden, h * D, &mut kt, &mut scores);
                }
                for h in 0..heads {
                    let want = attend_reference(&qkv, hidden, h * D, D);
                    for i in 0..len {
                        for c in 0..D {
                            let got = ctx[i * hidden + h * D + c] as f64;
                            assert!((got - want[i * D + c]).abs() < 2e-5, "{} D {D} len {len}", isa.name());
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn attention_matches_reference() {
        check_attend::<32>(3, &[1, 2, 15, 16, 17, 57, 130]);
        check_attend::<64>(2, &[1, 33, 70]);
    }
}
