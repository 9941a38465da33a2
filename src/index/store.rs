//! The index file: written atomically (temporary file, then rename) and checked in full when read, so a truncated,
//! damaged or foreign file is refused with a message naming it.
//!
//! Layout (version 6 for f32 vectors, 7 for int8-precision ones), all integers little-endian:
//! `MAGIC` (12 bytes) · format version (u32) · header length (u64) · header (JSON: meta, count, insights_bytes,
//! sentences) · insights (`insights_bytes` bytes, binary records, see [`write_insight`]) · text hashes (count × 16
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

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{get_f32s, parse_hex_hash, put_f32s, Index, SentenceLayout, Sentences};
use super::{IndexError, IndexMeta};
use crate::embed::acquire::model_files::hex;
use crate::embed::{Precision, VectorKind};
use crate::insight::dates::{DateSource, Day, DocumentDate, DocumentDates};
use crate::insight::{Insight, TextPosition};
use crate::mapped::{map_file, Words};
use crate::vectors::Embeddings;

/// The first bytes of every index file.
pub const MAGIC: &[u8; 12] = b"INSIGHTS-IDX";
/// The version of the layout this build writes for f32 vectors.
pub const FORMAT_VERSION: u32 = 6;
/// The same layout holding int8-precision vectors: a version of its own, so that a build that knows nothing of
/// precisions refuses the file instead of taking its vectors for f32 ones.
pub const INT8_FORMAT_VERSION: u32 = 7;

/// What a format version holds, from the oldest read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Generation {
    /// Versions 2 (f32) and 3 (int8): no sentences.
    NoSentences,
    /// Versions 4 and 5: sentences, without their places in the documents.
    Unplaced,
    /// Versions 6 and 7: sentences with their places.
    Current,
}

impl Generation {
    /// The generation of a version this build reads.
    fn of(version: u32) -> Option<Generation> {
        match version {
            2 | 3 => Some(Generation::NoSentences),
            4 | 5 => Some(Generation::Unplaced),
            6 | 7 => Some(Generation::Current),
            _ => None,
        }
    }

    /// The format version of this generation for vectors made at `precision`.
    fn version(self, precision: Precision) -> u32 {
        let base = match self {
            Generation::NoSentences => 2,
            Generation::Unplaced => 4,
            Generation::Current => FORMAT_VERSION,
        };
        base + u32::from(precision == Precision::Int8)
    }

    /// Bytes of the dates section per insight.
    fn date_bytes(self) -> u64 {
        if self == Generation::Current {
            DATE_BYTES as u64
        } else {
            0
        }
    }

    /// Words (u32) of the sentence table per sentence row.
    fn row_words(self) -> u64 {
        if self == Generation::Current {
            6
        } else {
            2
        }
    }
}
pub(crate) const ALIGN: usize = 64;
const PREFIX: usize = 12 + 4 + 8;
const TRAILER: usize = 4;
/// Bytes of one stored text hash.
const HASH_BYTES: usize = 16;
/// Bytes of one insight's stored date.
const DATE_BYTES: usize = 8;
/// The stored day of an undated insight.
const UNDATED: i32 = i32::MIN;
/// The largest header accepted (it holds only the model's description and counts).
const MAX_HEADER: u64 = 1 << 20;

/// The file's record of what made the index ([`IndexMeta`]): its own type, so that the format changes only here.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct MetaRecord {
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
            split: meta.split.clone(),
        }
    }
}

