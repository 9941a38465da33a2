//! Writes synthetic clustered unit vectors ([`insights::index::synthetic`]) as raw little-endian f32, row-major,
//! for measuring other index libraries on exactly the vectors this project measures.
//!
//! ```text
//! cargo run --release --example synthetic -- --n 1000000 --seed 7 --out /tmp/syn1m.f32 [--queries 1000]
//! ```
//!
//! writes `/tmp/syn1m.f32` (N × 384 f32) and `/tmp/syn1m.queries.f32` (queries × 384 f32, drawn from the same
//! topics but not in the data). In Python: `numpy.fromfile(path, dtype="<f4").reshape(-1, 384)`.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use insights::index::synthetic::{generate, queries, SyntheticSpec};
use insights::Embeddings;

fn arg<T: std::str::FromStr>(args: &[String], name: &str, default: Option<T>) -> Result<T> {
    match args.iter().position(|a| a == name) {
        Some(i) => args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .with_context(|| format!("{name} needs a value")),
        None => default.with_context(|| format!("{name} is required")),
    }
}

fn write_raw(path: &Path, vectors: &Embeddings) -> Result<()> {
    let mut out = BufWriter::new(File::create(path).with_context(|| format!("{}", path.display()))?);
    for x in vectors.as_flat() {
        out.write_all(&x.to_le_bytes())?;
    }
    out.flush().with_context(|| format!("{}", path.display()))
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = arg(&args, "--n", None)?;
    let seed: u64 = arg(&args, "--seed", Some(7))?;
    let out: PathBuf = arg(&args, "--out", None)?;
    let count: usize = arg(&args, "--queries", Some(1000))?;
    let spec = SyntheticSpec::new(n, seed);
    let (data, _) = generate(&spec);
    write_raw(&out, &data)?;
    let queries_path = out.with_extension("queries.f32");
    write_raw(&queries_path, &queries(&spec, count))?;
    eprintln!(
        "wrote {n} x {} to {} and {count} queries to {} ({} topics, seed {seed})",
        spec.dim,
        out.display(),
        queries_path.display(),
        spec.topics
    );
    Ok(())
}
