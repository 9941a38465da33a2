//! Compares the map's layout (`insights::analysis::layout`) with the `umap-rs` crate on the same 15-nearest graph
//! and the same start (the principal plane): the share of each insight's 10 nearest insights kept among its 10
//! nearest points (`neighbour_keeping`, over up to 2,000 insights), the time after the graph, and whether two runs
//! give the same map (the page must be byte-identical for the same input).
//!
//! ```text
//! cargo run --release --features layout-compare --example layout_compare -- --index FILE
//! cargo run --release --features layout-compare --example layout_compare -- --n 60000   # synthetic vectors
//! ```
//!
//! Without `--features layout-compare` only this crate's layout and the principal plane are measured.

use std::time::Instant;

use anyhow::{Context, Result};

use insights::analysis::layout::{layout, neighbour_keeping, principal_plane, LayoutOptions, LAYOUT_NEIGHBOURS};
use insights::analysis::neighbours::nearest_neighbours;
use insights::corpus::approximate::{for_search, AnnPolicy, Searches};
use insights::corpus::{Corpus, Silent};
use insights::Embeddings;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let index = match value("--index") {
        Some(path) => insights::index::store::load(std::path::Path::new(&path)).context("the index loads")?,
        None => {
            let n: usize = value("--n").map_or(Ok(60_000), |n| n.parse()).context("--n N")?;
            let spec = insights::index::synthetic::SyntheticSpec::new(n, 60);
            let (vectors, _) = insights::index::synthetic::generate(&spec);
            synthetic_index(vectors)
        }
    };
    let n = index.len();
    let approximate = for_search(&index, None, AnnPolicy::Auto, Searches::All, &mut Silent);
    let corpus = Corpus { index, approximate };
    let (index, nearest) = (&corpus.index, corpus.nearest());
    let started = Instant::now();
    let graph = nearest_neighbours(index, &nearest, LAYOUT_NEIGHBOURS);
    println!(
        "{n} insights; the 15-nearest graph in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    println!("| layout | 10 nearest kept | time after the graph | two runs identical |");
    println!("| --- | --- | --- | --- |");
    let keep = |positions: &[[f32; 2]]| neighbour_keeping(&index.vectors, positions, 10, 2000);

    let start = principal_plane(&index.vectors, 42);
    println!("| principal plane (the start) | {:.3} | | yes |", keep(&start));

    let run = || {
        let started = Instant::now();
        let positions = layout(&index.vectors, &graph, &LayoutOptions::default());
        (positions, started.elapsed().as_secs_f64())
    };
    let (ours, secs) = run();
    let (again, _) = run();
    println!(
        "| insights (analysis::layout) | {:.3} | {secs:.1} s | {} |",
        keep(&ours),
        if ours == again { "yes" } else { "no" }
    );

    #[cfg(feature = "layout-compare")]
    umap_rs_rows(&index.vectors, &graph, &start, &keep);
    Ok(())
}

/// `umap-rs` 0.4 on the same graph (self first, at distance 0, then the 14 nearest, as umap-learn counts its 15;
/// Euclidean distance between unit vectors, `sqrt(2 - 2·cosine)`) and the same start (scaled to ±10 as umap-learn
/// scales its own), with its defaults (15 neighbours, min_dist 0.1, 500 epochs
/// up to 10,000 insights, else 200).
#[cfg(feature = "layout-compare")]
fn umap_rs_rows(
    vectors: &Embeddings,
    graph: &[Vec<insights::index::Hit>],
    start: &[[f32; 2]],
    keep: &dyn Fn(&[[f32; 2]]) -> f64,
) {
    use ndarray::Array2;
    let n = vectors.len();
    let k = LAYOUT_NEIGHBOURS;
    let mut indices = Array2::<u32>::zeros((n, k));
    let mut dists = Array2::<f32>::zeros((n, k));
    for (i, hits) in graph.iter().enumerate() {
        indices[[i, 0]] = i as u32;
        for (j, hit) in hits.iter().take(k - 1).enumerate() {
            indices[[i, j + 1]] = hit.index as u32;
            dists[[i, j + 1]] = (2.0 - 2.0 * hit.score).max(0.0).sqrt();
        }
        // Too few neighbours (a tiny corpus): repeat the last one found.
        for j in hits.len().min(k - 1) + 1..k {
            indices[[i, j]] = indices[[i, j - 1]];
            dists[[i, j]] = dists[[i, j - 1]];
        }
    }
    let data = Array2::from_shape_vec((n, vectors.dim()), vectors.as_flat().to_vec()).expect("n × dim");
    // umap-learn scales its start so that its largest coordinate is 10; so does this comparison.
    let largest = start
        .iter()
        .flatten()
        .fold(0f32, |m, x| m.max(x.abs()))
        .max(f32::MIN_POSITIVE);
    let init = Array2::from_shape_fn((n, 2), |(i, c)| start[i][c] * 10.0 / largest);
    let run = || {
        let started = Instant::now();
        let umap = umap_rs::Umap::new(umap_rs::UmapConfig::default());
        let fitted = umap.fit(data.view(), indices.view(), dists.view(), init.view());
        let embedding = fitted.into_embedding();
        let positions: Vec<[f32; 2]> = embedding.rows().into_iter().map(|r| [r[0], r[1]]).collect();
        (positions, started.elapsed().as_secs_f64())
    };
    let (first, secs) = run();
    let (second, _) = run();
    println!(
        "| umap-rs 0.4 | {:.3} (second run {:.3}) | {secs:.1} s | {} |",
        keep(&first),
        keep(&second),
        if first == second { "yes" } else { "no" }
    );
}

/// An index over synthetic vectors (texts and documents are not used by the layout).
fn synthetic_index(vectors: Embeddings) -> insights::index::Index {
    let insights = (0..vectors.len())
        .map(|i| insights::Insight::new(format!("d{}", i % 50), i + 1, i + 1, format!("text {i}")))
        .collect();
    insights::index::synthetic::index_of(insights, vectors)
}
