//! An index kept in a Milvus store (feature `milvus`) instead of a file: updated from documents as a saved index
//! is (vectors of texts the store holds reused, only new texts embedded, only changed documents written), and
//! opened for analysis.

use std::sync::atomic::AtomicBool;

use crate::document::Document;
use crate::embed::Embedder;
use crate::index::milvus::{MilvusStore, StoreRows, WriteStats};
use crate::index::{BuildStats, Index, VectorSource};
use crate::insight::dates::DateFrom;
use crate::insight::SplitOptions;
use crate::Insight;

use super::build::Build;
use super::error::CorpusError;
use super::events::{Events, Work};

/// A store after an update.
#[derive(Debug)]
pub struct StoreUpdated {
    /// The index the store now holds.
    pub index: Index,
    /// What was embedded and reused.
    pub stats: BuildStats,
    /// What was written to and deleted from the store.
    pub written: WriteStats,
}

/// How a store is updated.
#[derive(Debug, Clone, Copy)]
pub struct StoreUpdate<'a> {
    /// The documents' split settings.
    pub split: &'a SplitOptions,
    /// Where documents' dates come from.
    pub date_from: DateFrom,
    /// More vectors to reuse beside the store's (those of shards embedded elsewhere).
    pub reuse: &'a [VectorSource<'a>],
    /// Embedding stops between steps once this is set (nothing is written to the store then).
    pub stop: &'a AtomicBool,
}

/// Makes `store` hold the index of `insights` (split from `documents`), embedded by `embedder`: the collection is
/// made when missing and refused when its vectors are of another model; vectors of texts it holds are reused;
/// documents removed or changed since, or left incomplete by an interrupted update, are deleted and written again.
pub fn update_store(
    store: &MilvusStore,
    insights: Vec<Insight>,
    documents: &[Document],
    embedder: &Embedder,
    how: &StoreUpdate,
    events: &mut dyn Events,
) -> Result<StoreUpdated, CorpusError> {
    let stored = store.begin_update(embedder.kind())?;
    let (mut index, stats) = {
        let sources: Vec<VectorSource> = stored
            .index
            .as_sources()
            .into_iter()
            .chain(how.reuse.iter().copied())
            .collect();
        let build = Build {
            embedder,
            split: how.split,
            sources: &sources,
            journal: None,
            stop: how.stop,
        };
        build.run(insights, events)?
    };
    index.record_provenance(documents, how.date_from);
    let written = store.finish_update(&index, stored, &mut |done, total| {
        events.progress(Work::Storing, done, total)
    })?;
    Ok(StoreUpdated { index, stats, written })
}

/// The index `store` holds, for analysis.
pub fn open_store(store: &MilvusStore) -> Result<Index, CorpusError> {
    Ok(store.load()?)
}

/// The index `store` holds, for analysis, without its vectors, and the rows that give them a batch at a time (for
/// an analysis whose memory must not grow with the store: clustering).
pub fn open_store_rows(store: MilvusStore) -> Result<(Index, StoreRows), CorpusError> {
    Ok(store.load_without_vectors()?)
}
