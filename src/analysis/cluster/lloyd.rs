//! Lloyd's iterations for spherical k-means, with Hamerly's distance bounds: a row is compared with every centroid
//! again only when the bounds cannot prove that its cluster stays the same. The assignments are those of plain
//! Lloyd (up to rounding at near-ties, which the margin leaves to a full comparison); only the work is less (late
//! iterations, where few rows move, skip most rows).

use rayon::prelude::*;

use super::kmeans::{for_each_block, sim, KMeans, BLOCK};
use crate::linalg::{dot, normalize_in_place, row_products};
use crate::vectors::Embeddings;

/// A row is kept in its cluster without a full comparison only when its bounds clear each other by this much per
/// dimension (Euclidean distance between unit vectors, 0..2): 1.5e-4 at 384 dimensions, far above the rounding of
/// their f32 products.
const MARGIN_PER_DIM: f32 = 4e-7;

/// What a bounded pass knows of one row.
#[derive(Debug, Clone, Copy)]
struct RowBound {
    /// The row's cluster.
    cluster: usize,
    /// At least the distance from the row to its cluster's centroid.
    upper: f32,
    /// At most the distance from the row to any other centroid.
    lower: f32,
}

/// Distance between a row of squared norm `xx` and a unit centroid, from their product.
fn distance(xx: f32, product: f32) -> f32 {
    (xx + 1.0 - 2.0 * product).max(0.0).sqrt()
}

/// Lloyd iterations from `centroids` until no row changes cluster or `max_iter` is reached. Empty clusters are
/// refilled with the rows farthest from their centroids (taken from clusters that keep at least one member), so when
/// there are at least `k` rows every cluster ends non-empty.
pub(crate) fn lloyd(data: &Embeddings, mut centroids: Embeddings, max_iter: usize) -> KMeans {
    let n = data.len();
    let k = centroids.len();
    if k == 0 || n == 0 {
        return KMeans {
            centroids,
            assign: vec![0; n],
            objective: 0.0,
        };
    }
    let norms: Vec<f32> = (0..n).into_par_iter().map(|i| sim(data.row(i), data.row(i))).collect();
    let mut bounds: Option<Vec<RowBound>> = None;
    let mut assign = vec![usize::MAX; n];
    let mut sums = MemberSums::zero(k, data.dim());
    for _ in 0..max_iter.max(1) {
        // The bounds hold for unit centroids only (an empty cluster's centroid is zero).
        let unit = (0..k).all(|c| (sim(centroids.row(c), centroids.row(c)) - 1.0).abs() < 1e-5);
        let mut rows = match bounds.take() {
            Some(rows) if unit => bounded_pass(data, &norms, &centroids, rows),
            _ => full_pass(data, &norms, &centroids),
        };
        let mut new_assign: Vec<usize> = rows.iter().map(|r| r.cluster).collect();
        let mut sizes = vec![0usize; k];
        for &c in &new_assign {
            sizes[c] += 1;
        }
        let refilled = sizes.contains(&0);
        if refilled {
            let fit: Vec<f32> = (0..n)
                .into_par_iter()
                .map(|i| sim(data.row(i), centroids.row(new_assign[i])))
                .collect();
            refill_empty(&mut new_assign, &fit, k);
        }
        let changed = new_assign != assign;
        sums.moved(data, &assign, &new_assign);
        assign = new_assign;
        let next = sums.centroids();
        if unit && !refilled {
            shift_bounds(&mut rows, &centroids, &next);
            bounds = Some(rows);
        }
        centroids = next;
        if !changed {
            break;
        }
    }
    let objective = (0..n)
        .into_par_iter()
        .map(|i| sim(data.row(i), centroids.row(assign[i])) as f64)
        .collect::<Vec<f64>>()
        .iter()
        .sum();
    KMeans {
        centroids,
        assign,
        objective,
    }
}

/// Each cluster's member sum in f64, kept up to date as rows move, so that an iteration that moves few rows costs
/// few additions.
pub(super) struct MemberSums {
    dim: usize,
    sums: Vec<f64>,
}

impl MemberSums {
    /// Empty sums of `k` clusters.
    pub(super) fn zero(k: usize, dim: usize) -> Self {
        MemberSums {
            dim,
            sums: vec![0.0; k * dim],
        }
    }

    /// Adds `row` to cluster `c`'s sum.
    pub(super) fn add(&mut self, c: usize, row: &[f32]) {
        for (a, &x) in self.sums[c * self.dim..(c + 1) * self.dim].iter_mut().zip(row) {
            *a += x as f64;
        }
    }

