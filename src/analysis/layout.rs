//! A map of the insights in two dimensions: a deterministic UMAP-style layout of the k-nearest-neighbour graph
//! (McInnes, Healy and Melville, 2018). Each point's neighbours get fuzzy weights from their distances (relative to
//! its nearest one), the weights are made symmetric, the points start where the data's two principal components put
//! them, and stochastic gradient descent pulls neighbours together while pushing randomly drawn pairs apart. The
//! random draws come from a seeded stream and the work runs in one order, so the same input gives the same map.

use crate::index::Hit;
use crate::linalg::dot;
use crate::rng::Rng;
use crate::vectors::Embeddings;

/// How the map is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayoutOptions {
    /// Passes of gradient descent; `None`: 500 up to 10,000 points, 200 above (UMAP's defaults).
    pub epochs: Option<usize>,
    /// Random pairs pushed apart per neighbour pulled together.
    pub negative_samples: usize,
    /// The seed of the random draws.
    pub seed: u64,
}

impl Default for LayoutOptions {
    fn default() -> Self {
        LayoutOptions {
            epochs: None,
            negative_samples: 5,
            seed: 42,
        }
    }
}

/// The neighbours kept per point for the layout's graph (UMAP's default).
pub const LAYOUT_NEIGHBOURS: usize = 15;

/// UMAP's curve `1 / (1 + a·d^(2b))` for a minimum distance of 0.1 and a spread of 1.
const CURVE_A: f32 = 1.577;
const CURVE_B: f32 = 0.8951;
/// Largest step of one coordinate in one update.
const CLIP: f32 = 4.0;
/// Half the width of the starting layout.
const START_HALF_WIDTH: f32 = 10.0;

/// A 2-D position per row of `vectors`; `graph[i]` holds row `i`'s nearest other rows with their cosines (any
/// number; the nearest [`LAYOUT_NEIGHBOURS`] are what the layout expects).
pub fn layout(vectors: &Embeddings, graph: &[Vec<Hit>], opts: &LayoutOptions) -> Vec<[f32; 2]> {
    let n = vectors.len();
    let mut positions = principal_plane(vectors, opts.seed);
    if n < 3 {
        return positions;
    }
    let edges = fuzzy_edges(graph);
    let Some(max_weight) = edges.iter().map(|e| e.2).reduce(f32::max) else {
        return positions;
    };
    let epochs = opts.epochs.unwrap_or(if n <= 10_000 { 500 } else { 200 });
    // Edges too weak to be drawn once in all the epochs are dropped, as UMAP does.
    let edges: Vec<(u32, u32, f32)> = edges
        .into_iter()
        .filter(|e| e.2 >= max_weight / epochs as f32)
        .collect();
    let per_sample: Vec<f32> = edges.iter().map(|e| max_weight / e.2).collect();
    let per_negative: Vec<f32> = per_sample
        .iter()
        .map(|p| p / opts.negative_samples.max(1) as f32)
        .collect();
    let mut next_sample = per_sample.clone();
    let mut next_negative = per_negative.clone();
    let mut rng = Rng::new(opts.seed);
    for epoch in 0..epochs {
        let rate = 1.0 - epoch as f32 / epochs as f32;
        let now = epoch as f32;
        for (e, &(i, j, _)) in edges.iter().enumerate() {
            if next_sample[e] > now {
                continue;
            }
            let (i, j) = (i as usize, j as usize);
            let d2 = distance2(&positions[i], &positions[j]);
            if d2 > 0.0 {
                let coefficient =
                    -2.0 * CURVE_A * CURVE_B * d2.powf(CURVE_B - 1.0) / (CURVE_A * d2.powf(CURVE_B) + 1.0);
                let (a, b) = (positions[i], positions[j]);
                let step = [0, 1].map(|axis| (coefficient * (a[axis] - b[axis])).clamp(-CLIP, CLIP) * rate);
                positions[i] = [a[0] + step[0], a[1] + step[1]];
                positions[j] = [b[0] - step[0], b[1] - step[1]];
            }
            next_sample[e] += per_sample[e];
            let negatives = ((now - next_negative[e]) / per_negative[e]).floor().max(0.0) as usize;
            for _ in 0..negatives {
                let k = rng.below(n);
                if k == i {
                    continue;
                }
                let (a, b) = (positions[i], positions[k]);
                let d2 = distance2(&a, &b);
                let step = [0, 1].map(|axis| {
                    if d2 > 0.0 {
                        let coefficient = 2.0 * CURVE_B / ((0.001 + d2) * (CURVE_A * d2.powf(CURVE_B) + 1.0));
                        (coefficient * (a[axis] - b[axis])).clamp(-CLIP, CLIP) * rate
                    } else {
                        CLIP * rate
                    }
                });
                positions[i] = [a[0] + step[0], a[1] + step[1]];
            }
            next_negative[e] += negatives as f32 * per_negative[e];
        }
    }
    spread_copies(vectors, &mut positions);
    positions
}

