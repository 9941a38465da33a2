//! What goes wrong reading inputs: the error for a path the user named, and the reason a file found in a folder
//! was skipped.

use std::path::{Path, PathBuf};

use super::decode::{Problem, MAX_FILE_BYTES};

/// A file found while walking a folder that was left out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The file.
    pub path: PathBuf,
    /// Why it was left out, e.g. "binary file" or "empty file".
    pub reason: String,
}

/// Why reading the inputs failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// A path could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A path the user named does not exist.
    #[error("{path}: no such file or directory")]
    Missing {
        /// The path.
        path: PathBuf,
    },
    /// A file the user named holds a NUL byte in its first [`BINARY_PROBE_BYTES`](super::BINARY_PROBE_BYTES) bytes.
    #[error("{path}: binary file (contains NUL bytes); insights reads text, Markdown and JSONL")]
    Binary {
        /// The file.
        path: PathBuf,
    },
    /// A file the user named is not valid UTF-8.
    #[error("{path}: not valid UTF-8 (first bad byte at offset {offset}, line {line})")]
    NotUtf8 {
        /// The file.
        path: PathBuf,
        /// Byte offset of the first invalid byte (after any byte order mark).
        offset: usize,
        /// The 1-based line holding it.
        line: usize,
    },
    /// A file the user named starts with a UTF-16 byte order mark but is not valid UTF-16.
    #[error("{path}: not valid UTF-16 (first bad unit at byte offset {offset})")]
    NotUtf16 {
        /// The file.
        path: PathBuf,
        /// Byte offset of the first bad code unit (from the start of the file).
        offset: usize,
    },
    /// A file the user named is empty or holds only whitespace.
    #[error("{path}: empty file")]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// A file is larger than [`MAX_FILE_BYTES`].
    #[error("{path}: file too large ({size} bytes; insights reads at most {} MiB a file)", .limit >> 20)]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size in bytes (at least this many, for a stream).
        size: u64,
        /// The limit, [`MAX_FILE_BYTES`].
        limit: u64,
    },
    /// A folder the user named holds no readable document.
    #[error("{path}: no documents found in this folder ({skipped} files skipped{})", match first_skipped {
        Some(first) => format!(", the first {}: {}", first.path.display(), first.reason),
        None => String::new(),
    })]
    NoDocuments {
        /// The folder.
        path: PathBuf,
        /// How many files in it were skipped.
        skipped: usize,
        /// The first of them, and why.
        first_skipped: Option<Skipped>,
    },
    /// A JSONL line is not a valid record.
    #[error("{doc}:{line}: {message}")]
    Jsonl {
        /// The document's name.
        doc: String,
        /// The 1-based line number.
        line: usize,
        /// What is wrong with it, e.g. `no "text" field`.
        message: String,
    },
}

/// The error for a path the user named that has `problem`.
pub(super) fn named(problem: Problem, path: &Path) -> ReadError {
    let path = path.to_path_buf();
    match problem {
        Problem::Io(source) => io_error(&path, source),
        Problem::Binary => ReadError::Binary { path },
        Problem::NotUtf8 { offset, line } => ReadError::NotUtf8 { path, offset, line },
        Problem::NotUtf16 { offset } => ReadError::NotUtf16 { path, offset },
        Problem::Empty => ReadError::Empty { path },
        Problem::TooLarge(size) => ReadError::TooLarge {
            path,
            size,
            limit: MAX_FILE_BYTES,
        },
    }
}

/// Turns an I/O error on `path` into a [`ReadError`], using [`ReadError::Missing`] for a path that does not exist.
pub(super) fn io_error(path: &Path, source: std::io::Error) -> ReadError {
    if source.kind() == std::io::ErrorKind::NotFound {
        ReadError::Missing {
            path: path.to_path_buf(),
        }
    } else {
        ReadError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}
