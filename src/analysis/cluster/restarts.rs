//! Restarts of spherical k-means: several k-means++-seeded runs iterated by Lloyd and polished by Hartigan's moves,
//! the best polished run kept. Deterministic for a given seed.

use super::kmeans::{centroids_of, hartigan, seed_plus_plus, KMeans, Rng};
use super::lloyd::lloyd;
use crate::vectors::Embeddings;

/// Polishes a k-means result: Hartigan passes (at most `max_iter`), then Lloyd again if anything moved, so that the
/// centroids are the normalised member sums of the returned assignment.
pub(crate) fn polish(data: &Embeddings, run: KMeans, max_iter: usize) -> KMeans {
    let k = run.centroids.len();
    let mut assign = run.assign.clone();
    if hartigan(data, &mut assign, k, max_iter) == 0 {
        return run;
    }
    lloyd(data, centroids_of(data, &assign, k), max_iter)
}

/// How a k-means fit runs: its restarts.
pub(crate) struct Restarts {
    /// Independently seeded runs.
    pub runs: usize,
    /// Seed of the runs' random choices.
    pub seed: u64,
    /// Bound on Lloyd iterations and Hartigan passes.
    pub max_iter: usize,
}

/// The best (highest objective) of several k-means runs over `data`: each is seeded by [`seed_plus_plus`],
/// iterated by [`lloyd`] and polished by [`polish`]; the best polished run wins (ties: the better run after Lloyd,
/// then the earlier run).
pub(crate) fn best_of(data: &Embeddings, k: usize, how: &Restarts) -> KMeans {
    let mut rng = Rng::new(how.seed);
    let keep = how.runs.max(1);
    // The runs after Lloyd, best first; a stable insert keeps the earlier of equal runs first.
    let mut best: Vec<KMeans> = Vec::with_capacity(keep + 1);
    for _ in 0..how.runs.max(1) {
        let mut run_rng = Rng::new(rng.next_u64());
        let init = seed_plus_plus(data, k, &mut run_rng);
        let run = lloyd(data, init, how.max_iter);
        let at = best.partition_point(|b| b.objective >= run.objective);
        if at < keep {
            best.insert(at, run);
            best.truncate(keep);
        }
    }
    let mut winner: Option<KMeans> = None;
    for run in best {
        let run = polish(data, run, how.max_iter);
        if winner.as_ref().is_none_or(|w| run.objective > w.objective) {
            winner = Some(run);
        }
    }
    winner.unwrap_or_else(|| lloyd(data, Embeddings::empty(data.dim().max(1)), 1))
}
