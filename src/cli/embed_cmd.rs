//! `insights embed`: texts in (lines or JSONL), JSONL of `{"text", "embedding"}` out; or documents in, one shard
//! of their texts' vectors out as Parquet.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use clap::Args;
use insights::corpus::shard::embed_shard;
use insights::document::{read_inputs, DocFormat};
use insights::embed::CPU_CALL_BYTES;
use insights::index::parquet::Shard;
use insights::insight::{split_documents, SplitOptions};

use super::corpus::{read_insights, SplitArgs};
use super::index_cmd::stop_on_ctrl_c;
use super::model_args::ModelArgs;
use super::progress::{Progress, StderrEvents};

/// Examples shown under `insights embed --help`.
pub const EXAMPLES: &str = "Examples:
  echo \"hello world\" | insights embed
  insights embed notes.txt > vectors.jsonl             one text per non-empty line
  insights embed corpus.jsonl --device cuda           JSONL input: each line an object with a \"text\" field

Each output line is {\"text\": ..., \"embedding\": [...]}, in input order; the vectors are L2-normalised, so the dot \
product of two is their cosine similarity.

Sharded, for a distributed engine (scripts/spark_embed.py; docs/scale-out.md):
  insights embed docs/ --shard 0/4 --parquet shards/0.parquet     shard 0 of 4 of the documents' texts
  insights index docs/ --from-parquet shards/                      the index from all 4 shards, embedding nothing";

/// Texts embedded and written per step on the CPU; a GPU's steps are as many times longer as its
/// [`Embedder::call_bytes`] is.
const STEP: usize = 1024;

/// Arguments of `insights embed`.
#[derive(Args, Debug)]
pub struct EmbedArgs {
    /// Files to read (`-` or nothing: standard input). `.jsonl` files are JSONL with a "text" field.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Read every input as JSONL (objects with a "text" field), whatever its name.
    #[arg(long)]
    pub jsonl: bool,
    /// At the end, print to stderr a JSON line of the texts embedded and the seconds spent embedding them
    /// (`embed_s`, reading and writing excluded), tokenising (`tokenize_s`) and in the model (`model_s`, results
    /// copied back from the device), for benchmarks.
    #[arg(long)]
    pub timings: bool,
    /// Write Parquet to FILE instead of JSONL to standard output: the FILEs are then documents, split into insights
    /// as `insights index` splits them, and each distinct text (an insight's, or a sentence of one) is a row with
    /// its insight's document and lines, its content hash and its vector (docs/formats.md).
    #[arg(long, value_name = "FILE", conflicts_with = "jsonl")]
    pub parquet: Option<PathBuf>,
    /// With --parquet, only the texts of shard K of N (from 0; by content hash, the same on every run and machine).
    #[arg(long, value_name = "K/N", requires = "parquet")]
    pub shard: Option<Shard>,
    #[command(flatten)]
    pub split: SplitArgs,
    #[command(flatten)]
    pub model: ModelArgs,
}

/// One output line: the text and its vector (f32, printed at f32 precision).
#[derive(serde::Serialize)]
struct EmbeddedLine<'a> {
    text: &'a str,
    embedding: &'a [f32],
}

/// Reads the texts, embeds them, writes JSONL to stdout.
pub fn run(args: &EmbedArgs) -> Result<()> {
    if let Some(path) = &args.parquet {
        return run_shard(args, path);
    }
    let texts = read_texts(args)?;
    if texts.is_empty() {
        bail!("no texts to embed in {}: every line is blank", describe(&args.files));
    }
    let embedder = args.model.load_embedder(None, None)?;
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let mut progress = Progress::new("embedding", args.model.quiet);
    let stdout = std::io::stdout().lock();
    let mut out = BufWriter::new(stdout);
    // In steps, written as they are done: memory stays flat however many texts come in.
    let mut done = 0;
    let mut embedding = Duration::ZERO;
    let step_texts = STEP * embedder.call_bytes().div_ceil(CPU_CALL_BYTES);
    for step in refs.chunks(step_texts) {
        let started = Instant::now();
        let vectors = embedder.embed_with_progress(step, &mut |d, _| progress.update(done + d, refs.len()))?;
        embedding += started.elapsed();
        for (text, embedding) in step.iter().zip(vectors.rows()) {
            serde_json::to_writer(&mut out, &EmbeddedLine { text, embedding })?;
            out.write_all(b"\n")?;
        }
        done += step.len();
    }
    out.flush()?;
    if args.timings {
        let t = embedder.timings();
        eprintln!(
            "{}",
            serde_json::json!({
                "texts": t.texts,
                "embed_s": embedding.as_secs_f64(),
                "tokenize_s": t.tokenize.as_secs_f64(),
                "model_s": t.model.as_secs_f64(),
                "device": args.model.device.to_string(),
                "engine": embedder.engine().to_string(),
                "precision": embedder.precision().name(),
            })
        );
    }
    Ok(())
}

/// Embeds one shard of the documents' texts into the Parquet file `path`.
fn run_shard(args: &EmbedArgs, path: &Path) -> Result<()> {
    let mut events = StderrEvents::new(args.model.quiet);
    let split = args.split.options();
    let (insights, _) = read_insights(&inputs(args), &split, &mut events)?;
    let embedder = args.model.load_embedder(None, None)?;
    let shard = args.shard.unwrap_or(Shard::ALL);
    let rows = embed_shard(&insights, &split, shard, &embedder, path, stop_on_ctrl_c(), &mut events)?;
    if !args.model.quiet {
        eprintln!(
            "insights: wrote {rows} texts (shard {shard} of {} insights) to {}",
            insights.len(),
            path.display()
        );
    }
    Ok(())
}

fn inputs(args: &EmbedArgs) -> Vec<PathBuf> {
    if args.files.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        args.files.clone()
    }
}

fn read_texts(args: &EmbedArgs) -> Result<Vec<String>> {
    let loaded = read_inputs(&inputs(args))?;
    if !args.model.quiet {
        for skipped in &loaded.skipped {
            eprintln!("insights: skipped {}: {}", skipped.path.display(), skipped.reason);
        }
    }
    let mut texts = Vec::new();
    for mut doc in loaded.documents {
        if args.jsonl {
            doc.format = DocFormat::Jsonl;
        }
        match doc.format {
            DocFormat::Jsonl => {
                let records = split_documents(std::slice::from_ref(&doc), &SplitOptions::default())?;
                texts.extend(records.into_iter().map(|i| i.text));
            }
            DocFormat::Text | DocFormat::Markdown => {
                texts.extend(doc.text.lines().filter(|l| !l.trim().is_empty()).map(str::to_string));
            }
        }
    }
    Ok(texts)
}

fn describe(files: &[PathBuf]) -> String {
    if files.is_empty() {
        return "standard input".to_string();
    }
    files
        .iter()
        .map(|f| f.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
