//! Writing a command's result to stdout: JSON for scripts, styled text for people.

use std::io::{BufWriter, IsTerminal, Write};

use std::path::Path;

use anyhow::{Context, Result};
use insights::report::{json, Style};

/// Colour only on a terminal and when `NO_COLOR` is unset or empty; width from `COLUMNS` (at least 40), else 100.
pub fn style_for(is_terminal: bool) -> Style {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse::<usize>().ok())
        .filter(|&w| w >= 40)
        .unwrap_or(Style::DEFAULT_WIDTH);
    Style {
        color: is_terminal && !no_color,
        width,
    }
}

/// Writes `value` (wrapped with the schema version) as pretty JSON, or calls `text` with a styled writer.
pub fn emit<T: serde::Serialize>(
    as_json: bool,
    value: impl FnOnce() -> T,
    text: impl FnOnce(&mut dyn Write, &Style) -> std::io::Result<()>,
) -> Result<()> {
    let stdout = std::io::stdout();
    let style = style_for(stdout.is_terminal());
    let mut out = BufWriter::new(stdout.lock());
    if as_json {
        serde_json::to_writer_pretty(&mut out, &json::document(value()))?;
        out.write_all(b"\n")?;
    } else {
        text(&mut out, &style)?;
    }
    out.flush()?;
    Ok(())
}

/// Writes `bytes` to `path` whole or not at all: into a temporary file beside it, flushed to disk, then renamed over
/// it, so that a crash or a full disk never leaves a half-written file. (The index's own atomic writer,
/// `index::store::write_atomically`, appends a CRC and is the index's format, so it does not serve here.)
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let name = path
        .file_name()
        .with_context(|| format!("{}: not a file name", path.display()))?;
    let mut temporary = name.to_os_string();
    temporary.push(format!(".tmp-{}", std::process::id()));
    let temporary = path.with_file_name(temporary);
    let write = || -> std::io::Result<()> {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)
    };
    let written = write();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(e).with_context(|| format!("{}: cannot write the page", path.display()));
    }
    Ok(())
}
