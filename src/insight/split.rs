//! Splitting documents into insights: paragraphs, sentences or lines, with boilerplate rules.
//!
//! Text and Markdown documents go through three steps:
//! 1. **Units** (`blocks`): blank-line-separated blocks, with Markdown structure removed (headings, code fences, front
//!    matter). List items (`-`, `*`, `+`, `•`, `1.`, `1)`) are units of their own, marker stripped. A block of several
//!    long lines that end sentences is one unit a line (documents that separate paragraphs by single newlines); any
//!    other block is one hard-wrapped paragraph, its lines joined with spaces.
//! 2. **Boilerplate** ([`Rule`]): the title, salutation, sign-off and promo rules judge each unit.
//! 3. **Cutting** ([`SplitMode`]): each kept unit is one insight, or is cut into sentences or lines; then the min-words
//!    rule judges each resulting insight.
//!
//! A piece longer than [`MAX_INSIGHT_BYTES`] (64 KiB) is cut into several insights of whole sentences (`bound`).
//!
//! Text is cleaned by collapsing whitespace runs to one space and trimming; other characters are kept as written.
//! JSONL documents are one insight a record (see `jsonl`).

mod blocks;
mod boilerplate;
mod bound;
mod jsonl;
mod locate;
mod sentences;

pub(crate) use jsonl::record_dates;
pub use locate::{Locator, TextPosition};
pub use sentences::sentence_spans;
#[cfg(test)]
mod tests;

pub use blocks::LONG_LINE_CHARS;
pub use boilerplate::{
    Rule, PROMO_MAX_WORDS, SALUTATION_MAX_WORDS, SIGN_OFF_MAX_WORDS, SIGN_OFF_TAIL_UNITS, TITLE_MAX_WORDS,
};
pub use bound::MAX_INSIGHT_BYTES;

use std::borrow::Cow;

use crate::document::{DocFormat, Document, ReadError};
use crate::insight::Insight;

/// How a document's text is cut into insights. Each value's first paragraph is its `--split` help.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum SplitMode {
    /// Blank-line-separated paragraphs (one per line where lines are whole paragraphs); Markdown bullets apart.
    ///
    /// The default.
    #[default]
    Paragraph,
    /// Sentences.
    Sentence,
    /// Non-empty lines.
    Line,
}

/// The settings of the splitter. [`SplitOptions::default`] gives the documented defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitOptions {
    /// How to cut. Default: [`SplitMode::Paragraph`].
    pub mode: SplitMode,
    /// The [`Rule::MinWords`] threshold: an insight with fewer words is dropped. Default: 5.
    pub min_words: usize,
    /// The boilerplate rules applied. Default: all of [`Rule::ALL`] (`min-words`, `title`, `salutation`, `sign-off`,
    /// `promo`). Leave one out to keep what it would drop.
    pub rules: Vec<Rule>,
    /// Keep everything: apply no boilerplate rule at all, whatever `rules` and `min_words` say (headings, code and
    /// separators are still not insights). Default: false.
    pub keep_all: bool,
}

impl Default for SplitOptions {
    fn default() -> Self {
        SplitOptions {
            mode: SplitMode::Paragraph,
            min_words: 5,
            rules: Rule::ALL.to_vec(),
            keep_all: false,
        }
    }
}

impl SplitOptions {
    /// Whether a rule is in force: listed in `rules` and not overridden by `keep_all`.
    pub fn applies(&self, rule: Rule) -> bool {
        !self.keep_all && self.rules.contains(&rule)
    }
}

/// Splits every document into insights, in document order.
///
/// Text and Markdown documents never fail. A JSONL document fails on its first line that is not a JSON object with a
/// string `text` field (an `id` that is not a string or number, or a `doc` that is not a string, fail too), with a
/// [`ReadError::Jsonl`] naming the document and line; records whose text is empty after trimming are skipped.
pub fn split_documents(docs: &[Document], opts: &SplitOptions) -> Result<Vec<Insight>, ReadError> {
    let mut out = Vec::new();
    for doc in docs {
        match doc.format {
            DocFormat::Jsonl => jsonl::split_jsonl(doc, &mut out)?,
            DocFormat::Text => split_text(doc, false, opts, &mut out),
            DocFormat::Markdown => split_text(doc, true, opts, &mut out),
        }
    }
    Ok(out)
}

