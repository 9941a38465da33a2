//! The index file's binary sections: insight records, the sentence table and the documents' dates, each written
//! and read back with every length and range checked.

use super::layout::{DATE_BYTES, UNDATED};
use crate::index::{Index, SentenceLayout};
use crate::insight::dates::{DateSource, Day, DocumentDate, DocumentDates};
use crate::insight::{Insight, TextPosition};

/// Appends one insight: doc, text, source id and file as length-prefixed UTF-8 (u32 length; an absent optional
/// string has length `u32::MAX`), then the first and last line (u64 each).
pub(super) fn write_insight(out: &mut Vec<u8>, insight: &Insight) {
    let mut string = |s: Option<&str>| match s {
        Some(s) => {
            out.extend_from_slice(&(s.len() as u32).to_le_bytes());
            out.extend_from_slice(s.as_bytes());
        }
        None => out.extend_from_slice(&u32::MAX.to_le_bytes()),
    };
    string(Some(&insight.doc));
    string(Some(&insight.text));
    string(insight.source_id.as_deref());
    string(insight.file.as_deref());
    out.extend_from_slice(&(insight.line_start as u64).to_le_bytes());
    out.extend_from_slice(&(insight.line_end as u64).to_le_bytes());
}

/// Reads the insights section written by [`write_insight`]; `None` when it is malformed.
pub(super) fn read_insights(mut bytes: &[u8], count: usize) -> Option<Vec<Insight>> {
    let mut take = |n: usize| -> Option<&[u8]> {
        let (head, rest) = (bytes.len() >= n).then(|| bytes.split_at(n))?;
        bytes = rest;
        Some(head)
    };
    let mut insights = Vec::with_capacity(count);
    for _ in 0..count {
        let mut string = || -> Option<Option<String>> {
            let len = u32::from_le_bytes(take(4)?.try_into().ok()?);
            if len == u32::MAX {
                return Some(None);
            }
            String::from_utf8(take(len as usize)?.to_vec()).ok().map(Some)
        };
        let doc = string()??;
        let text = string()??;
        let source_id = string()?;
        let file = string()?;
        let line_start = usize::try_from(u64::from_le_bytes(take(8)?.try_into().ok()?)).ok()?;
        let line_end = usize::try_from(u64::from_le_bytes(take(8)?.try_into().ok()?)).ok()?;
        insights.push(Insight {
            doc,
            line_start,
            line_end,
            text,
            source_id,
            file,
        });
    }
    bytes.is_empty().then_some(insights)
}

/// The sentence table's bytes: each insight's row count, then each row's byte range (u32 little-endian each).
pub(super) fn sentence_table(s: &SentenceLayout) -> Vec<u8> {
    let mut out = Vec::with_capacity((s.first.len() - 1 + 2 * s.len()) * 4);
    for w in s.first.windows(2) {
        out.extend_from_slice(&((w[1] - w[0]) as u32).to_le_bytes());
    }
    for span in &s.spans {
        out.extend_from_slice(&(span.start as u32).to_le_bytes());
        out.extend_from_slice(&(span.end as u32).to_le_bytes());
    }
    for place in &s.places {
        let words = place.map_or([0; 4], |p| [p.line_start, p.column_start, p.line_end, p.column_end]);
        for w in words {
            out.extend_from_slice(&(u32::try_from(w).unwrap_or(0)).to_le_bytes());
        }
    }
    out
}

/// Reads the sentence table of `rows` rows over `insights` (`placed`: with the rows' places in their documents);
/// `None` when it is malformed (counts that do not add up, a range outside its insight's text or not on character
/// boundaries, a place that is partly 0).
pub(super) fn read_sentence_table(
    bytes: &[u8],
    insights: &[Insight],
    rows: usize,
    placed: bool,
) -> Option<SentenceLayout> {
    let mut words = bytes
        .chunks_exact(4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize);
    let mut first = Vec::with_capacity(insights.len() + 1);
    first.push(0);
    for _ in insights {
        let next = usize::checked_add(*first.last()?, words.next()?)?;
        first.push(next);
    }
    if first.last() != Some(&rows) {
        return None;
    }
    let mut spans = Vec::with_capacity(rows);
    for (i, w) in first.windows(2).enumerate() {
        let text = &insights[i].text;
        for _ in w[0]..w[1] {
            let (start, end) = (words.next()?, words.next()?);
            if start >= end || end > text.len() || !text.is_char_boundary(start) || !text.is_char_boundary(end) {
                return None;
            }
            spans.push(start..end);
        }
    }
    let mut places = Vec::with_capacity(rows);
    for _ in 0..rows {
        if !placed {
            places.push(None);
            continue;
        }
        let w = [words.next()?, words.next()?, words.next()?, words.next()?];
        places.push(match w {
            [0, 0, 0, 0] => None,
            [line_start, column_start, line_end, column_end] if !w.contains(&0) && line_start <= line_end => {
                Some(TextPosition {
                    line_start,
                    column_start,
                    line_end,
                    column_end,
                })
            }
            _ => return None,
        });
    }
    words
        .next()
        .is_none()
        .then_some(SentenceLayout { first, spans, places })
}

/// Each insight's document's date, as the dates section stores it.
pub(super) fn date_section(index: &Index) -> Vec<u8> {
    let mut out = Vec::with_capacity(index.len() * DATE_BYTES);
    for insight in &index.insights {
        let (day, source) = match index.dates.get(&insight.doc) {
            Some(d) => {
                let code = DateSource::ALL
                    .iter()
                    .position(|&s| s == d.source)
                    .map_or(0, |p| p as u32 + 1);
                (d.date.days_since_epoch(), code)
            }
            None => (UNDATED, 0),
        };
        out.extend_from_slice(&day.to_le_bytes());
        out.extend_from_slice(&source.to_le_bytes());
    }
    out
}

/// The documents' dates from the dates section; `None` when it is malformed (a day out of range, an unknown source).
pub(super) fn read_dates(bytes: &[u8], insights: &[Insight]) -> Option<DocumentDates> {
    let mut dates = DocumentDates::new();
    for (insight, b) in insights.iter().zip(bytes.chunks_exact(DATE_BYTES)) {
        let day = i32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        let code = u32::from_le_bytes([b[4], b[5], b[6], b[7]]);
        if day == UNDATED && code == 0 {
            continue;
        }
        let date = Day::from_days_since_epoch(day)?;
        let source = *DateSource::ALL.get((code as usize).checked_sub(1)?)?;
        if !dates.contains_key(&insight.doc) {
            dates.insert(insight.doc.clone(), DocumentDate { date, source });
        }
    }
    Some(dates)
}
