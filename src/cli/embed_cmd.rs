//! `insights embed`: texts in (lines or JSONL), JSONL of `{"text", "embedding"}` out.

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use clap::Args;
use insights::document::{read_inputs, DocFormat};
use insights::embed::CPU_CALL_BYTES;
use insights::insight::{split_documents, SplitOptions};

use super::model_args::ModelArgs;
use super::progress::Progress;

/// Examples shown under `insights embed --help`.
pub const EXAMPLES: &str = "Examples:
  echo \"hello world\" | insights embed
  insights embed notes.txt > vectors.jsonl             one text per non-empty line
  insights embed corpus.jsonl --device cuda           JSONL input: each line an object with a \"text\" field

Each output line is {\"text\": ..., \"embedding\": [...]}, in input order; the vectors are L2-normalised, so the dot \
product of two is their cosine similarity.";

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

fn read_texts(args: &EmbedArgs) -> Result<Vec<String>> {
    let inputs = if args.files.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        args.files.clone()
    };
    let loaded = read_inputs(&inputs)?;
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
