//! Why a corpus could not be made ready: the stage's one error type, and the interruption it carries.

use std::path::PathBuf;

use crate::document::ReadError;
use crate::embed::EmbedError;
use crate::index::IndexError;

/// Why a corpus could not be made ready.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CorpusError {
    /// Reading or splitting documents failed.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The model failed.
    #[error(transparent)]
    Embed(#[from] EmbedError),
    /// An index or one of its companion files could not be read, written or used.
    #[error(transparent)]
    Index(#[from] IndexError),
    /// A Milvus store could not be used.
    #[cfg(feature = "milvus")]
    #[error(transparent)]
    Store(Box<crate::index::milvus::MilvusError>),
    /// Embedding was stopped on request.
    #[error(transparent)]
    Interrupted(#[from] Interrupted),
    /// Every paragraph of the inputs was empty or dropped as boilerplate.
    #[error(
        "no insights in {}: every paragraph was empty or dropped as boilerplate",
        list(paths)
    )]
    NoInsights {
        /// The inputs.
        paths: Vec<PathBuf>,
    },
    /// A folder was given where an index file was expected.
    #[error("{}: a folder, not an index file", path.display())]
    Folder {
        /// The folder.
        path: PathBuf,
    },
    /// Another process is writing this index.
    #[error("{} is being written by another insights process{}", path.display(),
        pid.map(|p| format!(" (pid {p})")).unwrap_or_default())]
    Busy {
        /// The index.
        path: PathBuf,
        /// The writer's process id, when known.
        pid: Option<u32>,
    },
    /// No index file at the path.
    #[error("no index at {}", path.display())]
    NoIndex {
        /// The path.
        path: PathBuf,
    },
}

#[cfg(feature = "milvus")]
impl From<crate::index::milvus::MilvusError> for CorpusError {
    fn from(e: crate::index::milvus::MilvusError) -> Self {
        CorpusError::Store(Box::new(e))
    }
}

/// Paths joined with commas.
fn list(paths: &[PathBuf]) -> String {
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    names.join(", ")
}

/// Embedding stopped on request (Ctrl-C) between steps.
#[derive(Debug, thiserror::Error)]
#[error("interrupted after embedding {done} of {total} new texts{}", match journal {
    Some(path) => format!("; they are kept in {}: run the same command again to resume", path.display()),
    None => String::new(),
})]
pub struct Interrupted {
    /// New texts embedded before stopping.
    pub done: usize,
    /// New texts in all.
    pub total: usize,
    /// Where the embedded vectors were kept.
    pub journal: Option<PathBuf>,
}
