//! The element-wise kernels against plain scalar code, on every instruction set this CPU has.

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
fn powers_of_two_are_exact_over_the_exponent_range() {
    for n in -126..=127 {
        let got = pow2(n as f32);
        assert_eq!(got, 2f32.powi(n), "2^{n}");
        // The integer cast it replaces gives the same bits.
        assert_eq!(got.to_bits(), ((n + 127) as u32) << 23, "2^{n}");
    }
    // Outside the range: some float, no panic (NaN included).
    for n in [f32::NAN, f32::INFINITY, -1e9, 1e9] {
        let _ = pow2(n);
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