/// Copies of one text share a vector, so nothing in the layout holds them apart: each set of identical rows is
/// put on a small circle around where its first row lies, in row order, so that every copy can be seen and pointed
/// at.
fn spread_copies(vectors: &Embeddings, positions: &mut [[f32; 2]]) {
    let (mut low, mut high) = ([f32::MAX; 2], [f32::MIN; 2]);
    for p in positions.iter() {
        for axis in 0..2 {
            low[axis] = low[axis].min(p[axis]);
            high[axis] = high[axis].max(p[axis]);
        }
    }
    let radius = 0.02 * (high[0] - low[0]).max(high[1] - low[1]).max(f32::EPSILON);
    let mut copies: std::collections::HashMap<&[u32], Vec<usize>> = std::collections::HashMap::new();
    for (i, row) in vectors.rows().enumerate() {
        copies.entry(bytemuck::cast_slice(row)).or_default().push(i);
    }
    for rows in copies.values().filter(|rows| rows.len() > 1) {
        let centre = positions[rows[0]];
        for (k, &i) in rows.iter().enumerate() {
            let angle = std::f32::consts::TAU * k as f32 / rows.len() as f32;
            positions[i] = [centre[0] + radius * angle.cos(), centre[1] + radius * angle.sin()];
        }
    }
}

fn distance2(a: &[f32; 2], b: &[f32; 2]) -> f32 {
    (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)
}

/// The symmetric fuzzy graph: for each point, weights `exp(-(d - ρ) / σ)` of its neighbours' distances `d = 1 -
/// cosine`, `ρ` its nearest neighbour's distance and `σ` set so the weights sum to log2(k); then each pair's two
/// weights joined as `w + w' - w·w'`. Edges `(i, j, weight)` with `i < j`, in order.
fn fuzzy_edges(graph: &[Vec<Hit>]) -> Vec<(u32, u32, f32)> {
    let mut directed: Vec<(u32, u32, f32)> = Vec::new();
    for (i, hits) in graph.iter().enumerate() {
        let distances: Vec<f32> = hits.iter().map(|h| (1.0 - h.score).max(0.0)).collect();
        let Some(&nearest) = distances.iter().reduce(|a, b| if b < a { b } else { a }) else {
            continue;
        };
        let target = (hits.len() as f32).log2().max(1.0);
        let sigma = bandwidth(&distances, nearest, target);
        for (hit, d) in hits.iter().zip(&distances) {
            if hit.index == i {
                continue;
            }
            let w = (-(d - nearest).max(0.0) / sigma).exp();
            let (a, b) = (i.min(hit.index) as u32, i.max(hit.index) as u32);
            directed.push((a, b, w));
        }
    }
    directed.sort_by(|x, y| (x.0, x.1).cmp(&(y.0, y.1)).then(x.2.total_cmp(&y.2)));
    let mut edges: Vec<(u32, u32, f32)> = Vec::with_capacity(directed.len());
    for (a, b, w) in directed {
        match edges.last_mut() {
            Some(last) if last.0 == a && last.1 == b => last.2 = last.2 + w - last.2 * w,
            _ => edges.push((a, b, w)),
        }
    }
    edges
}

