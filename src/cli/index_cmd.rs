//! `insights index`: read, split and embed documents into an index file, reusing vectors of unchanged texts.

use std::path::{Path, PathBuf};

use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{anyhow, bail, Result};
use clap::Args;

use insights::corpus::approximate::{AnnPolicy, Refreshed};
use insights::corpus::saved::{IndexWriter, UpdateOptions, Updated, WhenBusy};
use insights::corpus::CorpusError;
use insights::embed::Embedder;
use insights::index::ann::compact::Storage;
use insights::index::ann::file::ann_path;
use insights::index::parquet::{read_shards, Shard, ShardSet};
use insights::index::{IndexError, VectorSource};
use insights::insight::SplitOptions;
use insights::report::json;
use insights::Insight;

use super::corpus::{read_insights, SplitArgs, DEFAULT_INDEX};
use super::model_args::ModelArgs;
use super::output::emit;
use super::progress::StderrEvents;

/// Examples shown under `insights index --help`.
pub const EXAMPLES: &str = "Examples:
  insights index seeds/                          index a folder into ./insights.idx
  insights index notes/ digests/ -i work.idx     several folders, another index file
  insights similar \"a claim\" -i work.idx         then query it without re-reading the documents

Re-indexing embeds only insights whose text is new; the others keep their vectors. Vectors are journaled \
(FILE.journal) as they are made: after Ctrl-C or a crash, run the same command again to resume.

From 20,000 distinct texts an approximate index (FILE.ann, an HNSW graph) is written beside the index, and \
`similar`, `neighbors`, `duplicates` and `report` search through it instead of scoring every vector; re-indexing \
updates it rather than rebuilding it. Force it with --ann on, or do without it with --ann off.

Vectors embedded elsewhere, in shards (`insights embed --shard K/N --parquet FILE`, such as scripts/spark_embed.py \
runs), are taken with --from-parquet DIR: nothing is embedded again.";

