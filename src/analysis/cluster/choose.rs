//! The automatic number of clusters: a fine clustering merged by Ward's criterion, every level scored by a sampled
//! silhouette, the knee of that curve chosen; and the k-means fit that every clustering is made of.

use super::kmeans::{members_of, sample_indices, KMeans, Rng};
use super::merge::{silhouettes, ward};
use super::options::ClusterOptions;
use super::restarts::{best_of, Restarts};
use crate::vectors::Embeddings;

/// Restarts of the over-clustering that only serves to choose k (its clusters are merged anyway).
const FINE_RESTARTS: usize = 3;

/// The number of distinct rows (copies of a text share one vector).
pub(super) fn distinct_rows(vectors: &Embeddings) -> usize {
    // Rows compared by their bits, borrowed in place (no copy of the vectors).
    let seen: std::collections::HashSet<&[u32]> = vectors.rows().map(bytemuck::cast_slice::<f32, u32>).collect();
    seen.len()
}

/// Spherical k-means with every restart polished.
pub(super) fn fit(data: &Embeddings, k: usize, opts: &ClusterOptions, seed: u64) -> KMeans {
    let how = Restarts {
        runs: opts.restarts,
        seed,
        max_iter: opts.max_iter,
    };
    best_of(data, k, &how)
}

/// The automatic choice over-clusters into fine clusters of at least this many items on average (n / 10 of them).
const FINE_MIN_SIZE: usize = 10;
/// With fewer candidate levels than this, the automatic choice takes the best silhouette instead of the knee.
const KNEE_MIN_LEVELS: usize = 8;

/// A fine clustering that the automatic number of clusters is chosen from.
pub(super) struct Fine {
    /// The members of each fine cluster, among all items.
    pub(super) sizes: Vec<usize>,
    /// The unnormalised member sums of each fine cluster, among all items.
    pub(super) sums: Embeddings,
    /// The items sampled to score the levels, and the fine cluster of each.
    pub(super) scored: (Embeddings, Vec<usize>),
}

/// What the automatic choice works with among `n` items: the smallest number of clusters considered, the number of
/// fine clusters, and the settings of their fit; or, when there is no choice to make, `Err` with the smallest
/// number.
pub(super) fn fine_setting(n: usize, opts: &ClusterOptions) -> Result<(usize, usize, ClusterOptions), usize> {
    let lo = opts.min_auto_k.clamp(1, n);
    let fine_k = opts.max_auto_k.min(n / FINE_MIN_SIZE).max(lo);
    if fine_k <= lo {
        return Err(lo);
    }
    let fine_opts = ClusterOptions {
        restarts: opts.restarts.clamp(1, FINE_RESTARTS),
        ..opts.clone()
    };
    Ok((lo, fine_k, fine_opts))
}

/// The positions of the items that score the levels, among `n`.
pub(super) fn score_positions(n: usize, opts: &ClusterOptions) -> Vec<usize> {
    let mut rng = Rng::new(opts.seed ^ 0x2545_F491_4F6C_DD1D);
    sample_indices(n, opts.score_sample.max(2), &mut rng)
}

/// Over-clusters, merges by Ward, scores every level by sampled silhouette and returns the knee with the curve.
pub(super) fn choose_k(data: &Embeddings, opts: &ClusterOptions) -> (usize, Vec<(usize, f64)>) {
    let (lo, fine_k, fine_opts) = match fine_setting(data.len(), opts) {
        Ok(setting) => setting,
        Err(lo) => return (lo, Vec::new()),
    };
    let fine = fit(data, fine_k, &fine_opts, opts.seed);
    let members = members_of(&fine.assign, fine_k);
    let scored = score_positions(data.len(), opts);
    let fine = Fine {
        sizes: members.iter().map(Vec::len).collect(),
        sums: sums_of(data, &members),
        scored: (data.select(&scored), scored.iter().map(|&i| fine.assign[i]).collect()),
    };
    k_of(&fine, lo)
}

/// The chosen number of clusters (at least `lo`) and the curve it was chosen on, from a fine clustering: its
/// clusters merged by Ward, every level scored by the silhouette of the sampled items.
pub(super) fn k_of(fine: &Fine, lo: usize) -> (usize, Vec<(usize, f64)>) {
    let fine_k = fine.sizes.len();
    let merges = ward(&fine.sizes, &fine.sums);
    let mut curve = silhouettes(&fine.scored.0, &fine.scored.1, &fine.sizes, &merges);
    curve.retain(|&(k, _)| k >= lo && k <= fine_k);
    curve.sort_by_key(|&(k, _)| k);
    // A knee needs a curve: on a handful of levels the endpoints can never win it, so take the best score there.
    let chosen = if curve.len() < KNEE_MIN_LEVELS {
        best_score(&curve)
    } else {
        knee(&curve)
    };
    (chosen.unwrap_or(fine_k), curve)
}

/// The k with the highest score (ties: smaller k).
fn best_score(curve: &[(usize, f64)]) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    for &(k, s) in curve {
        if best.is_none_or(|(_, b)| s > b) {
            best = Some((k, s));
        }
    }
    best.map(|(k, _)| k)
}

/// The knee of a score curve sorted by k: on its running maximum, with both axes scaled to [0, 1], the k farthest
/// above the line from the first to the last point (Kneedle, Satopää et al. 2011; ties: smaller k). A curve that
/// never rises gives its first k.
fn knee(curve: &[(usize, f64)]) -> Option<usize> {
    let (first, last) = (curve.first()?, curve.last()?);
    let mut env = Vec::with_capacity(curve.len());
    let mut run = f64::NEG_INFINITY;
    for &(k, s) in curve {
        run = run.max(s);
        env.push((k, run));
    }
    let (y0, y1) = (first.1, run);
    let (x0, x1) = (first.0 as f64, last.0 as f64);
    if y1.is_nan() || y1 <= y0 || x1 <= x0 {
        return Some(first.0);
    }
    let mut best = (first.0, f64::NEG_INFINITY);
    for &(k, y) in &env {
        let d = (y - y0) / (y1 - y0) - (k as f64 - x0) / (x1 - x0);
        if d > best.1 {
            best = (k, d);
        }
    }
    Some(best.0)
}

/// Unnormalised member sums of each cluster, summed in index order.
fn sums_of(data: &Embeddings, members: &[Vec<usize>]) -> Embeddings {
    let dim = data.dim().max(1);
    let mut out = Embeddings::empty(dim);
    for m in members {
        let mut acc = vec![0.0f64; dim];
        for &i in m {
            for (a, &x) in acc.iter_mut().zip(data.row(i)) {
                *a += x as f64;
            }
        }
        out.push(&acc.iter().map(|&a| a as f32).collect::<Vec<f32>>());
    }
    out
}
