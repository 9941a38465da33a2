//! The vectors of a store's insights read a batch at a time, by row id, for an analysis that must not hold them all
//! (clustering a large store).

use std::collections::HashMap;

use super::assemble::ReadRow;
use super::client::id_of;
use super::{MilvusError, MilvusStore};
use crate::index::RowSource;
use crate::vectors::Embeddings;

/// Ids asked for in one query (a filter of about 20 KB).
const FETCH_IDS: usize = 1024;

/// The insights' vectors of a store, row `i` being the vector of insight `i` of the index
/// [`MilvusStore::load_without_vectors`] gave with it.
pub struct StoreRows {
    store: MilvusStore,
    /// The row id of each insight.
    ids: Vec<i64>,
    dim: usize,
}

impl std::fmt::Debug for StoreRows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreRows")
            .field("store", &self.store.url().to_string())
            .field("rows", &self.ids.len())
            .finish()
    }
}

impl StoreRows {
    /// The vectors of the rows `ids` of `store`, of `dim` values each.
    pub(super) fn new(store: MilvusStore, ids: Vec<i64>, dim: usize) -> StoreRows {
        StoreRows { store, ids, dim }
    }
}

impl RowSource for StoreRows {
    type Error = MilvusError;

    fn len(&self) -> usize {
        self.ids.len()
    }

    fn dim(&self) -> usize {
        self.dim
    }

    /// Asks the server for the rows' vectors, [`FETCH_IDS`] ids a query; a row no longer there (the store updated
    /// meanwhile) is an error.
    fn rows(&self, positions: &[usize]) -> Result<Embeddings, MilvusError> {
        let mut out = Embeddings::empty(self.dim.max(1));
        for chunk in positions.chunks(FETCH_IDS) {
            let ids: Vec<i64> = chunk.iter().map(|&p| self.ids[p]).collect();
            let list: Vec<String> = ids.iter().map(i64::to_string).collect();
            let found =
                self.store
                    .client
                    .query(&format!("id in [{}]", list.join(",")), &["id", "vector"], ids.len())?;
            let mut vectors = HashMap::with_capacity(found.len());
            for row in found {
                let mut row = ReadRow::of(row).map_err(|m| self.store.damaged(m))?;
                let id = row.fields.get("id").and_then(id_of);
                // Moved out, not copied: this runs for every vector of every pass.
                let (Some(id), Some(vector)) = (id, row.vector.take_if(|v| v.len() == self.dim)) else {
                    return Err(self.store.damaged(format!("a malformed row: {:?}", row.fields)));
                };
                vectors.insert(id, vector);
            }
            for id in &ids {
                let vector = vectors.get(id).ok_or_else(|| {
                    self.store.damaged(format!(
                        "row {id} is gone: the store was updated while being read (run the command again)"
                    ))
                })?;
                out.push(vector);
            }
        }
        Ok(out)
    }
}
