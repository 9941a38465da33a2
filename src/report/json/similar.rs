//! `insights similar`: a query's verdict, its scores and the matches, sentence by sentence.

use serde::Serialize;

use super::{insight, round, InsightJson};
use crate::analysis::similar::{Match, Similar, VerdictOptions};
use crate::index::Index;
use crate::insight::Insight;

/// The verdict and hits of one query.
#[derive(Serialize)]
pub struct SimilarJson<'a> {
    query: &'a str,
    /// The insight of an input file that the query is, for `similar --file`.
    #[serde(skip_serializing_if = "Option::is_none")]
    query_insight: Option<InsightJson<'a>>,
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
        query_insight: query_insight.map(|i| InsightJson::of(None, i)),
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

/// The payload of `insights similar`: one result, or the results of every insight of `--file`.
#[derive(Serialize)]
#[serde(untagged)]
pub enum SimilarOutput<'a> {
    /// `--file`: the file and one result per insight in it.
    File {
        /// The file.
        file: String,
        /// One result per insight.
        results: Vec<SimilarJson<'a>>,
    },
    /// A single statement.
    One(Option<Box<SimilarJson<'a>>>),
}
