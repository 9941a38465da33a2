//! Nearest-neighbour search over an index, exact or through the approximate index: the one interface the analyses
//! use, so they do not know which of the two answers them.

use std::collections::HashMap;

use super::ann::{Hnsw, NodeVectors};
use super::exact::{top_k, Hit};
use super::{Index, TextHash};
use crate::linalg::{dot, fast_dot};
use crate::vectors::Embeddings;

/// Insights with an index's distinct texts: the approximate index has one node per distinct text (copies of a text
/// share its vector), numbered in order of first appearance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistinctTexts {
    /// The first row (insight) of each node.
    pub first_row: Vec<u32>,
    /// The node of each row.
    pub node_of_row: Vec<u32>,
    /// The rows of each node, in corpus order: `rows[starts[i]..starts[i + 1]]`.
    starts: Vec<u32>,
    rows: Vec<u32>,
    /// The key of each node: the first 8 bytes of its text hash.
    pub keys: Vec<u64>,
}

impl DistinctTexts {
    /// The distinct texts of `index`, by text hash.
    pub fn of(index: &Index) -> DistinctTexts {
        let mut node_of: HashMap<TextHash, u32> = HashMap::with_capacity(index.len());
        let mut first_row = Vec::new();
        let mut keys = Vec::new();
        let node_of_row: Vec<u32> = index
            .hashes
            .iter()
            .enumerate()
            .map(|(row, h)| {
                *node_of.entry(*h).or_insert_with(|| {
                    first_row.push(row as u32);
                    keys.push(h.key());
                    (first_row.len() - 1) as u32
                })
            })
            .collect();
        let mut starts = vec![0u32; first_row.len() + 1];
        for &n in &node_of_row {
            starts[n as usize + 1] += 1;
        }
        for i in 0..first_row.len() {
            starts[i + 1] += starts[i];
        }
        let mut fill = starts.clone();
        let mut rows = vec![0u32; node_of_row.len()];
        for (row, &n) in node_of_row.iter().enumerate() {
            rows[fill[n as usize] as usize] = row as u32;
            fill[n as usize] += 1;
        }
        DistinctTexts {
            first_row,
            node_of_row,
            starts,
            rows,
            keys,
        }
    }

    /// The number of distinct texts.
    pub fn len(&self) -> usize {
        self.first_row.len()
    }

    /// True when there is none.
    pub fn is_empty(&self) -> bool {
        self.first_row.is_empty()
    }

    /// The rows that carry node `node`'s text, in corpus order.
    pub fn rows_of(&self, node: u32) -> &[u32] {
        &self.rows[self.starts[node as usize] as usize..self.starts[node as usize + 1] as usize]
    }

    /// The vectors of the nodes, taken from the index's rows in place.
    pub fn node_vectors<'a>(&'a self, vectors: &'a Embeddings) -> NodeVectors<'a> {
        NodeVectors {
            flat: vectors.as_flat(),
            dim: vectors.dim(),
            rows: Some(&self.first_row),
            dot: fast_dot(),
        }
    }
}

/// The widest beam an approximate search tries before it falls back to exact search (when a filter rejects most of
/// what it finds).
const MAX_EF: usize = 4096;

/// A search served by a vector database: the rows (insights) nearest a query by the database's own index.
pub trait RemoteSearch: Sync + std::fmt::Debug {
    /// Up to `limit` rows nearest `query`, best first; an error says why the search could not be made.
    fn nearest_rows(&self, query: &[f32], limit: usize) -> Result<Vec<usize>, String>;

    /// The most rows one search may ask for.
    fn max_limit(&self) -> usize;

    /// Called when a search failed and the answer came from scoring every vector instead.
    fn failed(&self, message: String);

    /// Why a search failed, when one did.
    fn failure(&self) -> Option<String>;
}

/// How the nearest insights to a vector are found.
#[derive(Debug, Clone, Copy)]
pub enum Nearest<'a> {
    /// By scoring every vector.
    Exact(&'a Embeddings),
    /// Through an approximate index over the distinct texts.
    Approximate {
        /// The index's vectors.
        vectors: &'a Embeddings,
        /// The graph.
        hnsw: &'a Hnsw,
        /// The distinct texts, the graph's nodes.
        texts: &'a DistinctTexts,
        /// The beam width of a search (raised to at least the number of results wanted).
        ef: usize,
    },
    /// Through a vector database's index, the scores made again from the index's own vectors (so they are exact,
    /// as with the approximate index); when the database fails, by scoring every vector.
    Remote {
        /// The index's vectors.
        vectors: &'a Embeddings,
        /// The database.
        search: &'a dyn RemoteSearch,
    },
}

