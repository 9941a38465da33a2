//! The page's data, one JSON object (the page's only wire format, read by `page.js`):
//!
//! `{"title", "model", "documents": [name], "topics": [{"id", "keywords", "size", "representative", "documents":
//! [document number], "x", "y", "subtopics": [{"id", "keywords", "size", "representative", "x", "y"}]}], "points":
//! [[x, y, topic (-1 when in none), document number, first line, last line, sub-topic (-1 when in none)]],
//! "texts": the texts joined by newlines (an insight's text holds none), gzip-compressed, base64, "neighbours": [[[insight, score]]], "groups": [{"kind", "score", "members"}], "links":
//! [[insight, insight, score]], "originality": [{"document", "insights", "original"}]}`
//!
//! `x` and `y` of a topic or sub-topic are the mean of its members' places, where its keywords are written.
//!
//! Insights are numbered by their position in the corpus, documents by first appearance; coordinates and scores are
//! rounded to 4 decimals, which keeps the file small and its bytes the same on every run.

use std::collections::HashMap;

use serde::Serialize;

use crate::index::{Hit, Index};
use crate::report::Report;

/// What the page shows, beside the report itself.
pub struct Page<'a> {
    /// The title: what the report is of.
    pub title: &'a str,
    /// The report's parts.
    pub report: &'a Report<'a>,
    /// Each insight's place on the map.
    pub positions: &'a [[f32; 2]],
    /// Each insight's nearest insights in other documents, best first (listed when it is clicked).
    pub neighbours: &'a [Vec<Hit>],
}

/// Neighbours kept per insight: the page lists them when the insight is clicked.
const NEIGHBOURS_SHOWN: usize = 5;

#[derive(Serialize)]
struct PageData<'a> {
    title: &'a str,
    model: &'a str,
    documents: Vec<&'a str>,
    topics: Vec<TopicData<'a>>,
    points: Vec<(f64, f64, i64, usize, usize, usize, i64)>,
    texts: String,
    neighbours: Vec<Vec<(usize, f64)>>,
    groups: Vec<GroupData<'a>>,
    links: Vec<(usize, usize, f64)>,
    originality: Vec<OriginalityData>,
}

/// A topic, or a sub-topic (which has neither `documents` nor `subtopics`).
#[derive(Serialize)]
struct TopicData<'a> {
    id: usize,
    keywords: &'a [String],
    size: usize,
    representative: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    documents: Option<Vec<usize>>,
    x: f64,
    y: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    subtopics: Option<Vec<TopicData<'a>>>,
}

#[derive(Serialize)]
struct GroupData<'a> {
    kind: &'a str,
    score: f64,
    members: &'a [usize],
}

#[derive(Serialize)]
struct OriginalityData {
    document: usize,
    insights: usize,
    original: usize,
}

/// `x` rounded to 4 decimals.
fn round(x: f32) -> f64 {
    (f64::from(x) * 1e4).round() / 1e4
}

/// `texts` joined by newlines, gzip-compressed and base64-encoded: texts are most of a page, and compressed they
/// take about a third of the room (the page inflates them with the browser's own `DecompressionStream`).
fn packed_texts<'t>(texts: impl Iterator<Item = &'t str>) -> String {
    use std::io::Write;
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    for (k, text) in texts.enumerate() {
        let separator: &[u8] = if k == 0 { b"" } else { b"\n" };
        gzip.write_all(separator)
            .and_then(|()| gzip.write_all(text.as_bytes()))
            .expect("writing to memory cannot fail");
    }
    base64(&gzip.finish().expect("writing to memory cannot fail"))
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (k, &b)| n | u32::from(b) << (16 - 8 * k));
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The page's data as JSON, safe to place inside a `<script>` element.
pub fn page_data(index: &Index, page: &Page) -> String {
    let report = page.report;
    let documents = index.documents();
    let number: HashMap<&str, usize> = documents.iter().enumerate().map(|(i, d)| (*d, i)).collect();
    let mut topic_of = vec![-1i64; index.len()];
    let mut subtopic_of = vec![-1i64; index.len()];
    // The mean place of `members` on one axis.
    let centre = |members: &[usize], axis: usize| {
        round(members.iter().map(|&m| page.positions[m][axis]).sum::<f32>() / members.len().max(1) as f32)
    };
    let topics = report
        .topics
        .iter()
        .map(|t| {
            for &m in &t.members {
                topic_of[m] = t.id as i64;
            }
            let subtopics = t
                .subtopics
                .iter()
                .map(|s| {
                    for &m in &s.members {
                        subtopic_of[m] = s.id as i64;
                    }
                    TopicData {
                        id: s.id,
                        keywords: &s.keywords,
                        size: s.members.len(),
                        representative: s.representative,
                        documents: None,
                        x: centre(&s.members, 0),
                        y: centre(&s.members, 1),
                        subtopics: None,
                    }
                })
                .collect();
            TopicData {
                id: t.id,
                keywords: &t.keywords,
                size: t.members.len(),
                representative: t.representative,
                documents: Some(
                    t.documents
                        .iter()
                        .filter_map(|d| number.get(d.as_str()).copied())
                        .collect(),
                ),
                x: centre(&t.members, 0),
                y: centre(&t.members, 1),
                subtopics: Some(subtopics),
            }
        })
        .collect();
    let points = index
        .insights
        .iter()
        .enumerate()
        .map(|(i, insight)| {
            let [x, y] = page.positions[i];
            (
                round(x),
                round(y),
                topic_of[i],
                number[insight.doc.as_str()],
                insight.line_start,
                insight.line_end,
                subtopic_of[i],
            )
        })
        .collect();
    let data = PageData {
        title: page.title,
        model: &index.meta.kind.model_id,
        documents: documents.clone(),
        topics,
        points,
        texts: packed_texts(index.insights.iter().map(|i| i.text.as_str())),
        neighbours: page
            .neighbours
            .iter()
            .map(|hits| {
                hits.iter()
                    .take(NEIGHBOURS_SHOWN)
                    .map(|h| (h.index, round(h.score)))
                    .collect()
            })
            .collect(),
        groups: report
            .duplicates
            .iter()
            .map(|g| GroupData {
                kind: g.kind.name(),
                score: round(g.score),
                members: &g.members,
            })
            .collect(),
        links: report.links.iter().map(|l| (l.a, l.b, round(l.score))).collect(),
        originality: report
            .originality
            .iter()
            .map(|d| OriginalityData {
                document: number.get(d.doc.as_str()).copied().unwrap_or(0),
                insights: d.insights,
                original: d.original,
            })
            .collect(),
    };
    let json = serde_json::to_string(&data).expect("the page's data serialises");
    // Inside <script>, "</" could end the element and "<!--" open a comment: JSON may escape the slash and "<".
    json.replace("</", "<\\/").replace("<!--", "\\u003c!--")
}

/// The texts of [`packed_texts`]' output (for tests).
#[cfg(test)]
pub(super) fn unpack_texts(packed: &str) -> Vec<String> {
    use std::io::Read;
    let value =
        |c: u8| (b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".iter()).position(|&a| a == c);
    let digits: Vec<u32> = packed.bytes().filter_map(value).map(|v| v as u32).collect();
    let mut bytes = Vec::new();
    for chunk in digits.chunks(4) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (k, &d)| n | d << (18 - 6 * k));
        bytes.extend_from_slice(&n.to_be_bytes()[1..chunk.len()]);
    }
    let mut text = String::new();
    flate2::read::GzDecoder::new(&bytes[..])
        .read_to_string(&mut text)
        .unwrap();
    text.split('\n').map(str::to_string).collect()
}