/// Arguments of `insights index`.
#[derive(Args, Debug)]
pub struct IndexArgs {
    /// Documents: files, folders (recursive) or `-` for standard input.
    #[arg(value_name = "PATHS", required = true)]
    pub paths: Vec<PathBuf>,
    /// The index file to write (replaced atomically; vectors of texts already in it are reused).
    #[arg(long, short = 'i', value_name = "FILE", default_value = DEFAULT_INDEX)]
    pub index: PathBuf,
    #[command(flatten)]
    pub split: SplitArgs,
    #[command(flatten)]
    pub model: ModelArgs,
    /// The approximate index FILE.ann beside the index, for fast search in large corpora: `auto` makes it from
    /// 20,000 distinct texts and keeps an existing one up to date; `on` always makes it; `off` removes it.
    #[arg(long, value_enum, default_value_t = AnnPolicy::Auto, value_name = "WHEN")]
    pub ann: AnnPolicy,
    /// How FILE.ann holds the vectors its searches walk: `f32` walks the index's own vectors in place (no copy);
    /// `int8` keeps a copy of one byte per value in FILE.ann (a quarter of the f32 size), walks that (a quarter of
    /// the bytes to read per step), and re-scores what it finds with the f32 vectors, so the scores shown stay
    /// exact. Recall cost measured: see docs/benchmarks.md. Giving it makes FILE.ann at any size.
    /// [default: as FILE.ann has it, else f32]
    #[arg(long, value_enum, value_name = "TYPE")]
    pub ann_vectors: Option<Storage>,
    /// Take the vectors from the Parquet shards in DIR (made by `insights embed --shard K/N --parquet FILE` from the
    /// same documents, model and split settings) instead of embedding: every shard must be there, and every text
    /// of PATHS in one of them.
    #[arg(long, value_name = "DIR")]
    pub from_parquet: Option<PathBuf>,
    /// Write the index to a Milvus collection instead of a file: milvus://HOST[:PORT]/COLLECTION (a build with the
    /// `milvus` feature). The collection is made when missing; re-indexing embeds only new texts and writes only
    /// documents that changed; the server indexes the vectors (HNSW). Read it back with `--store URL` in place of
    /// --index.
    #[arg(long, value_name = "URL", conflicts_with_all = ["index", "no_wait"])]
    pub store: Option<String>,
    /// Rows sent to the store per insert request (with --store).
    #[arg(long, value_name = "ROWS", default_value_t = 256, requires = "store", value_parser = clap::value_parser!(u32).range(1..=16384))]
    pub store_batch: u32,
    /// Fail at once when another `insights index` is writing the same index, instead of waiting for it to finish.
    #[arg(long)]
    pub no_wait: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Indexes the paths and writes the index.
pub fn run(args: &IndexArgs) -> Result<()> {
    if let Some(url) = &args.store {
        return index_into_store(args, url);
    }
    if args.ann == AnnPolicy::Off && args.ann_vectors.is_some() {
        bail!("--ann-vectors sets up the approximate index, which --ann off removes: leave out one of them");
    }
    let mut events = StderrEvents::new(args.model.quiet);
    // One writer at a time; only a missing file or a damaged index is replaced, anything else is left alone.
    let when_busy = if args.no_wait { WhenBusy::Fail } else { WhenBusy::Wait };
    let writer = IndexWriter::open(&args.index, when_busy, &mut events).map_err(|e| match e {
        CorpusError::Folder { .. } => anyhow!(
            "{} is a folder: --index names the index file to write (for example {})",
            args.index.display(),
            args.index.join(DEFAULT_INDEX).display()
        ),
        e @ CorpusError::Busy { .. } => anyhow!("{e}; leave out --no-wait to wait for it to finish"),
        CorpusError::Index(IndexError::NotAnIndex { .. }) => anyhow!(
            "{} exists and is not an insights index; refusing to overwrite it (choose another file with --index)",
            args.index.display()
        ),
        CorpusError::Index(IndexError::NewerFormat { version, .. }) => anyhow!(
            "{} was written by a newer insights (index format {version}); refusing to replace it (use that insights, \
             or choose another file with --index)",
            args.index.display()
        ),
        e => e.into(),
    })?;
    let split = args.split.options();
    let (insights, documents) = read_insights(&args.paths, &split, &mut events)?;
    // Without --precision, a re-index keeps the precision of the index it replaces.
    let embedder = args
        .model
        .load_embedder(None, writer.previous().index().map(|p| p.meta.kind.precision))?;
    let shards = shards_of(args, &insights, &split, &embedder)?;
    let reuse = vectors_of(&shards);
    let opts = UpdateOptions {
        date_from: args.split.date_from,
        ann: args.ann,
        ann_storage: args.ann_vectors,
        reuse: &reuse,
    };
    let updated = writer.update(
        insights,
        &documents,
        &split,
        &embedder,
        &opts,
        stop_on_ctrl_c(),
        &mut events,
    )?;
    let Updated {
        index,
        stats,
        approximate,
    } = &updated;
    let ann_file = ann_path(&args.index);
    let documents = index.documents().len();
    emit(
        args.json,
        || json::indexed(&args.index, &ann_file, &updated),
        |out, _| {
            writeln!(
                out,
                "indexed {} insights from {documents} documents into {} ({} new texts embedded, {} vectors reused, {} \
                 new sentences embedded)",
                index.len(),
                args.index.display(),
                stats.embedded,
                stats.reused,
                stats.sentences_embedded
            )?;
            match approximate {
                Refreshed::Written(s, storage) if s.rebuilt => {
                    writeln!(
                        out,
                        "approximate index {} built ({} texts, {} vectors)",
                        ann_file.display(),
                        s.added,
                        storage.name()
                    )
                }
                Refreshed::Written(s, storage) => writeln!(
                    out,
                    "approximate index {} updated ({} texts linked, {} removed, {} vectors)",
                    ann_file.display(),
                    s.added,
                    s.removed,
                    storage.name()
                ),
                Refreshed::Removed => writeln!(out, "approximate index {} removed (--ann off)", ann_file.display()),
                Refreshed::Absent => Ok(()),
            }
        },
    )
}

/// The vectors of the shards of `--from-parquet`, when given, for `embedder` and the documents' `insights`.
fn shards_of(
    args: &IndexArgs,
    insights: &[Insight],
    split: &SplitOptions,
    embedder: &Embedder,
) -> Result<Option<ShardSet>> {
    match &args.from_parquet {
        Some(dir) => Ok(Some(shards_for(dir, insights, split, embedder)?)),
        None => Ok(None),
    }
}

/// `insights index PATHS --store URL` in a build without the `milvus` feature.
#[cfg(not(feature = "milvus"))]
fn index_into_store(args: &IndexArgs, _url: &str) -> Result<()> {
    refuse_file_options(args)?;
    Err(super::store::unavailable())
}

/// Refuses the options of `insights index` that only an index file has.
fn refuse_file_options(args: &IndexArgs) -> Result<()> {
    if args.ann != AnnPolicy::Auto || args.ann_vectors.is_some() {
        bail!(
            "--ann and --ann-vectors set up FILE.ann beside an index file; a Milvus store is indexed by its server \
             (leave them out with --store)"
        );
    }
    Ok(())
}

/// `insights index PATHS --store URL`: the documents' index written to the collection, only what changed.
#[cfg(feature = "milvus")]
fn index_into_store(args: &IndexArgs, url: &str) -> Result<()> {
    use insights::corpus::remote::{update_store, StoreUpdate};
    use insights::index::milvus::MilvusStore;

    refuse_file_options(args)?;
    let url = super::store::parse(url)?;
    let store = MilvusStore::connect(&url).with_insert_rows(args.store_batch as usize);
    let mut events = StderrEvents::new(args.model.quiet);
    let split = args.split.options();
    let (insights, documents) = read_insights(&args.paths, &split, &mut events)?;
    // Without --precision, a re-index keeps the store's precision.
    let theirs = store.kind()?;
    let embedder = args.model.load_embedder(None, theirs.map(|k| k.precision))?;
    let shards = shards_of(args, &insights, &split, &embedder)?;
    let reuse = vectors_of(&shards);
    let how = StoreUpdate {
        split: &split,
        date_from: args.split.date_from,
        reuse: &reuse,
        stop: stop_on_ctrl_c(),
    };
    let updated = update_store(&store, insights, &documents, &embedder, &how, &mut events)?;
    let (index, stats, written) = (&updated.index, &updated.stats, &updated.written);
    emit(
        args.json,
        || json::stored(&url, &updated),
        |out, _| {
            writeln!(
                out,
                "indexed {} insights from {} documents into {url} ({} new texts embedded, {} vectors reused, {} new \
                 sentences embedded; {} documents written: {} rows inserted, {} deleted)",
                index.len(),
                index.documents().len(),
                stats.embedded,
                stats.reused,
                stats.sentences_embedded,
                written.documents_written,
                written.rows_inserted,
                written.rows_deleted,
            )
        },
    )
}

/// The vectors of `shards` for reuse.
fn vectors_of(shards: &Option<ShardSet>) -> Vec<VectorSource<'_>> {
    shards
        .iter()
        .map(|s| VectorSource {
            kind: &s.meta.kind,
            hashes: &s.hashes,
            vectors: &s.vectors,
        })
        .collect()
}

