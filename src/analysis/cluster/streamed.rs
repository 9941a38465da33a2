//! Clustering rows that are not all held at once: fitted on a random sample, then every row placed in a stream of
//! batches. Memory is the sample plus one batch plus the centroids, whatever the number of rows.

use rayon::prelude::*;

use super::choose::{distinct_rows, fine_setting, fit, k_of, score_positions, Fine};
use super::kmeans::{for_each_block, sample_indices, sim, Rng};
use super::lloyd::{top_two, MemberSums};
use super::options::{ClusterOptions, Clustering};
use crate::index::RowSource;
use crate::vectors::Embeddings;

/// Rows read per batch. Fixed (a multiple of the matrix products' block), so that every source is read in the same
/// batches and every result is the same whatever holds the rows.
pub(crate) const BATCH: usize = 4096;

/// The most passes of Lloyd's iterations over all the rows after the sample's fit (each reads every row once; they
/// stop earlier once no row changes cluster).
const STREAM_PASSES: usize = 10;

/// Seed mixed into [`ClusterOptions::seed`] for drawing the sample.
const SAMPLE_SEED: u64 = 0x5851_F42D_4C95_7F2D;

/// The rows at `positions`, read [`BATCH`] at a time.
pub(crate) fn read<S: RowSource + ?Sized>(rows: &S, positions: &[usize]) -> Result<Embeddings, S::Error> {
    let mut out = Embeddings::empty(rows.dim().max(1));
    for chunk in positions.chunks(BATCH) {
        let batch = rows.rows(chunk)?;
        for row in batch.rows() {
            out.push(row);
        }
    }
    Ok(out)
}

/// Calls `each(first, batch)` for every batch of [`BATCH`] consecutive rows, in order, `first` being the position
/// of the batch's first row.
fn for_each_batch<S: RowSource + ?Sized>(rows: &S, mut each: impl FnMut(usize, &Embeddings)) -> Result<(), S::Error> {
    let n = rows.len();
    for first in (0..n).step_by(BATCH) {
        let positions: Vec<usize> = (first..(first + BATCH).min(n)).collect();
        each(first, &rows.rows(&positions)?);
    }
    Ok(())
}

/// Clusters the rows of a large source as [`super::cluster`] clusters rows in memory, but with every k-means fit
/// made on a random sample of `sample` rows and then refined over all rows by Lloyd's iterations, one pass each
/// (at most [`STREAM_PASSES`]; each cluster's members summed in position order): the fine clustering that the
/// automatic number of clusters is chosen from (scored on a sample read once), then the clusters themselves. A last
/// pass finds each cluster's medoid. Clusters that win no row are dropped; the rest are numbered as
/// [`super::cluster`] numbers them.
pub(crate) fn cluster_streamed<S: RowSource + ?Sized>(
    rows: &S,
    opts: &ClusterOptions,
    sample: usize,
) -> Result<Clustering, S::Error> {
    let n = rows.len();
    let mut rng = Rng::new(opts.seed ^ SAMPLE_SEED);
    let sampled = read(rows, &sample_indices(n, sample, &mut rng))?;
    let (k, k_scores) = match opts.k {
        // No more topics than distinct vectors (in the sample): more would split copies of one text among topics.
        Some(k) => (k.clamp(1, distinct_rows(&sampled)), Vec::new()),
        None => match fine_setting(n, opts) {
            Err(lo) => (lo, Vec::new()),
            Ok((lo, fine_k, fine_opts)) => {
                let fitted = fit(&sampled, fine_k, &fine_opts, opts.seed);
                let (_, assign, members) = refine(rows, fitted.centroids)?;
                let scored = score_positions(n, opts);
                let fine = Fine {
                    sizes: members.sizes,
                    sums: members.sums.raw(),
                    scored: (read(rows, &scored)?, scored.iter().map(|&i| assign[i]).collect()),
                };
                k_of(&fine, lo)
            }
        },
    };
    let (centroids, mut assign, members) = refine(rows, fit(&sampled, k, opts, opts.seed).centroids)?;
    // Clusters by decreasing size (ties: smallest member first), the empty ones dropped.
    let Members { sizes, first, .. } = members;
    let mut order: Vec<usize> = (0..k).filter(|&c| sizes[c] > 0).collect();
    order.sort_by_key(|&c| (std::cmp::Reverse(sizes[c]), first[c]));
    let mut renumbered = vec![usize::MAX; k];
    for (new, &old) in order.iter().enumerate() {
        renumbered[old] = new;
    }
    let centroids = centroids.select(&order);
    for c in &mut assign {
        *c = renumbered[*c];
    }
    let mut medoids: Vec<(usize, f32)> = order.iter().map(|&old| (first[old], f32::NEG_INFINITY)).collect();
    for_each_batch(rows, |first, batch| {
        let fits: Vec<f32> = (0..batch.len())
            .into_par_iter()
            .map(|j| sim(batch.row(j), centroids.row(assign[first + j])))
            .collect();
        for (j, &s) in fits.iter().enumerate() {
            let best = &mut medoids[assign[first + j]];
            if s > best.1 {
                *best = (first + j, s);
            }
        }
    })?;
    Ok(Clustering {
        k: order.len(),
        assignments: assign.into_iter().map(Some).collect(),
        centroids,
        medoids: medoids.into_iter().map(|m| m.0).collect(),
        sizes: order.iter().map(|&c| sizes[c]).collect(),
        k_scores,
    })
}

