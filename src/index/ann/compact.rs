//! A compact copy of the nodes' vectors for walking the graph: one signed byte per value and one scale per node
//! (symmetric, per vector: `value ≈ scale · code`, `scale = max |value| / 127`). A quarter of the f32 size, so a
//! search reads a quarter of the bytes; its scores are estimates, which is why searches re-score what they return
//! with the exact vectors.

use super::graph::MappedOrOwned;
use super::search::{prefetch, NodeVectors, Scorer};
use crate::linalg::{int8_codes, int8_scale};

/// How the graph's walks read the nodes' vectors. Each value's first paragraph is its `--ann-vectors` help.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Storage {
    /// Walk the index's own f32 vectors in place (no copy).
    #[default]
    F32,
    /// Keep a one-byte-per-value copy in FILE.ann and walk it; results are re-scored with the f32 vectors.
    ///
    /// The copy is an [`Int8Vectors`].
    Int8,
}

impl Storage {
    /// Its name on the command line and in JSON: `f32` or `int8`.
    pub fn name(self) -> &'static str {
        match self {
            Storage::F32 => "f32",
            Storage::Int8 => "int8",
        }
    }
}

/// The nodes' vectors as int8 codes with a scale per node.
#[derive(Debug, Clone)]
pub struct Int8Vectors {
    /// The dimension.
    pub dim: usize,
    /// `nodes × dim` codes, row-major.
    pub codes: MappedOrOwned<i8>,
    /// One scale per node.
    pub scales: MappedOrOwned<f32>,
}

impl Int8Vectors {
    /// Quantises the vectors of nodes `0..nodes`.
    pub fn quantize(vectors: &NodeVectors, nodes: usize) -> Self {
        let dim = vectors.dim;
        let mut codes = Vec::with_capacity(nodes * dim);
        let mut scales = Vec::with_capacity(nodes);
        for node in 0..nodes as u32 {
            let v = vectors.get(node);
            let scale = int8_scale(v);
            codes.extend(int8_codes(v, scale));
            scales.push(scale);
        }
        Int8Vectors {
            dim,
            codes: MappedOrOwned::Owned(codes),
            scales: MappedOrOwned::Owned(scales),
        }
    }

    /// The number of nodes.
    pub fn len(&self) -> usize {
        self.scales.len()
    }

    /// True when there is no node.
    pub fn is_empty(&self) -> bool {
        self.scales.is_empty()
    }

    fn codes_of(&self, node: u32) -> &[i8] {
        let at = node as usize * self.dim;
        &self.codes[at..at + self.dim]
    }
}

/// `Σ query[d] · codes[d]` with 16 independent lanes, widened to f32.
#[inline(always)]
fn dot_codes(query: &[f32], codes: &[i8]) -> f32 {
    let mut acc = [0.0f32; 16];
    let (cq, cc) = (query.chunks_exact(16), codes.chunks_exact(16));
    let tail: f32 = cq
        .remainder()
        .iter()
        .zip(cc.remainder())
        .map(|(&q, &c)| q * c as f32)
        .sum();
    for (q, c) in cq.zip(cc) {
        for l in 0..16 {
            acc[l] += q[l] * c[l] as f32;
        }
    }
    acc.iter().sum::<f32>() + tail
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw")]
fn dot_codes_avx512(query: &[f32], codes: &[i8]) -> f32 {
    dot_codes(query, codes)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn dot_codes_avx2(query: &[f32], codes: &[i8]) -> f32 {
    dot_codes(query, codes)
}

/// The fastest [`dot_codes`] this processor has.
fn fast_dot_codes() -> fn(&[f32], &[i8]) -> f32 {
    #[cfg(target_arch = "x86_64")]
    {
        if crate::cpu::features().avx512f && crate::cpu::features().avx512bw {
            // SAFETY: the processor supports AVX-512F and BW, checked just above; the function only reads slices.
            return |q, c| unsafe { dot_codes_avx512(q, c) };
        }
        if crate::cpu::features().avx2 && crate::cpu::features().fma {
            // SAFETY: as above, for AVX2 and FMA.
            return |q, c| unsafe { dot_codes_avx2(q, c) };
        }
    }
    dot_codes
}

/// [`Int8Vectors`] ready to score queries with the fastest kernel.
pub struct Int8Scorer<'a> {
    vectors: &'a Int8Vectors,
    dot: fn(&[f32], &[i8]) -> f32,
}

impl<'a> Int8Scorer<'a> {
    /// Scores against `vectors`.
    pub fn new(vectors: &'a Int8Vectors) -> Self {
        Int8Scorer {
            vectors,
            dot: fast_dot_codes(),
        }
    }
}

impl Scorer for Int8Scorer<'_> {
    #[inline]
    fn score(&self, query: &[f32], node: u32) -> f32 {
        self.vectors.scales[node as usize] * (self.dot)(query, self.vectors.codes_of(node))
    }

    #[inline]
    fn prefetch(&self, node: u32) {
        prefetch(self.vectors.codes_of(node));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linalg::{dot, fast_dot};
    use crate::vectors::Embeddings;

    #[test]
    fn int8_scores_are_close_to_the_cosines() {
        let spec = crate::index::synthetic::SyntheticSpec::new(300, 5);
        let (data, _) = crate::index::synthetic::generate(&spec);
        let nodes = NodeVectors {
            flat: data.as_flat(),
            dim: data.dim(),
            rows: None,
            dot: fast_dot(),
        };
        let q = Int8Vectors::quantize(&nodes, data.len());
        assert_eq!((q.len(), q.codes.len()), (300, 300 * data.dim()));
        let scorer = Int8Scorer::new(&q);
        let mut worst = 0.0f32;
        for a in 0..20u32 {
            for b in 0..data.len() as u32 {
                let exact = dot(data.row(a as usize), data.row(b as usize));
                worst = worst.max((scorer.score(data.row(a as usize), b) - exact).abs());
                assert_eq!(
                    scorer.score(data.row(a as usize), b),
                    q.scales[b as usize] * dot_codes(data.row(a as usize), q.codes_of(b))
                );
            }
        }
        // One code step is 1/127 of the largest value; the errors of 384 products mostly cancel.
        assert!(worst < 0.01, "largest error {worst}");
        assert!(worst > 0.0, "int8 cannot be exact");
        let zero = Embeddings::from_flat(4, vec![0.0; 4]);
        let z = Int8Vectors::quantize(
            &NodeVectors {
                flat: zero.as_flat(),
                dim: 4,
                rows: None,
                dot: fast_dot(),
            },
            1,
        );
        assert_eq!((&z.codes[..], z.scales[0]), (&[0i8; 4][..], 1.0));
    }
}
