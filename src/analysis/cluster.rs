//! Deterministic topic clustering of unit vectors: spherical k-means, with an automatic number of topics.
//!
//! With a fixed `k`, the best of several k-means++-seeded spherical k-means runs is kept. With `k` automatic, the
//! data is first over-clustered, the fine clusters are merged by Ward's criterion into a hierarchy, every level of it
//! is scored by a sampled silhouette, the best-scoring level wins, and its clusters are refined by k-means on all
//! items. Nothing costs more than O(n·k·iterations) plus a bounded sample; no n×n matrix is ever built.

use crate::analysis::kmeans::{best_of, centroids_of, lloyd, members_of, sample_indices, KMeans, Rng};
use crate::analysis::merge::{apply_merges, silhouettes, ward};
use crate::vectors::{dot, Embeddings};

/// Settings of [`cluster`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterOptions {
    /// The number of clusters, or `None` to choose it automatically (see [`cluster`]). Clamped to the number of items.
    pub k: Option<usize>,
    /// Seed of every random choice; the same seed and input always give the same clustering. Default 42.
    pub seed: u64,
    /// Independently seeded k-means runs, of which the one with the best objective is kept. Default 10.
    pub restarts: usize,
    /// Upper bound on Lloyd iterations per run (runs stop earlier once no item changes cluster). Default 100.
    pub max_iter: usize,
    /// Smallest number of clusters the automatic choice considers. Default 2.
    pub min_auto_k: usize,
    /// Largest number of clusters the automatic choice considers; also the granularity of the over-clustering it
    /// starts from (itself capped at n/10, at least `min_auto_k`). Default 40.
    pub max_auto_k: usize,
    /// Items sampled to score candidate numbers of clusters (silhouette costs the square of this). Default 2000.
    pub score_sample: usize,
    /// Above this many items, seeding and restarts run on a random sample of this size and only the final k-means
    /// refinement sees every item. Default 20000.
    pub fit_sample: usize,
}

