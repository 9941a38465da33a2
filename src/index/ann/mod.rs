//! The approximate nearest-neighbour index: a hierarchical navigable small-world graph (HNSW, Malkov & Yashunin
//! 2016) over unit vectors, scored by dot product (cosine).
//!
//! Written for this crate rather than taken from one (see docs/benchmarks.md's comparison with usearch, hnsw_rs and
//! instant-distance): it is pure Rust, builds deterministically (the same vectors give the same graph on any number
//! of threads, see [`build`]), keeps its nodes keyed so it can follow a re-indexed corpus without a rebuild
//! ([`update`]), and its file is mapped into memory rather than read ([`file`]). By default it holds no vectors of
//! its own: node `i` is row `i` of the vectors it is searched with. It can keep an int8 copy to walk instead
//! ([`compact`]), a quarter of the bytes to read per step.

pub mod build;
pub mod compact;
pub mod file;
pub mod graph;
pub mod search;
pub mod update;

#[cfg(test)]
mod tests;

use compact::{Int8Scorer, Int8Vectors, Storage};
use graph::{Graph, MappedOrOwned};
pub use search::{NodeVectors, Scored, Scorer};

/// Settings of the graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnnOptions {
    /// Neighbours kept per node in the upper levels (twice this at level 0). Default 16.
    pub m: usize,
    /// Beam width while linking: wider builds slower and finds better neighbours. Default 128.
    pub ef_construction: usize,
    /// Beam width of a search (at least the number of results asked for): wider is slower and more exact.
    /// Default 64.
    pub ef_search: usize,
    /// Seed of the node levels. Default 42.
    pub seed: u64,
}

impl Default for AnnOptions {
    fn default() -> Self {
        Self {
            m: 16,
            ef_construction: 128,
            ef_search: 64,
            seed: 42,
        }
    }
}

/// Above this many nodes, [`AnnOptions::for_nodes`] links with a narrower beam and [`AnnOptions::ef_for`] searches
/// with a wider one.
pub const LARGE_GRAPH: usize = 250_000;

/// Below this many nodes a search uses `ef_search` as it is; above, its square-root growth starts.
const EF_GROWTH_FROM: usize = 100_000;

impl AnnOptions {
    /// The settings for a graph of `nodes` nodes: the defaults, with `ef_construction` 100 instead of 128 above
    /// [`LARGE_GRAPH`] nodes, which keeps a 1M-node build within 5 minutes on 2 cores (measured: 229 s instead of
    /// 274-299 s) and is made up for by the wider search of [`AnnOptions::ef_for`].
    pub fn for_nodes(nodes: usize) -> Self {
        let default = Self::default();
        Self {
            ef_construction: if nodes > LARGE_GRAPH {
                100
            } else {
                default.ef_construction
            },
            ..default
        }
    }

    /// The beam width for searching a graph of `nodes` nodes: `ef_search` up to 100,000 nodes, then growing with the
    /// square root of the node count (at most 512), since a bigger graph needs a wider beam for the same recall.
    /// Measured on 1M synthetic vectors: recall@10 0.970 at 202 (p50 0.54 ms), against 0.867 at 64.
    pub fn ef_for(&self, nodes: usize) -> usize {
        let growth = (nodes as f64 / EF_GROWTH_FROM as f64).sqrt().max(1.0);
        ((self.ef_search as f64 * growth).round() as usize).clamp(self.ef_search, 512.max(self.ef_search))
    }
}

/// What an update of the graph did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UpdateStats {
    /// Nodes linked in now.
    pub added: usize,
    /// Nodes cut out.
    pub removed: usize,
    /// True when the graph was built again from nothing (too much had changed, or there was none).
    pub rebuilt: bool,
}

