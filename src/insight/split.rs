//! Splitting documents into insights: paragraphs, sentences or lines, with boilerplate rules.

use crate::document::{Document, ReadError};
use crate::insight::Insight;

/// How a document's text is cut into insights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SplitMode {
    /// Blank-line-separated paragraphs (the default).
    #[default]
    Paragraph,
    /// Sentences.
    Sentence,
    /// Non-empty lines.
    Line,
}

/// The settings of the splitter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitOptions {
    /// How to cut.
    pub mode: SplitMode,
}

/// Splits every document into insights, in document order.
pub fn split_documents(
    _docs: &[Document],
    _opts: &SplitOptions,
) -> Result<Vec<Insight>, ReadError> {
    todo!()
}
