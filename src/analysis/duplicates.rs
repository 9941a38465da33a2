//! Cross-document duplicate groups: verbatim copies, near-verbatim copies (small edits) and paraphrases.
//!
//! Verbatim copies are found by exact equality of normalised text (no candidate pair needed). Near-verbatim copies
//! and paraphrases come from each insight's nearest neighbours in other documents: a pair of insights from different
//! documents is a near-verbatim link when its word-level edit similarity reaches
//! [`DuplicateOptions::near_verbatim_min_overlap`], else a paraphrase link when it is the same argument in other
//! words ([`is_paraphrase`]). Groups are the connected components of all links (union-find), so every insight is in
//! at most one group, and a group's kind is that of the weakest link it needs.
//!
//! The same argument in other words: one cosine cannot tell it from another argument on the same subject (on the
//! seed corpus, restatements score 0.64-0.9 with what they restate, distinct insights up to 0.74). Two further
//! signs can: the pair is a **mutual best match** across documents (each is the other's closest distinct text in
//! another document), and its cosine stands out from both sides' backgrounds (the **margin**: the cosine over the
//! mean cosine of each side's [`MARGIN_NEIGHBOURS`] closest distinct texts in other documents, as in bitext mining).

use std::collections::HashMap;

use rayon::prelude::*;

use crate::index::Hit;
use crate::insight::Insight;

/// How close the members of a duplicate group are, from closest to loosest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DuplicateKind {
    /// Identical text after normalisation (case, whitespace runs, typographic quotes and dashes).
    Verbatim,
    /// The same text with small edits: word-level edit similarity at least `near_verbatim_min_overlap`.
    NearVerbatim,
    /// The same point in other words: not near-verbatim, and [`is_paraphrase`] holds.
    Paraphrase,
}

impl DuplicateKind {
    /// Its name in reports: `verbatim`, `near-verbatim` or `paraphrase`.
    pub fn name(self) -> &'static str {
        match self {
            DuplicateKind::Verbatim => "verbatim",
            DuplicateKind::NearVerbatim => "near-verbatim",
            DuplicateKind::Paraphrase => "paraphrase",
        }
    }
}

/// Closest distinct texts in other documents whose mean cosine is an insight's background for the margin.
pub const MARGIN_NEIGHBOURS: usize = 4;

/// Thresholds of [`group_duplicates`].
#[derive(Debug, Clone, PartialEq)]
pub struct DuplicateOptions {
    /// Cosine from which a pair is a paraphrase whatever else holds. Default 0.85: the 528 pairs of distinct
    /// paragraphs of the seed corpus (all on one topic, AI sovereignty) top out at 0.77. A claim and its opposite in
    /// shared words (about 0.85-0.9) can pass: cosine does not see negation.
    pub paraphrase_min_score: f32,
    /// Smallest margin for a paraphrase link between mutual best matches. Default 1.06, chosen on the labelled
    /// sets of `tests/fixtures/verdict/` (see docs/verdicts.md).
    pub paraphrase_min_margin: f32,
    /// Smallest cosine for a paraphrase link between mutual best matches. Default 0.68: in a corpus of many small,
    /// unrelated documents the backgrounds are low and the margin alone would link loosely related texts.
    pub paraphrase_floor: f32,
    /// The score below which the neighbour lists were cut (0.5 in the CLI): a background of fewer than
    /// [`MARGIN_NEIGHBOURS`] neighbours counts each missing one at this score, an upper bound of what it was.
    pub neighbours_min_score: f32,
    /// Smallest word-level edit similarity, `1 - word_edit_distance / max(word_count)`, for a near-verbatim link.
    /// Default 0.8: at most one word in five inserted, deleted or replaced (one word changed in a 15-word sentence
    /// gives 0.93; distinct paragraphs of the seed corpus reach at most 0.13).
    pub near_verbatim_min_overlap: f32,
}

