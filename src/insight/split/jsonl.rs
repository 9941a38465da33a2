//! JSONL documents: one insight a record, taken as given.
//!
//! Each non-blank line must be a JSON object with a string `text` field; an optional `id` (string or number) becomes
//! the insight's `source_id` and an optional `doc` (string) its document name (default: the file's name). A record is
//! never split further nor judged by the boilerplate rules; its text only has whitespace runs collapsed. A record whose
//! text is empty after trimming carries nothing to embed and is skipped, like a blank line.

use serde_json::Value;

use crate::document::{Document, ReadError};
use crate::insight::dates::Day;
use crate::insight::Insight;

use super::blocks::clean;
use super::bound::{bounded_pieces, MAX_INSIGHT_BYTES};

/// Appends one insight for each record of a JSONL document, or fails naming the first bad line.
pub(super) fn split_jsonl(doc: &Document, out: &mut Vec<Insight>) -> Result<(), ReadError> {
    for (index, line) in doc.text.split('\n').enumerate() {
        let number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let error = |message: String| ReadError::Jsonl {
            doc: doc.name.clone(),
            line: number,
            message,
        };
        let value: Value = serde_json::from_str(line).map_err(|e| {
            let message = e.to_string();
            let message = message.split(" at line ").next().unwrap_or_default();
            error(format!("invalid JSON ({message} at column {})", e.column()))
        })?;
        let Value::Object(record) = value else {
            return Err(error(format!("expected a JSON object, found {}", kind(&value))));
        };
        let text = match record.get("text") {
            Some(Value::String(text)) => text,
            Some(other) => return Err(error(format!("\"text\" must be a string, found {}", kind(other)))),
            None => return Err(error("no \"text\" field".to_string())),
        };
        let source_id = match record.get("id") {
            None | Some(Value::Null) => None,
            Some(Value::String(id)) => Some(id.clone()),
            Some(Value::Number(id)) => Some(id.to_string()),
            Some(other) => {
                return Err(error(format!(
                    "\"id\" must be a string or a number, found {}",
                    kind(other)
                )))
            }
        };
        let (name, file) = match record.get("doc") {
            None | Some(Value::Null) => (doc.name.clone(), None),
            Some(Value::String(name)) if *name == doc.name => (name.clone(), None),
            Some(Value::String(name)) => (name.clone(), Some(doc.name.clone())),
            Some(other) => return Err(error(format!("\"doc\" must be a string, found {}", kind(other)))),
        };
        // A record over the bound is several insights of whole sentences, each with the record's line and id.
        for range in bounded_pieces(text, MAX_INSIGHT_BYTES) {
            let text = clean(&text[range]);
            if text.is_empty() {
                continue;
            }
            out.push(Insight {
                doc: name.clone(),
                line_start: number,
                line_end: number,
                text,
                source_id: source_id.clone(),
                file: file.clone(),
            });
        }
    }
    Ok(())
}

/// The document each record names (its `doc`, default the file) and the record's `date` (`YYYY-MM-DD`, a time may
/// follow), if it has one that reads as a date. Lines that are not records are passed over ([`split_jsonl`] reports
/// them).
pub(crate) fn record_dates(doc: &Document) -> Vec<(String, Option<Day>)> {
    let mut out = Vec::new();
    for line in doc.text.split('\n').filter(|l| !l.trim().is_empty()) {
        let Ok(Value::Object(record)) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        let name = match record.get("doc") {
            Some(Value::String(name)) => name.clone(),
            _ => doc.name.clone(),
        };
        let date = match record.get("date") {
            Some(Value::String(date)) => Day::parse_start(date),
            _ => None,
        };
        out.push((name, date));
    }
    out
}

/// A JSON value's kind, for messages.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
