//! Terminal styling: ANSI colour when writing to a terminal and `NO_COLOR` is unset, plain text otherwise; and
//! wrapping long insight texts to the terminal's width.

/// Whether and how to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// Emit ANSI colour codes.
    pub color: bool,
    /// Wrap text to this many columns.
    pub width: usize,
}

impl Style {
    /// The default width when the terminal's is unknown.
    pub const DEFAULT_WIDTH: usize = 100;

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// Bold text (headings).
    pub fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }

    /// Dimmed text (provenance, secondary numbers).
    pub fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }

    /// Green text (positive verdicts, scores).
    pub fn green(&self, text: &str) -> String {
        self.paint("32", text)
    }

    /// Yellow text (warnings, repeats).
    pub fn yellow(&self, text: &str) -> String {
        self.paint("33", text)
    }

    /// Cyan text (keywords, labels).
    pub fn cyan(&self, text: &str) -> String {
        self.paint("36", text)
    }

    /// `text` wrapped to the width, each line prefixed by `indent`.
    pub fn wrap(&self, text: &str, indent: &str) -> String {
        let width = self.width.saturating_sub(indent.chars().count()).max(20);
        let mut lines = Vec::new();
        let mut line = String::new();
        for word in text.split_whitespace() {
            if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
                lines.push(format!("{indent}{line}"));
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        if !line.is_empty() {
            lines.push(format!("{indent}{line}"));
        }
        lines.join("\n")
    }

    /// At most `max` characters of `text`, ending in `…` when cut.
    pub fn clip(text: &str, max: usize) -> String {
        if text.chars().count() <= max {
            return text.to_string();
        }
        let cut: String = text.chars().take(max.saturating_sub(1)).collect();
        format!("{}…", cut.trim_end())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_and_clips() {
        let s = Style {
            color: false,
            width: 24,
        };
        assert_eq!(
            s.wrap("one two three four five six seven", "  "),
            "  one two three four\n  five six seven"
        );
        assert_eq!(Style::clip("abcdef", 4), "abc…");
        assert_eq!(Style::clip("abc", 4), "abc");
        assert_eq!(s.bold("x"), "x");
        assert_eq!(Style { color: true, width: 80 }.bold("x"), "\x1b[1mx\x1b[0m");
    }
}
