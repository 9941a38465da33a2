//! The index file: written atomically (temporary file, then rename) and checked in full when read, so a truncated,
//! damaged or foreign file is refused with a message naming it.
//!
//! Layout (version 2 for f32 vectors, 3 for int8-precision ones), all integers little-endian:
//! `MAGIC` (12 bytes) · format version (u32) · header length (u64) · header (JSON: meta, count, insights_bytes) ·
//! insights (`insights_bytes` bytes, binary records, see [`write_insight`]) · text hashes (count × 16 bytes) ·
//! zero padding to a multiple of 64 bytes · vectors (count × dim f32) · CRC-32 of everything before (u32).
//!
//! Every size is checked against the file's length before anything is allocated, and the file is read section by
//! section, so loading takes no more memory than the index itself. The CRC-32 (hardware-accelerated) catches
//! truncation and damage at a few GB/s; it is not a defence against deliberate tampering.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{get_f32s, parse_hex_hash, put_f32s, Index};
use super::{IndexError, IndexMeta};
use crate::embed::model_files::hex;
use crate::embed::Precision;
use crate::insight::Insight;
use crate::mapped::{map_file, Words};
use crate::vectors::Embeddings;

/// The first bytes of every index file.
pub const MAGIC: &[u8; 12] = b"INSIGHTS-IDX";
/// The version of the layout this build writes and reads for f32 vectors.
pub const FORMAT_VERSION: u32 = 2;
/// The same layout holding int8-precision vectors: a version of its own, so that a build that knows nothing of
/// precisions refuses the file instead of taking its vectors for f32 ones.
pub const INT8_FORMAT_VERSION: u32 = 3;

/// The format version of an index of vectors made at `precision`.
fn version_for(precision: Precision) -> u32 {
    match precision {
        Precision::F32 => FORMAT_VERSION,
        Precision::Int8 => INT8_FORMAT_VERSION,
    }
}
pub(crate) const ALIGN: usize = 64;
const PREFIX: usize = 12 + 4 + 8;
const TRAILER: usize = 4;
/// Bytes of one stored text hash.
const HASH_BYTES: usize = 16;
/// The largest header accepted (it holds only the model's description and counts).
const MAX_HEADER: u64 = 1 << 20;

#[derive(Serialize, Deserialize)]
struct Header {
    meta: IndexMeta,
    count: usize,
    insights_bytes: u64,
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
    if index.hashes.len() != index.len() || index.vectors.len() != index.len() || index.vectors.dim() != index.meta.dim
    {
        return Err(format_err(
            path,
            "inconsistent index (counts or dimension); not written",
        ));
    }
    let header = Header {
        meta: index.meta.clone(),
        count: index.len(),
        insights_bytes: insights.len() as u64,
    };
    let header = serde_json::to_vec(&header).map_err(|e| format_err(path, e.to_string()))?;

    write_atomically(path, |out| {
        out.put(MAGIC)?;
        out.put(&version_for(index.meta.precision).to_le_bytes())?;
        out.put(&(header.len() as u64).to_le_bytes())?;
        out.put(&header)?;
        out.put(&insights)?;
        out.put(&hashes)?;
        out.pad()?;
        let mut block = Vec::with_capacity(64 * 1024);
        for chunk in index.vectors.as_flat().chunks(16 * 1024) {
            block.clear();
            put_f32s(&mut block, chunk);
            out.put(&block)?;
        }
        Ok(())
    })
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
    if version != FORMAT_VERSION && version != INT8_FORMAT_VERSION {
        return Err(format_err(
            path,
            format!(
                "index format version {version}, but this build reads versions {FORMAT_VERSION} and \
                 {INT8_FORMAT_VERSION}; rebuild it with `insights index`"
            ),
        ));
    }
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
    if version != version_for(header.meta.precision) {
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
        let vectors_start = hashes_end.checked_add(padding(hashes_end))?;
        let vectors = (count as u64).checked_mul(dim as u64)?.checked_mul(4)?;
        let end = vectors_start.checked_add(vectors)?.checked_add(TRAILER as u64)?;
        Some((insights_end as usize, hashes_end as usize, vectors_start as usize, end))
    })();
    let (insights_end, hashes_end, vectors_start) = match sizes {
        Some((i, h, v, end)) if dim > 0 && end == len => (i, h, v),
        Some((_, _, _, end)) if dim > 0 && end > len => return Err(truncated(path)),
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
    let floats = count * dim;
    let data = match map {
        Some(map) => Words::mapped(map, vectors_start, floats, |x: f32| {
            f32::from_bits(u32::from_le(x.to_bits()))
        }),
        None => None,
    }
    .unwrap_or_else(|| {
        let mut data = vec![0f32; floats];
        get_f32s(&bytes[vectors_start..trailer_at], &mut data);
        Words::Owned(data)
    });
    if data.iter().any(|x| !x.is_finite()) {
        return Err(format_err(path, "the index holds vectors that are not finite numbers"));
    }
    Ok(Index {
        meta: header.meta,
        insights,
        hashes: bytes[insights_end..hashes_end]
            .chunks_exact(HASH_BYTES)
            .map(hex)
            .collect(),
        vectors: Embeddings::from_words(dim, data),
    })
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
                model_id: "tiny".into(),
                weights_sha256: "00ff".into(),
                dim: 3,
                precision: crate::embed::Precision::F32,
                split: "paragraph".into(),
            },
            hashes: insights.iter().map(|i| text_hash(&i.text)).collect(),
            insights,
            vectors,
        }
    }

    #[test]
    fn round_trips_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/x.idx");
        save(&sample(), &path).unwrap();
        assert_eq!(load(&path).unwrap(), sample());
        let leftovers: Vec<_> = fs::read_dir(path.parent().unwrap()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left");
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
        check(&future, "format version 9");
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