    /// Moves every row whose cluster differs between `old` and `new` (`usize::MAX`: in no cluster yet), in row
    /// order.
    fn moved(&mut self, data: &Embeddings, old: &[usize], new: &[usize]) {
        for (i, (&from, &to)) in old.iter().zip(new).enumerate() {
            if from == to {
                continue;
            }
            let row = data.row(i);
            if from != usize::MAX {
                for (a, &x) in self.sums[from * self.dim..(from + 1) * self.dim].iter_mut().zip(row) {
                    *a -= x as f64;
                }
            }
            self.add(to, row);
        }
    }

    /// The sums themselves, one row per cluster.
    pub(super) fn raw(&self) -> Embeddings {
        Embeddings::from_flat(self.dim.max(1), self.sums.iter().map(|&a| a as f32).collect())
    }

    /// The normalised sums: the spherical centroids (zero for an empty cluster).
    pub(super) fn centroids(&self) -> Embeddings {
        let mut flat: Vec<f32> = self.sums.iter().map(|&a| a as f32).collect();
        for row in flat.chunks_exact_mut(self.dim.max(1)) {
            normalize_in_place(row);
        }
        Embeddings::from_flat(self.dim.max(1), flat)
    }
}

/// The best centroid of one row from its products with every centroid (ties: lowest index), its product, and the
/// second-best product.
pub(super) fn top_two(products: &[f32]) -> (usize, f32, f32) {
    let (mut best, mut second) = ((0, f32::NEG_INFINITY), f32::NEG_INFINITY);
    for (c, &v) in products.iter().enumerate() {
        if v > best.1 {
            second = best.1;
            best = (c, v);
        } else if v > second {
            second = v;
        }
    }
    (best.0, best.1, second)
}

/// The bounds of a row of squared norm `xx` whose [`top_two`] products are `top`, exact at this point.
fn bound_of(xx: f32, (cluster, best, second): (usize, f32, f32)) -> RowBound {
    RowBound {
        cluster,
        upper: distance(xx, best),
        lower: if second.is_finite() {
            distance(xx, second)
        } else {
            f32::INFINITY
        },
    }
}

/// Every row compared with every centroid.
fn full_pass(data: &Embeddings, norms: &[f32], centroids: &Embeddings) -> Vec<RowBound> {
    let k = centroids.len();
    let blocks = for_each_block(data, centroids, |products| {
        products.chunks_exact(k).map(top_two).collect::<Vec<_>>()
    });
    blocks
        .into_iter()
        .flatten()
        .zip(norms)
        .map(|(top, &xx)| bound_of(xx, top))
        .collect()
}

/// One pass that keeps every row whose bounds prove it stays, tightens the upper bound of the doubtful ones, and
/// compares only the rows still in doubt with every centroid (gathered, a block of rows at a time).
fn bounded_pass(data: &Embeddings, norms: &[f32], centroids: &Embeddings, mut rows: Vec<RowBound>) -> Vec<RowBound> {
    let k = centroids.len();
    let dim = data.dim();
    let half_gap = half_gaps(centroids);
    let margin = MARGIN_PER_DIM * dim as f32;
    rows.par_chunks_mut(BLOCK).enumerate().for_each_init(
        || (Vec::new(), Vec::new()),
        |(gathered, products), (b, chunk)| {
            let mut doubtful = Vec::new();
            for (j, r) in chunk.iter_mut().enumerate() {
                let i = b * BLOCK + j;
                let limit = half_gap[r.cluster].max(r.lower) - margin;
                if r.upper < limit {
                    continue;
                }
                r.upper = distance(norms[i], dot(data.row(i), centroids.row(r.cluster)));
                if r.upper < limit {
                    continue;
                }
                doubtful.push(j);
            }
            if doubtful.is_empty() {
                return;
            }
            gathered.clear();
            for &j in &doubtful {
                gathered.extend_from_slice(data.row(b * BLOCK + j));
            }
            products.resize(doubtful.len() * k, 0.0);
            row_products(products, gathered, centroids.as_flat(), doubtful.len(), k, dim, false);
            for (&j, p) in doubtful.iter().zip(products.chunks_exact(k)) {
                chunk[j] = bound_of(norms[b * BLOCK + j], top_two(p));
            }
        },
    );
    rows
}

/// For each unit centroid, half the distance to the nearest other one: a row closer than that to its centroid is
/// closer to it than to any other.
fn half_gaps(centroids: &Embeddings) -> Vec<f32> {
    let k = centroids.len();
    let mut products = vec![0.0f32; k * k];
    row_products(
        &mut products,
        centroids.as_flat(),
        centroids.as_flat(),
        k,
        k,
        centroids.dim(),
        false,
    );
    (0..k)
        .map(|c| {
            let nearest = (0..k)
                .filter(|&o| o != c)
                .map(|o| products[c * k + o])
                .fold(f32::NEG_INFINITY, f32::max);
            if nearest.is_finite() {
                distance(1.0, nearest) / 2.0
            } else {
                f32::INFINITY
            }
        })
        .collect()
}