/// Lloyd's iterations over all rows from `centroids`, one pass each, until no row changes cluster or
/// [`STREAM_PASSES`] passes: the centroids (the normalised member sums; a cluster that won no row keeps its own),
/// every row's cluster, and the members of each.
fn refine<S: RowSource + ?Sized>(
    rows: &S,
    mut centroids: Embeddings,
) -> Result<(Embeddings, Vec<usize>, Members), S::Error> {
    let (k, dim) = (centroids.len(), rows.dim().max(1));
    let mut assign = vec![usize::MAX; rows.len()];
    let mut members = Members::new(k, dim);
    for _ in 0..STREAM_PASSES {
        let changed;
        (members, changed) = place_all(rows, &centroids, &mut assign)?;
        let fresh = members.sums.centroids();
        let mut next = Embeddings::empty(dim);
        for c in 0..k {
            next.push(if members.sizes[c] > 0 {
                fresh.row(c)
            } else {
                centroids.row(c)
            });
        }
        centroids = next;
        if changed == 0 {
            break;
        }
    }
    Ok((centroids, assign, members))
}

/// The members of each cluster after a pass: their sum, their number and the first of them.
struct Members {
    /// Each cluster's member sum, added in position order.
    sums: MemberSums,
    sizes: Vec<usize>,
    /// Each cluster's first member (`usize::MAX` for none).
    first: Vec<usize>,
}

impl Members {
    /// No members in any of `k` clusters.
    fn new(k: usize, dim: usize) -> Members {
        Members {
            sums: MemberSums::zero(k, dim),
            sizes: vec![0; k],
            first: vec![usize::MAX; k],
        }
    }

    /// Adds the row at `position` to cluster `c`.
    fn add(&mut self, c: usize, position: usize, row: &[f32]) {
        self.sizes[c] += 1;
        self.first[c] = self.first[c].min(position);
        self.sums.add(c, row);
    }
}

/// One pass of Lloyd's: every row placed in the cluster of its nearest centroid (`assign` updated), the clusters'
/// members, and how many rows changed cluster.
fn place_all<S: RowSource + ?Sized>(
    rows: &S,
    centroids: &Embeddings,
    assign: &mut [usize],
) -> Result<(Members, usize), S::Error> {
    let mut members = Members::new(centroids.len(), rows.dim().max(1));
    let mut changed = 0;
    for_each_batch(rows, |first, batch| {
        for (j, (c, row)) in nearest_of(batch, centroids).into_iter().zip(batch.rows()).enumerate() {
            if assign[first + j] != c {
                assign[first + j] = c;
                changed += 1;
            }
            members.add(c, first + j, row);
        }
    })?;
    Ok((members, changed))
}

/// The centroid of highest cosine for every row of `batch` (ties: the lowest-numbered centroid).
fn nearest_of(batch: &Embeddings, centroids: &Embeddings) -> Vec<usize> {
    let k = centroids.len();
    for_each_block(batch, centroids, |products| {
        products.chunks_exact(k).map(|p| top_two(p).0).collect::<Vec<_>>()
    })
    .concat()
}
