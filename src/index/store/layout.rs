//! The sizes that fix where the index file's sections lie: shared by the writer, the reader and the version table.

use crate::index::TextHash;

/// Sections start at multiples of this many bytes, so that mapped vectors are aligned for SIMD loads.
pub(super) const ALIGN: usize = 64;
/// The magic, the format version (u32) and the header length (u64).
pub(super) const PREFIX: usize = 12 + 4 + 8;
/// The CRC-32 at the end.
pub(super) const TRAILER: usize = 4;
/// Bytes of one stored text hash.
pub(super) const HASH_BYTES: usize = TextHash::BYTES;
/// Bytes of one insight's stored date.
pub(super) const DATE_BYTES: usize = 8;
/// The stored day of an undated insight.
pub(super) const UNDATED: i32 = i32::MIN;
/// The largest header accepted (it holds only the model's description and counts).
pub(super) const MAX_HEADER: u64 = 1 << 20;
