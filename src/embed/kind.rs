//! What made a set of vectors. Vectors are comparable, and reusable in another index, only between the same kind:
//! the same weights (by sha256), dimension and precision. The model's name is kept for messages.

use std::fmt;

use super::Precision;

/// The model (by name and weights' sha256), dimension and precision that made some vectors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VectorKind {
    /// The model's name (repo id or folder).
    pub model_id: String,
    /// The sha256 of the model's weights, in hex.
    pub weights_sha256: String,
    /// The dimension of the vectors.
    pub dim: usize,
    /// The precision the model ran at.
    pub precision: Precision,
}

impl VectorKind {
    /// True when vectors of `other`'s kind may stand in for vectors of this kind: the same weights, dimension and
    /// precision (the model's name may differ: a folder and a repo id can hold the same weights).
    pub fn same_vectors(&self, other: &VectorKind) -> bool {
        self.weights_sha256 == other.weights_sha256 && self.dim == other.dim && self.precision == other.precision
    }

    /// The first 16 hex digits of the weights' sha256: enough to tell models apart in a file name.
    pub fn short_digest(&self) -> &str {
        self.weights_sha256.get(..16).unwrap_or(&self.weights_sha256)
    }
}

impl fmt::Display for VectorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (dim {}, {})", self.model_id, self.dim, self.precision)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(weights: &str, dim: usize, precision: Precision) -> VectorKind {
        VectorKind {
            model_id: "m".into(),
            weights_sha256: weights.into(),
            dim,
            precision,
        }
    }

    #[test]
    fn only_the_same_weights_dimension_and_precision_make_the_same_vectors() {
        let a = kind("ab", 4, Precision::F32);
        let renamed = VectorKind {
            model_id: "a folder".into(),
            ..a.clone()
        };
        assert!(a.same_vectors(&renamed));
        assert!(!a.same_vectors(&kind("cd", 4, Precision::F32)));
        assert!(!a.same_vectors(&kind("ab", 8, Precision::F32)));
        assert!(!a.same_vectors(&kind("ab", 4, Precision::Int8)));
        assert_eq!(
            kind("0123456789abcdef01", 4, Precision::F32).short_digest(),
            "0123456789abcdef"
        );
        assert_eq!(a.to_string(), "m (dim 4, f32)");
    }
}
