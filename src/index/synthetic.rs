//! Synthetic clustered unit vectors, seeded: stand-ins for sentence embeddings when testing and measuring the index
//! at sizes (a million and more) that would take hours to embed.
//!
//! The shape imitates what sentence embeddings look like: points gather around topic centres, and inside a topic
//! they spread along a few directions of their own (a low intrinsic dimension, as real text embeddings have) plus a
//! little noise in every direction. Point `i` is
//! `normalise(centre[c] + basis[c] · z + noise)`, with `c` drawn uniformly from the topics, `z` a standard normal
//! vector of [`SyntheticSpec::local_dim`] components, `basis[c]`'s columns random with total variance
//! `spread²`, and `noise` isotropic with total variance `noise²`. Two points of one topic then have a cosine of about
//! `1 / (1 + spread² + noise²)` (0.55 with the defaults), points of different topics about 0.
//!
//! Every point is made from its own random stream (derived from the seed and its row), so the output does not
//! depend on the number of threads, and the first `n` points of a larger set are the points of a smaller one.

use rayon::prelude::*;

use super::{Index, IndexMeta, TextHash};
use crate::embed::{Precision, VectorKind};
use crate::insight::{Insight, SplitOptions};
use crate::linalg::normalize_in_place;
use crate::rng::Rng;
use crate::vectors::Embeddings;

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticSpec {
    /// The number of vectors.
    pub n: usize,
    /// Their dimension (384 for all-MiniLM-L6-v2).
    pub dim: usize,
    /// The number of topics (clusters).
    pub topics: usize,
    /// The number of directions a topic spreads along.
    pub local_dim: usize,
    /// The spread of a topic along its own directions (standard deviation of the whole offset).
    pub spread: f32,
    /// The isotropic noise (standard deviation of the whole noise vector).
    pub noise: f32,
    /// The seed: same spec, same vectors.
    pub seed: u64,
}

impl SyntheticSpec {
    /// `n` vectors of dimension 384 with the default shape: one topic per 1,000 points (at least 8, at most
    /// 5,000), 16 local directions, spread 0.8, noise 0.3.
    pub fn new(n: usize, seed: u64) -> Self {
        Self {
            n,
            dim: 384,
            topics: (n / 1000).clamp(8, 5000),
            local_dim: 16,
            spread: 0.8,
            noise: 0.3,
            seed,
        }
    }
}

/// Mixes a seed and a stream number into an independent seed.
fn stream(seed: u64, stream: u64) -> u64 {
    Rng::new(seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03)).next_u64()
}

/// The topics of a spec: their centres (unit vectors) and local bases (`local_dim` rows of `dim` each).
struct Topics {
    centres: Vec<f32>,
    bases: Vec<f32>,
}

fn topics(spec: &SyntheticSpec) -> Topics {
    let mut rng = Rng::new(stream(spec.seed, u64::MAX));
    let (dim, t) = (spec.dim, spec.topics.max(1));
    let mut centres = Vec::with_capacity(t * dim);
    let mut bases = Vec::with_capacity(t * spec.local_dim * dim);
    let scale = spec.spread / ((dim * spec.local_dim.max(1)) as f32).sqrt();
    for _ in 0..t {
        let mut c: Vec<f32> = (0..dim).map(|_| rng.normal()).collect();
        normalize_in_place(&mut c);
        centres.extend_from_slice(&c);
        bases.extend((0..spec.local_dim * dim).map(|_| rng.normal() * scale));
    }
    Topics { centres, bases }
}

/// Point `row` of stream `which` (0: the data, 1: queries), written into `out`; returns its topic.
fn point(spec: &SyntheticSpec, topics: &Topics, which: u64, row: usize, out: &mut [f32]) -> usize {
    let (dim, local) = (spec.dim, spec.local_dim);
    let mut rng = Rng::new(stream(spec.seed, (row as u64) << 1 | which));
    let topic = rng.below(spec.topics.max(1));
    let noise = spec.noise / (dim as f32).sqrt();
    out.copy_from_slice(&topics.centres[topic * dim..(topic + 1) * dim]);
    for j in 0..local {
        let z = rng.normal();
        let b = &topics.bases[(topic * local + j) * dim..(topic * local + j + 1) * dim];
        for (o, x) in out.iter_mut().zip(b) {
            *o += z * x;
        }
    }
    for o in out.iter_mut() {
        *o += rng.normal() * noise;
    }
    normalize_in_place(out);
    topic
}

fn generate_stream(spec: &SyntheticSpec, which: u64, count: usize) -> (Embeddings, Vec<usize>) {
    let topics = topics(spec);
    let mut data = vec![0.0f32; count * spec.dim];
    let labels: Vec<usize> = data
        .par_chunks_mut(spec.dim)
        .enumerate()
        .map(|(row, out)| point(spec, &topics, which, row, out))
        .collect();
    (Embeddings::from_flat(spec.dim, data), labels)
}

/// The `spec.n` vectors and each one's topic.
pub fn generate(spec: &SyntheticSpec) -> (Embeddings, Vec<usize>) {
    generate_stream(spec, 0, spec.n)
}

/// `count` query vectors from the same topics as [`generate`]'s vectors, but none of them (another random stream).
pub fn queries(spec: &SyntheticSpec, count: usize) -> Embeddings {
    generate_stream(spec, 1, count).0
}

/// An index of `insights` with `vectors` (row `i` for insight `i`), made by a model called `synthetic` at f32: for
/// the tests and benchmarks of what comes after embedding. Each insight's text hash is its text's.
pub fn index_of(insights: Vec<Insight>, vectors: Embeddings) -> Index {
    assert_eq!(insights.len(), vectors.len(), "one vector per insight");
    Index {
        meta: IndexMeta {
            kind: VectorKind {
                model_id: "synthetic".into(),
                weights_sha256: "0".repeat(64),
                dim: vectors.dim(),
                precision: Precision::F32,
            },
            split: SplitOptions::default(),
        },
        hashes: insights.iter().map(|i| TextHash::of(&i.text)).collect(),
        insights,
        vectors,
        sentences: None,
        dates: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linalg::dot;

    #[test]
    fn seeded_unit_vectors_with_topic_structure() {
        let spec = SyntheticSpec {
            dim: 64,
            ..SyntheticSpec::new(2000, 7)
        };
        let (a, labels) = generate(&spec);
        let (b, _) = generate(&spec);
        assert_eq!(a, b, "same seed, same vectors");
        assert_eq!(a.len(), 2000);
        for r in a.rows() {
            assert!((dot(r, r) - 1.0).abs() < 1e-4);
        }
        let (smaller, _) = generate(&SyntheticSpec { n: 10, ..spec.clone() });
        assert_eq!(smaller.row(9), a.row(9), "a prefix of a larger set");
        let (mut same, mut other) = ((0.0, 0), (0.0, 0));
        for i in 0..200 {
            for j in i + 1..200 {
                let s = dot(a.row(i), a.row(j));
                if labels[i] == labels[j] {
                    same = (same.0 + s, same.1 + 1);
                } else {
                    other = (other.0 + s, other.1 + 1);
                }
            }
        }
        let (same, other) = (same.0 / same.1 as f32, other.0 / other.1 as f32);
        assert!((0.45..0.65).contains(&same), "same-topic cosine {same}");
        assert!(other.abs() < 0.1, "cross-topic cosine {other}");
        let q = queries(&spec, 5);
        assert_ne!(q.row(0), a.row(0), "queries are a different stream");
        let (c, _) = generate(&SyntheticSpec { seed: 8, ..spec });
        assert_ne!(c.row(0), a.row(0));
    }
}
