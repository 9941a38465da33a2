//! # insights
//!
//! Finds meaning across documents on your own hardware: reads documents, splits them into insights, embeds each with
//! a local sentence-embedding model run by candle, indexes the vectors, and analyses them (topic clusters,
//! cross-document neighbours, near-duplicates, queries). Nothing leaves the machine.
//!
//! Data flows one way, and each module knows nothing of the stages after it:
//!
//! ```text
//! documents ─▶ insights ─▶ embeddings ─▶ index ─▶ analysis ─▶ report
//!  (read)      (split,      (tokenize,     (exact,   (clusters,   (terminal,
//!               provenance)  model, pool,   persist)  neighbours,  JSON)
//!                            normalise)               duplicates,
//!                                                     queries)
//! ```
//!
//! [`corpus`] wires the stages before analysis together: it owns a saved index's life cycle (reuse, journal,
//! cancellation, the approximate index beside it) and the on-the-fly vector cache. The library never prints and never
//! exits; the `insights` binary parses flags, shows progress and notices, and maps errors to exit codes.

#![warn(missing_docs)]

pub mod analysis;
pub mod corpus;
pub mod cpu;
pub mod document;
pub mod embed;
pub mod error;
#[cfg(feature = "test-data")]
pub mod fuzzing;
pub mod index;
pub mod insight;
pub mod linalg;
pub mod mapped;
pub mod report;
pub mod rng;
pub mod steps;
pub mod vectors;

pub use error::{Error, Result};
pub use insight::Insight;
pub use vectors::Embeddings;
