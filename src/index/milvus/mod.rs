//! A Milvus collection as the store of an index (feature `milvus`): what `--store milvus://HOST:PORT/COLLECTION`
//! names. The collection holds every insight's and sentence's vector with the insight's provenance
//! ([`rows`] has the layout), is indexed by the server (HNSW), and is updated one document at a time, so that an
//! update cut off anywhere (the server killed, the network gone) leaves documents that are either whole or marked
//! as cut off, and the next update finishes the job without duplicating a row.
//!
//! The server is spoken to over its RESTful API ([`client`]), which needs no client library beyond HTTP.

mod assemble;
mod client;
mod error;
mod rows;
mod search;
mod stream;
mod url;

use std::thread::sleep;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use self::assemble::{assemble, Assembled, ReadRow, StoredDocument};
use self::client::{id_of, Client, QUERY_WINDOW};
use self::rows::{documents_of, Description, Row, FIELDS_BUT_VECTOR, LAYOUT_VERSION, META};
use crate::embed::VectorKind;
use crate::index::{Index, IndexMeta};
use crate::insight::SplitOptions;

pub use self::error::MilvusError;
pub use self::search::StoreSearch;
pub use self::stream::StoreRows;
pub use self::url::StoreUrl;

/// Rows inserted per request by default: about 1 MB of JSON with 384-dimensional vectors.
pub const INSERT_ROWS: usize = 256;

/// Ids deleted per request.
const DELETE_IDS: usize = 1024;

/// Rows read per query when reading a whole collection without the vectors.
const READ_ROWS: usize = 4096;

/// Rows read per query when reading a whole collection with the vectors: parsed, a page of 384-dimension rows holds
/// about 37 KB a row until each row's vector is made floats, so a page of 4,096 would add 150 MB to the peak.
const READ_ROWS_WITH_VECTORS: usize = 1024;

/// How long a writer waits for the server to show its last write (Milvus reads are "bounded": about 5 s behind
/// writes by default).
pub(super) const VISIBLE_WITHIN: Duration = Duration::from_secs(120);

/// A store's content as an update finds it.
pub struct Stored {
    /// The complete documents as an index (the vectors a build reuses).
    pub index: Index,
    documents: std::collections::HashMap<String, StoredDocument>,
    /// The ids of the meta rows there are now (replaced when the update completes).
    meta_ids: Vec<i64>,
}

/// What an update of a store did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteStats {
    /// Documents whose rows were written.
    pub documents_written: usize,
    /// Insight and sentence rows inserted.
    pub rows_inserted: usize,
    /// Rows deleted (of removed or changed documents, or of documents an interrupted update left incomplete).
    pub rows_deleted: usize,
}

/// A Milvus collection holding an index.
pub struct MilvusStore {
    client: Client,
    url: StoreUrl,
    insert_rows: usize,
}

impl MilvusStore {
    /// The store `url` names (nothing is asked of the server yet).
    pub fn connect(url: &StoreUrl) -> MilvusStore {
        MilvusStore {
            client: Client::new(url),
            url: url.clone(),
            insert_rows: INSERT_ROWS,
        }
    }

    /// The same store, inserting `rows` rows per request (at least 1) instead of [`INSERT_ROWS`].
    pub fn with_insert_rows(mut self, rows: usize) -> MilvusStore {
        self.insert_rows = rows.max(1);
        self
    }

    /// The store's address.
    pub fn url(&self) -> &StoreUrl {
        &self.url
    }

    /// What made the collection's vectors, or `None` when there is no such collection; a collection insights did
    /// not make is refused.
    pub fn kind(&self) -> Result<Option<VectorKind>, MilvusError> {
        let Some(described) = self.client.describe()? else {
            return Ok(None);
        };
        let description = described.get("description").and_then(Value::as_str).unwrap_or("");
        match serde_json::from_str::<Description>(description) {
            Ok(d) if d.insights_store == LAYOUT_VERSION => Ok(Some(d.kind())),
            _ => Err(MilvusError::Foreign {
                url: self.url.clone(),
                description: description.to_string(),
            }),
        }
    }

    /// Refuses a collection whose vectors are not of `kind`.
    pub fn check_kind(&self, theirs: &VectorKind, ours: &VectorKind) -> Result<(), MilvusError> {
        if theirs.same_vectors(ours) {
            return Ok(());
        }
        Err(MilvusError::OtherModel {
            url: self.url.clone(),
            store_model: theirs.model_id.clone(),
            store_dim: theirs.dim,
            store_precision: theirs.precision,
            model: ours.model_id.clone(),
            dim: ours.dim,
            precision: ours.precision,
        })
    }

    /// The index the store holds, for analysis: refused when the collection is missing or an update of it was cut
    /// off.
    pub fn load(&self) -> Result<Index, MilvusError> {
        Ok(self.load_checked(true)?.index)
    }

