//! The store's rows: how an index is laid out in a Milvus collection, one document at a time, and put together
//! again from them.
//!
//! Every row has a `vector` and the dynamic fields `kind` and `doc_key` (the first 16 hex digits of the SHA-256 of
//! the document's name, which a filter can quote safely):
//! - `insight`: an insight's vector, with `doc`, `seq` (its place among the document's insights), `text_hash`,
//!   `text`, `line_start`, `line_end`, and `source_id` and `file` when it has them;
//! - `sentence`: a sentence's vector (insights of two or more sentences), with `seq` (its insight), `row` (its
//!   place in the insight), `text_hash`, `start` and `end` (its bytes in the insight's text) and `place` (its first
//!   and last line and column in the document) when known;
//! - `document`: the marker written after a document's other rows, with `doc`, `order` (its place in the corpus),
//!   `rows` (how many insight and sentence rows it has), `fingerprint` (the SHA-256 of those rows without their
//!   vectors, and of its date) and `date` when it has one. A document without its marker, or with fewer rows than
//!   it says, was cut off by an interrupted update and is not part of the index.
//! - `meta`: the collection's state (`state`: `complete` or `updating`, and `split`), the row with the highest id
//!   being the current one.

use std::collections::HashMap;

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use super::client::id_of;
use crate::index::{Index, IndexMeta, SentenceLayout, TextHash};
use crate::insight::dates::{DocumentDate, DocumentDates};
use crate::insight::{Insight, TextPosition};
use crate::vectors::Embeddings;

/// The kinds of row.
pub(super) const INSIGHT: &str = "insight";
pub(super) const SENTENCE: &str = "sentence";
pub(super) const DOCUMENT: &str = "document";
pub(super) const META: &str = "meta";

