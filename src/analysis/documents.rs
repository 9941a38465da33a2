//! Per-document originality: how much of each document is found in no other, and where its repeats appeared first.

use crate::index::{Hit, Index};

/// One insight of a document that other documents also make.
#[derive(Debug, Clone, PartialEq)]
pub struct Repeat {
    /// The insight in this document.
    pub insight: usize,
    /// The matching insight in the earliest document (corpus order) that makes the same point.
    pub first: usize,
    /// Their cosine similarity.
    pub score: f32,
}

/// How original one document is.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentOriginality {
    /// The document.
    pub doc: String,
    /// Its number of insights.
    pub insights: usize,
    /// Its insights that no other document makes (no neighbour at or above the threshold).
    pub original: usize,
    /// Its insights that other documents make too; `first` is in an earlier document, or in this one when this
    /// document is where the point first appeared.
    pub repeats: Vec<Repeat>,
}

/// Originality of every document, given each insight's cross-document neighbours (best first) and the score at
/// which two insights make the same point.
pub fn originality(index: &Index, neighbours: &[Vec<Hit>], same_point: f32) -> Vec<DocumentOriginality> {
    let doc_of = index.document_ids();
    let names = index.documents();
    let mut members_of: Vec<Vec<usize>> = vec![Vec::new(); names.len()];
    for (i, &d) in doc_of.iter().enumerate() {
        members_of[d].push(i);
    }
    names
        .iter()
        .zip(members_of)
        .enumerate()
        .map(|(d, (name, members))| {
            let mut repeats = Vec::new();
            for &i in &members {
                let matches: Vec<&Hit> = neighbours[i].iter().filter(|h| h.score >= same_point).collect();
                // The earliest document making the point: this one if no match comes from an earlier document.
                let earliest = matches
                    .iter()
                    .filter(|h| doc_of[h.index] < d)
                    .min_by(|a, b| doc_of[a.index].cmp(&doc_of[b.index]).then(b.score.total_cmp(&a.score)));
                if let Some(best) = matches.first() {
                    repeats.push(match earliest {
                        Some(h) => Repeat {
                            insight: i,
                            first: h.index,
                            score: h.score,
                        },
                        None => Repeat {
                            insight: i,
                            first: i,
                            score: best.score,
                        },
                    });
                }
            }
            DocumentOriginality {
                doc: name.to_string(),
                insights: members.len(),
                original: members.len() - repeats.len(),
                repeats,
            }
        })
        .collect()
}
