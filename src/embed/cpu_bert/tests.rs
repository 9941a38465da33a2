//! The fast forward against candle's `BertModel` on small random BERTs: every supported head size, every
//! instruction set, lengths 1 to 300 mixed in one call, each pooling mode.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};

use super::{CpuBert, Isa};
use crate::embed::tokenize::TokenIds;
use crate::embed::{Pooling, Precision};

const VOCAB: usize = 50;
const POSITIONS: usize = 320;

/// A seeded stream of values in −1..1 for test weights and inputs (also used by the int8 tests).
pub(super) struct Rng(pub(super) u64);

impl Rng {
    pub(super) fn next(&mut self) -> f32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0
    }

    /// `n` values `offset + scale · next()`.
    pub(super) fn values(&mut self, n: usize, scale: f32, offset: f32) -> Vec<f32> {
        (0..n).map(|_| offset + scale * self.next()).collect()
    }
}

/// A small BERT's configuration (also used by the candle encoder's tests).
pub(crate) fn config(hidden: usize, heads: usize, layers: usize) -> Config {
    Config {
        vocab_size: VOCAB,
        hidden_size: hidden,
        num_hidden_layers: layers,
        num_attention_heads: heads,
        intermediate_size: 4 * hidden,
        max_position_embeddings: POSITIONS,
        ..Config::default()
    }
}

/// Seeded random weights for `config`, named as in a BERT safetensors file under `prefix`.
pub(crate) fn weights(config: &Config, prefix: &str) -> HashMap<String, Tensor> {
    let mut rng = Rng(7);
    let mut w = HashMap::new();
    let mut put = |name: String, shape: &[usize], scale: f32, offset: f32| {
        let n: usize = shape.iter().product();
        let data: Vec<f32> = (0..n).map(|_| offset + scale * rng.next()).collect();
        w.insert(
            format!("{prefix}{name}"),
            Tensor::from_vec(data, shape, &Device::Cpu).unwrap(),
        );
    };
    let (h, i) = (config.hidden_size, config.intermediate_size);
    put("embeddings.word_embeddings.weight".into(), &[VOCAB, h], 1.0, 0.0);
    put(
        "embeddings.position_embeddings.weight".into(),
        &[POSITIONS, h],
        0.5,
        0.0,
    );
    put("embeddings.token_type_embeddings.weight".into(), &[2, h], 0.5, 0.0);
    put("embeddings.LayerNorm.weight".into(), &[h], 0.2, 1.0);
    put("embeddings.LayerNorm.bias".into(), &[h], 0.1, 0.0);
    for l in 0..config.num_hidden_layers {
        let p = format!("encoder.layer.{l}.");
        for (name, out, inp) in [
            ("attention.self.query", h, h),
            ("attention.self.key", h, h),
            ("attention.self.value", h, h),
            ("attention.output.dense", h, h),
            ("intermediate.dense", i, h),
            ("output.dense", h, i),
        ] {
            put(format!("{p}{name}.weight"), &[out, inp], 1.5 / (inp as f32).sqrt(), 0.0);
            put(format!("{p}{name}.bias"), &[out], 0.1, 0.0);
        }
        for norm in ["attention.output.LayerNorm", "output.LayerNorm"] {
            put(format!("{p}{norm}.weight"), &[h], 0.2, 1.0);
            put(format!("{p}{norm}.bias"), &[h], 0.1, 0.0);
        }
    }
    w
}

/// Seeded random token sequences of the given lengths.
pub(crate) fn sequences(lens: &[usize]) -> Vec<TokenIds> {
    let mut rng = Rng(99);
    lens.iter()
        .map(|&n| TokenIds {
            ids: (0..n)
                .map(|_| ((rng.next() + 1.0) * 0.5 * (VOCAB - 1) as f32) as u32)
                .collect(),
            type_ids: (0..n).map(|k| u32::from(k % 5 == 4)).collect(),
        })
        .collect()
}

/// candle's pooled vector of one sequence, run alone.
fn candle_pooled(model: &BertModel, seq: &TokenIds, pooling: Pooling) -> Vec<f32> {
    let n = seq.ids.len();
    let ids = Tensor::from_vec(seq.ids.clone(), (1, n), &Device::Cpu).unwrap();
    let types = Tensor::from_vec(seq.type_ids.clone(), (1, n), &Device::Cpu).unwrap();
    let mask = Tensor::ones((1, n), DType::U32, &Device::Cpu).unwrap();
    let hidden = model.forward(&ids, &types, Some(&mask)).unwrap();
    pooling
        .apply(&hidden, &mask)
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1()
        .unwrap()
}

