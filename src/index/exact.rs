//! Exact top-k search by dot product over unit vectors, split across threads.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use rayon::prelude::*;

use crate::linalg::dots;
use crate::vectors::Embeddings;

/// One search result: the row it names and its score (cosine similarity; higher is closer).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// The row (insight) index.
    pub index: usize,
    /// Cosine similarity to the query (in a [`crate::analysis::similar::Match`], the match score: the better of
    /// the insight's and its best sentence's cosines).
    pub score: f32,
}

/// Orders hits so that the heap's top is the worst kept hit: lowest score, then highest index.
struct Worst(Hit);

impl PartialEq for Worst {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Worst {}
impl PartialOrd for Worst {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Worst {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .0
            .score
            .total_cmp(&self.0.score)
            .then(self.0.index.cmp(&other.0.index))
    }
}

/// Rows per parallel task: small enough to spread work, large enough to amortise the heap.
const CHUNK: usize = 4096;

/// The `k` rows of `vectors` closest to `query` that `keep` accepts, best first (ties: lower index first).
pub fn top_k(vectors: &Embeddings, query: &[f32], k: usize, keep: &(dyn Fn(usize) -> bool + Sync)) -> Vec<Hit> {
    let k = k.min(vectors.len());
    if k == 0 {
        return Vec::new();
    }
    let dim = vectors.dim();
    let partial: Vec<Vec<Hit>> = vectors
        .as_flat()
        .par_chunks(CHUNK * dim)
        .enumerate()
        .map(|(c, block)| {
            let mut scores = vec![0.0f32; block.len() / dim];
            dots(block, dim, query, &mut scores);
            let mut heap = BinaryHeap::with_capacity(k + 1);
            for (j, &score) in scores.iter().enumerate() {
                let index = c * CHUNK + j;
                if !keep(index) {
                    continue;
                }
                heap.push(Worst(Hit { index, score }));
                if heap.len() > k {
                    heap.pop();
                }
            }
            heap.into_iter().map(|w| w.0).collect()
        })
        .collect();
    let mut hits: Vec<Hit> = partial.into_iter().flatten().collect();
    hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.index.cmp(&b.index)));
    hits.truncate(k);
    hits
}

/// The `k` of `rows` (rows of `vectors`, ascending) closest to `query`, best first (ties: lower row first), scored as
/// [`top_k`] scores them: for a search confined to a few rows, which scanning every row with a filter would waste
/// its time on. Single-threaded (callers run many such searches side by side).
pub fn top_k_among(vectors: &Embeddings, query: &[f32], k: usize, rows: &[u32]) -> Vec<Hit> {
    let k = k.min(rows.len());
    if k == 0 {
        return Vec::new();
    }
    let dim = vectors.dim();
    let mut heap = BinaryHeap::with_capacity(k + 1);
    let mut score = [0.0f32];
    for &row in rows {
        let index = row as usize;
        dots(vectors.row(index), dim, query, &mut score);
        heap.push(Worst(Hit { index, score: score[0] }));
        if heap.len() > k {
            heap.pop();
        }
    }
    let mut hits: Vec<Hit> = heap.into_iter().map(|w| w.0).collect();
    hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.index.cmp(&b.index)));
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_best_rows_in_order_and_honours_the_filter() {
        let mut e = Embeddings::empty(2);
        for angle in [0.0f32, 0.1, 0.5, 1.0, 3.0] {
            e.push(&[angle.cos(), angle.sin()]);
        }
        let hits = top_k(&e, &[1.0, 0.0], 3, &|_| true);
        assert_eq!(hits.iter().map(|h| h.index).collect::<Vec<_>>(), vec![0, 1, 2]);
        assert!((hits[0].score - 1.0).abs() < 1e-6);
        let hits = top_k(&e, &[1.0, 0.0], 2, &|i| i != 0);
        assert_eq!(hits.iter().map(|h| h.index).collect::<Vec<_>>(), vec![1, 2]);
        assert!(top_k(&e, &[1.0, 0.0], 0, &|_| true).is_empty());
        assert_eq!(top_k(&e, &[1.0, 0.0], 10, &|_| true).len(), 5);
    }

    #[test]
    fn a_search_among_rows_matches_a_filtered_scan() {
        let mut rng = crate::rng::Rng::new(5);
        let mut e = Embeddings::empty(7);
        for _ in 0..9000 {
            let v: Vec<f32> = (0..7).map(|_| rng.next_f64() as f32 - 0.5).collect();
            e.push(&v);
        }
        e.normalize();
        let rows: Vec<u32> = (0..9000).filter(|r| r % 5 == 3 || *r > 8800).collect();
        for q in [0, 17, 4444] {
            let query = e.row(q).to_vec();
            let among = top_k_among(&e, &query, 10, &rows);
            let scan = top_k(&e, &query, 10, &|r| rows.binary_search(&(r as u32)).is_ok());
            assert_eq!(among, scan);
        }
        assert!(top_k_among(&e, e.row(0), 10, &[]).is_empty());
        assert_eq!(top_k_among(&e, e.row(0), 10, &[4, 2]).len(), 2);
    }

    #[test]
    fn ties_break_by_lower_index() {
        let e = Embeddings::from_flat(1, vec![1.0; 10]);
        let hits = top_k(&e, &[1.0], 3, &|_| true);
        assert_eq!(hits.iter().map(|h| h.index).collect::<Vec<_>>(), vec![0, 1, 2]);
    }
}