/// Moves the bounds from the old centroids to the new: each upper bound grows by how far its own centroid moved,
/// each lower bound shrinks by the farthest any other centroid moved.
fn shift_bounds(rows: &mut [RowBound], old: &Embeddings, new: &Embeddings) {
    let drift: Vec<f32> = (0..old.len())
        .map(|c| {
            let (a, b) = (old.row(c), new.row(c));
            let d2: f64 = a.iter().zip(b).map(|(&x, &y)| (x as f64 - y as f64).powi(2)).sum();
            d2.sqrt() as f32
        })
        .collect();
    let mut order: Vec<usize> = (0..drift.len()).collect();
    order.sort_by(|&a, &b| drift[b].total_cmp(&drift[a]));
    let (first, second) = (order[0], order.get(1).map_or(0.0, |&c| drift[c]));
    rows.par_iter_mut().for_each(|r| {
        r.upper += drift[r.cluster];
        r.lower -= if r.cluster == first { second } else { drift[first] };
    });
}

/// Moves the worst-fitting rows (lowest `fit`) of populous clusters into empty ones, deterministically.
fn refill_empty(assign: &mut [usize], fit: &[f32], k: usize) {
    let mut sizes = vec![0usize; k];
    for &c in assign.iter() {
        sizes[c] += 1;
    }
    let mut order: Vec<usize> = (0..assign.len()).collect();
    order.sort_by(|&a, &b| fit[a].total_cmp(&fit[b]).then(a.cmp(&b)));
    let mut next = order.into_iter();
    for c in 0..k {
        if sizes[c] > 0 {
            continue;
        }
        for i in next.by_ref() {
            let from = assign[i];
            if sizes[from] > 1 {
                sizes[from] -= 1;
                sizes[c] = 1;
                assign[i] = c;
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    /// Plain Lloyd: every row compared with every centroid, centroids summed afresh, until nothing moves.
    fn plain_lloyd(data: &Embeddings, mut centroids: Embeddings, max_iter: usize) -> Vec<usize> {
        let (n, k, dim) = (data.len(), centroids.len(), data.dim());
        let mut assign = vec![usize::MAX; n];
        for _ in 0..max_iter {
            let next: Vec<usize> = (0..n)
                .map(|i| {
                    let products: Vec<f32> = (0..k).map(|c| dot(data.row(i), centroids.row(c))).collect();
                    top_two(&products).0
                })
                .collect();
            let changed = next != assign;
            assign = next;
            let mut flat = vec![0.0f32; k * dim];
            for c in 0..k {
                let mut acc = vec![0.0f64; dim];
                for i in (0..n).filter(|&i| assign[i] == c) {
                    for (a, &x) in acc.iter_mut().zip(data.row(i)) {
                        *a += x as f64;
                    }
                }
                let row = &mut flat[c * dim..(c + 1) * dim];
                for (r, a) in row.iter_mut().zip(acc) {
                    *r = a as f32;
                }
                normalize_in_place(row);
            }
            centroids = Embeddings::from_flat(dim, flat);
            if !changed {
                break;
            }
        }
        assign
    }

    /// Unit rows scattered widely around `k` directions, so that clusters overlap and many rows move.
    fn overlapping(n: usize, k: usize, dim: usize, seed: u64) -> Embeddings {
        let mut rng = Rng::new(seed);
        let mut gauss = move || {
            let (u, v) = (rng.next_f64().max(1e-12), rng.next_f64());
            ((-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()) as f32
        };
        let centres: Vec<Vec<f32>> = (0..k).map(|_| (0..dim).map(|_| gauss()).collect()).collect();
        let mut e = Embeddings::empty(dim);
        for i in 0..n {
            let row: Vec<f32> = centres[i % k].iter().map(|&x| x + 1.5 * gauss()).collect();
            e.push(&row);
        }
        e.normalize();
        e
    }

    #[test]
    fn bounds_give_the_same_clusters_as_plain_lloyd() {
        let data = overlapping(3000, 12, 48, 7);
        for (k, start) in [(12, 0), (20, 5), (5, 100)] {
            let init = data.select(&(start..start + k).collect::<Vec<_>>());
            let bounded = lloyd(&data, init.clone(), 100);
            assert_eq!(bounded.assign, plain_lloyd(&data, init, 100), "k = {k}");
        }
    }

    #[test]
    fn empty_clusters_are_refilled() {
        // Two identical starting centroids: the second one wins no row at first.
        let data = overlapping(200, 3, 8, 9);
        let init = data.select(&[0, 0, 1]);
        let run = lloyd(&data, init, 100);
        let mut sizes = [0usize; 3];
        for &c in &run.assign {
            sizes[c] += 1;
        }
        assert!(sizes.iter().all(|&s| s > 0), "{sizes:?}");
    }
}
