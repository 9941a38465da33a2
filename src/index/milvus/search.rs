//! Searches of an index held in a Milvus store, answered by the server's HNSW index ([`RemoteSearch`]).

use std::collections::HashMap;
use std::sync::Mutex;

use super::client::QUERY_WINDOW;
use super::rows::doc_key;
use super::MilvusStore;
use crate::index::{Index, RemoteSearch};

/// The store's search, its hits mapped to the rows of the index loaded from it.
pub struct StoreSearch {
    store: MilvusStore,
    /// The row of each (document key, place among the document's insights).
    rows: HashMap<(String, usize), usize>,
    /// The first failure, when a search failed and was answered by a full scan instead.
    failure: Mutex<Option<String>>,
}

impl std::fmt::Debug for StoreSearch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreSearch")
            .field("store", &self.store.url().to_string())
            .finish()
    }
}

impl StoreSearch {
    /// Searches of `store`, whose content `index` is (as [`MilvusStore::load`] gave it).
    pub fn new(store: MilvusStore, index: &Index) -> StoreSearch {
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let mut rows = HashMap::with_capacity(index.len());
        for (row, insight) in index.insights.iter().enumerate() {
            let seq = seen.entry(insight.doc.as_str()).or_insert(0);
            rows.insert((doc_key(&insight.doc), *seq), row);
            *seq += 1;
        }
        StoreSearch {
            store,
            rows,
            failure: Mutex::new(None),
        }
    }
}

impl RemoteSearch for StoreSearch {
    fn nearest_rows(&self, query: &[f32], limit: usize) -> Result<Vec<usize>, String> {
        let found = self.store.search(query, limit).map_err(|e| e.to_string())?;
        found
            .into_iter()
            .map(|key| {
                self.rows.get(&key).copied().ok_or_else(|| {
                    format!("the server found an insight that the store did not hold when read ({key:?})")
                })
            })
            .collect()
    }

    fn max_limit(&self) -> usize {
        QUERY_WINDOW
    }

    fn failed(&self, message: String) {
        if let Ok(mut first) = self.failure.lock() {
            first.get_or_insert(message);
        }
    }

    fn failure(&self) -> Option<String> {
        self.failure.lock().map(|f| f.clone()).unwrap_or(None)
    }
}
