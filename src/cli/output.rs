//! Writing a command's result to stdout: JSON for scripts, styled text for people.

use std::io::{BufWriter, IsTerminal, Write};

use anyhow::Result;
use insights::report::{json, Style};

/// Writes `value` (wrapped with the schema version) as pretty JSON, or calls `text` with a styled writer.
pub fn emit(
    as_json: bool,
    value: impl FnOnce() -> serde_json::Value,
    text: impl FnOnce(&mut dyn Write, &Style) -> std::io::Result<()>,
) -> Result<()> {
    let stdout = std::io::stdout();
    let style = Style::detect(stdout.is_terminal());
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
