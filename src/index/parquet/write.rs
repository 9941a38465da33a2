//! Writing one shard's Parquet file, whole or not at all.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{FixedSizeListBuilder, Float32Builder, StringBuilder, UInt32Builder, UInt64Builder};
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, Field, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;

use super::{parquet_err, schema, Shard, ShardMeta, ShardText, META_KEY};
use crate::index::store::MetaRecord;
use crate::index::{IndexError, IndexMeta};
use crate::insight::Insight;
use crate::vectors::Embeddings;

/// A shard's Parquet file being written: rows go to `FILE.partial`, which [`ShardWriter::finish`] renames to the
/// file, so a run that stops leaves no half-written shard under the file's name.
pub struct ShardWriter {
    writer: ArrowWriter<File>,
    schema: SchemaRef,
    partial: PathBuf,
    path: PathBuf,
    rows: usize,
}

impl ShardWriter {
    /// Starts the file of `shard` at `path`, of vectors made as `meta` says.
    pub fn create(path: &Path, meta: &IndexMeta, shard: Shard) -> Result<ShardWriter, IndexError> {
        let partial = PathBuf::from(format!("{}.partial", path.display()));
        let file = File::create(&partial).map_err(|source| IndexError::Io {
            path: partial.clone(),
            source,
        })?;
        let described = ShardMeta {
            meta: MetaRecord::from(meta),
            shard: shard.index,
            shards: shard.count,
        };
        let json = serde_json::to_string(&described).expect("the metadata serialises");
        let props = WriterProperties::builder()
            .set_key_value_metadata(Some(vec![KeyValue::new(META_KEY.to_string(), json)]))
            .build();
        let schema = schema(meta.kind.dim);
        let writer = ArrowWriter::try_new(file, schema.clone(), Some(props)).map_err(|e| parquet_err(path, e))?;
        Ok(ShardWriter {
            writer,
            schema,
            partial,
            path: path.to_path_buf(),
            rows: 0,
        })
    }

    /// Appends rows: `texts[i]`, of an insight of `insights`, with the vector `vectors.row(i)`.
    pub fn write(&mut self, insights: &[Insight], texts: &[ShardText], vectors: &Embeddings) -> Result<(), IndexError> {
        debug_assert_eq!(texts.len(), vectors.len());
        let n = texts.len();
        let mut insight = UInt64Builder::with_capacity(n);
        let mut sentence = UInt32Builder::with_capacity(n);
        let (mut document, mut text, mut hash) = (StringBuilder::new(), StringBuilder::new(), StringBuilder::new());
        let (mut line_start, mut line_end) = (UInt32Builder::with_capacity(n), UInt32Builder::with_capacity(n));
        let mut vector =
            FixedSizeListBuilder::new(Float32Builder::with_capacity(n * vectors.dim()), vectors.dim() as i32)
                .with_field(Arc::new(Field::new("item", DataType::Float32, false)));
        for (t, row) in texts.iter().zip(vectors.rows()) {
            let of = &insights[t.insight];
            insight.append_value(t.insight as u64);
            sentence.append_option(t.sentence.map(|s| s as u32));
            document.append_value(&of.doc);
            line_start.append_value(of.line_start as u32);
            line_end.append_value(of.line_end as u32);
            text.append_value(t.text);
            hash.append_value(t.hash.to_string());
            vector.values().append_slice(row);
            vector.append(true);
        }
        let columns: Vec<Arc<dyn Array>> = vec![
            Arc::new(insight.finish()),
            Arc::new(sentence.finish()),
            Arc::new(document.finish()),
            Arc::new(line_start.finish()),
            Arc::new(line_end.finish()),
            Arc::new(text.finish()),
            Arc::new(hash.finish()),
            Arc::new(vector.finish()),
        ];
        let batch = RecordBatch::try_new(self.schema.clone(), columns).map_err(|e| parquet_err(&self.path, e))?;
        self.writer.write(&batch).map_err(|e| parquet_err(&self.path, e))?;
        self.rows += n;
        Ok(())
    }

    /// Gives the file up: what was written of it is removed.
    pub fn abandon(self) {
        drop(self.writer);
        let _ = std::fs::remove_file(&self.partial);
    }

    /// Closes the file and puts it in place under its name; returns the rows written.
    pub fn finish(self) -> Result<usize, IndexError> {
        let ShardWriter {
            writer,
            partial,
            path,
            rows,
            ..
        } = self;
        let file = writer.into_inner().map_err(|e| parquet_err(&path, e))?;
        let io = |p: &Path, source| IndexError::Io {
            path: p.to_path_buf(),
            source,
        };
        file.sync_all().map_err(|e| io(&partial, e))?;
        std::fs::rename(&partial, &path).map_err(|e| io(&path, e))?;
        Ok(rows)
    }
}
