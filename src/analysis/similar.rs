//! Queries: the insights closest to a new statement, and whether it has been said before.

use crate::index::{top_k, Hit, Index};

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

/// The answer to a query.
#[derive(Debug, Clone, PartialEq)]
pub struct Similar {
    /// The closest insights with score ≥ the minimum asked for, best first.
    pub hits: Vec<Hit>,
    /// Said before or not.
    pub verdict: Verdict,
}

/// The `k` insights closest to `query` (a unit vector) with score ≥ `min_score`, and the verdict against
/// `said_before` (normally [`SAID_BEFORE_MIN_SCORE`]).
pub fn similar(index: &Index, query: &[f32], k: usize, min_score: f32, said_before: f32) -> Similar {
    let best = top_k(&index.vectors, query, k.max(1), &|_| true);
    let top = best.first().copied();
    let verdict = match top {
        Some(hit) if hit.score >= said_before => Verdict::SaidBefore(hit),
        other => Verdict::NotSaidBefore(other),
    };
    let hits = best.into_iter().take(k).filter(|h| h.score >= min_score).collect();
    Similar { hits, verdict }
}
