//! Sentence embeddings (in progress)
