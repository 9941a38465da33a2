//! The vector index: insights with their vectors and the model that made them, exact top-k search, and a file
//! format that is written atomically and checked on reading.

pub mod ann;
pub mod cache;
pub mod exact;
pub mod journal;
pub mod lock;
#[cfg(feature = "milvus")]
pub mod milvus;
pub mod nearest;
pub mod parquet;
pub mod sentences;
pub mod source;
pub mod store;
#[cfg(any(test, feature = "test-data"))]
pub mod synthetic;
pub mod text_hash;

use std::collections::HashMap;
use std::path::PathBuf;

use crate::document::{DocFormat, Document};
use crate::embed::{Precision, VectorKind};
use crate::insight::dates::{document_dates, DateFrom, DocumentDates};
use crate::insight::{Insight, SplitOptions};
use crate::vectors::Embeddings;

pub use exact::{top_k, top_k_among, Hit};
pub use nearest::{DistinctTexts, Nearest, RemoteSearch};
pub use sentences::{SentenceLayout, Sentences};
pub use source::{RowSource, Subset};
pub use text_hash::TextHash;

/// What made an index: the kind of its vectors (a second index, or a query, must be of the same kind to be
/// comparable), and how its documents were split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexMeta {
    /// The model, dimension and precision of the vectors.
    pub kind: VectorKind,
    /// The split settings the insights were made with, in canonical form ([`SplitOptions::canonical`]).
    pub split: SplitOptions,
}

/// Why an index could not be read, written or used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IndexError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file is not an insights index at all (another kind of file).
    #[error("{path}: not an insights index (no INSIGHTS-IDX signature); make one with `insights index`")]
    NotAnIndex {
        /// The file.
        path: PathBuf,
    },
    /// The file is an insights index, but damaged, truncated or of another format version.
    #[error("{path}: {message}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// The file is an insights index of a format version newer than this build reads (written by a newer
    /// `insights`).
    #[error("{path}: index format version {version}, newer than this build reads (versions 2 to {newest}); use the insights that wrote it, or rebuild it with `insights index` into another file")]
    NewerFormat {
        /// The file.
        path: PathBuf,
        /// Its format version.
        version: u32,
        /// The newest version this build reads.
        newest: u32,
    },
    /// The index was made with another model than the one in use.
    #[error("{path}: made with model {index_model} (dim {index_dim}), not {model} (dim {dim})")]
    ModelMismatch {
        /// The file.
        path: PathBuf,
        /// The model that made the index.
        index_model: String,
        /// Its dimension.
        index_dim: usize,
        /// The model in use.
        model: String,
        /// Its dimension.
        dim: usize,
    },
    /// The index's vectors were made at another precision than the one asked for.
    #[error("{path}: its vectors were made at {index_precision} precision, not {precision}")]
    PrecisionMismatch {
        /// The file.
        path: PathBuf,
        /// The precision of the index's vectors.
        index_precision: Precision,
        /// The precision asked for.
        precision: Precision,
    },
}

/// Insights, their vectors (row `i` belongs to insight `i`), their text hashes, and what made them.
#[derive(Debug, Clone, PartialEq)]
pub struct Index {
    /// What made the vectors.
    pub meta: IndexMeta,
    /// The insights, in corpus order.
    pub insights: Vec<Insight>,
    /// The content hash of each insight's text.
    pub hashes: Vec<TextHash>,
    /// One unit vector per insight.
    pub vectors: Embeddings,
    /// The sentences of the insights of two or more sentences, with a vector each; `None` for an index file
    /// written before they were stored (claims are then matched against whole insights only).
    pub sentences: Option<Sentences>,
    /// The dates of the documents that have one, by document name ([`crate::insight::dates`]); empty for an index
    /// file written before dates were kept (documents then rank in corpus order).
    pub dates: DocumentDates,
}

