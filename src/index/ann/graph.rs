//! The HNSW graph's storage: each node's level, its level-0 neighbour list (up to `m0` ids) and its upper-level
//! lists (up to `m` ids each), in flat arrays of fixed-size slots that can be written out and mapped back as they
//! are.

pub use crate::mapped::MappedOrOwned;

/// No node: the entry point of an empty graph.
pub const NONE: u32 = u32::MAX;

/// The highest level a node can have (a million nodes at `m` = 16 reach about 5).
pub const MAX_LEVEL: u8 = 15;

/// An HNSW graph over nodes `0..n` (no vectors: node `i` is row `i` of the vectors it was built on).
#[derive(Debug, Clone)]
pub struct Graph {
    /// Slots per node in upper levels.
    pub m: usize,
    /// Slots per node at level 0.
    pub m0: usize,
    /// Each node's level (0 for most).
    pub levels: MappedOrOwned<u8>,
    /// `n × (m0 + 1)` words: for each node, the count of its level-0 neighbours, then the slots.
    pub layer0: MappedOrOwned<u32>,
    /// For each node, where its level-1 list starts in `upper` ([`NONE`] at level 0); level `l` follows at
    /// `(l - 1) × (m + 1)` words further.
    pub upper_start: MappedOrOwned<u32>,
    /// Upper-level lists, `m + 1` words each (count, then slots).
    pub upper: MappedOrOwned<u32>,
    /// Where every search starts: a node of the highest level, or [`NONE`] when no node is linked yet.
    pub entry: u32,
}

impl Graph {
    /// An unlinked graph of nodes with the given levels, `m` neighbours per upper level and `2m` at level 0.
    pub fn new(levels: Vec<u8>, m: usize) -> Self {
        let mut graph = Graph {
            m,
            m0: 2 * m,
            levels: MappedOrOwned::Owned(Vec::new()),
            layer0: MappedOrOwned::Owned(Vec::new()),
            upper_start: MappedOrOwned::Owned(Vec::new()),
            upper: MappedOrOwned::Owned(Vec::new()),
            entry: NONE,
        };
        graph.extend(&levels);
        graph
    }

    /// Adds unlinked nodes with the given levels after the existing ones.
    pub fn extend(&mut self, levels: &[u8]) {
        let stride = self.m + 1;
        let (starts, upper) = (self.upper_start.to_mut(), self.upper.to_mut());
        for &level in levels {
            if level == 0 {
                starts.push(NONE);
            } else {
                starts.push(upper.len() as u32);
                upper.resize(upper.len() + level as usize * stride, 0);
            }
        }
        let words = (self.len() + levels.len()) * (self.m0 + 1);
        self.layer0.to_mut().resize(words, 0);
        self.levels.to_mut().extend_from_slice(levels);
    }

    /// The number of nodes.
    pub fn len(&self) -> usize {
        self.levels.len()
    }

    /// True when the graph has no node.
    pub fn is_empty(&self) -> bool {
        self.levels.is_empty()
    }

    /// The level of the entry point (0 for an empty graph).
    pub fn top_level(&self) -> u8 {
        if self.entry == NONE {
            0
        } else {
            self.levels[self.entry as usize]
        }
    }

    /// The most neighbours a node keeps at `level`.
    pub fn capacity(&self, level: u8) -> usize {
        if level == 0 {
            self.m0
        } else {
            self.m
        }
    }

    fn slot(&self, node: u32, level: u8) -> (usize, usize) {
        if level == 0 {
            (node as usize * (self.m0 + 1), self.m0)
        } else {
            let start = self.upper_start[node as usize] as usize + (level as usize - 1) * (self.m + 1);
            (start, self.m)
        }
    }

    /// The neighbours of `node` at `level` (which must be at most the node's level).
    #[inline]
    pub fn neighbours(&self, node: u32, level: u8) -> &[u32] {
        let (start, _) = self.slot(node, level);
        let words: &[u32] = if level == 0 { &self.layer0 } else { &self.upper };
        let count = words[start] as usize;
        &words[start + 1..start + 1 + count]
    }

    /// Replaces the neighbours of `node` at `level` (at most [`Graph::capacity`] of them).
    pub fn set_neighbours(&mut self, node: u32, level: u8, ids: &[u32]) {
        let (start, cap) = self.slot(node, level);
        debug_assert!(ids.len() <= cap);
        let words = if level == 0 {
            self.layer0.to_mut()
        } else {
            self.upper.to_mut()
        };
        words[start] = ids.len() as u32;
        words[start + 1..start + 1 + ids.len()].copy_from_slice(ids);
    }
}
