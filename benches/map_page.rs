//! The report's page at scale: the map's layout time, how well it keeps neighbours against the PCA start, the
//! page's size, and first paint and frame times in headless Chromium (the same browser the tests drive).
//!
//! ```text
//! cargo bench --bench map_page                    # 60,000 synthetic insights in 50 documents
//! cargo bench --bench map_page -- --n 10000
//! cargo bench --bench map_page -- --index p.idx   # the vectors and texts of a saved index
//! cargo bench --bench map_page -- --exact         # the neighbour graph by exact search even above 20,000
//! ```
//!
//! As `insights report` does, the neighbour graph is searched exactly below 20,000 distinct texts and through an
//! approximate index (built here, and timed) above.
//!
//! Prints one line per measurement; nothing is asserted (speed is measured here, never in a timed test).

#[path = "../tests/integration/cdp.rs"]
#[allow(dead_code)]
mod cdp;

use std::time::Instant;

use insights::analysis::cluster::{cluster, ClusterOptions};
use insights::analysis::layout::{layout, neighbour_keeping, principal_plane, LayoutOptions, LAYOUT_NEIGHBOURS};
use insights::analysis::neighbours::nearest_neighbours;
use insights::analysis::topics::{topics, Topic};
use insights::corpus::approximate::for_search;
use insights::corpus::{AnnPolicy, Corpus, Searches, Silent};
use insights::index::synthetic::{generate, SyntheticSpec};
use insights::index::Index;
use insights::report::{html, Report};
use insights::Insight;

/// Words for synthetic texts of about the seeds' length.
const WORDS: &[&str] = &[
    "sovereign",
    "compute",
    "model",
    "open",
    "source",
    "export",
    "chips",
    "policy",
    "nations",
    "cloud",
    "data",
    "infrastructure",
    "strategy",
    "market",
    "capital",
    "energy",
    "talent",
    "regulation",
    "security",
    "supply",
];

fn synthetic_index(n: usize) -> (Index, Vec<usize>) {
    let (vectors, labels) = generate(&SyntheticSpec::new(n, 7));
    let insights: Vec<Insight> = (0..n)
        .map(|i| {
            let words: Vec<&str> = (0..45)
                .map(|k| WORDS[(i * 7 + k * 13 + labels[i]) % WORDS.len()])
                .collect();
            Insight::new(format!("doc{:02}.txt", i % 50), i + 1, i + 1, words.join(" "))
        })
        .collect();
    let index = insights::index::synthetic::index_of(insights, vectors);
    (index, labels)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|k| args.get(k + 1))
            .cloned()
    };
    let (index, labels) = match value("--index") {
        Some(path) => (
            insights::index::store::load(std::path::Path::new(&path)).expect("the index loads"),
            None,
        ),
        None => {
            let (index, labels) = synthetic_index(value("--n").map_or(60_000, |n| n.parse().expect("--n N")));
            (index, Some(labels))
        }
    };
    let n = index.len();
    println!("insights: {n}, documents: {}", index.documents().len());

    let started = Instant::now();
    let policy = if args.iter().any(|a| a == "--exact") {
        AnnPolicy::Off
    } else {
        AnnPolicy::Auto
    };
    let approximate = for_search(&index, None, policy, Searches::All, &mut Silent);
    let corpus = Corpus { index, approximate };
    let (index, approximate, nearest) = (&corpus.index, &corpus.approximate, corpus.nearest());
    if approximate.is_some() {
        println!("approximate index built: {:.1} s", started.elapsed().as_secs_f64());
    }
    let graph = nearest_neighbours(index, &nearest, LAYOUT_NEIGHBOURS);
    let how = if approximate.is_some() { "approximate" } else { "exact" };
    println!(
        "neighbour graph ({how}, k = {LAYOUT_NEIGHBOURS}): {:.1} s in all",
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let positions = layout(&index.vectors, &graph, &LayoutOptions::default());
    println!("layout: {:.1} s", started.elapsed().as_secs_f64());
    let kept = neighbour_keeping(&index.vectors, &positions, 10, 2000);
    let pca = neighbour_keeping(&index.vectors, &principal_plane(&index.vectors, 42), 10, 2000);
    println!(
        "10 nearest kept on the map: layout {kept:.3}, PCA {pca:.3} (chance {:.4})",
        10.0 / n as f64
    );

    // Topics: for a saved index, clustered as `insights report` does; for synthetic vectors, their own labels (the
    // bench measures the page, not the clustering).
    let topics: Vec<Topic> = match labels {
        None => {
            let started = Instant::now();
            let clustering = cluster(&index.vectors, &ClusterOptions::default());
            let (topics, _) = topics(index, &clustering, 6);
            println!("topics and sub-topics: {:.1} s", started.elapsed().as_secs_f64());
            topics
        }
        Some(labels) => {
            let mut members: Vec<Vec<usize>> = Vec::new();
            for (i, &label) in labels.iter().enumerate() {
                if members.len() <= label {
                    members.resize(label + 1, Vec::new());
                }
                members[label].push(i);
            }
            members
                .into_iter()
                .filter(|m| !m.is_empty())
                .enumerate()
                .map(|(id, members)| Topic {
                    id,
                    representative: members[0],
                    documents: index.documents_of(&members).into_iter().map(str::to_string).collect(),
                    keywords: WORDS[id % 14..id % 14 + 6].iter().map(|w| w.to_string()).collect(),
                    members,
                    subtopics: Vec::new(),
                })
                .collect()
        }
    };
    let doc_of = index.document_ids();
    let neighbours: Vec<Vec<_>> = graph
        .iter()
        .enumerate()
        .map(|(i, hits)| hits.iter().filter(|h| doc_of[h.index] != doc_of[i]).copied().collect())
        .collect();
    let report = Report {
        topics: &topics,
        unclustered: &[],
        k_choice: "auto",
        links: &[],
        duplicates: &[],
        originality: &[],
    };
    let page = html::Page {
        title: "insights: map bench",
        report: &report,
        positions: &positions,
        neighbours: &neighbours,
    };
    let started = Instant::now();
    let text = html::page(index, &page);
    println!(
        "page: {:.1} MB, written in {:.2} s",
        text.len() as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("map.html");
    std::fs::write(&path, &text).unwrap();

    let mut browser = cdp::Browser::launch(1400, 900);
    let mut paints = Vec::new();
    let (mut intervals, mut draws) = (Vec::new(), Vec::new());
    for _ in 0..3 {
        browser.open(&format!("file://{}", path.display()));
        let paint = browser.eval("insightsMapReady.then(map => map.firstPaintMs)");
        paints.push(paint.as_f64().unwrap_or(f64::NAN));
        let times = browser.eval("insightsMap.panFrames(120)");
        let series = |name: &str| -> Vec<f64> {
            times[name]
                .as_array()
                .unwrap()
                .iter()
                .skip(1)
                .filter_map(|t| t.as_f64())
                .collect()
        };
        intervals.extend(series("intervals"));
        draws.extend(series("draws"));
    }
    println!(
        "first paint (navigation start to the first map drawn), 3 loads: median {:.0} ms ({:?})",
        median(&mut paints.clone()),
        paints.iter().map(|p| p.round()).collect::<Vec<_>>()
    );
    for (name, values) in [
        ("frame interval while panning", &mut intervals),
        ("drawing one frame", &mut draws),
    ] {
        values.sort_by(f64::total_cmp);
        println!(
            "{name} ({} frames): median {:.1} ms, 95th percentile {:.1} ms, worst {:.1} ms",
            values.len(),
            values[values.len() / 2],
            values[values.len() * 95 / 100],
            values[values.len() - 1]
        );
    }
}
