//! JSON output: one document per command, each with `schema_version`. Insights appear as
//! `{"id", "doc", "line_start", "line_end", "text", "source_id"?}` where `id` is the insight's position in the corpus.

use serde_json::{json, Value};

use super::{Report, SCHEMA_VERSION};
use crate::analysis::documents::DocumentOriginality;
use crate::analysis::duplicates::DuplicateGroup;
use crate::analysis::neighbours::Link;
use crate::analysis::similar::{Similar, Verdict};
use crate::analysis::topics::Topic;
use crate::index::{Hit, Index};

/// One insight with its provenance.
pub fn insight(index: &Index, i: usize) -> Value {
    let mut v = serde_json::to_value(&index.insights[i]).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut v {
        map.insert("id".into(), json!(i));
    }
    v
}

/// A search hit: its score and insight.
pub fn hit(index: &Index, h: &Hit) -> Value {
    json!({ "score": round(h.score), "insight": insight(index, h.index) })
}

/// Scores rounded to 4 decimals, so output is stable and readable.
fn round(x: f32) -> f64 {
    (f64::from(x) * 10_000.0).round() / 10_000.0
}

/// The verdict and hits of one query.
pub fn similar(index: &Index, query: &str, result: &Similar, said_before: f32) -> Value {
    let (verdict, best) = match &result.verdict {
        Verdict::SaidBefore(h) => ("said-before", Some(h)),
        Verdict::NotSaidBefore(h) => ("not-said-before", h.as_ref()),
    };
    json!({
        "query": query,
        "verdict": verdict,
        "said_before_min_score": round(said_before),
        "best": best.map(|h| hit(index, h)),
        "hits": result.hits.iter().map(|s| {
            let mut v = hit(index, &s.hit);
            if let Value::Object(map) = &mut v {
                map.insert("copies".into(), s.copies.iter().map(|&c| insight(index, c)).collect());
            }
            v
        }).collect::<Vec<_>>(),
    })
}

/// Wraps a command's payload with the schema version.
pub fn document(mut payload: Value) -> Value {
    if let Value::Object(map) = &mut payload {
        map.insert("schema_version".into(), json!(SCHEMA_VERSION));
    }
    payload
}

/// Each insight with its cross-document neighbours.
pub fn neighbours(index: &Index, neighbours: &[Vec<Hit>], min_score: f32) -> Value {
    let items: Vec<Value> = neighbours
        .iter()
        .enumerate()
        .map(|(i, hits)| {
            json!({
                "insight": insight(index, i),
                "neighbors": hits.iter().map(|h| hit(index, h)).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({ "min_score": round(min_score), "insights": items })
}

/// Duplicate groups.
pub fn duplicates(index: &Index, groups: &[DuplicateGroup]) -> Vec<Value> {
    groups
        .iter()
        .map(|g| {
            json!({
                "kind": g.kind,
                "score": round(g.score),
                "documents": index.documents_of(&g.members),
                "members": g.members.iter().map(|&m| insight(index, m)).collect::<Vec<_>>(),
            })
        })
        .collect()
}

/// Topics and unclustered insights.
pub fn topics(index: &Index, topics: &[Topic], unclustered: &[usize], k_choice: &str) -> Value {
    json!({
        "k": topics.len(),
        "k_choice": k_choice,
        "clusters": topics.iter().map(|t| json!({
            "id": t.id,
            "size": t.members.len(),
            "keywords": t.keywords,
            "representative": insight(index, t.representative),
            "documents": t.documents,
            "members": t.members.iter().map(|&m| insight(index, m)).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "unclustered": unclustered.iter().map(|&m| insight(index, m)).collect::<Vec<_>>(),
    })
}

/// Cross-document links.
pub fn links(index: &Index, links: &[Link]) -> Vec<Value> {
    links
        .iter()
        .map(|l| json!({ "score": round(l.score), "a": insight(index, l.a), "b": insight(index, l.b) }))
        .collect()
}

/// Per-document originality.
pub fn originality(index: &Index, docs: &[DocumentOriginality]) -> Vec<Value> {
    docs.iter()
        .map(|d| {
            json!({
                "doc": d.doc,
                "insights": d.insights,
                "original": d.original,
                "original_share": if d.insights == 0 { 0.0 } else { round(d.original as f32 / d.insights as f32) },
                "repeats": d.repeats.iter().map(|r| json!({
                    "insight": insight(index, r.insight),
                    "first_appeared": insight(index, r.first),
                    "score": round(r.score),
                })).collect::<Vec<_>>(),
            })
        })
        .collect()
}

/// The whole report.
pub fn report(index: &Index, r: &Report) -> Value {
    json!({
        "summary": {
            "documents": index.documents().len(),
            "insights": index.len(),
            "model": index.meta.model_id,
            "split": index.meta.split,
        },
        "topics": topics(index, r.topics, r.unclustered, r.k_choice),
        "links": links(index, r.links),
        "duplicates": duplicates(index, r.duplicates),
        "documents": originality(index, r.originality),
    })
}
