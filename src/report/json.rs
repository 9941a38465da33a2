//! JSON output: one document per command, each with `schema_version`. Insights appear as
//! `{"id", "doc", "line_start", "line_end", "text", "source_id"?, "file"?}` where `id` is the insight's position in
//! the corpus.
//!
//! Everything here borrows from the index and the analysis results and is written straight to the output by serde:
//! nothing builds a tree of JSON values, so memory does not grow with the size of the output.

use serde::Serialize;

use super::{Report, SCHEMA_VERSION};
use crate::analysis::documents::DocumentOriginality;
use crate::analysis::duplicates::{DuplicateGroup, DuplicateKind};
use crate::analysis::neighbours::Link;
use crate::analysis::similar::{Match, Similar, VerdictOptions};
use crate::analysis::topics::Topic;
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

/// One insight with its provenance and its position in the corpus.
#[derive(Serialize)]
pub struct InsightJson<'a> {
    /// Its position in the corpus.
    id: usize,
    #[serde(flatten)]
    insight: &'a Insight,
}

/// One insight with its provenance.
pub fn insight(index: &Index, i: usize) -> InsightJson<'_> {
    InsightJson {
        id: i,
        insight: &index.insights[i],
    }
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
fn insights<'a>(index: &'a Index, ids: &'a [usize]) -> impl Serialize + 'a {
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
fn round(x: f32) -> f64 {
    (f64::from(x) * 10_000.0).round() / 10_000.0
}

/// The verdict and hits of one query.
#[derive(Serialize)]
pub struct SimilarJson<'a> {
    query: &'a str,
    /// The insight of an input file that the query is, for `similar --file`.
    #[serde(skip_serializing_if = "Option::is_none")]
    query_insight: Option<&'a Insight>,
    verdict: &'static str,
    claim_score: f64,
    background: f64,
    statement_background: f64,
    match_background: f64,
    said_before_min_score: f64,
    related_min_score: f64,
    best: Option<MatchJson<'a>>,
    hits: Vec<SimilarHitJson<'a>>,
}

/// How a query matches one insight: the match score, its parts, and the sentence that matched.
#[derive(Serialize)]
struct MatchJson<'a> {
    score: f64,
    paragraph_score: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    matched_sentence: Option<SentenceJson<'a>>,
    insight: InsightJson<'a>,
}

/// One sentence of an insight: its text, its byte range in the insight's text, its place in the document (first and
/// last character's line and column; null when unknown), and its cosine with the query.
#[derive(Serialize)]
struct SentenceJson<'a> {
    text: &'a str,
    start: usize,
    end: usize,
    line_start: Option<usize>,
    column_start: Option<usize>,
    line_end: Option<usize>,
    column_end: Option<usize>,
    score: f64,
}

/// One hit of a query, with the other insights of the same text folded into it.
#[derive(Serialize)]
struct SimilarHitJson<'a> {
    #[serde(flatten)]
    found: MatchJson<'a>,
    copies: Vec<InsightJson<'a>>,
}

fn match_json<'a>(index: &'a Index, m: &Match) -> MatchJson<'a> {
    let i = m.hit.index;
    let matched_sentence = m.sentence.and_then(|(row, score)| {
        let layout = &index.sentences.as_ref()?.layout;
        let span = layout.spans[row].clone();
        let place = layout.places[row];
        Some(SentenceJson {
            text: &index.insights[i].text[span.clone()],
            start: span.start,
            end: span.end,
            line_start: place.map(|p| p.line_start),
            column_start: place.map(|p| p.column_start),
            line_end: place.map(|p| p.line_end),
            column_end: place.map(|p| p.column_end),
            score: round(score),
        })
    });
    MatchJson {
        score: round(m.hit.score),
        paragraph_score: round(m.paragraph),
        matched_sentence,
        insight: insight(index, i),
    }
}

/// The verdict and hits of one query; `query_insight` is the input insight it came from, if any.
pub fn similar<'a>(
    index: &'a Index,
    query: &'a str,
    query_insight: Option<&'a Insight>,
    result: &Similar,
    opts: &VerdictOptions,
) -> SimilarJson<'a> {
    SimilarJson {
        query,
        query_insight,
        verdict: result.verdict.name(),
        claim_score: round(result.claim_score),
        background: round(result.background.mean()),
        statement_background: round(result.background.statement),
        match_background: round(result.background.matched),
        said_before_min_score: round(opts.said_before),
        related_min_score: round(opts.related),
        best: result.verdict.best().map(|m| match_json(index, m)),
        hits: result
            .hits
            .iter()
            .map(|s| SimilarHitJson {
                found: match_json(index, &s.found),
                copies: s.copies.iter().map(|&c| insight(index, c)).collect(),
            })
            .collect(),
    }
}

