//! Neighbours: for each insight, the closest insights in *other* documents (and, for the map, in any).

use rayon::prelude::*;

use super::duplicates::DuplicateGroup;
use crate::index::{top_k_among, Hit, Index, Nearest};

/// Neighbours looked at per insight when finding duplicates and links.
pub const CANDIDATES: usize = 10;
/// The lowest score a candidate pair needs to be considered as a duplicate or link at all.
pub const CANDIDATE_MIN_SCORE: f32 = 0.5;

/// When the documents other than the largest hold at most this many insights, or at most a 64th of the corpus, the
/// largest document's insights are matched by scoring those few insights exactly: a search of the whole corpus
/// filtered to other documents would reject nearly all it finds (one long notes file beside a few short ones; a
/// single file split by line).
const FEW_OTHERS: usize = 8192;

/// For each insight, its at most `k` nearest insights from other documents with score ≥ `min_score`, best first,
/// found by `nearest` (one search per insight: n searches, never an n×n matrix), or exactly among the other
/// documents' insights where those are few (see [`FEW_OTHERS`]).
pub fn cross_document_neighbours(index: &Index, nearest: &Nearest, k: usize, min_score: f32) -> Vec<Vec<Hit>> {
    let doc_of = index.document_ids();
    let few_others = few_others(&doc_of);
    (0..index.len())
        .into_par_iter()
        .map(|i| {
            let query = index.vectors.row(i);
            let mut hits = match &few_others {
                Some((largest, others)) if doc_of[i] == *largest => top_k_among(&index.vectors, query, k, others),
                _ => nearest.top_k(query, k, &|j: usize| doc_of[j] != doc_of[i]),
            };
            hits.retain(|h| h.score >= min_score);
            hits
        })
        .collect()
}

/// For each insight, its `k` nearest other insights in any document, best first (the graph a map of the corpus is
/// laid out from).
pub fn nearest_neighbours(index: &Index, nearest: &Nearest, k: usize) -> Vec<Vec<Hit>> {
    (0..index.len())
        .into_par_iter()
        .map(|i| nearest.top_k(index.vectors.row(i), k, &|j: usize| j != i))
        .collect()
}

/// The largest document and the rows of all the others, when those are few enough to score exactly.
fn few_others(doc_of: &[usize]) -> Option<(usize, Vec<u32>)> {
    let mut sizes: Vec<usize> = Vec::new();
    for &d in doc_of {
        if sizes.len() <= d {
            sizes.resize(d + 1, 0);
        }
        sizes[d] += 1;
    }
    let (largest, &size) = sizes
        .iter()
        .enumerate()
        .max_by_key(|&(d, &n)| (n, std::cmp::Reverse(d)))?;
    let others = doc_of.len() - size;
    (others <= FEW_OTHERS || others * 64 <= doc_of.len()).then(|| {
        let rows = (0..doc_of.len() as u32)
            .filter(|&r| doc_of[r as usize] != largest)
            .collect();
        (largest, rows)
    })
}

/// A link between two insights of different documents.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Link {
    /// The insight that comes first in the corpus.
    pub a: usize,
    /// The other insight.
    pub b: usize,
    /// Their cosine similarity.
    pub score: f32,
}

/// The distinct links among the neighbour lists (each pair once), strongest first.
pub fn links(neighbours: &[Vec<Hit>]) -> Vec<Link> {
    let mut out: Vec<Link> = neighbours
        .iter()
        .enumerate()
        .flat_map(|(i, hits)| {
            hits.iter().map(move |h| Link {
                a: i.min(h.index),
                b: i.max(h.index),
                score: h.score,
            })
        })
        .collect();
    out.sort_by(|x, y| y.score.total_cmp(&x.score).then((x.a, x.b).cmp(&(y.a, y.b))));
    out.dedup_by(|x, y| x.a == y.a && x.b == y.b);
    out
}

