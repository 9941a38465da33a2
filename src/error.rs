//! The crate's error type: one enum over the stages' own errors, each naming the file or model it concerns.

/// Any error the library can return.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or splitting documents failed.
    #[error(transparent)]
    Read(#[from] crate::document::ReadError),
    /// Finding, loading or running the embedding model failed.
    #[error(transparent)]
    Embed(#[from] crate::embed::EmbedError),
    /// Reading, writing or using an index failed.
    #[error(transparent)]
    Index(#[from] crate::index::IndexError),
    /// Making a corpus ready for analysis failed.
    #[error(transparent)]
    Corpus(#[from] crate::corpus::CorpusError),
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