/// What an (re)indexing embedded and what it took from before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BuildStats {
    /// Distinct new insight texts embedded now (a text repeated in several insights is embedded once).
    pub embedded: usize,
    /// Insights whose vector was reused from a previous index or cache.
    pub reused: usize,
    /// Distinct new sentences (of insights of two or more sentences) embedded now, beside the insight texts.
    pub sentences_embedded: usize,
}

/// Vectors already made, by text hash, that a build may reuse: from an earlier index, the vector cache, or the
/// journal of an interrupted run.
#[derive(Debug, Clone, Copy)]
pub struct VectorSource<'a> {
    /// What made them: only vectors of the index's kind are reused.
    pub kind: &'a VectorKind,
    /// The text hash of each vector.
    pub hashes: &'a [TextHash],
    /// The vectors, row `i` for `hashes[i]`.
    pub vectors: &'a Embeddings,
}

/// Bytes of little-endian f32s, appended to `out` (the index file's and the journal's vector encoding).
fn put_f32s(out: &mut Vec<u8>, values: &[f32]) {
    out.extend(values.iter().flat_map(|x| x.to_le_bytes()));
}

/// Little-endian f32s from bytes (`bytes.len()` must be `4 × out.len()`).
fn get_f32s(bytes: &[u8], out: &mut [f32]) {
    for (x, b) in out.iter_mut().zip(bytes.chunks_exact(4)) {
        *x = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    }
}

impl Index {
    /// Builds an index of `insights`, reusing the vectors of texts found in `sources` (those made with the same
    /// model), and calling `embed` once with all the texts that are new, each once.
    pub fn build<E>(
        meta: IndexMeta,
        insights: Vec<Insight>,
        sources: &[VectorSource],
        embed: impl FnOnce(&[&str]) -> Result<Embeddings, E>,
    ) -> Result<(Index, BuildStats), E> {
        let hashes: Vec<TextHash> = insights.iter().map(|i| TextHash::of(&i.text)).collect();
        let layout = SentenceLayout::of(&insights);
        let sentence_hashes = layout.hashes(&insights);
        let mut known: HashMap<TextHash, &[f32]> = HashMap::new();
        for source in sources
            .iter()
            .filter(|s| meta.kind.same_vectors(s.kind) && s.vectors.dim() == meta.kind.dim)
        {
            for (h, row) in source.hashes.iter().zip(source.vectors.rows()) {
                known.entry(*h).or_insert(row);
            }
        }
        // Each new text (an insight's, or one sentence of it) is embedded once, however often it occurs.
        let mut new_texts: Vec<&str> = Vec::new();
        let mut new_slot: HashMap<TextHash, usize> = HashMap::new();
        let sentence_texts = (0..layout.len()).map(|row| layout.text(&insights, row));
        let all = insights.iter().map(|i| i.text.as_str()).chain(sentence_texts);
        let mut new_insight_texts = 0;
        for (n, (text, h)) in all.zip(hashes.iter().chain(&sentence_hashes)).enumerate() {
            if !known.contains_key(h) && !new_slot.contains_key(h) {
                new_slot.insert(*h, new_texts.len());
                new_texts.push(text);
                new_insight_texts += usize::from(n < hashes.len());
            }
        }
        let fresh = if new_texts.is_empty() {
            Embeddings::empty(meta.kind.dim)
        } else {
            embed(&new_texts)?
        };
        let mut stats = BuildStats {
            embedded: new_insight_texts,
            reused: 0,
            sentences_embedded: new_texts.len() - new_insight_texts,
        };
        let mut gather = |hashes: &[TextHash], count_reuse: bool| {
            let mut vectors = Embeddings::empty(meta.kind.dim);
            for h in hashes {
                match known.get(h) {
                    Some(row) => {
                        vectors.push(row);
                        stats.reused += usize::from(count_reuse);
                    }
                    None => vectors.push(fresh.row(new_slot[h])),
                }
            }
            vectors
        };
        let vectors = gather(&hashes, true);
        let sentence_vectors = gather(&sentence_hashes, false);
        let sentences = layout.with_vectors(sentence_vectors);
        let _ = sentences.hashes.set(sentence_hashes);
        Ok((
            Index {
                meta,
                insights,
                hashes,
                vectors,
                sentences: Some(sentences),
                dates: DocumentDates::new(),
            },
            stats,
        ))
    }

