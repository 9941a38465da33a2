//! Turning one input's bytes into text: size limits, binary detection, UTF-8 (with or without a byte order mark),
//! UTF-16 with one, CRLF to LF; and what is wrong with an input that cannot be used ([`Problem`]).

use std::io::Read;
use std::path::Path;
use std::time::SystemTime;

/// The largest input read, in bytes (256 MiB). A larger file is refused rather than read.
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// How many leading bytes are searched for a NUL byte to decide that a file is binary (8 KiB, as ripgrep does).
pub const BINARY_PROBE_BYTES: usize = 8 * 1024;

/// What is wrong with one input, before it is known whether that is an error or a reason to skip.
#[derive(Debug)]
pub(super) enum Problem {
    Io(std::io::Error),
    Binary,
    NotUtf8 { offset: usize, line: usize },
    NotUtf16 { offset: usize },
    Empty,
    TooLarge(u64),
}

impl Problem {
    /// The reason given for skipping a file found in a folder.
    pub(super) fn reason(&self) -> String {
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

/// Reads and decodes one file, refusing it before reading if its size is over the limit; with its modification time.
pub(super) fn read_file(path: &Path) -> Result<(String, Option<SystemTime>), Problem> {
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
pub(super) fn read_limited(reader: impl Read, size_hint: Option<u64>) -> Result<Vec<u8>, Problem> {
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
pub(super) fn decode(mut bytes: Vec<u8>) -> Result<String, Problem> {
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
