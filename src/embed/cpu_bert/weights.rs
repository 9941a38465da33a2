//! The BERT weights the fast forward reads, copied once out of the memory-mapped safetensors file (Q, K and V fused
//! into one matrix with the attention scale folded in); the word-embedding table stays in the mapped file.

use std::path::Path;

use candle_core::safetensors::MmapedSafetensors;
use candle_core::{DType, Device};
use candle_transformers::models::bert::Config;

use super::int8::QuantizedMatrix;
use crate::embed::tokenize::TokenIds;
use crate::embed::{EmbedError, Precision};

/// A linear layer's weight matrix `[out, in]`, in the precision the forward runs.
pub(crate) enum Linear {
    /// Row-major f32, as stored.
    F32(Vec<f32>),
    /// Quantized and packed for the int8 kernels (the f32 values are dropped).
    Int8(QuantizedMatrix),
}

impl Linear {
    fn new(w: Vec<f32>, n: usize, k: usize, precision: Precision) -> Self {
        match precision {
            // f16 is refused by `CpuBert::load` before weights are read.
            Precision::F32 | Precision::F16 => Linear::F32(w),
            Precision::Int8 => Linear::Int8(QuantizedMatrix::quantize(&w, n, k)),
        }
    }
}

/// One encoder layer's weights, row-major as stored (`[out, in]` for the matrices).
pub(crate) struct LayerWeights {
    /// Q, K and V stacked: `[3·hidden, hidden]`, the Q rows scaled by 1/√head_dim.
    pub qkv_w: Linear,
    pub qkv_b: Vec<f32>,
    pub out_w: Linear,
    pub out_b: Vec<f32>,
    pub attn_norm_g: Vec<f32>,
    pub attn_norm_b: Vec<f32>,
    pub up_w: Linear,
    pub up_b: Vec<f32>,
    pub down_w: Linear,
    pub down_b: Vec<f32>,
    pub out_norm_g: Vec<f32>,
    pub out_norm_b: Vec<f32>,
}

/// Where the word-embedding rows come from.
pub(crate) enum WordTable {
    /// Little-endian f32 rows read straight from the mapped file, by tensor name.
    Mapped(String),
    /// A converted copy (for files that store another dtype).
    Owned(Vec<f32>),
}

/// All weights of the encoder.
pub(crate) struct Weights {
    pub file: MmapedSafetensors,
    pub word: WordTable,
    pub position: Vec<f32>,
    pub token_type: Vec<f32>,
    pub embed_norm_g: Vec<f32>,
    pub embed_norm_b: Vec<f32>,
    pub layers: Vec<LayerWeights>,
}

struct Reader<'a> {
    file: &'a MmapedSafetensors,
    prefix: String,
    path: &'a Path,
    model: &'a str,
}

impl Reader<'_> {
    fn shape_error(&self, name: &str, want: &[usize], found: &[usize]) -> EmbedError {
        EmbedError::config(
            self.path,
            format!("tensor {}{name} has shape {found:?}, expected {want:?}", self.prefix),
        )
    }

    fn candle(&self, source: candle_core::Error) -> EmbedError {
        EmbedError::Candle {
            model: format!("{} ({})", self.model, self.path.display()),
            source,
        }
    }

    /// Tensor `name` (under the prefix) as f32 values, checked to have `shape`.
    fn read(&self, name: &str, shape: &[usize]) -> Result<Vec<f32>, EmbedError> {
        let full = format!("{}{name}", self.prefix);
        let view = self.file.get(&full).map_err(|e| self.candle(e))?;
        if view.shape() != shape {
            return Err(self.shape_error(name, shape, view.shape()));
        }
        let dtype = DType::try_from(view.dtype()).map_err(|e| self.candle(e))?;
        if dtype == DType::F32 {
            return Ok(view
                .data()
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect());
        }
        let tensor = self.file.load(&full, &Device::Cpu).map_err(|e| self.candle(e))?;
        tensor
            .to_dtype(DType::F32)
            .and_then(|t| t.flatten_all())
            .and_then(|t| t.to_vec1::<f32>())
            .map_err(|e| self.candle(e))
    }

    fn layer(&self, i: usize, config: &Config, precision: Precision) -> Result<LayerWeights, EmbedError> {
        let (h, inter) = (config.hidden_size, config.intermediate_size);
        let p = format!("encoder.layer.{i}.");
        let scale = 1.0 / ((h / config.num_attention_heads) as f32).sqrt();
        let mut qkv_w = self.read(&format!("{p}attention.self.query.weight"), &[h, h])?;
        let mut qkv_b = self.read(&format!("{p}attention.self.query.bias"), &[h])?;
        qkv_w.iter_mut().chain(qkv_b.iter_mut()).for_each(|v| *v *= scale);
        for part in ["key", "value"] {
            qkv_w.extend(self.read(&format!("{p}attention.self.{part}.weight"), &[h, h])?);
            qkv_b.extend(self.read(&format!("{p}attention.self.{part}.bias"), &[h])?);
        }
        Ok(LayerWeights {
            qkv_w: Linear::new(qkv_w, 3 * h, h, precision),
            qkv_b,
            out_w: Linear::new(
                self.read(&format!("{p}attention.output.dense.weight"), &[h, h])?,
                h,
                h,
                precision,
            ),
            out_b: self.read(&format!("{p}attention.output.dense.bias"), &[h])?,
            attn_norm_g: self.read(&format!("{p}attention.output.LayerNorm.weight"), &[h])?,
            attn_norm_b: self.read(&format!("{p}attention.output.LayerNorm.bias"), &[h])?,
            up_w: Linear::new(
                self.read(&format!("{p}intermediate.dense.weight"), &[inter, h])?,
                inter,
                h,
                precision,
            ),
            up_b: self.read(&format!("{p}intermediate.dense.bias"), &[inter])?,
            down_w: Linear::new(
                self.read(&format!("{p}output.dense.weight"), &[h, inter])?,
                h,
                inter,
                precision,
            ),
            down_b: self.read(&format!("{p}output.dense.bias"), &[h])?,
            out_norm_g: self.read(&format!("{p}output.LayerNorm.weight"), &[h])?,
            out_norm_b: self.read(&format!("{p}output.LayerNorm.bias"), &[h])?,
        })
    }
}