impl Nearest<'_> {
    /// True when searches go through an approximate index (this one's or a database's).
    pub fn is_approximate(&self) -> bool {
        matches!(self, Nearest::Approximate { .. } | Nearest::Remote { .. })
    }

    /// The `k` rows closest to `query` that `keep` accepts, best first (ties: lower row first), with their exact
    /// cosine. Exact search finds the true `k`; approximate search nearly always does (see docs/benchmarks.md for its
    /// measured recall).
    pub fn top_k(&self, query: &[f32], k: usize, keep: &(dyn Fn(usize) -> bool + Sync)) -> Vec<Hit> {
        match *self {
            Nearest::Exact(vectors) => top_k(vectors, query, k, keep),
            Nearest::Approximate {
                vectors,
                hnsw,
                texts,
                ef,
            } => {
                let nodes = texts.node_vectors(vectors);
                let mut ef = ef.max(k).max(1);
                loop {
                    let found = hnsw.search(&nodes, query, ef);
                    let mut hits: Vec<Hit> = Vec::new();
                    for s in &found {
                        let score = dot(query, nodes.get(s.node));
                        hits.extend(
                            texts
                                .rows_of(s.node)
                                .iter()
                                .map(|&r| r as usize)
                                .filter(|&r| keep(r))
                                .map(|index| Hit { index, score }),
                        );
                    }
                    let exhausted = found.len() < ef || ef >= texts.len();
                    if hits.len() >= k || exhausted {
                        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.index.cmp(&b.index)));
                        hits.truncate(k);
                        return hits;
                    }
                    if ef >= MAX_EF {
                        // The filter rejects nearly everything near the query: only a full scan finds k.
                        return top_k(vectors, query, k, keep);
                    }
                    ef = (ef * 4).min(MAX_EF);
                }
            }
            Nearest::Remote { vectors, search } => remote_top_k(vectors, search, query, k, keep),
        }
    }
}

/// [`Nearest::top_k`] through a database: asks for more rows until `k` pass `keep` (or the database has no more),
/// scoring each with the index's vector.
fn remote_top_k(
    vectors: &Embeddings,
    search: &dyn RemoteSearch,
    query: &[f32],
    k: usize,
    keep: &(dyn Fn(usize) -> bool + Sync),
) -> Vec<Hit> {
    let most = search.max_limit().min(vectors.len()).max(1);
    // More than k from the start: copies of a text tie, and the database breaks ties its own way.
    let mut limit = (k.saturating_mul(2)).max(k + 16).clamp(1, most);
    loop {
        let rows = match search.nearest_rows(query, limit) {
            Ok(rows) => rows,
            Err(message) => {
                search.failed(message);
                return top_k(vectors, query, k, keep);
            }
        };
        let mut hits: Vec<Hit> = rows
            .iter()
            .copied()
            .filter(|&r| r < vectors.len() && keep(r))
            .map(|index| Hit {
                index,
                score: dot(query, vectors.row(index)),
            })
            .collect();
        let exhausted = rows.len() < limit || limit >= most;
        if hits.len() >= k || exhausted {
            if hits.len() < k && rows.len() < vectors.len() && limit >= most {
                // The filter rejects nearly everything the database can return at once: only a full scan finds k.
                return top_k(vectors, query, k, keep);
            }
            hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.index.cmp(&b.index)));
            hits.truncate(k);
            return hits;
        }
        limit = (limit * 4).min(most);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::ann::AnnOptions;
    use crate::index::IndexMeta;
    use crate::insight::Insight;

    /// An index of `n` texts in 4 documents, each text twice (once in each of two documents).
    fn doubled(n: usize) -> Index {
        let spec = crate::index::synthetic::SyntheticSpec {
            dim: 24,
            ..crate::index::synthetic::SyntheticSpec::new(n, 3)
        };
        let (base, _) = crate::index::synthetic::generate(&spec);
        let mut vectors = Embeddings::empty(24);
        let mut insights = Vec::new();
        let mut hashes = Vec::new();
        for copy in 0..2 {
            for i in 0..n {
                vectors.push(base.row(i));
                insights.push(Insight::new(
                    format!("doc{}", (i % 2) * 2 + copy),
                    i + 1,
                    i + 1,
                    format!("t{i}"),
                ));
                hashes.push(TextHash::of(&format!("t{i}")));
            }
        }
        Index {
            meta: IndexMeta {
                kind: crate::embed::VectorKind {
                    model_id: "m".into(),
                    weights_sha256: "w".into(),
                    dim: 24,
                    precision: crate::embed::Precision::F32,
                },
                split: crate::insight::SplitOptions::default(),
            },
            insights,
            hashes,
            vectors,
            sentences: None,
            dates: Default::default(),
        }
    }

    #[test]
    fn approximate_search_returns_what_exact_search_returns_with_copies_and_filters() {
        let index = doubled(1200);
        let texts = DistinctTexts::of(&index);
        assert_eq!(texts.len(), 1200);
        assert_eq!(texts.rows_of(5), &[5, 1205]);
        assert_eq!(texts.node_of_row[1205], 5);
        let hnsw = Hnsw::build(
            &texts.node_vectors(&index.vectors),
            texts.keys.clone(),
            AnnOptions::default(),
            &|_| {},
        );
        let exact = Nearest::Exact(&index.vectors);
        let approx = Nearest::Approximate {
            vectors: &index.vectors,
            hnsw: &hnsw,
            texts: &texts,
            ef: 64,
        };
        let docs = index.document_ids();
        let (mut agree, mut total) = (0, 0);
        for row in (0..2400).step_by(37) {
            let keep = |j: usize| docs[j] != docs[row];
            let e = exact.top_k(index.vectors.row(row), 10, &keep);
            let a = approx.top_k(index.vectors.row(row), 10, &keep);
            assert_eq!(a.len(), 10);
            assert!(a.iter().all(|h| docs[h.index] != docs[row]), "the filter holds");
            assert!(a.windows(2).all(|w| w[0].score >= w[1].score));
            agree += a.iter().filter(|h| e.contains(h)).count();
            total += 10;
        }
        assert!(agree as f64 >= 0.97 * total as f64, "{agree} of {total} found");
        // A filter that keeps almost nothing falls back to a full scan and still finds it.
        let only = |j: usize| j == 2399;
        assert_eq!(approx.top_k(index.vectors.row(0), 3, &only)[0].index, 2399);
    }
}
