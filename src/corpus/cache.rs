//! The on-the-fly vector cache: analyses of PATHS (no saved index) reuse the vectors of texts seen before with the
//! same model and precision, and add the ones they made. The caller chooses the folder it lives in.

use std::path::{Path, PathBuf};

use crate::embed::{Embedder, Precision, VectorKind};
use crate::index::lock::WriteLock;
use crate::index::{cache, store, BuildStats, Index, IndexError, VectorSource};
use crate::insight::SplitOptions;
use crate::Insight;

use super::build::{Build, NEVER};
use super::error::CorpusError;
use super::events::{Events, Notice};

/// The most entries the cache keeps.
pub const CACHE_MAX_ENTRIES: usize = 500_000;

/// The cache file of one model's vectors at one precision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VectorCache {
    path: PathBuf,
}

impl VectorCache {
    /// The cache in `folder` for vectors of `kind`: `vectors-<the weights' first 16 hex digits>[-int8|-f16].idx`.
    pub fn in_folder(folder: &Path, kind: &VectorKind) -> Self {
        let tag = kind.short_digest();
        let suffix = match kind.precision {
            Precision::F32 => "",
            Precision::Int8 => "-int8",
            Precision::F16 => "-f16",
        };
        VectorCache {
            path: folder.join(format!("vectors-{tag}{suffix}.idx")),
        }
    }

    /// The cache file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Embeds insights, reusing the cached vectors, then writes back the cache with this index's texts first (up
    /// to [`CACHE_MAX_ENTRIES`]) when anything new was embedded or there was no cache. An unreadable cache counts
    /// as none; a cache that cannot be written is a notice, not an error. Processes sharing the cache keep each
    /// other's entries.
    pub fn embed(
        &self,
        insights: Vec<Insight>,
        split: &SplitOptions,
        embedder: &Embedder,
        events: &mut dyn Events,
    ) -> Result<(Index, BuildStats), CorpusError> {
        let seen = FileStamp::of(&self.path);
        let old = store::load(&self.path).ok();
        let sources: Vec<VectorSource> = old.iter().flat_map(Index::as_sources).collect();
        let build = Build {
            embedder,
            split,
            sources: &sources,
            journal: None,
            stop: &NEVER,
        };
        let (index, stats) = build.run(insights, events)?;
        if stats.embedded + stats.sentences_embedded > 0 || old.is_none() {
            if let Err(e) = self.write(&index, old, seen) {
                events.notice(Notice::CacheNotUpdated(e));
            }
        }
        Ok((index, stats))
    }

    /// Writes the cache: `index`'s texts, then those of the cache as it is now, under the cache's lock, so that
    /// analyses running side by side each add their texts instead of the last one's write winning. `old` is the
    /// cache as read before embedding, read again only when another process has replaced it since (`seen`).
    fn write(&self, index: &Index, old: Option<Index>, seen: Option<FileStamp>) -> Result<(), IndexError> {
        let _lock = WriteLock::acquire(&self.path)?;
        let old = match FileStamp::of(&self.path) {
            now if now == seen => old,
            _ => store::load(&self.path).ok(),
        };
        let merged = cache::merged(index, old.as_ref(), CACHE_MAX_ENTRIES);
        store::save(&merged, &self.path)
    }
}

/// What tells one version of a file from the next: a write replaces the file (a new inode) or changes its size or
/// time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileStamp {
    inode: u64,
    len: u64,
    modified: i64,
    modified_ns: i64,
}

impl FileStamp {
    /// The file's stamp; `None` when there is no file.
    fn of(path: &Path) -> Option<FileStamp> {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::metadata(path).ok()?;
        Some(FileStamp {
            inode: m.ino(),
            len: m.len(),
            modified: m.mtime(),
            modified_ns: m.mtime_nsec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_file_per_model_and_precision() {
        let folder = Path::new("/c");
        let kind = |weights: &str, precision| VectorKind {
            model_id: "m".into(),
            weights_sha256: weights.into(),
            dim: 4,
            precision,
        };
        let f32 = VectorCache::in_folder(folder, &kind("0123456789abcdef0123", Precision::F32));
        let int8 = VectorCache::in_folder(folder, &kind("0123456789abcdef0123", Precision::Int8));
        assert_eq!(f32.path(), Path::new("/c/vectors-0123456789abcdef.idx"));
        assert_eq!(int8.path(), Path::new("/c/vectors-0123456789abcdef-int8.idx"));
        assert_ne!(
            f32,
            VectorCache::in_folder(folder, &kind("fedcba9876543210", Precision::F32))
        );
    }
}
