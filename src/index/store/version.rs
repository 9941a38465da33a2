//! The index file's format versions: which layout a version holds, and which precision its vectors were made at.

use super::layout::DATE_BYTES;
use crate::embed::Precision;

/// The first bytes of every index file.
pub const MAGIC: &[u8; 12] = b"INSIGHTS-IDX";
/// The version of the layout this build writes for f32 vectors.
pub const FORMAT_VERSION: u32 = 6;
/// The same layout holding int8-precision vectors: a version of its own, so that a build that knows nothing of
/// precisions refuses the file instead of taking its vectors for f32 ones.
pub const INT8_FORMAT_VERSION: u32 = 7;
/// The same layout holding f16-precision vectors (stored as f32), also a version of its own, so that a build that
/// knows only f32 and int8 says the file is newer instead of calling it damaged.
pub const F16_FORMAT_VERSION: u32 = 8;
/// The newest version this build reads.
pub(super) const NEWEST_VERSION: u32 = F16_FORMAT_VERSION;

/// What a format version holds, from the oldest read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Generation {
    /// Versions 2 (f32) and 3 (int8): no sentences.
    NoSentences,
    /// Versions 4 and 5: sentences, without their places in the documents.
    Unplaced,
    /// Versions 6, 7 and 8: sentences with their places.
    Current,
}

impl Generation {
    /// The generation of a version this build reads.
    pub(super) fn of(version: u32) -> Option<Generation> {
        match version {
            2 | 3 => Some(Generation::NoSentences),
            4 | 5 => Some(Generation::Unplaced),
            6..=8 => Some(Generation::Current),
            _ => None,
        }
    }

    /// The format version of this generation for vectors made at `precision`.
    pub(super) fn version(self, precision: Precision) -> u32 {
        let base = match self {
            Generation::NoSentences => 2,
            Generation::Unplaced => 4,
            Generation::Current => FORMAT_VERSION,
        };
        base + match precision {
            Precision::F32 => 0,
            Precision::Int8 => 1,
            // Only the current generation holds f16 vectors; an older version never matches this.
            Precision::F16 => F16_FORMAT_VERSION - FORMAT_VERSION,
        }
    }

    /// Bytes of the dates section per insight.
    pub(super) fn date_bytes(self) -> u64 {
        if self == Generation::Current {
            DATE_BYTES as u64
        } else {
            0
        }
    }

    /// Words (u32) of the sentence table per sentence row.
    pub(super) fn row_words(self) -> u64 {
        if self == Generation::Current {
            6
        } else {
            2
        }
    }
}
