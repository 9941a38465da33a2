//! The options of every command that runs the model, and loading the model they describe.

use anyhow::Result;
use clap::Args;

use insights::embed::{DeviceChoice, EmbedOptions, Embedder, Engine, ModelLocator, Precision, DEFAULT_MODEL};

use super::progress;

/// Options shared by every command that runs the model.
#[derive(Args, Debug, Clone)]
pub struct ModelArgs {
    /// Model: a Hugging Face repo id, or a folder holding config.json, tokenizer.json and model.safetensors
    /// [default: the index's model, else sentence-transformers/all-MiniLM-L6-v2]
    #[arg(long, short = 'm', env = "INSIGHTS_MODEL", value_name = "NAME_OR_DIR")]
    pub model: Option<String>,
    /// Where the model runs: auto, cpu, cuda[:N] or metal[:N] (GPUs need a build with that feature).
    #[arg(long, default_value = "auto", value_name = "DEVICE")]
    pub device: DeviceChoice,
    /// The most texts per forward pass on a GPU, or with candle's engine (--engine candle) [default: 8 on the
    /// CPU, 1,024 on a GPU, where --batch-tokens usually binds first]. The CPU's own engine packs texts into
    /// chunks of 2,048 word pieces instead, with no padding.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=65536))]
    pub batch_size: Option<u32>,
    /// The most padded word pieces per forward pass on a GPU or with candle's engine: a batch holds as many texts
    /// (longest first) as fit, texts × the longest one's pieces [default: 16,384 on a GPU, no limit on the CPU].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub batch_tokens: Option<u32>,
    /// Precision of the model: f32; int8 linear layers (CPU engine only); or f16 throughout (GPU only)
    /// [default: the index's, else f32]. int8 quantizes weights per output channel and activations per token;
    /// on 10,000 Debian package passages its vectors had cosine 0.9992 mean, 0.9981 min to f32's, and it
    /// embedded 2.5 times as many passages a second as f32, 4.3 times sentence-transformers (2 cores, AVX-512
    /// VNNI; without VNNI it is no faster than f32; see docs/benchmarks.md). An index holds one precision.
    #[arg(long, value_name = "f32|int8|f16")]
    pub precision: Option<Precision>,
    /// Which encoder runs the model: `auto` uses this program's own CPU forward wherever it supports the model
    /// and the device is the CPU, else candle's `BertModel`; `fast` insists on the former, `candle` on the latter.
    #[arg(long, env = "INSIGHTS_ENGINE", value_enum, default_value_t = Engine::Auto, value_name = "ENGINE")]
    pub engine: Engine,
    /// No progress messages on stderr.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

impl ModelArgs {
    /// Finds (fetching if needed), verifies and loads the model, reporting fetch progress on stderr. Without
    /// --model, `fallback` (an index's model) or else the default model is used; without --precision,
    /// `fallback_precision` (an index's) or else f32.
    pub fn load_embedder(&self, fallback: Option<&str>, fallback_precision: Option<Precision>) -> Result<Embedder> {
        let locator = ModelLocator::from_env();
        let mut reporter = progress::FetchReporter::new(self.quiet);
        let model = self.model.as_deref().or(fallback).unwrap_or(DEFAULT_MODEL);
        let located = locator.resolve(model, &mut |e| reporter.event(e))?;
        let opts = EmbedOptions {
            batch_size: self.batch_size.map(|b| b as usize),
            batch_tokens: self.batch_tokens.map(|b| b as usize),
            device: self.device,
            precision: self.precision.or(fallback_precision).unwrap_or_default(),
            engine: self.engine,
        };
        Ok(Embedder::load(&located.files, located.weights_sha256, &opts)?)
    }
}
