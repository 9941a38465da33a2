//! Sentence embeddings: texts in, unit vectors out, the same as sentence-transformers gives for the same model.
//!
//! [`locate`] finds (and if need be fetches and verifies) a model's files; [`Embedder::load`] reads them;
//! [`Embedder::embed`] tokenises, batches texts of similar length together, runs the encoder, pools and
//! L2-normalises. The embedder takes plain texts: it knows nothing of documents or insights.

pub mod acquire;
pub mod bert;
pub mod cpu_bert;
pub mod device;
pub mod error;
pub mod kind;
pub mod pooling;
pub mod precision;
pub mod tokenize;

use candle_core::DType;

pub use acquire::locate::{FetchEvent, ModelLocator, ModelSource};
pub use acquire::manifest::{find_known, known_models, KnownModel, DEFAULT_MODEL};
pub use acquire::model_files::{ChecksumStamps, ModelFiles};
pub use device::DeviceChoice;
pub use error::EmbedError;
pub use kind::VectorKind;
pub use pooling::{Pooling, SentenceConfig};
pub use precision::Precision;

use crate::vectors::{normalize_in_place, Embeddings};
use bert::BertEncoder;
use cpu_bert::CpuBert;
use tokenize::TextTokenizer;

/// The default batch size on the CPU. Measured with candle's BERT on 2 cores: 400 Debian passages embed at 42/s
/// with batches of 8, 38/s with 16 and 32/s with 32 (peak memory 258, 436 and 700 MB), since attention costs grow
/// with the batch while the matrix products gain little.
pub const CPU_BATCH_SIZE: usize = 8;
/// The default batch size on a GPU, where larger batches keep the device busy.
pub const GPU_BATCH_SIZE: usize = 64;

/// Which implementation of the encoder runs the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Engine {
    /// The fast CPU forward ([`cpu_bert`]) wherever it supports the model and the device is the CPU, else candle's.
    #[default]
    Auto,
    /// The fast CPU forward, or an error where it cannot run.
    Fast,
    /// candle's `BertModel`, on any device.
    Candle,
}

/// The engine an [`Embedder`] runs, as loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunningEngine {
    /// candle's `BertModel`.
    Candle,
    /// The fast CPU forward at f32, with the instruction set it uses.
    FastCpu {
        /// The instruction set.
        isa: &'static str,
    },
    /// The fast CPU forward with int8 linear layers.
    FastCpuInt8 {
        /// The int8 product kernel.
        kernel: &'static str,
        /// The instruction set of the rest.
        isa: &'static str,
    },
}

impl std::fmt::Display for RunningEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunningEngine::Candle => f.write_str("candle"),
            RunningEngine::FastCpu { isa } => write!(f, "fast-cpu ({isa})"),
            RunningEngine::FastCpuInt8 { kernel, isa } => write!(f, "fast-cpu int8 ({kernel}, {isa})"),
        }
    }
}

/// What runs the encoder.
enum Encoder {
    /// candle-transformers' `BertModel`, on any device, padded batches.
    Candle(BertEncoder),
    /// The packed-sequence CPU forward.
    Fast(CpuBert),
}

/// Texts tokenised at a time, which bounds the tokenizer's transient memory.
const TOKENIZE_SLICE: usize = 512;

/// How the embedder runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmbedOptions {
    /// Texts per forward pass; `None` picks [`CPU_BATCH_SIZE`] on the CPU and [`GPU_BATCH_SIZE`] on a GPU. Texts
    /// are sorted by length first, so a batch holds texts of similar length and little padding.
    pub batch_size: Option<usize>,
    /// Where the model runs (default: auto).
    pub device: DeviceChoice,
    /// The precision of the linear layers (default f32). Int8 runs only on the fast CPU forward; asking for it on
    /// a GPU or with candle's engine is an error.
    pub precision: Precision,
    /// Which encoder runs the model (default: the fast CPU forward where it can).
    pub engine: Engine,
}

