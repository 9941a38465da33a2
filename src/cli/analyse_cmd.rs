//! `insights clusters`, `neighbors`, `duplicates` and `report`: analyses of a corpus (PATHS or a saved index).

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use insights::analysis::cluster::{cluster, ClusterOptions};
use insights::analysis::documents::originality;
use insights::analysis::duplicates::{group_duplicates, DuplicateOptions};
use insights::analysis::layout::{layout, LayoutOptions, LAYOUT_NEIGHBOURS};
use insights::analysis::neighbours::{
    cross_document_neighbours, nearest_neighbours, strongest_links, CANDIDATES, CANDIDATE_MIN_SCORE,
};
use insights::analysis::topics::{topics, Topic};
use insights::index::Index;
use insights::report::{html, json, text, Report};

use super::corpus::CorpusArgs;
use super::output::{emit, write_file};
use super::store;
use super::values;
use insights::corpus::Searches;

/// Examples shown under `insights clusters --help`.
pub const CLUSTERS_EXAMPLES: &str = "Examples:
  insights clusters seeds/                      topics, number chosen automatically
  insights clusters seeds/ --topics 3 --json    exactly three topics, as JSON
  insights clusters -i work.idx                 topics of a saved index (no model needed)

The automatic number of topics: the corpus is over-clustered by spherical k-means, the fine clusters are merged \
pairwise by Ward's criterion, and the level with the best mean silhouette on a sample wins (see docs/clusters.md).";

/// Examples shown under `insights neighbors --help`.
pub const NEIGHBORS_EXAMPLES: &str = "Examples:
  insights neighbors seeds/                        each insight's closest insights in other documents
  insights neighbors -i work.idx --min-score 0.7 --json";

/// Examples shown under `insights duplicates --help`.
pub const DUPLICATES_EXAMPLES: &str = "Examples:
  insights duplicates seeds/
  insights duplicates -i work.idx --json

Kinds: verbatim (identical after whitespace, case and quote normalisation), near-verbatim (word-level edit \
similarity >= 0.8), paraphrase (the same argument in other words: cosine >= 0.85, or each the other's best match \
in another document with cosine >= 0.68 standing out from both sides' other neighbours by --paraphrase-min-margin). \
A group holds at most one insight per document besides verbatim copies. Only groups spanning two or more \
documents are shown.";

/// Examples shown under `insights report --help`.
pub const REPORT_EXAMPLES: &str = "Examples:
  insights report seeds/
  insights report notes/ --json > report.json
  insights report -i work.idx
  insights report seeds/ --html seeds.html      also the page: a map of the corpus beside the report

The page is one self-contained file (no network request of any kind): every insight a point coloured by topic; \
hover for its text, click for its nearest insights in other documents and its duplicate group; search, a \
document filter, and the topics, recurring arguments, links and originality beside it.";

/// Arguments of `insights clusters`.
#[derive(Args, Debug)]
pub struct ClustersArgs {
    #[command(flatten)]
    pub corpus: CorpusArgs,
    /// The number of topics (default: chosen automatically). `--k N`, its former name, is still accepted.
    #[arg(long, alias = "k", value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub topics: Option<u32>,
    /// Keywords shown per topic.
    #[arg(long, default_value_t = 6, value_name = "N")]
    pub keywords: usize,
    /// Seed of the clustering's random choices (same seed, same input: same topics).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Above this many insights, the topics (and their number) are fitted on a random sample of this size, then
    /// refined over every insight by Lloyd's iterations (at most 10 passes), each insight going to its nearest
    /// topic: memory beyond the sample stays flat (a store's vectors are read a batch at a time) and the cost linear
    /// in the corpus size.
    #[arg(long, default_value_t = ClusterOptions::default().fit_sample, value_name = "N",
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(2..))]
    pub sample: usize,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `insights neighbors`.
