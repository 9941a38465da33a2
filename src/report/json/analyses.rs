//! `insights neighbors`, `duplicates`, `clusters` and `report`: the analyses' results, written as they are walked.

use serde::Serialize;

use super::{hit, insight, insights, round, seq, InsightJson};
use crate::analysis::documents::DocumentOriginality;
use crate::analysis::duplicates::DuplicateGroup;
use crate::analysis::neighbours::Link;
use crate::analysis::topics::Topic;
use crate::index::{Hit, Index};
use crate::report::Report;

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
    kind: &'static str,
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
        kind: g.kind.name(),
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
    /// A topic, or (with no `subtopics`) one of its sub-topics.
    #[derive(Serialize)]
    struct Cluster<'a, M, S> {
        id: usize,
        size: usize,
        keywords: &'a [String],
        representative: InsightJson<'a>,
        documents: &'a [String],
        members: M,
        #[serde(skip_serializing_if = "Option::is_none")]
        subtopics: Option<S>,
    }
    fn cluster<'a, S>(index: &'a Index, t: &'a Topic, subtopics: Option<S>) -> Cluster<'a, impl Serialize + 'a, S> {
        Cluster {
            id: t.id,
            size: t.members.len(),
            keywords: &t.keywords,
            representative: insight(index, t.representative),
            documents: &t.documents,
            members: insights(index, &t.members),
            subtopics,
        }
    }
    Topics {
        k: topics.len(),
        k_choice,
        clusters: seq(topics.iter().map(move |t| {
            let subtopics = seq(t.subtopics.iter().map(move |s| cluster(index, s, None::<()>)));
            cluster(index, t, Some(subtopics))
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
        split: String,
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
            split: index.meta.split.describe(),
        },
        topics: topics(index, r.topics, r.unclustered, r.k_choice),
        links: links(index, r.links),
        duplicates: duplicates(index, r.duplicates),
        documents: originality(index, r.originality),
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::duplicates::DuplicateKind;

    #[test]
    fn kinds_are_written_in_kebab_case() {
        let names = [
            DuplicateKind::Verbatim,
            DuplicateKind::NearVerbatim,
            DuplicateKind::Paraphrase,
        ]
        .map(DuplicateKind::name);
        assert_eq!(names, ["verbatim", "near-verbatim", "paraphrase"]);
    }
}