impl From<MetaRecord> for IndexMeta {
    fn from(record: MetaRecord) -> Self {
        IndexMeta {
            kind: VectorKind {
                model_id: record.model_id,
                weights_sha256: record.weights_sha256,
                dim: record.dim,
                precision: record.precision,
            },
            split: record.split,
        }
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

pub(crate) fn padding(offset: u64) -> u64 {
    (ALIGN as u64 - offset % ALIGN as u64) % ALIGN as u64
}

/// A writer that keeps the CRC-32 of what passed through it.
pub(crate) struct CrcWriter<W> {
    inner: W,
    crc: crc32fast::Hasher,
    written: u64,
}

impl<W: Write> CrcWriter<W> {
    /// Writes `bytes`.
    pub(crate) fn put(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.crc.update(bytes);
        self.written += bytes.len() as u64;
        self.inner.write_all(bytes)
    }

    /// Writes zeros up to the next multiple of 64 bytes, where the next section starts.
    pub(crate) fn pad(&mut self) -> std::io::Result<()> {
        self.put(&[0u8; ALIGN][..padding(self.written) as usize])
    }
}

/// Appends one insight: doc, text, source id and file as length-prefixed UTF-8 (u32 length; an absent optional
/// string has length `u32::MAX`), then the first and last line (u64 each).
fn write_insight(out: &mut Vec<u8>, insight: &Insight) {
    let mut string = |s: Option<&str>| match s {
        Some(s) => {
            out.extend_from_slice(&(s.len() as u32).to_le_bytes());
            out.extend_from_slice(s.as_bytes());
        }
        None => out.extend_from_slice(&u32::MAX.to_le_bytes()),
    };
    string(Some(&insight.doc));
    string(Some(&insight.text));
    string(insight.source_id.as_deref());
    string(insight.file.as_deref());
    out.extend_from_slice(&(insight.line_start as u64).to_le_bytes());
    out.extend_from_slice(&(insight.line_end as u64).to_le_bytes());
}

/// Reads the insights section written by [`write_insight`]; `None` when it is malformed.
fn read_insights(mut bytes: &[u8], count: usize) -> Option<Vec<Insight>> {
    let mut take = |n: usize| -> Option<&[u8]> {
        let (head, rest) = (bytes.len() >= n).then(|| bytes.split_at(n))?;
        bytes = rest;
        Some(head)
    };
    let mut insights = Vec::with_capacity(count);
    for _ in 0..count {
        let mut string = || -> Option<Option<String>> {
            let len = u32::from_le_bytes(take(4)?.try_into().ok()?);
            if len == u32::MAX {
                return Some(None);
            }
            String::from_utf8(take(len as usize)?.to_vec()).ok().map(Some)
        };
        let doc = string()??;
        let text = string()??;
        let source_id = string()?;
        let file = string()?;
        let line_start = usize::try_from(u64::from_le_bytes(take(8)?.try_into().ok()?)).ok()?;
        let line_end = usize::try_from(u64::from_le_bytes(take(8)?.try_into().ok()?)).ok()?;
        insights.push(Insight {
            doc,
            line_start,
            line_end,
            text,
            source_id,
            file,
        });
    }
    bytes.is_empty().then_some(insights)
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
        let raw = parse_hex_hash(h).ok_or_else(|| format_err(path, format!("invalid text hash {h:?}")))?;
        hashes.extend_from_slice(&raw);
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

/// The sentence table's bytes: each insight's row count, then each row's byte range (u32 little-endian each).
fn sentence_table(s: &SentenceLayout) -> Vec<u8> {
    let mut out = Vec::with_capacity((s.first.len() - 1 + 2 * s.len()) * 4);
    for w in s.first.windows(2) {
        out.extend_from_slice(&((w[1] - w[0]) as u32).to_le_bytes());
    }
    for span in &s.spans {
        out.extend_from_slice(&(span.start as u32).to_le_bytes());
        out.extend_from_slice(&(span.end as u32).to_le_bytes());
    }
    for place in &s.places {
        let words = place.map_or([0; 4], |p| [p.line_start, p.column_start, p.line_end, p.column_end]);
        for w in words {
            out.extend_from_slice(&(u32::try_from(w).unwrap_or(0)).to_le_bytes());
        }
    }
    out
}

/// Reads the sentence table of `rows` rows over `insights` (`placed`: with the rows' places in their documents);
/// `None` when it is malformed (counts that do not add up, a range outside its insight's text or not on character
/// boundaries, a place that is partly 0).
fn read_sentence_table(bytes: &[u8], insights: &[Insight], rows: usize, placed: bool) -> Option<SentenceLayout> {
    let mut words = bytes
        .chunks_exact(4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize);
    let mut first = Vec::with_capacity(insights.len() + 1);
    first.push(0);
    for _ in insights {
        let next = usize::checked_add(*first.last()?, words.next()?)?;
        first.push(next);
    }
    if first.last() != Some(&rows) {
        return None;
    }
    let mut spans = Vec::with_capacity(rows);
    for (i, w) in first.windows(2).enumerate() {
        let text = &insights[i].text;
        for _ in w[0]..w[1] {
            let (start, end) = (words.next()?, words.next()?);
            if start >= end || end > text.len() || !text.is_char_boundary(start) || !text.is_char_boundary(end) {
                return None;
            }
            spans.push(start..end);
        }
    }
    let mut places = Vec::with_capacity(rows);
    for _ in 0..rows {
        if !placed {
            places.push(None);
            continue;
        }
        let w = [words.next()?, words.next()?, words.next()?, words.next()?];
        places.push(match w {
            [0, 0, 0, 0] => None,
            [line_start, column_start, line_end, column_end] if !w.contains(&0) && line_start <= line_end => {
                Some(TextPosition {
                    line_start,
                    column_start,
                    line_end,
                    column_end,
                })
            }
            _ => return None,
        });
    }
    words
        .next()
        .is_none()
        .then_some(SentenceLayout { first, spans, places })
}

/// Writes a file atomically: `write` fills a temporary file beside `path`, a CRC-32 of all it wrote is appended,
/// and the file is flushed and renamed over `path`, so `path` is either the old file or the whole new one.
pub(crate) fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut CrcWriter<BufWriter<File>>) -> std::io::Result<()>,
) -> Result<(), IndexError> {
    let io = |p: &Path, source| IndexError::Io {
        path: p.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    }
    remove_orphans(path);
    let tmp = temp_path(path);
    let run = || -> std::io::Result<()> {
        let mut out = CrcWriter {
            inner: BufWriter::with_capacity(1 << 20, File::create(&tmp)?),
            crc: crc32fast::Hasher::new(),
            written: 0,
        };
        write(&mut out)?;
        let crc = out.crc.clone().finalize();
        out.inner.write_all(&crc.to_le_bytes())?;
        out.inner.into_inner().map_err(|e| e.into_error())?.sync_all()
    };
    if let Err(e) = run().and_then(|()| fs::rename(&tmp, path)) {
        let _ = fs::remove_file(&tmp);
        return Err(io(path, e));
    }
    Ok(())
}

/// Removes the temporary files of `path` left by writers that died before renaming them (`NAME.tmp-PID` whose
/// process is gone). Only where the system says which processes live (`/proc`; a writer in another PID namespace
/// sharing the folder would look gone); elsewhere they are left alone.
fn remove_orphans(path: &Path) {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name().and_then(|n| n.to_str())) else {
        return;
    };
    if !Path::new("/proc/self").exists() {
        return;
    }
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let prefix = format!("{name}.tmp-");
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let file = entry.file_name();
        let Some(pid) = file.to_str().and_then(|f| f.strip_prefix(&prefix)) else {
            continue;
        };
        if !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()) && !Path::new("/proc").join(pid).exists() {
            let _ = fs::remove_file(entry.path());
        }
    }
}