/// The σ at which `Σ exp(-(d - nearest) / σ)` equals `target`, by bisection.
fn bandwidth(distances: &[f32], nearest: f32, target: f32) -> f32 {
    let (mut low, mut high) = (1e-6f32, 1e3f32);
    for _ in 0..64 {
        let mid = 0.5 * (low + high);
        let sum: f32 = distances.iter().map(|d| (-(d - nearest).max(0.0) / mid).exp()).sum();
        if sum > target {
            high = mid;
        } else {
            low = mid;
        }
    }
    0.5 * (low + high)
}

/// Each row projected on the data's first two principal components (power iteration from a seeded start), scaled
/// so the widest coordinate is ±[`START_HALF_WIDTH`].
pub fn principal_plane(vectors: &Embeddings, seed: u64) -> Vec<[f32; 2]> {
    let (n, dim) = (vectors.len(), vectors.dim());
    if n == 0 {
        return Vec::new();
    }
    let mut mean = vec![0f32; dim];
    for row in vectors.rows() {
        for (m, x) in mean.iter_mut().zip(row) {
            *m += x / n as f32;
        }
    }
    let mut rng = Rng::new(seed);
    let mut components: Vec<Vec<f32>> = Vec::new();
    let mut projections = vec![vec![0f32; n]; 2];
    for projection in projections.iter_mut() {
        let mut v: Vec<f32> = (0..dim).map(|_| rng.normal()).collect();
        for _ in 0..60 {
            // v ← Xᵀ X v over the centred rows, kept orthogonal to the components already found.
            let mut next = vec![0f32; dim];
            for row in vectors.rows() {
                let along: f32 = row.iter().zip(&mean).zip(&v).map(|((x, m), v)| (x - m) * v).sum();
                for ((acc, x), m) in next.iter_mut().zip(row).zip(&mean) {
                    *acc += along * (x - m);
                }
            }
            for earlier in &components {
                let overlap = dot(&next, earlier);
                for (x, e) in next.iter_mut().zip(earlier) {
                    *x -= overlap * e;
                }
            }
            let norm = dot(&next, &next).sqrt();
            if norm <= f32::EPSILON {
                break;
            }
            v = next.iter().map(|x| x / norm).collect();
        }
        for (p, row) in projection.iter_mut().zip(vectors.rows()) {
            *p = row.iter().zip(&mean).zip(&v).map(|((x, m), v)| (x - m) * v).sum();
        }
        let widest = projection.iter().fold(0f32, |w, p| w.max(p.abs()));
        if widest > 0.0 {
            projection.iter_mut().for_each(|p| *p *= START_HALF_WIDTH / widest);
        }
        components.push(v);
    }
    (0..n).map(|i| [projections[0][i], projections[1][i]]).collect()
}

