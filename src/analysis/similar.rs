//! Queries: the insights closest to a new statement, and whether it has been said before.
//!
//! A statement is compared with each insight twice: with the whole insight (paragraph cosine) and with each of its
//! sentences (the best sentence cosine), and the better of the two is the insight's **match score**. A one-sentence
//! claim restated from one sentence of a paragraph scores far higher against that sentence than against the
//! paragraph, whose other sentences dilute the comparison.
//!
//! The verdict does not rest on the match score alone: on a corpus about one subject, a statement the corpus never
//! makes can still match some insight at 0.6-0.7, as high as a heavily reworded restatement. What tells them apart
//! is how far the match stands out from the backgrounds of both sides, as in bitext mining's margin scoring (Artetxe
//! and Schwenk, 2019): a restatement has one insight that makes its point and then a drop, a new statement on the
//! subject has several insights at about the same distance, and a match inside a crowd of near-alike insights (sibling
//! package descriptions, one argument made many ways) means less than one that stands alone. The statement's
//! background is the mean match score of its next [`BACKGROUND`] distinct matches after the best; the match's
//! background is the same for the best-matching unit (the insight, or its matching sentence) against the rest of the
//! corpus. The **claim score** is `m + (m - (statement background + match background) / 2)`. See
//! docs/verdicts.md for the measurements behind the thresholds.

use std::collections::HashMap;

use crate::index::{top_k, Hit, Index, Nearest, TextHash};
use crate::linalg::dot;

/// The claim score at or above which a statement counts as said before by its best match (whose match score must
/// also reach [`RELATED_MIN_SCORE`]).
pub const SAID_BEFORE_MIN_SCORE: f32 = 0.77;

/// The match score at or above which the best match is on the same subject (`related`) when not said before.
pub const RELATED_MIN_SCORE: f32 = 0.4;

/// Distinct matches after the best whose mean match score is a background (of the statement, and of its match).
pub const BACKGROUND: usize = 4;

/// Insights (by paragraph cosine) and sentences (by sentence cosine) looked at per statement.
const CANDIDATES: usize = 64;

/// How one statement matches one insight.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Match {
    /// The insight and its match score: the better of the paragraph and best-sentence cosines.
    pub hit: Hit,
    /// Cosine with the whole insight.
    pub paragraph: f32,
    /// The insight's best-matching sentence (a row of the index's sentence table) and its cosine; `None` for a
    /// one-sentence insight, or an index without sentence vectors.
    pub sentence: Option<(usize, f32)>,
}

impl Match {
    /// The sentence row that made the match: the best sentence, when its cosine is at least the whole insight's.
    pub fn matching_sentence(&self) -> Option<usize> {
        self.sentence
            .filter(|&(_, score)| score >= self.paragraph)
            .map(|(row, _)| row)
    }
}

/// Whether a statement has been made before.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Verdict {
    /// The same claim was made before, by this insight (the best match).
    SaidBefore(Match),
    /// Not the same claim, but the same subject: the best match scores at least [`VerdictOptions::related`].
    Related(Match),
    /// Nothing in the index is close; the closest insight, if any.
    New(Option<Match>),
}

impl Verdict {
    /// The verdict's name as the JSON and text outputs write it.
    pub fn name(&self) -> &'static str {
        match self {
            Verdict::SaidBefore(_) => "said-before",
            Verdict::Related(_) => "related",
            Verdict::New(_) => "new",
        }
    }

    /// The best match, if the index holds any insight.
    pub fn best(&self) -> Option<&Match> {
        match self {
            Verdict::SaidBefore(m) | Verdict::Related(m) => Some(m),
            Verdict::New(m) => m.as_ref(),
        }
    }
}

/// One distinct text among the closest insights, with the other insights that carry the same text.
#[derive(Debug, Clone, PartialEq)]
pub struct SimilarHit {
    /// The first insight (corpus order) with this text, and how it matches.
    pub found: Match,
    /// Other insights with exactly the same text (copies in other places), in corpus order.
    pub copies: Vec<usize>,
}