/// Appends the insights of one text or Markdown document.
fn split_text(doc: &Document, markdown: bool, opts: &SplitOptions, out: &mut Vec<Insight>) {
    let units = blocks::units(&doc.text, markdown);
    let texts: Vec<(Cow<'_, str>, Vec<usize>)> = units.iter().map(blocks::Unit::joined).collect();
    let shapes: Vec<(usize, bool)> = units
        .iter()
        .zip(&texts)
        .map(|(u, (t, _))| (boilerplate::word_count(t), u.list_item))
        .collect();
    let tail = boilerplate::tail_start(&shapes);
    let rules: Vec<Rule> = Rule::ALL.into_iter().filter(|&r| opts.applies(r)).collect();
    for (index, (unit, (text, starts))) in units.iter().zip(&texts).enumerate() {
        if boilerplate::paragraph_rule(unit, text, index >= tail, &rules).is_some() {
            continue;
        }
        // Each piece with its lines, and where it starts in the unit's joined text (a line of its own: `None`).
        let pieces: Vec<(usize, usize, &str, Option<usize>)> = match opts.mode {
            SplitMode::Paragraph => {
                let (first, last) = unit.span();
                vec![(first, last, text.as_ref(), Some(0))]
            }
            SplitMode::Line => unit.lines.iter().map(|l| (l.number, l.number, l.text, None)).collect(),
            SplitMode::Sentence => sentences::sentence_spans(text)
                .into_iter()
                .map(|(start, end)| {
                    (
                        line_at(unit, starts, start),
                        line_at(unit, starts, end - 1),
                        &text[start..end],
                        Some(start),
                    )
                })
                .collect(),
        };
        for (line_start, line_end, piece, at) in pieces {
            for range in bound::bounded_pieces(piece, MAX_INSIGHT_BYTES) {
                let (line_start, line_end) = match at {
                    Some(at) if range.len() < piece.len() => (
                        line_at(unit, starts, at + range.start),
                        line_at(unit, starts, at + range.end - 1),
                    ),
                    _ => (line_start, line_end),
                };
                let text = blocks::clean(&piece[range]);
                let too_short = opts.applies(Rule::MinWords) && boilerplate::word_count(&text) < opts.min_words;
                if text.is_empty() || too_short {
                    continue;
                }
                out.push(Insight {
                    doc: doc.name.clone(),
                    line_start,
                    line_end,
                    text,
                    source_id: None,
                    file: None,
                });
            }
        }
    }
}

/// The document line holding byte `offset` of a unit's joined text (`starts`: where each line starts in it).
fn line_at(unit: &blocks::Unit<'_>, starts: &[usize], offset: usize) -> usize {
    let index = starts.partition_point(|&s| s <= offset).saturating_sub(1);
    unit.lines.get(index).map_or(0, |l| l.number)
}

impl SplitMode {
    /// The mode's name: `paragraph`, `sentence` or `line`.
    pub fn name(self) -> &'static str {
        match self {
            SplitMode::Paragraph => "paragraph",
            SplitMode::Sentence => "sentence",
            SplitMode::Line => "line",
        }
    }
}

impl SplitOptions {
    /// The same settings in their canonical form, the one [`SplitOptions::describe`] records: rules once each in
    /// [`Rule::ALL`] order, and with `keep_all` the defaults for what it overrides. Two settings that split every
    /// document alike have the same canonical form.
    pub fn canonical(&self) -> SplitOptions {
        if self.keep_all {
            return SplitOptions {
                mode: self.mode,
                keep_all: true,
                ..SplitOptions::default()
            };
        }
        SplitOptions {
            mode: self.mode,
            min_words: self.min_words,
            rules: Rule::ALL.into_iter().filter(|r| self.rules.contains(r)).collect(),
            keep_all: false,
        }
    }

    /// A canonical one-line description of these settings (recorded in an index, read back by `parse`), e.g.
    /// `paragraph min-words=5 rules=min-words,title,salutation,sign-off,promo`.
    pub fn describe(&self) -> String {
        let canonical = self.canonical();
        let mode = canonical.mode.name();
        if canonical.keep_all {
            return format!("{mode} keep-all");
        }
        let rules: Vec<&str> = canonical.rules.iter().map(|r| r.name()).collect();
        format!("{mode} min-words={} rules={}", canonical.min_words, rules.join(","))
    }

    /// Reads back a [`SplitOptions::describe`] line, in canonical form; `None` when `line` is not one.
    pub fn parse(line: &str) -> Option<SplitOptions> {
        let mut words = line.split(' ');
        let mode = match words.next()? {
            "paragraph" => SplitMode::Paragraph,
            "sentence" => SplitMode::Sentence,
            "line" => SplitMode::Line,
            _ => return None,
        };
        let settings = match (words.next()?, words.next()) {
            ("keep-all", None) => SplitOptions {
                mode,
                keep_all: true,
                ..SplitOptions::default()
            },
            (min_words, Some(rules)) => SplitOptions {
                mode,
                min_words: min_words.strip_prefix("min-words=")?.parse().ok()?,
                rules: match rules.strip_prefix("rules=")? {
                    "" => Vec::new(),
                    names => names.split(',').map(|n| n.parse().ok()).collect::<Option<_>>()?,
                },
                keep_all: false,
            },
            _ => return None,
        };
        (words.next().is_none() && settings == settings.canonical()).then_some(settings)
    }
}