#[derive(Args, Debug)]
pub struct NeighborsArgs {
    #[command(flatten)]
    pub corpus: CorpusArgs,
    /// Neighbours shown per insight.
    #[arg(short = 'k', long = "top", default_value_t = 3, value_name = "K", value_parser = values::at_least_one)]
    pub k: usize,
    /// Show only neighbours scoring at least this (cosine similarity).
    #[arg(long, default_value_t = 0.6, value_name = "SCORE", allow_negative_numbers = true, value_parser = values::cosine)]
    pub min_score: f32,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `insights duplicates`.
#[derive(Args, Debug)]
pub struct DuplicatesArgs {
    #[command(flatten)]
    pub corpus: CorpusArgs,
    /// Cosine from which two insights of different documents are a paraphrase whatever else holds.
    #[arg(long, default_value_t = DuplicateOptions::default().paraphrase_min_score, value_name = "SCORE", value_parser = values::cosine)]
    pub paraphrase_min_score: f32,
    /// Below that cosine, mutual best matches across documents are a paraphrase when their cosine over the mean of
    /// both sides' 4 closest distinct texts in other documents reaches this margin (and the cosine reaches 0.68).
    /// A large value (e.g. 9) turns this test off.
    #[arg(long, default_value_t = DuplicateOptions::default().paraphrase_min_margin, value_name = "MARGIN", value_parser = values::ratio)]
    pub paraphrase_min_margin: f32,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `insights report`.
#[derive(Args, Debug)]
pub struct ReportArgs {
    #[command(flatten)]
    pub corpus: CorpusArgs,
    /// The number of topics (default: chosen automatically). `--k N`, its former name, is still accepted.
    #[arg(long, alias = "k", value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub topics: Option<u32>,
    /// Cross-document links shown.
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub links: usize,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Also write the report as one self-contained HTML page, with a map of the corpus, to FILE.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

/// The topics of the index clustered with `opts`, with `keywords` keywords each, and the insights left unclustered.
fn clustered(index: &Index, opts: &ClusterOptions, keywords: usize) -> (Vec<Topic>, Vec<usize>) {
    topics(index, &cluster(&index.vectors, opts), keywords)
}

/// How the number of topics was set: "fixed" by `--topics`, or "auto".
fn k_choice(opts: &ClusterOptions) -> &'static str {
    if opts.k.is_some() {
        "fixed"
    } else {
        "auto"
    }
}

/// Clustering settings with `--topics` given or not.
fn with_topics(topics: Option<u32>) -> ClusterOptions {
    ClusterOptions {
        k: topics.map(|k| k as usize),
        ..ClusterOptions::default()
    }
}

/// Runs `insights clusters`. A store's vectors are read from the server a batch at a time, never all at once.
pub fn clusters(args: &ClustersArgs) -> Result<()> {
    let opts = ClusterOptions {
        seed: args.seed,
        fit_sample: args.sample,
        ..with_topics(args.topics)
    };
    let (index, topics, unclustered) = match &args.corpus.store {
        Some(url) => store::topics(url, &opts, args.keywords)?,
        None => {
            let index = args.corpus.open(false, Searches::None)?.corpus.index;
            let (topics, unclustered) = clustered(&index, &opts, args.keywords);
            (index, topics, unclustered)
        }
    };
    let (index, k_choice) = (&index, k_choice(&opts));
    emit(
        args.json,
        || json::topics(index, &topics, &unclustered, k_choice),
        |out, style| text::topics(out, style, index, &topics, &unclustered),
    )
}

/// Runs `insights neighbors`.
pub fn neighbors(args: &NeighborsArgs) -> Result<()> {
    let corpus = args.corpus.open(false, Searches::All)?.corpus;
    let index = &corpus.index;
    let neighbours = cross_document_neighbours(index, &corpus.nearest(), args.k, args.min_score);
    emit(
        args.json,
        || json::neighbours(index, &neighbours, args.min_score),
        |out, style| text::neighbours(out, style, index, &neighbours),
    )
}

/// Runs `insights duplicates`.
pub fn duplicates(args: &DuplicatesArgs) -> Result<()> {
    let corpus = args.corpus.open(false, Searches::All)?.corpus;
    let index = &corpus.index;
    let neighbours = cross_document_neighbours(index, &corpus.nearest(), CANDIDATES, CANDIDATE_MIN_SCORE);
    let opts = DuplicateOptions {
        paraphrase_min_score: args.paraphrase_min_score,
        paraphrase_min_margin: args.paraphrase_min_margin,
        neighbours_min_score: CANDIDATE_MIN_SCORE,
        ..DuplicateOptions::default()
    };
    let groups = group_duplicates(&index.insights, &neighbours, &opts);
    emit(
        args.json,
        || json::Groups {
            groups: json::duplicates(index, &groups),
        },
        |out, style| text::duplicates(out, style, index, &groups),
    )
}

/// Runs `insights report`.
pub fn report(args: &ReportArgs) -> Result<()> {
    let corpus = args.corpus.open(false, Searches::All)?.corpus;
    let index = &corpus.index;
    let opts = with_topics(args.topics);
    let (topics, unclustered) = clustered(index, &opts, 6);
    let k_choice = k_choice(&opts);
    let neighbours = cross_document_neighbours(index, &corpus.nearest(), CANDIDATES, CANDIDATE_MIN_SCORE);
    let opts = DuplicateOptions {
        neighbours_min_score: CANDIDATE_MIN_SCORE,
        ..DuplicateOptions::default()
    };
    let groups = group_duplicates(&index.insights, &neighbours, &opts);
    let strongest = strongest_links(&neighbours, &groups, args.links);
    let docs = originality(index, &groups);
    let parts = Report {
        topics: &topics,
        unclustered: &unclustered,
        k_choice,
        links: &strongest,
        duplicates: &groups,
        originality: &docs,
    };
    if let Some(path) = &args.html {
        let graph = nearest_neighbours(index, &corpus.nearest(), LAYOUT_NEIGHBOURS);
        let positions = layout(&index.vectors, &graph, &LayoutOptions::default());
        let title = match (&args.corpus.paths[..], &args.corpus.index) {
            ([], Some(file)) => format!("insights: {}", file.display()),
            (paths, _) => format!(
                "insights: {}",
                paths
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let page = html::Page {
            title: &title,
            report: &parts,
            positions: &positions,
            neighbours: &neighbours,
        };
        write_file(path, html::page(index, &page).as_bytes())?;
        if !args.corpus.model.quiet {
            eprintln!("insights: wrote {} (a map of {} insights)", path.display(), index.len());
        }
    }
    emit(
        args.json,
        || json::report(index, &parts),
        |out, style| text::report(out, style, index, &parts),
    )
}