impl Default for ClusterOptions {
    fn default() -> Self {
        Self {
            k: None,
            seed: 42,
            restarts: 10,
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
    /// The cluster of every item, in input order; `None` would mark an unclustered item (this clusterer places all).
    pub assignments: Vec<Option<usize>>,
    /// Unit-length centroid of each cluster (the normalised mean of its members), `k` rows.
    pub centroids: Embeddings,
    /// For each cluster, the index of the member most similar to its centroid (ties: smallest index).
    pub medoids: Vec<usize>,
    /// Number of members of each cluster (non-increasing).
    pub sizes: Vec<usize>,
    /// With automatic `k`: the sampled mean silhouette of each candidate number of clusters, by increasing `k`.
    /// Empty when `k` was fixed.
    pub k_scores: Vec<(usize, f64)>,
}

/// Clusters unit vectors into topics (cosine similarity), deterministically for a given [`ClusterOptions::seed`].
///
/// **Fixed k**: the best (highest sum of member-to-centroid cosines) of [`ClusterOptions::restarts`] spherical
/// k-means runs, each seeded by greedy k-means++.
///
/// **Automatic k**: the data is over-clustered by spherical k-means into `max_auto_k` fine clusters (at most n/10);
/// Ward's criterion then merges the fine clusters pairwise into a hierarchy (from `max_auto_k` clusters down to 1);
/// each level with between `min_auto_k` and `max_auto_k` clusters is scored by the mean silhouette (cosine distance)
/// of a random sample of `score_sample` items; the highest score wins (ties: fewer clusters), and its clusters seed a
/// final k-means refinement on all items. Every item ends in a cluster.
///
/// Edge cases: no items gives `k = 0`; `k` is clamped to `1..=n`; identical vectors are fine.
pub fn cluster(vectors: &Embeddings, opts: &ClusterOptions) -> Clustering {
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
    let (fit, k_scores) = match opts.k {
        Some(k) => (fit_fixed(vectors, k.clamp(1, n), opts, opts.seed), Vec::new()),
        None => fit_auto(vectors, opts),
    };
    finish(vectors, fit, k_scores)
}

/// Spherical k-means with restarts; on large inputs the restarts run on a sample and all items refine the winner.
fn fit_fixed(data: &Embeddings, k: usize, opts: &ClusterOptions, seed: u64) -> KMeans {
    let n = data.len();
    if n <= opts.fit_sample.max(k) {
        return best_of(data, k, opts.restarts, seed, opts.max_iter);
    }
    let mut rng = Rng::new(seed ^ 0x5851_F42D_4C95_7F2D);
    let sample = sample_indices(n, opts.fit_sample.max(k), &mut rng);
    let sub = best_of(&data.select(&sample), k, opts.restarts, seed, opts.max_iter);
    lloyd(data, sub.centroids, opts.max_iter)
}

/// Over-cluster, merge by Ward, pick the level with the best sampled silhouette, refine.
fn fit_auto(data: &Embeddings, opts: &ClusterOptions) -> (KMeans, Vec<(usize, f64)>) {
    let n = data.len();
    let lo = opts.min_auto_k.max(1).min(n);
    let fine_k = opts.max_auto_k.min(n / 10).max(lo).min(n);
    let fine = fit_fixed(data, fine_k, opts, opts.seed);
    if fine_k <= lo {
        return (fine, vec![]);
    }
    let sizes: Vec<usize> = members_of(&fine.assign, fine_k).iter().map(Vec::len).collect();
    let sums = sums_of(data, &fine.assign, fine_k);
    let merges = ward(&sizes, &sums);
    let mut rng = Rng::new(opts.seed ^ 0x2545_F491_4F6C_DD1D);
    let sample = sample_indices(n, opts.score_sample.max(2), &mut rng);
    let mut curve = silhouettes(data, &sample, &fine.assign, fine_k, &merges);
    curve.retain(|&(k, _)| k >= lo && k <= fine_k);
    curve.sort_by_key(|&(k, _)| k);
    let Some(&(best_k, _)) = curve.iter().fold(None, |best: Option<&(usize, f64)>, c| match best {
        Some(b) if b.1 >= c.1 => Some(b),
        _ => Some(c),
    }) else {
        return (fine, curve);
    };
    let steps = sizes.iter().filter(|&&s| s > 0).count().saturating_sub(best_k);
    let group = apply_merges(fine_k, &merges[..steps.min(merges.len())]);
    let coarse: Vec<usize> = fine.assign.iter().map(|&c| group[c]).collect();
    let k = group.iter().max().map_or(1, |&m| m + 1);
    let refined = lloyd(data, centroids_of(data, &coarse, k), opts.max_iter);
    (refined, curve)
}

/// Unnormalised member sums of each cluster.
fn sums_of(data: &Embeddings, assign: &[usize], k: usize) -> Embeddings {
    let dim = data.dim();
    let mut acc = vec![0.0f64; k * dim];
    for (i, &c) in assign.iter().enumerate() {
        for (a, &x) in acc[c * dim..(c + 1) * dim].iter_mut().zip(data.row(i)) {
            *a += x as f64;
        }
    }
    Embeddings::from_flat(dim.max(1), acc.into_iter().map(|a| a as f32).collect())
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
            let mut best = (usize::MAX, f32::NEG_INFINITY);
            for &i in &members[order[c]] {
                let s = dot(data.row(i), centroids.row(c));
                if s > best.1 || best.0 == usize::MAX {
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
mod tests {
    use super::*;

    /// `per` noisy points around each of `k` random directions in `dim` dimensions, as unit rows, and their labels.
    fn blobs(k: usize, per: usize, dim: usize, noise: f64, seed: u64) -> (Embeddings, Vec<usize>) {
        let mut rng = Rng::new(seed);
        let mut gauss = move || {
            let (u, v) = (rng.next_f64().max(1e-12), rng.next_f64());
            (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
        };
        let centres: Vec<Vec<f64>> = (0..k).map(|_| (0..dim).map(|_| gauss()).collect()).collect();
        let mut e = Embeddings::empty(dim);
        let mut labels = Vec::new();
        for i in 0..k * per {
            let c = i % k;
            let row: Vec<f32> = centres[c].iter().map(|&x| (x + noise * gauss()) as f32).collect();
            e.push(&row);
            labels.push(c);
        }
        e.normalize();
        (e, labels)
    }

    fn labels_of(c: &Clustering) -> Vec<usize> {
        c.assignments.iter().map(|a| a.expect("every item is placed")).collect()
    }

    #[test]
    fn nmi_matches_scikit_learn() {
        assert!((nmi(&[0, 0, 1, 1], &[0, 0, 1, 2]) - 0.8).abs() < 1e-12);
        assert_eq!(nmi(&[0, 0, 1, 1], &[5, 5, 3, 3]), 1.0);
        assert_eq!(nmi(&[0, 0, 0], &[1, 1, 1]), 1.0);
        assert_eq!(nmi(&[0, 0, 0, 0], &[0, 1, 0, 1]), 0.0);
        assert_eq!(nmi(&[], &[]), 1.0);
    }

    #[test]
    fn fixed_k_recovers_blobs_in_size_order() {
        let (mut e, mut labels) = blobs(4, 30, 16, 0.6, 1);
        // Make one blob bigger so that it must come first.
        for i in 0..10 {
            let row = e.row(i * 4).to_vec();
            e.push(&row);
            labels.push(0);
        }
        let c = cluster(
            &e,
            &ClusterOptions {
                k: Some(4),
                ..Default::default()
            },
        );
        assert_eq!((c.k, c.sizes.clone()), (4, vec![40, 30, 30, 30]));
        assert_eq!(nmi(&labels, &labels_of(&c)), 1.0);
        assert_eq!(labels_of(&c)[0], 0);
        assert_eq!(c.centroids.len(), 4);
        for (cl, &m) in c.medoids.iter().enumerate() {
            assert_eq!(c.assignments[m], Some(cl));
        }
    }

    #[test]
    fn automatic_k_finds_the_blobs() {
        let (e, labels) = blobs(6, 40, 32, 0.5, 2);
        let c = cluster(&e, &ClusterOptions::default());
        assert_eq!(c.k, 6);
        assert_eq!(nmi(&labels, &labels_of(&c)), 1.0);
        assert!(c.k_scores.iter().any(|&(k, _)| k == 2) && c.k_scores.iter().all(|&(k, _)| k <= 24));
    }

    #[test]
    fn large_inputs_fit_on_a_sample_and_refine_on_all() {
        let (e, labels) = blobs(5, 100, 16, 0.5, 3);
        let opts = ClusterOptions {
            k: Some(5),
            fit_sample: 60,
            ..Default::default()
        };
        assert_eq!(nmi(&labels, &labels_of(&cluster(&e, &opts))), 1.0);
        let opts = ClusterOptions {
            fit_sample: 60,
            score_sample: 100,
            ..Default::default()
        };
        assert_eq!(nmi(&labels, &labels_of(&cluster(&e, &opts))), 1.0);
    }

    #[test]
    fn identical_results_whatever_the_thread_count() {
        let (e, _) = blobs(7, 40, 24, 1.2, 4);
        for k in [Some(7), None] {
            let opts = ClusterOptions {
                k,
                ..Default::default()
            };
            let one = rayon::ThreadPoolBuilder::new()
                .num_threads(1)
                .build()
                .unwrap()
                .install(|| cluster(&e, &opts));
            let many = rayon::ThreadPoolBuilder::new()
                .num_threads(4)
                .build()
                .unwrap()
                .install(|| cluster(&e, &opts));
            assert_eq!(one, many);
            assert_eq!(one, cluster(&e, &opts));
        }
    }

    #[test]
    fn edge_cases_do_not_panic() {
        let empty = cluster(&Embeddings::empty(3), &ClusterOptions::default());
        assert_eq!((empty.k, empty.assignments.len(), empty.centroids.len()), (0, 0, 0));
        let one = Embeddings::from_flat(3, vec![0.0, 1.0, 0.0]);
        for k in [None, Some(0), Some(1), Some(5)] {
            let c = cluster(
                &one,
                &ClusterOptions {
                    k,
                    ..Default::default()
                },
            );
            assert_eq!(
                (c.k, c.assignments.clone(), c.medoids.clone()),
                (1, vec![Some(0)], vec![0])
            );
        }
        let (few, _) = blobs(2, 2, 3, 0.1, 5);
        let c = cluster(
            &few,
            &ClusterOptions {
                k: Some(10),
                ..Default::default()
            },
        );
        assert_eq!((c.k, c.sizes.clone()), (4, vec![1, 1, 1, 1]));
        // Identical and zero vectors: clusters stay non-empty and every item is placed.
        let same = Embeddings::from_flat(2, [0.6, 0.8].repeat(20));
        for k in [None, Some(3)] {
            let c = cluster(
                &same,
                &ClusterOptions {
                    k,
                    ..Default::default()
                },
            );
            assert!(c.assignments.iter().all(Option::is_some) && c.sizes.iter().all(|&s| s > 0));
        }
        let zeros = Embeddings::from_flat(4, vec![0.0; 40]);
        let c = cluster(
            &zeros,
            &ClusterOptions {
                k: Some(2),
                ..Default::default()
            },
        );
        assert_eq!((c.k, c.sizes.iter().sum::<usize>()), (2, 10));
    }
}
