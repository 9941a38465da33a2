//! Sentence embeddings: texts in, unit vectors out, the same as sentence-transformers gives for the same model.
//!
//! [`locate`] finds (and if need be fetches and verifies) a model's files; [`Embedder::load`] reads them;
//! [`Embedder::embed`] tokenises, batches texts of similar length together, runs the encoder, pools and
//! L2-normalises. The embedder takes plain texts: it knows nothing of documents or insights.

pub mod acquire;
pub mod batches;
pub mod bert;
pub mod cpu_bert;
pub mod device;
pub mod engine;
pub mod error;
pub mod kind;
pub mod pooling;
pub mod precision;
pub mod tokenize;

use std::sync::Mutex;
use std::time::{Duration, Instant};

use candle_core::DType;

pub use acquire::locate::{FetchEvent, ModelLocator, ModelSource};
pub use acquire::manifest::{find_known, known_models, KnownModel, DEFAULT_MODEL};
pub use acquire::model_files::{ChecksumStamps, ModelFiles};
pub use device::DeviceChoice;
pub use engine::{Engine, RunningEngine};
pub use error::{DeviceProblem, EmbedError};
pub use kind::VectorKind;
pub use pooling::{Pooling, SentenceConfig};
pub use precision::{Precision, PrecisionRefusal};

use crate::linalg::normalize_in_place;
use crate::vectors::Embeddings;
use batches::{longest_first, pipelined, BatchLimits, PIPELINE_TEXTS};
use bert::BertEncoder;
use cpu_bert::CpuBert;
use tokenize::TextTokenizer;

/// The default batch size on the CPU. Measured with candle's BERT on 2 cores: 400 Debian passages embed at 42/s
/// with batches of 8, 38/s with 16 and 32/s with 32 (peak memory 258, 436 and 700 MB), since attention costs grow
/// with the batch while the matrix products gain little.
pub const CPU_BATCH_SIZE: usize = 8;
/// The most texts in a batch on a GPU by default; [`GPU_BATCH_TOKENS`] usually binds first.
pub const GPU_BATCH_SIZE: usize = 1024;
/// The default budget of padded word pieces per batch on a GPU (text-embeddings-inference's default): 64 texts of
/// 256 pieces, or 512 of 32. Not yet measured on a GPU; `--batch-tokens` sets it.
pub const GPU_BATCH_TOKENS: usize = 16_384;
/// Text per call of [`Embedder::embed`] that keeps a CPU busy while staying small enough to stop soon after a stop
/// request; on a GPU, [`Embedder::call_bytes`] asks for 16 times as much, so the tokeniser runs ahead of the device.
pub const CPU_CALL_BYTES: usize = 128 * 1024;

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
    /// The most texts per forward pass of candle's engine; `None` picks [`CPU_BATCH_SIZE`] on the CPU and
    /// [`GPU_BATCH_SIZE`] on a GPU. Texts are sorted by length first, so a batch holds texts of similar length and
    /// little padding.
    pub batch_size: Option<usize>,
    /// The most padded word pieces per forward pass of candle's engine (texts × the longest one's pieces); `None`
    /// picks no limit on the CPU and [`GPU_BATCH_TOKENS`] on a GPU.
    pub batch_tokens: Option<usize>,
    /// Where the model runs (default: auto).
    pub device: DeviceChoice,
    /// The precision (default f32). Int8 runs only on the fast CPU forward, f16 only on a GPU with candle's
    /// engine; asking for either elsewhere is an error.
    pub precision: Precision,
    /// Which encoder runs the model (default: the fast CPU forward where it can).
    pub engine: Engine,
}

