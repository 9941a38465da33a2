//! Changing a built graph to follow a changed set of nodes: nodes that are gone are cut out and their neighbours
//! re-linked among what remains, nodes that stay are renumbered to their new places, and new nodes are linked in.

use std::collections::HashMap;

use super::build::{level_of, select};
use super::graph::{Graph, NONE};
use super::search::{NodeVectors, Scored};

/// Above this share of removed nodes, the graph is rebuilt rather than repaired.
pub const REBUILD_REMOVED_SHARE: f64 = 0.25;

/// The graph over `new_keys` made from `old` (over `old_keys`): nodes whose key is kept keep their links (renumbered,
/// and re-chosen where a neighbour was removed); the nodes to link next (new keys) are returned in order.
/// `None` when so much was removed that a rebuild is better.
pub fn carry_over(
    old: &Graph,
    old_keys: &[u64],
    new_keys: &[u64],
    vectors: &NodeVectors,
    seed: u64,
) -> Option<(Graph, Vec<u32>)> {
    let position: HashMap<u64, u32> = old_keys.iter().enumerate().map(|(i, &k)| (k, i as u32)).collect();
    let mut new_of_old = vec![NONE; old.len()];
    let mut levels = Vec::with_capacity(new_keys.len());
    let mut fresh = Vec::new();
    for (id, key) in new_keys.iter().enumerate() {
        match position.get(key) {
            Some(&o) if new_of_old[o as usize] == NONE => {
                new_of_old[o as usize] = id as u32;
                levels.push(old.levels[o as usize]);
            }
            _ => {
                levels.push(level_of(*key, seed, old.m));
                fresh.push(id as u32);
            }
        }
    }
    let kept = new_keys.len() - fresh.len();
    let removed = old.len() - kept;
    if kept == 0 || removed as f64 > REBUILD_REMOVED_SHARE * old.len() as f64 {
        return None;
    }
    let mut graph = Graph::new(levels, old.m);
    for (o, &n) in new_of_old.iter().enumerate() {
        if n == NONE {
            continue;
        }
        for level in 0..=old.levels[o] {
            let list = old.neighbours(o as u32, level);
            let mut ids: Vec<u32> = list
                .iter()
                .map(|&x| new_of_old[x as usize])
                .filter(|&x| x != NONE)
                .collect();
            if ids.len() < list.len() {
                // A neighbour is gone: its own neighbours are the candidates to take its place.
                for &gone in list.iter().filter(|&&x| new_of_old[x as usize] == NONE) {
                    ids.extend(
                        old.neighbours(gone, level)
                            .iter()
                            .map(|&x| new_of_old[x as usize])
                            .filter(|&x| x != NONE && x != n),
                    );
                }
                ids.sort_unstable();
                ids.dedup();
                let cap = graph.capacity(level);
                if ids.len() > cap {
                    let v = vectors.get(n);
                    let mut ranked: Vec<Scored> = ids
                        .iter()
                        .map(|&x| Scored {
                            score: (vectors.dot)(v, vectors.get(x)),
                            node: x,
                        })
                        .collect();
                    ranked.sort_unstable_by(|a, b| b.cmp(a));
                    ids = select(vectors, &ranked, cap);
                }
            }
            graph.set_neighbours(n, level, &ids);
        }
    }
    graph.entry = match new_of_old.get(old.entry as usize) {
        Some(&n) if n != NONE => n,
        _ => {
            // The entry point is gone: the highest kept node (lowest id among equals) takes its place.
            let mut best = NONE;
            for &n in new_of_old.iter().filter(|&&n| n != NONE) {
                if best == NONE
                    || (graph.levels[n as usize], std::cmp::Reverse(n))
                        > (graph.levels[best as usize], std::cmp::Reverse(best))
                {
                    best = n;
                }
            }
            best
        }
    };
    Some((graph, fresh))
}