fn temp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(format!(".tmp-{}", std::process::id()));
    path.with_file_name(name)
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
        if version > INT8_FORMAT_VERSION {
            return Err(IndexError::NewerFormat {
                path: path.to_path_buf(),
                version,
                newest: INT8_FORMAT_VERSION,
            });
        }
        return Err(format_err(
            path,
            format!(
                "index format version {version}, but this build reads versions 2 to {INT8_FORMAT_VERSION}; rebuild \
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
            Some(map) => Words::mapped(map, start, floats, |x: f32| f32::from_bits(u32::from_le(x.to_bits()))),
            None => None,
        }
        .unwrap_or_else(|| {
            let mut data = vec![0f32; floats];
            get_f32s(&bytes[start..start + floats * 4], &mut data);
            Words::Owned(data)
        });
        if data.iter().any(|x| !x.is_finite()) {
            return Err(format_err(path, "the index holds vectors that are not finite numbers"));
        }
        Ok(Embeddings::from_words(dim, data))
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
    Ok(Index {
        meta: header.meta.into(),
        hashes: bytes[insights_end..hashes_end]
            .chunks_exact(HASH_BYTES)
            .map(hex)
            .collect(),
        insights,
        vectors,
        sentences,
        dates,
    })
}

/// Each insight's document's date, as the dates section stores it.
fn date_section(index: &Index) -> Vec<u8> {
    let mut out = Vec::with_capacity(index.len() * DATE_BYTES);
    for insight in &index.insights {
        let (day, source) = match index.dates.get(&insight.doc) {
            Some(d) => {
                let code = DateSource::ALL
                    .iter()
                    .position(|&s| s == d.source)
                    .map_or(0, |p| p as u32 + 1);
                (d.date.days_since_epoch(), code)
            }
            None => (UNDATED, 0),
        };
        out.extend_from_slice(&day.to_le_bytes());
        out.extend_from_slice(&source.to_le_bytes());
    }
    out
}

/// The documents' dates from the dates section; `None` when it is malformed (a day out of range, an unknown source).
fn read_dates(bytes: &[u8], insights: &[Insight]) -> Option<DocumentDates> {
    let mut dates = DocumentDates::new();
    for (insight, b) in insights.iter().zip(bytes.chunks_exact(DATE_BYTES)) {
        let day = i32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        let code = u32::from_le_bytes([b[4], b[5], b[6], b[7]]);
        if day == UNDATED && code == 0 {
            continue;
        }
        let date = Day::from_days_since_epoch(day)?;
        let source = *DateSource::ALL.get((code as usize).checked_sub(1)?)?;
        if !dates.contains_key(&insight.doc) {
            dates.insert(insight.doc.clone(), DocumentDate { date, source });
        }
    }
    Some(dates)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::text_hash;

    fn sample() -> Index {
        let insights: Vec<Insight> = ["alpha", "beta", "gamma"]
            .iter()
            .enumerate()
            .map(|(i, t)| Insight {
                doc: format!("doc{i}.txt"),
                line_start: i + 1,
                line_end: i + 2,
                text: t.to_string(),
                source_id: (i == 1).then(|| "b".to_string()),
                file: None,
            })
            .collect();
        let mut vectors = Embeddings::from_flat(3, vec![1., 2., 3., 0., 1., 0., -1., 0., 0.]);
        vectors.normalize();
        Index {
            meta: IndexMeta {
                kind: crate::embed::VectorKind {
                    model_id: "tiny".into(),
                    weights_sha256: "00ff".into(),
                    dim: 3,
                    precision: crate::embed::Precision::F32,
                },
                split: "paragraph".into(),
            },
            hashes: insights.iter().map(|i| text_hash(&i.text)).collect(),
            insights,
            vectors,
            sentences: None,
            dates: Default::default(),
        }
    }

    #[test]
    fn sentence_vectors_round_trip_and_older_formats_read_without_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.idx");
        let insights = vec![
            Insight::new("a", 1, 1, "First claim here. Second claim there."),
            Insight::new("b", 1, 1, "One claim only."),
        ];
        let meta = sample().meta;
        let embed = |texts: &[&str]| -> Result<Embeddings, ()> {
            let mut e = Embeddings::empty(3);
            for t in texts {
                e.push(&[t.len() as f32, 1.0, 0.5]);
            }
            e.normalize();
            Ok(e)
        };
        let (mut index, _) = Index::build(meta, insights, &[], embed).unwrap();
        assert_eq!(index.sentences.as_ref().unwrap().len(), 2);
        save(&index, &path).unwrap();
        assert_eq!(load(&path).unwrap(), index);
        // Places are kept; a row without one reads back as unplaced.
        let place = TextPosition {
            line_start: 3,
            column_start: 5,
            line_end: 4,
            column_end: 2,
        };
        index.sentences.as_mut().unwrap().layout.places[1] = Some(place);
        save(&index, &path).unwrap();
        let back = load(&path).unwrap();
        assert_eq!(back.sentences.as_ref().unwrap().layout.places, [None, Some(place)]);
        assert_eq!(back, index);
        // Versions 4 and 5 hold no places: their table is the counts and ranges alone.
        let layout = &index.sentences.as_ref().unwrap().layout;
        let full = sentence_table(layout);
        let short = &full[..full.len() - 16 * layout.len()];
        let unplaced = read_sentence_table(short, &index.insights, 2, false).unwrap();
        assert_eq!(
            (unplaced.spans.clone(), unplaced.places.clone()),
            (layout.spans.clone(), vec![None, None])
        );
        assert!(read_sentence_table(short, &index.insights, 2, true).is_none());
        let mut partly = full.clone();
        let at = full.len() - 16;
        partly[at..at + 4].copy_from_slice(&0u32.to_le_bytes());
        assert!(
            read_sentence_table(&partly, &index.insights, 2, true).is_none(),
            "a place partly 0 is damage"
        );
        // Version 2 (f32, before sentence vectors): the same layout without the sentence section and header field.
        save(&sample(), &path).unwrap();
        let mut bytes = fs::read(&path).unwrap();
        bytes[12] = 2;
        let crc = crc32fast::hash(&bytes[..bytes.len() - 4]);
        let at = bytes.len() - 4;
        bytes[at..].copy_from_slice(&crc.to_le_bytes());
        let old = decode(&path, &bytes, None).unwrap();
        assert_eq!(old.sentences, None);
        assert_eq!(old.vectors, sample().vectors);
        // A sentence table whose ranges leave their text, or whose counts do not add up, is refused by name.
        let table = index.sentences.as_ref().unwrap();
        let mut bytes = sentence_table(&table.layout);
        assert!(read_sentence_table(&bytes, &index.insights, 2, true).is_some());
        assert!(read_sentence_table(&bytes, &index.insights, 3, true).is_none());
        bytes[12..16].copy_from_slice(&999u32.to_le_bytes());
        assert!(read_sentence_table(&bytes, &index.insights, 2, true).is_none());
        let mut broken = index.clone();
        broken.sentences.as_mut().unwrap().layout.spans[1] = 18..99;
        let err = save(&broken, &path).unwrap_err().to_string();
        assert!(err.contains("inconsistent sentence table"), "{err}");
        assert_eq!(
            load(&path).unwrap().insights,
            sample().insights,
            "the file before is kept"
        );
    }

    #[test]
    fn round_trips_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/x.idx");
        save(&sample(), &path).unwrap();
        assert_eq!(load(&path).unwrap(), sample());
        let mut dated = sample();
        let date = Day::parse_start("2024-05-01").unwrap();
        let source = DateSource::FrontMatter;
        dated.dates.insert("doc1.txt".into(), DocumentDate { date, source });
        save(&dated, &path).unwrap();
        assert_eq!(load(&path).unwrap(), dated, "dates are kept");
        let section = date_section(&dated);
        assert_eq!(read_dates(&section, &dated.insights), Some(dated.dates.clone()));
        let mut unknown = section.clone();
        unknown[DATE_BYTES + 4] = 9;
        assert_eq!(
            read_dates(&unknown, &dated.insights),
            None,
            "an unknown source is damage"
        );
        let leftovers: Vec<_> = fs::read_dir(path.parent().unwrap()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left");
        // A writer killed before its rename left its temporary file: the next save removes it, and never the
        // temporary file of a writer still alive, nor another file.
        if Path::new("/proc/self").exists() {
            let dir = path.parent().unwrap();
            let dead = dir.join(format!("x.idx.tmp-{}", u32::MAX - 1));
            let alive = dir.join("x.idx.tmp-1");
            let other = dir.join("x.idx.tmp-notes");
            for f in [&dead, &alive, &other] {
                fs::write(f, b"partial").unwrap();
            }
            save(&sample(), &path).unwrap();
            assert!(!dead.exists(), "the orphan is removed");
            assert!(other.exists(), "a file not named by a process id is left alone");
            assert!(
                alive.exists(),
                "a live process's (pid 1's) temporary file is left alone"
            );
        }
    }

    #[test]
    fn truncated_damaged_and_foreign_files_are_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.idx");
        save(&sample(), &path).unwrap();
        let bytes = fs::read(&path).unwrap();
        let check = |data: &[u8], needle: &str| {
            let err = decode(&path, data, None).unwrap_err().to_string();
            assert!(err.contains("x.idx") && err.contains(needle), "{err}");
        };
        check(&bytes[..bytes.len() - 10], "truncated");
        check(&bytes[..30], "truncated");
        let mut flipped = bytes.clone();
        flipped[40] ^= 1;
        check(&flipped, "damaged");
        check(b"{\"some\": \"json\"}", "not an insights index");
        check(b"", "not an insights index");
        let mut future = bytes.clone();
        future[12] = 9;
        let err = decode(&path, &future, None).unwrap_err();
        assert!(matches!(err, IndexError::NewerFormat { version: 9, .. }), "{err}");
        assert!(
            err.to_string()
                .contains("x.idx: index format version 9, newer than this build reads"),
            "{err}"
        );
        // Format 3 is for int8 vectors only: an f32 index marked 3 is refused, not misread.
        let mut three = bytes.clone();
        three[12] = 3;
        check(&three, "format 3 with f32 vectors");
        // A header claiming more insights than the file holds is refused before anything is allocated for them.
        // Found in the bytes: a lossy text conversion would shift offsets past the binary header length.
        let at = bytes.windows(9).position(|w| w == b"\"count\":3").unwrap() + 8;
        let mut inflated = bytes.clone();
        inflated[at] = b'9';
        check(&inflated, "truncated");
    }
}