impl Default for EmbedOptions {
    fn default() -> Self {
        EmbedOptions {
            batch_size: None,
            device: DeviceChoice::Auto,
            precision: Precision::F32,
            engine: Engine::Auto,
        }
    }
}

/// A loaded sentence-embedding model.
pub struct Embedder {
    encoder: Encoder,
    tokenizer: TextTokenizer,
    sentence: SentenceConfig,
    batch_size: usize,
    kind: VectorKind,
}

impl Embedder {
    /// Loads a model from its located files. `weights_sha256` is the weights' checksum when already known (verified
    /// against the manifest), else it is computed here: the index records it to tell models apart.
    pub fn load(files: &ModelFiles, weights_sha256: Option<String>, opts: &EmbedOptions) -> Result<Self, EmbedError> {
        let config = bert::read_config(&files.config)?;
        let sentence = SentenceConfig::read(files, config.max_position_embeddings)?;
        let tokenizer = TextTokenizer::load(&files.tokenizer, sentence.max_seq_length)?;
        // int8 runs only on the CPU, so `auto` means the CPU for it even where a GPU is present.
        let device = match (opts.device, opts.precision) {
            (DeviceChoice::Auto, Precision::Int8) => DeviceChoice::Cpu.open()?,
            (choice, _) => choice.open()?,
        };
        let engine = opts.engine;
        let fast_refusal = if !device.is_cpu() {
            Some("the device is not the CPU".to_string())
        } else {
            CpuBert::unsupported_reason(&config)
        };
        if opts.precision == Precision::Int8 {
            let refusal = if engine == Engine::Candle {
                Some("the candle engine was chosen (int8 runs only on the fast CPU engine)".to_string())
            } else {
                fast_refusal.as_ref().map(|reason| {
                    format!(
                        "the fast CPU engine cannot run this model here: {reason}; use --device cpu (or, for a new \
                         index, --precision f32)"
                    )
                })
            };
            if let Some(reason) = refusal {
                return Err(EmbedError::config(
                    &files.config,
                    format!("--precision int8 is not available: {reason}"),
                ));
            }
        }
        let encoder = match (engine, fast_refusal) {
            (Engine::Candle, _) | (Engine::Auto, Some(_)) => {
                Encoder::Candle(BertEncoder::load(&config, &files.weights, &device, &files.id)?)
            }
            (Engine::Fast, Some(reason)) => {
                return Err(EmbedError::config(
                    &files.config,
                    format!("the fast engine was chosen, but the fast CPU forward cannot run this model: {reason}"),
                ))
            }
            (_, None) => Encoder::Fast(CpuBert::load(&config, &files.weights, &files.id, opts.precision)?),
        };
        let weights_sha256 = match weights_sha256 {
            Some(sum) => sum,
            None => acquire::model_files::sha256_file(&files.weights)?,
        };
        let dim = match &encoder {
            Encoder::Candle(e) => e.hidden_size(),
            Encoder::Fast(e) => e.hidden_size(),
        };
        Ok(Embedder {
            encoder,
            tokenizer,
            sentence,
            batch_size: opts
                .batch_size
                .unwrap_or(if device.is_cpu() {
                    CPU_BATCH_SIZE
                } else {
                    GPU_BATCH_SIZE
                })
                .max(1),
            kind: VectorKind {
                model_id: files.id.clone(),
                weights_sha256,
                dim,
                precision: opts.precision,
            },
        })
    }

    /// What makes this model's vectors comparable with others: its weights, dimension and precision.
    pub fn kind(&self) -> &VectorKind {
        &self.kind
    }

    /// The dimension of the vectors.
    pub fn dim(&self) -> usize {
        self.kind.dim
    }

