//! The index file: written atomically (temporary file, then rename) and checked in full when read, so a truncated,
//! damaged or foreign file is refused with a message naming it.
//!
//! Layout (version 6 for f32 vectors, 7 for int8-precision ones, 8 for f16 ones), all integers little-endian:
//! `MAGIC` (12 bytes) · format version (u32) · header length (u64) · header (JSON: meta, count, insights_bytes,
//! sentences) · insights (`insights_bytes` bytes, binary records, see [`records`]) · text hashes (count × 16
//! bytes) · each insight's document's date (count × (i32 days since 1970-01-01, `i32::MIN` when undated; u32 source,
//! 1 front matter, 2 JSONL field, 3 file name, 4 modification time)) · zero padding to a multiple of 64 bytes ·
//! vectors (count × dim f32) · then, with sentences: the sentence
//! table (each insight's number of sentence rows, count × u32; each row's byte range in its insight's text,
//! sentences × 2 × u32; each row's place in its document, first line, first column, last line, last column,
//! sentences × 4 × u32, all 0 when unknown) · zero padding · sentence vectors (sentences × dim f32) · CRC-32 of
//! everything before (u32).
//!
//! Versions 4 and 5 (before documents' dates and sentences' places were stored) are read too, undated and their
//! sentences unplaced; versions 2 and 3 (before sentence vectors), with no sentences either.
//!
//! Every size is checked against the file's length before anything is allocated, and the file is read section by
//! section, so loading takes no more memory than the index itself. The CRC-32 (hardware-accelerated) catches
//! truncation and damage at a few GB/s; it is not a defence against deliberate tampering.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

mod atomic;
mod layout;
mod records;
#[cfg(test)]
mod tests;
mod version;

pub(crate) use atomic::{padding, write_atomically, CrcWriter};
use layout::{HASH_BYTES, MAX_HEADER, PREFIX, TRAILER};
use records::{date_section, read_dates, read_insights, read_sentence_table, sentence_table, write_insight};
use version::{Generation, NEWEST_VERSION};
pub use version::{F16_FORMAT_VERSION, FORMAT_VERSION, INT8_FORMAT_VERSION, MAGIC};

use super::{get_f32s, put_f32s, Index, Sentences, TextHash};
use super::{IndexError, IndexMeta};
use crate::embed::{Precision, VectorKind};
use crate::insight::SplitOptions;
use crate::mapped::{map_file, MappedOrOwned};
use crate::vectors::Embeddings;

/// The file's record of what made the index ([`IndexMeta`]): its own type, so that the format changes only here.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct MetaRecord {
    model_id: String,
    weights_sha256: String,
    dim: usize,
    /// Absent in files written before precisions were recorded: those are f32.
    #[serde(default)]
    precision: Precision,
    split: String,
}

impl From<&IndexMeta> for MetaRecord {
    fn from(meta: &IndexMeta) -> Self {
        let kind = &meta.kind;
        MetaRecord {
            model_id: kind.model_id.clone(),
            weights_sha256: kind.weights_sha256.clone(),
            dim: kind.dim,
            precision: kind.precision,
            split: meta.split.describe(),
        }
    }
}

impl MetaRecord {
    /// What made the index, or `None` when the recorded split settings are not ones this build knows.
    pub(crate) fn meta(self) -> Option<IndexMeta> {
        Some(IndexMeta {
            split: SplitOptions::parse(&self.split)?,
            kind: VectorKind {
                model_id: self.model_id,
                weights_sha256: self.weights_sha256,
                dim: self.dim,
                precision: self.precision,
            },
        })
    }
}

#[derive(Serialize, Deserialize)]
struct Header {
    meta: MetaRecord,
    count: usize,
    insights_bytes: u64,
    /// Sentence rows stored after the vectors; absent in versions 2 and 3, and `None` for an index without them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sentences: Option<usize>,
}

