//! Compares approximate nearest-neighbour crates on synthetic clustered vectors: recall@10 against the exact
//! search, build time, query latency and memory.
//!
//! ```text
//! cargo run --release --features ann-compare --example ann_compare -- [--n 100000] [--queries 1000] [--seed 7]
//!     [--only insights,insights-int8,usearch,usearch-f16,usearch-i8,hnsw_rs,instant-distance]
//!     [--ef-construction 128] [--ef 64[,128,...]] [--m 16]
//! ```
//!
//! `--ef` may list several search breadths: candidates that can change it after their build are searched with each
//! (one row per value; the build is not repeated).
//!
//! `--index FILE` takes the vectors of a saved index instead of synthetic ones, holding out `--queries` rows spread
//! through it as the queries.
//!
//! Without `--features ann-compare` only `insights` (this crate's own graph, `insights::index::ann`) is built, and
//! none of the other crates is compiled. Its memory is the graph alone: it searches the caller's vectors in place.
//! `insights-int8` is the same graph walking an int8 copy of the vectors (`insights index --ann-vectors int8`),
//! its results re-scored with the f32 vectors; its memory includes the copy.
//!
//! Every candidate gets the same graph settings (M neighbours per node, efConstruction, efSearch) and is built with
//! all cores (rayon's pool; set `RAYON_NUM_THREADS`). Queries run one at a time on one thread, as `similar` does.
//! Memory is the growth of the process's resident set while the candidate is built (the candidate's copy of the
//! vectors included), measured from `/proc/self/statm` after the previous candidate was dropped. The output is one
//! markdown table row per candidate.

use std::time::Instant;

use anyhow::{bail, Context, Result};
#[cfg(feature = "ann-compare")]
use rayon::prelude::*;

use insights::index::ann::compact::Storage;
use insights::index::synthetic::{generate, queries, SyntheticSpec};
use insights::index::top_k;
use insights::Embeddings;

struct Settings {
    m: usize,
    ef_construction: usize,
    ef: usize,
}

/// A built candidate: answers a query with the keys of its `k` best rows.
trait Candidate {
    fn search(&self, query: &[f32], k: usize) -> Vec<usize>;
    /// Sets the search breadth for later searches; false where the candidate cannot change it after its build.
    fn set_ef(&mut self, _ef: usize) -> bool {
        false
    }
}

struct Own<'a>(insights::index::ann::Hnsw, &'a Embeddings, usize);

impl Candidate for Own<'_> {
    fn search(&self, query: &[f32], k: usize) -> Vec<usize> {
        let nodes = own_nodes(self.1);
        let mut found = self.0.search(&nodes, query, self.2.max(k));
        if self.0.int8.is_some() {
            // The walk's scores are estimates: re-score exactly, as `Nearest` does.
            for s in &mut found {
                s.score = insights::linalg::dot(query, nodes.get(s.node));
            }
            found.sort_unstable_by(|a, b| b.cmp(a));
        }
        found.into_iter().take(k).map(|s| s.node as usize).collect()
    }

    fn set_ef(&mut self, ef: usize) -> bool {
        self.2 = ef;
        true
    }
}

fn own_nodes(data: &Embeddings) -> insights::index::ann::NodeVectors<'_> {
    insights::index::ann::NodeVectors {
        flat: data.as_flat(),
        dim: data.dim(),
        rows: None,
        dot: insights::linalg::fast_dot(),
    }
}

fn build_own<'a>(data: &'a Embeddings, s: &Settings, storage: Storage) -> Box<dyn Candidate + 'a> {
    let options = insights::index::ann::AnnOptions {
        m: s.m,
        ef_construction: s.ef_construction,
        ef_search: s.ef,
        seed: 42,
    };
    let nodes = own_nodes(data);
    let hnsw = insights::index::ann::Hnsw::build(&nodes, (0..data.len() as u64).collect(), options, &|_| {});
    Box::new(Own(hnsw.with_storage(storage, &nodes), data, s.ef))
}

#[cfg(feature = "ann-compare")]
struct Usearch(usearch::Index);