/// The `n` strongest links between distinct points: the insights of one duplicate group (shown as duplicates) count
/// as one point, and each pair of points appears once.
pub fn strongest_links(neighbours: &[Vec<Hit>], groups: &[DuplicateGroup], n: usize) -> Vec<Link> {
    let mut canonical: Vec<usize> = (0..neighbours.len()).collect();
    for group in groups {
        for &m in &group.members {
            canonical[m] = group.members[0];
        }
    }
    let mut seen = std::collections::HashSet::new();
    links(neighbours)
        .into_iter()
        .filter(|l| {
            let (a, b) = (canonical[l.a], canonical[l.b]);
            a != b && seen.insert((a.min(b), a.max(b)))
        })
        .take(n)
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::index::{IndexMeta, TextHash};
    use crate::insight::Insight;
    use crate::vectors::Embeddings;

    pub(crate) fn index_of(docs: &[&str], vectors: &[[f32; 2]]) -> Index {
        let insights = docs
            .iter()
            .enumerate()
            .map(|(i, d)| Insight::new(*d, i + 1, i + 1, format!("text {i}")))
            .collect();
        let mut e = Embeddings::from_flat(2, vectors.iter().flatten().copied().collect());
        e.normalize();
        Index {
            meta: IndexMeta {
                kind: crate::embed::VectorKind {
                    model_id: "t".into(),
                    weights_sha256: "t".into(),
                    dim: 2,
                    precision: crate::embed::Precision::F32,
                },
                split: crate::insight::SplitOptions::default(),
            },
            hashes: (0..docs.len()).map(|i| TextHash::of(&i.to_string())).collect(),
            insights,
            vectors: e,
            sentences: None,
            dates: Default::default(),
        }
    }

    #[test]
    fn neighbours_come_only_from_other_documents() {
        let index = index_of(
            &["a", "a", "b", "c"],
            &[[1.0, 0.0], [1.0, 0.01], [1.0, 0.1], [0.0, 1.0]],
        );
        let n = cross_document_neighbours(&index, &Nearest::Exact(&index.vectors), 5, 0.5);
        assert_eq!(
            n[0].iter().map(|h| h.index).collect::<Vec<_>>(),
            vec![2],
            "not its own document, not far c"
        );
        assert_eq!(n[2].iter().map(|h| h.index).collect::<Vec<_>>(), vec![1, 0]);
        assert!(n[3].is_empty());
        let l = links(&n);
        assert_eq!(l.len(), 2);
        assert_eq!((l[0].a, l[0].b), (1, 2), "strongest link first");
    }

    #[test]
    fn a_corpus_of_one_large_document_and_a_few_small_ones_finds_what_a_filtered_scan_finds() {
        // 20,000 insights in one document, 150 in three others: searched exactly among the 150.
        let mut rng = crate::rng::Rng::new(11);
        let docs: Vec<&str> = (0..20_150)
            .map(|i| if i < 20_000 { "big" } else { ["x", "y", "z"][i % 3] })
            .collect();
        let vectors: Vec<[f32; 2]> = (0..docs.len())
            .map(|_| [rng.next_f64() as f32 - 0.5, rng.next_f64() as f32 - 0.5])
            .collect();
        let index = index_of(&docs, &vectors);
        let doc_of = index.document_ids();
        let (largest, others) = few_others(&doc_of).expect("few others");
        assert_eq!((docs[largest], others.len()), ("big", 150));
        let exact = Nearest::Exact(&index.vectors);
        let found = cross_document_neighbours(&index, &exact, 3, -1.0);
        for i in [0, 7, 19_999, 20_001, 20_149] {
            let scan = exact.top_k(index.vectors.row(i), 3, &|j: usize| doc_of[j] != doc_of[i]);
            assert_eq!(found[i], scan, "insight {i}");
        }
        // One document alone has no cross-document neighbours at all, and nothing is searched for them.
        let alone = index_of(&["a"; 5], &[[1.0, 0.0]; 5]);
        assert!(
            cross_document_neighbours(&alone, &Nearest::Exact(&alone.vectors), 3, -1.0)
                .iter()
                .all(Vec::is_empty)
        );
        // Documents of similar sizes are searched as before.
        assert!(few_others(&[0, 0, 1, 1, 2, 2].repeat(5000)).is_none());
    }
}
