//! Where a piece of an insight's text lies in its document, as lines and columns.
//!
//! An insight's text is its document's words from `line_start` to `line_end`, joined by single spaces, with list and
//! quote markers left out. A byte range of the text is found in the document by aligning the text's words with the
//! words of those lines; a marker is passed over at the start of a line, whether it stands alone (`-`, `1.`, `>`) or
//! is joined to the first word (`>quoted`).

use std::ops::Range;

use crate::insight::Insight;

/// A range of a document: its first and last character, as 1-based lines and columns (columns count characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextPosition {
    /// The line of the first character.
    pub line_start: usize,
    /// The column of the first character.
    pub column_start: usize,
    /// The line of the last character.
    pub line_end: usize,
    /// The column of the last character.
    pub column_end: usize,
}

/// One word of a document line: the line's number and text, and the word's byte range in it.
struct SourceWord<'a> {
    line: usize,
    line_text: &'a str,
    range: Range<usize>,
    first_in_line: bool,
}

impl SourceWord<'_> {
    fn text(&self) -> &str {
        &self.line_text[self.range.clone()]
    }
}

/// The words of a text with their byte ranges.
fn words(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                out.push(s..i);
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(s..text.len());
    }
    out
}

/// Where bytes `range` of `insight`'s text lie in `doc_text`, the text of the document it was split from; `None` when
/// the range is empty or the text cannot be aligned with the insight's lines (a document changed since, or a JSONL
/// record, whose text is not the file's characters).
pub fn locate(doc_text: &str, insight: &Insight, range: Range<usize>) -> Option<TextPosition> {
    if range.is_empty() || range.end > insight.text.len() || insight.line_start == 0 {
        return None;
    }
    let mut source = Vec::new();
    let lines = doc_text.split('\n').enumerate().skip(insight.line_start - 1);
    for (n, line) in lines.take(insight.line_end + 1 - insight.line_start) {
        for (w, r) in words(line).into_iter().enumerate() {
            source.push(SourceWord {
                line: n + 1,
                line_text: line,
                range: r,
                first_in_line: w == 0,
            });
        }
    }
    let text = insight.text.as_str();
    let ours = words(text);
    let (from, aligned) = (0..source.len()).find_map(|s| Some((s, align(&source[s..], text, &ours)?)))?;
    let at = |byte: usize| -> Option<(usize, usize)> {
        let w = ours.iter().position(|r| r.contains(&byte))?;
        let (src, shift) = (&source[from + aligned[w].0], aligned[w].1);
        let offset = src.range.start + shift + (byte - ours[w].start);
        Some((src.line, src.line_text[..offset].chars().count() + 1))
    };
    let last = range.end - text[..range.end].chars().next_back()?.len_utf8();
    let (line_start, column_start) = at(range.start)?;
    let (line_end, column_end) = at(last)?;
    Some(TextPosition {
        line_start,
        column_start,
        line_end,
        column_end,
    })
}

/// The source word (index into `source`, and the bytes of a marker joined before it) of each of `ours` (word ranges
/// of `text`), when `ours` match `source` from its first word on.
fn align(source: &[SourceWord<'_>], text: &str, ours: &[Range<usize>]) -> Option<Vec<(usize, usize)>> {
    let mut out = Vec::with_capacity(ours.len());
    let mut j = 0;
    for (i, r) in ours.iter().enumerate() {
        let word = &text[r.clone()];
        loop {
            let src = source.get(j)?;
            let found = src.text();
            if found == word {
                out.push((j, 0));
                break;
            }
            if src.first_in_line && found.len() > word.len() && found.ends_with(word) {
                out.push((j, found.len() - word.len()));
                break;
            }
            // Only a marker starting a line is passed over, and never before the first word.
            if i == 0 || !src.first_in_line {
                return None;
            }
            j += 1;
        }
        j += 1;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(doc: &str, insight: &Insight, piece: &str) -> Option<(usize, usize, usize, usize)> {
        let start = insight.text.find(piece)?;
        locate(doc, insight, start..start + piece.len())
            .map(|p| (p.line_start, p.column_start, p.line_end, p.column_end))
    }

    #[test]
    fn sentences_are_found_across_wrapped_lines() {
        let doc = "Title\n\nFirst claim is\n  here.  Second claim\nends — here. Third.\n";
        let insight = Insight::new("d", 3, 5, "First claim is here. Second claim ends — here. Third.");
        assert_eq!(pos(doc, &insight, "First claim is here."), Some((3, 1, 4, 7)));
        assert_eq!(
            pos(doc, &insight, "Second claim ends — here."),
            Some((4, 10, 5, 12)),
            "columns count characters"
        );
        assert_eq!(pos(doc, &insight, "Third."), Some((5, 14, 5, 19)));
    }

    #[test]
    fn markers_are_passed_over_and_a_sentence_is_found_after_its_neighbour_on_the_same_line() {
        let doc = "- The cat sat. The cat ran.\n>Quoted words here.\n";
        let item = Insight::new("d", 1, 1, "The cat sat. The cat ran.");
        assert_eq!(pos(doc, &item, "The cat ran."), Some((1, 16, 1, 27)));
        let sentence = Insight::new("d", 1, 1, "The cat ran.");
        assert_eq!(pos(doc, &sentence, "The cat ran."), Some((1, 16, 1, 27)));
        let quote = Insight::new("d", 2, 2, "Quoted words here.");
        assert_eq!(pos(doc, &quote, "Quoted"), Some((2, 2, 2, 7)));
    }

    #[test]
    fn text_that_is_not_in_its_lines_is_not_placed() {
        let insight = Insight::new("d", 1, 1, "Words that moved.");
        assert_eq!(pos("Other words entirely.", &insight, "Words"), None);
        assert_eq!(pos("", &insight, "Words"), None);
        let beyond = Insight::new("d", 7, 9, "Words that moved.");
        assert_eq!(pos("Words that moved.", &beyond, "Words"), None);
        assert_eq!(locate("Words that moved.", &insight, 3..3), None);
    }
}
