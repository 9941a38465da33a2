//! Clustering: k-means, the automatic number of topics, NMI, edge cases.

use super::*;
use crate::rng::Rng;

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
fn more_topics_than_distinct_texts_never_split_copies() {
    let (base, _) = blobs(3, 5, 8, 0.1, 4);
    let mut copies = Embeddings::empty(8);
    for round in 0..3 {
        for (i, row) in base.rows().enumerate() {
            if round == 0 || i % 2 == 0 {
                copies.push(row);
            }
        }
    }
    let opts = ClusterOptions {
        k: Some(1000),
        ..ClusterOptions::default()
    };
    let c = cluster(&copies, &opts);
    assert_eq!(c.k, 15, "one topic per distinct vector at most");
    let labels = labels_of(&c);
    for i in 0..copies.len() {
        for j in 0..copies.len() {
            if copies.row(i) == copies.row(j) {
                assert_eq!(labels[i], labels[j], "copies {i} and {j} share a topic");
            }
        }
    }
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
fn large_inputs_are_fitted_on_a_sample_and_every_item_placed() {
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
    // Both paths: every item in the restarts, and seeds from a sample with only the best runs polished.
    for (k, fit_sample) in [(Some(7), 20_000), (None, 20_000), (Some(7), 100), (None, 100)] {
        let opts = ClusterOptions {
            k,
            fit_sample,
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
    // Ten copies of one vector are one topic, whatever k asks for.
    assert_eq!((c.k, c.sizes.iter().sum::<usize>()), (1, 10));
}

/// Rows handed out by a source that counts what it is asked for, and fails once asked for more than `fail_after`
/// batches.
struct Counted<'a> {
    rows: &'a Embeddings,
    largest: std::cell::Cell<usize>,
    asked: std::cell::Cell<usize>,
    fail_after: usize,
}

impl RowSource for Counted<'_> {
    type Error = String;

    fn len(&self) -> usize {
        self.rows.len()
    }

    fn dim(&self) -> usize {
        self.rows.dim()
    }

    fn rows(&self, positions: &[usize]) -> Result<Embeddings, String> {
        self.asked.set(self.asked.get() + 1);
        if self.asked.get() > self.fail_after {
            return Err("the server went away".into());
        }
        self.largest.set(self.largest.get().max(positions.len()));
        Ok(self.rows.select(positions))
    }
}

#[test]
fn rows_read_in_batches_cluster_as_rows_in_memory() {
    let (e, labels) = blobs(6, 1500, 16, 0.25, 8);
    for (k, fit_sample) in [(None, 600), (Some(6), 600), (None, 20_000)] {
        let opts = ClusterOptions {
            k,
            fit_sample,
            ..Default::default()
        };
        let source = Counted {
            rows: &e,
            largest: Default::default(),
            asked: Default::default(),
            fail_after: usize::MAX,
        };
        let batched = cluster_rows(&source, &opts).unwrap();
        assert_eq!(batched, cluster(&e, &opts), "{k:?} {fit_sample}");
        assert_eq!(
            nmi(&labels, &labels_of(&batched)),
            1.0,
            "{k:?} {fit_sample}: k = {}",
            batched.k
        );
        // Never more than a batch (or, for a corpus clustered whole, all of it) at a time.
        assert!(source.largest.get() <= streamed::BATCH, "{}", source.largest.get());
        assert_eq!(batched.centroids.len(), batched.k);
        for (c, &m) in batched.medoids.iter().enumerate() {
            assert_eq!(batched.assignments[m], Some(c));
        }
    }
    let failing = Counted {
        rows: &e,
        largest: Default::default(),
        asked: Default::default(),
        fail_after: 2,
    };
    let opts = ClusterOptions {
        fit_sample: 600,
        ..Default::default()
    };
    assert_eq!(cluster_rows(&failing, &opts).unwrap_err(), "the server went away");
}
