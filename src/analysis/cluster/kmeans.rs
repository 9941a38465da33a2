//! Spherical k-means (cosine) with greedy k-means++ seeding and Hartigan polishing, deterministic for a given seed.
//!
//! Every step is reproducible whatever the number of threads: parallel loops only map one item to one result, and
//! every sum is taken sequentially in a fixed order (index order, or for Lloyd's running sums the order of moves).

use rayon::prelude::*;

pub(crate) use crate::linalg::dots;
use crate::linalg::{dot, normalize_in_place, row_products};
use crate::vectors::Embeddings;

pub(crate) use crate::rng::Rng;

/// `m` distinct indices drawn uniformly from `0..n` (all of them when `m >= n`), in increasing order.
pub(crate) fn sample_indices(n: usize, m: usize, rng: &mut Rng) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..n).collect();
    if m < n {
        for i in 0..m {
            let j = i + rng.below(n - i);
            idx.swap(i, j);
        }
        idx.truncate(m);
        idx.sort_unstable();
    }
    idx
}

/// The outcome of one k-means run.
#[derive(Debug, Clone)]
pub(crate) struct KMeans {
    /// Unit centroids, one row per cluster.
    pub centroids: Embeddings,
    /// The cluster of every row.
    pub assign: Vec<usize>,
    /// Sum over rows of the cosine to their centroid (higher is better).
    pub objective: f64,
}

/// The cosine of two rows, computed exactly as [`dots`] does.
pub(crate) fn sim(a: &[f32], b: &[f32]) -> f32 {
    dot(a, b)
}

/// Rows per matrix product. Fixed, so that results never depend on the number of threads.
pub(crate) const BLOCK: usize = 256;

/// Calls `each(scores)` for every block of [`BLOCK`] rows of `data`, in parallel, where `scores` holds
/// `block × others.len()` cosines: row by row, the row's cosine with each row of `others`. Results in block order.
pub(crate) fn for_each_block<R: Send>(
    data: &Embeddings,
    others: &Embeddings,
    each: impl Fn(&[f32]) -> R + Sync + Send,
) -> Vec<R> {
    let dim = data.dim().max(1);
    let k = others.len();
    data.as_flat()
        .par_chunks(BLOCK * dim)
        .map_init(Vec::new, |buf, rows| {
            let m = rows.len() / dim;
            buf.resize(m * k, 0.0);
            row_products(buf, rows, others.as_flat(), m, k, dim, false);
            each(buf)
        })
        .collect()
}

/// Greedy k-means++ seeding on the cosine distance `1 - cos` (for unit vectors, half the squared Euclidean distance,
/// so this is the usual D² weighting), trying `2 + ln k` candidates per step and keeping the one that lowers the
/// total distance most, as scikit-learn does. The candidates of a step are drawn first and scored against every row
/// in one pass.
pub(crate) fn seed_plus_plus(data: &Embeddings, k: usize, rng: &mut Rng) -> Embeddings {
    let n = data.len();
    let mut centroids = Embeddings::empty(data.dim());
    if n == 0 || k == 0 {
        return centroids;
    }
    let trials = 2 + (k as f64).ln().floor() as usize;
    let first = rng.below(n);
    centroids.push(data.row(first));
    let mut dist = distances_to(data, &[first]);
    while centroids.len() < k {
        let total: f64 = dist.iter().sum();
        let candidates: Vec<usize> = (0..trials)
            .map(|_| {
                if total > 0.0 {
                    pick_weighted(&dist, total, rng.next_f64() * total)
                } else {
                    rng.below(n)
                }
            })
            .collect();
        let t = candidates.len();
        let to_candidates = distances_to(data, &candidates);
        // Each row's distance to the nearest centre once candidate `c` is one of them.
        let with = |c: usize| {
            dist.iter()
                .zip(to_candidates.chunks_exact(t))
                .map(move |(&old, row)| old.min(row[c]))
        };
        let mut best: Option<(f64, usize)> = None;
        for c in 0..t {
            let pot: f64 = with(c).sum();
            if best.is_none_or(|b| pot < b.0) {
                best = Some((pot, c));
            }
        }
        if let Some((_, c)) = best {
            centroids.push(data.row(candidates[c]));
            dist = with(c).collect();
        }
    }
    centroids
}

/// Every row's cosine distance to each of the `candidates` rows, row-major: `data.len() × candidates.len()`.
fn distances_to(data: &Embeddings, candidates: &[usize]) -> Vec<f64> {
    let cands = data.select(candidates);
    for_each_block(data, &cands, |scores| {
        scores.iter().map(|&s| (1.0 - s as f64).max(0.0)).collect::<Vec<_>>()
    })
    .concat()
}

/// The index where the running sum of `w` first exceeds `target` (the last positive weight if rounding runs out).
fn pick_weighted(w: &[f64], total: f64, target: f64) -> usize {
    let mut acc = 0.0;
    let mut last = 0;
    for (i, &x) in w.iter().enumerate() {
        if x > 0.0 {
            acc += x;
            last = i;
            if acc > target.min(total) {
                return i;
            }
        }
    }
    last
}

