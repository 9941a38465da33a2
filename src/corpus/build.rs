//! Embedding insights into an index: vectors of known texts reused, new texts embedded in steps that are journaled
//! as they are made and between which a stop request is honoured.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::embed::{Embedder, CPU_CALL_BYTES};
use crate::index::journal::Journal;
use crate::index::{BuildStats, Index, IndexMeta, TextHash, VectorSource};
use crate::insight::SplitOptions;
use crate::steps::consecutive_by_bytes;
use crate::vectors::Embeddings;
use crate::Insight;

use super::error::{CorpusError, Interrupted};
use super::events::{Events, Notice, Work};

/// Text embedded per step is the embedder's [`Embedder::call_bytes`] (128 KB on the CPU): each step's vectors are
/// journaled, and a stop request is noticed between steps. Measured by text rather than counted in texts, so that a
/// step of short sentences still gives the model's workers many chunks to share (256 sentences of about 25 word
/// pieces fill only three chunks of 2,048). The most texts in one step, per 128 KB of a step's text:
const STEP_TEXTS_PER_128K: usize = 4096;

/// The most texts in one step of `embedder`'s embedding: [`STEP_TEXTS_PER_128K`] per 128 KB of its step.
pub(super) fn step_texts(embedder: &Embedder) -> usize {
    STEP_TEXTS_PER_128K * embedder.call_bytes().div_ceil(CPU_CALL_BYTES)
}

/// How an index is built: by which model, reusing which vectors, keeping new ones where, stopping when.
pub struct Build<'a> {
    /// The model that embeds new texts.
    pub embedder: &'a Embedder,
    /// The split settings the insights were made with (recorded in the index).
    pub split: &'a SplitOptions,
    /// Vectors that may be reused (those made by another model or precision are ignored).
    pub sources: &'a [VectorSource<'a>],
    /// Where each step's new vectors are appended as soon as they are made.
    pub journal: Option<&'a mut Journal>,
    /// Embedding stops between steps once this is set, with [`Interrupted`].
    pub stop: &'a AtomicBool,
}

/// A flag that is never set, for builds that cannot be stopped.
pub static NEVER: AtomicBool = AtomicBool::new(false);

impl Build<'_> {
    /// Embeds `insights` into an index: their texts and their sentences' texts, each new one once, in steps of
    /// about [`Embedder::call_bytes`] of text (so memory does not grow with the corpus beyond the vectors).
    pub fn run(self, insights: Vec<Insight>, events: &mut dyn Events) -> Result<(Index, BuildStats), CorpusError> {
        let Build {
            embedder,
            split,
            sources,
            mut journal,
            stop,
        } = self;
        let meta = IndexMeta {
            kind: embedder.kind().clone(),
            split: split.canonical(),
        };
        Index::build(meta, insights, sources, |texts| -> Result<Embeddings, CorpusError> {
            let mut out = Embeddings::empty(embedder.dim());
            events.progress(Work::Embedding, 0, texts.len());
            for step in consecutive_by_bytes(texts, embedder.call_bytes(), step_texts(embedder)) {
                if stop.load(Ordering::SeqCst) {
                    return Err(Interrupted {
                        done: out.len(),
                        total: texts.len(),
                        journal: journal.as_ref().map(|j| j.path().to_path_buf()),
                    }
                    .into());
                }
                let done = out.len();
                let vectors = embedder.embed_with_progress(step, &mut |d, _| {
                    events.progress(Work::Embedding, done + d, texts.len())
                })?;
                if let Some(kept) = journal.as_deref_mut() {
                    let hashes: Vec<TextHash> = step.iter().map(|t| TextHash::of(t)).collect();
                    if let Err(e) = kept.append(&hashes, &vectors) {
                        // A journal that cannot grow (a full disk) is given up, not left to fill the disk on every
                        // rerun; embedding goes on without one.
                        kept.abandon();
                        events.notice(Notice::JournalAbandoned(e));
                        journal = None;
                    }
                }
                for row in vectors.rows() {
                    out.push(row);
                }
            }
            Ok(out)
        })
    }
}
