//! Topics: a clustering turned into what a reader needs — members, keywords, a representative and the documents;
//! and each topic's sub-topics, a finer level for a closer look.

use super::cluster::{cluster_rows, ClusterOptions, Clustering};
use super::keywords::cluster_keywords;
use crate::index::{Index, RowSource, Subset};

/// A topic with fewer members is not split into sub-topics.
pub const SUBTOPIC_MIN_MEMBERS: usize = 12;
/// The most sub-topics of one topic.
pub const SUBTOPIC_MAX: usize = 12;

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
    /// Its sub-topics, numbered from 0 within it (empty for a sub-topic, and for a topic too small or too uniform
    /// to split): see [`subtopics`].
    pub subtopics: Vec<Topic>,
}

/// The topics of a clustering of the index's vectors with `keywords` keywords each, and the insights left
/// unclustered.
pub fn topics(index: &Index, clustering: &Clustering, keywords: usize) -> (Vec<Topic>, Vec<usize>) {
    match topics_of_rows(index, &index.vectors, clustering, keywords) {
        Ok(found) => found,
        Err(never) => match never {},
    }
}

/// [`topics`] with the insights' vectors read from `vectors` (row `i` being insight `i`'s vector) a batch at a time,
/// for an index whose vectors are not in memory. Fails only when a batch cannot be read.
pub fn topics_of_rows<S: RowSource + ?Sized>(
    index: &Index,
    vectors: &S,
    clustering: &Clustering,
    keywords: usize,
) -> Result<(Vec<Topic>, Vec<usize>), S::Error> {
    let every: Vec<usize> = (0..index.len()).collect();
    let (mut topics, unclustered) = topics_among(index, clustering, &every, keywords);
    for topic in &mut topics {
        topic.subtopics = subtopics(index, vectors, topic, keywords)?;
    }
    Ok((topics, unclustered))
}

/// The topics of `clustering`, a clustering of the insights `rows` (its item `k` is insight `rows[k]`), with
/// `keywords` keywords each contrasted among them, and the insights it left unclustered.
fn topics_among(index: &Index, clustering: &Clustering, rows: &[usize], keywords: usize) -> (Vec<Topic>, Vec<usize>) {
    let texts: Vec<&str> = rows.iter().map(|&r| index.insights[r].text.as_str()).collect();
    let words = cluster_keywords(&texts, &clustering.assignments, clustering.k, keywords);
    let mut members = vec![Vec::new(); clustering.k];
    let mut unclustered = Vec::new();
    for (k, a) in clustering.assignments.iter().enumerate() {
        match a {
            Some(c) => members[*c].push(rows[k]),
            None => unclustered.push(rows[k]),
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
                .map(|&k| rows[k])
                .or_else(|| members.first().copied())
                .unwrap_or(0),
            documents: index.documents_of(&members).into_iter().map(str::to_string).collect(),
            members,
            subtopics: Vec::new(),
        })
        .collect();
    (topics, unclustered)
}

/// The sub-topics of `topic`: its members clustered again with the automatic number of clusters (2 to
/// [`SUBTOPIC_MAX`], the same rule as for topics), each with `keywords` keywords that set it apart from its
/// siblings. None for a topic of fewer than [`SUBTOPIC_MIN_MEMBERS`] members or one that stays whole. The
/// members' vectors are read from `vectors` (row `i` being insight `i`'s vector).
pub fn subtopics<S: RowSource + ?Sized>(
    index: &Index,
    vectors: &S,
    topic: &Topic,
    keywords: usize,
) -> Result<Vec<Topic>, S::Error> {
    if topic.members.len() < SUBTOPIC_MIN_MEMBERS {
        return Ok(Vec::new());
    }
    let opts = ClusterOptions {
        max_auto_k: SUBTOPIC_MAX,
        ..ClusterOptions::default()
    };
    let members = Subset {
        source: vectors,
        positions: &topic.members,
    };
    let clustering = cluster_rows(&members, &opts)?;
    if clustering.k < 2 {
        return Ok(Vec::new());
    }
    Ok(topics_among(index, &clustering, &topic.members, keywords).0)
}
