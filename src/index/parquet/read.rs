//! Reading a folder of shard files back: their vectors by content hash, checked to be of one making.

use std::fs::File;
use std::path::{Path, PathBuf};

use arrow_array::{Array, FixedSizeListArray, Float32Array, StringArray};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::{parquet_err, shard_texts, Shard, ShardMeta, META_KEY};
use crate::index::{IndexError, IndexMeta, TextHash};
use crate::insight::Insight;
use crate::vectors::Embeddings;

/// The vectors of a folder of shard files, by content hash, and what made them.
#[derive(Debug)]
pub struct ShardSet {
    /// What made the vectors (the same for every file, else the folder is refused).
    pub meta: IndexMeta,
    /// The shards present, in order.
    pub shards: Vec<Shard>,
    /// The content hash of each vector.
    pub hashes: Vec<TextHash>,
    /// The vectors, row `i` for `hashes[i]`.
    pub vectors: Embeddings,
}

impl ShardSet {
    /// The shards of the same count missing from the folder (none when it holds every one).
    pub fn missing(&self) -> Vec<Shard> {
        let count = self.shards.first().map_or(1, |s| s.count);
        (0..count)
            .map(|index| Shard { index, count })
            .filter(|s| !self.shards.contains(s))
            .collect()
    }
}

impl ShardSet {
    /// How many of the texts `insights` need vectors of (their own and their sentences') are in none of the
    /// shards.
    pub fn uncovered(&self, insights: &[Insight]) -> usize {
        let have: std::collections::HashSet<&TextHash> = self.hashes.iter().collect();
        shard_texts(insights, Shard::ALL)
            .iter()
            .filter(|t| !have.contains(&t.hash))
            .count()
    }
}

/// Reads every `*.parquet` file of `dir` (or the one file `dir`): their vectors, checked to be of one model, one
/// split setting and one shard count, with no shard twice.
pub fn read_shards(dir: &Path) -> Result<ShardSet, IndexError> {
    let io = |p: &Path, source| IndexError::Io {
        path: p.to_path_buf(),
        source,
    };
    let files: Vec<PathBuf> = if dir.is_file() {
        vec![dir.to_path_buf()]
    } else {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| io(dir, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "parquet"))
            .collect();
        files.sort();
        files
    };
    if files.is_empty() {
        return Err(IndexError::Format {
            path: dir.to_path_buf(),
            message: "no .parquet file in it: make shards with `insights embed --shard K/N --parquet FILE`".into(),
        });
    }
    let mut set: Option<ShardSet> = None;
    for file in &files {
        let (meta, shard, hashes, vectors) = read_one(file)?;
        let set = set.get_or_insert_with(|| ShardSet {
            meta: meta.clone(),
            shards: Vec::new(),
            hashes: Vec::new(),
            vectors: Embeddings::empty(meta.kind.dim),
        });
        let refuse = |message: String| IndexError::Format {
            path: file.clone(),
            message,
        };
        if meta != set.meta {
            return Err(refuse(format!(
                "made with model {} (dim {}, {}, split {}), not as the other shards ({}, dim {}, {}, split {})",
                meta.kind.model_id,
                meta.kind.dim,
                meta.kind.precision,
                meta.split.describe(),
                set.meta.kind.model_id,
                set.meta.kind.dim,
                set.meta.kind.precision,
                set.meta.split.describe()
            )));
        }
        if let Some(first) = set.shards.first().filter(|f| f.count != shard.count) {
            return Err(refuse(format!("shard {shard}, of another count than shard {first}")));
        }
        if set.shards.contains(&shard) {
            return Err(refuse(format!("shard {shard} is in the folder twice")));
        }
        set.shards.push(shard);
        set.hashes.extend(hashes);
        for row in vectors.rows() {
            set.vectors.push(row);
        }
    }
    let mut set = set.expect("at least one file");
    set.shards.sort();
    Ok(set)
}

type OneShard = (IndexMeta, Shard, Vec<TextHash>, Embeddings);

fn read_one(path: &Path) -> Result<OneShard, IndexError> {
    let bad = |message: String| IndexError::Format {
        path: path.to_path_buf(),
        message,
    };
    let file = File::open(path).map_err(|source| IndexError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| parquet_err(path, e))?;
    let described = builder
        .metadata()
        .file_metadata()
        .key_value_metadata()
        .and_then(|kv| kv.iter().find(|k| k.key == META_KEY))
        .and_then(|k| k.value.as_deref())
        .ok_or_else(|| {
            bad("not a shard of insights (no `insights` metadata): make shards with `insights embed --parquet`".into())
        })?;
    let described: ShardMeta = serde_json::from_str(described).map_err(|e| bad(format!("its metadata: {e}")))?;
    let shard = Shard {
        index: described.shard,
        count: described.shards,
    };
    if shard.count == 0 || shard.index >= shard.count {
        return Err(bad(format!("its metadata names shard {shard}, which cannot be")));
    }
    let meta = described
        .meta
        .meta()
        .ok_or_else(|| bad("split settings this build does not know".into()))?;
    let dim = meta.kind.dim;
    let reader = builder.build().map_err(|e| parquet_err(path, e))?;
    let (mut hashes, mut vectors) = (Vec::new(), Embeddings::empty(dim));
    for batch in reader {
        let batch = batch.map_err(|e| parquet_err(path, e))?;
        let column = |name: &str| {
            batch
                .column_by_name(name)
                .ok_or_else(|| bad(format!("no `{name}` column")))
        };
        let texts = column("text_hash")?
            .as_any()
            .downcast_ref::<StringArray>()
            .ok_or_else(|| bad("`text_hash` is not a string column".into()))?;
        let list = column("vector")?
            .as_any()
            .downcast_ref::<FixedSizeListArray>()
            .filter(|l| l.value_length() as usize == dim)
            .ok_or_else(|| bad(format!("`vector` is not a fixed-size list of {dim} float32s")))?;
        let values = list
            .values()
            .as_any()
            .downcast_ref::<Float32Array>()
            .ok_or_else(|| bad("`vector` is not of float32s".into()))?;
        if texts.null_count() > 0 || list.null_count() > 0 || values.null_count() > 0 {
            return Err(bad("a row without its text hash or vector".into()));
        }
        let start = list.offset() * dim;
        let flat = &values.values()[start..start + list.len() * dim];
        for (i, row) in flat.chunks_exact(dim).enumerate() {
            let hash = texts.value(i);
            let hash: TextHash = hash
                .parse()
                .map_err(|e| bad(format!("row {}: {e}", hashes.len() + 1)))?;
            if !shard.holds(&hash) {
                return Err(bad(format!("text hash {hash} does not fall in shard {shard}")));
            }
            hashes.push(hash);
            vectors.push(row);
        }
    }
    Ok((meta, shard, hashes, vectors))
}
