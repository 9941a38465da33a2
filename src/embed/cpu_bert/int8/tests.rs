//! The int8 kernels against an f64 product of the dequantized operands, and every kernel against the portable one.

use super::*;

use crate::embed::cpu_bert::tests::Rng;

/// Shapes with ragged edges (rows not a multiple of any tile, columns not of 64, inputs not of 4) and a real one.
const SHAPES: [(usize, usize, usize); 4] = [(1, 1, 1), (13, 70, 37), (7, 64, 8), (50, 384, 384)];

#[test]
fn quantization_error_is_half_a_step() {
    let mut rng = Rng(3);
    let (m, n, k) = (9, 70, 37);
    let x = rng.values(m * k, 3.0, 0.5);
    let w = rng.values(n * k, 0.2, 0.0);
    let mut q = QuantizedRows::default();
    q.quantize_to(Int8Kernel::SCALAR, &x, m, k, 255);
    for i in 0..m {
        for c in 0..k {
            let back = q.scale[i] * (f32::from(q.data[i * q.k4 + c]) - q.zero[i] as f32);
            assert!((back - x[i * k + c]).abs() <= 0.5001 * q.scale[i], "row {i} col {c}");
        }
        assert!(q.data[i * q.k4 + k..(i + 1) * q.k4].iter().all(|&v| v == 0), "padding");
    }
    let wq = QuantizedMatrix::quantize(&w, n, k);
    for j in 0..n {
        let sum: i32 = (0..k).map(|c| i32::from(wq.get(j, c))).sum();
        assert_eq!(sum, wq.colsum[j]);
        for c in 0..k {
            let back = wq.scale[j] * f32::from(wq.get(j, c));
            assert!(
                (back - w[j * k + c]).abs() <= 0.5001 * wq.scale[j],
                "channel {j} input {c}"
            );
        }
    }
}

#[test]
fn products_match_the_dequantized_product_in_f64() {
    let mut rng = Rng(11);
    for kernel in Int8Kernel::supported() {
        for (m, n, k) in SHAPES {
            let x = rng.values(m * k, 2.0, 0.3);
            let w = rng.values(n * k, 0.1, 0.0);
            let start = rng.values(m * n, 1.0, 0.0);
            let mut q = QuantizedRows::default();
            q.quantize(kernel, &x, m, k);
            let wq = QuantizedMatrix::quantize(&w, n, k);
            for accumulate in [false, true] {
                let mut y = start.clone();
                products(kernel, &mut y, &q, &wq, m, accumulate);
                for i in 0..m {
                    for j in 0..n {
                        let (mut want, mut size) = (0f64, 0f64);
                        for c in 0..k {
                            let xv = f64::from(q.scale[i]) * (f64::from(q.data[i * q.k4 + c]) - f64::from(q.zero[i]));
                            let term = xv * f64::from(wq.scale[j]) * f64::from(wq.get(j, c));
                            want += term;
                            size += term.abs();
                        }
                        if accumulate {
                            want += f64::from(start[i * n + j]);
                            size += f64::from(start[i * n + j]).abs();
                        }
                        let got = f64::from(y[i * n + j]);
                        assert!(
                            (got - want).abs() <= 1e-6 * size + 1e-30,
                            "{} {m}x{n}x{k} accumulate {accumulate} [{i},{j}]: {got} vs {want}",
                            kernel.name()
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn every_kernel_gives_the_portable_accumulators() {
    let mut rng = Rng(5);
    for (m, n, k) in SHAPES {
        // 8-bit activations, the range every kernel takes; the extremes of both operands are included.
        let mut x = rng.values(m * k, 1.0, 0.0);
        x[0] = -1.0;
        x[m * k - 1] = 1.0;
        let w = rng.values(n * k, 1.0, 0.0);
        let mut q = QuantizedRows::default();
        q.quantize_to(Int8Kernel::SCALAR, &x, m, k, 255);
        let wq = QuantizedMatrix::quantize(&w, n, k);
        let want = accumulators(Int8Kernel::SCALAR, &q, &wq, m);
        let exact: Vec<i32> = (0..m * n)
            .map(|e| {
                let (i, j) = (e / n, e % n);
                (0..k)
                    .map(|c| i32::from(q.data[i * q.k4 + c]) * i32::from(wq.get(j, c)))
                    .sum()
            })
            .collect();
        assert_eq!(want, exact, "portable kernel {m}x{n}x{k}");
        for kernel in Int8Kernel::supported() {
            assert_eq!(accumulators(kernel, &q, &wq, m), want, "{} {m}x{n}x{k}", kernel.name());
        }
    }
}

#[test]
fn full_range_activations_on_every_kernel() {
    // 255 × 127 products: every kernel takes them without saturating (AVX2 splits the activations in two).
    let (m, n, k) = (6, 64, 1536);
    let x = vec![1.0f32; m * k];
    let w = vec![1.0f32; n * k];
    let mut q = QuantizedRows::default();
    q.quantize_to(Int8Kernel::SCALAR, &x, m, k, 255);
    let wq = QuantizedMatrix::quantize(&w, n, k);
    for kernel in Int8Kernel::supported() {
        let acc = accumulators(kernel, &q, &wq, m);
        assert!(acc.iter().all(|&a| a == 255 * 127 * k as i32), "{}", kernel.name());
    }
}

#[test]
fn every_kernel_quantizes_activations_as_the_portable_code() {
    let mut rng = Rng(9);
    for (m, _, k) in SHAPES {
        let mut x = rng.values(m * k, 4.0, -1.0);
        // A row of zeros, and a row with only positive values.
        x[..k].fill(0.0);
        if m > 1 {
            x[k..2 * k].iter_mut().for_each(|v| *v = v.abs() + 0.5);
        }
        for levels in [127, 255] {
            let mut want = QuantizedRows::default();
            want.quantize_to(Int8Kernel::SCALAR, &x, m, k, levels);
            for kernel in Int8Kernel::supported() {
                let mut got = QuantizedRows::default();
                got.quantize_to(kernel, &x, m, k, levels);
                assert_eq!(got.data, want.data, "{} {m}x{k} levels {levels}", kernel.name());
                assert_eq!(got.scale, want.scale, "{} scales", kernel.name());
                assert_eq!(got.zero, want.zero, "{} zero points", kernel.name());
            }
        }
    }
}
