//! Analysis over embedded insights: topic clusters, keywords, neighbours, duplicates and queries.
//!
//! Functions here return plain data and never format; the report stage renders it.

pub mod cluster;
pub mod duplicates;
pub mod keywords;
pub mod stopwords;
