//! `--store URL`: an index kept in a Milvus collection instead of a file (the `milvus` build feature): the address
//! parsed, and the store opened for the analysis commands (`insights index --store` writes it: index_cmd.rs).

use anyhow::Result;

use insights::embed::Embedder;
use insights::index::{Index, RemoteSearch};

use super::model_args::ModelArgs;

/// What a store gives for analysis: its index, the model when asked for, and the server's search.
pub struct StoreOpened {
    /// The index the store holds.
    pub index: Index,
    /// The model, when asked for (checked against the store's vectors).
    pub embedder: Option<Embedder>,
    /// Searches answered by the server's index.
    pub search: Box<dyn RemoteSearch>,
}

/// The error of `--store` in a build without the `milvus` feature, saying how to get it.
#[cfg(not(feature = "milvus"))]
pub fn unavailable() -> anyhow::Error {
    anyhow::anyhow!(
        "--store needs the `milvus` feature, which this insights was built without: build it with `cargo build \
         --release --features milvus`"
    )
}

/// The store `url` names (`--store`'s value).
#[cfg(feature = "milvus")]
pub fn parse(url: &str) -> Result<insights::index::milvus::StoreUrl> {
    url.parse().map_err(|e: String| anyhow::anyhow!("--store {e}"))
}

/// The index the store `url` holds, and the model when `need_model` (checked against the store's vectors).
#[cfg(feature = "milvus")]
pub fn open(url: &str, model: &ModelArgs, need_model: bool) -> Result<StoreOpened> {
    use insights::corpus::remote::open_store;
    use insights::index::milvus::{MilvusStore, StoreSearch};

    let store = MilvusStore::connect(&parse(url)?);
    let index = open_store(&store)?;
    let embedder = if need_model {
        let kind = &index.meta.kind;
        let embedder = model.load_embedder(Some(&kind.model_id), Some(kind.precision))?;
        store.check_kind(kind, embedder.kind())?;
        Some(embedder)
    } else {
        None
    };
    let search = Box::new(StoreSearch::new(store, &index));
    Ok(StoreOpened {
        index,
        embedder,
        search,
    })
}

/// The index a store holds (this build has no Milvus support: an error saying how to get it).
#[cfg(not(feature = "milvus"))]
pub fn open(_url: &str, _model: &ModelArgs, _need_model: bool) -> Result<StoreOpened> {
    Err(unavailable())
}
