//! The index file: written atomically (temporary file, then rename) and checked in full when read, so a truncated,
//! damaged or foreign file is refused with a message naming it.
//!
//! Layout, all integers little-endian:
//! `MAGIC` (12 bytes) · format version (u32) · header length (u64) · header (JSON: meta, count, insights, hashes) ·
//! zero padding to a multiple of 64 bytes · vectors (count × dim f32) · sha256 of everything before (32 bytes).

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Index, IndexError, IndexMeta};
use crate::insight::Insight;
use crate::vectors::Embeddings;

/// The first bytes of every index file.
pub const MAGIC: &[u8; 12] = b"INSIGHTS-IDX";
/// The version of the layout this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;
const ALIGN: usize = 64;
const PREFIX: usize = 12 + 4 + 8;
const TRAILER: usize = 32;

#[derive(Serialize, Deserialize)]
struct Header {
    meta: IndexMeta,
    count: usize,
    insights: Vec<Insight>,
    hashes: Vec<String>,
}

fn format_err(path: &Path, message: impl Into<String>) -> IndexError {
    IndexError::Format {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

fn padding(offset: usize) -> usize {
    (ALIGN - offset % ALIGN) % ALIGN
}

/// Writes `index` to `path` atomically: a temporary file beside it is written, flushed and renamed over `path`, so
/// `path` is either the old file or the whole new one, never half of one.
pub fn save(index: &Index, path: &Path) -> Result<(), IndexError> {
    let io = |p: &Path, source| IndexError::Io {
        path: p.to_path_buf(),
        source,
    };
    let header = Header {
        meta: index.meta.clone(),
        count: index.len(),
        insights: index.insights.clone(),
        hashes: index.hashes.clone(),
    };
    let header = serde_json::to_vec(&header).map_err(|e| format_err(path, e.to_string()))?;
    let mut bytes = Vec::with_capacity(PREFIX + header.len() + ALIGN + index.vectors.as_flat().len() * 4 + TRAILER);
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    bytes.extend_from_slice(&(header.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&header);
    bytes.resize(bytes.len() + padding(bytes.len()), 0);
    for x in index.vectors.as_flat() {
        bytes.extend_from_slice(&x.to_le_bytes());
    }
    let digest = Sha256::digest(&bytes);
    bytes.extend_from_slice(&digest);

    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    }
    let tmp = temp_path(path);
    let write = || -> std::io::Result<()> {
        let mut out = BufWriter::new(File::create(&tmp)?);
        out.write_all(&bytes)?;
        out.into_inner().map_err(|e| e.into_error())?.sync_all()
    };
    if let Err(e) = write().and_then(|()| fs::rename(&tmp, path)) {
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

/// Reads and checks an index file.
pub fn load(path: &Path) -> Result<Index, IndexError> {
    let bytes = fs::read(path).map_err(|source| IndexError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    decode(path, &bytes)
}

fn decode(path: &Path, bytes: &[u8]) -> Result<Index, IndexError> {
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(IndexError::NotAnIndex {
            path: path.to_path_buf(),
        });
    }
    if bytes.len() < PREFIX + TRAILER {
        return Err(format_err(
            path,
            "truncated index file; rebuild it with `insights index`",
        ));
    }
    let version = u32::from_le_bytes(bytes[12..16].try_into().unwrap_or_default());
    if version != FORMAT_VERSION {
        return Err(format_err(
            path,
            format!("index format version {version}, but this build reads version {FORMAT_VERSION}; rebuild it with `insights index`"),
        ));
    }
    let (body, trailer) = bytes.split_at(bytes.len() - TRAILER);
    if Sha256::digest(body).as_slice() != trailer {
        return Err(format_err(
            path,
            "the index file is truncated or damaged (checksum mismatch); rebuild it with `insights index`",
        ));
    }
    let header_len = u64::from_le_bytes(bytes[16..24].try_into().unwrap_or_default());
    let header_end = usize::try_from(header_len)
        .ok()
        .and_then(|n| n.checked_add(PREFIX))
        .filter(|&end| end <= body.len())
        .ok_or_else(|| format_err(path, "damaged index header (length out of range)"))?;
    let header: Header = serde_json::from_slice(&body[PREFIX..header_end])
        .map_err(|e| format_err(path, format!("damaged index header: {e}")))?;
    let dim = header.meta.dim;
    if dim == 0 || header.insights.len() != header.count || header.hashes.len() != header.count {
        return Err(format_err(path, "inconsistent index header (counts or dimension)"));
    }
    let start = header_end + padding(header_end);
    let expected = header.count.checked_mul(dim).and_then(|n| n.checked_mul(4));
    if expected != Some(body.len().saturating_sub(start)) || start > body.len() {
        return Err(format_err(
            path,
            "the vector section has the wrong size for the header's count and dimension",
        ));
    }
    let data: Vec<f32> = body[start..]
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    if data.iter().any(|x| !x.is_finite()) {
        return Err(format_err(path, "the index holds vectors that are not finite numbers"));
    }
    Ok(Index {
        meta: header.meta,
        insights: header.insights,
        hashes: header.hashes,
        vectors: Embeddings::from_flat(dim, data),
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
            let err = decode(&path, data).unwrap_err().to_string();
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
    }
}
