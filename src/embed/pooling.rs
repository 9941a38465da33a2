//! Pooling token vectors into one sentence vector, and the sentence-transformers metadata that configures it.

use std::path::Path;

use candle_core::{DType, Tensor, D};
use serde::Deserialize;

use super::acquire::model_files::ModelFiles;
use super::EmbedError;

/// How token vectors become one sentence vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pooling {
    /// The mean of the real (unmasked) tokens' vectors.
    Mean,
    /// The vector of the first token (`[CLS]`).
    Cls,
    /// The component-wise maximum over the real tokens.
    Max,
}

/// What the sentence-transformers metadata says about encoding, with defaults for a plain Hugging Face model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentenceConfig {
    /// The pooling mode (`1_Pooling/config.json`; mean when absent).
    pub pooling: Pooling,
    /// Texts are truncated to this many word pieces, special tokens included (`sentence_bert_config.json`).
    pub max_seq_length: usize,
    /// Whether the pipeline ends in a `Normalize` module (`modules.json`). Vectors are L2-normalised either way.
    pub has_normalize: bool,
}

#[derive(Deserialize)]
struct PoolingFile {
    #[serde(default)]
    pooling_mode_cls_token: bool,
    #[serde(default)]
    pooling_mode_mean_tokens: bool,
    #[serde(default)]
    pooling_mode_max_tokens: bool,
    #[serde(default)]
    pooling_mode_mean_sqrt_len_tokens: bool,
    #[serde(default)]
    pooling_mode_weightedmean_tokens: bool,
    #[serde(default)]
    pooling_mode_lasttoken: bool,
}

#[derive(Deserialize)]
struct SentenceBertFile {
    max_seq_length: Option<usize>,
}

#[derive(Deserialize)]
struct ModuleEntry {
    #[serde(rename = "type")]
    kind: String,
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, EmbedError> {
    let text = std::fs::read_to_string(path).map_err(|e| EmbedError::io(path, e))?;
    serde_json::from_str(&text).map_err(|e| EmbedError::config(path, format!("invalid JSON: {e}")))
}

impl SentenceConfig {
    /// Reads the metadata of `files`; `max_position_embeddings` caps the sequence length when no
    /// `sentence_bert_config.json` says otherwise.
    pub fn read(files: &ModelFiles, max_position_embeddings: usize) -> Result<Self, EmbedError> {
        let pooling = match &files.pooling_config {
            None => Pooling::Mean,
            Some(path) => parse_pooling(path, &read_json::<PoolingFile>(path)?)?,
        };
        let max_seq_length = match &files.sentence_bert_config {
            None => max_position_embeddings,
            Some(path) => {
                let len = read_json::<SentenceBertFile>(path)?
                    .max_seq_length
                    .unwrap_or(max_position_embeddings);
                if len == 0 || len > max_position_embeddings {
                    return Err(EmbedError::config(
                        path,
                        format!("max_seq_length {len} is outside 1..={max_position_embeddings}"),
                    ));
                }
                len
            }
        };
        let has_normalize = match &files.modules {
            None => false,
            Some(path) => read_json::<Vec<ModuleEntry>>(path)?
                .iter()
                .any(|m| m.kind.ends_with(".Normalize")),
        };
        Ok(SentenceConfig {
            pooling,
            max_seq_length,
            has_normalize,
        })
    }
}

fn parse_pooling(path: &Path, file: &PoolingFile) -> Result<Pooling, EmbedError> {
    if file.pooling_mode_mean_sqrt_len_tokens || file.pooling_mode_weightedmean_tokens || file.pooling_mode_lasttoken {
        return Err(EmbedError::config(
            path,
            "unsupported pooling mode: insights supports mean, CLS or max pooling",
        ));
    }
    match (
        file.pooling_mode_mean_tokens,
        file.pooling_mode_cls_token,
        file.pooling_mode_max_tokens,
    ) {
        (true, false, false) => Ok(Pooling::Mean),
        (false, true, false) => Ok(Pooling::Cls),
        (false, false, true) => Ok(Pooling::Max),
        (false, false, false) => Err(EmbedError::config(path, "no pooling mode is enabled")),
        _ => Err(EmbedError::config(
            path,
            "several pooling modes are enabled at once; insights supports exactly one of mean, CLS or max",
        )),
    }
}

impl Pooling {
    /// Pools `hidden` (batch × tokens × dim) under `mask` (batch × tokens, 1 for real tokens) to batch × dim.
    pub fn apply(self, hidden: &Tensor, mask: &Tensor) -> candle_core::Result<Tensor> {
        match self {
            Pooling::Cls => hidden.narrow(1, 0, 1)?.squeeze(1),
            Pooling::Mean => {
                let mask = mask.to_dtype(DType::F32)?.unsqueeze(D::Minus1)?;
                let summed = hidden.broadcast_mul(&mask)?.sum(1)?;
                let counts = mask.sum(1)?.clamp(1e-9f32, f32::MAX)?;
                summed.broadcast_div(&counts)
            }
            Pooling::Max => {
                // Masked positions get -1e9, as sentence-transformers does, so they never win the maximum.
                let mask = mask.to_dtype(DType::F32)?.unsqueeze(D::Minus1)?;
                let penalty = ((mask.ones_like()? - &mask)? * -1e9f64)?;
                hidden.broadcast_add(&penalty)?.max(1)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    fn tensors() -> (Tensor, Tensor) {
        // Two sequences of three tokens, dim 2; the second has one padding token.
        let hidden = Tensor::new(
            &[[[1f32, 2.], [3., 4.], [5., 6.]], [[1., -1.], [3., 5.], [100., 100.]]],
            &Device::Cpu,
        )
        .unwrap();
        let mask = Tensor::new(&[[1u32, 1, 1], [1, 1, 0]], &Device::Cpu).unwrap();
        (hidden, mask)
    }

    #[test]
    fn mean_ignores_padding() {
        let (h, m) = tensors();
        let out = Pooling::Mean.apply(&h, &m).unwrap().to_vec2::<f32>().unwrap();
        assert_eq!(out, vec![vec![3., 4.], vec![2., 2.]]);
    }

    #[test]
    fn cls_takes_first_token() {
        let (h, m) = tensors();
        let out = Pooling::Cls.apply(&h, &m).unwrap().to_vec2::<f32>().unwrap();
        assert_eq!(out, vec![vec![1., 2.], vec![1., -1.]]);
    }

    #[test]
    fn max_ignores_padding() {
        let (h, m) = tensors();
        let out = Pooling::Max.apply(&h, &m).unwrap().to_vec2::<f32>().unwrap();
        assert_eq!(out, vec![vec![5., 6.], vec![3., 5.]]);
    }

    #[test]
    fn pooling_config_modes() {
        let p = Path::new("1_Pooling/config.json");
        let file = |mean, cls, max| PoolingFile {
            pooling_mode_cls_token: cls,
            pooling_mode_mean_tokens: mean,
            pooling_mode_max_tokens: max,
            pooling_mode_mean_sqrt_len_tokens: false,
            pooling_mode_weightedmean_tokens: false,
            pooling_mode_lasttoken: false,
        };
        assert_eq!(parse_pooling(p, &file(true, false, false)).unwrap(), Pooling::Mean);
        assert_eq!(parse_pooling(p, &file(false, true, false)).unwrap(), Pooling::Cls);
        assert_eq!(parse_pooling(p, &file(false, false, true)).unwrap(), Pooling::Max);
        assert!(parse_pooling(p, &file(true, true, false)).is_err());
        assert!(parse_pooling(p, &file(false, false, false)).is_err());
    }
}
