//! The encoder's weights and shape as loaded for the fast CPU forward, and the checks made before a text runs.

use std::path::Path;

use candle_transformers::models::bert::{Config, HiddenAct};

use super::int8::Int8Kernel;
use super::isa::Isa;
use super::weights::Weights;
use crate::embed::tokenize::TokenIds;
use crate::embed::{EmbedError, Precision};

/// A BERT encoder loaded for the fast CPU forward.
pub struct CpuBert {
    pub(super) weights: Weights,
    pub(super) isa: Isa,
    pub(super) int8: Int8Kernel,
    pub(super) precision: Precision,
    pub(super) hidden: usize,
    pub(super) intermediate: usize,
    pub(super) head_dim: usize,
    pub(super) vocab: usize,
    pub(super) type_vocab: usize,
    pub(super) max_positions: usize,
    pub(super) eps: f32,
    pub(super) zeros: Vec<f32>,
    pub(super) name: String,
}

impl CpuBert {
    /// Why this forward cannot run `config`, or `None` when it can.
    pub fn unsupported_reason(config: &Config) -> Option<String> {
        if config.hidden_act != HiddenAct::Gelu {
            return Some(format!(
                "activation {:?} (the fast path runs erf GELU)",
                config.hidden_act
            ));
        }
        if config.num_attention_heads == 0 || !config.hidden_size.is_multiple_of(config.num_attention_heads) {
            return Some("hidden size not a multiple of the head count".to_string());
        }
        let head_dim = config.hidden_size / config.num_attention_heads;
        if head_dim != 32 && head_dim != 64 {
            return Some(format!("head size {head_dim} (the fast path runs 32 or 64)"));
        }
        None
    }

    /// Loads the weights of `weights` (safetensors) for `config`, the linear layers in `precision`; fails if the
    /// config is unsupported (check [`CpuBert::unsupported_reason`] first) or a tensor is missing or misshapen.
    pub fn load(config: &Config, weights: &Path, name: &str, precision: Precision) -> Result<Self, EmbedError> {
        if let Some(reason) = Self::unsupported_reason(config) {
            return Err(EmbedError::config(
                weights,
                format!("the fast CPU forward cannot run {reason}"),
            ));
        }
        if precision == Precision::F16 {
            return Err(EmbedError::config(
                weights,
                "the fast CPU forward runs f32 or int8, not f16 (f16 runs on a GPU)",
            ));
        }
        Ok(CpuBert {
            weights: Weights::load(config, weights, name, precision)?,
            isa: Isa::detect(),
            int8: Int8Kernel::detect(),
            precision,
            hidden: config.hidden_size,
            intermediate: config.intermediate_size,
            head_dim: config.hidden_size / config.num_attention_heads,
            vocab: config.vocab_size,
            type_vocab: config.type_vocab_size,
            max_positions: config.max_position_embeddings,
            eps: config.layer_norm_eps as f32,
            zeros: vec![0.0; config.hidden_size],
            name: name.to_string(),
        })
    }

    /// The same model running its element-wise kernels with `isa` (for tests and benchmarks).
    pub fn with_isa(mut self, isa: Isa) -> Self {
        self.isa = isa;
        self
    }

    /// The same model running its int8 products with `kernel` (for tests and benchmarks).
    pub fn with_int8_kernel(mut self, kernel: Int8Kernel) -> Self {
        self.int8 = kernel;
        self
    }

    /// The instruction set the kernels use.
    pub fn isa(&self) -> Isa {
        self.isa
    }

    /// The int8 kernel the linear layers use when the precision is int8.
    pub fn int8_kernel(&self) -> Int8Kernel {
        self.int8
    }

    /// The precision of the linear layers.
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// The size of the vectors.
    pub fn hidden_size(&self) -> usize {
        self.hidden
    }

    pub(super) fn check(&self, tokens: &TokenIds) -> Result<(), EmbedError> {
        let bad = |message: String| EmbedError::Config {
            path: self.name.clone().into(),
            message,
        };
        if tokens.ids.len() > self.max_positions || tokens.type_ids.len() != tokens.ids.len() {
            return Err(bad(format!(
                "a text of {} tokens exceeds the model's {} positions",
                tokens.ids.len(),
                self.max_positions
            )));
        }
        if let Some(id) = tokens.ids.iter().find(|&&id| id as usize >= self.vocab) {
            return Err(bad(format!(
                "token id {id} is outside the vocabulary of {}",
                self.vocab
            )));
        }
        if let Some(t) = tokens.type_ids.iter().find(|&&t| t as usize >= self.type_vocab) {
            return Err(bad(format!("token type {t} is outside the {} types", self.type_vocab)));
        }
        Ok(())
    }
}
