//! One writer at a time: an advisory lock on `FILE.lock` beside the file being written, held for as long as the
//! [`WriteLock`] lives and removed with it. The holder's process id is written into the lock file so that a refused
//! writer can say who holds it. A lock file left by a killed writer holds no lock (the kernel drops it with the
//! process), so it never blocks anyone.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::IndexError;

/// The lock file of `path`: `path` with `.lock` added.
pub fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".lock");
    path.with_file_name(name)
}

/// A held lock on writing one file.
#[derive(Debug)]
pub struct WriteLock {
    file: File,
    path: PathBuf,
}

/// Another process holds the lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    /// The lock file.
    pub path: PathBuf,
    /// The holder's process id, when it could be read.
    pub pid: Option<u32>,
}

impl WriteLock {
    /// Takes the lock on writing `path` if no other process holds it: `Ok(Err(held))` when one does.
    pub fn try_acquire(path: &Path) -> Result<Result<WriteLock, Held>, IndexError> {
        Self::acquire_with(path, false)
    }

    /// Takes the lock on writing `path`, waiting for another holder to release it.
    pub fn acquire(path: &Path) -> Result<WriteLock, IndexError> {
        match Self::acquire_with(path, true)? {
            Ok(lock) => Ok(lock),
            // Waiting cannot end with the lock held by another.
            Err(held) => Err(IndexError::Io {
                path: held.path,
                source: std::io::Error::other("lock still held after waiting"),
            }),
        }
    }

    fn acquire_with(path: &Path, wait: bool) -> Result<Result<WriteLock, Held>, IndexError> {
        let path = lock_path(path);
        let io = |source| IndexError::Io {
            path: path.clone(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir).map_err(|source| IndexError::Io {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        loop {
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(io)?;
            let locked = if wait {
                file.lock().map(|()| true).map_err(io)?
            } else {
                match file.try_lock() {
                    Ok(()) => true,
                    Err(TryLockError::WouldBlock) => false,
                    Err(TryLockError::Error(e)) => return Err(io(e)),
                }
            };
            if !locked {
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                return Ok(Err(Held {
                    path,
                    pid: text.trim().parse().ok(),
                }));
            }
            // A holder that finished between our open and our lock removed the file we locked: lock the new one.
            let same = match (fs::metadata(&path), file.metadata()) {
                (Ok(now), Ok(ours)) => now.ino() == ours.ino() && now.dev() == ours.dev(),
                _ => false,
            };
            if !same {
                continue;
            }
            file.set_len(0).map_err(io)?;
            file.rewind().map_err(io)?;
            write!(file, "{}", std::process::id()).map_err(io)?;
            return Ok(Ok(WriteLock { file, path }));
        }
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for WriteLock {
    fn drop(&mut self) {
        // Removed while still held, so a writer that opened it meanwhile sees it was replaced and tries again.
        let _ = fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_writer_is_refused_and_told_who_holds_the_lock() {
        let tmp = tempfile::tempdir().unwrap();
        let index = tmp.path().join("a.idx");
        let first = WriteLock::try_acquire(&index).unwrap().expect("free");
        assert_eq!(first.path(), tmp.path().join("a.idx.lock"));
        let held = WriteLock::try_acquire(&index).unwrap().expect_err("held");
        assert_eq!(held.pid, Some(std::process::id()));
        drop(first);
        assert!(!lock_path(&index).exists(), "the lock file goes with the lock");
        let again = WriteLock::try_acquire(&index).unwrap();
        assert!(again.is_ok());
    }

    #[test]
    fn the_folder_of_a_file_not_yet_written_is_made() {
        let tmp = tempfile::tempdir().unwrap();
        let index = tmp.path().join("new/folder/a.idx");
        assert!(WriteLock::acquire(&index).is_ok());
    }

    #[test]
    fn a_lock_file_left_behind_locks_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let index = tmp.path().join("a.idx");
        std::fs::write(lock_path(&index), "4000000").unwrap();
        assert!(WriteLock::try_acquire(&index).unwrap().is_ok());
    }

    #[test]
    fn a_waiting_writer_gets_the_lock_once_it_is_released() {
        let tmp = tempfile::tempdir().unwrap();
        let index = tmp.path().join("a.idx");
        let first = WriteLock::acquire(&index).unwrap();
        let waiter = {
            let index = index.clone();
            std::thread::spawn(move || WriteLock::acquire(&index).map(|l| l.path().to_path_buf()))
        };
        std::thread::sleep(std::time::Duration::from_millis(100));
        assert!(!waiter.is_finished(), "waits while the lock is held");
        drop(first);
        assert_eq!(waiter.join().unwrap().unwrap(), lock_path(&index));
    }
}
