//! When the approximate index is used, built, saved or refreshed: the saved `FILE.ann` trusted only when it matches
//! its index, built in memory where a command searches enough to pay for it.

use std::path::Path;
use std::sync::Mutex;

use crate::index::ann::compact::Storage;
use crate::index::ann::file::{self as ann_file, ann_path};
use crate::index::ann::{AnnOptions, Hnsw, UpdateStats};
use crate::index::{DistinctTexts, Index, IndexError};

use super::events::{Events, Notice, Work};

/// From this many distinct texts, [`AnnPolicy::Auto`] builds and uses the approximate index where searches are many.
pub const AUTO_MIN_TEXTS: usize = 20_000;

/// When to search through an approximate index. Each value's first paragraph is its `--ann` help.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum AnnPolicy {
    /// Approximate search from 20,000 distinct texts, or wherever an up-to-date FILE.ann exists; exact below.
    ///
    /// The number is [`AUTO_MIN_TEXTS`].
    #[default]
    Auto,
    /// Always approximate search (built in memory when there is no up-to-date FILE.ann).
    On,
    /// Always exact search (every vector scored; FILE.ann is ignored, and `insights index` removes it).
    Off,
}

/// How a command searches, which decides whether an approximate index is worth building.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Searches {
    /// No nearest-neighbour search at all.
    None,
    /// A few queries: building an index in memory would cost more than scanning.
    Few,
    /// One search per insight (neighbours, duplicates): an index pays for itself on a large corpus.
    All,
}

/// An approximate index with the distinct texts that are its nodes.
pub type Approximate = (Hnsw, DistinctTexts);

/// Builds the graph over `texts`, reporting progress.
fn build(index: &Index, texts: &DistinctTexts, events: &mut dyn Events) -> Hnsw {
    let total = texts.len();
    events.progress(Work::LinkingApproximate, 0, total);
    let events = Mutex::new(events);
    Hnsw::build(
        &texts.node_vectors(&index.vectors),
        texts.keys.clone(),
        AnnOptions::for_nodes(total),
        &|done| {
            if let Ok(mut events) = events.lock() {
                events.progress(Work::LinkingApproximate, done, total);
            }
        },
    )
}

/// The approximate index to search `index` with, if any: the saved `INDEX.ann` beside `saved` when it matches the
/// index, else one built in memory when `policy` and `searches` call for it; `None` means exact search.
pub fn for_search(
    index: &Index,
    saved: Option<&Path>,
    policy: AnnPolicy,
    searches: Searches,
    events: &mut dyn Events,
) -> Option<Approximate> {
    if policy == AnnPolicy::Off || searches == Searches::None || index.is_empty() {
        return None;
    }
    let texts = DistinctTexts::of(index);
    if let Some(path) = saved.map(ann_path).filter(|p| p.exists()) {
        match ann_file::load(&path) {
            Ok(hnsw) if *hnsw.keys == texts.keys[..] && hnsw.dim == index.meta.kind.dim => return Some((hnsw, texts)),
            Ok(_) => events.notice(Notice::ApproximateStale { path }),
            Err(e) => events.notice(Notice::ApproximateUnreadable(e)),
        }
    }
    let wanted = policy == AnnPolicy::On || (searches == Searches::All && texts.len() >= AUTO_MIN_TEXTS);
    wanted.then(|| {
        let hnsw = build(index, &texts, events);
        (hnsw, texts)
    })
}

/// What refreshing did to `INDEX.ann`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refreshed {
    /// There is none (below the size for `auto`, or `off`).
    Absent,
    /// It was removed (`off`).
    Removed,
    /// It was built or updated, and walks vectors stored this way.
    Written(UpdateStats, Storage),
}

/// Brings `INDEX.ann` up to date with the index just written to `index_path`: updated in place of a rebuild where
/// one exists, built where `policy` (or an explicit `storage`) asks for one, removed with `off`. Its vectors are
/// stored as `storage` says, or as before (f32 for a new or unreadable one) when `storage` is `None`.
pub fn refresh_saved(
    index: &Index,
    index_path: &Path,
    policy: AnnPolicy,
    storage: Option<Storage>,
    events: &mut dyn Events,
) -> Result<Refreshed, IndexError> {
    let path = ann_path(index_path);
    let exists = path.exists();
    if policy == AnnPolicy::Off || index.is_empty() {
        if exists {
            std::fs::remove_file(&path).map_err(|source| IndexError::Io {
                path: path.clone(),
                source,
            })?;
            return Ok(Refreshed::Removed);
        }
        return Ok(Refreshed::Absent);
    }
    let texts = DistinctTexts::of(index);
    // Asking for a storage asks for the file, at any size.
    if policy == AnnPolicy::Auto && !exists && storage.is_none() && texts.len() < AUTO_MIN_TEXTS {
        return Ok(Refreshed::Absent);
    }
    let previous = match exists.then(|| ann_file::load(&path)) {
        Some(Ok(hnsw)) => Some(hnsw),
        Some(Err(e)) => {
            events.notice(Notice::ApproximateRebuilt(e));
            None
        }
        None => None,
    };
    let storage = storage.or(previous.as_ref().map(Hnsw::storage)).unwrap_or_default();
    let nodes = texts.node_vectors(&index.vectors);
    let (hnsw, stats) = match previous {
        Some(old) => {
            let total = texts.len();
            events.progress(Work::UpdatingApproximate, 0, total);
            let events = Mutex::new(&mut *events);
            old.update(&nodes, texts.keys.clone(), storage, &|done| {
                if let Ok(mut events) = events.lock() {
                    events.progress(Work::UpdatingApproximate, done, total);
                }
            })
        }
        None => {
            let added = texts.len();
            let stats = UpdateStats {
                added,
                removed: 0,
                rebuilt: true,
            };
            (build(index, &texts, events).with_storage(storage, &nodes), stats)
        }
    };
    ann_file::save(&hnsw, &path)?;
    Ok(Refreshed::Written(stats, storage))
}