    /// The index the store holds as [`MilvusStore::load`] gives it, but without its vectors (and sentences), which
    /// stay on the server: the rows that give them, a batch at a time, come with it.
    pub fn load_without_vectors(self) -> Result<(Index, StoreRows), MilvusError> {
        let assembled = self.load_checked(false)?;
        let rows = StoreRows::new(self, assembled.insight_ids, assembled.index.meta.kind.dim);
        Ok((assembled.index, rows))
    }

    /// The store's rows put together (with their vectors or not), refused when the collection is missing or an
    /// update of it was cut off.
    fn load_checked(&self, vectors: bool) -> Result<Assembled, MilvusError> {
        let kind = self
            .kind()?
            .ok_or_else(|| MilvusError::Missing { url: self.url.clone() })?;
        let metas = self.meta_rows()?;
        let current = metas
            .last()
            .filter(|m| m.get("state").and_then(Value::as_str) == Some("complete"));
        let Some(current) = current else {
            let stored = self.read(kind, None, false)?;
            let incomplete = stored.stored.values().filter(|d| !d.complete).count();
            return Err(MilvusError::Incomplete {
                url: self.url.clone(),
                documents: incomplete.max(1),
            });
        };
        let split = split_of(current);
        let stored = self.read(kind, split, vectors)?;
        let expected = current.get("rows").and_then(Value::as_u64).unwrap_or(0) as usize;
        let found: usize = stored.stored.values().map(|d| d.ids.len()).sum();
        let incomplete = stored.stored.values().filter(|d| !d.complete).count();
        if incomplete > 0 || found != expected {
            return Err(MilvusError::Incomplete {
                url: self.url.clone(),
                documents: incomplete.max(1),
            });
        }
        Ok(stored)
    }

    /// Begins an update by an index of `kind`: creates the collection when there is none (refusing one of other
    /// vectors), marks it as being updated, waits until the server shows that mark (so that everything written
    /// before is visible too), and reads what it holds.
    pub fn begin_update(&self, kind: &VectorKind) -> Result<Stored, MilvusError> {
        match self.kind()? {
            Some(theirs) => self.check_kind(&theirs, kind)?,
            None => {
                let description = serde_json::to_string(&Description::of(kind)).expect("serializes");
                self.client.create(kind.dim, &description)?;
            }
        }
        let mark = self.insert_meta(kind.dim, json!({ "state": "updating" }))?;
        self.wait_visible(mark)?;
        let metas = self.meta_rows()?;
        let split = metas.iter().rev().find_map(split_of);
        let assembled = self.read(kind.clone(), split, true)?;
        Ok(Stored {
            index: assembled.index,
            documents: assembled.stored,
            meta_ids: metas.iter().filter_map(|m| m.get("id").and_then(id_of)).collect(),
        })
    }

    /// Makes the store hold `index` (built with the vectors of `stored` reused): documents removed, changed or left
    /// incomplete are deleted, new and changed ones written, each with its marker last, then the store is marked
    /// complete and the server waited for until it shows that. `progress` gets the rows written so far and in all.
    pub fn finish_update(
        &self,
        index: &Index,
        stored: Stored,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<WriteStats, MilvusError> {
        let mut stats = WriteStats::default();
        let documents = documents_of(index);
        let mut old = stored.documents;
        let mut to_delete: Vec<i64> = Vec::new();
        let mut to_write = Vec::new();
        let mut markers_to_move = Vec::new();
        for doc in documents {
            match old.remove(&doc.key) {
                Some(s) if s.complete && s.marker.as_ref().is_some_and(|m| m.2 == doc.fingerprint) => {
                    let (marker_id, order, _) = s.marker.expect("checked");
                    if order != doc.order {
                        markers_to_move.push((marker_id, doc));
                    }
                }
                Some(s) => {
                    to_delete.extend(s.ids);
                    to_write.push(doc);
                }
                None => to_write.push(doc),
            }
        }
        // What is left are documents no longer in the corpus.
        to_delete.extend(old.into_values().flat_map(|s| s.ids));
        for ids in to_delete.chunks(DELETE_IDS) {
            self.client.delete(ids)?;
            stats.rows_deleted += ids.len();
        }
        let total: usize = to_write.iter().map(|d| d.rows.len()).sum();
        progress(0, total);
        // Rows of several documents share a request; a document's marker is sent only after the request holding
        // its last rows has been answered.
        let mut batch: Vec<&Row> = Vec::with_capacity(self.insert_rows);
        let mut markers: Vec<&Row> = Vec::new();
        for doc in &to_write {
            for row in &doc.rows {
                batch.push(row);
                if batch.len() == self.insert_rows {
                    self.flush(&mut batch, &mut markers, &mut stats)?;
                    progress(stats.rows_inserted, total);
                }
            }
            markers.push(&doc.marker);
        }
        self.flush(&mut batch, &mut markers, &mut stats)?;
        progress(stats.rows_inserted, total);
        for (old_marker, doc) in &markers_to_move {
            self.client.insert(&[&doc.marker])?;
            self.client.delete(&[*old_marker])?;
        }
        // Every insight, sentence and marker row: what a reader must find.
        let rows = index.len() + index.sentences.as_ref().map_or(0, |s| s.len()) + index.documents().len();
        let done = self.insert_meta(
            index.meta.kind.dim,
            json!({ "state": "complete", "split": index.meta.split.describe(), "rows": rows }),
        )?;
        if !stored.meta_ids.is_empty() {
            self.client.delete(&stored.meta_ids)?;
        }
        self.wait_visible(done)?;
        Ok(stats)
    }

    /// The ids of the insights nearest `vector` by the server's index, best first: (document key, place among the
    /// document's insights) of each.
    pub fn search(&self, vector: &[f32], limit: usize) -> Result<Vec<(String, usize)>, MilvusError> {
        let found = self
            .client
            .search(vector, "kind == \"insight\"", &["doc_key", "seq"], limit)?;
        let hit = |row: &Value| {
            let key = row.get("doc_key")?.as_str()?.to_string();
            Some((key, row.get("seq")?.as_u64()? as usize))
        };
        found
            .iter()
            .map(|row| hit(row).ok_or_else(|| self.damaged(format!("a search hit without its insight: {row}"))))
            .collect()
    }

    /// Inserts `batch`, then `markers` (of documents whose rows were all in this or an earlier batch).
    fn flush<'a>(
        &self,
        batch: &mut Vec<&'a Row>,
        markers: &mut Vec<&'a Row>,
        stats: &mut WriteStats,
    ) -> Result<(), MilvusError> {
        if !batch.is_empty() {
            self.client.insert(batch)?;
            stats.rows_inserted += batch.len();
            batch.clear();
        }
        for chunk in markers.chunks(self.insert_rows) {
            self.client.insert(chunk)?;
            stats.documents_written += chunk.len();
        }
        markers.clear();
        Ok(())
    }

