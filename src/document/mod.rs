//! Reading documents: files, folders (recursive, skipping hidden, ignored and binary files), and standard input.
//!
//! Every input is read whole into memory as UTF-8 text. A file the user named is held to a strict standard: if it is
//! missing, unreadable, binary, not UTF-8, empty or too large, reading fails with an error naming it. A file found
//! while walking a folder is judged more leniently: if it cannot be used it is listed in [`Loaded::skipped`] with the
//! reason.
//! A UTF-8 byte order mark is removed and CRLF line endings become LF; line numbers are unchanged by either.

mod decode;
mod error;
#[cfg(test)]
mod tests;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use decode::{decode, read_file, read_limited};
use error::io_error;

pub use decode::{BINARY_PROBE_BYTES, MAX_FILE_BYTES};
pub use error::{ReadError, Skipped};

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

impl DocFormat {
    /// The format a path's extension implies (case-insensitive): `.md`/`.markdown`, `.jsonl`, else text.
    pub fn from_path(path: &Path) -> DocFormat {
        let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("md" | "markdown") => DocFormat::Markdown,
            Some("jsonl") => DocFormat::Jsonl,
            _ => DocFormat::Text,
        }
    }
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
    /// When the file was last modified (`None` for standard input, or where the system does not say).
    pub modified: Option<SystemTime>,
}

/// What reading the inputs gave: the documents, and what was skipped along the way.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    /// The documents, in a deterministic order (inputs in the order given; folder contents sorted by path).
    pub documents: Vec<Document>,
    /// Files found in folders and left out, and files given more than once (read only the first time).
    pub skipped: Vec<Skipped>,
}

/// Reads every input: files, folders (walked recursively) and `-` for standard input.
///
/// Folders are walked like ripgrep does: hidden files and folders are skipped, as are paths matched by `.gitignore`
/// (honoured even outside a git repository), `.ignore` and the global git ignore; files are sorted by path. A folder
/// file that is binary, empty, not UTF-8, too large or unreadable goes into [`Loaded::skipped`]; a folder yielding no
/// document at all is an error. A file or `-` named directly must be readable text, or an error names it and the
/// problem. The same file named twice (or reached through two inputs) is read once; the repeat is listed as skipped.
/// Standard input is always [`DocFormat::Text`].
pub fn read_inputs(inputs: &[PathBuf]) -> Result<Loaded, ReadError> {
    let mut loaded = Loaded::default();
    let mut seen = HashSet::new();
    for input in inputs {
        if input.as_os_str() == "-" {
            if !first_visit(&mut seen, input, &mut loaded) {
                continue;
            }
            let stdin = std::io::stdin().lock();
            let text = read_limited(stdin, None)
                .and_then(decode)
                .map_err(|p| error::named(p, input))?;
            loaded.documents.push(Document {
                name: "-".to_string(),
                text,
                format: DocFormat::Text,
                modified: None,
            });
            continue;
        }
        let meta = std::fs::metadata(input).map_err(|e| io_error(input, e))?;
        if meta.is_dir() {
            read_folder(input, &mut seen, &mut loaded)?;
        } else if first_visit(&mut seen, input, &mut loaded) {
            let (text, modified) = read_file(input).map_err(|p| error::named(p, input))?;
            loaded.documents.push(document(input, text, modified));
        }
    }
    Ok(loaded)
}

/// Walks one folder the user named, adding its documents and skipped files to `loaded`.
fn read_folder(root: &Path, seen: &mut HashSet<PathBuf>, loaded: &mut Loaded) -> Result<(), ReadError> {
    let skipped_before = loaded.skipped.len();
    let mut found = 0;
    let walker = ignore::WalkBuilder::new(root)
        .require_git(false)
        .sort_by_file_path(Path::cmp)
        .build();
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                // The folder itself cannot be read: that is the error, not "no documents found".
                if let Some(source) = root_unreadable(&err, root) {
                    return Err(ReadError::Io {
                        path: root.to_path_buf(),
                        source,
                    });
                }
                loaded.skipped.push(walk_error(&err, root));
                continue;
            }
        };
        let path = entry.path();
        if entry.file_type().is_none_or(|t| t.is_dir()) || path.is_dir() {
            continue;
        }
        // Only regular files are opened: a FIFO, socket or device reached in a folder (itself or through a symlink)
        // could block the walk for ever or never end.
        if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
            loaded.skipped.push(Skipped {
                path: path.to_path_buf(),
                reason: "not a regular file (a FIFO, socket, device or broken link)".into(),
            });
            continue;
        }
        found += 1;
        if !first_visit(seen, path, loaded) {
            continue;
        }
        match read_file(path) {
            Ok((text, modified)) => loaded.documents.push(document(path, text, modified)),
            Err(problem) => {
                found -= 1;
                loaded.skipped.push(Skipped {
                    path: path.to_path_buf(),
                    reason: problem.reason(),
                })
            }
        }
    }
    if found == 0 {
        let skipped = loaded.skipped.len() - skipped_before;
        return Err(ReadError::NoDocuments {
            path: root.to_path_buf(),
            skipped,
            first_skipped: loaded.skipped.get(skipped_before).cloned(),
        });
    }
    Ok(())
}

/// The I/O error of a walk error that concerns the folder the user named itself (say, permission denied).
fn root_unreadable(err: &ignore::Error, root: &Path) -> Option<std::io::Error> {
    match err {
        ignore::Error::WithPath { path, err } if path == root => err.io_error().map(|e| e.kind().into()),
        ignore::Error::WithDepth { err, depth: 0 } => root_unreadable(err, root),
        _ => None,
    }
}

/// A walk error (an unreadable folder or file, a bad ignore file) as a skipped entry, naming the path it concerns.
fn walk_error(err: &ignore::Error, root: &Path) -> Skipped {
    match err {
        ignore::Error::WithPath { path, err } => Skipped {
            path: path.clone(),
            reason: match err.io_error() {
                Some(io) => format!("unreadable: {}", io.kind()),
                None => format!("unreadable: {err}"),
            },
        },
        ignore::Error::WithDepth { err, .. } => walk_error(err, root),
        other => Skipped {
            path: root.to_path_buf(),
            reason: other.to_string(),
        },
    }
}

/// Records `path` as read; false (and a skipped entry) if it was read already.
fn first_visit(seen: &mut HashSet<PathBuf>, path: &Path, loaded: &mut Loaded) -> bool {
    let key = if path.as_os_str() == "-" {
        path.to_path_buf()
    } else {
        std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
    };
    if seen.insert(key) {
        return true;
    }
    loaded.skipped.push(Skipped {
        path: path.to_path_buf(),
        reason: "already read (given more than once)".into(),
    });
    false
}

/// A document for a file that was read.
/// A path as a document's name: its text, with each byte that is not UTF-8 written `\xNN`, so that two names that
/// differ only in such bytes stay apart (a lossy conversion would make both `caf\u{fffd}.txt`).
pub fn path_name(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let mut name = String::new();
    for chunk in path.as_os_str().as_bytes().utf8_chunks() {
        name.push_str(chunk.valid());
        for byte in chunk.invalid() {
            name.push_str(&format!("\\x{byte:02X}"));
        }
    }
    name
}

fn document(path: &Path, text: String, modified: Option<SystemTime>) -> Document {
    Document {
        name: path_name(path),
        text,
        format: DocFormat::from_path(path),
        modified,
    }
}