/// Normalised member sums: the spherical centroid of each of `k` clusters (zero when a cluster is empty).
pub(crate) fn centroids_of(data: &Embeddings, assign: &[usize], k: usize) -> Embeddings {
    let members = members_of(assign, k);
    let dim = data.dim();
    let rows: Vec<Vec<f32>> = members
        .par_iter()
        .map(|m| {
            let mut acc = vec![0.0f64; dim];
            for &i in m {
                for (a, &x) in acc.iter_mut().zip(data.row(i)) {
                    *a += x as f64;
                }
            }
            let mut row: Vec<f32> = acc.iter().map(|&a| a as f32).collect();
            normalize_in_place(&mut row);
            row
        })
        .collect();
    Embeddings::from_flat(dim.max(1), rows.concat())
}

/// The members of each of `k` clusters, in increasing index order.
pub(crate) fn members_of(assign: &[usize], k: usize) -> Vec<Vec<usize>> {
    let mut members = vec![Vec::new(); k];
    for (i, &c) in assign.iter().enumerate() {
        if c < k {
            members[c].push(i);
        }
    }
    members
}

/// Hartigan-style refinement of a spherical k-means partition: visits rows in order and moves each to the cluster
/// that most increases the objective `Σ_c ‖sum of c‖` (which equals the sum of member-to-centroid cosines), updating
/// the sums at once; repeats until a pass moves nothing or `max_passes` is reached. Never empties a cluster.
///
/// The rows' products with the cluster sums are taken for a block of rows at a time in one matrix product; within a
/// block, each row's products are corrected for the moves made by the rows before it, so every decision sees the
/// sums as they are at that row, exactly as a row-by-row pass would.
pub(crate) fn hartigan(data: &Embeddings, assign: &mut [usize], k: usize, max_passes: usize) -> usize {
    let dim = data.dim();
    let n = data.len();
    if k < 2 || dim == 0 || assign.len() != n || assign.iter().any(|&c| c >= k) {
        return 0;
    }
    let mut acc = vec![0.0f64; k * dim];
    let mut size = vec![0usize; k];
    for (i, &c) in assign.iter().enumerate() {
        size[c] += 1;
        for (a, &x) in acc[c * dim..(c + 1) * dim].iter_mut().zip(data.row(i)) {
            *a += x as f64;
        }
    }
    let mut sums: Vec<f32> = acc.iter().map(|&a| a as f32).collect();
    let mut products = vec![0.0f32; BLOCK * k];
    // Moves made in the current block: (row, from, to).
    let mut moved_here: Vec<(usize, usize, usize)> = Vec::with_capacity(BLOCK);
    let mut moves = 0;
    for _ in 0..max_passes {
        // Squared norms of the sums, recomputed each pass so that rounding cannot drift.
        let mut norm2: Vec<f64> = sums
            .chunks_exact(dim)
            .map(|s| s.iter().map(|&v| v as f64 * v as f64).sum())
            .collect();
        let mut moved = 0;
        for start in (0..n).step_by(BLOCK) {
            let end = (start + BLOCK).min(n);
            let rows = &data.as_flat()[start * dim..end * dim];
            row_products(&mut products, rows, &sums, end - start, k, dim, false);
            moved_here.clear();
            for i in start..end {
                let x = data.row(i);
                let xs = &mut products[(i - start) * k..(i - start + 1) * k];
                for &(j, from, to) in &moved_here {
                    let d = sim(x, data.row(j));
                    xs[from] -= d;
                    xs[to] += d;
                }
                let a = assign[i];
                if size[a] <= 1 {
                    continue;
                }
                let xx = sim(x, x) as f64;
                let loss = norm2[a].sqrt() - (norm2[a] - 2.0 * xs[a] as f64 + xx).max(0.0).sqrt();
                let mut best = (a, 0.0f64);
                for (c, &xc) in xs.iter().enumerate() {
                    if c != a {
                        let gain = (norm2[c] + 2.0 * xc as f64 + xx).max(0.0).sqrt() - norm2[c].sqrt() - loss;
                        if gain > best.1 + 1e-6 {
                            best = (c, gain);
                        }
                    }
                }
                let b = best.0;
                if b != a {
                    norm2[a] = (norm2[a] - 2.0 * xs[a] as f64 + xx).max(0.0);
                    norm2[b] += 2.0 * xs[b] as f64 + xx;
                    for (d, &v) in x.iter().enumerate() {
                        sums[a * dim + d] -= v;
                        sums[b * dim + d] += v;
                    }
                    size[a] -= 1;
                    size[b] += 1;
                    assign[i] = b;
                    moved_here.push((i, a, b));
                    moved += 1;
                }
            }
        }
        moves += moved;
        if moved == 0 {
            break;
        }
    }
    moves
}
