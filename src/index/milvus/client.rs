//! The Milvus server's RESTful API (version 1, which Milvus 2.3 serves on the proxy's port beside gRPC): the calls
//! the store makes, each one HTTP request with a JSON body. Calls that are harmless to repeat are retried when the
//! server cannot be reached or is not ready yet; an insert is not, and the store's document markers make a rerun
//! after a failed one come out right.

use std::io::Read;
use std::thread::sleep;
use std::time::Duration;

use serde::Serialize;
use serde_json::{json, Value};

use super::{MilvusError, StoreUrl};

/// How long one request may take: the first search after a server restarts can block about 25 s while it loads.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Attempts of a call that is safe to repeat, and the wait before the first retry (doubled after each).
const ATTEMPTS: u32 = 4;
const FIRST_RETRY: Duration = Duration::from_millis(500);

/// Milvus's code for a collection that does not exist.
const COLLECTION_NOT_FOUND: i64 = 100;

/// Milvus's code for a collection that is not loaded yet (after a restart, or just after it was made).
const COLLECTION_NOT_LOADED: i64 = 101;

/// How long a call that is safe to repeat waits for a collection to be loaded.
const LOAD_WAIT: Duration = Duration::from_secs(120);

/// The most rows one query returns (Milvus's `maxQueryResultWindow`).
pub(super) const QUERY_WINDOW: usize = 16_384;

/// A connection to one collection of one Milvus server.
pub(super) struct Client {
    agent: ureq::Agent,
    base: String,
    url: StoreUrl,
}

/// Whether a call may be sent again after a failure that leaves unknown whether the server acted on it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Repeat {
    Safe,
    Never,
}

impl Client {
    /// A client of the collection `url` names (no request is made yet).
    pub(super) fn new(url: &StoreUrl) -> Client {
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .build();
        Client {
            agent,
            base: format!("http://{}:{}/v1/vector", url.host, url.port),
            url: url.clone(),
        }
    }

    /// The collection's description, or `None` when there is no such collection.
    pub(super) fn describe(&self) -> Result<Option<Value>, MilvusError> {
        let path = format!("collections/describe?collectionName={}", self.url.collection);
        match self.call("describe", &path, None, Repeat::Safe) {
            Ok(data) => Ok(Some(data)),
            Err(MilvusError::Refused { code, .. }) if code == COLLECTION_NOT_FOUND => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Creates the collection: an auto-numbered primary key `id`, a `vector` field of `dim` values compared by inner
    /// product (cosine of unit vectors) and indexed by the server's automatic index (HNSW in Milvus standalone and
    /// cluster), every other field dynamic; `description` is kept with it.
    pub(super) fn create(&self, dim: usize, description: &str) -> Result<(), MilvusError> {
        let body = json!({
            "collectionName": self.url.collection,
            "dimension": dim,
            "metricType": "IP",
            "primaryField": "id",
            "vectorField": "vector",
            "description": description,
        });
        self.call(
            "create collection",
            "collections/create",
            Some(body.to_string()),
            Repeat::Never,
        )
        .map(drop)
    }

    /// Inserts `rows` (each serialised as a JSON object with a `vector` and dynamic fields) and gives their new ids.
    pub(super) fn insert<T: Serialize>(&self, rows: &[&T]) -> Result<Vec<i64>, MilvusError> {
        #[derive(Serialize)]
        struct Insert<'a, T> {
            #[serde(rename = "collectionName")]
            collection: &'a str,
            data: &'a [&'a T],
        }
        let body = Insert {
            collection: &self.url.collection,
            data: rows,
        };
        let body = serde_json::to_string(&body).map_err(|e| self.protocol(format!("a row does not serialize: {e}")))?;
        let data = self.call("insert", "insert", Some(body), Repeat::Never)?;
        let ids = data.get("insertIds").and_then(Value::as_array);
        let ids: Option<Vec<i64>> = ids.map(|ids| ids.iter().map(id_of).collect()).unwrap_or(None);
        match ids {
            Some(ids) if ids.len() == rows.len() => Ok(ids),
            _ => Err(self.protocol(format!("insert answered without {} ids: {data}", rows.len()))),
        }
    }

    /// The rows matching `filter` (a Milvus boolean expression), at most `limit` ([`QUERY_WINDOW`] at most), with
    /// `fields`.
    pub(super) fn query(&self, filter: &str, fields: &[&str], limit: usize) -> Result<Vec<Value>, MilvusError> {
        let body = json!({
            "collectionName": self.url.collection,
            "filter": filter,
            "outputFields": fields,
            "limit": limit.clamp(1, QUERY_WINDOW),
        });
        let data = self.call("query", "query", Some(body.to_string()), Repeat::Safe)?;
        self.rows(data)
    }

