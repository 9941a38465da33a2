//! The index: building with reuse by content hash, provenance, model checks.

use super::*;

fn insight(doc: &str, text: &str) -> Insight {
    Insight::new(doc, 1, 1, text)
}

fn kind(model_id: &str, weights_sha256: &str, precision: Precision) -> VectorKind {
    VectorKind {
        model_id: model_id.into(),
        weights_sha256: weights_sha256.into(),
        dim: 2,
        precision,
    }
}

fn meta() -> IndexMeta {
    IndexMeta {
        kind: kind("m", "abc", Precision::F32),
        split: crate::insight::SplitOptions::default(),
    }
}

/// A fake "model" for index bookkeeping only: maps a text to a vector by its length, and counts calls.
fn by_length(calls: &mut Vec<usize>) -> impl FnOnce(&[&str]) -> Result<Embeddings, ()> + '_ {
    move |texts| {
        calls.push(texts.len());
        let mut e = Embeddings::empty(2);
        for t in texts {
            e.push(&[t.len() as f32, 1.0]);
        }
        e.normalize();
        Ok(e)
    }
}

#[test]
fn reindexing_embeds_only_new_texts_once() {
    let mut calls = Vec::new();
    let first = vec![insight("a", "one"), insight("b", "three"), insight("c", "one")];
    let (old, stats) = Index::build(meta(), first, &[], by_length(&mut calls)).unwrap();
    assert_eq!(
        stats,
        BuildStats {
            embedded: 2,
            reused: 0,
            sentences_embedded: 0
        }
    );
    assert_eq!(calls, vec![2], "the repeated text is embedded once");
    let second = vec![insight("a", "one"), insight("d", "fourteen")];
    let (new, stats) = Index::build(meta(), second, &old.as_sources(), by_length(&mut calls)).unwrap();
    assert_eq!(
        stats,
        BuildStats {
            embedded: 1,
            reused: 1,
            sentences_embedded: 0
        }
    );
    assert_eq!(calls, vec![2, 1]);
    assert_eq!(new.vectors.row(0), old.vectors.row(0));
    assert_eq!(new.documents(), vec!["a", "d"]);
}

#[test]
fn vectors_of_another_model_are_not_reused() {
    let mut calls = Vec::new();
    let (old, _) = Index::build(meta(), vec![insight("a", "one")], &[], by_length(&mut calls)).unwrap();
    let other = IndexMeta {
        kind: kind("other", "def", Precision::F32),
        ..meta()
    };
    let (_, stats) = Index::build(
        other,
        vec![insight("a", "one")],
        &old.as_sources(),
        by_length(&mut calls),
    )
    .unwrap();
    assert_eq!(stats.embedded, 1);
    let err = old
        .check_model(std::path::Path::new("x.idx"), &kind("other", "def", Precision::F32))
        .unwrap_err()
        .to_string();
    assert!(err.contains("x.idx: made with model m"), "{err}");
}

#[test]
fn vectors_of_another_precision_are_not_reused_nor_queried() {
    let mut calls = Vec::new();
    let (old, _) = Index::build(meta(), vec![insight("a", "one")], &[], by_length(&mut calls)).unwrap();
    let int8 = IndexMeta {
        kind: kind("m", "abc", Precision::Int8),
        ..meta()
    };
    let (new, stats) = Index::build(
        int8,
        vec![insight("a", "one")],
        &old.as_sources(),
        by_length(&mut calls),
    )
    .unwrap();
    assert_eq!(stats.embedded, 1, "f32 vectors are not reused at int8");
    assert!(new
        .check_model(std::path::Path::new("x.idx"), &kind("m", "abc", Precision::Int8))
        .is_ok());
    let err = new
        .check_model(std::path::Path::new("x.idx"), &kind("m", "abc", Precision::F32))
        .unwrap_err()
        .to_string();
    assert!(err.contains("made at int8 precision, not f32"), "{err}");
}