/// An HNSW graph over keyed nodes.
#[derive(Debug, Clone)]
pub struct Hnsw {
    /// The graph.
    pub graph: Graph,
    /// The key of each node (for an index: the first 8 bytes of the text hash).
    pub keys: MappedOrOwned<u64>,
    /// The dimension of the vectors it was built on.
    pub dim: usize,
    /// The settings it was built with (`ef_search` is a default for searches, not part of the graph).
    pub options: AnnOptions,
    /// An int8 copy of the nodes' vectors that searches walk instead of the f32 ones, when kept.
    pub int8: Option<Int8Vectors>,
}

impl Hnsw {
    /// Builds the graph of nodes `keys` whose vectors are `vectors` (node `i` → `vectors.get(i)`); `progress` gets
    /// the number of nodes linked so far.
    pub fn build(
        vectors: &NodeVectors,
        keys: Vec<u64>,
        options: AnnOptions,
        progress: &(dyn Fn(usize) + Sync),
    ) -> Hnsw {
        let levels: Vec<u8> = keys
            .iter()
            .map(|&k| build::level_of(k, options.seed, options.m))
            .collect();
        let mut graph = Graph::new(levels, options.m);
        let nodes: Vec<u32> = (0..keys.len() as u32).collect();
        build::link(&mut graph, vectors, &nodes, options.ef_construction, 0, progress);
        Hnsw {
            graph,
            keys: MappedOrOwned::Owned(keys),
            dim: vectors.dim,
            options,
            int8: None,
        }
    }

    /// This graph walking its nodes' vectors (`vectors`, the ones it was built or updated with) as `storage` says.
    pub fn with_storage(mut self, storage: Storage, vectors: &NodeVectors) -> Hnsw {
        self.int8 = match storage {
            Storage::F32 => None,
            Storage::Int8 => Some(Int8Vectors::quantize(vectors, self.len())),
        };
        self
    }

    /// How searches read the nodes' vectors.
    pub fn storage(&self) -> Storage {
        match self.int8 {
            Some(_) => Storage::Int8,
            None => Storage::F32,
        }
    }

    /// The number of nodes.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when the graph has no node.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The `ef` (at least 1) nodes closest to `query` that the search finds, best first. With an int8 copy the
    /// walk reads it and the scores are estimates (re-score with `vectors`); otherwise they are `vectors`' cosines.
    pub fn search(&self, vectors: &NodeVectors, query: &[f32], ef: usize) -> Vec<Scored> {
        match &self.int8 {
            Some(int8) => search::search(&self.graph, &Int8Scorer::new(int8), query, ef),
            None => search::search(&self.graph, vectors, query, ef),
        }
    }

    /// The graph over `keys` (whose vectors are now `vectors`), made from this one: kept nodes keep their links, gone
    /// ones are cut out, new ones are linked in, and the nodes' vectors are kept as `storage` says. Rebuilds when more
    /// than a quarter of the nodes are gone or the dimension changed. `progress` gets the number of nodes in the graph so far (kept ones first).
    pub fn update(
        &self,
        vectors: &NodeVectors,
        keys: Vec<u64>,
        storage: Storage,
        progress: &(dyn Fn(usize) + Sync),
    ) -> (Hnsw, UpdateStats) {
        let carried = if self.dim == vectors.dim {
            update::carry_over(&self.graph, &self.keys, &keys, vectors, self.options.seed)
        } else {
            None
        };
        let Some((mut graph, fresh)) = carried else {
            let added = keys.len();
            let stats = UpdateStats {
                added,
                removed: self.len(),
                rebuilt: true,
            };
            let hnsw = Hnsw::build(vectors, keys, self.options, progress).with_storage(storage, vectors);
            return (hnsw, stats);
        };
        let kept = keys.len() - fresh.len();
        build::link(
            &mut graph,
            vectors,
            &fresh,
            self.options.ef_construction,
            kept,
            &|done| progress(kept + done),
        );
        let stats = UpdateStats {
            added: fresh.len(),
            removed: self.len() - kept,
            rebuilt: false,
        };
        let hnsw = Hnsw {
            graph,
            keys: MappedOrOwned::Owned(keys),
            dim: vectors.dim,
            options: self.options,
            int8: None,
        }
        .with_storage(storage, vectors);
        (hnsw, stats)
    }
}