    /// What runs the encoder (shown as `candle`, `fast-cpu (<instruction set>)`, or `fast-cpu int8 (<int8
    /// kernel>, <instruction set>)`).
    pub fn engine(&self) -> RunningEngine {
        match &self.encoder {
            Encoder::Candle(_) => RunningEngine::Candle,
            Encoder::Fast(e) if e.precision() == Precision::Int8 => RunningEngine::FastCpuInt8 {
                kernel: e.int8_kernel().name(),
                isa: e.isa().name(),
            },
            Encoder::Fast(e) => RunningEngine::FastCpu { isa: e.isa().name() },
        }
    }

    /// The precision of the linear layers: the vectors of different precisions differ slightly and are not mixed.
    pub fn precision(&self) -> Precision {
        self.kind.precision
    }

    /// The model's name (repo id or folder).
    pub fn model_id(&self) -> &str {
        &self.kind.model_id
    }

    /// The sha256 of the model's weights.
    pub fn weights_sha256(&self) -> &str {
        &self.kind.weights_sha256
    }

    /// The sentence-transformers settings in force (pooling, truncation length, normalisation).
    pub fn sentence_config(&self) -> &SentenceConfig {
        &self.sentence
    }

    /// Embeds texts: one unit vector per text, in input order.
    pub fn embed(&self, texts: &[&str]) -> Result<Embeddings, EmbedError> {
        self.embed_with_progress(texts, &mut |_, _| {})
    }

    /// Embeds texts like [`Embedder::embed`], calling `progress(done, total)` after each batch.
    pub fn embed_with_progress(
        &self,
        texts: &[&str],
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Embeddings, EmbedError> {
        let dim = self.dim();
        // In slices: the tokenizer's full encodings (strings, offsets, masks) are several KB a text, and only the ids
        // are kept.
        let mut tokens = Vec::with_capacity(texts.len());
        for slice in texts.chunks(TOKENIZE_SLICE) {
            tokens.extend(self.tokenizer.encode(slice)?);
        }
        // Longest first: the largest batch runs first (a memory problem shows at once), and each batch holds texts of
        // similar length. The sort is stable, so equal lengths keep input order.
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(tokens[i].ids.len()));
        let mut out = vec![0f32; texts.len() * dim];
        let mut done = 0;
        // Pooled rows of the texts `chunk` names go to their input positions, normalised; then progress is told.
        let mut place = |chunk: &[usize], pooled: &[f32]| {
            for (row, &i) in pooled.chunks_exact(dim).zip(chunk) {
                let target = &mut out[i * dim..(i + 1) * dim];
                target.copy_from_slice(row);
                normalize_in_place(target);
            }
            done += chunk.len();
            progress(done, texts.len());
        };
        let encoder = match &self.encoder {
            Encoder::Candle(encoder) => encoder,
            Encoder::Fast(fast) => {
                let workers = rayon::current_num_threads();
                fast.embed_pooled(&tokens, &order, self.sentence.pooling, workers, &mut |chunk, pooled| {
                    place(chunk, pooled);
                })?;
                return Ok(Embeddings::from_flat(dim, out));
            }
        };
        for chunk in order.chunks(self.batch_size) {
            let batch: Vec<_> = chunk.iter().map(|&i| &tokens[i]).collect();
            let pooled = self.forward_pooled(encoder, &batch)?;
            place(chunk, &pooled);
        }
        Ok(Embeddings::from_flat(dim, out))
    }

    fn forward_pooled(&self, encoder: &BertEncoder, batch: &[&tokenize::TokenIds]) -> Result<Vec<f32>, EmbedError> {
        let (hidden, mask) = encoder.forward(batch)?;
        let pooled = self
            .sentence
            .pooling
            .apply(&hidden, &mask)
            .and_then(|t| t.to_dtype(DType::F32))
            .and_then(|t| t.flatten_all())
            .and_then(|t| t.to_vec1::<f32>())
            .map_err(|source| EmbedError::Candle {
                model: self.kind.model_id.clone(),
                source,
            })?;
        Ok(pooled)
    }
}
