//! Deterministic topic clustering of unit vectors: spherical k-means, with an automatic number of topics.
//!
//! With a fixed `k`, the best of several k-means++-seeded spherical k-means runs (each polished by Hartigan moves)
//! is kept. With `k` automatic, the data is first over-clustered, the fine
//! clusters are merged by Ward's criterion into a hierarchy, every level of it is scored by a sampled silhouette,
//! the knee of that curve gives k, and clustering then proceeds as with a fixed k. No n×n matrix is ever built.
//!
//! Above [`ClusterOptions::fit_sample`] items, all of this runs on a random sample of that size, and every item is
//! then placed by its nearest centroid ([`streamed`]): the cost beyond the sample is two passes over the items, and
//! the items can come a batch at a time from a [`RowSource`] (a store on a server) instead of memory.

mod kmeans;
mod lloyd;
mod merge;
mod restarts;
mod streamed;

use crate::index::RowSource;
use crate::vectors::Embeddings;
use kmeans::{centroids_of, members_of, sample_indices, sim, KMeans, Rng};
use merge::{silhouettes, ward};
use restarts::{best_of, Restarts};
use streamed::{cluster_streamed, read};

/// Restarts of the over-clustering that only serves to choose k (its clusters are merged anyway).
const FINE_RESTARTS: usize = 3;

/// Settings of [`cluster`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterOptions {
    /// The number of clusters, or `None` to choose it automatically (see [`cluster`]). Clamped to `1..=n`.
    pub k: Option<usize>,
    /// Seed of every random choice; the same seed and input always give the same clustering. Default 42.
    pub seed: u64,
    /// Independently seeded k-means runs, of which the one with the best objective is kept. Default 20.
    pub restarts: usize,
    /// Upper bound on Lloyd iterations per run, and on Hartigan passes (runs stop earlier once no item changes
    /// cluster). Default 100.
    pub max_iter: usize,
    /// Smallest number of clusters the automatic choice considers. Default 2.
    pub min_auto_k: usize,
    /// Largest number of clusters the automatic choice considers, and the granularity of the over-clustering it
    /// starts from (capped at n/10). Default 40.
    pub max_auto_k: usize,
    /// Items sampled to score candidate numbers of clusters (the silhouette costs the square of this). Default 2000.
    pub score_sample: usize,
    /// Above this many items (or `k`, if larger), the clusters are fitted on a random sample of this size and every
    /// item is then placed in the cluster of the nearest fitted centroid (the centroids being then the normalised
    /// means of all members). Default 20000.
    pub fit_sample: usize,
}

impl Default for ClusterOptions {
    fn default() -> Self {
        Self {
            k: None,
            seed: 42,
            restarts: 20,
            max_iter: 100,
            min_auto_k: 2,
            max_auto_k: 40,
            score_sample: 2000,
            fit_sample: 20_000,
        }
    }
}

/// The result of [`cluster`]: clusters numbered `0..k` by decreasing size (ties: smallest member index first).
#[derive(Debug, Clone, PartialEq)]
pub struct Clustering {
    /// The number of clusters (0 only when there are no items).
    pub k: usize,
    /// The cluster of every item, in input order. `None` would mark an unclustered item; this clusterer places
    /// every item, so all are `Some`.
    pub assignments: Vec<Option<usize>>,
    /// Unit-length centroid of each cluster (the normalised mean of its members), `k` rows.
    pub centroids: Embeddings,
    /// For each cluster, the index of the member most similar to its centroid (ties: smallest index).
    pub medoids: Vec<usize>,
    /// Number of members of each cluster (non-increasing).
    pub sizes: Vec<usize>,
    /// With automatic `k`: the sampled mean silhouette of each candidate number of clusters, by increasing `k`
    /// (the curve whose knee was chosen). Empty when `k` was fixed.
    pub k_scores: Vec<(usize, f64)>,
}

