//! Getting a corpus ready for analysis: documents indexed on the fly (reusing cached vectors), or a saved index.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};

use insights::document::read_inputs;
use insights::document::Document;
use insights::embed::{Embedder, Precision};
use insights::index::journal::Journal;
use insights::index::{cache, store, text_hash, BuildStats, Index, IndexMeta, Nearest, VectorSource};
use insights::insight::dates::DateFrom;
use insights::insight::{split_documents, Rule, SplitMode, SplitOptions};
use insights::vectors::Embeddings;
use insights::Insight;

use super::approximate::{self, AnnChoice, Approximate, Searches};
use super::progress::Progress;
use super::ModelArgs;

/// The index file used when neither PATHS nor --index is given.
pub const DEFAULT_INDEX: &str = "insights.idx";
/// The most entries the on-the-fly vector cache keeps.
const CACHE_MAX_ENTRIES: usize = 500_000;

/// How documents are cut into insights.
#[derive(Args, Debug, Clone)]
pub struct SplitArgs {
    /// How to cut documents into insights.
    #[arg(long = "split", value_enum, default_value_t = SplitChoice::Paragraph, value_name = "MODE")]
    pub mode: SplitChoice,
    /// Drop insights with fewer words than this (boilerplate rule `min-words`).
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub min_words: usize,
    /// Turn off one boilerplate rule (repeatable): min-words, title, salutation, sign-off, promo.
    #[arg(long = "no-rule", value_name = "RULE")]
    pub no_rule: Vec<Rule>,
    /// Keep every paragraph: apply no boilerplate rule at all.
    #[arg(long)]
    pub keep_all: bool,
    /// Where documents' dates come from, which decide where a repeated point first appeared: `auto` takes a
    /// Markdown front matter `date:` or a JSONL record's "date", else a date in the file name (2024-05-01,
    /// 2024_05_01, 20240501), else the file's modification day; `content`, `name` and `modified` use only that
    /// source; `order` uses none (corpus order). Same-day documents keep corpus order.
    #[arg(long, value_enum, default_value_t = DateChoice::Auto, value_name = "SOURCE")]
    pub date_from: DateChoice,
}

/// `--date-from` values.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateChoice {
    /// Front matter or JSONL field, else file name, else modification time.
    Auto,
    /// Only front matter or a JSONL record's "date".
    Content,
    /// Only a date in the file name.
    Name,
    /// Only the file's modification time.
    Modified,
    /// No dates: corpus order.
    Order,
}

/// `--split` values.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitChoice {
    /// Blank-line-separated paragraphs (one per line where lines are whole paragraphs); Markdown bullets apart.
    Paragraph,
    /// Sentences.
    Sentence,
    /// Non-empty lines.
    Line,
}

impl SplitArgs {
    /// The library's split settings.
    pub fn options(&self) -> SplitOptions {
        SplitOptions {
            mode: match self.mode {
                SplitChoice::Paragraph => SplitMode::Paragraph,
                SplitChoice::Sentence => SplitMode::Sentence,
                SplitChoice::Line => SplitMode::Line,
            },
            min_words: self.min_words,
            rules: Rule::ALL.into_iter().filter(|r| !self.no_rule.contains(r)).collect(),
            keep_all: self.keep_all,
        }
    }

    /// The library's choice of dates.
    pub fn date_from(&self) -> DateFrom {
        match self.date_from {
            DateChoice::Auto => DateFrom::Auto,
            DateChoice::Content => DateFrom::Content,
            DateChoice::Name => DateFrom::Name,
            DateChoice::Modified => DateFrom::Modified,
            DateChoice::Order => DateFrom::Order,
        }
    }
}

/// Where a command's corpus comes from: PATHS to index on the fly, or a saved index.
#[derive(Args, Debug, Clone)]
pub struct CorpusArgs {
    /// Documents to analyse: files, folders (recursive; hidden, ignored and binary files skipped) or `-` for
    /// standard input. Formats: .txt, .md, .jsonl (a "text" field, optional "id" and "doc"). Without PATHS, the
    /// index from --index is used.
    #[arg(value_name = "PATHS")]
    pub paths: Vec<PathBuf>,
    /// A saved index (from `insights index`) to analyse instead of PATHS.
    #[arg(long, short = 'i', value_name = "FILE")]
    pub index: Option<PathBuf>,
    #[command(flatten)]
    pub split: SplitArgs,
    #[command(flatten)]
    pub model: ModelArgs,
    /// Nearest-neighbour search: `auto` is approximate from 20,000 distinct texts (with an up-to-date FILE.ann from
    /// `insights index`, or built in memory for neighbors, duplicates and report) and exact below; `on` always
    /// approximate; `off` always exact.
    #[arg(long, value_enum, default_value_t = AnnChoice::Auto, value_name = "WHEN")]
    pub ann: AnnChoice,
}

