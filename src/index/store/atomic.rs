//! Writing a file so that it is either the old one or the whole new one: a temporary file beside it, 64-byte aligned
//! sections, a CRC-32 of everything, then a rename; and the temporary files of writers that died, cleared.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::layout::ALIGN;
use crate::index::IndexError;

/// The zero bytes from `offset` to the next multiple of [`ALIGN`], where a section starts.
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
