//! Cutting a text or Markdown document into paragraph units: blank-line blocks, one-paragraph-a-line blocks, lists.
//!
//! Structure that is never an insight is removed here, whatever the boilerplate settings: Markdown headings (`#`, and
//! setext underlines), fenced code blocks, YAML front matter, HTML comment lines, and separator lines holding no letter
//! or digit (`***`, `----`, `====`).

use std::borrow::Cow;

/// Lines at least this many characters long cannot come from hard wrapping; a block where at least two such lines
/// exist and three quarters of them end a sentence holds one paragraph a line.
pub const LONG_LINE_CHARS: usize = 100;

/// One line of a unit: its 1-based number in the document and its text, trimmed and without list or quote markers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Line<'a> {
    pub number: usize,
    pub text: &'a str,
}

/// A paragraph-sized piece of a document: a paragraph, or one item of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Unit<'a> {
    /// Its lines, in order, never empty.
    pub lines: Vec<Line<'a>>,
    /// Whether it is a list item (`-`, `*`, `+`, `•`, `1.`, `1)`).
    pub list_item: bool,
}

impl<'a> Unit<'a> {
    /// The lines joined with single spaces, and the byte offset where each line starts in that text. A unit of one
    /// line is that line, not a copy of it.
    pub fn joined(&self) -> (Cow<'a, str>, Vec<usize>) {
        if let [line] = self.lines.as_slice() {
            return (Cow::Borrowed(line.text), vec![0]);
        }
        let bytes = self.lines.iter().map(|l| l.text.len() + 1).sum();
        let mut text = String::with_capacity(bytes);
        let mut starts = Vec::with_capacity(self.lines.len());
        for line in &self.lines {
            if !text.is_empty() {
                text.push(' ');
            }
            starts.push(text.len());
            text.push_str(line.text);
        }
        (Cow::Owned(text), starts)
    }

    /// The first and last line numbers.
    pub fn span(&self) -> (usize, usize) {
        let first = self.lines.first().map_or(0, |l| l.number);
        (first, self.lines.last().map_or(first, |l| l.number))
    }
}

/// Collapses every run of whitespace to one space and trims the ends (an insight's text as kept).
pub(super) fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Whether a text ends a sentence: its last character, after closing brackets and Markdown emphasis, is `.`, `!`,
/// `?`, `…` (or a CJK full stop, exclamation or question mark), or a closing quote.
pub(super) fn ends_sentence(text: &str) -> bool {
    let trimmed = text.trim_end().trim_end_matches([')', ']', '*', '_']);
    trimmed.ends_with(['.', '!', '?', '…', '。', '！', '？', '"', '\'', '”', '’', '»'])
}

/// Cuts a document's text into units, in order. `markdown` turns on Markdown structure (headings, fences, quotes).
pub(super) fn units(text: &str, markdown: bool) -> Vec<Unit<'_>> {
    let mut lines: Vec<Line<'_>> = text
        .split('\n')
        .enumerate()
        .map(|(i, l)| Line {
            number: i + 1,
            text: l.strip_suffix('\r').unwrap_or(l),
        })
        .collect();
    if markdown {
        skip_front_matter(&mut lines);
    }
    let mut units = Vec::new();
    let mut block: Vec<Line<'_>> = Vec::new();
    let mut fence: Option<char> = None;
    for line in lines {
        let trimmed = line.text.trim();
        if let Some(marker) = fence {
            if trimmed.len() >= 3 && trimmed.chars().all(|c| c == marker) {
                fence = None;
            }
            continue;
        }
        let content = if markdown {
            strip_quote_markers(trimmed)
        } else {
            trimmed
        };
        if markdown && (trimmed.starts_with("```") || trimmed.starts_with("~~~")) {
            fence = trimmed.chars().next();
            flush(&mut block, &mut units);
        } else if content.is_empty() || (markdown && (is_atx_heading(content) || is_html_comment(content))) {
            flush(&mut block, &mut units);
        } else if !content.chars().any(char::is_alphanumeric) {
            // A separator; directly under a lone text line, an underline making that line a heading.
            if block.len() == 1 && content.chars().all(|c| c == '=' || c == '-') {
                block.clear();
            }
            flush(&mut block, &mut units);
        } else {
            block.push(Line {
                number: line.number,
                text: line.text.trim_end(),
            });
        }
    }
    flush(&mut block, &mut units);
    units
}