/// An index ready for analysis, and the model when one was loaded.
pub struct Corpus {
    /// The insights and their vectors.
    pub index: Index,
    /// The model, if loaded (always when PATHS were indexed; with --index only when asked for).
    pub embedder: Option<Embedder>,
    /// The approximate index, when searches go through one.
    pub approximate: Option<Approximate>,
}

impl Corpus {
    /// How this corpus is searched: through its approximate index when it has one, else exactly.
    pub fn nearest(&self) -> Nearest<'_> {
        match &self.approximate {
            Some((hnsw, texts)) => Nearest::Approximate {
                vectors: &self.index.vectors,
                hnsw,
                texts,
                ef: hnsw.options.ef_for(hnsw.len()),
            },
            None => Nearest::Exact(&self.index.vectors),
        }
    }
}

impl CorpusArgs {
    /// The corpus: PATHS indexed now (reusing cached vectors), or the saved index; `need_model` loads the model
    /// for a saved index too (to embed queries), checked against the model that made the index; `searches` says
    /// how much nearest-neighbour search the command does (see [`approximate::for_search`]).
    pub fn open(&self, need_model: bool, searches: Searches) -> Result<Corpus> {
        if !self.paths.is_empty() {
            if self.index.is_some() {
                bail!("give PATHS or --index FILE, not both");
            }
            let split = self.split.options();
            let (insights, documents) = read_insights(&self.paths, &split, self.model.quiet)?;
            let embedder = self.model.load_embedder(None, None)?;
            let (mut index, _) = embed_with_cache(insights, &split, &embedder, self.model.quiet)?;
            index.record_provenance(&documents, self.split.date_from());
            let approximate = approximate::for_search(&index, None, self.ann, searches, self.model.quiet);
            return Ok(Corpus {
                index,
                embedder: Some(embedder),
                approximate,
            });
        }
        let path = self.index.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_INDEX));
        if path.is_dir() {
            bail!(
                "{} is a folder, not an index file: to analyse its documents pass it as PATHS (without --index), or \
                 give the file `insights index` wrote",
                path.display()
            );
        }
        if !path.exists() {
            bail!(
                "no documents given and no index at {}: pass PATHS (files or folders), or make an index first with \
                 `insights index PATHS`",
                path.display()
            );
        }
        let index = store::load(&path)?;
        let embedder = if need_model {
            let embedder = self
                .model
                .load_embedder(Some(&index.meta.model_id), Some(index.meta.precision))?;
            index.check_model(
                &path,
                embedder.model_id(),
                embedder.weights_sha256(),
                embedder.dim(),
                embedder.precision(),
            )?;
            Some(embedder)
        } else {
            None
        };
        let approximate = approximate::for_search(&index, Some(&path), self.ann, searches, self.model.quiet);
        Ok(Corpus {
            index,
            embedder,
            approximate,
        })
    }
}

/// Reads and splits PATHS into insights (warning on stderr about skipped files), with the documents they came from;
/// no insight at all is an error.
pub fn read_insights(paths: &[PathBuf], split: &SplitOptions, quiet: bool) -> Result<(Vec<Insight>, Vec<Document>)> {
    let loaded = read_inputs(paths)?;
    if !quiet {
        for skipped in &loaded.skipped {
            eprintln!("insights: skipped {}: {}", skipped.path.display(), skipped.reason);
        }
    }
    let insights = split_documents(&loaded.documents, split)?;
    if insights.is_empty() {
        let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        bail!(
            "no insights in {}: every paragraph was empty or dropped as boilerplate (try --keep-all, or a lower \
             --min-words)",
            names.join(", ")
        );
    }
    Ok((insights, loaded.documents))
}

/// Text embedded per step, in bytes: each step's vectors are journaled, and an interruption is noticed between steps.
/// Measured by text rather than counted in texts, so that a step of short sentences still gives the model's workers
/// many chunks to share (256 sentences of about 25 word pieces fill only three chunks of 2,048).
const EMBED_STEP_BYTES: usize = 128 * 1024;
/// The most texts in one step.
const EMBED_STEP_MAX_TEXTS: usize = 4096;

/// `texts` cut into consecutive steps of about [`EMBED_STEP_BYTES`] of text (at most [`EMBED_STEP_MAX_TEXTS`] texts,
/// at least one).
fn embed_steps<'a, 't>(texts: &'a [&'t str]) -> impl Iterator<Item = &'a [&'t str]> {
    let mut rest = texts;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut bytes = 0;
        let mut n = 0;
        while n < rest.len() && n < EMBED_STEP_MAX_TEXTS && (n == 0 || bytes < EMBED_STEP_BYTES) {
            bytes += rest[n].len();
            n += 1;
        }
        let (step, tail) = rest.split_at(n);
        rest = tail;
        Some(step)
    })
}

