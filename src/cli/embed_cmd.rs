//! `insights embed`: texts in (lines or JSONL), JSONL of `{"text", "embedding"}` out.

use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Args;

use super::progress::Progress;
use super::ModelArgs;

/// Examples shown under `insights embed --help`.
pub const EXAMPLES: &str = "Examples:
  echo \"hello world\" | insights embed
  insights embed notes.txt > vectors.jsonl             one text per non-empty line
  insights embed corpus.jsonl --device cuda           JSONL input: each line an object with a \"text\" field

Each output line is {\"text\": ..., \"embedding\": [...]}, in input order; the vectors are L2-normalised, so the dot \
product of two is their cosine similarity.";

/// Arguments of `insights embed`.
#[derive(Args, Debug)]
pub struct EmbedArgs {
    /// Files to read (`-` or nothing: standard input). `.jsonl` files are JSONL with a "text" field.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Read every input as JSONL (objects with a "text" field), whatever its name.
    #[arg(long)]
    pub jsonl: bool,
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
        bail!("no texts to embed: the input is empty (give one text per line, or JSONL with a \"text\" field)");
    }
    let embedder = args.model.load_embedder(None)?;
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let mut progress = Progress::new("embedding", args.model.quiet);
    let vectors = embedder.embed_with_progress(&refs, &mut |done, total| progress.update(done, total))?;
    let stdout = std::io::stdout().lock();
    let mut out = BufWriter::new(stdout);
    for (text, embedding) in texts.iter().zip(vectors.rows()) {
        serde_json::to_writer(&mut out, &EmbeddedLine { text, embedding })?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}

fn read_texts(args: &EmbedArgs) -> Result<Vec<String>> {
    let stdin = [PathBuf::from("-")];
    let files = if args.files.is_empty() {
        &stdin[..]
    } else {
        &args.files[..]
    };
    let mut texts = Vec::new();
    for file in files {
        let name = file.display().to_string();
        let reader: Box<dyn Read> = if name == "-" {
            Box::new(std::io::stdin().lock())
        } else {
            Box::new(std::fs::File::open(file).with_context(|| format!("{name}: cannot open"))?)
        };
        let jsonl = args.jsonl || file.extension().is_some_and(|e| e == "jsonl");
        for (n, line) in BufReader::new(reader).lines().enumerate() {
            let line = line.with_context(|| format!("{name}:{}: cannot read (is it UTF-8 text?)", n + 1))?;
            if line.trim().is_empty() {
                continue;
            }
            if jsonl {
                texts.push(jsonl_text(&line).with_context(|| format!("{name}:{}", n + 1))?);
            } else {
                texts.push(line);
            }
        }
    }
    Ok(texts)
}

fn jsonl_text(line: &str) -> Result<String> {
    let value: serde_json::Value = serde_json::from_str(line).context("invalid JSON")?;
    match value.get("text") {
        Some(serde_json::Value::String(s)) => Ok(s.clone()),
        Some(_) => bail!("the \"text\" field is not a string"),
        None => bail!("no \"text\" field"),
    }
}
