//! candle's encoder as run here, against candle-transformers' own `BertModel`: the same vectors at f32 on a padded
//! batch, and finite vectors near f32's at f16, where `BertModel`'s attention bias is NaN.

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::BertModel;

use super::BertEncoder;
use crate::embed::cpu_bert::tests::{config, sequences, weights};
use crate::embed::tokenize::TokenIds;
use crate::embed::Pooling;
use crate::linalg::{dot, normalize_in_place};

/// Mean-pooled, normalised rows of token vectors `hidden` (any dtype) under `mask`.
fn mean_pooled(hidden: &Tensor, mask: &Tensor) -> Vec<Vec<f32>> {
    let hidden = hidden.to_dtype(DType::F32).unwrap();
    let dim = hidden.dim(2).unwrap();
    let flat: Vec<f32> = Pooling::Mean
        .apply(&hidden, mask)
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1()
        .unwrap();
    flat.chunks_exact(dim)
        .map(|row| {
            let mut row = row.to_vec();
            normalize_in_place(&mut row);
            row
        })
        .collect()
}

/// `batch` run as one padded batch by `encoder`, mean-pooled.
fn pooled(encoder: &BertEncoder, batch: &[&TokenIds]) -> Vec<Vec<f32>> {
    let (hidden, mask) = encoder.forward(batch).unwrap();
    mean_pooled(&hidden, &mask)
}

#[test]
fn padded_batches_match_bert_model_at_f32_and_stay_finite_and_close_at_f16() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(64, 2, 2);
    let tensors = weights(&config, "bert.");
    let path = dir.path().join("tiny.safetensors");
    candle_core::safetensors::save(&tensors, &path).unwrap();
    let seqs = sequences(&[40, 33, 17, 5, 2, 1]);
    let batch: Vec<&TokenIds> = seqs.iter().collect();

    let f32_encoder = BertEncoder::load(&config, &path, &Device::Cpu, DType::F32, "tiny").unwrap();
    let ours = pooled(&f32_encoder, &batch);
    // candle's own model, one sequence at a time (no padding), is the reference.
    let reference = BertModel::load(VarBuilder::from_tensors(tensors, DType::F32, &Device::Cpu), &config).unwrap();
    for (seq, got) in seqs.iter().zip(&ours) {
        let n = seq.ids.len();
        let ids = Tensor::from_vec(seq.ids.clone(), (1, n), &Device::Cpu).unwrap();
        let types = Tensor::from_vec(seq.type_ids.clone(), (1, n), &Device::Cpu).unwrap();
        let mask = Tensor::ones((1, n), DType::U32, &Device::Cpu).unwrap();
        let hidden = reference.forward(&ids, &types, Some(&mask)).unwrap();
        let want = &mean_pooled(&hidden, &mask)[0];
        let diff = want.iter().zip(got).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
        assert!(diff < 1e-5, "length {n}: max difference {diff} to BertModel");
    }

    let f16_encoder = BertEncoder::load(&config, &path, &Device::Cpu, DType::F16, "tiny").unwrap();
    for (seq, (half, full)) in seqs.iter().zip(pooled(&f16_encoder, &batch).iter().zip(&ours)) {
        assert!(
            half.iter().all(|x| x.is_finite()),
            "length {}: f16 gave {half:?}",
            seq.ids.len()
        );
        let similarity = dot(half, full);
        assert!(
            similarity > 0.999,
            "length {}: f16 cosine {similarity} to f32",
            seq.ids.len()
        );
    }
}
