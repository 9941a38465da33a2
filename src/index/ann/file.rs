//! The approximate index's file, `FILE.ann` beside the index `FILE`: a fixed header, then the node keys, levels,
//! upper-list starts, level-0 lists and upper lists, then (when the header's storage word is 1) the int8 codes and
//! scales of the nodes' vectors, each section starting at a multiple of 64 bytes, and a CRC-32 of everything before
//! it at the end.
//!
//! It is mapped into memory, not read: after the checks (signature, sizes against the file length, the CRC, and
//! every link pointing at a node that has that level), the graph's arrays are the mapped bytes themselves. The
//! file is always written beside the old one and renamed over it, so a mapped file is never changed under a reader.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::compact::{Int8Vectors, Storage};
use super::graph::{Graph, MappedOrOwned, MAX_LEVEL, NONE};
use super::{AnnOptions, Hnsw};
use crate::index::store::{padding, write_atomically, CrcWriter};
use crate::index::IndexError;
use crate::mapped::map_file;

/// The first bytes of every approximate-index file.
pub const MAGIC: &[u8; 12] = b"INSIGHTS-ANN";
/// The version of the layout.
pub const VERSION: u32 = 1;
const HEADER: usize = 64;
const TRAILER: usize = 4;

/// The approximate index that belongs to the index file `index`: `index` with `.ann` appended.
pub fn ann_path(index: &Path) -> PathBuf {
    let mut name = index.as_os_str().to_os_string();
    name.push(".ann");
    PathBuf::from(name)
}

