//! The rows' layout and its reading back, without a server.

use serde_json::{json, Value};

use super::assemble::{assemble, ReadRow};
use super::rows::{doc_key, documents_of, DOCUMENT, SENTENCE};
use crate::embed::{Precision, VectorKind};
use crate::index::{Index, IndexMeta};
use crate::insight::dates::DocumentDate;
use crate::insight::dates::{DateSource, Day};
use crate::insight::SplitOptions;
use crate::insight::{Insight, TextPosition};
use crate::vectors::Embeddings;

/// An index of three documents, one with a two-sentence insight, one dated, with unit-ish vectors.
fn index() -> Index {
    let insights = vec![
        Insight::new("a.md", 1, 1, "Alpha is first. Beta is second."),
        Insight::new("a.md", 3, 3, "Gamma stands alone"),
        Insight::new("b.md", 1, 2, "Delta and epsilon"),
        Insight {
            source_id: Some("r1".into()),
            file: Some("c.jsonl".into()),
            ..Insight::new("c", 1, 1, "Zeta from a record")
        },
    ];
    let meta = IndexMeta {
        kind: VectorKind {
            model_id: "m".into(),
            weights_sha256: "w".into(),
            dim: 3,
            precision: Precision::F32,
        },
        split: SplitOptions::default().canonical(),
    };
    let mut n = 0.0f32;
    let (mut index, _) = Index::build(meta, insights, &[], |texts| -> Result<Embeddings, ()> {
        let mut out = Embeddings::empty(3);
        for _ in texts {
            n += 1.0;
            out.push(&[n / 10.0, 0.5, 1.0 / n]);
        }
        Ok(out)
    })
    .unwrap();
    index.dates.insert(
        "b.md".into(),
        DocumentDate {
            date: Day::from_ymd(2026, 5, 1).unwrap(),
            source: DateSource::FrontMatter,
        },
    );
    if let Some(s) = &mut index.sentences {
        s.layout.places[0] = Some(TextPosition {
            line_start: 1,
            column_start: 1,
            line_end: 1,
            column_end: 15,
        });
    }
    index
}

/// The rows of `index` as the server gives them back: each with an id, markers last.
fn stored_rows(index: &Index) -> Vec<Value> {
    let mut rows = Vec::new();
    for d in documents_of(index) {
        let value = |r: &super::rows::Row| serde_json::to_value(r).unwrap();
        rows.extend(d.rows.iter().map(value));
        rows.push(value(&d.marker));
    }
    for (id, row) in rows.iter_mut().enumerate() {
        row["id"] = json!((1000 + id).to_string());
    }
    rows
}

#[test]
fn an_index_laid_out_as_rows_comes_back_whole_in_any_row_order() {
    let index = index();
    let docs = documents_of(&index);
    assert_eq!(
        docs.iter().map(|d| d.doc.as_str()).collect::<Vec<_>>(),
        ["a.md", "b.md", "c"]
    );
    assert_eq!(docs[0].rows.len(), 2 + 2, "two insights, the first one's two sentences");
    let mut rows = stored_rows(&index);
    rows.reverse();
    let back = assemble(index.meta.clone(), read(rows), true).unwrap();
    assert_eq!(back.index, index);
    assert_eq!(back.stored.len(), 3);
    assert!(back.stored.values().all(|d| d.complete));
    assert_eq!(back.stored[&doc_key("a.md")].ids.len(), 5);
    // The fingerprint changes with the content and the date, not with the vectors.
    let mut other = index.clone();
    other.vectors = Embeddings::from_flat(3, vec![0.0; 12]);
    assert_eq!(documents_of(&other)[1].fingerprint, docs[1].fingerprint);
    other.dates.clear();
    assert_ne!(documents_of(&other)[1].fingerprint, docs[1].fingerprint);
    other.insights[0].line_end = 2;
    assert_ne!(documents_of(&other)[0].fingerprint, docs[0].fingerprint);
}

#[test]
fn a_document_without_its_marker_or_a_row_or_with_two_markers_is_incomplete_and_left_out() {
    let index = index();
    let rows = stored_rows(&index);
    let key_a = doc_key("a.md");
    let is_marker_of = |r: &Value, key: &str| r["kind"] == DOCUMENT && r["doc_key"] == key;
    // a.md's marker lost: its rows are there but it is not part of the index.
    let cut: Vec<Value> = rows.iter().filter(|r| !is_marker_of(r, &key_a)).cloned().collect();
    let back = assemble(index.meta.clone(), read(cut), true).unwrap();
    assert!(!back.stored[&key_a].complete);
    assert_eq!(back.stored[&key_a].ids.len(), 4);
    assert_eq!(
        back.index.insights.iter().map(|i| i.doc.as_str()).collect::<Vec<_>>(),
        ["b.md", "c"]
    );
    // One of its sentence rows lost.
    let lost: Vec<Value> = rows
        .iter()
        .filter(|r| !(r["kind"] == SENTENCE && r["row"] == 1))
        .cloned()
        .collect();
    assert!(!assemble(index.meta.clone(), read(lost), true).unwrap().stored[&key_a].complete);
    // Its marker twice.
    let mut twice = rows.clone();
    let mut again = rows.iter().find(|r| is_marker_of(r, &key_a)).unwrap().clone();
    again["id"] = json!("5000");
    twice.push(again);
    assert!(!assemble(index.meta.clone(), read(twice), true).unwrap().stored[&key_a].complete);
    // A row that is not the store's is an error naming it.
    let mut foreign = rows;
    foreign.push(json!({"id": "77", "doc_key": "x", "kind": "other"}));
    assert!(assemble(index.meta.clone(), read(foreign), true)
        .unwrap_err()
        .contains("row 77"));
}

#[test]
fn a_row_is_written_with_the_shortest_decimal_of_each_f32() {
    let row = super::rows::Row::new(json!({"kind": "insight", "seq": 3}), &[0.1, -0.25, 1.0 / 3.0]);
    let text = serde_json::to_string(&row).unwrap();
    assert_eq!(text, r#"{"vector":[0.1,-0.25,0.33333334],"kind":"insight","seq":3}"#);
    // Read back as the server's answers are, each value is the same f32.
    let back = read(vec![serde_json::from_str(&text).unwrap()]);
    assert_eq!(back[0].vector_of(3), Some(&[0.1, -0.25, 1.0 / 3.0][..]));
    assert_eq!((back[0].vector_of(4), back[0].fields.get("vector")), (None, None));
}

/// Rows as a query answers them, read as the store reads them.
fn read(rows: Vec<Value>) -> Vec<ReadRow> {
    rows.into_iter().map(|r| ReadRow::of(r).unwrap()).collect()
}
