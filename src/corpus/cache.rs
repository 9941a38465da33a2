//! The on-the-fly vector cache: analyses of PATHS (no saved index) reuse the vectors of texts seen before with the
//! same model and precision, and add the ones they made. The caller chooses the folder it lives in.

use std::path::{Path, PathBuf};

use crate::embed::{Embedder, Precision};
use crate::index::{cache, store, BuildStats, Index, VectorSource};
use crate::insight::SplitOptions;
use crate::Insight;

use super::build::{Build, NEVER};
use super::{CorpusError, Events, Notice};

/// The most entries the cache keeps.
pub const CACHE_MAX_ENTRIES: usize = 500_000;

/// The cache file of one model's vectors at one precision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VectorCache {
    path: PathBuf,
}

impl VectorCache {
    /// The cache in `folder` for vectors made by the model whose weights have `weights_sha256`, at `precision`:
    /// `vectors-<first 16 hex digits>[-int8].idx`.
    pub fn in_folder(folder: &Path, weights_sha256: &str, precision: Precision) -> Self {
        let tag: String = weights_sha256.chars().take(16).collect();
        let suffix = match precision {
            Precision::F32 => "",
            Precision::Int8 => "-int8",
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
    /// as none; a cache that cannot be written is a notice, not an error.
    pub fn embed(
        &self,
        insights: Vec<Insight>,
        split: &SplitOptions,
        embedder: &Embedder,
        events: &mut dyn Events,
    ) -> Result<(Index, BuildStats), CorpusError> {
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
            let merged = cache::merged(&index, old.as_ref(), CACHE_MAX_ENTRIES);
            if let Err(e) = store::save(&merged, &self.path) {
                events.notice(Notice::CacheNotUpdated(e));
            }
        }
        Ok((index, stats))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_file_per_model_and_precision() {
        let folder = Path::new("/c");
        let f32 = VectorCache::in_folder(folder, "0123456789abcdef0123", Precision::F32);
        let int8 = VectorCache::in_folder(folder, "0123456789abcdef0123", Precision::Int8);
        assert_eq!(f32.path(), Path::new("/c/vectors-0123456789abcdef.idx"));
        assert_eq!(int8.path(), Path::new("/c/vectors-0123456789abcdef-int8.idx"));
        assert_ne!(f32, VectorCache::in_folder(folder, "fedcba9876543210", Precision::F32));
    }
}
