//! Shards of embedded texts as Parquet files: the wire format that a distributed engine (Spark, DuckDB, LanceDB)
//! reads as it is, and that `insights index --from-parquet` reuses instead of embedding again.
//!
//! A corpus's distinct texts (each insight's, and each sentence of an insight of two or more) fall into shard
//! `K` of `N` by their content hash ([`Shard::holds`]), so the same text lands in the same shard on every run and
//! machine. One file holds one shard: a row per distinct text of the shard, with these columns:
//!
//! | column | type | what |
//! | --- | --- | --- |
//! | `insight` | uint64 | the number of the insight (in corpus order) the text is first found in |
//! | `sentence` | uint32, null for the insight's own text | which sentence of that insight it is, from 0 |
//! | `document` | string | the insight's document |
//! | `line_start`, `line_end` | uint32 | the insight's lines in its document, from 1 |
//! | `text` | string | the text |
//! | `text_hash` | string | its content hash, 32 hex digits ([`TextHash`]) |
//! | `vector` | fixed_size_list<float32>\[dim\] | its unit vector |
//!
//! The file's key-value metadata `insights` is a JSON object: the model, dimension, precision and split settings
//! the vectors were made with, and the shard (`shard`, `shards`).

mod read;
#[cfg(test)]
mod tests;
mod write;

use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use arrow_schema::{DataType, Field, Schema, SchemaRef};
use serde::{Deserialize, Serialize};

use super::store::MetaRecord;
use super::{IndexError, SentenceLayout, TextHash};
use crate::insight::Insight;

pub use read::{read_shards, ShardSet};
pub use write::ShardWriter;

/// The key of the file's metadata that describes its vectors.
const META_KEY: &str = "insights";

/// Shard `index` of `count` (from 0): the texts whose content hash, as a number, leaves `index` when divided by
/// `count`. Written `K/N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Shard {
    /// Which shard, from 0.
    pub index: u32,
    /// How many shards there are.
    pub count: u32,
}

impl Shard {
    /// The one shard of everything.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// True when the text of content hash `hash` falls in this shard.
    pub fn holds(&self, hash: &TextHash) -> bool {
        hash.key() % u64::from(self.count) == u64::from(self.index)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("{s:?} is not a shard: give K/N, shard K (from 0) of N, such as 0/4");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count): (u32, u32) = (
            k.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if count == 0 || index >= count {
            return Err(format!(
                "{s:?}: shard K of N needs 0 <= K < N (the shards of 4 are 0/4 to 3/4)"
            ));
        }
        Ok(Shard { index, count })
    }
}

/// One text of a shard and where it comes from: a row of the file, without its vector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardText<'a> {
    /// The insight (by corpus number) the text is first found in.
    pub insight: usize,
    /// Which of its sentences the text is (`None`: the insight's own text).
    pub sentence: Option<usize>,
    /// The text.
    pub text: &'a str,
    /// Its content hash.
    pub hash: TextHash,
}

/// The distinct texts of `insights` that fall in `shard`, each once, in corpus order: insights' texts and the
/// sentences of insights of two or more sentences (the texts an index holds vectors of).
pub fn shard_texts<'a>(insights: &'a [Insight], shard: Shard) -> Vec<ShardText<'a>> {
    let layout = SentenceLayout::of(insights);
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for (i, insight) in insights.iter().enumerate() {
        let own = std::iter::once((None, insight.text.as_str()));
        let sentences = layout
            .rows_of(i)
            .enumerate()
            .map(|(n, row)| (Some(n), layout.text(insights, row)));
        for (sentence, text) in own.chain(sentences) {
            let hash = TextHash::of(text);
            if shard.holds(&hash) && seen.insert(hash) {
                out.push(ShardText {
                    insight: i,
                    sentence,
                    text,
                    hash,
                });
            }
        }
    }
    out
}

/// The file's description of its vectors (its key-value metadata [`META_KEY`]).
#[derive(Debug, Serialize, Deserialize)]
struct ShardMeta {
    #[serde(flatten)]
    meta: MetaRecord,
    shard: u32,
    shards: u32,
}

/// The columns of a shard file whose vectors have `dim` values.
fn schema(dim: usize) -> SchemaRef {
    let item = Arc::new(Field::new("item", DataType::Float32, false));
    Arc::new(Schema::new(vec![
        Field::new("insight", DataType::UInt64, false),
        Field::new("sentence", DataType::UInt32, true),
        Field::new("document", DataType::Utf8, false),
        Field::new("line_start", DataType::UInt32, false),
        Field::new("line_end", DataType::UInt32, false),
        Field::new("text", DataType::Utf8, false),
        Field::new("text_hash", DataType::Utf8, false),
        Field::new("vector", DataType::FixedSizeList(item, dim as i32), false),
    ]))
}

/// An error of the Parquet or Arrow crates, as the file's format error.
fn parquet_err(path: &Path, e: impl fmt::Display) -> IndexError {
    IndexError::Format {
        path: path.to_path_buf(),
        message: format!("Parquet: {e}"),
    }
}
