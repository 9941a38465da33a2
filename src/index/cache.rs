//! The vector cache: an index of distinct texts (by content hash) seen before with one model, so analyses run on
//! PATHS re-embed only what is new. The caller chooses where it lives.

use std::collections::HashSet;

use super::{Index, TextHash};
use crate::insight::Insight;

/// Merges `index` into the `old` cache: one entry per distinct text, this index's texts first (its insights, then
/// its insights' sentences), then the old cache's other texts, at most `cap` entries in all. An entry is an insight
/// record holding the text, so a sentence's entry is a record of its own.
pub fn merged(index: &Index, old: Option<&Index>, cap: usize) -> Index {
    let mut cache = Index {
        meta: index.meta.clone(),
        insights: Vec::new(),
        hashes: Vec::new(),
        vectors: crate::vectors::Embeddings::empty(index.meta.kind.dim),
        sentences: None,
        dates: Default::default(),
    };
    let mut seen: HashSet<TextHash> = HashSet::new();
    let mut add = |cache: &mut Index, hash: &TextHash, record: &dyn Fn() -> Insight, row: &[f32]| {
        if cache.len() < cap && seen.insert(*hash) {
            cache.insights.push(record());
            cache.hashes.push(*hash);
            cache.vectors.push(row);
        }
    };
    for (i, h) in index.hashes.iter().enumerate() {
        add(&mut cache, h, &|| index.insights[i].clone(), index.vectors.row(i));
    }
    if let Some(sentences) = &index.sentences {
        let hashes = sentences.hashes(&index.insights);
        for (row, hash) in hashes.iter().enumerate() {
            let record = || Insight {
                text: sentences.layout.text(&index.insights, row).to_string(),
                ..index.insights[sentences.layout.owner_of(row)].clone()
            };
            add(&mut cache, hash, &record, sentences.vectors.row(row));
        }
    }
    if let Some(old) = old.filter(|o| index.meta.kind.same_vectors(&o.meta.kind)) {
        for (i, h) in old.hashes.iter().enumerate() {
            add(&mut cache, h, &|| old.insights[i].clone(), old.vectors.row(i));
        }
    }
    cache
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::IndexMeta;
    use crate::vectors::Embeddings;

    fn index(texts: &[&str]) -> Index {
        let insights: Vec<Insight> = texts.iter().map(|t| Insight::new("d", 1, 1, *t)).collect();
        Index {
            meta: IndexMeta {
                kind: crate::embed::VectorKind {
                    model_id: "m".into(),
                    weights_sha256: "w".into(),
                    dim: 1,
                    precision: crate::embed::Precision::F32,
                },
                split: crate::insight::SplitOptions::default(),
            },
            hashes: texts.iter().map(|t| TextHash::of(t)).collect(),
            vectors: Embeddings::from_flat(1, vec![1.0; texts.len()]),
            insights,
            sentences: None,
            dates: Default::default(),
        }
    }

    #[test]
    fn keeps_distinct_texts_new_first_up_to_the_cap() {
        let old = index(&["a", "b", "c"]);
        let new = index(&["d", "a", "d"]);
        let cache = merged(&new, Some(&old), 10);
        let texts: Vec<&str> = cache.insights.iter().map(|i| i.text.as_str()).collect();
        assert_eq!(texts, vec!["d", "a", "b", "c"]);
        assert_eq!(merged(&new, Some(&old), 3).len(), 3);
        assert_eq!(merged(&index(&["x"; 5]), None, 2).len(), 1);
    }
}