/// The answer to a query.
#[derive(Debug, Clone, PartialEq)]
pub struct Similar {
    /// The closest distinct texts with match score ≥ the minimum asked for, best first.
    pub hits: Vec<SimilarHit>,
    /// Said before, related or new.
    pub verdict: Verdict,
    /// The claim score of the best match (0 when the index is empty).
    pub claim_score: f32,
    /// The backgrounds the claim score measures the best match against.
    pub background: Background,
}

/// The two backgrounds of a claim score: each the mean match score of [`BACKGROUND`] distinct insights (fewer when
/// the index holds fewer; 0 when none).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Background {
    /// The statement's: its distinct matches after the best.
    pub statement: f32,
    /// The best match's: the matching unit's (the insight's vector, or its matching sentence's) closest distinct
    /// insights other than its own text.
    pub matched: f32,
}

impl Background {
    /// The mean of the two.
    pub fn mean(&self) -> f32 {
        (self.statement + self.matched) / 2.0
    }
}

/// The thresholds of a verdict.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VerdictOptions {
    /// The claim score from which a statement is said before (default [`SAID_BEFORE_MIN_SCORE`]).
    pub said_before: f32,
    /// The match score from which it is related (default [`RELATED_MIN_SCORE`]).
    pub related: f32,
}

impl Default for VerdictOptions {
    fn default() -> Self {
        VerdictOptions {
            said_before: SAID_BEFORE_MIN_SCORE,
            related: RELATED_MIN_SCORE,
        }
    }
}

/// How `query` (a unit vector) matches insight `i`: its paragraph cosine and best sentence.
pub fn match_insight(index: &Index, query: &[f32], i: usize) -> Match {
    let paragraph = dot(query, index.vectors.row(i));
    let sentence = index.sentences.as_ref().and_then(|s| {
        s.layout
            .rows_of(i)
            .map(|row| (row, dot(query, s.vectors.row(row))))
            .reduce(|a, b| if b.1 > a.1 { b } else { a })
    });
    let score = sentence.map_or(paragraph, |(_, c)| c.max(paragraph));
    Match {
        hit: Hit { index: i, score },
        paragraph,
        sentence,
    }
}

/// How `vector` (a unit vector) matches its candidate insights, best first (equal scores in corpus order, so a text's
/// first occurrence leads its copies). Candidates are the `wanted` (at least [`CANDIDATES`]) closest insights found by
/// `nearest` and the owners of the [`CANDIDATES`] closest sentences (an exact scan of the sentence vectors).
fn ranked_matches(index: &Index, nearest: &Nearest, vector: &[f32], wanted: usize) -> Vec<Match> {
    let mut candidates: Vec<usize> = nearest
        .top_k(vector, CANDIDATES.max(wanted), &|_| true)
        .iter()
        .map(|h| h.index)
        .collect();
    if let Some(s) = &index.sentences {
        let rows = top_k(&s.vectors, vector, CANDIDATES, &|_| true);
        candidates.extend(rows.iter().map(|h| s.layout.owner_of(h.index)));
    }
    candidates.sort_unstable();
    candidates.dedup();
    let mut matches: Vec<Match> = candidates.iter().map(|&i| match_insight(index, vector, i)).collect();
    matches.sort_by(|a, b| b.hit.score.total_cmp(&a.hit.score).then(a.hit.index.cmp(&b.hit.index)));
    matches
}

/// The mean match score of the first [`BACKGROUND`] matches whose text is not `except`'s, each text once (0 when
/// there is none).
fn background_of<'a>(index: &Index, matches: impl IntoIterator<Item = &'a Match>, except: usize) -> f32 {
    let mut seen = vec![index.hashes[except]];
    let mut scores = Vec::with_capacity(BACKGROUND);
    for m in matches {
        let hash = index.hashes[m.hit.index];
        if scores.len() == BACKGROUND {
            break;
        }
        if !seen.contains(&hash) {
            seen.push(hash);
            scores.push(m.hit.score);
        }
    }
    if scores.is_empty() {
        0.0
    } else {
        scores.iter().sum::<f32>() / scores.len() as f32
    }
}

