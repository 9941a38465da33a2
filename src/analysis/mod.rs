//! Analysis over embedded insights: topic clusters, keywords, neighbours, duplicates, originality and queries.
//!
//! Functions here return plain data and never format; the report stage renders it.

pub mod cluster;
pub mod documents;
pub mod duplicates;
pub mod keywords;
pub mod layout;
pub mod neighbours;
pub mod similar;
pub mod stopwords;
pub mod topics;
