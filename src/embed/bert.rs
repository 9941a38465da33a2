//! The BERT encoder, run by candle-transformers, loaded from a model folder's `config.json` and safetensors.

use std::path::Path;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use serde::Deserialize;

use super::tokenize::TokenIds;
use super::EmbedError;

/// The model types whose weights candle's `BertModel` loads.
pub const SUPPORTED_MODEL_TYPES: [&str; 1] = ["bert"];

/// A loaded BERT encoder on a device.
pub struct BertEncoder {
    model: BertModel,
    device: Device,
    hidden_size: usize,
    name: String,
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
    /// Loads the weights of `weights` (safetensors, with or without a `bert.` prefix) for `config` onto `device`.
    pub fn load(config: &Config, weights: &Path, device: &Device, name: &str) -> Result<Self, EmbedError> {
        let candle_err = |source| EmbedError::Candle {
            model: name.to_string(),
            source,
        };
        // SAFETY: the file is memory-mapped read-only for the model's lifetime; insights never writes model files
        // while a model is loaded, and a file changed underneath by another process is outside what we guard against.
        let vb = unsafe { VarBuilder::from_mmaped_safetensors(&[weights], DType::F32, device) }.map_err(candle_err)?;
        let model = BertModel::load(vb, config).map_err(|source| EmbedError::Candle {
            model: format!("{name} ({})", weights.display()),
            source,
        })?;
        Ok(BertEncoder {
            model,
            device: device.clone(),
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

    /// Runs a batch, padded to its longest sequence: returns the token vectors (batch × tokens × hidden) and the
    /// attention mask (batch × tokens, 1 for real tokens).
    pub fn forward(&self, batch: &[&TokenIds]) -> Result<(Tensor, Tensor), EmbedError> {
        let candle_err = |source| EmbedError::Candle {
            model: self.name.clone(),
            source,
        };
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
        let ids = Tensor::from_vec(ids, shape, &self.device).map_err(candle_err)?;
        let types = Tensor::from_vec(types, shape, &self.device).map_err(candle_err)?;
        let mask = Tensor::from_vec(mask, shape, &self.device).map_err(candle_err)?;
        let hidden = self.model.forward(&ids, &types, Some(&mask)).map_err(candle_err)?;
        Ok((hidden, mask))
    }
}
