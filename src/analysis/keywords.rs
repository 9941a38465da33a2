//! Cluster keywords by class-based TF-IDF (c-TF-IDF, as in BERTopic): the words frequent in one cluster and rare in
//! the others.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::analysis::stopwords::is_stop_word;

/// The lowercase word tokens of `text` that can be keywords: maximal runs of letters and digits (so "open-source"
/// gives "open" and "source", "don't" gives "don" and "t"), without English stop words, pure numbers or
/// one-character tokens.
pub fn keyword_tokens(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().nth(1).is_some() && !w.chars().all(|c| c.is_numeric()))
        .map(str::to_lowercase)
        .filter(|w| !is_stop_word(w))
}

/// The `top_n` keywords of each of `k` clusters, best first, by class-based TF-IDF.
///
/// Each cluster is treated as one document, the concatenation of its members' texts (`texts[i]` belongs to cluster
/// `assignments[i]`; `None` and out-of-range clusters are ignored). A term `t` of cluster `c` scores
/// `tf(t, c) / |c| · ln(1 + A / f(t))`, where `tf(t, c)` counts `t` in `c`, `|c|` is the number of tokens of `c`, `A`
/// is the average number of tokens per (non-empty) cluster and `f(t)` counts `t` across all clusters: BERTopic's c-TF-IDF.
/// Tokens are those of [`keyword_tokens`]. Ties are broken alphabetically, so the output is deterministic. A cluster
/// with no tokens gets no keywords. Extra `texts` or `assignments` beyond the shorter of the two are ignored.
pub fn cluster_keywords(texts: &[&str], assignments: &[Option<usize>], k: usize, top_n: usize) -> Vec<Vec<String>> {
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); k];
    for (i, a) in assignments.iter().enumerate().take(texts.len()) {
        if let Some(c) = *a {
            if c < k {
                members[c].push(i);
            }
        }
    }
    let counts: Vec<HashMap<String, u64>> = members
        .par_iter()
        .map(|m| {
            let mut tf: HashMap<String, u64> = HashMap::new();
            for &i in m {
                for w in keyword_tokens(texts[i]) {
                    *tf.entry(w).or_insert(0) += 1;
                }
            }
            tf
        })
        .collect();
    let mut total: HashMap<&str, u64> = HashMap::new();
    for tf in &counts {
        for (w, &n) in tf {
            *total.entry(w.as_str()).or_insert(0) += n;
        }
    }
    let all: u64 = total.values().sum();
    let classes = counts.iter().filter(|tf| !tf.is_empty()).count();
    let avg = all as f64 / classes.max(1) as f64;
    counts
        .par_iter()
        .map(|tf| {
            let size: u64 = tf.values().sum();
            let mut scored: Vec<(f64, &str)> = tf
                .iter()
                .map(|(w, &n)| {
                    let f = total.get(w.as_str()).copied().unwrap_or(n).max(1) as f64;
                    (n as f64 / size.max(1) as f64 * (1.0 + avg / f).ln(), w.as_str())
                })
                .collect();
            scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
            scored.into_iter().take(top_n).map(|(_, w)| w.to_string()).collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_drop_stop_words_numbers_and_single_characters() {
        let t: Vec<String> = keyword_tokens("The 2 GPUs in 2024: open-source AI, x86 and C, isn't it?").collect();
        assert_eq!(t, ["gpus", "open", "source", "ai", "x86"]);
    }

    #[test]
    fn distinctive_words_win() {
        let texts = [
            "Cats purr and cats nap in the sun.",
            "A cat chases mice; cats purr loudly.",
            "Rust compiles fast code with cargo.",
            "The rust compiler and cargo build crates.",
            "Unclustered text about cats and rust.",
        ];
        let assign = [Some(0), Some(0), Some(1), Some(1), None];
        let kw = cluster_keywords(&texts, &assign, 2, 2);
        assert_eq!(kw, vec![vec!["cats", "purr"], vec!["cargo", "rust"]]);
    }

    #[test]
    fn shared_words_rank_below_distinctive_ones() {
        // "data" is in both clusters as often as the distinctive word, so it must come second.
        let texts = ["data graphs data graphs", "data tables data tables"];
        let kw = cluster_keywords(&texts, &[Some(0), Some(1)], 2, 3);
        assert_eq!(kw, vec![vec!["graphs", "data"], vec!["tables", "data"]]);
    }

    #[test]
    fn ties_are_alphabetical_and_edge_cases_are_empty() {
        let kw = cluster_keywords(&["zeta alpha mu"], &[Some(0)], 3, 5);
        assert_eq!(kw, vec![vec!["alpha", "mu", "zeta"], vec![], vec![]]);
        assert!(cluster_keywords(&[], &[], 0, 5).is_empty());
        assert_eq!(
            cluster_keywords(&["the of and 42"], &[Some(0)], 1, 5),
            vec![Vec::<String>::new()]
        );
        assert_eq!(
            cluster_keywords(&["alpha beta"], &[Some(7)], 1, 5),
            vec![Vec::<String>::new()]
        );
    }
}
