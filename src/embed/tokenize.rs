//! Turning texts into word-piece ids with the model's own `tokenizer.json`, truncated at `max_seq_length`.

use std::path::{Path, PathBuf};

use tokenizers::{Encoding, Tokenizer, TruncationDirection, TruncationParams, TruncationStrategy};

use super::EmbedError;

/// The model's tokenizer, set to truncate at the sentence-transformers `max_seq_length` and never pad (batches are
/// padded by the embedder, to their own longest text).
pub struct TextTokenizer {
    inner: Tokenizer,
    path: PathBuf,
}

/// One tokenised text: its word-piece ids, special tokens included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenIds {
    /// Word-piece ids, `[CLS] ... [SEP]` for BERT.
    pub ids: Vec<u32>,
    /// Segment ids (all zero for single texts).
    pub type_ids: Vec<u32>,
}

impl TextTokenizer {
    /// Loads `tokenizer.json` and sets truncation to `max_seq_length` word pieces, special tokens included.
    pub fn load(path: &Path, max_seq_length: usize) -> Result<Self, EmbedError> {
        let err = |message: String| EmbedError::Tokenizer {
            path: path.to_path_buf(),
            message,
        };
        let mut inner = Tokenizer::from_file(path).map_err(|e| err(e.to_string()))?;
        inner
            .with_truncation(Some(TruncationParams {
                max_length: max_seq_length,
                strategy: TruncationStrategy::LongestFirst,
                stride: 0,
                direction: TruncationDirection::Right,
            }))
            .map_err(|e| err(e.to_string()))?;
        inner.with_padding(None);
        Ok(TextTokenizer {
            inner,
            path: path.to_path_buf(),
        })
    }

    /// Tokenises texts (in parallel), giving their ids in input order.
    pub fn encode(&self, texts: &[&str]) -> Result<Vec<TokenIds>, EmbedError> {
        let inputs: Vec<&str> = texts.to_vec();
        let encodings = self
            .inner
            .encode_batch(inputs, true)
            .map_err(|e| EmbedError::Tokenizer {
                path: self.path.clone(),
                message: e.to_string(),
            })?;
        Ok(encodings.into_iter().map(to_ids).collect())
    }
}

fn to_ids(encoding: Encoding) -> TokenIds {
    TokenIds {
        ids: encoding.get_ids().to_vec(),
        type_ids: encoding.get_type_ids().to_vec(),
    }
}