fn damaged(path: &Path, message: impl Into<String>) -> IndexError {
    IndexError::Format {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// Writes `hnsw` to `path` atomically.
pub fn save(hnsw: &Hnsw, path: &Path) -> Result<(), IndexError> {
    let g = &hnsw.graph;
    write_atomically(path, |out| {
        let mut header = Vec::with_capacity(HEADER);
        header.extend_from_slice(MAGIC);
        header.extend_from_slice(&VERSION.to_le_bytes());
        header.extend_from_slice(&(hnsw.len() as u64).to_le_bytes());
        header.extend_from_slice(&(hnsw.dim as u32).to_le_bytes());
        header.extend_from_slice(&(g.m as u32).to_le_bytes());
        header.extend_from_slice(&(hnsw.options.ef_construction as u32).to_le_bytes());
        header.extend_from_slice(&g.entry.to_le_bytes());
        header.extend_from_slice(&hnsw.options.seed.to_le_bytes());
        header.extend_from_slice(&(g.upper.len() as u64).to_le_bytes());
        header.extend_from_slice(&storage_word(hnsw.storage()).to_le_bytes());
        header.resize(HEADER, 0);
        out.put(&header)?;
        put_words(out, &hnsw.keys, u64::to_le)?;
        put_words(out, &g.levels, |x: u8| x)?;
        put_words(out, &g.upper_start, u32::to_le)?;
        put_words(out, &g.layer0, u32::to_le)?;
        put_words(out, &g.upper, u32::to_le)?;
        if let Some(int8) = &hnsw.int8 {
            put_words(out, &int8.codes, |x: i8| x)?;
            put_words(out, &int8.scales, |x: f32| f32::from_bits(x.to_bits().to_le()))?;
        }
        Ok(())
    })
}

/// The header's word for a storage (0 in files written before int8 copies existed).
fn storage_word(storage: Storage) -> u32 {
    match storage {
        Storage::F32 => 0,
        Storage::Int8 => 1,
    }
}

/// Writes `words` little-endian, then pads to the next section.
fn put_words<T: bytemuck::Pod, W: std::io::Write>(
    out: &mut CrcWriter<W>,
    words: &[T],
    to_le: fn(T) -> T,
) -> std::io::Result<()> {
    let mut block: Vec<T> = Vec::with_capacity(16 * 1024);
    for chunk in words.chunks(16 * 1024) {
        block.clear();
        block.extend(chunk.iter().map(|&w| to_le(w)));
        out.put(bytemuck::cast_slice(&block))?;
    }
    out.pad()
}

/// Where each section of a file of `n` nodes starts, and where the trailer starts.
pub(super) struct Layout {
    pub(super) keys: usize,
    pub(super) levels: usize,
    pub(super) upper_start: usize,
    pub(super) layer0: usize,
    pub(super) upper: usize,
    pub(super) codes: usize,
    pub(super) scales: usize,
    pub(super) end: usize,
}

/// The layout of a file of `n` nodes with `m0` level-0 slots, `upper_words` words of upper lists and `code_dim`
/// int8 codes per node (0 without an int8 copy).
pub(super) fn layout(n: usize, m0: usize, upper_words: usize, code_dim: usize) -> Option<Layout> {
    let align = |x: usize| x.checked_add(padding(x as u64) as usize);
    let keys = HEADER;
    let levels = align(keys.checked_add(n.checked_mul(8)?)?)?;
    let upper_start = align(levels.checked_add(n)?)?;
    let layer0 = align(upper_start.checked_add(n.checked_mul(4)?)?)?;
    let upper = align(layer0.checked_add(n.checked_mul(m0 + 1)?.checked_mul(4)?)?)?;
    let codes = align(upper.checked_add(upper_words.checked_mul(4)?)?)?;
    let (scales, end) = if code_dim == 0 {
        (codes, codes)
    } else {
        let scales = align(codes.checked_add(n.checked_mul(code_dim)?)?)?;
        (scales, align(scales.checked_add(n.checked_mul(4)?)?)?)
    };
    Some(Layout {
        keys,
        levels,
        upper_start,
        layer0,
        upper,
        codes,
        scales,
        end,
    })
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"))
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"))
}

fn section<T: bytemuck::Pod>(
    map: &Arc<memmap2::Mmap>,
    offset: usize,
    len: usize,
    from_le: fn(T) -> T,
) -> MappedOrOwned<T> {
    MappedOrOwned::mapped(map, offset, len, from_le).expect("sections lie inside the file: checked against its length")
}

/// Maps and checks the approximate index at `path`.
pub fn load(path: &Path) -> Result<Hnsw, IndexError> {
    let io = |source| IndexError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    if len < (HEADER + TRAILER) as u64 {
        return Err(damaged(path, format!("truncated approximate index ({len} bytes)")));
    }
    let map = map_file(&file).map_err(io)?;
    let bytes: &[u8] = &map;
    if &bytes[..12] != MAGIC {
        return Err(damaged(path, "not an approximate index (no INSIGHTS-ANN signature)"));
    }
    let version = u32_at(bytes, 12);
    if version != VERSION {
        return Err(damaged(
            path,
            format!("approximate index format {version}, this insights reads {VERSION}"),
        ));
    }
    let n = u64_at(bytes, 16);
    let dim = u32_at(bytes, 24) as usize;
    let m = u32_at(bytes, 28) as usize;
    let ef_construction = u32_at(bytes, 32) as usize;
    let entry = u32_at(bytes, 36);
    let seed = u64_at(bytes, 40);
    let upper_words = u64_at(bytes, 48);
    let storage = match u32_at(bytes, 56) {
        0 => Storage::F32,
        1 => Storage::Int8,
        other => return Err(damaged(path, format!("unknown vector storage {other}"))),
    };
    if !(2..=256).contains(&m) || dim == 0 || n >= NONE as u64 {
        return Err(damaged(
            path,
            format!("impossible header (nodes {n}, dim {dim}, m {m})"),
        ));
    }
    let n = n as usize;
    let code_dim = if storage == Storage::Int8 { dim } else { 0 };
    let at = usize::try_from(upper_words)
        .ok()
        .and_then(|u| layout(n, 2 * m, u, code_dim))
        .filter(|l| l.end as u64 + TRAILER as u64 == len)
        .ok_or_else(|| damaged(path, format!("truncated or padded: {len} bytes do not fit {n} nodes")))?;
    let stored = u32_at(bytes, at.end);
    if crc32fast::hash(&bytes[..at.end]) != stored {
        return Err(damaged(path, "checksum mismatch (the file is damaged)"));
    }
    let graph = Graph {
        m,
        m0: 2 * m,
        levels: section(&map, at.levels, n, |x: u8| x),
        layer0: section(&map, at.layer0, n * (2 * m + 1), u32::from_le),
        upper_start: section(&map, at.upper_start, n, u32::from_le),
        upper: section(&map, at.upper, upper_words as usize, u32::from_le),
        entry,
    };
    check_links(&graph).map_err(|message| damaged(path, message))?;
    let int8 = (storage == Storage::Int8).then(|| Int8Vectors {
        dim,
        codes: section(&map, at.codes, n * dim, |x: i8| x),
        scales: section(&map, at.scales, n, |x: f32| f32::from_bits(u32::from_le(x.to_bits()))),
    });
    Ok(Hnsw {
        graph,
        keys: section(&map, at.keys, n, u64::from_le),
        dim,
        options: AnnOptions {
            m,
            ef_construction,
            seed,
            ..AnnOptions::default()
        },
        int8,
    })
}

/// Checks that the lists fit their slots and every link points at a node present at that level, so that no search
/// can index out of bounds.
fn check_links(g: &Graph) -> Result<(), String> {
    let n = g.len();
    let mut next = 0usize;
    for (node, (&level, &start)) in g.levels.iter().zip(g.upper_start.iter()).enumerate() {
        if level > MAX_LEVEL {
            return Err(format!("node {node} has level {level}"));
        }
        let expected = if level == 0 { NONE } else { next as u32 };
        if start != expected {
            return Err(format!("node {node}: upper lists out of place"));
        }
        next += level as usize * (g.m + 1);
    }
    if next != g.upper.len() {
        return Err("upper lists do not fill their section".into());
    }
    match g.entry {
        NONE if n == 0 => {}
        e if (e as usize) < n => {
            if g.levels.iter().any(|&l| l > g.levels[e as usize]) {
                return Err("the entry point is not on the top level".into());
            }
        }
        _ => return Err(format!("entry point {} of {n} nodes", g.entry)),
    }
    for node in 0..n as u32 {
        for level in 0..=g.levels[node as usize] {
            let (words, start, cap): (&[u32], usize, usize) = if level == 0 {
                (&g.layer0, node as usize * (g.m0 + 1), g.m0)
            } else {
                (
                    &g.upper,
                    g.upper_start[node as usize] as usize + (level as usize - 1) * (g.m + 1),
                    g.m,
                )
            };
            let count = words[start] as usize;
            if count > cap {
                return Err(format!("node {node} has {count} links at level {level}"));
            }
            if words[start + 1..start + 1 + count]
                .iter()
                .any(|&x| x as usize >= n || g.levels[x as usize] < level)
            {
                return Err(format!(
                    "node {node} links to a node that is not there at level {level}"
                ));
            }
        }
    }
    Ok(())
}
