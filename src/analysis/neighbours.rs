//! Cross-document neighbours: for each insight, the closest insights in *other* documents.

use rayon::prelude::*;

use super::duplicates::DuplicateGroup;
use crate::index::{Hit, Index, Nearest};

/// Neighbours looked at per insight when finding duplicates and links.
pub const CANDIDATES: usize = 10;
/// The lowest score a candidate pair needs to be considered as a duplicate or link at all.
pub const CANDIDATE_MIN_SCORE: f32 = 0.5;

/// For each insight, its at most `k` nearest insights from other documents with score ≥ `min_score`, best first,
/// found by `nearest` (one search per insight: n searches, never an n×n matrix).
pub fn cross_document_neighbours(index: &Index, nearest: &Nearest, k: usize, min_score: f32) -> Vec<Vec<Hit>> {
    let doc_of = index.document_ids();
    (0..index.len())
        .into_par_iter()
        .map(|i| {
            let keep = |j: usize| doc_of[j] != doc_of[i];
            let mut hits = nearest.top_k(index.vectors.row(i), k, &keep);
            hits.retain(|h| h.score >= min_score);
            hits
        })
        .collect()
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
    use crate::index::IndexMeta;
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
                model_id: "t".into(),
                weights_sha256: "t".into(),
                dim: 2,
                precision: crate::embed::Precision::F32,
                split: "paragraph".into(),
            },
            hashes: (0..docs.len()).map(|i| i.to_string()).collect(),
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
}