/// Removes YAML front matter: a first line `---` up to the next `---` or `...` line (if there is one).
fn skip_front_matter(lines: &mut Vec<Line<'_>>) {
    if lines.first().is_some_and(|l| l.text.trim_end() == "---") {
        if let Some(end) = lines
            .iter()
            .skip(1)
            .position(|l| matches!(l.text.trim_end(), "---" | "..."))
        {
            lines.drain(..end + 2);
        }
    }
}

/// Whether a line is an ATX heading: one to six `#` then a space or the end of the line.
fn is_atx_heading(line: &str) -> bool {
    let hashes = line.chars().take_while(|&c| c == '#').count();
    (1..=6).contains(&hashes) && line[hashes..].chars().next().is_none_or(char::is_whitespace)
}

/// Whether a line is a whole HTML comment.
fn is_html_comment(line: &str) -> bool {
    line.starts_with("<!--") && line.ends_with("-->")
}

/// A line without its leading `>` block-quote markers.
fn strip_quote_markers(mut line: &str) -> &str {
    while let Some(rest) = line.strip_prefix('>') {
        line = rest.trim_start();
    }
    line
}

/// The text of a list item line without its marker, or `None` if the line is not a list item.
fn list_item(line: &str) -> Option<&str> {
    let line = line.trim_start();
    let after = if let Some(rest) = line.strip_prefix(['-', '*', '+', '•']) {
        rest
    } else {
        let digits = line.chars().take_while(char::is_ascii_digit).count();
        if !(1..=3).contains(&digits) {
            return None;
        }
        line[digits..].strip_prefix(['.', ')'])?
    };
    if !after.starts_with([' ', '\t']) {
        return None;
    }
    let after = after.trim_start();
    let after = ["[ ] ", "[x] ", "[X] "]
        .iter()
        .find_map(|box_| after.strip_prefix(box_))
        .unwrap_or(after);
    (!after.trim().is_empty()).then_some(after.trim())
}

/// Turns a finished block of non-blank lines into units, and empties it.
fn flush<'a>(block: &mut Vec<Line<'a>>, units: &mut Vec<Unit<'a>>) {
    let mut paragraph: Vec<Line<'a>> = Vec::new();
    let mut item: Option<Unit<'a>> = None;
    for line in block.drain(..) {
        let text = strip_quote_markers(line.text.trim());
        if let Some(rest) = list_item(text) {
            push_paragraph(&mut paragraph, units);
            units.extend(item.take());
            item = Some(Unit {
                lines: vec![Line {
                    number: line.number,
                    text: rest,
                }],
                list_item: true,
            });
        } else if let Some(open) = item.as_mut() {
            open.lines.push(Line {
                number: line.number,
                text,
            });
        } else {
            paragraph.push(Line {
                number: line.number,
                text,
            });
        }
    }
    push_paragraph(&mut paragraph, units);
    units.extend(item);
}

/// Adds a run of plain lines as one paragraph, or as one paragraph a line (see [`LONG_LINE_CHARS`]); empties it.
fn push_paragraph<'a>(lines: &mut Vec<Line<'a>>, units: &mut Vec<Unit<'a>>) {
    if lines.is_empty() {
        return;
    }
    if one_paragraph_a_line(lines) {
        units.extend(lines.drain(..).map(|line| Unit {
            lines: vec![line],
            list_item: false,
        }));
    } else {
        units.push(Unit {
            lines: std::mem::take(lines),
            list_item: false,
        });
    }
}

/// Whether a block of several lines holds one paragraph a line rather than one hard-wrapped paragraph: at least two
/// of its lines are long ([`LONG_LINE_CHARS`]) and at least three quarters of its long lines end a sentence.
fn one_paragraph_a_line(lines: &[Line<'_>]) -> bool {
    let long: Vec<&Line<'_>> = lines
        .iter()
        .filter(|l| l.text.chars().count() >= LONG_LINE_CHARS)
        .collect();
    let ending = long.iter().filter(|l| ends_sentence(l.text)).count();
    long.len() >= 2 && ending >= 2 && 4 * ending >= 3 * long.len()
}