/// Clusters unit vectors into topics by cosine similarity, deterministically for a given
/// [`ClusterOptions::seed`] (and independently of the number of threads).
///
/// **Fixed k**: spherical k-means (centroids are normalised member means; items go to the centroid of highest
/// cosine). Each of [`ClusterOptions::restarts`] runs is seeded by greedy k-means++, iterated by Lloyd's algorithm,
/// then polished by Hartigan's single-item moves (which escape many of Lloyd's poor local optima); the run with
/// the highest total item-to-centroid cosine wins.
///
/// **Automatic k**: the items are over-clustered as above into `max_auto_k` fine clusters (at most n/10); Ward's
/// criterion merges the fine clusters pairwise into a hierarchy; every level with `min_auto_k..=max_auto_k`
/// clusters is scored by the mean silhouette (cosine distance) of a random sample of `score_sample` items. The
/// chosen k is the *knee* of that curve: after taking its running maximum and scaling both axes to [0, 1], the k
/// farthest above the straight line from the first to the last candidate (the Kneedle rule), i.e. the point after
/// which more clusters buy the least extra separation. With fewer than 8 candidate levels (small corpora), where
/// the endpoints could never be a knee, the best-scoring level is taken instead. Clustering then proceeds as for a
/// fixed k. The knee depends on the range considered: raise `max_auto_k` for finer topics.
///
/// Every item is placed in a cluster. Edge cases: no items gives `k = 0`; `k` is clamped to `1..=n`; identical or
/// zero vectors are fine (clusters are never left empty while there are at least `k` items).
///
/// Above [`ClusterOptions::fit_sample`] items, all of the above runs on a random sample of that size; then one pass
/// places every item in the cluster of the nearest sample centroid, and the centroids and medoids are taken over
/// all members. [`cluster_rows`] does the same for rows read a batch at a time.
pub fn cluster(vectors: &Embeddings, opts: &ClusterOptions) -> Clustering {
    if vectors.len() <= sample_size(opts) {
        return cluster_in_memory(vectors, opts);
    }
    match cluster_streamed(vectors, opts, sample_size(opts)) {
        Ok(clustering) => clustering,
        Err(never) => match never {},
    }
}

/// [`cluster`] of rows read from `rows` a batch at a time, so that only the sample, a batch and the centroids are
/// ever held: the same clustering as [`cluster`] of the same rows in memory. Fails only when a batch cannot be read.
pub fn cluster_rows<S: RowSource + ?Sized>(rows: &S, opts: &ClusterOptions) -> Result<Clustering, S::Error> {
    let n = rows.len();
    if n <= sample_size(opts) {
        let all: Vec<usize> = (0..n).collect();
        return Ok(cluster_in_memory(&read(rows, &all)?, opts));
    }
    cluster_streamed(rows, opts, sample_size(opts))
}

/// The most items clustered whole, and the size of the sample fitted above that.
fn sample_size(opts: &ClusterOptions) -> usize {
    opts.fit_sample.max(opts.k.unwrap_or(0)).max(2)
}

/// [`cluster`] of items held in memory, all of them fitted.
fn cluster_in_memory(vectors: &Embeddings, opts: &ClusterOptions) -> Clustering {
    let n = vectors.len();
    if n == 0 {
        return Clustering {
            k: 0,
            assignments: Vec::new(),
            centroids: Embeddings::empty(vectors.dim().max(1)),
            medoids: Vec::new(),
            sizes: Vec::new(),
            k_scores: Vec::new(),
        };
    }
    let (k, k_scores) = match opts.k {
        // No more topics than distinct vectors: more would split copies of one text among topics.
        Some(k) => (k.clamp(1, distinct_rows(vectors)), Vec::new()),
        None => choose_k(vectors, opts),
    };
    finish(vectors, fit(vectors, k, opts, opts.seed), k_scores)
}

/// The number of distinct rows (copies of a text share one vector).
fn distinct_rows(vectors: &Embeddings) -> usize {
    // Rows compared by their bits, borrowed in place (no copy of the vectors).
    let seen: std::collections::HashSet<&[u32]> = vectors.rows().map(bytemuck::cast_slice::<f32, u32>).collect();
    seen.len()
}

