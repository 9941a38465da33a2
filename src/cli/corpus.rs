//! Getting a corpus ready for analysis: documents indexed on the fly (reusing cached vectors), or a saved index.

use std::path::PathBuf;

use anyhow::{anyhow, bail, Result};
use clap::Args;

use insights::corpus::approximate::{self, AnnPolicy};
use insights::corpus::{self, saved, Corpus, CorpusError, Events, Searches, VectorCache};
use insights::document::Document;
use insights::embed::Embedder;
use insights::index::{Nearest, RemoteSearch};
use insights::insight::dates::DateFrom;
use insights::insight::{Rule, SplitMode, SplitOptions};
use insights::Insight;

use super::model_args::ModelArgs;
use super::progress::StderrEvents;
use super::store;

/// The index file used when neither PATHS nor --index is given.
pub const DEFAULT_INDEX: &str = "insights.idx";

/// How documents are cut into insights.
#[derive(Args, Debug, Clone)]
pub struct SplitArgs {
    /// How to cut documents into insights.
    #[arg(long = "split", value_enum, default_value_t = SplitMode::Paragraph, value_name = "MODE")]
    pub mode: SplitMode,
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
    #[arg(long, value_enum, default_value_t = DateFrom::Auto, value_name = "SOURCE")]
    pub date_from: DateFrom,
}

impl SplitArgs {
    /// The library's split settings.
    pub fn options(&self) -> SplitOptions {
        SplitOptions {
            mode: self.mode,
            min_words: self.min_words,
            rules: Rule::ALL.into_iter().filter(|r| !self.no_rule.contains(r)).collect(),
            keep_all: self.keep_all,
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
    /// A Milvus collection (written by `insights index PATHS --store URL`) to analyse instead of PATHS or an index
    /// file: milvus://HOST[:PORT]/COLLECTION (a build with the `milvus` feature).
    #[arg(long, value_name = "URL", conflicts_with_all = ["paths", "index"])]
    pub store: Option<String>,
    #[command(flatten)]
    pub split: SplitArgs,
    #[command(flatten)]
    pub model: ModelArgs,
    /// Nearest-neighbour search: `auto` is approximate from 20,000 distinct texts (with an up-to-date FILE.ann from
    /// `insights index`, or built in memory for neighbors, duplicates and report) and exact below; `on` always
    /// approximate; `off` always exact.
    #[arg(long, value_enum, default_value_t = AnnPolicy::Auto, value_name = "WHEN")]
    pub ann: AnnPolicy,
}

/// An index ready for analysis, and the model when one was loaded.
pub struct Opened {
    /// The index and how it is searched.
    pub corpus: Corpus,
    /// The model, if loaded (always when PATHS were indexed; with --index only when asked for).
    pub embedder: Option<Embedder>,
    /// The store's own search, for a corpus read from a store (`--store`).
    pub remote: Option<Box<dyn RemoteSearch>>,
}

impl Opened {
    /// How a few queries are best searched: through the store's server for a store, else as the corpus is.
    pub fn nearest_for_queries(&self) -> Nearest<'_> {
        match &self.remote {
            Some(search) => Nearest::Remote {
                vectors: &self.corpus.index.vectors,
                search: search.as_ref(),
            },
            None => self.corpus.nearest(),
        }
    }
}

impl CorpusArgs {
    /// The corpus: PATHS indexed now (reusing cached vectors), or the saved index; `need_model` loads the model
    /// for a saved index too (to embed queries), checked against the model that made the index; `searches` says
    /// how much nearest-neighbour search the command does.
    pub fn open(&self, need_model: bool, searches: Searches) -> Result<Opened> {
        let mut events = StderrEvents::new(self.model.quiet);
        let ann = self.ann;
        if !self.paths.is_empty() {
            if self.index.is_some() {
                bail!("give PATHS or --index FILE, not both");
            }
            let split = self.split.options();
            let (insights, documents) = read_insights(&self.paths, &split, &mut events)?;
            let embedder = self.model.load_embedder(None, None)?;
            let cache = cache_folder().map(|f| VectorCache::in_folder(&f, embedder.kind()));
            let (index, _) = corpus::index_documents(
                insights,
                &documents,
                &split,
                self.split.date_from,
                &embedder,
                cache.as_ref(),
                &mut events,
            )?;
            let approximate = approximate::for_search(&index, None, ann, searches, &mut events);
            return Ok(Opened {
                corpus: Corpus { index, approximate },
                embedder: Some(embedder),
                remote: None,
            });
        }
        if let Some(url) = &self.store {
            let opened = store::open(url, &self.model, need_model)?;
            let approximate = approximate::for_search(&opened.index, None, ann, searches, &mut events);
            return Ok(Opened {
                corpus: Corpus {
                    index: opened.index,
                    approximate,
                },
                embedder: opened.embedder,
                remote: Some(opened.search),
            });
        }
        let path = self.index.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_INDEX));
        let index = saved::open(&path).map_err(|e| match e {
            CorpusError::Folder { .. } => anyhow!(
                "{} is a folder, not an index file: to analyse its documents pass it as PATHS (without --index), or \
                 give the file `insights index` wrote",
                path.display()
            ),
            CorpusError::NoIndex { .. } => anyhow!(
                "no documents given and no index at {}: pass PATHS (files or folders), or make an index first with \
                 `insights index PATHS`",
                path.display()
            ),
            e => e.into(),
        })?;
        let embedder = if need_model {
            let embedder = self
                .model
                .load_embedder(Some(&index.meta.kind.model_id), Some(index.meta.kind.precision))?;
            index.check_model(&path, embedder.kind())?;
            Some(embedder)
        } else {
            None
        };
        let approximate = approximate::for_search(&index, Some(&path), ann, searches, &mut events);
        Ok(Opened {
            corpus: Corpus { index, approximate },
            embedder,
            remote: None,
        })
    }
}

/// Reads and splits PATHS into insights (notices of skipped files on stderr), with the documents they came from; no
/// insight at all is an error that suggests the flags keeping more.
pub fn read_insights(
    paths: &[PathBuf],
    split: &SplitOptions,
    events: &mut dyn Events,
) -> Result<(Vec<Insight>, Vec<Document>)> {
    corpus::read_insights(paths, split, events).map_err(|e| match e {
        e @ CorpusError::NoInsights { .. } => anyhow!("{e} (try --keep-all, or a lower --min-words)"),
        e => e.into(),
    })
}

/// The folder of the on-the-fly vector cache: `$INSIGHTS_CACHE_DIR`, default `<cache dir>/insights`.
fn cache_folder() -> Option<PathBuf> {
    std::env::var_os("INSIGHTS_CACHE_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| dirs::cache_dir().map(|d| d.join("insights")))
}