/// Each insight with its cross-document neighbours.
pub fn neighbours<'a>(index: &'a Index, neighbours: &'a [Vec<Hit>], min_score: f32) -> impl Serialize + 'a {
    #[derive(Serialize)]
    struct Neighbours<E> {
        min_score: f64,
        insights: E,
    }
    #[derive(Serialize)]
    struct Item<'a, E> {
        insight: InsightJson<'a>,
        neighbors: E,
    }
    Neighbours {
        min_score: round(min_score),
        insights: seq(neighbours.iter().enumerate().map(move |(i, hits)| Item {
            insight: insight(index, i),
            neighbors: seq(hits.iter().map(move |h| hit(index, h))),
        })),
    }
}

/// One duplicate group.
#[derive(Serialize)]
struct DuplicateJson<'a, M> {
    kind: DuplicateKind,
    score: f64,
    documents: Vec<&'a str>,
    members: M,
}

/// The payload of `insights duplicates`.
#[derive(Serialize)]
pub struct Groups<G> {
    /// The groups, as [`duplicates`] writes them.
    pub groups: G,
}

/// Duplicate groups.
pub fn duplicates<'a>(index: &'a Index, groups: &'a [DuplicateGroup]) -> impl Serialize + 'a {
    seq(groups.iter().map(move |g| DuplicateJson {
        kind: g.kind,
        score: round(g.score),
        documents: index.documents_of(&g.members),
        members: insights(index, &g.members),
    }))
}

/// Topics and unclustered insights.
pub fn topics<'a>(
    index: &'a Index,
    topics: &'a [Topic],
    unclustered: &'a [usize],
    k_choice: &'a str,
) -> impl Serialize + 'a {
    #[derive(Serialize)]
    struct Topics<'a, C, U> {
        k: usize,
        k_choice: &'a str,
        clusters: C,
        unclustered: U,
    }
    #[derive(Serialize)]
    struct Cluster<'a, M> {
        id: usize,
        size: usize,
        keywords: &'a [String],
        representative: InsightJson<'a>,
        documents: &'a [String],
        members: M,
    }
    Topics {
        k: topics.len(),
        k_choice,
        clusters: seq(topics.iter().map(move |t| Cluster {
            id: t.id,
            size: t.members.len(),
            keywords: &t.keywords,
            representative: insight(index, t.representative),
            documents: &t.documents,
            members: insights(index, &t.members),
        })),
        unclustered: insights(index, unclustered),
    }
}

/// Cross-document links.
pub fn links<'a>(index: &'a Index, links: &'a [Link]) -> impl Serialize + 'a {
    #[derive(Serialize)]
    struct LinkJson<'a> {
        score: f64,
        a: InsightJson<'a>,
        b: InsightJson<'a>,
    }
    seq(links.iter().map(move |l| LinkJson {
        score: round(l.score),
        a: insight(index, l.a),
        b: insight(index, l.b),
    }))
}

/// Per-document originality.
pub fn originality<'a>(index: &'a Index, docs: &'a [DocumentOriginality]) -> impl Serialize + 'a {
    #[derive(Serialize)]
    struct DocJson<'a, R> {
        doc: &'a str,
        date: Option<String>,
        dated_by: Option<&'static str>,
        insights: usize,
        original: usize,
        original_share: f64,
        repeats: R,
    }
    #[derive(Serialize)]
    struct RepeatJson<'a> {
        insight: InsightJson<'a>,
        first_appeared: InsightJson<'a>,
        score: f64,
    }
    seq(docs.iter().map(move |d| DocJson {
        doc: &d.doc,
        date: d.date.map(|x| x.date.to_string()),
        dated_by: d.date.map(|x| x.source.name()),
        insights: d.insights,
        original: d.original,
        original_share: if d.insights == 0 {
            0.0
        } else {
            round(d.original as f32 / d.insights as f32)
        },
        repeats: seq(d.repeats.iter().map(move |r| RepeatJson {
            insight: insight(index, r.insight),
            first_appeared: insight(index, r.first),
            score: round(r.score),
        })),
    }))
}

/// The whole report.
pub fn report<'a>(index: &'a Index, r: &'a Report<'a>) -> impl Serialize + 'a {
    #[derive(Serialize)]
    struct Summary<'a> {
        documents: usize,
        insights: usize,
        model: &'a str,
        split: &'a str,
    }
    #[derive(Serialize)]
    struct ReportJson<'a, T, L, D, O> {
        summary: Summary<'a>,
        topics: T,
        links: L,
        duplicates: D,
        documents: O,
    }
    ReportJson {
        summary: Summary {
            documents: index.documents().len(),
            insights: index.len(),
            model: &index.meta.kind.model_id,
            split: &index.meta.split,
        },
        topics: topics(index, r.topics, r.unclustered, r.k_choice),
        links: links(index, r.links),
        duplicates: duplicates(index, r.duplicates),
        documents: originality(index, r.originality),
    }
}
