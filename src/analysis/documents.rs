//! Per-document originality: how much of each document is found in no other, and where its repeats appeared first:
//! in the earliest-dated document ([`crate::insight::dates`]), undated documents after dated ones, ties in corpus
//! order.

use super::duplicates::DuplicateGroup;
use crate::index::Index;
use crate::insight::dates::DocumentDate;

/// One insight of a document that other documents also make.
#[derive(Debug, Clone, PartialEq)]
pub struct Repeat {
    /// The insight in this document.
    pub insight: usize,
    /// The matching insight in the earliest document that makes the same point (by date, then corpus order).
    pub first: usize,
    /// The score of their duplicate group (the lowest cosine among the links that hold it together).
    pub score: f32,
}

/// How original one document is.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentOriginality {
    /// The document.
    pub doc: String,
    /// Its date and where it was found; `None` when undated.
    pub date: Option<DocumentDate>,
    /// Its number of insights.
    pub insights: usize,
    /// Its insights that no other document makes (in no duplicate group with another document).
    pub original: usize,
    /// Its insights that other documents make too; `first` is in an earlier document, or in this one when this
    /// document is where the point first appeared.
    pub repeats: Vec<Repeat>,
}

/// Originality of every document: an insight is a repeat when it is in a duplicate group (the verdict `duplicates`
/// gives: verbatim, near-verbatim or the same argument in other words) with an insight of another document. Its
/// `first` is the group's member in the earliest document (by date, undated documents last, then corpus order), and
/// the score the group's.
pub fn originality(index: &Index, groups: &[DuplicateGroup]) -> Vec<DocumentOriginality> {
    let doc_of = index.document_ids();
    let names = index.documents();
    let dates: Vec<Option<DocumentDate>> = names.iter().map(|n| index.dates.get(*n).copied()).collect();
    // Documents rank by date, the undated after the dated, then in corpus order.
    let rank = |d: usize| (dates[d].is_none(), dates[d].map(|x| x.date), d);
    let mut members_of: Vec<Vec<usize>> = vec![Vec::new(); names.len()];
    for (i, &d) in doc_of.iter().enumerate() {
        members_of[d].push(i);
    }
    let mut group_of: Vec<Option<&DuplicateGroup>> = vec![None; index.len()];
    for group in groups {
        for &m in &group.members {
            group_of[m] = Some(group);
        }
    }
    names
        .iter()
        .zip(members_of)
        .enumerate()
        .map(|(d, (name, members))| {
            let mut repeats = Vec::new();
            for &i in &members {
                let Some(group) = group_of[i] else { continue };
                if group.members.iter().all(|&m| doc_of[m] == d) {
                    continue;
                }
                // The earliest document making the point: this one if no member comes from an earlier-ranked one.
                let earliest = group
                    .members
                    .iter()
                    .copied()
                    .filter(|&m| rank(doc_of[m]) < rank(d))
                    .min_by_key(|&m| (rank(doc_of[m]), m));
                repeats.push(Repeat {
                    insight: i,
                    first: earliest.unwrap_or(i),
                    score: group.score,
                });
            }
            DocumentOriginality {
                doc: name.to_string(),
                date: dates[d],
                insights: members.len(),
                original: members.len() - repeats.len(),
                repeats,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::duplicates::DuplicateKind;
    use crate::analysis::neighbours::tests::index_of;

    #[test]
    fn repeats_are_the_members_of_groups_and_first_is_the_earliest_document() {
        // Documents a, b, c in corpus order; 0 (a), 2 (b) and 3 (c) make one point, 1 (a) another.
        let index = index_of(&["a", "a", "b", "c"], &[[1.0, 0.0], [0.0, 1.0], [1.0, 0.1], [1.0, 0.2]]);
        let groups = [DuplicateGroup {
            kind: DuplicateKind::Paraphrase,
            members: vec![0, 2, 3],
            score: 0.8,
        }];
        let docs = originality(&index, &groups);
        type Summary = (usize, usize, Vec<(usize, usize)>);
        let summary: Vec<Summary> = docs
            .iter()
            .map(|d| {
                (
                    d.insights,
                    d.original,
                    d.repeats.iter().map(|r| (r.insight, r.first)).collect(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![(2, 1, vec![(0, 0)]), (1, 0, vec![(2, 0)]), (1, 0, vec![(3, 0)])],
            "a is where the point first appeared"
        );
        assert!(docs.iter().flat_map(|d| &d.repeats).all(|r| r.score == 0.8));
        assert!(originality(&index, &[]).iter().all(|d| d.repeats.is_empty()));

        // Dated: c (2023) before a (2024); b undated ranks last.
        use crate::insight::dates::{DateSource, Day};
        let mut dated = index.clone();
        for (doc, day) in [("a", "2024-01-01"), ("c", "2023-01-01")] {
            let date = Day::parse_start(day).unwrap();
            let source = DateSource::FileName;
            dated.dates.insert(doc.into(), DocumentDate { date, source });
        }
        let docs = originality(&dated, &groups);
        let firsts: Vec<Vec<(usize, usize)>> = docs
            .iter()
            .map(|d| d.repeats.iter().map(|r| (r.insight, r.first)).collect())
            .collect();
        assert_eq!(
            firsts,
            [vec![(0, 3)], vec![(2, 3)], vec![(3, 3)]],
            "c is where the point first appeared"
        );
        assert_eq!(docs[2].date.map(|d| d.date.to_string()).as_deref(), Some("2023-01-01"));
        assert_eq!(docs[1].date, None);
    }
}
