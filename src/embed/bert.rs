//! The BERT encoder run by candle, on any device and at f32 or f16, loaded from a model folder's `config.json` and
//! safetensors.
//!
//! The layers are candle-transformers' `BertEncoder`; the embeddings and the attention bias are built here, because
//! candle's `BertModel` builds the bias as `(1 - mask) * f32::MIN`, which is `-inf` in f16 and makes every real
//! token's bias `0 * -inf`, NaN. Here the bias is 0 for real tokens and a large negative number the dtype holds for
//! padding.

use std::path::Path;

use candle_core::{DType, Device, Module, Tensor};
use candle_nn::{Embedding, LayerNorm, VarBuilder};
use candle_transformers::models::bert::{BertEncoder as BertLayers, Config};
use serde::Deserialize;

use super::tokenize::TokenIds;
use super::EmbedError;

/// The model types whose weights candle's `BertModel` loads.
pub const SUPPORTED_MODEL_TYPES: [&str; 1] = ["bert"];

/// A loaded BERT encoder on a device.
pub struct BertEncoder {
    embeddings: Embeddings,
    layers: BertLayers,
    device: Device,
    dtype: DType,
    hidden_size: usize,
    name: String,
}

/// BERT's input embeddings: word, absolute position and token type, summed and layer-normalised.
struct Embeddings {
    word: Embedding,
    position: Embedding,
    token_type: Embedding,
    norm: LayerNorm,
}

impl Embeddings {
    fn load(vb: VarBuilder, config: &Config) -> candle_core::Result<Self> {
        let table = |rows, name| candle_nn::embedding(rows, config.hidden_size, vb.pp(name));
        Ok(Embeddings {
            word: table(config.vocab_size, "word_embeddings")?,
            position: table(config.max_position_embeddings, "position_embeddings")?,
            token_type: table(config.type_vocab_size, "token_type_embeddings")?,
            norm: candle_nn::layer_norm(config.hidden_size, config.layer_norm_eps, vb.pp("LayerNorm"))?,
        })
    }

    /// `ids` and `types` are batch × tokens; the result is batch × tokens × hidden.
    fn forward(&self, ids: &Tensor, types: &Tensor) -> candle_core::Result<Tensor> {
        let (_, tokens) = ids.dims2()?;
        let positions = Tensor::arange(0u32, tokens as u32, ids.device())?;
        let summed = (self.word.forward(ids)? + self.token_type.forward(types)?)?
            .broadcast_add(&self.position.forward(&positions)?)?;
        self.norm.forward(&summed)
    }
}

/// The attention bias of padding: low enough that softmax gives it no weight, and finite in the dtype.
fn padding_bias(dtype: DType) -> f64 {
    match dtype {
        // f16's largest finite value is 65,504; a score of -10,000 already weighs exp(-10,000) = 0.
        DType::F16 | DType::BF16 => -10_000.0,
        _ => f64::from(f32::MIN),
    }
}

/// Where the weights' tensors are: at the top level, or under `bert.` or the model type (as some exports have it).
fn weights_prefix<'a>(vb: VarBuilder<'a>, config: &Config) -> VarBuilder<'a> {
    let mut prefixes = vec!["bert".to_string()];
    prefixes.extend(config.model_type.clone());
    for prefix in prefixes {
        if vb.contains_tensor(&format!("{prefix}.embeddings.word_embeddings.weight")) {
            return vb.pp(prefix);
        }
    }
    vb
}

#[derive(Deserialize)]
struct ArchitectureProbe {
    model_type: Option<String>,
    #[serde(default)]
    architectures: Vec<String>,
}