impl Default for DuplicateOptions {
    fn default() -> Self {
        Self {
            paraphrase_min_score: 0.85,
            paraphrase_min_margin: 1.06,
            paraphrase_floor: 0.68,
            neighbours_min_score: 0.5,
            near_verbatim_min_overlap: 0.8,
        }
    }
}

/// A set of insights from at least two documents that say the same thing.
#[derive(Debug, Clone, PartialEq)]
pub struct DuplicateGroup {
    /// The weakest kind of link that holds the group together.
    pub kind: DuplicateKind,
    /// Indices into the insights, increasing.
    pub members: Vec<usize>,
    /// The lowest cosine among the links that join the group, strongest links first (1 for a verbatim group, whose
    /// texts are identical): every member is connected to every other by links at least this similar.
    pub score: f32,
}

/// Text as compared for verbatim copies: lowercase, typographic quotes and dashes made ASCII, whitespace runs
/// collapsed to one space, trimmed.
pub fn normalize_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        for c in word.chars() {
            match c {
                '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '`' => out.push('\''),
                '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '«' | '»' => out.push('"'),
                '\u{2010}'..='\u{2015}' | '\u{2212}' => out.push('-'),
                _ => out.extend(c.to_lowercase()),
            }
        }
    }
    out
}

/// Word-level edit similarity: `1 - levenshtein(words_a, words_b) / max(len)`, over lowercase alphanumeric words.
/// Two texts without words are identical (1).
pub fn word_similarity(a: &str, b: &str) -> f32 {
    edit_similarity(&words(a), &words(b), 0.0)
}

/// Hashes of the lowercase alphanumeric words of `text`, in order.
fn words(text: &str) -> Vec<u64> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            // FNV-1a over the lowercase characters.
            w.chars()
                .flat_map(char::to_lowercase)
                .fold(0xcbf2_9ce4_8422_2325u64, |h, c| {
                    (h ^ c as u64).wrapping_mul(0x0000_0100_0000_01B3)
                })
        })
        .collect()
}

/// `1 - levenshtein(a, b) / max(|a|, |b|)`; returns 0 early when it provably stays below `floor`.
fn edit_similarity(a: &[u64], b: &[u64], floor: f32) -> f32 {
    let longest = a.len().max(b.len());
    if longest == 0 {
        return 1.0;
    }
    // Every word of the longer text not matched in the shorter one costs at least one edit.
    let mut bag: HashMap<u64, i64> = HashMap::new();
    for w in a {
        *bag.entry(*w).or_insert(0) += 1;
    }
    let mut common = 0usize;
    for w in b {
        if let Some(n) = bag.get_mut(w).filter(|n| **n > 0) {
            *n -= 1;
            common += 1;
        }
    }
    if (common as f32) / (longest as f32) < floor {
        return 0.0;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, x) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, y) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(x != y);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    1.0 - prev[b.len()] as f32 / longest as f32
}

/// What the paraphrase test needs to know of each insight's neighbourhood.
struct Context<'a> {
    /// Each insight's closest distinct text in another document, by its first occurrence (`canon`).
    best: Vec<Option<usize>>,
    /// The mean cosine of each insight's [`MARGIN_NEIGHBOURS`] closest distinct texts in other documents.
    background: Vec<f32>,
    /// The first insight with the same normalised text, for each insight.
    canon: &'a [usize],
}

impl<'a> Context<'a> {
    fn new(insights: &[Insight], neighbours: &[Vec<Hit>], canon: &'a [usize], missing_at: f32) -> Self {
        let n = insights.len();
        let (mut best, mut background) = (vec![None; n], vec![0.0; n]);
        for (i, hits) in neighbours.iter().enumerate().take(n) {
            let mut seen: Vec<usize> = Vec::with_capacity(MARGIN_NEIGHBOURS);
            let mut sum = 0.0;
            for h in hits.iter().filter(|h| h.index < n && !h.score.is_nan()) {
                let c = canon[h.index];
                if c == canon[i] || insights[h.index].doc == insights[i].doc || seen.contains(&c) {
                    continue;
                }
                seen.push(c);
                sum += h.score;
                if seen.len() == MARGIN_NEIGHBOURS {
                    break;
                }
            }
            best[i] = seen.first().copied();
            let missing = MARGIN_NEIGHBOURS - seen.len();
            background[i] = (sum + missing as f32 * missing_at) / MARGIN_NEIGHBOURS as f32;
        }
        Context {
            best,
            background,
            canon,
        }
    }
}

/// Whether insights `i` and `j` (of different documents, cosine `score`) make the same argument in other words:
/// their cosine reaches `paraphrase_min_score`; or they are mutual best matches across documents, with cosine at
/// least `paraphrase_floor` and margin `score / mean(background_i, background_j)` at least `paraphrase_min_margin`.
fn is_paraphrase(context: &Context<'_>, i: usize, j: usize, score: f32, opts: &DuplicateOptions) -> bool {
    if score >= opts.paraphrase_min_score {
        return true;
    }
    let (ci, cj) = (context.canon[i], context.canon[j]);
    let mutual = context.best[i] == Some(cj) && context.best[j] == Some(ci);
    let background = (context.background[i] + context.background[j]) / 2.0;
    mutual && score >= opts.paraphrase_floor && background > 0.0 && score / background >= opts.paraphrase_min_margin
}

/// Union-find over insight indices; the smaller root survives. Links are joined in one fixed order (strongest
/// first), which matters since a link between components that share a document is refused.
struct Components {
    parent: Vec<usize>,
    kind: Vec<DuplicateKind>,
    score: Vec<f32>,
    /// The documents of each component's members, sorted (kept at the root).
    docs: Vec<Vec<usize>>,
}

impl Components {
    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    /// Joins the components of `a` and `b` unless they are one already (then the link is redundant and ignored), or
    /// unless the link is not verbatim and both components hold insights of one document: apart from verbatim
    /// copies, a group holds one argument at most once per document, so a text is never linked to a group that
    /// already has it from the text's own document (a paragraph next to one that its document copies verbatim).
    fn link(&mut self, a: usize, b: usize, kind: DuplicateKind, score: f32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return;
        }
        let (lo, hi) = (ra.min(rb), ra.max(rb));
        if kind != DuplicateKind::Verbatim && self.docs[lo].iter().any(|d| self.docs[hi].binary_search(d).is_ok()) {
            return;
        }
        let moved = std::mem::take(&mut self.docs[hi]);
        let docs = &mut self.docs[lo];
        docs.extend(moved);
        docs.sort_unstable();
        docs.dedup();
        let k = kind.max(self.kind[lo]).max(self.kind[hi]);
        let s = score.min(self.score[lo]).min(self.score[hi]);
        self.parent[hi] = lo;
        self.kind[lo] = k;
        self.score[lo] = s;
    }
}

/// Groups cross-document duplicates among `insights`, given each insight's nearest neighbours in other documents
/// (`neighbours[i]`, best first, as [`crate::analysis::neighbours::cross_document_neighbours`] finds them).
///
/// 1. Insights whose [`normalize_text`] is identical are linked (verbatim, score 1), whatever their documents.
/// 2. Each neighbour pair of insights from different documents, not already identical, is a near-verbatim link when
///    its [`word_similarity`] reaches `near_verbatim_min_overlap`, else a paraphrase link when [`is_paraphrase`]
///    holds, else nothing. Pairs within one document, out of range or with a NaN score are ignored.
/// 3. Groups are the connected components of all links; a component is kept only when its members come from at
///    least two documents. Links are joined strongest first (verbatim, near-verbatim, paraphrase; higher cosine
///    first), skipping those that join nothing new, so a group's kind is the weakest kind of link it needs to hold
///    together, and its score the lowest cosine among the links that joined it (1 for verbatim links).
///
/// Groups are sorted by decreasing size, then by first member. Paraphrase links chain: A~B and B~C put A and C in
/// one group even when A and C are less similar; the score then shows the weakest link.
pub fn group_duplicates(insights: &[Insight], neighbours: &[Vec<Hit>], opts: &DuplicateOptions) -> Vec<DuplicateGroup> {
    let n = insights.len();
    let mut doc_ids: HashMap<&str, usize> = HashMap::new();
    let docs = insights
        .iter()
        .map(|x| {
            let next = doc_ids.len();
            vec![*doc_ids.entry(x.doc.as_str()).or_insert(next)]
        })
        .collect();
    let mut comp = Components {
        parent: (0..n).collect(),
        kind: vec![DuplicateKind::Verbatim; n],
        score: vec![1.0; n],
        docs,
    };
    let norm: Vec<String> = insights.par_iter().map(|x| normalize_text(&x.text)).collect();
    let mut first: HashMap<&str, usize> = HashMap::new();
    let mut canon = vec![0; n];
    for (i, t) in norm.iter().enumerate() {
        match first.get(t.as_str()) {
            Some(&f) => {
                canon[i] = f;
                comp.link(f, i, DuplicateKind::Verbatim, 1.0);
            }
            None => {
                canon[i] = i;
                first.insert(t.as_str(), i);
            }
        }
    }
    let context = Context::new(insights, neighbours, &canon, opts.neighbours_min_score);
    let mut candidates: Vec<(usize, usize, f32)> = neighbours
        .iter()
        .enumerate()
        .take(n)
        .flat_map(|(i, hits)| hits.iter().map(move |h| (i, h.index, h.score)))
        .filter(|&(i, j, s)| j < n && i != j && !s.is_nan() && insights[i].doc != insights[j].doc)
        .filter(|&(i, j, _)| canon[i] != canon[j])
        .map(|(i, j, s)| (i.min(j), i.max(j), s))
        .collect();
    // One candidate per pair, keeping its highest score.
    candidates.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)).then(b.2.total_cmp(&a.2)));
    candidates.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
    let links: Vec<Option<(usize, usize, DuplicateKind, f32)>> = candidates
        .par_iter()
        .map(|&(i, j, s)| {
            let floor = opts.near_verbatim_min_overlap;
            if edit_similarity(&words(&insights[i].text), &words(&insights[j].text), floor) >= floor {
                Some((i, j, DuplicateKind::NearVerbatim, s))
            } else if is_paraphrase(&context, i, j, s, opts) {
                Some((i, j, DuplicateKind::Paraphrase, s))
            } else {
                None
            }
        })
        .collect();
    // Strongest links first (Kruskal): a component's kind and score are those of the weakest link it needs.
    let mut links: Vec<_> = links.into_iter().flatten().collect();
    links.sort_by(|a, b| {
        a.2.cmp(&b.2)
            .then(b.3.total_cmp(&a.3))
            .then((a.0, a.1).cmp(&(b.0, b.1)))
    });
    for (i, j, kind, s) in links {
        comp.link(i, j, kind, s);
    }
    let mut groups: HashMap<usize, Vec<usize>> = HashMap::new();
    for i in 0..n {
        let r = comp.find(i);
        groups.entry(r).or_default().push(i);
    }
    let mut out: Vec<DuplicateGroup> = groups
        .into_iter()
        .filter(|(_, m)| m.iter().any(|&i| insights[i].doc != insights[m[0]].doc))
        .map(|(r, members)| DuplicateGroup {
            kind: comp.kind[r],
            members,
            score: comp.score[r],
        })
        .collect();
    out.sort_by(|a, b| {
        b.members
            .len()
            .cmp(&a.members.len())
            .then(a.members[0].cmp(&b.members[0]))
    });
    out
}

#[cfg(test)]
mod tests;
