//! The vector cache: an index of distinct texts (by content hash) seen before with one model, so analyses run on
//! PATHS re-embed only what is new. The caller chooses where it lives.

use std::collections::HashSet;

use super::Index;

/// Merges `index` into the `old` cache: one entry per distinct text, this index's texts first, then the old cache's
/// other texts, at most `cap` entries in all.
pub fn merged(index: &Index, old: Option<&Index>, cap: usize) -> Index {
    let mut cache = Index {
        meta: index.meta.clone(),
        insights: Vec::new(),
        hashes: Vec::new(),
        vectors: crate::vectors::Embeddings::empty(index.meta.dim),
    };
    let mut seen: HashSet<&str> = HashSet::new();
    let sources =
        std::iter::once(index).chain(old.filter(|o| index.meta.same_vectors(&o.meta.weights_sha256, o.meta.precision)));
    for source in sources {
        for (i, h) in source.hashes.iter().enumerate() {
            if cache.len() >= cap {
                return cache;
            }
            if seen.insert(h.as_str()) {
                cache.insights.push(source.insights[i].clone());
                cache.hashes.push(h.clone());
                cache.vectors.push(source.vectors.row(i));
            }
        }
    }
    cache
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::{text_hash, IndexMeta};
    use crate::insight::Insight;
    use crate::vectors::Embeddings;

    fn index(texts: &[&str]) -> Index {
        let insights: Vec<Insight> = texts.iter().map(|t| Insight::new("d", 1, 1, *t)).collect();
        Index {
            meta: IndexMeta {
                model_id: "m".into(),
                weights_sha256: "w".into(),
                dim: 1,
                precision: crate::embed::Precision::F32,
                split: "s".into(),
            },
            hashes: texts.iter().map(|t| text_hash(t)).collect(),
            vectors: Embeddings::from_flat(1, vec![1.0; texts.len()]),
            insights,
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
