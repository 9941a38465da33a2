//! The command line: clap options, one function per command, errors turned into messages and exit codes.

mod analyse_cmd;
mod corpus;
mod docs_cmd;
mod embed_cmd;
mod index_cmd;
mod models_cmd;
mod output;
mod progress;
mod signals;
mod similar_cmd;
mod values;

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Parser, Subcommand};

use insights::embed::{DeviceChoice, EmbedOptions, Embedder, Engine, ModelLocator, Precision, DEFAULT_MODEL};

/// Find the topics, recurring arguments and near-duplicates across your documents, on your own hardware.
#[derive(Parser, Debug)]
#[command(name = "insights", version, about, long_about = None, propagate_version = true, after_help = START)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// CPU threads for the model and for searching (default: all cores).
    #[arg(long, global = true, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1024))]
    threads: Option<u32>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// The main job: topics, strongest cross-document links, repeated insights and per-document originality.
    #[command(after_help = analyse_cmd::REPORT_EXAMPLES)]
    Report(analyse_cmd::ReportArgs),
    /// Read, split and embed documents into an index file for later queries.
    #[command(after_help = index_cmd::EXAMPLES)]
    Index(index_cmd::IndexArgs),
    /// Topic clusters with keywords, a representative insight and members.
    #[command(after_help = analyse_cmd::CLUSTERS_EXAMPLES)]
    Clusters(analyse_cmd::ClustersArgs),
    /// For each insight, its nearest insights in other documents.
    #[command(alias = "neighbours", after_help = analyse_cmd::NEIGHBORS_EXAMPLES)]
    Neighbors(analyse_cmd::NeighborsArgs),
    /// Groups of the same insight across documents: verbatim, near-verbatim or paraphrase.
    #[command(after_help = analyse_cmd::DUPLICATES_EXAMPLES)]
    Duplicates(analyse_cmd::DuplicatesArgs),
    /// The insights closest to a new statement, and whether it has been said before.
    #[command(after_help = similar_cmd::EXAMPLES)]
    Similar(similar_cmd::SimilarArgs),
    /// Embed texts into vectors (JSONL out), one text per line or JSONL with a "text" field.
    #[command(after_help = embed_cmd::EXAMPLES)]
    Embed(embed_cmd::EmbedArgs),
    /// List known and present models, or fetch one for offline use.
    #[command(after_help = models_cmd::EXAMPLES)]
    Models(models_cmd::ModelsArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    #[command(after_help = docs_cmd::COMPLETIONS_EXAMPLES)]
    Completions(docs_cmd::CompletionsArgs),
    /// Print the manual page (roff), of insights or of one of its commands.
    #[command(after_help = docs_cmd::MAN_EXAMPLES)]
    Man(docs_cmd::ManArgs),
}

/// Shown under `insights --help`.
const START: &str = "Start here:
  insights report seeds/                     topics, links, duplicates and originality of a folder
  insights index notes/                      embed once into ./insights.idx, then query it:
  insights similar \"a new claim\"             has it been said before, and where?
  insights duplicates notes/ --json          every command takes --json for scripts

Everything runs on this machine; the model (sentence-transformers/all-MiniLM-L6-v2 by default) is fetched once \
and verified by sha256. See `insights models --help` for offline use.";

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
    #[arg(long, env = "INSIGHTS_ENGINE", value_enum, default_value_t = EngineChoice::Auto, value_name = "ENGINE")]
    pub engine: EngineChoice,
    /// No progress messages on stderr.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// `--engine` values.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineChoice {
    /// The fast CPU forward where it can run, else candle.
    Auto,
    /// The fast CPU forward, or an error.
    Fast,
    /// candle's BertModel.
    Candle,
}

impl EngineChoice {
    /// The library's engine.
    fn engine(self) -> Engine {
        match self {
            EngineChoice::Auto => Engine::Auto,
            EngineChoice::Fast => Engine::Fast,
            EngineChoice::Candle => Engine::Candle,
        }
    }
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
            engine: self.engine.engine(),
        };
        Ok(Embedder::load(&located.files, located.weights_sha256, &opts)?)
    }
}

/// Runs the command line and maps the outcome to an exit code: 0 success, 1 error, 2 usage (clap).
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    signals::explain_bus_errors();
    if let Some(n) = cli.threads {
        // Before any thread pool exists: rayon's global pool and candle's matmul both take this.
        std::env::set_var("RAYON_NUM_THREADS", n.to_string());
        let _ = rayon::ThreadPoolBuilder::new().num_threads(n as usize).build_global();
    }
    let result = match cli.command {
        Command::Report(args) => analyse_cmd::report(&args),
        Command::Index(args) => index_cmd::run(&args),
        Command::Clusters(args) => analyse_cmd::clusters(&args),
        Command::Neighbors(args) => analyse_cmd::neighbors(&args),
        Command::Duplicates(args) => analyse_cmd::duplicates(&args),
        Command::Similar(args) => similar_cmd::run(&args),
        Command::Embed(args) => embed_cmd::run(&args),
        Command::Models(args) => models_cmd::run(&args),
        Command::Completions(args) => docs_cmd::completions(&args),
        Command::Man(args) => docs_cmd::man(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            let mut stderr = std::io::stderr().lock();
            let mut said = err.to_string();
            let _ = writeln!(stderr, "error: {said}");
            // Library errors already name their cause in their message; print only what is new.
            for cause in err.chain().skip(1) {
                let cause = cause.to_string();
                if !said.contains(&cause) {
                    let _ = writeln!(stderr, "  caused by: {cause}");
                    said.push_str(&cause);
                }
            }
            // Stopped by Ctrl-C: the conventional 128 + SIGINT.
            if is_interrupted(&err) {
                ExitCode::from(130)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

/// True when the command stopped on Ctrl-C.
fn is_interrupted(err: &anyhow::Error) -> bool {
    matches!(
        err.downcast_ref::<insights::corpus::CorpusError>(),
        Some(insights::corpus::CorpusError::Interrupted(_))
    )
}

/// A closed pipe downstream (`insights ... | head`) ends the program quietly, whether plain text or JSON (whose
/// writer wraps the I/O error in its own) was being written.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    let broken = Some(std::io::ErrorKind::BrokenPipe);
    err.chain().any(|cause| {
        cause.downcast_ref::<std::io::Error>().map(std::io::Error::kind) == broken
            || cause
                .downcast_ref::<serde_json::Error>()
                .and_then(serde_json::Error::io_error_kind)
                == broken
    })
}