/// The `k` distinct texts that best match `query` (a unit vector) with match score ≥ `min_score`, copies of a text
/// folded into its first occurrence, and the verdict (see the module's documentation for the claim score).
pub fn similar(
    index: &Index,
    nearest: &Nearest,
    query: &[f32],
    k: usize,
    min_score: f32,
    opts: &VerdictOptions,
) -> Similar {
    let matches = ranked_matches(index, nearest, query, k.saturating_mul(4));
    let mut hits: Vec<SimilarHit> = Vec::new();
    let mut distinct: Vec<Match> = Vec::new();
    let mut slot_of: HashMap<TextHash, Option<usize>> = HashMap::new();
    for m in &matches {
        match slot_of.get(&index.hashes[m.hit.index]) {
            Some(Some(at)) => hits[*at].copies.push(m.hit.index),
            Some(None) => {}
            None => {
                distinct.push(*m);
                let shown = m.hit.score >= min_score && hits.len() < k;
                slot_of.insert(index.hashes[m.hit.index], shown.then_some(hits.len()));
                if shown {
                    hits.push(SimilarHit {
                        found: *m,
                        copies: Vec::new(),
                    });
                }
            }
        }
    }
    for s in &mut hits {
        s.copies.sort_unstable();
    }
    let Some(best) = distinct.first().copied() else {
        return Similar {
            hits,
            verdict: Verdict::New(None),
            claim_score: 0.0,
            background: Background::default(),
        };
    };
    // The unit that matched: the best sentence when it beat the whole insight.
    let unit = match (best.matching_sentence(), &index.sentences) {
        (Some(row), Some(s)) => s.vectors.row(row),
        _ => index.vectors.row(best.hit.index),
    };
    let background = Background {
        statement: background_of(index, &distinct, best.hit.index),
        matched: background_of(index, &ranked_matches(index, nearest, unit, 0), best.hit.index),
    };
    let claim_score = 2.0 * best.hit.score - background.mean();
    // A statement is said before only by an insight on its subject: the margin alone could lift a weak best match
    // above the claim threshold in a corpus where everything else is far.
    let verdict = if claim_score >= opts.said_before && best.hit.score >= opts.related {
        Verdict::SaidBefore(best)
    } else if best.hit.score >= opts.related {
        Verdict::Related(best)
    } else {
        Verdict::New(Some(best))
    };
    Similar {
        hits,
        verdict,
        claim_score,
        background,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embed::Precision;
    use crate::index::IndexMeta;
    use crate::insight::Insight;
    use crate::vectors::Embeddings;

    /// An index of one insight a text of `insights`, each in its own document, whose texts and sentences get the
    /// vectors `table` gives them (normalised).
    fn index_of(table: &[(&str, [f32; 5])], insights: &[&str]) -> Index {
        let insights = insights
            .iter()
            .enumerate()
            .map(|(n, t)| Insight::new(format!("d{n}"), 1, 1, *t))
            .collect();
        let meta = IndexMeta {
            kind: crate::embed::VectorKind {
                model_id: "m".into(),
                weights_sha256: "w".into(),
                dim: 5,
                precision: Precision::F32,
            },
            split: crate::insight::SplitOptions::default(),
        };
        let embed = |texts: &[&str]| -> Result<Embeddings, ()> {
            let mut e = Embeddings::empty(5);
            for t in texts {
                e.push(&table.iter().find(|(x, _)| x == t).unwrap().1);
            }
            e.normalize();
            Ok(e)
        };
        Index::build(meta, insights, &[], embed).unwrap().0
    }

    /// Three insights: a two-sentence paragraph whose sentences lie on axes 0 and 1, and two one-sentence insights on
    /// axes 2 and 3.
    fn index() -> Index {
        let table: Vec<(&str, [f32; 5])> = vec![
            ("Alpha point one. Beta point two.", [1.0, 1.0, 0.0, 0.0, 0.0]),
            ("Alpha point one.", [1.0, 0.0, 0.0, 0.0, 0.0]),
            ("Beta point two.", [0.0, 1.0, 0.0, 0.0, 0.0]),
            ("Gamma only here.", [0.0, 0.0, 1.0, 0.0, 0.0]),
            ("Delta only here.", [0.0, 0.0, 0.0, 1.0, 0.0]),
        ];
        index_of(&table, &[table[0].0, table[3].0, table[4].0])
    }

    fn ask(index: &Index, query: [f32; 5]) -> Similar {
        let norm = query.iter().map(|x| x * x).sum::<f32>().sqrt();
        let q: Vec<f32> = query.iter().map(|x| x / norm).collect();
        let nearest = Nearest::Exact(&index.vectors);
        similar(index, &nearest, &q, 5, -1.0, &VerdictOptions::default())
    }

    #[test]
    fn a_claim_matching_one_sentence_is_said_before_with_that_sentence() {
        let index = index();
        assert_eq!(index.sentences.as_ref().unwrap().len(), 2);
        let r = ask(&index, [0.0, 1.0, 0.0, 0.0, 0.0]);
        let Verdict::SaidBefore(m) = r.verdict else {
            panic!("{r:?}")
        };
        assert_eq!((m.hit.index, m.sentence.map(|s| s.0)), (0, Some(1)));
        assert!((m.hit.score - 1.0).abs() < 1e-6 && (m.paragraph - std::f32::consts::FRAC_1_SQRT_2).abs() < 1e-3);
        // Both backgrounds are the other two insights, at cosine 0 to the statement and to the matching sentence.
        assert_eq!(r.background, Background::default());
        assert!((r.claim_score - 2.0).abs() < 1e-5, "{r:?}");
        assert_eq!(r.hits.len(), 3);
    }

    #[test]
    fn a_statement_amid_a_crowd_of_alike_insights_is_related_and_a_far_one_new() {
        // Three insights at cosine 0.5 to each other; the statement at 0.6 to each.
        let table: Vec<(&str, [f32; 5])> = vec![
            ("One claim here.", [1.0, 0.0, 0.0, 1.0, 0.0]),
            ("Two claim here.", [0.0, 1.0, 0.0, 1.0, 0.0]),
            ("Three claim here.", [0.0, 0.0, 1.0, 1.0, 0.0]),
        ];
        let index = index_of(&table, &[table[0].0, table[1].0, table[2].0]);
        let r = ask(&index, [1.0, 1.0, 1.0, 0.539, 0.0]);
        let Verdict::Related(m) = r.verdict else {
            panic!("{r:?}")
        };
        assert_eq!(m.hit.index, 0, "equal scores: corpus order");
        assert!((m.hit.score - 0.6).abs() < 1e-3, "{r:?}");
        assert!((r.background.statement - 0.6).abs() < 1e-3 && (r.background.matched - 0.5).abs() < 1e-3);
        assert!((r.claim_score - (1.2 - 0.55)).abs() < 1e-3, "{r:?}");
        // The same statement against the same three insights, were they unrelated to each other, stands out.
        let lone: Vec<(&str, [f32; 5])> = vec![
            ("One claim here.", [1.0, 0.0, 0.0, 0.0, 0.0]),
            ("Two claim here.", [0.0, 1.0, 0.0, 0.0, 0.0]),
            ("Three claim here.", [0.0, 0.0, 1.0, 0.0, 0.0]),
        ];
        let lone = index_of(&lone, &[table[0].0, table[1].0, table[2].0]);
        let r = ask(&lone, [1.0, 0.3, 0.3, 0.0, 0.0]);
        assert_eq!(r.verdict.name(), "said-before", "{r:?}");
        let r = ask(&index, [0.0, 0.0, 0.0, 0.0, 1.0]);
        assert!(matches!(r.verdict, Verdict::New(Some(_))), "{r:?}");
        assert_eq!(r.verdict.name(), "new");
    }
}