/// Embeds insights into an index, reusing the vectors in `sources`, embedding the new texts in steps of about
/// [`EMBED_STEP_BYTES`] (so memory does not grow with the corpus beyond the vectors), appending each step to `journal`,
/// and stopping between steps once `stop` is set.
pub fn embed_insights(
    insights: Vec<Insight>,
    split: &SplitOptions,
    embedder: &Embedder,
    sources: &[VectorSource],
    mut journal: Option<&mut Journal>,
    stop: &AtomicBool,
    quiet: bool,
) -> Result<(Index, BuildStats)> {
    let meta = IndexMeta {
        model_id: embedder.model_id().to_string(),
        weights_sha256: embedder.weights_sha256().to_string(),
        dim: embedder.dim(),
        precision: embedder.precision(),
        split: split.describe(),
    };
    let mut progress = Progress::new("embedding", quiet);
    Index::build(meta, insights, sources, |texts| -> Result<Embeddings> {
        let mut out = Embeddings::empty(embedder.dim());
        for step in embed_steps(texts) {
            if stop.load(Ordering::SeqCst) {
                return Err(Interrupted {
                    done: out.len(),
                    total: texts.len(),
                    journal: journal.as_ref().map(|j| j.path().to_path_buf()),
                }
                .into());
            }
            let done = out.len();
            let vectors = embedder
                .embed_with_progress(step, &mut |d, _| progress.update(done + d, texts.len()))
                .map_err(anyhow::Error::from)?;
            if let Some(journal) = journal.as_deref_mut() {
                let hashes: Vec<String> = step.iter().map(|t| text_hash(t)).collect();
                journal.append(&hashes, &vectors)?;
            }
            for row in vectors.rows() {
                out.push(row);
            }
        }
        Ok(out)
    })
}

/// Embedding stopped on request (Ctrl-C) between steps.
#[derive(Debug, thiserror::Error)]
#[error("interrupted after embedding {done} of {total} new texts{}", match journal {
    Some(path) => format!("; they are kept in {}: run the same command again to resume", path.display()),
    None => String::new(),
})]
pub struct Interrupted {
    /// New texts embedded before stopping.
    pub done: usize,
    /// New texts in all.
    pub total: usize,
    /// Where the embedded vectors were kept.
    pub journal: Option<PathBuf>,
}

/// Embeds insights for an analysis of PATHS, reusing and then updating the on-the-fly vector cache.
pub fn embed_with_cache(
    insights: Vec<Insight>,
    split: &SplitOptions,
    embedder: &Embedder,
    quiet: bool,
) -> Result<(Index, BuildStats)> {
    let cache_path = cache_path(embedder.weights_sha256(), embedder.precision());
    let cache = cache_path.as_deref().and_then(|p| store::load(p).ok());
    let sources: Vec<VectorSource> = cache.iter().flat_map(Index::as_sources).collect();
    let never = AtomicBool::new(false);
    let (index, stats) = embed_insights(insights, split, embedder, &sources, None, &never, quiet)?;
    if let Some(path) = cache_path.filter(|_| stats.embedded + stats.sentences_embedded > 0 || cache.is_none()) {
        if let Err(e) = save_cache(&path, &index, cache.as_ref()) {
            if !quiet {
                eprintln!("insights: could not update the vector cache ({e:#}); carrying on");
            }
        }
    }
    Ok((index, stats))
}

/// The on-the-fly cache of vectors for this model and precision: `$INSIGHTS_CACHE_DIR`, default
/// `<cache dir>/insights`.
fn cache_path(weights_sha256: &str, precision: Precision) -> Option<PathBuf> {
    let dir = std::env::var_os("INSIGHTS_CACHE_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| dirs::cache_dir().map(|d| d.join("insights")))?;
    let tag: String = weights_sha256.chars().take(16).collect();
    let suffix = match precision {
        Precision::F32 => "",
        Precision::Int8 => "-int8",
    };
    Some(dir.join(format!("vectors-{tag}{suffix}.idx")))
}

/// Writes the cache: this index's distinct texts, then the old cache's others, up to the cap.
fn save_cache(path: &Path, index: &Index, old: Option<&Index>) -> Result<()> {
    let cache = cache::merged(index, old, CACHE_MAX_ENTRIES);
    store::save(&cache, path).with_context(|| format!("{}", path.display()))
}