/// Spherical k-means with every restart polished.
fn fit(data: &Embeddings, k: usize, opts: &ClusterOptions, seed: u64) -> KMeans {
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
struct Fine {
    /// The members of each fine cluster, among all items.
    sizes: Vec<usize>,
    /// The unnormalised member sums of each fine cluster, among all items.
    sums: Embeddings,
    /// The items sampled to score the levels, and the fine cluster of each.
    scored: (Embeddings, Vec<usize>),
}

/// What the automatic choice works with among `n` items: the smallest number of clusters considered, the number of
/// fine clusters, and the settings of their fit; or, when there is no choice to make, `Err` with the smallest
/// number.
fn fine_setting(n: usize, opts: &ClusterOptions) -> Result<(usize, usize, ClusterOptions), usize> {
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
fn score_positions(n: usize, opts: &ClusterOptions) -> Vec<usize> {
    let mut rng = Rng::new(opts.seed ^ 0x2545_F491_4F6C_DD1D);
    sample_indices(n, opts.score_sample.max(2), &mut rng)
}

/// Over-clusters, merges by Ward, scores every level by sampled silhouette and returns the knee with the curve.
fn choose_k(data: &Embeddings, opts: &ClusterOptions) -> (usize, Vec<(usize, f64)>) {
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
fn k_of(fine: &Fine, lo: usize) -> (usize, Vec<(usize, f64)>) {
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

/// Renumbers clusters by decreasing size (ties: smallest member), drops empty ones, computes medoids.
fn finish(data: &Embeddings, fit: KMeans, k_scores: Vec<(usize, f64)>) -> Clustering {
    let k0 = fit.centroids.len();
    let members = members_of(&fit.assign, k0);
    let mut order: Vec<usize> = (0..k0).filter(|&c| !members[c].is_empty()).collect();
    order.sort_by_key(|&c| (std::cmp::Reverse(members[c].len()), members[c][0]));
    let mut renum = vec![usize::MAX; k0];
    for (new, &old) in order.iter().enumerate() {
        renum[old] = new;
    }
    let assign: Vec<usize> = fit.assign.iter().map(|&c| renum[c]).collect();
    let k = order.len();
    let centroids = centroids_of(data, &assign, k);
    let medoids = (0..k)
        .map(|c| {
            let mut best = (members[order[c]][0], f32::NEG_INFINITY);
            for &i in &members[order[c]] {
                let s = sim(data.row(i), centroids.row(c));
                if s > best.1 {
                    best = (i, s);
                }
            }
            best.0
        })
        .collect();
    Clustering {
        k,
        assignments: assign.into_iter().map(Some).collect(),
        centroids,
        medoids,
        sizes: order.iter().map(|&c| members[c].len()).collect(),
        k_scores,
    }
}

/// Normalised mutual information of two labelings with arithmetic-mean normalisation (scikit-learn's default):
/// `I(a; b) / ((H(a) + H(b)) / 2)`. 1 when both are a single (or no) label; 0 when only one of them is.
#[cfg(any(test, feature = "test-data"))]
pub fn nmi(a: &[usize], b: &[usize]) -> f64 {
    let n = a.len().min(b.len());
    if n == 0 {
        return 1.0;
    }
    let mut joint = std::collections::BTreeMap::<(usize, usize), f64>::new();
    let mut pa = std::collections::BTreeMap::<usize, f64>::new();
    let mut pb = std::collections::BTreeMap::<usize, f64>::new();
    for i in 0..n {
        *joint.entry((a[i], b[i])).or_default() += 1.0;
        *pa.entry(a[i]).or_default() += 1.0;
        *pb.entry(b[i]).or_default() += 1.0;
    }
    if pa.len() == pb.len() && pa.len() == 1 {
        return 1.0;
    }
    let nf = n as f64;
    let entropy =
        |m: &std::collections::BTreeMap<usize, f64>| -> f64 { m.values().map(|&c| -(c / nf) * (c / nf).ln()).sum() };
    let mi: f64 = joint
        .iter()
        .map(|(&(x, y), &c)| (c / nf) * ((c * nf) / (pa[&x] * pb[&y])).ln())
        .sum();
    let norm = (entropy(&pa) + entropy(&pb)) / 2.0;
    if norm <= 0.0 {
        return 0.0;
    }
    (mi / norm).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests;