/// The key by which a document's rows are found: 16 hex digits of the SHA-256 of its name.
pub(super) fn doc_key(doc: &str) -> String {
    let digest = Sha256::digest(doc.as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// One document's rows as they are to be written: its insights' and sentences' rows, then its marker.
pub(super) struct DocumentRows {
    /// Its name.
    pub doc: String,
    /// [`doc_key`] of its name.
    pub key: String,
    /// Its place in the corpus.
    pub order: usize,
    /// The fingerprint its marker records.
    pub fingerprint: String,
    /// The insight and sentence rows.
    pub rows: Vec<Value>,
    /// How many of them are insight rows.
    pub insights: usize,
    /// The marker, written last.
    pub marker: Value,
}

/// The rows of each document of `index`, in corpus order.
pub(super) fn documents_of(index: &Index) -> Vec<DocumentRows> {
    let mut out: Vec<DocumentRows> = Vec::new();
    let mut slot: HashMap<&str, usize> = HashMap::new();
    for (i, insight) in index.insights.iter().enumerate() {
        let at = *slot.entry(insight.doc.as_str()).or_insert_with(|| {
            out.push(DocumentRows {
                doc: insight.doc.clone(),
                key: doc_key(&insight.doc),
                order: out.len(),
                fingerprint: String::new(),
                rows: Vec::new(),
                insights: 0,
                marker: Value::Null,
            });
            out.len() - 1
        });
        let seq = out[at].insights;
        out[at].insights += 1;
        let key = out[at].key.clone();
        out[at]
            .rows
            .push(insight_row(&key, seq, insight, &index.hashes[i], index.vectors.row(i)));
        if let Some(s) = &index.sentences {
            for (n, row) in s.layout.rows_of(i).enumerate() {
                let span = &s.layout.spans[row];
                let mut fields = json!({
                    "kind": SENTENCE, "doc_key": key, "seq": seq, "row": n,
                    "text_hash": TextHash::of(&insight.text[span.clone()]).to_string(),
                    "start": span.start, "end": span.end,
                });
                if let Some(p) = s.layout.places[row] {
                    fields["place"] = json!([p.line_start, p.column_start, p.line_end, p.column_end]);
                }
                out[at].rows.push(with_vector(fields, s.vectors.row(row)));
            }
        }
    }
    let dim = index.meta.kind.dim;
    for d in &mut out {
        let doc = &d.doc;
        let date = index.dates.get(doc.as_str());
        d.fingerprint = fingerprint(&d.rows, date);
        let mut marker = json!({
            "kind": DOCUMENT, "doc_key": d.key, "doc": doc, "order": d.order, "rows": d.rows.len(),
            "fingerprint": d.fingerprint,
        });
        if let Some(date) = date {
            marker["date"] = serde_json::to_value(date).expect("a date serializes");
        }
        d.marker = with_vector(marker, &vec![0.0; dim]);
    }
    out
}

fn insight_row(key: &str, seq: usize, insight: &Insight, hash: &TextHash, vector: &[f32]) -> Value {
    let mut fields = json!({
        "kind": INSIGHT, "doc_key": key, "doc": insight.doc, "seq": seq, "text_hash": hash.to_string(),
        "text": insight.text, "line_start": insight.line_start, "line_end": insight.line_end,
    });
    if let Some(id) = &insight.source_id {
        fields["source_id"] = json!(id);
    }
    if let Some(file) = &insight.file {
        fields["file"] = json!(file);
    }
    with_vector(fields, vector)
}

fn with_vector(mut fields: Value, vector: &[f32]) -> Value {
    fields["vector"] = json!(vector);
    fields
}

/// The SHA-256 (hex) of `rows` without their vectors, and of `date`.
fn fingerprint(rows: &[Value], date: Option<&DocumentDate>) -> String {
    let mut hasher = Sha256::new();
    for row in rows {
        let mut fields = row.as_object().cloned().unwrap_or_default();
        fields.remove("vector");
        hasher.update(Value::Object(fields).to_string().as_bytes());
        hasher.update(b"\n");
    }
    if let Some(date) = date {
        hasher.update(serde_json::to_string(date).expect("a date serializes").as_bytes());
    }
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// What the store holds of one document.
#[derive(Debug, Clone)]
pub(super) struct StoredDocument {
    /// The ids of all its rows, the marker's included.
    pub ids: Vec<i64>,
    /// Its marker's id, order and fingerprint, when it has a marker.
    pub marker: Option<(i64, usize, String)>,
    /// True when its marker is there and all the rows it counts.
    pub complete: bool,
}

/// An index put together from a collection's rows, and what the collection holds of each document.
#[derive(Debug)]
pub(super) struct Assembled {
    /// The complete documents' insights, in corpus order, with their vectors and sentences.
    pub index: Index,
    /// Every document with a row, by [`doc_key`].
    pub stored: HashMap<String, StoredDocument>,
}

/// One document's rows as read back.
#[derive(Default)]
struct Gathered {
    ids: Vec<i64>,
    marker: Option<(i64, Map<String, Value>)>,
    markers: usize,
    insights: Vec<(usize, Map<String, Value>)>,
    sentences: Vec<(usize, usize, Map<String, Value>)>,
}

/// Puts the index of `meta` together from `rows` (every insight, sentence and document row of a collection, in any
/// order); a row that is not what the store writes is an error naming its id.
pub(super) fn assemble(meta: IndexMeta, rows: Vec<Value>) -> Result<Assembled, String> {
    let dim = meta.kind.dim;
    let mut docs: HashMap<String, Gathered> = HashMap::new();
    for row in rows {
        let Value::Object(fields) = row else {
            return Err(format!("a row that is not an object: {row}"));
        };
        let id = fields.get("id").and_then(id_of).ok_or("a row without an id")?;
        let bad = |what: &str| format!("row {id}: {what}");
        let key = str_field(&fields, "doc_key")
            .ok_or_else(|| bad("no doc_key"))?
            .to_string();
        let doc = docs.entry(key).or_default();
        doc.ids.push(id);
        match str_field(&fields, "kind") {
            Some(INSIGHT) => doc
                .insights
                .push((uint(&fields, "seq").ok_or_else(|| bad("no seq"))?, fields)),
            Some(SENTENCE) => {
                let seq = uint(&fields, "seq").ok_or_else(|| bad("no seq"))?;
                let n = uint(&fields, "row").ok_or_else(|| bad("no row"))?;
                doc.sentences.push((seq, n, fields));
            }
            Some(DOCUMENT) => {
                doc.markers += 1;
                doc.marker = Some((id, fields));
            }
            _ => return Err(bad("an unknown kind")),
        }
    }
    let mut stored = HashMap::new();
    let mut complete: Vec<(usize, Gathered)> = Vec::new();
    for (key, mut doc) in docs {
        let counted = doc.marker.as_ref().and_then(|(_, m)| uint(m, "rows"));
        // Two markers: an update cut off while moving one (the document is written again).
        let is_complete = doc.markers == 1 && counted == Some(doc.insights.len() + doc.sentences.len());
        let marker = doc.marker.as_ref().map(|(id, m)| {
            let order = uint(m, "order").unwrap_or(usize::MAX);
            (*id, order, str_field(m, "fingerprint").unwrap_or("").to_string())
        });
        let order = marker.as_ref().map_or(usize::MAX, |m| m.1);
        let ids = std::mem::take(&mut doc.ids);
        stored.insert(
            key,
            StoredDocument {
                ids,
                marker,
                complete: is_complete,
            },
        );
        if is_complete {
            doc.insights.sort_by_key(|(seq, _)| *seq);
            doc.sentences.sort_by_key(|(seq, n, _)| (*seq, *n));
            complete.push((order, doc));
        }
    }
    complete.sort_by_key(|(order, _)| *order);
    let mut index = Index {
        meta,
        insights: Vec::new(),
        hashes: Vec::new(),
        vectors: Embeddings::empty(dim),
        sentences: None,
        dates: DocumentDates::new(),
    };
    let mut layout = SentenceLayout {
        first: vec![0],
        spans: Vec::new(),
        places: Vec::new(),
    };
    let mut sentence_vectors = Embeddings::empty(dim);
    for (_, doc) in complete {
        let marker = doc
            .marker
            .as_ref()
            .map(|(_, m)| m)
            .expect("a complete document has its marker");
        if let Some(date) = marker.get("date") {
            let date: DocumentDate = serde_json::from_value(date.clone()).map_err(|e| format!("a date: {e}"))?;
            let name = str_field(marker, "doc").ok_or("a marker without doc")?;
            index.dates.insert(name.to_string(), date);
        }
        let mut sentences = doc.sentences.iter().peekable();
        for (seq, fields) in &doc.insights {
            let insight = insight_of(fields).ok_or_else(|| format!("insight {seq} of a document is malformed"))?;
            let hash: TextHash = str_field(fields, "text_hash")
                .and_then(|h| h.parse().ok())
                .ok_or("an insight without its text hash")?;
            index
                .vectors
                .push(&vector_of(fields, dim).ok_or("an insight's vector is malformed")?);
            while let Some((_, _, s)) = sentences.next_if(|(sq, _, _)| sq == seq) {
                let (start, end) = (uint(s, "start"), uint(s, "end"));
                let span = start.zip(end).filter(|(a, b)| a < b && *b <= insight.text.len());
                let span = span.ok_or("a sentence's span is malformed")?;
                layout.spans.push(span.0..span.1);
                layout.places.push(place_of(s));
                sentence_vectors.push(&vector_of(s, dim).ok_or("a sentence's vector is malformed")?);
            }
            layout.first.push(layout.spans.len());
            index.insights.push(insight);
            index.hashes.push(hash);
        }
    }
    index.sentences = Some(layout.with_vectors(sentence_vectors));
    Ok(Assembled { index, stored })
}

fn str_field<'a>(fields: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    fields.get(name).and_then(Value::as_str)
}

fn uint(fields: &Map<String, Value>, name: &str) -> Option<usize> {
    fields
        .get(name)
        .and_then(Value::as_u64)
        .and_then(|n| usize::try_from(n).ok())
}

fn insight_of(fields: &Map<String, Value>) -> Option<Insight> {
    Some(Insight {
        doc: str_field(fields, "doc")?.to_string(),
        line_start: uint(fields, "line_start")?,
        line_end: uint(fields, "line_end")?,
        text: str_field(fields, "text")?.to_string(),
        source_id: str_field(fields, "source_id").map(str::to_string),
        file: str_field(fields, "file").map(str::to_string),
    })
}

fn place_of(fields: &Map<String, Value>) -> Option<TextPosition> {
    let p: Vec<usize> = fields
        .get("place")?
        .as_array()?
        .iter()
        .map(|v| v.as_u64().map(|n| n as usize))
        .collect::<Option<_>>()?;
    (p.len() == 4).then(|| TextPosition {
        line_start: p[0],
        column_start: p[1],
        line_end: p[2],
        column_end: p[3],
    })
}

/// The `vector` of a row, of `dim` values.
pub(super) fn vector_of(fields: &Map<String, Value>, dim: usize) -> Option<Vec<f32>> {
    let values = fields.get("vector")?.as_array()?;
    let vector: Vec<f32> = values
        .iter()
        .map(|v| v.as_f64().map(|x| x as f32))
        .collect::<Option<_>>()?;
    (vector.len() == dim).then_some(vector)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embed::{Precision, VectorKind};
    use crate::insight::dates::{DateSource, Day};
    use crate::insight::SplitOptions;

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
            rows.extend(d.rows);
            rows.push(d.marker);
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
        let back = assemble(index.meta.clone(), rows).unwrap();
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
        let back = assemble(index.meta.clone(), cut).unwrap();
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
        assert!(!assemble(index.meta.clone(), lost).unwrap().stored[&key_a].complete);
        // Its marker twice.
        let mut twice = rows.clone();
        let mut again = rows.iter().find(|r| is_marker_of(r, &key_a)).unwrap().clone();
        again["id"] = json!("5000");
        twice.push(again);
        assert!(!assemble(index.meta.clone(), twice).unwrap().stored[&key_a].complete);
        // A row that is not the store's is an error naming it.
        let mut foreign = rows;
        foreign.push(json!({"id": "77", "doc_key": "x", "kind": "other"}));
        assert!(assemble(index.meta.clone(), foreign).unwrap_err().contains("row 77"));
    }
}
