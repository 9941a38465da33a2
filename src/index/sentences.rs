//! Claim-level units: the sentences of each insight, with a vector each, so that a one-sentence claim can be matched
//! to the one sentence of a paragraph that makes it.
//!
//! Only insights of two or more sentences have sentence rows: a one-sentence insight's own vector is its sentence's.
//! The layout (which rows belong to which insight, and where each sentence lies in its insight's text) is made from
//! the insights' texts by [`crate::insight::sentence_spans`] when an index is built, and stored with it, so a reader
//! neither splits again nor depends on the splitter of the build that reads.

use std::ops::Range;
use std::sync::OnceLock;

use super::TextHash;
use crate::insight::{sentence_spans, Insight, Locator, TextPosition};
use crate::vectors::Embeddings;

/// Where each insight's sentences lie: rows per insight and each row's byte range, without vectors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentenceLayout {
    /// The rows of insight `i` are `first[i]..first[i + 1]` (`first` has one entry more than there are insights).
    pub first: Vec<usize>,
    /// The byte range of each row's sentence in its insight's text.
    pub spans: Vec<Range<usize>>,
    /// Where each row's sentence lies in its document (lines and columns); `None` where unknown: a JSONL record, an
    /// index read from a file written before places were kept, or a layout not yet placed
    /// ([`SentenceLayout::place`]).
    pub places: Vec<Option<TextPosition>>,
}

impl SentenceLayout {
    /// The layout of `insights`: a row for each sentence of every insight that has at least two.
    pub fn of(insights: &[Insight]) -> Self {
        let mut first = Vec::with_capacity(insights.len() + 1);
        let mut spans = Vec::new();
        first.push(0);
        for insight in insights {
            let found = sentence_spans(&insight.text);
            if found.len() > 1 {
                spans.extend(found.into_iter().map(|(start, end)| start..end));
            }
            first.push(spans.len());
        }
        let places = vec![None; spans.len()];
        SentenceLayout { first, spans, places }
    }

    /// Finds each row's place in its document: `lines_of` gives the lines of the document an insight was split
    /// from (`None` for one whose characters are not the file's, such as a JSONL record). Each insight is lined up
    /// with its lines once, however many rows it has.
    pub fn place<'a>(&mut self, insights: &[Insight], lines_of: impl Fn(&Insight) -> Option<&'a [&'a str]>) {
        for (i, insight) in insights.iter().enumerate() {
            let rows = self.rows_of(i);
            if rows.is_empty() {
                continue;
            }
            let Some(locator) = lines_of(insight).and_then(|lines| Locator::new(lines, insight)) else {
                continue;
            };
            for row in rows {
                self.places[row] = locator.place(self.spans[row].clone());
            }
        }
    }

    /// The number of sentence rows.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// True when no insight has two sentences or more.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The rows of insight `i` (empty for a one-sentence insight).
    pub fn rows_of(&self, i: usize) -> Range<usize> {
        self.first[i]..self.first[i + 1]
    }

    /// The insight that owns row `row`.
    pub fn owner_of(&self, row: usize) -> usize {
        self.first.partition_point(|&f| f <= row) - 1
    }

    /// The text of row `row`, a sentence of `insights[self.owner_of(row)]`.
    pub fn text<'a>(&self, insights: &'a [Insight], row: usize) -> &'a str {
        &insights[self.owner_of(row)].text[self.spans[row].clone()]
    }

    /// The content hash of every row's sentence, in row order.
    pub fn hashes(&self, insights: &[Insight]) -> Vec<TextHash> {
        (0..self.len())
            .map(|row| TextHash::of(self.text(insights, row)))
            .collect()
    }

    /// The full table, with the vectors of the rows (`vectors.len()` must equal [`SentenceLayout::len`]).
    pub fn with_vectors(self, vectors: Embeddings) -> Sentences {
        debug_assert_eq!(vectors.len(), self.len());
        Sentences {
            layout: self,
            vectors,
            hashes: OnceLock::new(),
        }
    }
}

/// The sentence rows of every insight of an index, and their vectors.
#[derive(Debug, Clone)]
pub struct Sentences {
    /// Which rows belong to which insight, and where each sentence lies in its insight's text.
    pub layout: SentenceLayout,
    /// One unit vector per row.
    pub vectors: Embeddings,
    /// The content hash of each row's sentence, made when first asked for ([`Sentences::hashes`]).
    pub(super) hashes: OnceLock<Vec<TextHash>>,
}

/// Equal when the rows and vectors are: the hashes are made from them.
impl PartialEq for Sentences {
    fn eq(&self, other: &Self) -> bool {
        self.layout == other.layout && self.vectors == other.vectors
    }
}

impl Sentences {
    /// The content hash of each row's sentence; `insights` are the insights the table is of.
    pub fn hashes(&self, insights: &[Insight]) -> &[TextHash] {
        debug_assert_eq!(
            insights.len() + 1,
            self.layout.first.len(),
            "the hashes are of this table's insights"
        );
        self.hashes.get_or_init(|| self.layout.hashes(insights))
    }

    /// The number of sentence rows.
    pub fn len(&self) -> usize {
        self.layout.len()
    }

    /// True when there is no sentence row.
    pub fn is_empty(&self) -> bool {
        self.layout.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_insights_of_several_sentences_get_rows() {
        let insights = [
            Insight::new("a", 1, 1, "One sentence only here."),
            Insight::new("a", 2, 2, "First point made. Second point follows! A third?"),
            Insight::new("b", 1, 1, "Dr. Smith agrees with the U.S. Congress."),
        ];
        let layout = SentenceLayout::of(&insights);
        assert_eq!(layout.first, vec![0, 0, 3, 3]);
        let texts: Vec<&str> = (0..layout.len()).map(|r| layout.text(&insights, r)).collect();
        assert_eq!(texts, ["First point made.", "Second point follows!", "A third?"]);
        assert_eq!((0..3).map(|r| layout.owner_of(r)).collect::<Vec<_>>(), vec![1, 1, 1]);
        assert_eq!((layout.rows_of(1), layout.rows_of(2)), (0..3, 3..3));
        let mut placed = layout.clone();
        let lines = [
            "One sentence only here.",
            "First point made. Second point follows! A third?",
        ];
        placed.place(&insights, |i| (i.doc == "a").then_some(&lines[..]));
        let at = |row: usize| placed.places[row].map(|p| (p.line_start, p.column_start, p.line_end, p.column_end));
        assert_eq!(
            (at(0), at(1), at(2)),
            (Some((2, 1, 2, 17)), Some((2, 19, 2, 39)), Some((2, 41, 2, 48)))
        );
        let table = layout.with_vectors(Embeddings::from_flat(1, vec![1.0; 3]));
        assert_eq!(table.hashes(&insights)[0], TextHash::of("First point made."));
    }
}