    /// Records where this index's insights come from, given the documents they were split from: each document's date
    /// (by `dates`) and each sentence row's place (lines and columns) in its document. A JSONL record's sentences
    /// stay unplaced: its text is not the file's characters.
    pub fn record_provenance(&mut self, documents: &[Document], dates: DateFrom) {
        self.dates = document_dates(documents, dates);
        // Each document's lines, split once.
        let lines: HashMap<&str, Vec<&str>> = documents
            .iter()
            .filter(|d| d.format != DocFormat::Jsonl)
            .map(|d| (d.name.as_str(), d.text.split('\n').collect()))
            .collect();
        if let Some(s) = &mut self.sentences {
            s.layout.place(&self.insights, |i| match i.file {
                None => lines.get(i.doc.as_str()).map(Vec::as_slice),
                Some(_) => None,
            });
        }
    }

    /// This index's vectors, for reuse by a later build: its insights', then its sentences'.
    pub fn as_sources(&self) -> Vec<VectorSource<'_>> {
        let source = |hashes, vectors| VectorSource {
            kind: &self.meta.kind,
            hashes,
            vectors,
        };
        let mut out = vec![source(&self.hashes, &self.vectors)];
        if let Some(s) = &self.sentences {
            out.push(source(s.hashes(&self.insights), &s.vectors));
        }
        out
    }

    /// The number of insights.
    pub fn len(&self) -> usize {
        self.insights.len()
    }

    /// True when the index holds no insight.
    pub fn is_empty(&self) -> bool {
        self.insights.is_empty()
    }

    /// The documents of the index in order of first appearance.
    pub fn documents(&self) -> Vec<&str> {
        let mut seen = std::collections::HashSet::new();
        self.insights
            .iter()
            .map(|i| i.doc.as_str())
            .filter(|d| seen.insert(*d))
            .collect()
    }

    /// Each insight's document number: the position of its document in [`Index::documents`].
    pub fn document_ids(&self) -> Vec<usize> {
        let mut ids: HashMap<&str, usize> = HashMap::new();
        self.insights
            .iter()
            .map(|i| {
                let next = ids.len();
                *ids.entry(i.doc.as_str()).or_insert(next)
            })
            .collect()
    }

    /// The distinct documents of some insights, in order of first appearance in the index.
    pub fn documents_of(&self, members: &[usize]) -> Vec<&str> {
        let mut docs: Vec<(usize, &str)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for &m in members {
            if seen.insert(self.insights[m].doc.as_str()) {
                docs.push((m, self.insights[m].doc.as_str()));
            }
        }
        docs.sort_unstable();
        docs.into_iter().map(|(_, d)| d).collect()
    }

    /// Refuses the index unless its vectors are of `kind` (the model in use): the same weights and dimension, and the
    /// same precision.
    pub fn check_model(&self, path: &std::path::Path, kind: &VectorKind) -> Result<(), IndexError> {
        let ours = &self.meta.kind;
        if ours.weights_sha256 != kind.weights_sha256 || ours.dim != kind.dim {
            return Err(IndexError::ModelMismatch {
                path: path.to_path_buf(),
                index_model: ours.model_id.clone(),
                index_dim: ours.dim,
                model: kind.model_id.clone(),
                dim: kind.dim,
            });
        }
        if ours.precision != kind.precision {
            return Err(IndexError::PrecisionMismatch {
                path: path.to_path_buf(),
                index_precision: ours.precision,
                precision: kind.precision,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
