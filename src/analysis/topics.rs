//! Topics: a clustering turned into what a reader needs — members, keywords, a representative and the documents.

use super::cluster::Clustering;
use super::keywords::cluster_keywords;
use crate::index::Index;

/// One topic (cluster) of insights.
#[derive(Debug, Clone, PartialEq)]
pub struct Topic {
    /// The cluster number (0 is the largest).
    pub id: usize,
    /// Its insights, in corpus order.
    pub members: Vec<usize>,
    /// Its most distinctive words (class-based TF-IDF against the other topics).
    pub keywords: Vec<String>,
    /// The member closest to the topic's centroid (medoid).
    pub representative: usize,
    /// The documents its members come from, in corpus order.
    pub documents: Vec<String>,
}

/// The topics of a clustering with `keywords` keywords each, and the insights left unclustered.
pub fn topics(index: &Index, clustering: &Clustering, keywords: usize) -> (Vec<Topic>, Vec<usize>) {
    let texts: Vec<&str> = index.insights.iter().map(|i| i.text.as_str()).collect();
    let words = cluster_keywords(&texts, &clustering.assignments, clustering.k, keywords);
    let mut members = vec![Vec::new(); clustering.k];
    let mut unclustered = Vec::new();
    for (i, a) in clustering.assignments.iter().enumerate() {
        match a {
            Some(c) => members[*c].push(i),
            None => unclustered.push(i),
        }
    }
    let topics = members
        .into_iter()
        .enumerate()
        .map(|(id, members)| Topic {
            id,
            keywords: words.get(id).cloned().unwrap_or_default(),
            representative: clustering
                .medoids
                .get(id)
                .copied()
                .or_else(|| members.first().copied())
                .unwrap_or(0),
            documents: index.documents_of(&members).into_iter().map(str::to_string).collect(),
            members,
        })
        .collect();
    (topics, unclustered)
}