/// How well a map keeps neighbourhoods: the mean share of each point's `k` nearest rows (cosine) that are also
/// among its `k` nearest points on the map, over at most `sample` points taken evenly. 1 is perfect; a map that
/// ignores the data scores about `k / n`.
pub fn neighbour_keeping(vectors: &Embeddings, positions: &[[f32; 2]], k: usize, sample: usize) -> f64 {
    use rayon::prelude::*;
    let n = vectors.len();
    if n <= k + 1 || k == 0 {
        return 1.0;
    }
    let step = n.div_ceil(sample.max(1)).max(1);
    let samples: Vec<usize> = (0..n).step_by(step).collect();
    let kept: Vec<f64> = samples
        .par_iter()
        .map(|&i| {
            // The k rows of highest `score` other than i (ties: lower row), as a sorted list.
            let nearest_by = |score: &dyn Fn(usize) -> f32| -> Vec<usize> {
                let mut scored: Vec<(f32, usize)> = (0..n).filter(|&j| j != i).map(|j| (score(j), j)).collect();
                let order = |a: &(f32, usize), b: &(f32, usize)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
                scored.select_nth_unstable_by(k - 1, order);
                let mut top: Vec<usize> = scored[..k].iter().map(|&(_, j)| j).collect();
                top.sort_unstable();
                top
            };
            let in_data = nearest_by(&|j| dot(vectors.row(i), vectors.row(j)));
            let on_map = nearest_by(&|j| -distance2(&positions[i], &positions[j]));
            in_data.iter().filter(|j| on_map.binary_search(j).is_ok()).count() as f64 / k as f64
        })
        .collect();
    kept.iter().sum::<f64>() / kept.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three tight clusters of unit vectors in 8 dimensions, 30 points each, and their exact 15-nearest graph.
    fn clusters() -> (Embeddings, Vec<Vec<Hit>>) {
        let mut rng = Rng::new(3);
        let mut vectors = Embeddings::empty(8);
        for c in 0..3 {
            for _ in 0..30 {
                let mut row: Vec<f32> = (0..8).map(|_| 0.15 * rng.normal()).collect();
                row[c] += 1.0;
                vectors.push(&row);
            }
        }
        vectors.normalize();
        let graph = (0..vectors.len())
            .map(|i| crate::index::exact::top_k(&vectors, vectors.row(i), LAYOUT_NEIGHBOURS, &|j| j != i))
            .collect();
        (vectors, graph)
    }

    #[test]
    fn clusters_stay_apart_neighbours_stay_near_and_the_map_is_repeatable() {
        let (vectors, graph) = clusters();
        let map = layout(&vectors, &graph, &LayoutOptions::default());
        assert_eq!(map.len(), 90);
        assert!(map.iter().all(|p| p[0].is_finite() && p[1].is_finite()));
        assert_eq!(
            map,
            layout(&vectors, &graph, &LayoutOptions::default()),
            "deterministic"
        );
        // Each point's nearest point on the map is in its own cluster.
        for i in 0..90 {
            let nearest = (0..90)
                .filter(|&j| j != i)
                .min_by(|&a, &b| distance2(&map[i], &map[a]).total_cmp(&distance2(&map[i], &map[b])))
                .unwrap();
            assert_eq!(nearest / 30, i / 30, "point {i}'s nearest on the map is {nearest}");
        }
        let kept = neighbour_keeping(&vectors, &map, 10, 1000);
        let chance = 10.0 / 89.0;
        assert!(kept > 3.0 * chance, "kept {kept}");
        assert_eq!(neighbour_keeping(&vectors, &map, 10, 1000), kept);
    }

    #[test]
    fn tiny_and_degenerate_inputs_give_finite_maps() {
        assert!(layout(&Embeddings::empty(4), &[], &LayoutOptions::default()).is_empty());
        let mut one = Embeddings::empty(2);
        one.push(&[1.0, 0.0]);
        assert_eq!(layout(&one, &[vec![]], &LayoutOptions::default()).len(), 1);
        // Identical rows: no direction to project on, and every distance is zero.
        let mut same = Embeddings::empty(2);
        for _ in 0..5 {
            same.push(&[0.6, 0.8]);
        }
        let graph: Vec<Vec<Hit>> = (0..5)
            .map(|i| {
                (0..5)
                    .filter(|&j| j != i)
                    .map(|j| Hit { index: j, score: 1.0 })
                    .collect()
            })
            .collect();
        let map = layout(&same, &graph, &LayoutOptions::default());
        assert!(map.iter().all(|p| p[0].is_finite() && p[1].is_finite()), "{map:?}");
    }
}
