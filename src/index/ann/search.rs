//! Searching the graph: the greedy descent through the upper levels and the best-first beam search of one level
//! (HNSW's SEARCH-LAYER), with a reusable per-thread record of visited nodes.

use std::cell::RefCell;
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use super::graph::{Graph, NONE};

/// The vectors of a graph's nodes: node `i` is row `rows[i]` of `flat` (or row `i` when there is no row map).
#[derive(Debug, Clone, Copy)]
pub struct NodeVectors<'a> {
    /// Row-major unit vectors.
    pub flat: &'a [f32],
    /// Their dimension.
    pub dim: usize,
    /// The row of each node, when nodes are not simply rows `0..n`.
    pub rows: Option<&'a [u32]>,
    /// The dot product in the best instruction set of this processor.
    pub dot: fn(&[f32], &[f32]) -> f32,
}

impl<'a> NodeVectors<'a> {
    /// The vector of `node`.
    #[inline]
    pub fn get(&self, node: u32) -> &'a [f32] {
        let row = match self.rows {
            Some(rows) => rows[node as usize] as usize,
            None => node as usize,
        };
        &self.flat[row * self.dim..(row + 1) * self.dim]
    }

    /// The cosine of two nodes' vectors.
    #[inline]
    pub fn sim(&self, a: u32, b: u32) -> f32 {
        (self.dot)(self.get(a), self.get(b))
    }
}

/// What a search scores nodes with: their vectors in some storage.
pub trait Scorer: Sync {
    /// The score of `node` against `query`: its cosine, or an estimate of it.
    fn score(&self, query: &[f32], node: u32) -> f32;
    /// Asks the processor to start loading what [`Scorer::score`] will read of `node`.
    fn prefetch(&self, node: u32);
}

impl Scorer for NodeVectors<'_> {
    #[inline]
    fn score(&self, query: &[f32], node: u32) -> f32 {
        (self.dot)(query, self.get(node))
    }

    #[inline]
    fn prefetch(&self, node: u32) {
        prefetch(self.get(node));
    }
}

/// A node with its score against some query; orders by score, then prefers the lower id (so the greatest is the
/// best, and ties resolve the same way every time).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scored {
    /// Cosine to the query.
    pub score: f32,
    /// The node.
    pub node: u32,
}

impl Eq for Scored {}
impl PartialOrd for Scored {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scored {
    fn cmp(&self, other: &Self) -> Ordering {
        self.score.total_cmp(&other.score).then(other.node.cmp(&self.node))
    }
}

/// Marks of visited nodes by generation, so that clearing between searches costs nothing.
struct Visited {
    marks: Vec<u32>,
    generation: u32,
}

thread_local! {
    static VISITED: RefCell<Visited> = const { RefCell::new(Visited { marks: Vec::new(), generation: 0 }) };
}

/// Runs `f` with a cleared visited-set of at least `n` nodes: `f` gets the marks and the current generation.
fn with_visited<R>(n: usize, f: impl FnOnce(&mut [u32], u32) -> R) -> R {
    VISITED.with(|cell| {
        let mut v = cell.borrow_mut();
        if v.marks.len() < n {
            v.marks.resize(n, 0);
        }
        v.generation = v.generation.wrapping_add(1);
        if v.generation == 0 {
            v.marks.fill(0);
            v.generation = 1;
        }
        let generation = v.generation;
        f(&mut v.marks, generation)
    })
}

/// Asks the processor to start loading `v` into the cache.
#[inline(always)]
pub(crate) fn prefetch<T>(v: &[T]) {
    #[cfg(target_arch = "x86_64")]
    for line in v.chunks((64 / std::mem::size_of::<T>().max(1)).max(1)) {
        // SAFETY: prefetching is a hint that never faults, and the address is inside a live slice.
        #[allow(unused_unsafe)]
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(line.as_ptr() as *const i8)
        };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = v;
}

/// The closest node to `query` reached by greedy moves at `level`, starting from `from`.
pub fn greedy<V: Scorer + ?Sized>(graph: &Graph, vectors: &V, query: &[f32], from: Scored, level: u8) -> Scored {
    let mut best = from;
    loop {
        let mut moved = false;
        for &n in graph.neighbours(best.node, level) {
            let s = Scored {
                score: vectors.score(query, n),
                node: n,
            };
            if s > best {
                best = s;
                moved = true;
            }
        }
        if !moved {
            return best;
        }
    }
}

/// The `ef` nodes closest to `query` found at `level` by a beam search from `entries`, best first.
pub fn search_level<V: Scorer + ?Sized>(
    graph: &Graph,
    vectors: &V,
    query: &[f32],
    entries: &[Scored],
    ef: usize,
    level: u8,
) -> Vec<Scored> {
    with_visited(graph.len(), |marks, generation| {
        let mut candidates: BinaryHeap<Scored> = BinaryHeap::with_capacity(ef * 4);
        let mut found: BinaryHeap<Reverse<Scored>> = BinaryHeap::with_capacity(ef + 1);
        let mut fresh: Vec<u32> = Vec::with_capacity(graph.m0);
        for &e in entries {
            if marks[e.node as usize] != generation {
                marks[e.node as usize] = generation;
                candidates.push(e);
                found.push(Reverse(e));
            }
        }
        while found.len() > ef {
            found.pop();
        }
        while let Some(c) = candidates.pop() {
            let worst = found.peek().map(|r| r.0);
            if found.len() >= ef && worst.is_some_and(|w| c < w) {
                break;
            }
            // Fetching the vectors of all unvisited neighbours before scoring any hides most of the memory latency.
            fresh.clear();
            for &n in graph.neighbours(c.node, level) {
                if marks[n as usize] != generation {
                    marks[n as usize] = generation;
                    fresh.push(n);
                    vectors.prefetch(n);
                }
            }
            for &n in &fresh {
                let s = Scored {
                    score: vectors.score(query, n),
                    node: n,
                };
                if found.len() < ef || found.peek().is_some_and(|w| s > w.0) {
                    candidates.push(s);
                    found.push(Reverse(s));
                    if found.len() > ef {
                        found.pop();
                    }
                }
            }
        }
        let mut out: Vec<Scored> = found.into_iter().map(|r| r.0).collect();
        out.sort_unstable_by(|a, b| b.cmp(a));
        out
    })
}

/// The entry point of a search down to `level`: the greedy descent from the graph's entry through every level
/// above `level`. `None` for an empty graph.
pub fn descend<V: Scorer + ?Sized>(graph: &Graph, vectors: &V, query: &[f32], level: u8) -> Option<Scored> {
    if graph.entry == NONE {
        return None;
    }
    let mut at = Scored {
        score: vectors.score(query, graph.entry),
        node: graph.entry,
    };
    let mut l = graph.top_level();
    while l > level {
        at = greedy(graph, vectors, query, at, l);
        l -= 1;
    }
    Some(at)
}

/// The (up to) `ef` nodes closest to `query`, best first.
pub fn search<V: Scorer + ?Sized>(graph: &Graph, vectors: &V, query: &[f32], ef: usize) -> Vec<Scored> {
    match descend(graph, vectors, query, 0) {
        Some(entry) => search_level(graph, vectors, query, &[entry], ef.max(1), 0),
        None => Vec::new(),
    }
}
