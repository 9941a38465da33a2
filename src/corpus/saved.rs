//! A saved index from end to end: opening it for analysis, and updating it from documents by its one writer (the
//! lock, what is at its path, reused vectors, the journal that makes an interrupted run resumable, the atomic write,
//! `FILE.ann` refreshed).

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use crate::document::Document;
use crate::embed::Embedder;
use crate::index::ann::compact::Storage;
use crate::index::journal::{journal_path, Journal};
use crate::index::lock::WriteLock;
use crate::index::{store, BuildStats, Index, IndexError, VectorSource};
use crate::insight::dates::DateFrom;
use crate::insight::SplitOptions;
use crate::Insight;

use super::approximate::{refresh_saved, AnnPolicy, Refreshed};
use super::build::Build;
use super::error::CorpusError;
use super::events::{Events, Notice};

/// What is at the path an index is about to be written to.
#[derive(Debug)]
pub enum Previous {
    /// Nothing: the index is new.
    Missing,
    /// A damaged or truncated index, which will be replaced (a notice says so).
    Damaged,
    /// A readable index, whose vectors may be reused.
    Index(Box<Index>),
}

impl Previous {
    /// The readable index, if there is one.
    pub fn index(&self) -> Option<&Index> {
        match self {
            Previous::Index(index) => Some(index),
            Previous::Missing | Previous::Damaged => None,
        }
    }
}

/// What a writer does when another process is writing the same index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WhenBusy {
    /// Wait for it to finish, then go on (re-reading what it wrote).
    #[default]
    Wait,
    /// Fail at once with [`CorpusError::Busy`].
    Fail,
}

/// The one writer of a saved index: holds the lock on writing it from before its previous content is read until
/// the new one is in place.
#[derive(Debug)]
pub struct IndexWriter {
    path: PathBuf,
    previous: Previous,
    _lock: WriteLock,
}

