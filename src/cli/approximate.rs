//! `--ann`: when the approximate index is used, built, saved or refreshed.

use std::path::Path;
use std::sync::Mutex;

use anyhow::Result;
use clap::ValueEnum;

use insights::index::ann::compact::Storage;
use insights::index::ann::file::{self as ann_file, ann_path};
use insights::index::ann::{AnnOptions, Hnsw, UpdateStats};
use insights::index::{DistinctTexts, Index, IndexError};

use super::progress::Progress;

/// From this many distinct texts, `--ann auto` builds and uses the approximate index where searches are many.
pub const AUTO_MIN_TEXTS: usize = 20_000;

/// `--ann` values.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnnChoice {
    /// Approximate search from 20,000 distinct texts, or wherever an up-to-date FILE.ann exists; exact below.
    Auto,
    /// Always approximate search (built in memory when there is no up-to-date FILE.ann).
    On,
    /// Always exact search (every vector scored; FILE.ann is ignored, and `insights index` removes it).
    Off,
}

/// `--ann-vectors` values.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnnVectors {
    /// Walk the index's own f32 vectors in place (no copy).
    F32,
    /// Keep a one-byte-per-value copy in FILE.ann and walk it; results are re-scored with the f32 vectors.
    Int8,
}

impl AnnVectors {
    /// The graph's storage for this choice.
    pub fn storage(self) -> Storage {
        match self {
            AnnVectors::F32 => Storage::F32,
            AnnVectors::Int8 => Storage::Int8,
        }
    }
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

/// Builds the graph over `texts` with progress on stderr.
fn build(index: &Index, texts: &DistinctTexts, quiet: bool) -> Hnsw {
    let progress = Mutex::new(Progress::new("linking the approximate index", quiet));
    let total = texts.len();
    Hnsw::build(
        &texts.node_vectors(&index.vectors),
        texts.keys.clone(),
        AnnOptions::for_nodes(total),
        &|done| progress.lock().map(|mut p| p.update(done, total)).unwrap_or(()),
    )
}

/// The approximate index a command searches `index` with, if any: the saved `INDEX.ann` when it matches the index,
/// else one built in memory when `choice` and `searches` call for it; `None` means exact search.
pub fn for_search(
    index: &Index,
    saved: Option<&Path>,
    choice: AnnChoice,
    searches: Searches,
    quiet: bool,
) -> Option<Approximate> {
    if choice == AnnChoice::Off || searches == Searches::None || index.is_empty() {
        return None;
    }
    let texts = DistinctTexts::of(index);
    if let Some(path) = saved.map(ann_path).filter(|p| p.exists()) {
        match ann_file::load(&path) {
            Ok(hnsw) if *hnsw.keys == texts.keys[..] && hnsw.dim == index.meta.dim => return Some((hnsw, texts)),
            Ok(_) if !quiet => eprintln!(
                "insights: {} does not match its index (made before the index changed?); searching without it. \
                 `insights index` refreshes it",
                path.display()
            ),
            Err(e) if !quiet => eprintln!("insights: {e}; searching without it"),
            _ => {}
        }
    }
    let wanted = choice == AnnChoice::On || (searches == Searches::All && texts.len() >= AUTO_MIN_TEXTS);
    wanted.then(|| {
        let hnsw = build(index, &texts, quiet);
        (hnsw, texts)
    })
}

/// What `insights index` did to `INDEX.ann`.
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
/// one exists, built where `choice` (or an explicit `storage`) asks for one, removed with `off`. Its vectors are
/// stored as `storage` says, or as before (f32 for a new or unreadable one) when `storage` is `None`.
pub fn refresh_saved(
    index: &Index,
    index_path: &Path,
    choice: AnnChoice,
    storage: Option<Storage>,
    quiet: bool,
) -> Result<Refreshed> {
    let path = ann_path(index_path);
    let exists = path.exists();
    if choice == AnnChoice::Off || index.is_empty() {
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
    if choice == AnnChoice::Auto && !exists && storage.is_none() && texts.len() < AUTO_MIN_TEXTS {
        return Ok(Refreshed::Absent);
    }
    let previous = match exists.then(|| ann_file::load(&path)) {
        Some(Ok(hnsw)) => Some(hnsw),
        Some(Err(e)) => {
            if !quiet {
                eprintln!("insights: {e}; building it again");
            }
            None
        }
        None => None,
    };
    let storage = storage.or(previous.as_ref().map(Hnsw::storage)).unwrap_or_default();
    let nodes = texts.node_vectors(&index.vectors);
    let (hnsw, stats) = match previous {
        Some(old) => {
            let progress = Mutex::new(Progress::new("updating the approximate index", quiet));
            let total = texts.len();
            old.update(&nodes, texts.keys.clone(), storage, &|done| {
                progress.lock().map(|mut p| p.update(done, total)).unwrap_or(())
            })
        }
        None => {
            let added = texts.len();
            let stats = UpdateStats {
                added,
                removed: 0,
                rebuilt: true,
            };
            (build(index, &texts, quiet).with_storage(storage, &nodes), stats)
        }
    };
    ann_file::save(&hnsw, &path)?;
    Ok(Refreshed::Written(stats, storage))
}
