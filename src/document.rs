//! Reading documents: files, folders (recursive, skipping hidden, ignored and binary files), and standard input.

use std::path::PathBuf;

/// The format of a document, decided by its file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocFormat {
    /// Plain text (`.txt` and anything else textual).
    Text,
    /// Markdown (`.md`, `.markdown`).
    Markdown,
    /// One JSON object a line with a `text` field (`.jsonl`).
    Jsonl,
}

/// One document read into memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// The document's name as the user would recognise it: its path as found, or `-` for standard input.
    pub name: String,
    /// Its full text (valid UTF-8).
    pub text: String,
    /// How its text is to be split.
    pub format: DocFormat,
}

/// A file found while walking a folder that was left out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The file.
    pub path: PathBuf,
    /// Why it was left out, e.g. "binary file" or "empty file".
    pub reason: String,
}

/// What reading the inputs gave: the documents, and what was skipped along the way.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    /// The documents, in a deterministic order (inputs in the order given; folder contents sorted by path).
    pub documents: Vec<Document>,
    /// Files found in folders and left out.
    pub skipped: Vec<Skipped>,
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
}
