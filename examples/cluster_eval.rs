//! Evaluates topic clustering against labels: NMI and timing for a fixed k and for the automatic choice.
//!
//! ```text
//! cargo run --release --example cluster_eval -- VECTORS.jsonl LABELS.jsonl [K]
//! ```
//!
//! `VECTORS.jsonl` holds one `{"embedding": [...]}` per line (the output of `insights embed`), `LABELS.jsonl` one
//! `{"label": "..."}` per line in the same order. `K` (default: the number of distinct labels) is the fixed k tried.

use std::collections::BTreeMap;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use insights::analysis::cluster::{cluster, nmi, ClusterOptions};
use insights::Embeddings;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        bail!("usage: cluster_eval VECTORS.jsonl LABELS.jsonl [K]");
    }
    let vectors = read_vectors(&args[0])?;
    let labels = read_labels(&args[1])?;
    if labels.len() != vectors.len() {
        bail!("{} vectors but {} labels", vectors.len(), labels.len());
    }
    let classes = labels.iter().max().map_or(0, |m| m + 1);
    let k: usize = match args.get(2) {
        Some(k) => k.parse().context("K must be a number")?,
        None => classes,
    };
    println!("{} items, {} labels", vectors.len(), classes);
    for (name, opts) in [
        (
            "fixed",
            ClusterOptions {
                k: Some(k),
                ..Default::default()
            },
        ),
        ("auto", ClusterOptions::default()),
    ] {
        let start = Instant::now();
        let c = cluster(&vectors, &opts);
        let secs = start.elapsed().as_secs_f64();
        let pred: Vec<usize> = c.assignments.iter().map(|a| a.unwrap_or(usize::MAX)).collect();
        let dropped = c.assignments.iter().filter(|a| a.is_none()).count();
        println!(
            "{name:>5}: k={:>3} NMI={:.4} dropped={} time={:.2}s sizes={:?}",
            c.k,
            nmi(&labels, &pred),
            dropped,
            secs,
            c.sizes
        );
        if !c.k_scores.is_empty() {
            let curve: Vec<String> = c.k_scores.iter().map(|(k, s)| format!("{k}:{s:.4}")).collect();
            println!("       silhouette by k: {}", curve.join(" "));
        }
    }
    Ok(())
}

/// Reads the `embedding` of every JSONL line into unit rows.
fn read_vectors(path: &str) -> Result<Embeddings> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
    let mut out: Option<Embeddings> = None;
    for (no, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).with_context(|| format!("{path}:{}", no + 1))?;
        let row: Vec<f32> = v["embedding"]
            .as_array()
            .with_context(|| format!("{path}:{}: no embedding", no + 1))?
            .iter()
            .map(|x| x.as_f64().unwrap_or(0.0) as f32)
            .collect();
        let e = out.get_or_insert_with(|| Embeddings::empty(row.len().max(1)));
        if row.len() != e.dim() {
            bail!("{path}:{}: dimension {} instead of {}", no + 1, row.len(), e.dim());
        }
        e.push(&row);
    }
    let mut e = out.unwrap_or_else(|| Embeddings::empty(1));
    e.normalize();
    Ok(e)
}

/// Reads the `label` of every JSONL line as a class number (classes numbered in order of first appearance).
fn read_labels(path: &str) -> Result<Vec<usize>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
    let mut ids = BTreeMap::new();
    let mut out = Vec::new();
    for (no, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).with_context(|| format!("{path}:{}", no + 1))?;
        let label = v["label"]
            .as_str()
            .with_context(|| format!("{path}:{}: no label", no + 1))?
            .to_string();
        let next = ids.len();
        out.push(*ids.entry(label).or_insert(next));
    }
    Ok(out)
}
