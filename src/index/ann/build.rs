//! Building and growing the graph: nodes are linked in batches, each searched against the graph as it stood
//! before the batch (in parallel), then linked in a fixed order, so the graph depends only on its input and never
//! on the number of threads.

use rayon::prelude::*;

use super::graph::{Graph, MAX_LEVEL, NONE};
use super::search::{descend, search_level, NodeVectors, Scored};
use crate::rng::Rng;

/// The level of a node with key `key`: geometric with ratio `1/m`, from a hash of the key and seed, so a node keeps
/// its level however the graph is rebuilt or renumbered.
pub fn level_of(key: u64, seed: u64, m: usize) -> u8 {
    let u = Rng::new(key ^ seed.rotate_left(17)).next_f64();
    let level = -(1.0 - u).ln() / (m.max(2) as f64).ln();
    (level.floor() as u64).min(MAX_LEVEL as u64) as u8
}

/// Up to `max` of `candidates` (sorted best first) that are closer to the query than to each other: HNSW's
/// neighbour-selection heuristic, which keeps links pointing in different directions.
pub fn select(vectors: &NodeVectors, candidates: &[Scored], max: usize) -> Vec<u32> {
    let mut kept: Vec<u32> = Vec::with_capacity(max);
    for c in candidates {
        if kept.len() == max {
            break;
        }
        let v = vectors.get(c.node);
        if kept.iter().all(|&r| (vectors.dot)(v, vectors.get(r)) <= c.score) {
            kept.push(c.node);
        }
    }
    kept
}

/// The nodes `0..graph.len()` sorted best first by their cosine to `node`'s vector.
fn scored_against(vectors: &NodeVectors, node: u32, ids: impl Iterator<Item = u32>) -> Vec<Scored> {
    let v = vectors.get(node);
    let mut out: Vec<Scored> = ids
        .map(|n| Scored {
            score: (vectors.dot)(v, vectors.get(n)),
            node: n,
        })
        .collect();
    out.sort_unstable_by(|a, b| b.cmp(a));
    out
}

/// The batch that is linked against a graph of `linked` nodes: small while the graph is small, so that each node
/// still sees nearly all that came before it.
fn batch_size(linked: usize) -> usize {
    (linked / 32).clamp(1, 256)
}

/// Links `nodes` (already in the graph, unlinked) into it, in order, with beam width `ef_construction`;
/// `progress` is called with the number linked so far.
pub fn link(
    graph: &mut Graph,
    vectors: &NodeVectors,
    nodes: &[u32],
    ef_construction: usize,
    linked_before: usize,
    progress: &(dyn Fn(usize) + Sync),
) {
    let mut done = 0;
    while done < nodes.len() {
        let size = batch_size(linked_before + done).min(nodes.len() - done);
        let batch = &nodes[done..done + size];
        link_batch(graph, vectors, batch, ef_construction);
        done += size;
        progress(done);
    }
}

/// Each node's chosen neighbours, by level from 0 up.
type Choices = Vec<Vec<u32>>;

fn link_batch(graph: &mut Graph, vectors: &NodeVectors, batch: &[u32], ef_construction: usize) {
    let frozen: &Graph = graph;
    let top = frozen.top_level();
    // 1. Every node of the batch searches the graph as it was, plus the batch's earlier nodes, and chooses its
    //    neighbours.
    let choices: Vec<Choices> = batch
        .par_iter()
        .enumerate()
        .map(|(at, &node)| {
            let level = frozen.levels[node as usize];
            let query = vectors.get(node);
            let mut per_level: Vec<Vec<Scored>> = vec![Vec::new(); level as usize + 1];
            if let Some(entry) = descend(frozen, vectors, query, level) {
                let mut entries = vec![entry];
                for l in (0..=level.min(top)).rev() {
                    let found = search_level(frozen, vectors, query, &entries, ef_construction, l);
                    per_level[l as usize].clone_from(&found);
                    entries = found;
                }
            }
            for &mate in &batch[..at] {
                let mate_level = frozen.levels[mate as usize].min(level);
                let s = Scored {
                    score: (vectors.dot)(query, vectors.get(mate)),
                    node: mate,
                };
                for found in per_level.iter_mut().take(mate_level as usize + 1) {
                    found.push(s);
                }
            }
            per_level
                .iter_mut()
                .map(|found| {
                    found.sort_unstable_by(|a, b| b.cmp(a));
                    found.truncate(ef_construction);
                    select(vectors, found, frozen.m)
                })
                .collect()
        })
        .collect();

    // 2. Their own lists, in batch order.
    let mut reverse: Vec<(u8, u32, u32)> = Vec::new();
    for (&node, per_level) in batch.iter().zip(&choices) {
        for (l, ids) in per_level.iter().enumerate() {
            graph.set_neighbours(node, l as u8, ids);
            reverse.extend(ids.iter().map(|&to| (l as u8, to, node)));
        }
    }
    // 3. The links back, grouped by the node that receives them; a list that overflows is re-chosen.
    reverse.sort_unstable();
    let groups: Vec<&[(u8, u32, u32)]> = reverse.chunk_by(|a, b| a.0 == b.0 && a.1 == b.1).collect();
    let frozen: &Graph = graph;
    let updates: Vec<(u8, u32, Vec<u32>)> = groups
        .par_iter()
        .map(|group| {
            let (level, to) = (group[0].0, group[0].1);
            let mut ids = frozen.neighbours(to, level).to_vec();
            ids.extend(group.iter().map(|g| g.2).filter(|n| *n != to));
            ids.sort_unstable();
            ids.dedup();
            let cap = frozen.capacity(level);
            if ids.len() > cap {
                let ranked = scored_against(vectors, to, ids.into_iter());
                ids = select(vectors, &ranked, cap);
            }
            (level, to, ids)
        })
        .collect();
    for (level, to, ids) in updates {
        graph.set_neighbours(to, level, &ids);
    }
    // 4. A node above the old top becomes the entry point (the first such, in batch order).
    for &node in batch {
        if graph.entry == NONE || graph.levels[node as usize] > graph.top_level() {
            graph.entry = node;
        }
    }
}
