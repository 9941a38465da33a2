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

mod choose;
mod kmeans;
mod lloyd;
mod merge;
mod options;
mod restarts;
mod streamed;

use crate::index::RowSource;
use crate::vectors::Embeddings;
use choose::{choose_k, distinct_rows, fit};
use kmeans::{centroids_of, members_of, sim, KMeans};
use streamed::{cluster_streamed, read};

pub use options::{ClusterOptions, Clustering};

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
/// Above [`ClusterOptions::fit_sample`] items, every k-means fit above (the fine clustering's and the topics') is
/// made on a random sample of that size and then refined over all items by Lloyd's iterations, one pass each; the
/// centroids and medoids are taken over all members. [`cluster_rows`] does the same for rows read a batch at a
/// time.
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