    /// The `limit` rows matching `filter` whose vectors have the largest inner product with `vector`, best first,
    /// each with its `distance` (the inner product) and `fields`.
    pub(super) fn search(
        &self,
        vector: &[f32],
        filter: &str,
        fields: &[&str],
        limit: usize,
    ) -> Result<Vec<Value>, MilvusError> {
        let body = json!({
            "collectionName": self.url.collection,
            "vector": vector,
            "filter": filter,
            "outputFields": fields,
            "limit": limit.clamp(1, QUERY_WINDOW),
        });
        let data = self.call("search", "search", Some(body.to_string()), Repeat::Safe)?;
        self.rows(data)
    }

    /// Deletes the rows with these ids (deleting a row twice is harmless, so this is retried).
    pub(super) fn delete(&self, ids: &[i64]) -> Result<(), MilvusError> {
        let body = json!({ "collectionName": self.url.collection, "id": ids });
        self.call("delete", "delete", Some(body.to_string()), Repeat::Safe)
            .map(drop)
    }

    /// The rows of a query or search answer.
    fn rows(&self, data: Value) -> Result<Vec<Value>, MilvusError> {
        match data {
            Value::Array(rows) => Ok(rows),
            other => Err(self.protocol(format!("expected a list of rows, got {other}"))),
        }
    }

    fn protocol(&self, message: String) -> MilvusError {
        MilvusError::Protocol {
            url: self.url.clone(),
            message,
        }
    }

    /// One call: GET `path` without a body, else POST `body`; the answer's `data` when its `code` is 200.
    fn call(&self, op: &'static str, path: &str, body: Option<String>, repeat: Repeat) -> Result<Value, MilvusError> {
        let url = format!("{}/{path}", self.base);
        let mut wait = FIRST_RETRY;
        let mut attempt = 1;
        let start = std::time::Instant::now();
        loop {
            let sent = match &body {
                None => self.agent.get(&url).call(),
                Some(body) => self
                    .agent
                    .post(&url)
                    .set("Content-Type", "application/json")
                    .send_string(body),
            };
            let failure = match sent {
                Ok(response) => match read_answer(response) {
                    Ok(text) => match self.answer(op, &text) {
                        Err(MilvusError::Refused { code, .. })
                            if code == COLLECTION_NOT_LOADED
                                && repeat == Repeat::Safe
                                && start.elapsed() < LOAD_WAIT =>
                        {
                            sleep(Duration::from_secs(1));
                            continue;
                        }
                        answer => return answer,
                    },
                    Err(e) => e.to_string(),
                },
                // Milvus answers its errors with status 200 and a code in the body; another status is a proxy's or
                // a server that is starting.
                Err(ureq::Error::Status(status, response)) => {
                    let text = read_answer(response).unwrap_or_default();
                    format!("HTTP status {status}: {}", text.trim())
                }
                Err(ureq::Error::Transport(t)) => t.to_string(),
            };
            if repeat == Repeat::Never || attempt == ATTEMPTS {
                return Err(MilvusError::Unreachable {
                    url: self.url.clone(),
                    op,
                    attempts: attempt,
                    message: failure,
                });
            }
            sleep(wait);
            wait *= 2;
            attempt += 1;
        }
    }

    /// The `data` of an answer, or the server's refusal.
    fn answer(&self, op: &'static str, text: &str) -> Result<Value, MilvusError> {
        let mut value: Value = serde_json::from_str(text)
            .map_err(|e| self.protocol(format!("{op}: not a JSON answer ({e}): {}", clip(text))))?;
        match value.get("code").and_then(Value::as_i64) {
            // Taken, not cloned: a page of rows is tens of megabytes as JSON values.
            Some(200) => Ok(value.get_mut("data").map_or(Value::Null, Value::take)),
            Some(code) => Err(MilvusError::Refused {
                url: self.url.clone(),
                op,
                code,
                message: value.get("message").and_then(Value::as_str).unwrap_or("").to_string(),
            }),
            None => Err(self.protocol(format!("{op}: an answer without a code: {}", clip(text)))),
        }
    }
}

/// A row id as Milvus writes it in JSON: a string of digits (an int64 does not fit a JSON number's precision), or
/// a number.
pub(super) fn id_of(value: &Value) -> Option<i64> {
    match value {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_i64(),
        _ => None,
    }
}

/// The first 300 characters of `text`, for messages.
fn clip(text: &str) -> String {
    match text.char_indices().nth(300) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// The most bytes read of one answer: far above a page of rows (4,096 rows of 1,024-dimension vectors are about
/// 45 MB of JSON), and a bound on what a wrong server can make this process hold.
const MAX_ANSWER: u64 = 1 << 30;

/// The body of an answer as text. Not `Response::into_string`, which refuses answers above 10 MB: a page of 4,096
/// rows of 384-dimension vectors is about 17 MB.
fn read_answer(response: ureq::Response) -> std::io::Result<String> {
    let mut text = String::new();
    response.into_reader().take(MAX_ANSWER + 1).read_to_string(&mut text)?;
    if text.len() as u64 > MAX_ANSWER {
        return Err(std::io::Error::other(format!(
            "an answer of more than {MAX_ANSWER} bytes"
        )));
    }
    Ok(text)
}