    /// The meta rows, oldest first.
    fn meta_rows(&self) -> Result<Vec<Value>, MilvusError> {
        let mut rows = self
            .client
            .query(&format!("kind == \"{META}\""), &["*"], QUERY_WINDOW)?;
        rows.sort_by_key(|r| r.get("id").and_then(id_of).unwrap_or(i64::MIN));
        Ok(rows)
    }

    fn insert_meta(&self, dim: usize, mut fields: Value) -> Result<i64, MilvusError> {
        fields["kind"] = json!(META);
        fields["doc_key"] = json!("");
        fields["vector"] = json!(vec![0f32; dim]);
        let ids = self.client.insert(&[&fields])?;
        Ok(ids[0])
    }

    /// Waits until a query finds row `id`.
    fn wait_visible(&self, id: i64) -> Result<(), MilvusError> {
        let start = Instant::now();
        let mut wait = Duration::from_millis(100);
        while start.elapsed() < VISIBLE_WITHIN {
            if !self.client.query(&format!("id == {id}"), &["id"], 1)?.is_empty() {
                return Ok(());
            }
            sleep(wait);
            wait = (wait * 2).min(Duration::from_secs(1));
        }
        Err(MilvusError::NotVisible { url: self.url.clone() })
    }

    /// Every insight, sentence and document row, read in pages by id (with their vectors or not), put together.
    fn read(&self, kind: VectorKind, split: Option<SplitOptions>, vectors: bool) -> Result<Assembled, MilvusError> {
        let (fields, per_page) = match vectors {
            true => (&["*"][..], READ_ROWS_WITH_VECTORS),
            false => (FIELDS_BUT_VECTOR, READ_ROWS),
        };
        let mut rows = Vec::new();
        let mut after: Option<i64> = None;
        loop {
            let filter = match after {
                None => format!("kind != \"{META}\""),
                Some(last) => format!("kind != \"{META}\" && id > {last}"),
            };
            let page = self.client.query(&filter, fields, per_page)?;
            let ids: Vec<i64> = page.iter().filter_map(|r| r.get("id").and_then(id_of)).collect();
            if ids.len() != page.len() {
                return Err(self.damaged("a row without an id".into()));
            }
            let Some(&last) = ids.iter().max() else { break };
            let full = page.len() == per_page;
            for row in page {
                rows.push(ReadRow::of(row).map_err(|m| self.damaged(m))?);
            }
            if !full {
                break;
            }
            after = Some(last);
        }
        let meta = IndexMeta {
            kind,
            split: split.unwrap_or_default().canonical(),
        };
        assemble(meta, rows, vectors).map_err(|m| self.damaged(m))
    }

    /// The error of a store whose rows are not what this build writes.
    fn damaged(&self, message: String) -> MilvusError {
        MilvusError::Damaged {
            url: self.url.clone(),
            message,
        }
    }
}

/// The split settings a meta row records.
fn split_of(meta: &Value) -> Option<SplitOptions> {
    SplitOptions::parse(meta.get("split")?.as_str()?)
}

#[cfg(test)]
mod tests;
