//! `Embeddings`: the one representation of vectors that flows from the embedder to the index and analysis.
//!
//! Vectors are stored row-major in one contiguous `f32` buffer. Every row is L2-normalised when it is made (at the
//! embedder's edge), so everywhere after, the dot product of two rows is their cosine similarity: `score` in this
//! crate always means that cosine, and higher is closer.

use crate::linalg::normalize_in_place;
use crate::mapped::MappedOrOwned;

/// A matrix of unit-length embeddings, one row per text, in one contiguous buffer (in memory, or mapped from an
/// index file; changing a mapped matrix copies it first).
#[derive(Debug, Clone)]
pub struct Embeddings {
    dim: usize,
    data: MappedOrOwned<f32>,
}

impl PartialEq for Embeddings {
    fn eq(&self, other: &Self) -> bool {
        self.dim == other.dim && self.as_flat() == other.as_flat()
    }
}

impl Embeddings {
    /// An empty matrix whose rows will have `dim` components (`dim` must be positive).
    pub fn empty(dim: usize) -> Self {
        assert!(dim > 0, "embedding dimension must be positive");
        Self {
            dim,
            data: MappedOrOwned::Owned(Vec::new()),
        }
    }

    /// Wraps a row-major buffer of `data.len() / dim` rows.
    ///
    /// Panics if `dim` is zero or does not divide `data.len()`: that is a bug in the caller, never bad user input.
    /// Rows are taken as they are; use [`Embeddings::normalize`] where they may not be unit length yet.
    pub fn from_flat(dim: usize, data: Vec<f32>) -> Self {
        assert!(dim > 0, "embedding dimension must be positive");
        assert_eq!(data.len() % dim, 0, "buffer length is not a multiple of dim");
        Self {
            dim,
            data: MappedOrOwned::Owned(data),
        }
    }

    /// Wraps values already checked (mapped from a file, say): `data.len()` must be a multiple of `dim`.
    pub fn from_values(dim: usize, data: MappedOrOwned<f32>) -> Self {
        assert!(dim > 0, "embedding dimension must be positive");
        assert_eq!(data.len() % dim, 0, "buffer length is not a multiple of dim");
        Self { dim, data }
    }

    /// The number of components of each vector.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The number of vectors.
    pub fn len(&self) -> usize {
        self.data.len().checked_div(self.dim).unwrap_or(0)
    }

    /// True when there are no vectors.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Row `i` as a slice of `dim` floats.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.data[i * self.dim..(i + 1) * self.dim]
    }

    /// All rows in order.
    pub fn rows(&self) -> impl ExactSizeIterator<Item = &[f32]> + '_ {
        self.data.chunks_exact(self.dim.max(1))
    }

    /// The whole row-major buffer.
    pub fn as_flat(&self) -> &[f32] {
        &self.data
    }

    /// Consumes the matrix, giving back its row-major buffer.
    pub fn into_flat(self) -> Vec<f32> {
        match self.data {
            MappedOrOwned::Owned(v) => v,
            mapped => mapped.to_vec(),
        }
    }

    /// Appends one row (it must have `dim` components).
    pub fn push(&mut self, row: &[f32]) {
        assert_eq!(row.len(), self.dim, "row has the wrong dimension");
        self.data.to_mut().extend_from_slice(row);
    }

    /// A new matrix holding the rows at `indices`, in that order.
    pub fn select(&self, indices: &[usize]) -> Embeddings {
        let mut out = Embeddings::empty(self.dim);
        let data = out.data.to_mut();
        data.reserve(indices.len() * self.dim);
        for &i in indices {
            data.extend_from_slice(self.row(i));
        }
        out
    }

    /// Scales every row to unit L2 norm (rows of zeros stay zero).
    pub fn normalize(&mut self) {
        let dim = self.dim;
        for row in self.data.to_mut().chunks_exact_mut(dim) {
            normalize_in_place(row);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linalg::dot;

    #[test]
    fn rows_and_normalisation() {
        let mut e = Embeddings::from_flat(2, vec![3.0, 4.0, 0.0, 0.0, 1.0, 0.0]);
        e.normalize();
        assert_eq!(e.len(), 3);
        assert!((e.row(0)[0] - 0.6).abs() < 1e-6 && (e.row(0)[1] - 0.8).abs() < 1e-6);
        assert_eq!(e.row(1), &[0.0, 0.0]);
        assert!((dot(e.row(0), e.row(2)) - 0.6).abs() < 1e-6);
        assert_eq!(e.select(&[2, 0]).row(0), &[1.0, 0.0]);
    }
}
