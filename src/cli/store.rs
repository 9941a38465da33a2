//! `--store URL`: an index kept in a Milvus collection instead of a file (the `milvus` build feature): the address
//! parsed, and the store opened for the analysis commands (`insights index --store` writes it: index_cmd.rs).

use anyhow::Result;

use insights::analysis::cluster::ClusterOptions;
use insights::analysis::topics::Topic;
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

/// The topics of the store `url` with `keywords` keywords each, and the insights left unclustered, with the index
/// they are of: clustered by `opts` with the vectors read from the server a batch at a time, so that memory holds
/// the sample, a batch and the centroids, not the store's vectors (the same topics as of the index in a file).
#[cfg(feature = "milvus")]
pub fn topics(url: &str, opts: &ClusterOptions, keywords: usize) -> Result<(Index, Vec<Topic>, Vec<usize>)> {
    use insights::analysis::cluster::cluster_rows;
    use insights::analysis::topics::topics_of_rows;
    use insights::corpus::remote::open_store_rows;
    use insights::index::milvus::MilvusStore;

    let (index, rows) = open_store_rows(MilvusStore::connect(&parse(url)?))?;
    let clustering = cluster_rows(&rows, opts)?;
    let (topics, unclustered) = topics_of_rows(&index, &rows, &clustering, keywords)?;
    Ok((index, topics, unclustered))
}

/// The topics of a store (this build has no Milvus support: an error saying how to get it).
#[cfg(not(feature = "milvus"))]
pub fn topics(_url: &str, _opts: &ClusterOptions, _keywords: usize) -> Result<(Index, Vec<Topic>, Vec<usize>)> {
    Err(unavailable())
}

/// The index a store holds (this build has no Milvus support: an error saying how to get it).
#[cfg(not(feature = "milvus"))]
pub fn open(_url: &str, _model: &ModelArgs, _need_model: bool) -> Result<StoreOpened> {
    Err(unavailable())
}