fn format_err(path: &Path, message: impl Into<String>) -> IndexError {
    IndexError::Format {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

fn truncated(path: &Path) -> IndexError {
    format_err(path, "truncated index file; rebuild it with `insights index`")
}

/// Writes `index` to `path` atomically: a temporary file beside it is written, flushed and renamed over `path`, so
/// `path` is either the old file or the whole new one, never half of one.
pub fn save(index: &Index, path: &Path) -> Result<(), IndexError> {
    let mut insights = Vec::new();
    for insight in &index.insights {
        write_insight(&mut insights, insight);
    }
    let mut hashes = Vec::with_capacity(index.len() * HASH_BYTES);
    for h in &index.hashes {
        hashes.extend_from_slice(h.as_bytes());
    }
    if index.hashes.len() != index.len()
        || index.vectors.len() != index.len()
        || index.vectors.dim() != index.meta.kind.dim
    {
        return Err(format_err(
            path,
            "inconsistent index (counts or dimension); not written",
        ));
    }
    // The sentence table is written as it will be read back, and refused here if it would not read back.
    let table = index.sentences.as_ref().map(|s| (s, sentence_table(&s.layout)));
    if let Some((s, bytes)) = &table {
        let readable = s.layout.first.len() == index.len() + 1
            && s.layout.first.windows(2).all(|w| w[0] <= w[1])
            && read_sentence_table(bytes, &index.insights, s.len(), true).is_some();
        if !readable || s.vectors.len() != s.len() || s.vectors.dim() != index.meta.kind.dim {
            return Err(format_err(path, "inconsistent sentence table; not written"));
        }
    }
    let header = Header {
        meta: MetaRecord::from(&index.meta),
        count: index.len(),
        insights_bytes: insights.len() as u64,
        sentences: index.sentences.as_ref().map(Sentences::len),
    };
    let dates = date_section(index);
    let header = serde_json::to_vec(&header).map_err(|e| format_err(path, e.to_string()))?;

    write_atomically(path, |out| {
        out.put(MAGIC)?;
        out.put(&Generation::Current.version(index.meta.kind.precision).to_le_bytes())?;
        out.put(&(header.len() as u64).to_le_bytes())?;
        out.put(&header)?;
        out.put(&insights)?;
        out.put(&hashes)?;
        out.put(&dates)?;
        out.pad()?;
        let mut block = Vec::with_capacity(64 * 1024);
        for (n, section) in std::iter::once(index.vectors.as_flat())
            .chain(table.as_ref().map(|(s, _)| s.vectors.as_flat()))
            .enumerate()
        {
            if let (1, Some((_, bytes))) = (n, &table) {
                out.put(bytes)?;
                out.pad()?;
            }
            for chunk in section.chunks(16 * 1024) {
                block.clear();
                put_f32s(&mut block, chunk);
                out.put(&block)?;
            }
        }
        Ok(())
    })
}

/// Maps and checks an index file; its vectors are used in place, not copied.
pub fn load(path: &Path) -> Result<Index, IndexError> {
    let io = |source| IndexError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(io)?;
    if file.metadata().map_err(io)?.len() == 0 {
        return Err(IndexError::NotAnIndex {
            path: path.to_path_buf(),
        });
    }
    let map = map_file(&file).map_err(io)?;
    decode(path, &map, Some(&map))
}

/// Reads the index in `bytes` (the whole file; `map` when they are a mapped file, whose vectors are then used in
/// place); `path` names it in errors.
fn decode(path: &Path, bytes: &[u8], map: Option<&Arc<memmap2::Mmap>>) -> Result<Index, IndexError> {
    let len = bytes.len() as u64;
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(IndexError::NotAnIndex {
            path: path.to_path_buf(),
        });
    }
    if bytes.len() < PREFIX {
        return Err(truncated(path));
    }
    let version = u32::from_le_bytes(bytes[12..16].try_into().unwrap_or_default());
    let Some(generation) = Generation::of(version) else {
        if version > NEWEST_VERSION {
            return Err(IndexError::NewerFormat {
                path: path.to_path_buf(),
                version,
                newest: NEWEST_VERSION,
            });
        }
        return Err(format_err(
            path,
            format!(
                "index format version {version}, but this build reads versions 2 to {NEWEST_VERSION}; rebuild \
                 it with `insights index`"
            ),
        ));
    };
    let header_len = u64::from_le_bytes(bytes[16..24].try_into().unwrap_or_default());
    if header_len > MAX_HEADER {
        return Err(format_err(path, "damaged index header (length out of range)"));
    }
    if PREFIX as u64 + header_len > len {
        return Err(truncated(path));
    }
    let body_start = PREFIX + header_len as usize;
    let header: Header = serde_json::from_slice(&bytes[PREFIX..body_start])
        .map_err(|e| format_err(path, format!("damaged index header: {e}")))?;
    let old = generation == Generation::NoSentences;
    if version != generation.version(header.meta.precision) || (old && header.sentences.is_some()) {
        return Err(format_err(
            path,
            format!(
                "damaged index header (format {version} with {} vectors)",
                header.meta.precision
            ),
        ));
    }
    let (count, dim) = (header.count, header.meta.dim);
    let sizes = (|| {
        let insights_end = (body_start as u64).checked_add(header.insights_bytes)?;
        let hashes_end = insights_end.checked_add((count as u64).checked_mul(HASH_BYTES as u64)?)?;
        let dates_end = hashes_end.checked_add((count as u64).checked_mul(generation.date_bytes())?)?;
        let vectors_start = dates_end.checked_add(padding(dates_end))?;
        let vectors = (count as u64).checked_mul(dim as u64)?.checked_mul(4)?;
        let vectors_end = vectors_start.checked_add(vectors)?;
        let table_bytes = match header.sentences {
            Some(rows) => (count as u64)
                .checked_add((rows as u64).checked_mul(generation.row_words())?)?
                .checked_mul(4)?,
            None => 0,
        };
        let table_end = vectors_end.checked_add(table_bytes)?;
        let sentences_start = match header.sentences {
            Some(_) => table_end.checked_add(padding(table_end))?,
            None => vectors_end,
        };
        let sentence_bytes = (header.sentences.unwrap_or(0) as u64)
            .checked_mul(dim as u64)?
            .checked_mul(4)?;
        let end = sentences_start
            .checked_add(sentence_bytes)?
            .checked_add(TRAILER as u64)?;
        let offsets = [
            insights_end,
            hashes_end,
            dates_end,
            vectors_start,
            vectors_end,
            table_end,
            sentences_start,
        ]
        .map(|x| x as usize);
        Some((offsets, end))
    })();
    let [insights_end, hashes_end, dates_end, vectors_start, vectors_end, table_end, sentences_start] = match sizes {
        Some((offsets, end)) if dim > 0 && end == len => offsets,
        Some((_, end)) if dim > 0 && end > len => return Err(truncated(path)),
        _ => {
            return Err(format_err(
                path,
                "the index file's size does not match its header (damaged)",
            ))
        }
    };
    let trailer_at = bytes.len() - TRAILER;
    let stored = u32::from_le_bytes(bytes[trailer_at..].try_into().unwrap_or_default());
    if crc32fast::hash(&bytes[..trailer_at]) != stored {
        return Err(format_err(
            path,
            "the index file is truncated or damaged (checksum mismatch); rebuild it with `insights index`",
        ));
    }
    let insights = read_insights(&bytes[body_start..insights_end], count)
        .ok_or_else(|| format_err(path, "damaged insight records"))?;
    let dates = read_dates(&bytes[hashes_end..dates_end], &insights)
        .ok_or_else(|| format_err(path, "damaged document dates"))?;
    let section = |start: usize, rows: usize| -> Result<Embeddings, IndexError> {
        let floats = rows * dim;
        let data = match map {
            Some(map) => MappedOrOwned::mapped(map, start, floats, |x: f32| f32::from_bits(u32::from_le(x.to_bits()))),
            None => None,
        }
        .unwrap_or_else(|| {
            let mut data = vec![0f32; floats];
            get_f32s(&bytes[start..start + floats * 4], &mut data);
            MappedOrOwned::Owned(data)
        });
        if data.iter().any(|x| !x.is_finite()) {
            return Err(format_err(path, "the index holds vectors that are not finite numbers"));
        }
        Ok(Embeddings::from_values(dim, data))
    };
    let vectors = section(vectors_start, count)?;
    let sentences = match header.sentences {
        None => None,
        Some(rows) => {
            let placed = generation == Generation::Current;
            let layout = read_sentence_table(&bytes[vectors_end..table_end], &insights, rows, placed)
                .ok_or_else(|| format_err(path, "damaged sentence table"))?;
            Some(layout.with_vectors(section(sentences_start, rows)?))
        }
    };
    let recorded = header.meta.split.clone();
    let meta = header.meta.meta().ok_or_else(|| {
        format_err(
            path,
            format!("split settings {recorded:?} that this build does not know; rebuild it with `insights index`"),
        )
    })?;
    Ok(Index {
        meta,
        hashes: bytes[insights_end..hashes_end]
            .chunks_exact(HASH_BYTES)
            .filter_map(TextHash::from_slice)
            .collect(),
        insights,
        vectors,
        sentences,
        dates,
    })
}