fn compare(hidden: usize, heads: usize, layers: usize, prefix: &str, dir: &Path) {
    let config = config(hidden, heads, layers);
    let tensors = weights(&config, prefix);
    let path = dir.join(format!("h{hidden}{prefix}.safetensors"));
    candle_core::safetensors::save(&tensors, &path).unwrap();
    let vb = VarBuilder::from_tensors(tensors, DType::F32, &Device::Cpu);
    let reference = BertModel::load(vb, &config).unwrap();
    let lens = [1, 2, 3, 7, 16, 17, 31, 64, 100, 127, 200, 255, 300, POSITIONS];
    let seqs = sequences(&lens);
    // Longest first, as the embedder orders them.
    let order: Vec<usize> = (0..seqs.len()).rev().collect();
    for isa in Isa::supported() {
        let fast = CpuBert::load(&config, &path, "tiny", Precision::F32)
            .unwrap()
            .with_isa(isa);
        for pooling in [Pooling::Mean, Pooling::Cls, Pooling::Max] {
            let mut got = vec![f32::NAN; seqs.len() * hidden];
            fast.embed_pooled(&seqs, &order, pooling, 2, &mut |texts, pooled| {
                for (row, &i) in pooled.chunks_exact(hidden).zip(texts) {
                    got[i * hidden..(i + 1) * hidden].copy_from_slice(row);
                }
            })
            .unwrap();
            for (i, seq) in seqs.iter().enumerate() {
                let want = candle_pooled(&reference, seq, pooling);
                let diff = want
                    .iter()
                    .zip(&got[i * hidden..(i + 1) * hidden])
                    .map(|(a, b)| (a - b).abs())
                    .fold(0f32, f32::max);
                assert!(
                    diff < 2e-4,
                    "{} hidden {hidden} {pooling:?} len {}: max difference {diff}",
                    isa.name(),
                    seq.ids.len()
                );
            }
        }
    }
}

#[test]
fn matches_candle_with_head_size_32() {
    let dir = tempfile::tempdir().unwrap();
    compare(64, 2, 2, "", dir.path());
}

#[test]
fn matches_candle_with_head_size_64_and_prefixed_names() {
    let dir = tempfile::tempdir().unwrap();
    compare(128, 2, 1, "bert.", dir.path());
}

#[test]
fn refuses_texts_beyond_the_table_sizes() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(64, 2, 1);
    let path = dir.path().join("m.safetensors");
    candle_core::safetensors::save(&weights(&config, ""), &path).unwrap();
    let fast = CpuBert::load(&config, &path, "tiny", Precision::F32).unwrap();
    let mut sink = |_: &[usize], _: &[f32]| {};
    let too_long = sequences(&[POSITIONS + 1]);
    let err = fast
        .embed_pooled(&too_long, &[0], Pooling::Mean, 1, &mut sink)
        .unwrap_err();
    assert!(err.to_string().contains("exceeds the model's 320 positions"), "{err}");
    let bad_id = vec![TokenIds {
        ids: vec![1, VOCAB as u32],
        type_ids: vec![0, 0],
    }];
    let err = fast
        .embed_pooled(&bad_id, &[0], Pooling::Mean, 1, &mut sink)
        .unwrap_err();
    assert!(err.to_string().contains("outside the vocabulary"), "{err}");
}

#[test]
fn unsupported_configs_are_named() {
    let mut c = config(96, 2, 1);
    assert!(CpuBert::unsupported_reason(&c).unwrap().contains("head size 48"));
    c = config(64, 2, 1);
    assert!(CpuBert::unsupported_reason(&c).is_none());
    c.hidden_act = candle_transformers::models::bert::HiddenAct::Relu;
    assert!(CpuBert::unsupported_reason(&c).unwrap().contains("Relu"));
}

#[test]
fn chunks_respect_the_token_budget() {
    let seqs = sequences(&[5, 4, 3, 3, 9, 1]);
    let order: Vec<usize> = (0..seqs.len()).collect();
    let chunks = super::forward::chunk_by_tokens(&order, &seqs, 8);
    assert_eq!(chunks, vec![0..1, 1..3, 3..4, 4..5, 5..6]);
}

/// The int8 forward on a small random BERT: every int8 kernel with 8-bit activations gives the portable kernel's
/// vectors bit for bit, and every kernel stays close to f32.
#[test]
fn int8_forward_matches_across_kernels_and_stays_near_f32() {
    use super::int8::Int8Kernel;
    let dir = tempfile::tempdir().unwrap();
    let (hidden, heads) = (64, 2);
    let config = config(hidden, heads, 2);
    let path = dir.path().join("m.safetensors");
    candle_core::safetensors::save(&weights(&config, ""), &path).unwrap();
    let seqs = sequences(&[1, 5, 17, 64, 130, 300]);
    let order: Vec<usize> = (0..seqs.len()).rev().collect();
    let run = |model: &CpuBert| {
        let mut got = vec![f32::NAN; seqs.len() * hidden];
        model
            .embed_pooled(&seqs, &order, Pooling::Mean, 2, &mut |texts, pooled| {
                for (row, &i) in pooled.chunks_exact(hidden).zip(texts) {
                    got[i * hidden..(i + 1) * hidden].copy_from_slice(row);
                }
            })
            .unwrap();
        got
    };
    let reference = run(&CpuBert::load(&config, &path, "tiny", Precision::F32).unwrap());
    let int8 = CpuBert::load(&config, &path, "tiny", Precision::Int8).unwrap();
    let portable = run(&CpuBert::load(&config, &path, "tiny", Precision::Int8)
        .unwrap()
        .with_int8_kernel(Int8Kernel::SCALAR));
    for kernel in Int8Kernel::supported() {
        let model = CpuBert::load(&config, &path, "tiny", Precision::Int8)
            .unwrap()
            .with_int8_kernel(kernel);
        let got = run(&model);
        assert_eq!(got, portable, "{} differs from the portable kernel", kernel.name());
        for (a, b) in reference.chunks_exact(hidden).zip(got.chunks_exact(hidden)) {
            let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
            let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
            let cos = dot / (norm(a) * norm(b));
            assert!(cos > 0.99, "{}: cosine {cos} to f32", kernel.name());
            assert!(cos < 1.0 - 1e-7, "{}: int8 did not run", kernel.name());
        }
    }
    assert_eq!(int8.precision(), Precision::Int8);
}