impl Default for EmbedOptions {
    fn default() -> Self {
        EmbedOptions {
            batch_size: None,
            batch_tokens: None,
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
    limits: BatchLimits,
    on_cpu: bool,
    kind: VectorKind,
    timings: Mutex<EmbedTimings>,
}

/// Time spent embedding since an [`Embedder`] was loaded, summed over calls (for benchmarks).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct EmbedTimings {
    /// Texts embedded.
    pub texts: usize,
    /// Tokenising (on the CPU; with candle's engine, partly while the model runs).
    pub tokenize: Duration,
    /// Running the model and pooling, results copied back from the device.
    pub model: Duration,
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
        if let Some(refusal) = opts.precision.refusal(engine, device.is_cpu(), fast_refusal.as_deref()) {
            return Err(EmbedError::PrecisionUnavailable {
                precision: opts.precision,
                refusal,
            });
        }
        // f16 runs only on a GPU (`Precision::refusal` has made sure), where the fast CPU forward is refused.
        let dtype = if opts.precision == Precision::F16 {
            DType::F16
        } else {
            DType::F32
        };
        let encoder = match (engine, fast_refusal) {
            (Engine::Candle, _) | (Engine::Auto, Some(_)) => {
                Encoder::Candle(BertEncoder::load(&config, &files.weights, &device, dtype, &files.id)?)
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
            limits: BatchLimits {
                texts: opts
                    .batch_size
                    .unwrap_or(if device.is_cpu() {
                        CPU_BATCH_SIZE
                    } else {
                        GPU_BATCH_SIZE
                    })
                    .max(1),
                tokens: opts.batch_tokens.or((!device.is_cpu()).then_some(GPU_BATCH_TOKENS)),
            },
            on_cpu: device.is_cpu(),
            timings: Mutex::default(),
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

    /// Text per call of [`Embedder::embed`] that keeps this device busy: [`CPU_CALL_BYTES`] on the CPU, 16 times
    /// as much on a GPU.
    pub fn call_bytes(&self) -> usize {
        if self.on_cpu {
            CPU_CALL_BYTES
        } else {
            16 * CPU_CALL_BYTES
        }
    }

    /// Time spent tokenising and in the model since this embedder was loaded.
    pub fn timings(&self) -> EmbedTimings {
        *self.timings.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds to the time spent (`texts` embedded, `tokenize` and `model` durations).
    fn count(&self, texts: usize, tokenize: Duration, model: Duration) {
        let mut t = self.timings.lock().unwrap_or_else(|e| e.into_inner());
        t.texts += texts;
        t.tokenize += tokenize;
        t.model += model;
    }

    /// Embeds texts like [`Embedder::embed`], calling `progress(done, total)` after each batch.
    pub fn embed_with_progress(
        &self,
        texts: &[&str],
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Embeddings, EmbedError> {
        let dim = self.dim();
        let mut out = vec![0f32; texts.len() * dim];
        let mut done = 0;
        // Pooled rows of the texts `chunk` names (indices from `offset`) go to their input positions, normalised;
        // then progress is told.
        let mut place = |offset: usize, chunk: &[usize], pooled: &[f32]| {
            for (row, &i) in pooled.chunks_exact(dim).zip(chunk) {
                let target = &mut out[(offset + i) * dim..(offset + i + 1) * dim];
                target.copy_from_slice(row);
                normalize_in_place(target);
            }
            done += chunk.len();
            progress(done, texts.len());
        };
        match &self.encoder {
            Encoder::Fast(fast) => {
                let started = Instant::now();
                let tokens = self.tokenize(texts)?;
                let tokenized = Instant::now();
                // Longest first: the largest batch runs first (a memory problem shows at once), and each chunk holds
                // texts of similar length.
                let order = longest_first(&tokens);
                let workers = rayon::current_num_threads();
                fast.embed_pooled(&tokens, &order, self.sentence.pooling, workers, &mut |chunk, pooled| {
                    place(0, chunk, pooled);
                })?;
                self.count(texts.len(), tokenized - started, tokenized.elapsed());
            }
            // Padded batches; the next piece of texts is tokenised on the CPU while the device runs this one.
            Encoder::Candle(encoder) => pipelined(
                texts,
                PIPELINE_TEXTS,
                |piece| {
                    let started = Instant::now();
                    let tokens = self.tokenize(piece);
                    self.count(0, started.elapsed(), Duration::ZERO);
                    tokens
                },
                |offset, tokens| {
                    let order = longest_first(tokens);
                    for batch in self.limits.cut(&order, tokens) {
                        let ids: Vec<_> = batch.iter().map(|&i| &tokens[i]).collect();
                        let started = Instant::now();
                        let pooled = self.forward_pooled(encoder, &ids)?;
                        self.count(batch.len(), Duration::ZERO, started.elapsed());
                        place(offset, batch, &pooled);
                    }
                    Ok(())
                },
            )?,
        }
        Ok(Embeddings::from_flat(dim, out))
    }

    /// The word-piece ids of `texts`, in slices: the tokenizer's full encodings (strings, offsets, masks) are
    /// several KB a text, and only the ids are kept.
    fn tokenize(&self, texts: &[&str]) -> Result<Vec<tokenize::TokenIds>, EmbedError> {
        let mut tokens = Vec::with_capacity(texts.len());
        for slice in texts.chunks(TOKENIZE_SLICE) {
            tokens.extend(self.tokenizer.encode(slice)?);
        }
        Ok(tokens)
    }

    fn forward_pooled(&self, encoder: &BertEncoder, batch: &[&tokenize::TokenIds]) -> Result<Vec<f32>, EmbedError> {
        let (hidden, mask) = encoder.forward(batch)?;
        // Pooled in f32 whatever the encoder's dtype: a mean over 256 tokens in f16 would lose digits.
        let pooled = hidden
            .to_dtype(DType::F32)
            .and_then(|hidden| self.sentence.pooling.apply(&hidden, &mask))
            .and_then(|t| t.flatten_all())
            .and_then(|t| t.to_vec1::<f32>())
            .map_err(|source| EmbedError::Candle {
                model: self.kind.model_id.clone(),
                source,
            })?;
        Ok(pooled)
    }
}
