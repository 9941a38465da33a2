//! Queries: the insights closest to a new statement, and whether it has been said before.

use crate::index::{Hit, Index, Nearest};

/// The score at or above which a statement counts as said before by an indexed insight.
///
/// Set on all-MiniLM-L6-v2 and the seed corpus (all on one topic): see the README's "Thresholds" section for the
/// numbers it rests on.
pub const SAID_BEFORE_MIN_SCORE: f32 = 0.75;

/// Whether a statement has been made before.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Verdict {
    /// The statement was made before, by this insight (the best match).
    SaidBefore(Hit),
    /// Nothing in the index makes the same point; the closest insight, if any.
    NotSaidBefore(Option<Hit>),
}

/// One distinct text among the closest insights, with the other insights that carry the same text.
#[derive(Debug, Clone, PartialEq)]
pub struct SimilarHit {
    /// The first insight (corpus order) with this text, and its score.
    pub hit: Hit,
    /// Other insights with exactly the same text (copies in other places), in corpus order.
    pub copies: Vec<usize>,
}

/// The answer to a query.
#[derive(Debug, Clone, PartialEq)]
pub struct Similar {
    /// The closest distinct texts with score ≥ the minimum asked for, best first.
    pub hits: Vec<SimilarHit>,
    /// Said before or not.
    pub verdict: Verdict,
}

/// The `k` distinct texts closest to `query` (a unit vector) with score ≥ `min_score`, found by `nearest`, copies of a
/// text folded into its first occurrence, and the verdict against `said_before` (normally [`SAID_BEFORE_MIN_SCORE`]).
pub fn similar(index: &Index, nearest: &Nearest, query: &[f32], k: usize, min_score: f32, said_before: f32) -> Similar {
    // Copies share a vector, so fetching a few extra candidates leaves k distinct texts in all but extreme cases.
    let best = nearest.top_k(query, k.max(1).saturating_mul(4), &|_| true);
    let mut hits: Vec<SimilarHit> = Vec::new();
    let mut slot_of: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for hit in best.iter().filter(|h| h.score >= min_score) {
        match slot_of.get(index.hashes[hit.index].as_str()) {
            Some(&at) => hits[at].copies.push(hit.index),
            None if hits.len() < k => {
                slot_of.insert(&index.hashes[hit.index], hits.len());
                hits.push(SimilarHit {
                    hit: *hit,
                    copies: Vec::new(),
                });
            }
            None => {}
        }
    }
    for s in &mut hits {
        // Equal scores come back in index order, so the first occurrence leads; keep copies in corpus order.
        s.copies.sort_unstable();
    }
    let verdict = match best.first().copied() {
        Some(hit) if hit.score >= said_before => Verdict::SaidBefore(hit),
        other => Verdict::NotSaidBefore(other),
    };
    Similar { hits, verdict }
}
