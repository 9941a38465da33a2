//! Queries: the insights closest to a new statement, and whether it has been said before.
//!
//! A statement is compared with each insight twice: with the whole insight (paragraph cosine) and with each of its
//! sentences (the best sentence cosine), and the better of the two is the insight's **match score**. A one-sentence
//! claim restated from one sentence of a paragraph scores far higher against that sentence than against the
//! paragraph, whose other sentences dilute the comparison.
//!
//! The verdict does not rest on the match score alone: on a corpus about one subject, a statement the corpus never
//! makes can still match some insight at 0.6-0.67, as high as a heavily reworded restatement. What tells them apart
//! is how far the best match stands out from the statement's other close insights (its background): a restatement
//! has one insight that makes its point and then a drop, a new statement on the subject has several insights at about
//! the same distance. The **claim score** is the match score plus its margin over the mean of the statement's
//! [`BACKGROUND`] best distinct matches (the best included): `m1 + (m1 - mean(m1..m5))`. See the README's
//! "Verdicts" section for the measurements behind the thresholds.

use std::collections::HashMap;

use crate::index::{top_k, Hit, Index, Nearest};
use crate::vectors::dot;

/// The claim score at or above which a statement counts as said before by its best match (whose match score must
/// also reach [`RELATED_MIN_SCORE`]).
pub const SAID_BEFORE_MIN_SCORE: f32 = 0.775;

/// The match score at or above which the best match is on the same subject (`related`) when not said before.
pub const RELATED_MIN_SCORE: f32 = 0.4;

/// Distinct matches whose mean match score is a statement's background (the best one included).
pub const BACKGROUND: usize = 5;

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
    /// The mean match score of the best [`BACKGROUND`] distinct matches.
    pub background: f32,
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

/// The `k` distinct texts that best match `query` (a unit vector) with match score ≥ `min_score`, copies of a text
/// folded into its first occurrence, and the verdict. Candidates are the [`CANDIDATES`] closest insights found by
/// `nearest` and the owners of the closest sentences (an exact scan of the sentence vectors).
pub fn similar(
    index: &Index,
    nearest: &Nearest,
    query: &[f32],
    k: usize,
    min_score: f32,
    opts: &VerdictOptions,
) -> Similar {
    let mut candidates: Vec<usize> = nearest
        .top_k(query, CANDIDATES.max(k.saturating_mul(4)), &|_| true)
        .iter()
        .map(|h| h.index)
        .collect();
    if let Some(s) = &index.sentences {
        let rows = top_k(&s.vectors, query, CANDIDATES, &|_| true);
        candidates.extend(rows.iter().map(|h| s.layout.owner_of(h.index)));
    }
    candidates.sort_unstable();
    candidates.dedup();
    let mut matches: Vec<Match> = candidates.iter().map(|&i| match_insight(index, query, i)).collect();
    // Best first; equal scores in corpus order, so a text's first occurrence leads its copies.
    matches.sort_by(|a, b| b.hit.score.total_cmp(&a.hit.score).then(a.hit.index.cmp(&b.hit.index)));
    let mut hits: Vec<SimilarHit> = Vec::new();
    let mut distinct: Vec<Match> = Vec::new();
    let mut slot_of: HashMap<&str, Option<usize>> = HashMap::new();
    for m in &matches {
        match slot_of.get(index.hashes[m.hit.index].as_str()) {
            Some(Some(at)) => hits[*at].copies.push(m.hit.index),
            Some(None) => {}
            None => {
                distinct.push(*m);
                let shown = m.hit.score >= min_score && hits.len() < k;
                slot_of.insert(&index.hashes[m.hit.index], shown.then_some(hits.len()));
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
            background: 0.0,
        };
    };
    let top = &distinct[..distinct.len().min(BACKGROUND)];
    let background = top.iter().map(|m| m.hit.score).sum::<f32>() / top.len() as f32;
    let claim_score = 2.0 * best.hit.score - background;
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

    /// Three insights in five dimensions: a two-sentence paragraph whose sentences lie on axes 0 and 1, and two
    /// one-sentence insights on axes 2 and 3.
    fn index() -> Index {
        let h = std::f32::consts::FRAC_1_SQRT_2;
        let table: Vec<(&str, [f32; 5])> = vec![
            ("Alpha point one. Beta point two.", [h, h, 0.0, 0.0, 0.0]),
            ("Alpha point one.", [1.0, 0.0, 0.0, 0.0, 0.0]),
            ("Beta point two.", [0.0, 1.0, 0.0, 0.0, 0.0]),
            ("Gamma only here.", [0.0, 0.0, 1.0, 0.0, 0.0]),
            ("Delta only here.", [0.0, 0.0, 0.0, 1.0, 0.0]),
        ];
        let insights = vec![
            Insight::new("a", 1, 1, table[0].0),
            Insight::new("b", 1, 1, table[3].0),
            Insight::new("c", 1, 1, table[4].0),
        ];
        let meta = IndexMeta {
            model_id: "m".into(),
            weights_sha256: "w".into(),
            dim: 5,
            precision: Precision::F32,
            split: "paragraph".into(),
        };
        let embed = |texts: &[&str]| -> Result<Embeddings, ()> {
            let mut e = Embeddings::empty(5);
            for t in texts {
                e.push(&table.iter().find(|(x, _)| x == t).unwrap().1);
            }
            Ok(e)
        };
        Index::build(meta, insights, &[], embed).unwrap().0
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
        // Background: the mean of the three distinct matches (1, 0, 0); claim score 2·1 - 1/3.
        assert!((r.background - 1.0 / 3.0).abs() < 1e-5 && (r.claim_score - 5.0 / 3.0).abs() < 1e-5);
        assert_eq!(r.hits.len(), 3);
    }

    #[test]
    fn a_statement_close_to_several_insights_alike_is_related_and_a_far_one_new() {
        let index = index();
        // Matches 0.59 (the paragraph), 0.57 and 0.57: on the subject, standing out from nothing.
        let r = ask(&index, [0.4, 0.4, 0.55, 0.55, 0.0]);
        let Verdict::Related(m) = r.verdict else {
            panic!("{r:?}")
        };
        assert_eq!((m.hit.index, m.sentence.map(|s| s.0)), (0, Some(0)));
        assert!(
            r.claim_score < SAID_BEFORE_MIN_SCORE && m.hit.score >= RELATED_MIN_SCORE,
            "{r:?}"
        );
        let r = ask(&index, [0.0, 0.0, 0.0, 0.0, 1.0]);
        assert!(matches!(r.verdict, Verdict::New(Some(_))), "{r:?}");
        assert_eq!(r.verdict.name(), "new");
    }
}
