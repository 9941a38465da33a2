//! [`TextHash`]: the content hash by which a text's vector is found again (in an index, the vector cache, a
//! journal), whatever document or line the text came from.

use std::fmt;
use std::str::FromStr;

use sha2::{Digest, Sha256};

/// The first 16 bytes of a text's sha256. Two texts with the same hash are taken to be the same text. Ordered as
/// its lowercase hex spelling is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TextHash([u8; 16]);

impl TextHash {
    /// Bytes of a stored hash.
    pub const BYTES: usize = 16;

    /// The hash of `text` (its UTF-8 bytes, as given: no cleaning or case folding).
    pub fn of(text: &str) -> TextHash {
        let digest = Sha256::digest(text.as_bytes());
        let mut out = [0u8; 16];
        out.copy_from_slice(&digest[..16]);
        TextHash(out)
    }

    /// A hash from its 16 stored bytes.
    pub const fn from_bytes(bytes: [u8; 16]) -> TextHash {
        TextHash(bytes)
    }

    /// A hash from the first 16 bytes of `bytes`; `None` when there are fewer.
    pub fn from_slice(bytes: &[u8]) -> Option<TextHash> {
        bytes.get(..16).map(|b| TextHash(b.try_into().expect("16 bytes")))
    }

    /// Its 16 bytes, as stored in the index file and the journal.
    pub const fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// Its first 8 bytes as a big-endian number: a key for hash-ordered structures (the approximate index's
    /// tie-breaks).
    pub fn key(&self) -> u64 {
        u64::from_be_bytes(self.0[..8].try_into().expect("8 bytes"))
    }
}

/// 32 lowercase hex digits.
impl fmt::Display for TextHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

/// Why a string is not a [`TextHash`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a text hash (32 hex digits): {0:?}")]
pub struct BadTextHash(pub String);

/// Reads 32 hex digits (either case).
impl FromStr for TextHash {
    type Err = BadTextHash;

    fn from_str(s: &str) -> Result<TextHash, BadTextHash> {
        let bad = || BadTextHash(s.to_string());
        let digits = s.as_bytes();
        if digits.len() != 32 {
            return Err(bad());
        }
        let mut out = [0u8; 16];
        for (o, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
            let hi = (pair[0] as char).to_digit(16).ok_or_else(bad)?;
            let lo = (pair[1] as char).to_digit(16).ok_or_else(bad)?;
            *o = (hi * 16 + lo) as u8;
        }
        Ok(TextHash(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spelt_as_the_first_half_of_the_sha256_and_read_back() {
        // sha256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
        let h = TextHash::of("abc");
        assert_eq!(h.to_string(), "ba7816bf8f01cfea414140de5dae2223");
        assert_eq!(h.key(), 0xba78_16bf_8f01_cfea);
        assert_eq!("BA7816BF8F01CFEA414140DE5DAE2223".parse::<TextHash>(), Ok(h));
        assert_eq!(TextHash::from_slice(h.as_bytes()), Some(h));
        assert!("ba78".parse::<TextHash>().is_err());
        assert!("zz7816bf8f01cfea414140de5dae2223".parse::<TextHash>().is_err());
        assert_eq!(TextHash::from_slice(&[0; 15]), None);
    }

    #[test]
    fn ordered_as_its_hex_spelling() {
        let mut hashes: Vec<TextHash> = ["a", "b", "c", "d", "e", "f"].map(TextHash::of).into();
        let mut spelt: Vec<String> = hashes.iter().map(|h| h.to_string()).collect();
        hashes.sort();
        spelt.sort();
        assert_eq!(hashes.iter().map(|h| h.to_string()).collect::<Vec<_>>(), spelt);
    }
}
