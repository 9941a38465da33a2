//! Insights: the paragraph- or sentence-sized arguments a document makes, each with its provenance.
//!
//! `split` turns a [`crate::document::Document`] into insights; everything downstream (embedding, index, analysis,
//! report) carries the [`Insight`] so every output can say where a text came from.

pub mod dates;
pub mod split;

pub use split::{
    sentence_spans, split_documents, Locator, Rule, SplitMode, SplitOptions, TextPosition, MAX_INSIGHT_BYTES,
};

/// One insight: a text and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Insight {
    /// The document it came from, as the user named it (a path, or `-` for standard input).
    pub doc: String,
    /// First line of the insight in its document, 1-based.
    pub line_start: usize,
    /// Last line of the insight in its document, 1-based, inclusive.
    pub line_end: usize,
    /// The text, with whitespace runs collapsed to single spaces and trimmed.
    pub text: String,
    /// The `id` given in a JSONL input record, if any.
    pub source_id: Option<String>,
    /// The file the insight was read from, when `doc` names something else (a JSONL record's own `doc` field);
    /// the line numbers are lines of this file.
    pub file: Option<String>,
}

impl Insight {
    /// An insight of `doc` at lines `line_start..=line_end` (1-based), read from `doc` itself, with no JSONL id.
    pub fn new(doc: impl Into<String>, line_start: usize, line_end: usize, text: impl Into<String>) -> Self {
        Insight {
            doc: doc.into(),
            line_start,
            line_end,
            text: text.into(),
            source_id: None,
            file: None,
        }
    }

    /// `doc:start-end` (or `doc:line`; `doc (file:line)` when read from another file), the provenance as a person
    /// reads it.
    pub fn location(&self) -> String {
        let lines = if self.line_start == self.line_end {
            self.line_start.to_string()
        } else {
            format!("{}-{}", self.line_start, self.line_end)
        };
        match &self.file {
            Some(file) => format!("{} ({file}:{lines})", self.doc),
            None => format!("{}:{lines}", self.doc),
        }
    }
}
