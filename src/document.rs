//! Reading documents: files, folders (recursive, skipping hidden, ignored and binary files), and standard input.
//!
//! Every input is read whole into memory as UTF-8 text. A file the user named is held to a strict standard: if it is
//! missing, unreadable, binary, not UTF-8, empty or too large, reading fails with an error naming it. A file found
//! while walking a folder is judged more leniently: if it cannot be used it is listed in [`Loaded::skipped`] with the
//! reason.
//! A UTF-8 byte order mark is removed and CRLF line endings become LF; line numbers are unchanged by either.

use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The largest input read, in bytes (256 MiB). A larger file is refused rather than read.
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// How many leading bytes are searched for a NUL byte to decide that a file is binary (8 KiB, as ripgrep does).
pub const BINARY_PROBE_BYTES: usize = 8 * 1024;

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
    /// Files found in folders and left out, and files given more than once (read only the first time).
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
    /// A path the user named does not exist.
    #[error("{path}: no such file or directory")]
    Missing {
        /// The path.
        path: PathBuf,
    },
    /// A file the user named holds a NUL byte in its first [`BINARY_PROBE_BYTES`] bytes.
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
    #[error("{path}: no documents found in this folder ({skipped} files skipped)")]
    NoDocuments {
        /// The folder.
        path: PathBuf,
        /// How many files in it were skipped.
        skipped: usize,
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
                .map_err(|p| p.into_error(input))?;
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
            let (text, modified) = read_file(input).map_err(|p| p.into_error(input))?;
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
        });
    }
    Ok(())
}

