//! Linear layers as one call to the `gemm` crate, single-threaded (the forward runs one chunk per worker thread).

/// `y = x · wᵀ` (or `y += x · wᵀ` when `accumulate`), with `x` [m × k], `w` [n × k] (a linear layer's weight as
/// stored) and `y` [m × n], all row-major.
pub fn linear(y: &mut [f32], x: &[f32], w: &[f32], m: usize, n: usize, k: usize, accumulate: bool) {
    assert!(
        x.len() >= m * k && w.len() >= n * k && y.len() >= m * n,
        "linear: buffers too small"
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_matches_naive_product() {
        let (m, n, k) = (7, 5, 19);
        let x: Vec<f32> = (0..m * k).map(|i| (i % 13) as f32 - 6.0).collect();
        let w: Vec<f32> = (0..n * k).map(|i| (i % 7) as f32 * 0.5 - 1.0).collect();
        let mut y = vec![1.0; m * n];
        linear(&mut y, &x, &w, m, n, k, true);
        for i in 0..m {
            for j in 0..n {
                let want: f32 = 1.0 + (0..k).map(|c| x[i * k + c] * w[j * k + c]).sum::<f32>();
                assert_eq!(y[i * n + j], want);
            }
        }
        linear(&mut y, &x, &w, m, n, k, false);
        assert_eq!(y[0], (0..k).map(|c| x[c] * w[c]).sum::<f32>());
    }
}