impl IndexWriter {
    /// Takes the lock on writing `path` (waiting for another writer to finish, with a notice, or failing with
    /// [`CorpusError::Busy`], as `when_busy` says) and reads what is there. Errors, so that nothing is replaced: a
    /// folder, a file that is not an index, an index of a newer format, or a file that cannot be read.
    pub fn open(path: &Path, when_busy: WhenBusy, events: &mut dyn Events) -> Result<IndexWriter, CorpusError> {
        if path.is_dir() {
            return Err(CorpusError::Folder {
                path: path.to_path_buf(),
            });
        }
        let lock = match (WriteLock::try_acquire(path)?, when_busy) {
            (Ok(lock), _) => lock,
            (Err(held), WhenBusy::Fail) => {
                return Err(CorpusError::Busy {
                    path: path.to_path_buf(),
                    pid: held.pid,
                })
            }
            (Err(held), WhenBusy::Wait) => {
                events.notice(Notice::WaitingForWriter {
                    path: path.to_path_buf(),
                    pid: held.pid,
                });
                WriteLock::acquire(path)?
            }
        };
        let previous = match store::load(path) {
            Ok(index) => Previous::Index(Box::new(index)),
            Err(IndexError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => Previous::Missing,
            Err(e @ IndexError::Format { .. }) => {
                events.notice(Notice::DamagedIndexRebuilt(e));
                Previous::Damaged
            }
            Err(e) => return Err(e.into()),
        };
        Ok(IndexWriter {
            path: path.to_path_buf(),
            previous,
            _lock: lock,
        })
    }

    /// What was at the path when the lock was taken.
    pub fn previous(&self) -> &Previous {
        &self.previous
    }

    /// The index written anew from `insights` (split from `documents` with `split`) by `embedder`: vectors of texts
    /// in the previous index or in the journal of an interrupted run are reused, new ones journaled as they are made
    /// (stopping between steps once `stop` is set leaves them there for the next run), the index written
    /// atomically, the journal removed, `FILE.ann` refreshed, and the lock released.
    #[allow(clippy::too_many_arguments)]
    pub fn update(
        self,
        insights: Vec<Insight>,
        documents: &[Document],
        split: &SplitOptions,
        embedder: &Embedder,
        opts: &UpdateOptions,
        stop: &AtomicBool,
        events: &mut dyn Events,
    ) -> Result<Updated, CorpusError> {
        let path = self.path.as_path();
        let old = self.previous.index();
        if let Some(old) = old.filter(|old| old.meta.kind.precision != embedder.precision()) {
            events.notice(Notice::PrecisionChanged {
                path: path.to_path_buf(),
                old: old.meta.kind.precision,
                new: embedder.precision(),
            });
        }
        if let Some(old) = old.filter(|old| old.meta.split != split.canonical()) {
            events.notice(Notice::SplitChanged {
                path: path.to_path_buf(),
                old: old.meta.split.clone(),
                new: split.canonical(),
            });
        }
        let (mut journal, recovered) = Journal::open(&journal_path(path), embedder.kind())?;
        if !recovered.hashes.is_empty() {
            let journal_path = journal.path().to_path_buf();
            events.notice(match recovered.applicable(&insights) {
                0 => Notice::JournalOfOtherTexts {
                    path: journal_path,
                    vectors: recovered.hashes.len(),
                },
                kept => Notice::Resuming {
                    path: journal_path,
                    kept,
                },
            });
        }
        let resumed = VectorSource {
            kind: embedder.kind(),
            hashes: &recovered.hashes,
            vectors: &recovered.vectors,
        };
        let sources: Vec<VectorSource> = old
            .into_iter()
            .flat_map(Index::as_sources)
            .chain([resumed])
            .chain(opts.reuse.iter().copied())
            .collect();
        let build = Build {
            embedder,
            split,
            sources: &sources,
            journal: Some(&mut journal),
            stop,
        };
        let (mut index, stats) = build.run(insights, events)?;
        index.record_provenance(documents, opts.date_from);
        store::save(&index, path)?;
        journal.remove()?;
        // The index is in place: an approximate index that cannot be written is a notice, not a failure (a stale
        // one is recognised as such and left aside).
        let approximate = match refresh_saved(&index, path, opts.ann, opts.ann_storage, events) {
            Ok(refreshed) => refreshed,
            Err(e) => {
                events.notice(Notice::ApproximateNotWritten(e));
                Refreshed::Absent
            }
        };
        Ok(Updated {
            index,
            stats,
            approximate,
        })
    }
}

/// Opens the saved index at `path` for analysis: a folder, a missing file, or a file that is not a readable index
/// is an error naming it.
pub fn open(path: &Path) -> Result<Index, CorpusError> {
    if path.is_dir() {
        return Err(CorpusError::Folder {
            path: path.to_path_buf(),
        });
    }
    if !path.exists() {
        return Err(CorpusError::NoIndex {
            path: path.to_path_buf(),
        });
    }
    Ok(store::load(path)?)
}

/// How a saved index is updated.
#[derive(Debug, Clone, Copy, Default)]
pub struct UpdateOptions<'a> {
    /// Where documents' dates come from.
    pub date_from: DateFrom,
    /// Whether `FILE.ann` is made, kept up to date or removed.
    pub ann: AnnPolicy,
    /// How `FILE.ann` stores its vectors (`None`: as it does now, else f32); giving one makes the file at any size.
    pub ann_storage: Option<Storage>,
    /// More vectors to reuse beside the old index's and the journal's (those of shards embedded elsewhere).
    pub reuse: &'a [VectorSource<'a>],
}

/// A saved index after an update.
#[derive(Debug)]
pub struct Updated {
    /// The index written.
    pub index: Index,
    /// What was embedded and reused.
    pub stats: BuildStats,
    /// What happened to `FILE.ann`.
    pub approximate: Refreshed,
}