#[cfg(feature = "ann-compare")]
impl Candidate for Usearch {
    fn search(&self, query: &[f32], k: usize) -> Vec<usize> {
        self.0
            .search(query, k)
            .map(|m| m.keys.into_iter().map(|k| k as usize).collect())
            .unwrap_or_default()
    }
}

#[cfg(feature = "ann-compare")]
fn build_usearch(data: &Embeddings, s: &Settings, quantization: usearch::ScalarKind) -> Result<Box<dyn Candidate>> {
    let options = usearch::IndexOptions {
        dimensions: data.dim(),
        metric: usearch::MetricKind::IP,
        quantization,
        connectivity: s.m,
        expansion_add: s.ef_construction,
        expansion_search: s.ef,
        multi: false,
    };
    let index = usearch::Index::new(&options)?;
    index.reserve_capacity_and_threads(data.len(), rayon::current_num_threads())?;
    (0..data.len())
        .into_par_iter()
        .try_for_each(|i| index.add(i as u64, data.row(i)))?;
    Ok(Box::new(Usearch(index)))
}

#[cfg(feature = "ann-compare")]
mod others {
    use super::*;
    use hnsw_rs::prelude::{DistDot, Hnsw};

    pub struct HnswRs(pub Hnsw<'static, f32, DistDot>, pub usize);

    impl Candidate for HnswRs {
        fn search(&self, query: &[f32], k: usize) -> Vec<usize> {
            self.0.search(query, k, self.1).into_iter().map(|n| n.d_id).collect()
        }
    }

    pub fn build_hnsw_rs(data: &Embeddings, s: &Settings) -> Box<dyn Candidate> {
        let hnsw = Hnsw::<f32, DistDot>::new(s.m, data.len(), 16, s.ef_construction, DistDot {});
        let rows: Vec<(&[f32], usize)> = data.rows().enumerate().map(|(i, r)| (r, i)).collect();
        hnsw.parallel_insert_slice(&rows);
        let mut hnsw = hnsw;
        hnsw.set_searching_mode(true);
        Box::new(HnswRs(hnsw, s.ef))
    }

    #[derive(Clone)]
    pub struct Unit(pub Vec<f32>);

    impl instant_distance::Point for Unit {
        fn distance(&self, other: &Self) -> f32 {
            1.0 - insights::linalg::dot(&self.0, &other.0)
        }
    }

    pub struct Instant(pub instant_distance::HnswMap<Unit, usize>);

    impl Candidate for Instant {
        fn search(&self, query: &[f32], k: usize) -> Vec<usize> {
            let mut search = instant_distance::Search::default();
            self.0
                .search(&Unit(query.to_vec()), &mut search)
                .take(k)
                .map(|item| *item.value)
                .collect()
        }
    }

    pub fn build_instant(data: &Embeddings, s: &Settings) -> Box<dyn Candidate> {
        let points: Vec<Unit> = data.rows().map(|r| Unit(r.to_vec())).collect();
        let values: Vec<usize> = (0..data.len()).collect();
        let map = instant_distance::Builder::default()
            .ef_construction(s.ef_construction)
            .ef_search(s.ef)
            .seed(7)
            .build(points, values);
        Box::new(Instant(map))
    }
}

/// The resident set size of this process, in bytes.
fn rss_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: usize = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

fn arg<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> Result<T> {
    match args.iter().position(|a| a == name) {
        Some(i) => args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .with_context(|| format!("{name} needs a value")),
        None => Ok(default),
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// The vectors of a saved index, less `nq` rows spread evenly through it, which become the queries.
fn held_out(path: &str, nq: usize) -> Result<(Embeddings, Embeddings)> {
    let index = insights::index::store::load(std::path::Path::new(path))?;
    let step = (index.len() / nq.max(1)).max(2);
    let (mut data, mut qs) = (
        Embeddings::empty(index.meta.kind.dim),
        Embeddings::empty(index.meta.kind.dim),
    );
    for (i, row) in index.vectors.rows().enumerate() {
        if i % step == step / 2 && qs.len() < nq {
            qs.push(row);
        } else {
            data.push(row);
        }
    }
    Ok((data, qs))
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = arg(&args, "--n", 100_000)?;
    let nq: usize = arg(&args, "--queries", 1000)?;
    let seed: u64 = arg(&args, "--seed", 7)?;
    let efs: Vec<usize> = arg(&args, "--ef", "64".to_string())?
        .split(',')
        .map(|e| e.trim().parse().context("--ef takes numbers separated by commas"))
        .collect::<Result<_>>()?;
    let settings = Settings {
        m: arg(&args, "--m", 16)?,
        ef_construction: arg(&args, "--ef-construction", 128)?,
        ef: efs[0],
    };
    let only: String = arg(
        &args,
        "--only",
        if cfg!(feature = "ann-compare") {
            "insights,usearch,usearch-f16,usearch-i8,hnsw_rs,instant-distance"
        } else {
            "insights"
        }
        .to_string(),
    )?;
    let index_file: String = arg(&args, "--index", String::new())?;
    let t = Instant::now();
    let (data, qs) = if index_file.is_empty() {
        let spec = SyntheticSpec::new(n, seed);
        (generate(&spec).0, queries(&spec, nq))
    } else {
        held_out(&index_file, nq)?
    };
    let n = data.len();
    eprintln!(
        "{n} x {} vectors and {} queries in {:.1} s",
        data.dim(),
        qs.len(),
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let truth: Vec<Vec<usize>> = qs
        .rows()
        .map(|q| top_k(&data, q, 10, &|_| true).into_iter().map(|h| h.index).collect())
        .collect();
    eprintln!("exact top-10 of {nq} queries in {:.1} s", t.elapsed().as_secs_f64());
    println!(
        "| crate | n | M / efC / ef | recall@10 | build s | query p50 µs | query p99 µs | RSS growth MiB |\n\
         |---|---|---|---|---|---|---|---|"
    );
    for name in only.split(',') {
        let before = rss_bytes();
        let t = Instant::now();
        let mut candidate: Box<dyn Candidate + '_> = match name {
            "insights" => build_own(&data, &settings, Storage::F32),
            "insights-int8" => build_own(&data, &settings, Storage::Int8),
            #[cfg(feature = "ann-compare")]
            "usearch" => build_usearch(&data, &settings, usearch::ScalarKind::F32)?,
            #[cfg(feature = "ann-compare")]
            "usearch-f16" => build_usearch(&data, &settings, usearch::ScalarKind::F16)?,
            #[cfg(feature = "ann-compare")]
            "usearch-i8" => build_usearch(&data, &settings, usearch::ScalarKind::I8)?,
            #[cfg(feature = "ann-compare")]
            "hnsw_rs" => others::build_hnsw_rs(&data, &settings),
            #[cfg(feature = "ann-compare")]
            "instant-distance" => others::build_instant(&data, &settings),
            other => bail!("unknown candidate {other} (the other crates need --features ann-compare)"),
        };
        let build = t.elapsed().as_secs_f64();
        let grown = rss_bytes().saturating_sub(before) as f64 / (1 << 20) as f64;
        for (i, &ef) in efs.iter().enumerate() {
            if i > 0 && !candidate.set_ef(ef) {
                break;
            }
            let mut times = Vec::with_capacity(nq);
            let mut found = 0usize;
            for (q, want) in qs.rows().zip(&truth) {
                let t = Instant::now();
                let got = candidate.search(q, 10);
                times.push(t.elapsed().as_secs_f64() * 1e6);
                found += got.iter().filter(|g| want.contains(g)).count();
            }
            times.sort_by(f64::total_cmp);
            let recall = found as f64 / (truth.len() * 10) as f64;
            println!(
                "| {name} | {n} | {} / {} / {ef} | {recall:.4} | {build:.1} | {:.0} | {:.0} | {grown:.0} |",
                settings.m,
                settings.ef_construction,
                percentile(&times, 0.5),
                percentile(&times, 0.99)
            );
        }
        drop(candidate);
    }
    Ok(())
}
