//! One shard of a corpus embedded into a Parquet file ([`crate::index::parquet`]), so that a distributed engine can
//! embed a large corpus as many processes side by side, each with its own shard, and an index be built from their
//! files without embedding again.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::embed::Embedder;
use crate::index::parquet::{shard_texts, Shard, ShardWriter};
use crate::index::IndexMeta;
use crate::insight::SplitOptions;
use crate::steps::consecutive_by_bytes;
use crate::Insight;

use super::build::step_texts;
use super::error::{CorpusError, Interrupted};
use super::events::{Events, Work};

/// Embeds the distinct texts of `insights` (split by `split`) that fall in `shard` and writes them to the Parquet
/// file `path`, in steps of about [`Embedder::call_bytes`] of text, each written as it is made; returns the rows
/// written. The file appears under its name only when complete: a stop request (honoured between steps) or an
/// error leaves none.
pub fn embed_shard(
    insights: &[Insight],
    split: &SplitOptions,
    shard: Shard,
    embedder: &Embedder,
    path: &Path,
    stop: &AtomicBool,
    events: &mut dyn Events,
) -> Result<usize, CorpusError> {
    let meta = IndexMeta {
        kind: embedder.kind().clone(),
        split: split.canonical(),
    };
    let texts = shard_texts(insights, shard);
    let mut writer = ShardWriter::create(path, &meta, shard)?;
    let strings: Vec<&str> = texts.iter().map(|t| t.text).collect();
    let mut done = 0;
    events.progress(Work::Embedding, 0, texts.len());
    let written = (|| {
        for step in consecutive_by_bytes(&strings, embedder.call_bytes(), step_texts(embedder)) {
            if stop.load(Ordering::SeqCst) {
                return Err(Interrupted {
                    done,
                    total: texts.len(),
                    journal: None,
                }
                .into());
            }
            let vectors = embedder.embed_with_progress(step, &mut |d, _| {
                events.progress(Work::Embedding, done + d, texts.len())
            })?;
            writer.write(insights, &texts[done..done + step.len()], &vectors)?;
            done += step.len();
        }
        Ok::<_, CorpusError>(())
    })();
    match written {
        Ok(()) => Ok(writer.finish()?),
        Err(e) => {
            writer.abandon();
            Err(e)
        }
    }
}