/// Reads `config.json`, refusing anything but a BERT encoder with a clear message.
pub fn read_config(path: &Path) -> Result<Config, EmbedError> {
    let text = std::fs::read_to_string(path).map_err(|e| EmbedError::io(path, e))?;
    let probe: ArchitectureProbe =
        serde_json::from_str(&text).map_err(|e| EmbedError::config(path, format!("invalid JSON: {e}")))?;
    // Old configs may lack model_type; their architectures (e.g. "BertModel") still say what they are.
    let model_type = probe.model_type.unwrap_or_else(|| match probe.architectures.first() {
        Some(arch) if arch.starts_with("Bert") => "bert".to_string(),
        Some(arch) => arch.clone(),
        None => "unknown (no model_type)".to_string(),
    });
    if !SUPPORTED_MODEL_TYPES.contains(&model_type.to_ascii_lowercase().as_str()) {
        return Err(EmbedError::UnsupportedArchitecture {
            path: path.to_path_buf(),
            found: model_type,
        });
    }
    serde_json::from_str(&text).map_err(|e| EmbedError::config(path, format!("not a BERT configuration: {e}")))
}

impl BertEncoder {
    /// Loads the weights of `weights` (safetensors, with or without a `bert.` prefix) for `config` onto `device`,
    /// converted to `dtype` (F32, F16 or BF16).
    pub fn load(
        config: &Config,
        weights: &Path,
        device: &Device,
        dtype: DType,
        name: &str,
    ) -> Result<Self, EmbedError> {
        let candle_err = |source| EmbedError::Candle {
            model: format!("{name} ({})", weights.display()),
            source,
        };
        // SAFETY: the file is memory-mapped read-only for the model's lifetime; insights never writes model files
        // while a model is loaded, and a file changed underneath by another process is outside what we guard against.
        let vb = unsafe { VarBuilder::from_mmaped_safetensors(&[weights], dtype, device) }.map_err(candle_err)?;
        let vb = weights_prefix(vb, config);
        let embeddings = Embeddings::load(vb.pp("embeddings"), config).map_err(candle_err)?;
        let layers = BertLayers::load(vb.pp("encoder"), config).map_err(candle_err)?;
        Ok(BertEncoder {
            embeddings,
            layers,
            device: device.clone(),
            dtype,
            hidden_size: config.hidden_size,
            name: name.to_string(),
        })
    }

    /// The size of the token vectors the encoder gives.
    pub fn hidden_size(&self) -> usize {
        self.hidden_size
    }

    /// The device the weights live on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Runs a batch, padded to its longest sequence: returns the token vectors (batch × tokens × hidden, in the
    /// encoder's dtype) and the attention mask (batch × tokens, 1 for real tokens, u32).
    pub fn forward(&self, batch: &[&TokenIds]) -> Result<(Tensor, Tensor), EmbedError> {
        self.run(batch).map_err(|source| EmbedError::Candle {
            model: self.name.clone(),
            source,
        })
    }

    fn run(&self, batch: &[&TokenIds]) -> candle_core::Result<(Tensor, Tensor)> {
        let longest = batch.iter().map(|t| t.ids.len()).max().unwrap_or(0);
        let mut ids = Vec::with_capacity(batch.len() * longest);
        let mut types = Vec::with_capacity(batch.len() * longest);
        let mut mask = Vec::with_capacity(batch.len() * longest);
        for t in batch {
            let pad = longest - t.ids.len();
            ids.extend_from_slice(&t.ids);
            ids.extend(std::iter::repeat_n(0u32, pad));
            types.extend_from_slice(&t.type_ids);
            types.extend(std::iter::repeat_n(0u32, pad));
            mask.extend(std::iter::repeat_n(1u32, t.ids.len()));
            mask.extend(std::iter::repeat_n(0u32, pad));
        }
        let shape = (batch.len(), longest);
        let ids = Tensor::from_vec(ids, shape, &self.device)?;
        let types = Tensor::from_vec(types, shape, &self.device)?;
        let mask = Tensor::from_vec(mask, shape, &self.device)?;
        // batch × 1 × 1 × tokens, added to every head's scores: 0 where a token is real, `padding_bias` where not.
        let bias = ((mask.to_dtype(self.dtype)? - 1.0)? * -padding_bias(self.dtype))?
            .unsqueeze(1)?
            .unsqueeze(1)?;
        let hidden = self.embeddings.forward(&ids, &types)?;
        let hidden = self.layers.forward(&hidden, &bias)?;
        Ok((hidden, mask))
    }
}

#[cfg(test)]
mod tests;
