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

/// One word of a document line: the line's number, the word's text, and the column of its first character.
struct SourceWord<'a> {
    line: usize,
    text: &'a str,
    column: usize,
    first_in_line: bool,
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

/// The words of one line (1-based `number`), with their columns (1-based, in characters).
fn line_words(number: usize, line: &str) -> impl Iterator<Item = SourceWord<'_>> {
    let mut column = 0;
    let mut seen = 0;
    words(line).into_iter().enumerate().map(move |(w, r)| {
        column += line[seen..r.start].chars().count();
        seen = r.start;
        SourceWord {
            line: number,
            text: &line[r],
            column: column + 1,
            first_in_line: w == 0,
        }
    })
}

/// One insight's words lined up with its document's lines, to place pieces of its text: made once per insight,
/// then asked for each piece.
pub struct Locator<'a> {
    text: &'a str,
    /// The insight's words (byte ranges of its text).
    ours: Vec<Range<usize>>,
    /// For each of them: the line, and the column of its first character there.
    places: Vec<(usize, usize)>,
}

impl<'a> Locator<'a> {
    /// Lines `insight`'s words up with `lines`, the lines of the document it was split from (`lines[0]` is line 1);
    /// `None` when they do not line up (a document changed since, or a JSONL record, whose text is not the file's
    /// characters).
    pub fn new(lines: &[&str], insight: &'a Insight) -> Option<Locator<'a>> {
        let first = insight.line_start.checked_sub(1)?;
        let span = lines.get(first..insight.line_end.min(lines.len()))?;
        let source: Vec<SourceWord<'_>> = span
            .iter()
            .enumerate()
            .flat_map(|(n, line)| line_words(first + n + 1, line))
            .collect();
        let text = insight.text.as_str();
        let ours = words(text);
        let places = (0..source.len()).find_map(|s| align(&source[s..], text, &ours))?;
        Some(Locator { text, ours, places })
    }

    /// Where bytes `range` of the insight's text lie in the document; `None` for an empty range or one outside the
    /// text.
    pub fn place(&self, range: Range<usize>) -> Option<TextPosition> {
        if range.is_empty() || range.end > self.text.len() {
            return None;
        }
        let at = |byte: usize| -> Option<(usize, usize)> {
            let w = self.ours.partition_point(|r| r.end <= byte);
            let word = self.ours.get(w).filter(|r| r.contains(&byte))?;
            let (line, column) = self.places[w];
            Some((line, column + self.text.get(word.start..byte)?.chars().count()))
        };
        let last = range.end - self.text.get(..range.end)?.chars().next_back()?.len_utf8();
        let (line_start, column_start) = at(range.start)?;
        let (line_end, column_end) = at(last)?;
        Some(TextPosition {
            line_start,
            column_start,
            line_end,
            column_end,
        })
    }
}

/// The line and column of each of `ours` (word ranges of `text`), when they match `source` from its first word on.
/// A marker starting a line is passed over, standing alone or joined before the word.
fn align(source: &[SourceWord<'_>], text: &str, ours: &[Range<usize>]) -> Option<Vec<(usize, usize)>> {
    let mut out = Vec::with_capacity(ours.len());
    let mut j = 0;
    for (i, r) in ours.iter().enumerate() {
        let word = &text[r.clone()];
        loop {
            let src = source.get(j)?;
            if src.text == word {
                out.push((src.line, src.column));
                break;
            }
            if src.first_in_line && src.text.len() > word.len() && src.text.ends_with(word) {
                let marker = &src.text[..src.text.len() - word.len()];
                out.push((src.line, src.column + marker.chars().count()));
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

    fn place(doc: &str, insight: &Insight, range: Range<usize>) -> Option<TextPosition> {
        let lines: Vec<&str> = doc.split('\n').collect();
        Locator::new(&lines, insight)?.place(range)
    }

    fn pos(doc: &str, insight: &Insight, piece: &str) -> Option<(usize, usize, usize, usize)> {
        let start = insight.text.find(piece)?;
        place(doc, insight, start..start + piece.len())
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
        assert_eq!(place("Words that moved.", &insight, 3..3), None);
        assert_eq!(place("Words that moved.", &insight, 3..99), None);
    }
}
