//! The command line: clap options, one function per command, errors turned into messages and exit codes.

mod analyse_cmd;
mod corpus;
mod docs_cmd;
mod embed_cmd;
mod index_cmd;
mod memory;
mod model_args;
mod models_cmd;
mod output;
mod progress;
mod remedies;
mod signals;
mod similar_cmd;
mod store;
mod values;

use std::io::Write;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

#[global_allocator]
static ALLOCATOR: memory::ExitOnOutOfMemory = memory::ExitOnOutOfMemory;

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
        Command::Completions(args) => docs_cmd::completions(&args, Cli::command()),
        Command::Man(args) => docs_cmd::man(&args, Cli::command()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            let mut stderr = std::io::stderr().lock();
            let mut said = err.to_string();
            match remedies::for_error(&err) {
                Some(remedy) => {
                    let _ = writeln!(stderr, "error: {said}; {remedy}");
                }
                None => {
                    let _ = writeln!(stderr, "error: {said}");
                }
            }
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
