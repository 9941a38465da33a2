//! Evaluates topic clustering against labels: NMI, timing and keywords, for a fixed k and the automatic choice.
//!
//! ```text
//! cargo run --release --example cluster_eval -- VECTORS.jsonl LABELLED.jsonl [K [SEEDS]]
//! ```
//!
//! `VECTORS.jsonl` holds one `{"embedding": [...]}` per line (the output of `insights embed`), `LABELLED.jsonl` one
//! `{"label": "...", "text": "..."}` per line in the same order. `K` (default: the number of distinct labels) is the
//! fixed k tried. Without `SEEDS`, both runs use the default seed and print cluster sizes, the silhouette curve of
//! the automatic choice and each cluster's keywords; with `SEEDS`, both are repeated for seeds `0..SEEDS` and the
//! spread of NMI is printed. Unclustered items (if any) count as one extra "noise" cluster.

use std::collections::BTreeMap;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use insights::analysis::cluster::{cluster, nmi, ClusterOptions, Clustering};
use insights::analysis::keywords::cluster_keywords;
use insights::Embeddings;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        bail!("usage: cluster_eval VECTORS.jsonl LABELLED.jsonl [K [SEEDS]]");
    }
    let vectors = read_vectors(&args[0])?;
    let (labels, texts) = read_labelled(&args[1])?;
    if labels.len() != vectors.len() {
        bail!("{} vectors but {} labels", vectors.len(), labels.len());
    }
    let classes = labels.iter().max().map_or(0, |m| m + 1);
    let k = match args.get(2) {
        Some(k) => k.parse().context("K must be a number")?,
        None => classes,
    };
    println!("{} items, {} labels", vectors.len(), classes);
    let runs = [("fixed", Some(k)), ("auto", None)];
    if let Some(seeds) = args.get(3) {
        let seeds: u64 = seeds.parse().context("SEEDS must be a number")?;
        for (name, k) in runs {
            let start = Instant::now();
            let results: Vec<(f64, usize)> = (0..seeds)
                .map(|seed| {
                    let c = cluster(
                        &vectors,
                        &ClusterOptions {
                            k,
                            seed,
                            ..Default::default()
                        },
                    );
                    (score(&labels, &c), c.k)
                })
                .collect();
            let secs = start.elapsed().as_secs_f64() / seeds.max(1) as f64;
            let nmis = results.iter().map(|r| r.0);
            let mean = nmis.clone().sum::<f64>() / seeds.max(1) as f64;
            let min = nmis.clone().fold(f64::INFINITY, f64::min);
            let max = nmis.fold(f64::NEG_INFINITY, f64::max);
            let ks: Vec<usize> = results.iter().map(|r| r.1).collect();
            println!(
                "{name:>5}: NMI mean={mean:.4} min={min:.4} max={max:.4} over {seeds} seeds, \
                 {secs:.2}s/run, k={ks:?}"
            );
        }
        return Ok(());
    }
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    for (name, k) in runs {
        let start = Instant::now();
        let c = cluster(
            &vectors,
            &ClusterOptions {
                k,
                ..Default::default()
            },
        );
        let secs = start.elapsed().as_secs_f64();
        let dropped = c.assignments.iter().filter(|a| a.is_none()).count();
        println!(
            "{name:>5}: k={} NMI={:.4} dropped={dropped} time={secs:.2}s sizes={:?}",
            c.k,
            score(&labels, &c),
            c.sizes
        );
        if !c.k_scores.is_empty() {
            let curve: Vec<String> = c.k_scores.iter().map(|(k, s)| format!("{k}:{s:.3}")).collect();
            println!("       silhouette by k: {}", curve.join(" "));
        }
        let start = Instant::now();
        let keywords = cluster_keywords(&texts, &c.assignments, c.k, 6);
        let kw_secs = start.elapsed().as_secs_f64();
        for (i, words) in keywords.iter().enumerate() {
            println!("       {i:>3} ({:>4}) {}", c.sizes[i], words.join(", "));
        }
        println!("       keywords in {kw_secs:.3}s");
    }
    Ok(())
}

/// NMI of a clustering against the labels; unclustered items form one extra cluster.
fn score(labels: &[usize], c: &Clustering) -> f64 {
    let pred: Vec<usize> = c.assignments.iter().map(|a| a.unwrap_or(c.k)).collect();
    nmi(labels, &pred)
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

/// Reads the `label` (as a class number, numbered by first appearance) and `text` of every JSONL line.
fn read_labelled(path: &str) -> Result<(Vec<usize>, Vec<String>)> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
    let mut ids = BTreeMap::new();
    let (mut labels, mut texts) = (Vec::new(), Vec::new());
    for (no, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).with_context(|| format!("{path}:{}", no + 1))?;
        let label = v["label"]
            .as_str()
            .with_context(|| format!("{path}:{}: no label", no + 1))?;
        let next = ids.len();
        labels.push(*ids.entry(label.to_string()).or_insert(next));
        texts.push(v["text"].as_str().unwrap_or_default().to_string());
    }
    Ok((labels, texts))
}
