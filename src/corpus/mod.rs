//! A corpus made ready for analysis: documents read, split and embedded on the fly (reusing a vector cache), or a
//! saved index opened, updated and kept beside its approximate index and journal. This is where the stages before
//! analysis are wired together and where every decision to reuse, rebuild, refresh or trust a file is made; the
//! caller supplies settings, a place for the cache, a stop flag and an [`Events`] sink, and shows what it is told.

pub mod approximate;
pub mod build;
pub mod cache;
mod error;
mod events;
#[cfg(feature = "milvus")]
pub mod remote;
pub mod saved;
pub mod shard;

use std::path::PathBuf;

use crate::document::{read_inputs, Document};
use crate::embed::Embedder;
use crate::index::{BuildStats, Index, Nearest};
use crate::insight::dates::DateFrom;
use crate::insight::{split_documents, SplitOptions};
use crate::Insight;

pub use approximate::{AnnPolicy, Approximate, Searches};
pub use build::Build;
pub use cache::VectorCache;
pub use error::{CorpusError, Interrupted};
pub use events::{Collected, Events, Notice, Silent, Work};

/// An index ready for analysis, with the approximate index its searches go through, if any.
pub struct Corpus {
    /// The insights and their vectors.
    pub index: Index,
    /// The approximate index, when searches go through one.
    pub approximate: Option<Approximate>,
}

impl Corpus {
    /// How this corpus is searched: through its approximate index when it has one, else exactly.
    pub fn nearest(&self) -> Nearest<'_> {
        match &self.approximate {
            Some((hnsw, texts)) => Nearest::Approximate {
                vectors: &self.index.vectors,
                hnsw,
                texts,
                ef: hnsw.options.ef_for(hnsw.len()),
            },
            None => Nearest::Exact(&self.index.vectors),
        }
    }
}

/// Reads and splits `paths` into insights, with the documents they came from (skipped files are notices); no
/// insight at all is an error.
pub fn read_insights(
    paths: &[PathBuf],
    split: &SplitOptions,
    events: &mut dyn Events,
) -> Result<(Vec<Insight>, Vec<Document>), CorpusError> {
    let loaded = read_inputs(paths)?;
    for skipped in loaded.skipped {
        events.notice(Notice::Skipped {
            path: skipped.path,
            reason: skipped.reason,
        });
    }
    let insights = split_documents(&loaded.documents, split)?;
    if insights.is_empty() {
        return Err(CorpusError::NoInsights { paths: paths.to_vec() });
    }
    Ok((insights, loaded.documents))
}

/// Embeds the insights of `documents` into an index held in memory, reusing and updating `cache` when there is
/// one, and records their provenance (dates by `date_from`, sentence places).
pub fn index_documents(
    insights: Vec<Insight>,
    documents: &[Document],
    split: &SplitOptions,
    date_from: DateFrom,
    embedder: &Embedder,
    cache: Option<&VectorCache>,
    events: &mut dyn Events,
) -> Result<(Index, BuildStats), CorpusError> {
    let (mut index, stats) = match cache {
        Some(cache) => cache.embed(insights, split, embedder, events)?,
        None => Build {
            embedder,
            split,
            sources: &[],
            journal: None,
            stop: &build::NEVER,
        }
        .run(insights, events)?,
    };
    index.record_provenance(documents, date_from);
    Ok((index, stats))
}
