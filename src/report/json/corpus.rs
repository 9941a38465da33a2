//! `insights index` and `insights models`: what was indexed, and which models are where.

use std::path::Path;

use serde::Serialize;

use crate::corpus::approximate::Refreshed;
use crate::corpus::saved::Updated;
use crate::embed::{KnownModel, ModelSource, DEFAULT_MODEL};

/// What `insights index` did to `FILE.ann`, as written.
#[derive(Serialize)]
pub struct AnnSummary {
    file: String,
    added: usize,
    removed: usize,
    rebuilt: bool,
    vectors: &'static str,
}

/// The payload of `insights index`: the index written, what was embedded and reused, and its approximate index
/// (null when there is none).
pub fn indexed<'a>(path: &Path, ann_path: &Path, updated: &'a Updated) -> impl Serialize + 'a {
    #[derive(Serialize)]
    struct Indexed<'a> {
        index: String,
        documents: usize,
        insights: usize,
        embedded: usize,
        reused: usize,
        sentences_embedded: usize,
        model: &'a str,
        dim: usize,
        precision: &'static str,
        approximate_index: Option<AnnSummary>,
    }
    let index = &updated.index;
    Indexed {
        index: path.display().to_string(),
        documents: index.documents().len(),
        insights: index.len(),
        embedded: updated.stats.embedded,
        reused: updated.stats.reused,
        sentences_embedded: updated.stats.sentences_embedded,
        model: &index.meta.kind.model_id,
        dim: index.meta.kind.dim,
        precision: index.meta.kind.precision.name(),
        approximate_index: match updated.approximate {
            Refreshed::Written(s, storage) => Some(AnnSummary {
                file: ann_path.display().to_string(),
                added: s.added,
                removed: s.removed,
                rebuilt: s.rebuilt,
                vectors: storage.name(),
            }),
            Refreshed::Absent | Refreshed::Removed => None,
        },
    }
}

/// The payload of `insights index --store`: the store written, what was embedded and reused, and the rows
/// inserted and deleted.
#[cfg(feature = "milvus")]
pub fn stored<'a>(
    url: &crate::index::milvus::StoreUrl,
    updated: &'a crate::corpus::remote::StoreUpdated,
) -> impl Serialize + 'a {
    #[derive(Serialize)]
    struct Stored<'a> {
        store: String,
        documents: usize,
        insights: usize,
        embedded: usize,
        reused: usize,
        sentences_embedded: usize,
        documents_written: usize,
        rows_inserted: usize,
        rows_deleted: usize,
        model: &'a str,
        dim: usize,
        precision: &'static str,
    }
    let index = &updated.index;
    Stored {
        store: url.to_string(),
        documents: index.documents().len(),
        insights: index.len(),
        embedded: updated.stats.embedded,
        reused: updated.stats.reused,
        sentences_embedded: updated.stats.sentences_embedded,
        documents_written: updated.written.documents_written,
        rows_inserted: updated.written.rows_inserted,
        rows_deleted: updated.written.rows_deleted,
        model: &index.meta.kind.model_id,
        dim: index.meta.kind.dim,
        precision: index.meta.kind.precision.name(),
    }
}

/// The payload of `insights models fetch`: the model, the folder holding it, where it came from, and whether its
/// weights' checksum was verified.
pub fn model_fetched<'a>(name: &'a str, folder: &Path, source: &ModelSource, verified: bool) -> impl Serialize + 'a {
    #[derive(Serialize)]
    struct Fetched<'a> {
        model: &'a str,
        path: String,
        source: String,
        verified: bool,
    }
    Fetched {
        model: name,
        path: folder.display().to_string(),
        source: source.to_string(),
        verified,
    }
}

/// One known model and where it is present, if anywhere.
pub type KnownModelRow<'a> = (&'a KnownModel, Option<(ModelSource, std::path::PathBuf)>);

/// The payload of `insights models`: the models folder and each known model.
pub fn models<'a>(models_dir: &Path, rows: &'a [KnownModelRow<'a>]) -> impl Serialize + 'a {
    #[derive(Serialize)]
    struct Model<'a> {
        id: &'a str,
        dim: usize,
        default: bool,
        present: bool,
        source: Option<String>,
        path: Option<String>,
    }
    #[derive(Serialize)]
    struct Models<'a> {
        models_dir: String,
        models: Vec<Model<'a>>,
    }
    Models {
        models_dir: models_dir.display().to_string(),
        models: rows
            .iter()
            .map(|(m, present)| Model {
                id: &m.id,
                dim: m.dim,
                default: m.id == DEFAULT_MODEL,
                present: present.is_some(),
                source: present.as_ref().map(|(s, _)| s.to_string()),
                path: present.as_ref().map(|(_, p)| p.display().to_string()),
            })
            .collect(),
    }
}
