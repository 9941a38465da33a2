//! The crate's linear algebra on f32 slices: dot products (portable, AVX2, AVX-512, chosen once), a row of dot
//! products, small matrix products, normalisation, and the int8 codes of a vector. Used by the index, the analyses
//! and the CPU forward alike; [`crate::vectors::Embeddings`] holds the vectors they run on.

/// The dot product of two equally long slices; for unit vectors, their cosine similarity.
///
/// Sixteen independent lanes summed in a fixed order: the loop vectorises without reassociating a single sum, so the
/// result is bit-identical whichever instruction set runs it (and [`dots`] gives exactly the same numbers).
#[inline(always)]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    debug_assert_eq!(a.len(), b.len());
    let mut acc = [0.0f32; 16];
    let (ca, cb) = (a.chunks_exact(16), b.chunks_exact(16));
    let tail: f32 = ca.remainder().iter().zip(cb.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in ca.zip(cb) {
        for l in 0..16 {
            acc[l] += x[l] * y[l];
        }
    }
    for l in 0..8 {
        acc[l] += acc[l + 8];
    }
    for l in 0..4 {
        acc[l] += acc[l + 4];
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

#[inline(always)]
fn dots_portable(rows: &[f32], dim: usize, x: &[f32], out: &mut [f32]) {
    for (o, r) in out.iter_mut().zip(rows.chunks_exact(dim)) {
        *o = dot(r, x);
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn dots_avx2(rows: &[f32], dim: usize, x: &[f32], out: &mut [f32]) {
    dots_portable(rows, dim, x, out)
}

/// `out[r] = x · row r` for the rows of the row-major buffer `rows` (`dim` wide): the hot loop of search and
/// clustering. Uses AVX2 where the processor has it; the result is the same either way.
pub fn dots(rows: &[f32], dim: usize, x: &[f32], out: &mut [f32]) {
    if dim == 0 {
        return out.fill(0.0);
    }
    #[cfg(target_arch = "x86_64")]
    if crate::cpu::features().avx2 {
        // SAFETY: the processor supports AVX2, checked just above; the function only reads and writes slices.
        return unsafe { dots_avx2(rows, dim, x, out) };
    }
    dots_portable(rows, dim, x, out)
}

/// `y = x · wᵀ` (or `y += x · wᵀ` when `accumulate`), with `x` [m × k], `w` [n × k] and `y` [m × n], all row-major:
/// every dot product of a row of `x` with a row of `w`, as one single-threaded matrix product (the `gemm` crate).
/// A linear layer's weight is stored as `w`; for unit rows, `y` holds their cosines. Deterministic: callers
/// parallelise over blocks of rows.
pub fn row_products(y: &mut [f32], x: &[f32], w: &[f32], m: usize, n: usize, k: usize, accumulate: bool) {
    assert!(
        x.len() >= m * k && w.len() >= n * k && y.len() >= m * n,
        "row_products: buffers too small"
    );
    if m == 0 || n == 0 {
        return;
    }
    // SAFETY: the three buffers are distinct borrows (`y` is `&mut`) and hold the m×k, n×k and m×n elements the
    // strides below address (checked above).
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            y.as_mut_ptr(),
            1,
            n as isize,
            accumulate,
            x.as_ptr(),
            1,
            k as isize,
            w.as_ptr(),
            k as isize,
            1,
            1.0,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        )
    }
}

/// The dot product with four independent 16-lane sums, for one-at-a-time use: about four times the throughput of
/// [`dot`] on long vectors, summed in another order (the last bits can differ from [`dot`]'s).
#[inline(always)]
fn dot_four_sums(a: &[f32], b: &[f32]) -> f32 {
    debug_assert_eq!(a.len(), b.len());
    let mut acc = [[0.0f32; 16]; 4];
    let (ca, cb) = (a.chunks_exact(64), b.chunks_exact(64));
    let tail = dot(ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for (s, sum) in acc.iter_mut().enumerate() {
            for l in 0..16 {
                sum[l] += x[s * 16 + l] * y[s * 16 + l];
            }
        }
    }
    let mut total = [0.0f32; 16];
    for l in 0..16 {
        total[l] = (acc[0][l] + acc[1][l]) + (acc[2][l] + acc[3][l]);
    }
    dot(&total, &[1.0; 16]) + tail
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn dot_avx512(a: &[f32], b: &[f32]) -> f32 {
    dot_four_sums(a, b)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn dot_avx2(a: &[f32], b: &[f32]) -> f32 {
    dot_four_sums(a, b)
}

/// The fastest dot product this processor has, for loops that take one dot product at a time, such as graph
/// search. Its last bits can differ from [`dot`]'s (another order of summation); a score shown to a person should
/// come from [`dot`] or [`dots`].
pub fn fast_dot() -> fn(&[f32], &[f32]) -> f32 {
    #[cfg(target_arch = "x86_64")]
    {
        if crate::cpu::features().avx512f {
            // SAFETY: the processor supports AVX-512F, checked just above; the function only reads slices.
            return |a, b| unsafe { dot_avx512(a, b) };
        }
        if crate::cpu::features().avx2 && crate::cpu::features().fma {
            // SAFETY: as above, for AVX2 and FMA.
            return |a, b| unsafe { dot_avx2(a, b) };
        }
    }
    dot_four_sums
}

/// The scale of symmetric int8 quantisation of `values`: their largest magnitude over 127, or 1 when that is zero
/// or not finite. `value ≈ scale · code`, with codes from [`int8_codes`].
pub fn int8_scale(values: &[f32]) -> f32 {
    let peak = values.iter().fold(0f32, |m, v| m.max(v.abs()));
    if peak > 0.0 && peak.is_finite() {
        peak / 127.0
    } else {
        1.0
    }
}

/// The int8 codes of `values` at `scale` (from [`int8_scale`]): rounded to nearest (ties to even), within ±127.
pub fn int8_codes(values: &[f32], scale: f32) -> impl Iterator<Item = i8> + '_ {
    let inverse = 1.0 / scale;
    values
        .iter()
        .map(move |&v| (v * inverse).round_ties_even().clamp(-127.0, 127.0) as i8)
}

/// Scales `v` to unit L2 norm in place; a zero vector is left as it is.
pub fn normalize_in_place(v: &mut [f32]) {
    let norm = dot(v, v).sqrt();
    if norm > 0.0 {
        for x in v.iter_mut() {
            *x /= norm;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_handles_lengths_not_multiple_of_sixteen_and_dots_agrees() {
        let a: Vec<f32> = (0..19).map(|i| i as f32).collect();
        let expected: f32 = a.iter().map(|x| x * x).sum();
        assert_eq!(dot(&a, &a), expected);
        let rows: Vec<f32> = (0..19 * 3).map(|i| (i as f32).sin()).collect();
        let mut out = [0.0f32; 3];
        dots(&rows, 19, &a, &mut out);
        for (r, o) in rows.chunks_exact(19).zip(out) {
            assert_eq!(dot(r, &a), o);
        }
    }

    #[test]
    fn fast_dot_agrees_with_dot_to_rounding() {
        let fast = fast_dot();
        for len in [1, 16, 64, 100, 384, 385] {
            let a: Vec<f32> = (0..len).map(|i| (i as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..len).map(|i| (i as f32 * 0.11).cos()).collect();
            let exact: f64 = a.iter().zip(&b).map(|(x, y)| *x as f64 * *y as f64).sum();
            assert!((fast(&a, &b) as f64 - exact).abs() < 1e-4, "length {len}");
            assert!((dot_four_sums(&a, &b) - fast(&a, &b)).abs() < 1e-5, "length {len}");
        }
    }

    #[test]
    fn row_products_match_the_naive_product() {
        let (m, n, k) = (7, 5, 19);
        let x: Vec<f32> = (0..m * k).map(|i| (i % 13) as f32 - 6.0).collect();
        let w: Vec<f32> = (0..n * k).map(|i| (i % 7) as f32 * 0.5 - 1.0).collect();
        let mut y = vec![1.0; m * n];
        row_products(&mut y, &x, &w, m, n, k, true);
        for i in 0..m {
            for j in 0..n {
                let want: f32 = 1.0 + (0..k).map(|c| x[i * k + c] * w[j * k + c]).sum::<f32>();
                assert_eq!(y[i * n + j], want);
            }
        }
        row_products(&mut y, &x, &w, m, n, k, false);
        assert_eq!(y[0], (0..k).map(|c| x[c] * w[c]).sum::<f32>());
    }
}
