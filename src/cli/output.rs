//! Writing a command's result to stdout: JSON for scripts, styled text for people.

use std::io::{BufWriter, IsTerminal, Write};

use anyhow::Result;
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
