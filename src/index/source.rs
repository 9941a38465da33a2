//! Where an analysis reads vectors from when it must not hold them all: a [`RowSource`] hands out the rows it is
//! asked for, a batch at a time, from memory or from a store on a server.

use std::convert::Infallible;

use crate::vectors::Embeddings;

/// Numbered rows of vectors (`0..len()`), read a batch at a time: an index's vectors in memory, or a store's, which
/// fetches each batch from its server.
pub trait RowSource {
    /// Why a batch could not be read (never, for vectors in memory).
    type Error;

    /// The number of rows.
    fn len(&self) -> usize;

    /// True when there are no rows.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of values in each row.
    fn dim(&self) -> usize;

    /// The rows at `positions` (each below [`RowSource::len`]), in that order.
    fn rows(&self, positions: &[usize]) -> Result<Embeddings, Self::Error>;
}

impl RowSource for Embeddings {
    type Error = Infallible;

    fn len(&self) -> usize {
        Embeddings::len(self)
    }

    fn dim(&self) -> usize {
        Embeddings::dim(self)
    }

    fn rows(&self, positions: &[usize]) -> Result<Embeddings, Infallible> {
        Ok(self.select(positions))
    }
}

/// Some rows of another source, renumbered `0..positions.len()`: row `i` is row `positions[i]` of the other.
#[derive(Debug, Clone, Copy)]
pub struct Subset<'a, S: ?Sized> {
    /// The source the rows come from.
    pub source: &'a S,
    /// Which of its rows, in the subset's order.
    pub positions: &'a [usize],
}

impl<S: RowSource + ?Sized> RowSource for Subset<'_, S> {
    type Error = S::Error;

    fn len(&self) -> usize {
        self.positions.len()
    }

    fn dim(&self) -> usize {
        self.source.dim()
    }

    fn rows(&self, positions: &[usize]) -> Result<Embeddings, S::Error> {
        let mapped: Vec<usize> = positions.iter().map(|&p| self.positions[p]).collect();
        self.source.rows(&mapped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subset_renumbers_the_rows_it_takes() {
        let all = Embeddings::from_flat(2, vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]);
        let positions = [3, 1];
        let subset = Subset {
            source: &all,
            positions: &positions,
        };
        assert_eq!(RowSource::len(&subset), 2);
        let rows = subset.rows(&[1, 0, 1]).unwrap();
        assert_eq!(rows.as_flat(), &[2.0, 3.0, 6.0, 7.0, 2.0, 3.0]);
    }
}
