//! Turning texts into word-piece ids with the model's own `tokenizer.json`, truncated at `max_seq_length`.

use std::path::{Path, PathBuf};

use tokenizers::{Encoding, Tokenizer, TruncationDirection, TruncationParams, TruncationStrategy};

use super::EmbedError;
use crate::steps::consecutive_by_bytes;

/// The model's tokenizer, set to truncate at the sentence-transformers `max_seq_length` and never pad (batches are
/// padded by the embedder, to their own longest text).
pub struct TextTokenizer {
    inner: Tokenizer,
    path: PathBuf,
    max_len: usize,
}

/// Bytes of text per word piece kept, beyond which only a prefix of a text is tokenised: the tokenizer's encoding
/// of a whole text (its pieces, offsets and overflow) costs about 100 bytes per byte of text, though only the first
/// `max_seq_length` pieces are used. English takes about 4.5 bytes a piece, CJK 3, digits and punctuation 1; a
/// prefix that falls short (words of over 16 bytes a piece) is widened until it holds enough.
const PREFIX_BYTES_PER_PIECE: usize = 16;

/// Text (after prefixes are cut) tokenised in one batch: the batch's encodings (about 9 bytes a byte of prefix,
/// measured with heaptrack) stay at a few MB however many texts one call is given.
const ENCODE_BATCH_BYTES: usize = 256 * 1024;

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
            max_len: max_seq_length,
        })
    }

    /// Tokenises texts (in parallel), giving their ids in input order. A long text is tokenised from a prefix that
    /// ends at a space and already holds more pieces than are kept, so the ids are those of the whole text at a
    /// fraction of the memory.
    ///
    /// Texts are tokenised in batches of about [`ENCODE_BATCH_BYTES`], so that memory does not grow with their number.
    pub fn encode(&self, texts: &[&str]) -> Result<Vec<TokenIds>, EmbedError> {
        let first_prefix = self.max_len.max(1) * PREFIX_BYTES_PER_PIECE;
        let inputs: Vec<&str> = texts.iter().map(|t| prefix_at_space(t, first_prefix)).collect();
        let mut out = Vec::with_capacity(texts.len());
        let mut start = 0;
        for batch in consecutive_by_bytes(&inputs, ENCODE_BATCH_BYTES, usize::MAX) {
            let encodings = self
                .inner
                .encode_batch(batch.to_vec(), true)
                .map_err(|e| self.error(e))?;
            for ((text, &input), encoding) in texts[start..].iter().zip(batch).zip(encodings) {
                out.push(to_ids(self.widened(text, input, first_prefix, encoding)?));
            }
            start += batch.len();
        }
        Ok(out)
    }

    /// The encoding of `text` from `input`, its prefix of `len` bytes, widened until it fills the pieces kept or is
    /// the whole text.
    fn widened<'t>(
        &self,
        text: &'t str,
        mut input: &'t str,
        mut len: usize,
        mut encoding: Encoding,
    ) -> Result<Encoding, EmbedError> {
        while input.len() < text.len() && encoding.get_ids().len() < self.max_len {
            len = len.saturating_mul(4);
            input = prefix_at_space(text, len);
            encoding = self.inner.encode(input, true).map_err(|e| self.error(e))?;
        }
        Ok(encoding)
    }

    fn error(&self, e: tokenizers::Error) -> EmbedError {
        EmbedError::Tokenizer {
            path: self.path.clone(),
            message: e.to_string(),
        }
    }
}

/// `text` itself when it has at most `len` bytes, else its longest prefix of at most `len` bytes that ends just
/// before a whitespace character (so no word is cut; the whole text when no such prefix exists).
fn prefix_at_space(text: &str, len: usize) -> &str {
    if text.len() <= len {
        return text;
    }
    let mut end = len;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    if end > 0 && text[end..].starts_with(char::is_whitespace) {
        return &text[..end];
    }
    match text[..end].rfind(char::is_whitespace) {
        Some(at) if at > 0 => &text[..at],
        _ => text,
    }
}

fn to_ids(encoding: Encoding) -> TokenIds {
    TokenIds {
        ids: encoding.get_ids().to_vec(),
        type_ids: encoding.get_type_ids().to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_end_before_a_space_and_never_cut_a_character_or_word() {
        assert_eq!(prefix_at_space("short", 64), "short");
        assert_eq!(prefix_at_space("one two three", 9), "one two");
        assert_eq!(prefix_at_space("one two three", 7), "one two");
        assert_eq!(prefix_at_space("one two three", 6), "one");
        assert_eq!(prefix_at_space("été à la plage", 5), "été");
        assert_eq!(
            prefix_at_space("averyverylongword and more", 8),
            "averyverylongword and more"
        );
        assert_eq!(prefix_at_space(" lead", 3), " lead");
    }
}