/// The shards of `dir`, refused unless they hold every text of `insights`, made by `embedder`'s model with the
/// `split` settings.
pub(super) fn shards_for(
    dir: &Path,
    insights: &[Insight],
    split: &SplitOptions,
    embedder: &Embedder,
) -> Result<ShardSet> {
    let set = read_shards(dir)?;
    let (theirs, ours) = (&set.meta.kind, embedder.kind());
    if !theirs.same_vectors(ours) {
        bail!(
            "{}: the shards were made with model {} (dim {}, {} precision), not {} (dim {}, {} precision): give the same --model and --precision",
            dir.display(), theirs.model_id, theirs.dim, theirs.precision, ours.model_id, ours.dim, ours.precision
        );
    }
    if set.meta.split != split.canonical() {
        bail!(
            "{}: the shards were split with {}, not {}: give the same split settings as `insights embed` was given",
            dir.display(),
            set.meta.split.describe(),
            split.canonical().describe()
        );
    }
    let missing = set.missing();
    if !missing.is_empty() {
        let names: Vec<String> = missing.iter().map(Shard::to_string).collect();
        bail!(
            "{}: shards {} are missing (make them with `insights embed --shard K/N --parquet FILE`)",
            dir.display(),
            names.join(", ")
        );
    }
    match set.uncovered(insights) {
        0 => Ok(set),
        n => bail!(
            "{}: {n} texts of these documents are in none of the shards: were the shards made from other documents?",
            dir.display()
        ),
    }
}

/// A flag that the first Ctrl-C sets (embedding then stops after its current step, keeping its work); a second
/// Ctrl-C ends the process at once.
pub(super) fn stop_on_ctrl_c() -> &'static AtomicBool {
    static STOP: AtomicBool = AtomicBool::new(false);
    let _ = ctrlc::set_handler(|| {
        if STOP.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
        eprintln!("\ninsights: stopping after the current step (Ctrl-C again to stop at once)");
    });
    &STOP
}