/// A walk error (an unreadable folder or file, a bad ignore file) as a skipped entry, naming the path it concerns.
fn walk_error(err: &ignore::Error, root: &Path) -> Skipped {
    match err {
        ignore::Error::WithPath { path, err } => Skipped {
            path: path.clone(),
            reason: format!("unreadable: {err}"),
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

/// What is wrong with one input, before it is known whether that is an error or a reason to skip.
#[derive(Debug)]
enum Problem {
    Io(std::io::Error),
    Binary,
    NotUtf8 { offset: usize, line: usize },
    NotUtf16 { offset: usize },
    Empty,
    TooLarge(u64),
}

impl Problem {
    /// The error for a path the user named.
    fn into_error(self, path: &Path) -> ReadError {
        let path = path.to_path_buf();
        match self {
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

    /// The reason given for skipping a file found in a folder.
    fn reason(&self) -> String {
        match self {
            Problem::Io(err) => format!("unreadable: {err}"),
            Problem::Binary => "binary file".into(),
            Problem::NotUtf8 { offset, line } => {
                format!("not valid UTF-8 (first bad byte at offset {offset}, line {line})")
            }
            Problem::NotUtf16 { offset } => format!("not valid UTF-16 (first bad unit at byte offset {offset})"),
            Problem::Empty => "empty file".into(),
            Problem::TooLarge(size) => format!(
                "file too large ({size} bytes; the limit is {} MiB)",
                MAX_FILE_BYTES >> 20
            ),
        }
    }
}

/// Turns an I/O error on `path` into a [`ReadError`], using [`ReadError::Missing`] for a path that does not exist.
fn io_error(path: &Path, source: std::io::Error) -> ReadError {
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

/// Reads and decodes one file, refusing it before reading if its size is over the limit; with its modification time.
fn read_file(path: &Path) -> Result<(String, Option<SystemTime>), Problem> {
    let file = std::fs::File::open(path).map_err(Problem::Io)?;
    let meta = file.metadata().map_err(Problem::Io)?;
    let size = meta.len();
    if size > MAX_FILE_BYTES {
        return Err(Problem::TooLarge(size));
    }
    let text = read_limited(file, Some(size)).and_then(decode)?;
    Ok((text, meta.modified().ok()))
}

/// Reads at most [`MAX_FILE_BYTES`] from a stream (a file may grow, stdin has no size); more is too large.
fn read_limited(reader: impl Read, size_hint: Option<u64>) -> Result<Vec<u8>, Problem> {
    let mut bytes = Vec::with_capacity(size_hint.unwrap_or(0).min(MAX_FILE_BYTES) as usize);
    reader
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(Problem::Io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(Problem::TooLarge(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Checks that bytes are non-empty UTF-8 text (or UTF-16 opening with its byte order mark), strips a byte order mark
/// and turns CRLF into LF.
fn decode(mut bytes: Vec<u8>) -> Result<String, Problem> {
    if let Some(text) = decode_utf16(&bytes) {
        return finish(text?);
    }
    if bytes[..bytes.len().min(BINARY_PROBE_BYTES)].contains(&0) {
        return Err(Problem::Binary);
    }
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let line = 1 + e.as_bytes()[..offset].iter().filter(|&&b| b == b'\n').count();
        Problem::NotUtf8 { offset, line }
    })?;
    finish(text)
}

/// UTF-16 text that opens with a byte order mark (`FF FE` little-endian, `FE FF` big-endian), decoded; `None` when
/// `bytes` open with neither.
fn decode_utf16(bytes: &[u8]) -> Option<Result<String, Problem>> {
    let little = match bytes {
        [0xFF, 0xFE, ..] => true,
        [0xFE, 0xFF, ..] => false,
        _ => return None,
    };
    let body = &bytes[2..];
    if body.len() % 2 == 1 {
        return Some(Err(Problem::NotUtf16 {
            offset: bytes.len() - 1,
        }));
    }
    let units = body.chunks_exact(2).map(|p| {
        if little {
            u16::from_le_bytes([p[0], p[1]])
        } else {
            u16::from_be_bytes([p[0], p[1]])
        }
    });
    let mut text = String::with_capacity(body.len() / 2);
    let mut at = 2;
    for unit in char::decode_utf16(units) {
        match unit {
            Ok(c) => {
                at += 2 * c.len_utf16();
                text.push(c);
            }
            Err(_) => return Some(Err(Problem::NotUtf16 { offset: at })),
        }
    }
    Some(Ok(text))
}

/// Refuses empty text and turns CRLF into LF.
fn finish(text: String) -> Result<String, Problem> {
    if text.trim().is_empty() {
        return Err(Problem::Empty);
    }
    Ok(if text.contains("\r\n") {
        text.replace("\r\n", "\n")
    } else {
        text
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    /// Writes `files` (path, bytes) under a new temporary folder.
    fn fixture(files: &[(&str, &[u8])]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, bytes) in files {
            let path = dir.path().join(name);
            fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            fs::write(path, bytes).expect("write");
        }
        dir
    }

    fn read_one(dir: &tempfile::TempDir, name: &str) -> Result<Loaded, ReadError> {
        read_inputs(&[dir.path().join(name)])
    }

    fn message(result: Result<Loaded, ReadError>) -> String {
        result.expect_err("should fail").to_string()
    }

    #[test]
    fn format_follows_the_extension() {
        let cases = [
            ("a.md", DocFormat::Markdown),
            ("b.MARKDOWN", DocFormat::Markdown),
            ("c.jsonl", DocFormat::Jsonl),
        ];
        for (name, format) in cases
            .into_iter()
            .chain([("d.txt", DocFormat::Text), ("e", DocFormat::Text)])
        {
            assert_eq!(DocFormat::from_path(Path::new(name)), format, "{name}");
        }
    }

    #[test]
    fn folder_walk_sorts_and_skips_hidden_ignored_binary_empty_and_non_utf8() {
        let dir = fixture(&[
            ("b.md", b"# Title\n\nSome text here."),
            ("a.txt", b"Alpha text."),
            ("sub/c.txt", b"Gamma text."),
            (".hidden.txt", b"Hidden text."),
            (".hiddendir/d.txt", b"Hidden folder text."),
            (".gitignore", b"ignored.txt\n"),
            (".ignore", b"also_ignored.txt\n"),
            ("ignored.txt", b"Ignored text."),
            ("also_ignored.txt", b"Also ignored."),
            ("bin.dat", b"abc\0def"),
            ("empty.txt", b" \n\t\n"),
            ("bad.txt", b"ok\nbad \xff here"),
        ]);
        let loaded = read_inputs(&[dir.path().to_path_buf()]).expect("folder reads");
        let names: Vec<String> = loaded.documents.iter().map(|d| d.name.clone()).collect();
        let root = dir.path().display().to_string();
        assert_eq!(
            names,
            [
                format!("{root}/a.txt"),
                format!("{root}/b.md"),
                format!("{root}/sub/c.txt")
            ]
        );
        assert_eq!(loaded.documents[1].format, DocFormat::Markdown);
        assert_eq!(loaded.documents[0].text, "Alpha text.");
        let skipped: Vec<(String, String)> = loaded
            .skipped
            .iter()
            .map(|s| {
                (
                    s.path.file_name().unwrap_or_default().to_string_lossy().into_owned(),
                    s.reason.clone(),
                )
            })
            .collect();
        assert_eq!(
            skipped,
            [
                (
                    "bad.txt".to_string(),
                    "not valid UTF-8 (first bad byte at offset 7, line 2)".to_string()
                ),
                ("bin.dat".to_string(), "binary file".to_string()),
                ("empty.txt".to_string(), "empty file".to_string()),
            ]
        );
    }

    #[test]
    fn named_files_that_cannot_be_read_are_errors_naming_them() {
        let dir = fixture(&[
            ("data.bin", b"\x89PNG\0\0"),
            ("bad.txt", b"line one\nx\xc3(y"),
            ("notes.txt", b""),
            ("blank.txt", b"  \r\n \n"),
        ]);
        let root = dir.path().display();
        assert_eq!(
            message(read_one(&dir, "data.bin")),
            format!("{root}/data.bin: binary file (contains NUL bytes); insights reads text, Markdown and JSONL")
        );
        assert_eq!(
            message(read_one(&dir, "bad.txt")),
            format!("{root}/bad.txt: not valid UTF-8 (first bad byte at offset 10, line 2)")
        );
        assert_eq!(
            message(read_one(&dir, "notes.txt")),
            format!("{root}/notes.txt: empty file")
        );
        assert_eq!(
            message(read_one(&dir, "blank.txt")),
            format!("{root}/blank.txt: empty file")
        );
        assert_eq!(
            message(read_one(&dir, "missing.txt")),
            format!("{root}/missing.txt: no such file or directory")
        );
        assert!(matches!(read_one(&dir, "missing.txt"), Err(ReadError::Missing { .. })));
    }

    #[test]
    fn a_folder_without_documents_is_an_error() {
        let dir = fixture(&[("sub/bin.dat", b"\0"), (".hidden.txt", b"Hidden.")]);
        let err = read_inputs(&[dir.path().to_path_buf()]).expect_err("no documents");
        assert!(matches!(err, ReadError::NoDocuments { skipped: 1, .. }), "{err:?}");
        assert!(err.to_string().contains("no documents found"), "{err}");
    }

    #[test]
    fn crlf_becomes_lf_and_a_bom_is_stripped() {
        let dir = fixture(&[("win.txt", b"\xEF\xBB\xBFFirst line.\r\nSecond line.\r\n")]);
        let loaded = read_one(&dir, "win.txt").expect("reads");
        assert_eq!(loaded.documents[0].text, "First line.\nSecond line.\n");
    }

    #[test]
    fn a_file_over_the_limit_is_refused_without_reading_it() {
        let dir = fixture(&[]);
        let path = dir.path().join("huge.txt");
        fs::File::create(&path)
            .and_then(|f| f.set_len(MAX_FILE_BYTES + 1))
            .expect("sparse file");
        let err = read_inputs(&[path]).expect_err("too large");
        assert!(
            matches!(err, ReadError::TooLarge { size, .. } if size == MAX_FILE_BYTES + 1),
            "{err:?}"
        );
        assert!(
            err.to_string().ends_with("insights reads at most 256 MiB a file)"),
            "{err}"
        );
    }

    #[test]
    fn inputs_keep_their_order_and_a_repeat_is_read_once() {
        let dir = fixture(&[("z.txt", b"Zed."), ("folder/a.txt", b"Ay.")]);
        let z = dir.path().join("z.txt");
        let folder = dir.path().join("folder");
        let loaded = read_inputs(&[z.clone(), folder.clone(), z.clone(), folder]).expect("reads");
        let texts: Vec<&str> = loaded.documents.iter().map(|d| d.text.as_str()).collect();
        assert_eq!(texts, ["Zed.", "Ay."]);
        let skipped: Vec<&Path> = loaded.skipped.iter().map(|s| s.path.as_path()).collect();
        assert_eq!(skipped, [z.as_path(), dir.path().join("folder/a.txt").as_path()]);
        assert!(loaded.skipped[0].reason.contains("more than once"));
    }

    #[test]
    fn the_seed_folder_reads_four_documents_in_order() {
        let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
        let loaded = read_inputs(&[seeds]).expect("seeds read");
        let names: Vec<&str> = loaded
            .documents
            .iter()
            .map(|d| d.name.rsplit('/').next().unwrap_or_default())
            .collect();
        assert_eq!(
            names,
            [
                "000_050be5057ca1e8ea.txt",
                "001_a3d39b248739e657.txt",
                "002_4a29f04a0ddfd58e.txt",
                "003_f97f57675a693743.txt"
            ]
        );
        assert!(loaded.skipped.is_empty());
    }

    #[test]
    fn utf16_with_a_byte_order_mark_is_read_and_bad_utf16_is_named() {
        let text = "Café au lait, twice.\r\nA second line.";
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        let dir = fixture(&[("le.txt", &le), ("be.txt", &be)]);
        for name in ["le.txt", "be.txt"] {
            let loaded = read_inputs(&[dir.path().join(name)]).expect("UTF-16 reads");
            assert_eq!(loaded.documents[0].text, "Café au lait, twice.\nA second line.");
        }
        let mut lone = le.clone();
        lone.extend_from_slice(&0xD800u16.to_le_bytes());
        lone.extend_from_slice(b"a\0");
        assert!(matches!(decode(lone.clone()), Err(Problem::NotUtf16 { offset }) if offset == le.len()));
        assert!(
            matches!(decode(le[..le.len() - 1].to_vec()), Err(Problem::NotUtf16 { .. })),
            "odd length"
        );
        let err = Problem::NotUtf16 { offset: 4 }
            .into_error(Path::new("x.txt"))
            .to_string();
        assert_eq!(err, "x.txt: not valid UTF-16 (first bad unit at byte offset 4)");
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_in_a_folder_or_behind_a_symlink_is_skipped_not_opened() {
        let dir = fixture(&[("a.txt", b"Alpha text.")]);
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo runs");
        assert!(made.success());
        std::os::unix::fs::symlink(&fifo, dir.path().join("link.txt")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("gone"), dir.path().join("broken.txt")).unwrap();
        // Opening the FIFO would block for ever: the walk runs in a thread and must answer within seconds.
        let root = dir.path().to_path_buf();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || tx.send(read_inputs(&[root])));
        let loaded = rx
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("the walk does not hang")
            .expect("the folder reads");
        assert_eq!(loaded.documents.len(), 1);
        let mut skipped: Vec<String> = loaded
            .skipped
            .iter()
            .map(|s| s.path.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        skipped.sort();
        assert_eq!(skipped, ["broken.txt", "link.txt", "pipe"]);
        assert!(loaded
            .skipped
            .iter()
            .all(|s| s.reason.starts_with("not a regular file")));
    }

    #[test]
    fn file_names_that_are_not_utf8_stay_distinct() {
        use std::os::unix::ffi::OsStrExt;
        let dir = fixture(&[]);
        for name in [&b"caf\xe9.txt"[..], &b"caf\xe8.txt"[..]] {
            let path = dir.path().join(std::ffi::OsStr::from_bytes(name));
            std::fs::write(path, "A note about coffee and its many drinkers.").unwrap();
        }
        let loaded = read_inputs(&[dir.path().to_path_buf()]).unwrap();
        let mut names: Vec<String> = loaded.documents.iter().map(|d| d.name.clone()).collect();
        names.sort();
        let root = dir.path().display();
        assert_eq!(names, [format!("{root}/caf\\xE8.txt"), format!("{root}/caf\\xE9.txt")]);
    }
}
