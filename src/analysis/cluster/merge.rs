//! Ward agglomeration of fine k-means clusters, scored at every level by a sampled cosine silhouette.
//!
//! Merging works on cluster sizes and means only (O(k³) for k fine clusters), and the silhouette of every level of the
//! hierarchy comes from one table of per-point similarity sums to each fine cluster (O(s²·d) once for a sample of s
//! points, then O(s·k) per level), so scoring all candidate numbers of clusters never touches an n×n matrix.

use rayon::prelude::*;

use super::kmeans::{dots, sim};
use crate::vectors::Embeddings;

/// One merge of the hierarchy: cluster `from` joins cluster `into` (`into < from`), at Ward cost `cost`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Merge {
    pub into: usize,
    pub from: usize,
    pub cost: f64,
}

/// Ward's agglomeration of clusters given by their sizes and member sums, down to one cluster.
///
/// The cost of joining `a` and `b` is `n_a·n_b/(n_a+n_b)·‖m_a − m_b‖²` with `m` the (unnormalised) mean, i.e. the
/// growth of the within-cluster sum of squares. Ties go to the lowest pair of indices. Empty clusters are ignored.
pub(crate) fn ward(sizes: &[usize], sums: &Embeddings) -> Vec<Merge> {
    let k = sizes.len();
    let mut size: Vec<f64> = sizes.iter().map(|&s| s as f64).collect();
    let mut mean: Vec<Vec<f64>> = (0..k)
        .map(|c| {
            let s = size[c].max(1.0);
            sums.row(c).iter().map(|&x| x as f64 / s).collect()
        })
        .collect();
    let mut alive: Vec<bool> = sizes.iter().map(|&s| s > 0).collect();
    let cost = |a: usize, b: usize, size: &[f64], mean: &[Vec<f64>]| -> f64 {
        let d2: f64 = mean[a].iter().zip(&mean[b]).map(|(x, y)| (x - y) * (x - y)).sum();
        size[a] * size[b] / (size[a] + size[b]) * d2
    };
    // Row-wise upper triangle of costs; f64::INFINITY marks dead pairs.
    let mut table = vec![f64::INFINITY; k * k];
    for a in 0..k {
        for b in a + 1..k {
            if alive[a] && alive[b] {
                table[a * k + b] = cost(a, b, &size, &mean);
            }
        }
    }
    let mut merges = Vec::new();
    loop {
        let mut best: Option<(f64, usize, usize)> = None;
        for a in 0..k {
            for b in a + 1..k {
                let c = table[a * k + b];
                if c.is_finite() && best.is_none_or(|(bc, _, _)| c < bc) {
                    best = Some((c, a, b));
                }
            }
        }
        let Some((c, a, b)) = best else { break };
        merges.push(Merge {
            into: a,
            from: b,
            cost: c,
        });
        let total = size[a] + size[b];
        let gone = std::mem::take(&mut mean[b]);
        for (x, y) in mean[a].iter_mut().zip(&gone) {
            *x = (size[a] * *x + size[b] * y) / total;
        }
        size[a] = total;
        alive[b] = false;
        for o in 0..k {
            if o != b {
                table[o.min(b) * k + o.max(b)] = f64::INFINITY;
            }
        }
        for o in 0..k {
            if o != a && alive[o] {
                table[o.min(a) * k + o.max(a)] = cost(a, o, &size, &mean);
            }
        }
    }
    merges
}

/// Mean silhouette (cosine distance) of a sample after each prefix of `merges`, starting with no merge.
///
/// `rows` are the sampled points, `fine` the fine cluster of each, `sizes` the number of members of each of the `k`
/// fine clusters among all items. Returns `(number of non-empty clusters, mean silhouette)` per level; a point
/// alone in its cluster scores 0 and a level with fewer than two clusters is skipped.
pub(crate) fn silhouettes(rows: &Embeddings, fine: &[usize], sizes: &[usize], merges: &[Merge]) -> Vec<(usize, f64)> {
    let (m, k) = (rows.len(), sizes.len());
    // sums[i * k + c]: similarity of sampled point i to the sampled members of fine cluster c.
    let dim = rows.dim().max(1);
    let mut sums = vec![0.0f64; m * k];
    sums.par_chunks_mut(k.max(1))
        .zip(rows.as_flat().par_chunks(dim))
        .for_each(|(acc, x)| {
            let mut s = vec![0.0f32; m];
            dots(rows.as_flat(), dim, x, &mut s);
            for (&c, &v) in fine.iter().zip(&s) {
                acc[c] += v as f64;
            }
        });
    let mut counts = vec![0.0f64; k];
    for &c in fine {
        counts[c] += 1.0;
    }
    let own: Vec<f64> = rows.rows().map(|x| sim(x, x) as f64).collect();
    let clusters0 = sizes.iter().filter(|&&s| s > 0).count();
    let mut owner: Vec<usize> = (0..k).collect();
    let mut out = Vec::with_capacity(merges.len() + 1);
    for step in 0..=merges.len() {
        if step > 0 {
            let m = merges[step - 1];
            for row in sums.chunks_exact_mut(k.max(1)) {
                row[m.into] += row[m.from];
                row[m.from] = 0.0;
            }
            counts[m.into] += counts[m.from];
            counts[m.from] = 0.0;
            for o in owner.iter_mut() {
                if *o == m.from {
                    *o = m.into;
                }
            }
        }
        let live = counts.iter().filter(|&&c| c > 0.0).count();
        if live < 2 {
            continue;
        }
        let total: f64 = fine
            .iter()
            .enumerate()
            .map(|(si, &f)| {
                let row = &sums[si * k..(si + 1) * k];
                let c = owner[f];
                if counts[c] <= 1.0 {
                    return 0.0;
                }
                let a = 1.0 - (row[c] - own[si]) / (counts[c] - 1.0);
                let mut b = f64::INFINITY;
                for (o, &n) in counts.iter().enumerate() {
                    if o != c && n > 0.0 {
                        b = b.min(1.0 - row[o] / n);
                    }
                }
                let d = a.max(b);
                if d > 0.0 {
                    (b - a) / d
                } else {
                    0.0
                }
            })
            .sum();
        out.push((clusters0.saturating_sub(step), total / m as f64));
    }
    out
}
