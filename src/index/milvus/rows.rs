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

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::embed::{Precision, VectorKind};
use crate::index::{Index, TextHash};
use crate::insight::dates::DocumentDate;
use crate::insight::Insight;

/// The kinds of row.
pub(super) const INSIGHT: &str = "insight";
pub(super) const SENTENCE: &str = "sentence";
pub(super) const DOCUMENT: &str = "document";
pub(super) const META: &str = "meta";

/// Every field a row may have but its vector: what is read of the rows when their vectors are left on the server.
pub(super) const FIELDS_BUT_VECTOR: &[&str] = &[
    "id",
    "kind",
    "doc_key",
    "doc",
    "seq",
    "row",
    "text_hash",
    "text",
    "line_start",
    "line_end",
    "source_id",
    "file",
    "start",
    "end",
    "place",
    "order",
    "rows",
    "fingerprint",
    "date",
];

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
    pub rows: Vec<Row>,
    /// How many of them are insight rows.
    pub insights: usize,
    /// The marker, written last.
    pub marker: Row,
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
                marker: Row::new(json!({}), &[]),
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
                out[at].rows.push(Row::new(fields, s.vectors.row(row)));
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
        d.marker = Row::new(marker, &vec![0.0; dim]);
    }
    out
}

fn insight_row(key: &str, seq: usize, insight: &Insight, hash: &TextHash, vector: &[f32]) -> Row {
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
    Row::new(fields, vector)
}

/// One row as it is written: its vector, and its other fields beside it. Serialised directly (not through a JSON
/// value), each value is written as the shortest decimal that gives back its f32, half the bytes of an f64's.
#[derive(Debug, Clone, Serialize)]
pub(super) struct Row {
    /// The vector.
    pub vector: Vec<f32>,
    /// The other fields.
    #[serde(flatten)]
    pub fields: Map<String, Value>,
}

impl Row {
    /// A row of `fields` (an object) and `vector`.
    pub(super) fn new(fields: Value, vector: &[f32]) -> Row {
        let Value::Object(fields) = fields else {
            unreachable!("a row's fields are an object")
        };
        Row {
            vector: vector.to_vec(),
            fields,
        }
    }
}

/// The SHA-256 (hex) of `rows` without their vectors, and of `date`.
fn fingerprint(rows: &[Row], date: Option<&DocumentDate>) -> String {
    let mut hasher = Sha256::new();
    for row in rows {
        hasher.update(serde_json::to_string(&row.fields).expect("serializes").as_bytes());
        hasher.update(b"\n");
    }
    if let Some(date) = date {
        hasher.update(serde_json::to_string(date).expect("a date serializes").as_bytes());
    }
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// What a collection's description records: that insights made it, and with which vectors.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(super) struct Description {
    /// The store's layout version.
    pub insights_store: u32,
    model_id: String,
    weights_sha256: String,
    dim: usize,
    precision: Precision,
}

/// The layout version this build writes and reads.
pub(super) const LAYOUT_VERSION: u32 = 1;

impl Description {
    pub(super) fn of(kind: &VectorKind) -> Description {
        Description {
            insights_store: LAYOUT_VERSION,
            model_id: kind.model_id.clone(),
            weights_sha256: kind.weights_sha256.clone(),
            dim: kind.dim,
            precision: kind.precision,
        }
    }

    pub(super) fn kind(&self) -> VectorKind {
        VectorKind {
            model_id: self.model_id.clone(),
            weights_sha256: self.weights_sha256.clone(),
            dim: self.dim,
            precision: self.precision,
        }
    }
}
