//! `insights similar`: the insights closest to a statement (or to each insight of a new document), and whether it
//! has been said before.

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::Args;

use insights::analysis::similar::{similar, VerdictOptions, RELATED_MIN_SCORE, SAID_BEFORE_MIN_SCORE};
use insights::document::read_inputs;
use insights::insight::split_documents;
use insights::report::{json as report_json, text};

use super::corpus::CorpusArgs;
use super::output::emit;
use super::values;
use insights::corpus::Searches;

/// Examples shown under `insights similar --help`.
pub const EXAMPLES: &str = "Examples:
  insights similar \"Open models will become a commodity\" seeds/
  insights index seeds/ && insights similar \"Nations want their own AI\"    (uses ./insights.idx)
  insights similar --file draft.md -i work.idx      check each insight of a new document

Each insight is matched as a whole and sentence by sentence; its match score is the better cosine. The verdict:
  said-before  the claim score (best match + its margin over the background: the mean of the statement's next 4
               matches and of the matched text's 4 closest other insights) reaches --said-before-min-score
  related      not said before, but the best match reaches --related-min-score (same subject, another claim)
  new          neither
A claim and its negation score alike (embeddings do not see \"not\"): a contradiction reads as said-before.";

/// Arguments of `insights similar`.
#[derive(Args, Debug)]
pub struct SimilarArgs {
    /// The statement to look for (omit with --file).
    #[arg(value_name = "STATEMENT", required_unless_present = "file")]
    pub statement: Option<String>,
    /// Check each insight of this document instead of one statement.
    #[arg(long, value_name = "NEW_DOC")]
    pub file: Option<PathBuf>,
    /// How many of the closest insights to show.
    #[arg(short = 'k', long = "top", default_value_t = 5, value_name = "K", value_parser = values::at_least_one)]
    pub k: usize,
    /// Show only insights scoring at least this (cosine similarity, -1 to 1).
    #[arg(long, default_value_t = 0.3, value_name = "SCORE", allow_negative_numbers = true, value_parser = values::cosine)]
    pub min_score: f32,
    /// The claim score from which a statement counts as said before: the best match score m plus its margin over
    /// the background, m + (m - (statement background + match background) / 2), where the statement's background
    /// is the mean of its next 4 distinct matches and the match's the mean of its 4 closest other insights.
    /// `--said-before SCORE`, its former name, is still accepted.
    #[arg(long = "said-before-min-score", alias = "said-before", default_value_t = SAID_BEFORE_MIN_SCORE,
          value_name = "SCORE", value_parser = values::claim_score)]
    pub said_before: f32,
    /// The match score from which a statement not said before is related (on the same subject). `--related SCORE`,
    /// its former name, is still accepted.
    #[arg(long = "related-min-score", alias = "related", default_value_t = RELATED_MIN_SCORE, value_name = "SCORE",
          value_parser = values::cosine)]
    pub related: f32,
    #[command(flatten)]
    pub corpus: CorpusArgs,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Answers the query.
pub fn run(args: &SimilarArgs) -> Result<()> {
    let mut corpus_args = args.corpus.clone();
    // With --file, a lone positional is a corpus path, not a statement.
    if let (Some(_), Some(s)) = (&args.file, &args.statement) {
        corpus_args.paths.insert(0, PathBuf::from(s));
    }
    // The queries are read and checked before the corpus is embedded, so bad input fails fast.
    let statements: Vec<(Option<insights::Insight>, String)> = match &args.file {
        Some(file) => {
            let loaded = read_inputs(std::slice::from_ref(file))?;
            let found = split_documents(&loaded.documents, &corpus_args.split.options())?;
            if found.is_empty() {
                bail!("{}: no insights in this document", file.display());
            }
            // The text is the insight's own (see `text_of`): a large file is not held twice.
            found.into_iter().map(|i| (Some(i), String::new())).collect()
        }
        None => {
            let statement = args.statement.clone().unwrap_or_default();
            if statement.trim().is_empty() {
                bail!("the statement is empty: give the claim to look for, e.g. insights similar \"open models will win\"");
            }
            vec![(None, statement)]
        }
    };
    let opened = corpus_args.open(true, Searches::Few)?;
    let corpus = &opened.corpus;
    let Some(embedder) = opened.embedder.as_ref() else {
        bail!("internal: no model loaded for the query");
    };
    let index = &corpus.index;
    if index.sentences.is_none() && !corpus_args.model.quiet {
        eprintln!(
            "insights: this index predates sentence vectors, so claims are matched against whole insights only; run \
             `insights index` on it again to add them"
        );
    }
    let texts: Vec<&str> = statements.iter().map(text_of).collect();
    let queries = embedder.embed(&texts)?;
    let nearest = opened.nearest_for_queries();
    let opts = VerdictOptions {
        said_before: args.said_before,
        related: args.related,
    };
    let results: Vec<_> = queries
        .rows()
        .map(|q| similar(index, &nearest, q, args.k, args.min_score, &opts))
        .collect();
    if let Some(failure) = opened.remote.as_ref().and_then(|r| r.failure()) {
        eprintln!(
            "insights: warning: the store's search failed ({failure}); the answers came from scoring every vector"
        );
    }
    emit(
        args.json,
        || {
            let items: Vec<_> = statements
                .iter()
                .zip(&results)
                .map(|(statement, r)| report_json::similar(index, text_of(statement), statement.0.as_ref(), r, &opts))
                .collect();
            match &args.file {
                Some(f) => report_json::SimilarOutput::File {
                    file: f.display().to_string(),
                    results: items,
                },
                None => report_json::SimilarOutput::One(items.into_iter().next().map(Box::new)),
            }
        },
        |out, style| {
            for (n, (statement, r)) in statements.iter().zip(&results).enumerate() {
                if n > 0 {
                    writeln!(out)?;
                }
                if let Some(i) = &statement.0 {
                    writeln!(out, "{}", style.dim(&i.location()))?;
                }
                text::similar(out, style, index, text_of(statement), r)?;
            }
            Ok(())
        },
    )
}

/// A statement's text: the insight's, for one read from `--file`, else the statement as typed.
fn text_of(statement: &(Option<insights::Insight>, String)) -> &str {
    statement.0.as_ref().map_or(statement.1.as_str(), |i| i.text.as_str())
}
