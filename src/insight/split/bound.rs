//! A bound on an insight's size: a paragraph (or sentence, or line) longer than [`MAX_INSIGHT_BYTES`] is cut into
//! pieces of whole sentences, each an insight with its own lines.
//!
//! The model reads an insight's first 256 word pieces (a few KiB of text), so nothing it sees is lost; what the bound
//! buys is memory that stays flat: a 100 MB file on one line is 1,600 insights of 64 KiB, not one of 100 MB copied
//! through every stage.

use std::ops::Range;

use super::sentences::sentence_spans;

/// The most bytes of text one insight holds: 64 KiB. A longer piece of a document is cut into several insights.
pub const MAX_INSIGHT_BYTES: usize = 64 * 1024;

/// Byte ranges that cut `text` into pieces of at most `max` bytes (`text` itself when it fits): whole sentences,
/// packed in order; a sentence longer than `max` is cut at its last whitespace before the bound, or at a character
/// boundary where it has none. The ranges are in order, do not overlap, and together hold every sentence.
pub(super) fn bounded_pieces(text: &str, max: usize) -> Vec<Range<usize>> {
    if text.len() <= max {
        return std::iter::once(0..text.len()).collect();
    }
    let mut pieces = Vec::new();
    let mut open: Option<Range<usize>> = None;
    for (start, end) in sentence_spans(text) {
        if let Some(piece) = &mut open {
            if end - piece.start <= max {
                piece.end = end;
                continue;
            }
            pieces.push(open.take().unwrap_or_default());
        }
        let mut start = start;
        while end - start > max {
            let cut = cut_before(text, start, start + max);
            pieces.push(start..cut);
            start = cut + text[cut..].len() - text[cut..].trim_start().len();
        }
        open = Some(start..end);
    }
    pieces.extend(open);
    pieces.retain(|p| !text[p.clone()].trim().is_empty());
    pieces
}

/// Where to cut `text[start..]` at or before byte `limit`: after its last whitespace past `start`, else at the last
/// character boundary (never at `start` itself, so every cut makes progress).
fn cut_before(text: &str, start: usize, limit: usize) -> usize {
    let mut limit = limit.min(text.len());
    while !text.is_char_boundary(limit) {
        limit -= 1;
    }
    match text[start..limit].rfind(char::is_whitespace) {
        Some(space) if space > 0 => start + space,
        _ if limit > start => limit,
        _ => start + text[start..].chars().next().map_or(1, char::len_utf8),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_that_fits_is_one_piece() {
        let pieces = bounded_pieces("One sentence. Two.", 100);
        assert_eq!((pieces.len(), pieces[0].clone()), (1, 0..18));
    }

    #[test]
    fn sentences_are_packed_whole_and_every_one_is_kept() {
        let text = "First one here. Second one here. Third one here. Fourth one here.";
        let pieces = bounded_pieces(text, 34);
        let texts: Vec<&str> = pieces.iter().map(|p| &text[p.clone()]).collect();
        assert_eq!(
            texts,
            ["First one here. Second one here.", "Third one here. Fourth one here."]
        );
    }

    #[test]
    fn a_sentence_longer_than_the_bound_is_cut_at_whitespace_then_anywhere() {
        let text = "word ".repeat(30);
        let pieces = bounded_pieces(text.trim_end(), 22);
        assert!(pieces
            .iter()
            .all(|p| p.len() <= 22 && !text[p.clone()].starts_with(' ')));
        let words: usize = pieces.iter().map(|p| text[p.clone()].split_whitespace().count()).sum();
        assert_eq!(words, 30);
        // No whitespace at all: cut at character boundaries, multi-byte characters whole.
        let text = "é".repeat(40);
        let pieces = bounded_pieces(&text, 11);
        assert!(pieces.iter().all(|p| p.len() <= 11 && text.is_char_boundary(p.start)));
        assert_eq!(pieces.iter().map(|p| p.len()).sum::<usize>(), text.len());
    }
}
