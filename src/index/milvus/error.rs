//! Why a Milvus store could not be used: the store's one error type.

use super::{StoreUrl, VISIBLE_WITHIN};
use crate::embed::Precision;

/// Why a Milvus store could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MilvusError {
    /// The server did not answer (refused the connection, timed out, or answered with an HTTP error).
    #[error("{url}: {op} failed ({attempts} attempt(s)): {message}; is a Milvus server (2.3 or newer) listening at {}:{}?", url.host, url.port)]
    Unreachable {
        /// The store.
        url: StoreUrl,
        /// What was being done.
        op: &'static str,
        /// How often it was tried.
        attempts: u32,
        /// The last failure.
        message: String,
    },
    /// The server answered with an error.
    #[error("{url}: the server refused {op} (code {code}): {message}")]
    Refused {
        /// The store.
        url: StoreUrl,
        /// What was being done.
        op: &'static str,
        /// Milvus's error code.
        code: i64,
        /// Milvus's message.
        message: String,
    },
    /// The server's answer was not what the API promises.
    #[error("{url}: unexpected answer from the server: {message}")]
    Protocol {
        /// The store.
        url: StoreUrl,
        /// What was wrong.
        message: String,
    },
    /// The collection does not exist.
    #[error("{url}: no such collection; make it with `insights index PATHS --store {url}`")]
    Missing {
        /// The store.
        url: StoreUrl,
    },
    /// The collection was not made by insights.
    #[error("{url}: this collection was not made by insights (its description is {description:?}); choose another collection name")]
    Foreign {
        /// The store.
        url: StoreUrl,
        /// The collection's description.
        description: String,
    },
    /// The collection's vectors were made by another model, dimension or precision.
    #[error("{url}: made with model {store_model} (dim {store_dim}, {store_precision} precision), not {model} (dim {dim}, {precision} precision); give the same --model and --precision, or another collection")]
    OtherModel {
        /// The store.
        url: StoreUrl,
        /// The model that made the collection's vectors.
        store_model: String,
        /// Their dimension.
        store_dim: usize,
        /// Their precision.
        store_precision: Precision,
        /// The model in use.
        model: String,
        /// Its dimension.
        dim: usize,
        /// Its precision.
        precision: Precision,
    },
    /// An update was cut off: some documents are incomplete until `insights index --store` runs again.
    #[error("{url}: an `insights index --store` was cut off before it finished ({documents} document(s) incomplete); run it again to complete the store")]
    Incomplete {
        /// The store.
        url: StoreUrl,
        /// Documents whose rows are incomplete.
        documents: usize,
    },
    /// A row of the collection is not one insights writes.
    #[error("{url}: {message}; the collection is damaged or was written by something else")]
    Damaged {
        /// The store.
        url: StoreUrl,
        /// What is wrong.
        message: String,
    },
    /// The server did not show a write within [`VISIBLE_WITHIN`].
    #[error("{url}: the server did not show its own write within {} s", VISIBLE_WITHIN.as_secs())]
    NotVisible {
        /// The store.
        url: StoreUrl,
    },
}
