//! What the corpus life cycle tells its caller while it works: progress through long steps, and notices of what it
//! decided (a damaged index rebuilt, a resumption, an approximate index left aside). The library never prints; the
//! caller shows these, or not.

use std::fmt;
use std::path::PathBuf;

use crate::embed::Precision;
use crate::index::IndexError;
use crate::insight::SplitOptions;

/// A long step whose progress is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    /// Embedding new texts.
    Embedding,
    /// Building the approximate index's graph from scratch.
    LinkingApproximate,
    /// Updating an existing approximate index.
    UpdatingApproximate,
    /// Writing rows to a store (a Milvus collection).
    Storing,
}

impl Work {
    /// What the step is called in progress lines.
    pub fn label(self) -> &'static str {
        match self {
            Work::Embedding => "embedding",
            Work::LinkingApproximate => "linking the approximate index",
            Work::UpdatingApproximate => "updating the approximate index",
            Work::Storing => "writing to the store",
        }
    }
}

/// Something the life cycle decided or found that the user may want to know; its `Display` is the sentence to show.
#[derive(Debug)]
#[non_exhaustive]
pub enum Notice {
    /// A file among the inputs was not read.
    Skipped {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// Another process is writing the index: this one waits for it to finish.
    WaitingForWriter {
        /// The index.
        path: PathBuf,
        /// The other writer's process id, when known.
        pid: Option<u32>,
    },
    /// The index to be written is damaged and will be built again from the documents.
    DamagedIndexRebuilt(IndexError),
    /// The index to be replaced holds vectors of another precision: every text is embedded again.
    PrecisionChanged {
        /// The index.
        path: PathBuf,
        /// Its precision.
        old: Precision,
        /// The precision in use.
        new: Precision,
    },
    /// The index to be replaced was split with other settings: its documents are split again with the new ones
    /// (vectors of texts that come out unchanged are reused).
    SplitChanged {
        /// The index.
        path: PathBuf,
        /// The settings it was split with.
        old: SplitOptions,
        /// The settings in use.
        new: SplitOptions,
    },
    /// The journal beside the index holds vectors of an interrupted run, none of which this run needs.
    JournalOfOtherTexts {
        /// The journal.
        path: PathBuf,
        /// How many vectors it holds.
        vectors: usize,
    },
    /// An interrupted run's vectors are reused.
    Resuming {
        /// The journal.
        path: PathBuf,
        /// How many of its vectors this run needs.
        kept: usize,
    },
    /// The journal could not be written (a full disk): it was removed, and embedding goes on without one.
    JournalAbandoned(IndexError),
    /// `FILE.ann` could not be written after its index was: searches go without it until the next `insights index`.
    ApproximateNotWritten(IndexError),
    /// `FILE.ann` does not match its index, so searches go without it.
    ApproximateStale {
        /// The approximate index file.
        path: PathBuf,
    },
    /// `FILE.ann` could not be read, so searches go without it.
    ApproximateUnreadable(IndexError),
    /// `FILE.ann` could not be read, so it is built again.
    ApproximateRebuilt(IndexError),
    /// The on-the-fly vector cache could not be written; the work goes on without it.
    CacheNotUpdated(IndexError),
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Notice::Skipped { path, reason } => write!(f, "skipped {}: {reason}", path.display()),
            Notice::WaitingForWriter { path, pid } => write!(
                f,
                "waiting for another insights index on {}{} to finish",
                path.display(),
                pid.map(|p| format!(" (pid {p})")).unwrap_or_default()
            ),
            Notice::DamagedIndexRebuilt(e) => write!(f, "{e}; rebuilding it"),
            Notice::PrecisionChanged { path, old, new } => write!(
                f,
                "{} holds {old} vectors; embedding every text again at {new} (vectors of different precisions are \
                 never mixed)",
                path.display()
            ),
            Notice::SplitChanged { path, old, new } => write!(
                f,
                "{} was split with `{}`; splitting its documents again with `{}` (the vectors of texts that come out \
                 the same are reused)",
                path.display(),
                old.describe(),
                new.describe()
            ),
            Notice::JournalOfOtherTexts { path, vectors } => write!(
                f,
                "{} holds {vectors} vectors of other texts (an interrupted run on other documents); none apply",
                path.display()
            ),
            Notice::Resuming { path, kept } => write!(
                f,
                "resuming: {kept} vectors kept from an interrupted run ({})",
                path.display()
            ),
            Notice::ApproximateStale { path } => write!(
                f,
                "{} does not match its index (made before the index changed?); searching without it. `insights \
                 index` refreshes it",
                path.display()
            ),
            Notice::JournalAbandoned(e) => write!(
                f,
                "{e}; the journal is removed and embedding goes on without one (an interruption now loses this run's \
                 vectors)"
            ),
            Notice::ApproximateNotWritten(e) => write!(
                f,
                "{e}; the index is written, but not its approximate index: searches go without it until `insights \
                 index` runs again"
            ),
            Notice::ApproximateUnreadable(e) => write!(f, "{e}; searching without it"),
            Notice::ApproximateRebuilt(e) => write!(f, "{e}; building it again"),
            Notice::CacheNotUpdated(e) => write!(f, "could not update the vector cache ({e}); carrying on"),
        }
    }
}

/// Receives the life cycle's progress and notices. Both default to ignoring them.
pub trait Events: Send {
    /// `done` of `total` items of `work` are done.
    fn progress(&mut self, work: Work, done: usize, total: usize) {
        let _ = (work, done, total);
    }

    /// Something worth telling happened.
    fn notice(&mut self, notice: Notice) {
        let _ = notice;
    }
}

/// Events nobody listens to.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Events for Silent {}

/// Records every notice, for tests and for callers that show them later.
#[derive(Debug, Default)]
pub struct Collected {
    /// The notices, in order.
    pub notices: Vec<Notice>,
    /// The last progress seen of each kind of work, as (work, done, total).
    pub progress: Vec<(Work, usize, usize)>,
}

impl Events for Collected {
    fn progress(&mut self, work: Work, done: usize, total: usize) {
        match self.progress.iter_mut().find(|(w, ..)| *w == work) {
            Some(last) => *last = (work, done, total),
            None => self.progress.push((work, done, total)),
        }
    }

    fn notice(&mut self, notice: Notice) {
        self.notices.push(notice);
    }
}
