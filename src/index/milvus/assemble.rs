//! A collection's rows put together again: the index of its complete documents, and what it holds of each
//! document (so that an update knows what to keep, rewrite or delete). The rows' layout is in [`super::rows`].

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::client::id_of;
use super::rows::{DOCUMENT, INSIGHT, SENTENCE};
use crate::index::{Index, IndexMeta, SentenceLayout, TextHash};
use crate::insight::dates::{DocumentDate, DocumentDates};
use crate::insight::{Insight, TextPosition};
use crate::vectors::Embeddings;

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
    /// The complete documents' insights, in corpus order, with their vectors and sentences (without either when
    /// the rows were read without their vectors).
    pub index: Index,
    /// Every document with a row, by [`doc_key`].
    pub stored: HashMap<String, StoredDocument>,
    /// The row id of each of the index's insights.
    pub insight_ids: Vec<i64>,
}

/// One row as read back: its fields but the vector, and the vector's values apart, as floats (a vector left as JSON
/// values takes about 10 times the memory: a whole read of a store would hold over a gigabyte at 24,000 rows).
#[derive(Debug)]
pub(super) struct ReadRow {
    /// Every field but `vector`.
    pub fields: Map<String, Value>,
    /// The `vector`'s values; `None` when it was not read, or is not a list of numbers.
    pub vector: Option<Vec<f32>>,
}

impl ReadRow {
    /// The row of a query's answer; an error when it is not an object.
    pub fn of(row: Value) -> Result<ReadRow, String> {
        let Value::Object(mut fields) = row else {
            return Err(format!("a row that is not an object: {row}"));
        };
        let vector = fields.remove("vector").and_then(|v| {
            let values = v.as_array()?;
            let mut vector = Vec::with_capacity(values.len());
            for x in values {
                vector.push(x.as_f64()? as f32);
            }
            Some(vector)
        });
        Ok(ReadRow { fields, vector })
    }

    /// The vector, if it has `dim` values.
    pub fn vector_of(&self, dim: usize) -> Option<&[f32]> {
        self.vector.as_deref().filter(|v| v.len() == dim)
    }
}

/// One document's rows as read back.
#[derive(Default)]
struct Gathered {
    ids: Vec<i64>,
    marker: Option<(i64, Map<String, Value>)>,
    markers: usize,
    insights: Vec<(usize, i64, ReadRow)>,
    sentences: Vec<(usize, usize, ReadRow)>,
}

/// Puts the index of `meta` together from `rows` (every insight, sentence and document row of a collection, in any
/// order); a row that is not what the store writes is an error naming its id. Without `vectors`, the rows were read
/// without their vectors, and the index has neither vectors nor sentences.
pub(super) fn assemble(meta: IndexMeta, rows: Vec<ReadRow>, vectors: bool) -> Result<Assembled, String> {
    let dim = meta.kind.dim;
    let mut docs: HashMap<String, Gathered> = HashMap::new();
    for row in rows {
        let fields = &row.fields;
        let id = fields.get("id").and_then(id_of).ok_or("a row without an id")?;
        let bad = |what: &str| format!("row {id}: {what}");
        let key = str_field(fields, "doc_key")
            .ok_or_else(|| bad("no doc_key"))?
            .to_string();
        let doc = docs.entry(key).or_default();
        doc.ids.push(id);
        match str_field(fields, "kind") {
            Some(INSIGHT) => doc
                .insights
                .push((uint(fields, "seq").ok_or_else(|| bad("no seq"))?, id, row)),
            Some(SENTENCE) => {
                let seq = uint(fields, "seq").ok_or_else(|| bad("no seq"))?;
                let n = uint(fields, "row").ok_or_else(|| bad("no row"))?;
                doc.sentences.push((seq, n, row));
            }
            Some(DOCUMENT) => {
                doc.markers += 1;
                doc.marker = Some((id, row.fields));
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
            doc.insights.sort_by_key(|(seq, _, _)| *seq);
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
    let mut insight_ids = Vec::new();
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
        for (seq, id, row) in &doc.insights {
            let fields = &row.fields;
            let insight = insight_of(fields).ok_or_else(|| format!("insight {seq} of a document is malformed"))?;
            let hash: TextHash = str_field(fields, "text_hash")
                .and_then(|h| h.parse().ok())
                .ok_or("an insight without its text hash")?;
            insight_ids.push(*id);
            if vectors {
                index
                    .vectors
                    .push(row.vector_of(dim).ok_or("an insight's vector is malformed")?);
            }
            while let Some((_, _, s)) = sentences.next_if(|(sq, _, _)| sq == seq) {
                if !vectors {
                    continue;
                }
                let (start, end) = (uint(&s.fields, "start"), uint(&s.fields, "end"));
                let span = start.zip(end).filter(|(a, b)| a < b && *b <= insight.text.len());
                let span = span.ok_or("a sentence's span is malformed")?;
                layout.spans.push(span.0..span.1);
                layout.places.push(place_of(&s.fields));
                sentence_vectors.push(s.vector_of(dim).ok_or("a sentence's vector is malformed")?);
            }
            layout.first.push(layout.spans.len());
            index.insights.push(insight);
            index.hashes.push(hash);
        }
    }
    if vectors {
        index.sentences = Some(layout.with_vectors(sentence_vectors));
    }
    Ok(Assembled {
        index,
        stored,
        insight_ids,
    })
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
