//! The settings and the result of topic clustering ([`super::cluster`]).

use crate::vectors::Embeddings;

/// Settings of [`super::cluster`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterOptions {
    /// The number of clusters, or `None` to choose it automatically (see [`super::cluster`]). Clamped to `1..=n`.
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

/// The result of [`super::cluster`]: clusters numbered `0..k` by decreasing size (ties: smallest member index first).
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
