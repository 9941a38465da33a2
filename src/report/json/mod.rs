//! JSON output, the one owner of what scripts read: one document per command, each with `schema_version`, built
//! from private wire structs (domain types are never serialised as they are, so renaming a field in the library
//! cannot change the schema). Insights appear as
//! `{"id", "doc", "line_start", "line_end", "text", "source_id"?, "file"?}` where `id` is the insight's position in
//! the corpus.
//!
//! Everything here borrows from the index and the analysis results and is written straight to the output by serde:
//! nothing builds a tree of JSON values, so memory does not grow with the size of the output.

use serde::Serialize;

mod analyses;
mod corpus;
mod similar;

pub use analyses::{duplicates, links, neighbours, originality, report, topics, Groups};
#[cfg(feature = "milvus")]
pub use corpus::stored;
pub use corpus::{indexed, model_fetched, models, AnnSummary, KnownModelRow};
pub use similar::{similar, SimilarJson, SimilarOutput};

use super::SCHEMA_VERSION;
use crate::index::{Hit, Index};
use crate::insight::Insight;

/// A command's payload with the schema version beside its own fields.
#[derive(Serialize)]
pub struct Document<T> {
    /// The version of this output's schema ([`SCHEMA_VERSION`]).
    schema_version: u32,
    #[serde(flatten)]
    payload: T,
}

/// Wraps a command's payload (which must serialise as a JSON object) with the schema version.
pub fn document<T: Serialize>(payload: T) -> Document<T> {
    Document {
        schema_version: SCHEMA_VERSION,
        payload,
    }
}

/// One insight with its provenance and its position in the corpus (`id`, absent for an insight of a query file).
#[derive(Serialize)]
pub struct InsightJson<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    doc: &'a str,
    line_start: usize,
    line_end: usize,
    text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<&'a str>,
}

impl<'a> InsightJson<'a> {
    /// An insight as written, with its position in the corpus if it has one.
    fn of(id: Option<usize>, insight: &'a Insight) -> Self {
        InsightJson {
            id,
            doc: &insight.doc,
            line_start: insight.line_start,
            line_end: insight.line_end,
            text: &insight.text,
            source_id: insight.source_id.as_deref(),
            file: insight.file.as_deref(),
        }
    }
}

/// One insight with its provenance.
pub fn insight(index: &Index, i: usize) -> InsightJson<'_> {
    InsightJson::of(Some(i), &index.insights[i])
}

/// A sequence written as a JSON array while it is walked: the iterator is cloned and run when serialised, so the
/// mapped elements are never collected.
pub struct Seq<I>(I);

impl<I> Serialize for Seq<I>
where
    I: Iterator + Clone,
    I::Item: Serialize,
{
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.clone())
    }
}

/// `items` as a lazily written JSON array (see [`Seq`]).
pub fn seq<I>(items: I) -> Seq<I::IntoIter>
where
    I: IntoIterator,
    I::IntoIter: Clone,
    I::Item: Serialize,
{
    Seq(items.into_iter())
}

/// Insights given by their positions in the corpus.
pub(super) fn insights<'a>(index: &'a Index, ids: &'a [usize]) -> impl Serialize + 'a {
    seq(ids.iter().map(move |&i| insight(index, i)))
}

/// A search hit: its score and insight.
#[derive(Serialize)]
pub struct HitJson<'a> {
    score: f64,
    insight: InsightJson<'a>,
}

/// A search hit: its score and insight.
pub fn hit<'a>(index: &'a Index, h: &Hit) -> HitJson<'a> {
    HitJson {
        score: round(h.score),
        insight: insight(index, h.index),
    }
}

/// Scores rounded to 4 decimals, so output is stable and readable.
pub(super) fn round(x: f32) -> f64 {
    (f64::from(x) * 10_000.0).round() / 10_000.0
}
