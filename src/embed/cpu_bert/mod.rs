//! A fast CPU forward for BERT encoders: packed sequences (no padding), fused Q|K|V with the attention scale folded
//! in, bias + GELU and bias + residual + LayerNorm fused, one-pass softmax, linear layers through `gemm` run
//! single-threaded in each of several worker threads, and runtime dispatch of the element-wise kernels to AVX-512,
//! AVX2+FMA or portable code.
//!
//! It runs the same model as candle's `BertModel` (the tests compare the two) for the configurations it supports
//! ([`CpuBert::unsupported_reason`]); the embedder uses candle's model for anything else and on GPUs.

mod forward;
pub mod int8;
pub mod isa;
pub mod kernels;
#[cfg(test)]
pub(crate) mod tests;
mod weights;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use candle_transformers::models::bert::{Config, HiddenAct};

pub use isa::Isa;

use super::tokenize::TokenIds;
use super::{EmbedError, Pooling, Precision};
use forward::{chunk_by_tokens, Workspace};
use int8::Int8Kernel;
use weights::Weights;

/// Tokens a worker packs into one forward pass: large enough for efficient matrix products, small enough that
/// a worker's buffers stay near 10 KB a token (about 20 MB for MiniLM).
pub const CHUNK_TOKENS: usize = 2048;

/// A BERT encoder loaded for the fast CPU forward.
pub struct CpuBert {
    weights: Weights,
    isa: Isa,
    int8: Int8Kernel,
    precision: Precision,
    hidden: usize,
    intermediate: usize,
    head_dim: usize,
    vocab: usize,
    type_vocab: usize,
    max_positions: usize,
    eps: f32,
    zeros: Vec<f32>,
    name: String,
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

    fn check(&self, tokens: &TokenIds) -> Result<(), EmbedError> {
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

    /// Pools the texts `tokens[order[..]]` in chunks of about [`CHUNK_TOKENS`] consecutive texts of `order`, on
    /// `workers` threads (at least one; the calling thread only collects). After each chunk, `sink` gets the chunk's
    /// text indices and their pooled vectors (`hidden` values each, not normalised), on the calling thread.
    pub fn embed_pooled(
        &self,
        tokens: &[TokenIds],
        order: &[usize],
        pooling: Pooling,
        workers: usize,
        sink: &mut dyn FnMut(&[usize], &[f32]),
    ) -> Result<(), EmbedError> {
        for &i in order {
            self.check(&tokens[i])?;
        }
        let chunks = chunk_by_tokens(order, tokens, CHUNK_TOKENS);
        let run = |ws: &mut Workspace, chunk: usize| {
            let texts = &order[chunks[chunk].clone()];
            let seqs: Vec<&TokenIds> = texts.iter().map(|&i| &tokens[i]).collect();
            let mut pooled = vec![0f32; seqs.len() * self.hidden];
            self.forward_chunk(&seqs, pooling, ws, &mut pooled);
            pooled
        };
        let workers = workers.clamp(1, chunks.len().max(1));
        if workers == 1 {
            let mut ws = Workspace::default();
            for (i, range) in chunks.iter().enumerate() {
                sink(&order[range.clone()], &run(&mut ws, i));
            }
            return Ok(());
        }
        let next = AtomicUsize::new(0);
        let (tx, rx) = mpsc::channel::<(usize, Vec<f32>)>();
        std::thread::scope(|scope| {
            for _ in 0..workers {
                let tx = tx.clone();
                let (next, run, chunks) = (&next, &run, &chunks);
                scope.spawn(move || {
                    let mut ws = Workspace::default();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= chunks.len() || tx.send((i, run(&mut ws, i))).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(tx);
            for (i, pooled) in rx {
                sink(&order[chunks[i].clone()], &pooled);
            }
        });
        Ok(())
    }
}