/// The prefix the file's names carry, tried as candle's `BertModel` does: `bert.` when any name starts with
/// `bert.`, else none, else `<model_type>.`.
fn find_prefix(file: &MmapedSafetensors, config: &Config) -> String {
    let names: Vec<String> = file.tensors().into_iter().map(|(name, _)| name).collect();
    let probe = "embeddings.word_embeddings.weight";
    let mut candidates = vec![String::new()];
    if let Some(model_type) = &config.model_type {
        candidates.push(format!("{model_type}."));
    }
    if names.iter().any(|n| n.starts_with("bert.")) {
        candidates.insert(0, "bert.".to_string());
    }
    candidates
        .into_iter()
        .find(|p| names.iter().any(|n| *n == format!("{p}{probe}")))
        .unwrap_or_default()
}

impl Weights {
    /// Maps `path` and reads the weights `config` describes, the linear layers' in `precision`.
    pub fn load(config: &Config, path: &Path, model: &str, precision: Precision) -> Result<Self, EmbedError> {
        // SAFETY: the file is mapped read-only for the model's lifetime; insights never writes model files while a
        // model is loaded, and a file changed underneath by another process is outside what we guard against.
        let file = unsafe { MmapedSafetensors::new(path) }.map_err(|source| EmbedError::Candle {
            model: format!("{model} ({})", path.display()),
            source,
        })?;
        let reader = Reader {
            file: &file,
            prefix: find_prefix(&file, config),
            path,
            model,
        };
        let h = config.hidden_size;
        let word_name = format!("{}embeddings.word_embeddings.weight", reader.prefix);
        let word_view = file.get(&word_name).map_err(|e| reader.candle(e))?;
        if word_view.shape() != [config.vocab_size, h] {
            return Err(reader.shape_error(
                "embeddings.word_embeddings.weight",
                &[config.vocab_size, h],
                word_view.shape(),
            ));
        }
        let word = if DType::try_from(word_view.dtype()).map_err(|e| reader.candle(e))? == DType::F32 {
            WordTable::Mapped(word_name)
        } else {
            WordTable::Owned(reader.read("embeddings.word_embeddings.weight", &[config.vocab_size, h])?)
        };
        let position = reader.read(
            "embeddings.position_embeddings.weight",
            &[config.max_position_embeddings, h],
        )?;
        let token_type = reader.read("embeddings.token_type_embeddings.weight", &[config.type_vocab_size, h])?;
        let embed_norm_g = reader.read("embeddings.LayerNorm.weight", &[h])?;
        let embed_norm_b = reader.read("embeddings.LayerNorm.bias", &[h])?;
        let layers = (0..config.num_hidden_layers)
            .map(|i| reader.layer(i, config, precision))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Weights {
            word,
            position,
            token_type,
            embed_norm_g,
            embed_norm_b,
            layers,
            file,
        })
    }

    /// Writes the embedding sum (word + position + token type) of each token of `seqs`, packed one after another,
    /// into `x` (`hidden` values a token). Ids were checked against the table sizes by the caller.
    pub fn embed_tokens(&self, seqs: &[&TokenIds], x: &mut [f32]) {
        let h = self.embed_norm_g.len();
        let view = match &self.word {
            WordTable::Mapped(name) => Some(self.file.get(name).expect("word embeddings were found at load")),
            WordTable::Owned(_) => None,
        };
        let rows = seqs
            .iter()
            .flat_map(|t| t.ids.iter().zip(&t.type_ids).enumerate())
            .zip(x.chunks_exact_mut(h));
        for ((pos, (&id, &kind)), out) in rows {
            let (id, kind) = (id as usize, kind as usize);
            let position = &self.position[pos * h..(pos + 1) * h];
            let token_type = &self.token_type[kind * h..(kind + 1) * h];
            for ((o, p), t) in out.iter_mut().zip(position).zip(token_type) {
                *o = p + t;
            }
            match (&self.word, &view) {
                (WordTable::Owned(table), _) => {
                    for (o, w) in out.iter_mut().zip(&table[id * h..(id + 1) * h]) {
                        *o += w;
                    }
                }
                (WordTable::Mapped(_), Some(view)) => {
                    let bytes = &view.data()[id * h * 4..(id + 1) * h * 4];
                    for (o, b) in out.iter_mut().zip(bytes.chunks_exact(4)) {
                        *o += f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                    }
                }
                (WordTable::Mapped(_), None) => unreachable!("a mapped table has a view"),
            }
        }
    }
}
