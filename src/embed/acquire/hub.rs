//! Fetching a model from the Hugging Face hub (through hf-hub), with download progress as events.

use std::net::{TcpStream, ToSocketAddrs};
use std::path::Path;
use std::time::Duration;

use hf_hub::api::sync::ApiBuilder;
use hf_hub::{Cache, Repo, RepoType};

use super::manifest::KnownModel;
use super::model_files::{MODEL_FILES, REQUIRED_FILES};
use super::FetchEvent;
use crate::embed::EmbedError;

/// Downloads `id`'s files from the hub at `endpoint` into the Hugging Face cache `hf_cache`.
pub(super) fn download(
    id: &str,
    known: Option<&KnownModel>,
    hf_cache: &Path,
    endpoint: &str,
    events: &mut dyn FnMut(FetchEvent),
) -> Result<(), EmbedError> {
    let fetch_err = |message: String| EmbedError::Fetch {
        model: id.to_string(),
        message,
    };
    let api = ApiBuilder::from_cache(Cache::new(hf_cache.to_path_buf()))
        .with_endpoint(endpoint.to_string())
        .with_progress(false)
        .build()
        .map_err(|e| fetch_err(e.to_string()))?;
    let repo = api.repo(hub_repo(id, known));
    events(FetchEvent::Step(format!(
        "downloading {id} from the Hugging Face hub into {}",
        hf_cache.display()
    )));
    for file in MODEL_FILES {
        let progress = DownloadProgress {
            file: file.to_string(),
            done: 0,
            total: 0,
            events: &mut *events,
        };
        match repo.download_with_progress(file, progress) {
            Ok(_) => {}
            // The sentence-transformers metadata is optional: a plain Hugging Face model lacks it.
            Err(e) if !REQUIRED_FILES.contains(&file) && is_not_found(&e) => {}
            Err(e) => return Err(fetch_err(format!("{file}: {e}"))),
        }
    }
    Ok(())
}

/// Whether a hub error says the file does not exist (HTTP 404), as opposed to a failed transfer.
fn is_not_found(err: &hf_hub::api::sync::ApiError) -> bool {
    use hf_hub::api::sync::ApiError;
    match err {
        ApiError::RequestError(e) => matches!(**e, ureq::Error::Status(404, _)),
        ApiError::TooManyRetries(inner) => is_not_found(inner),
        _ => false,
    }
}

/// The hub repository of `id`, at the manifest's pinned revision for a known model, else `main`.
pub(super) fn hub_repo(id: &str, known: Option<&KnownModel>) -> Repo {
    let revision = known.map_or("main", |k| k.revision.as_str());
    Repo::with_revision(id.to_string(), RepoType::Model, revision.to_string())
}

/// Whether a TCP connection to the endpoint's host opens within a few seconds; `Err` says why not.
pub(super) fn hub_reachable(endpoint: &str) -> Result<(), String> {
    let (scheme, rest) = endpoint.split_once("://").unwrap_or(("https", endpoint));
    let authority = rest.split('/').next().unwrap_or(rest);
    let default_port = if scheme == "http" { 80 } else { 443 };
    let host_port = if authority.contains(':') {
        authority.to_string()
    } else {
        format!("{authority}:{default_port}")
    };
    let addrs: Vec<_> = host_port
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {authority}: {e}"))?
        .collect();
    let mut last = format!("no address for {authority}");
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, Duration::from_secs(5)) {
            Ok(_) => return Ok(()),
            Err(e) => last = format!("cannot connect to {authority}: {e}"),
        }
    }
    Err(last)
}

/// Forwards hf-hub's download progress as [`FetchEvent::Download`] events.
struct DownloadProgress<'a> {
    file: String,
    done: u64,
    total: u64,
    events: &'a mut dyn FnMut(FetchEvent),
}

impl hf_hub::api::Progress for DownloadProgress<'_> {
    fn init(&mut self, size: usize, _filename: &str) {
        self.total = size as u64;
        self.done = 0;
    }

    fn update(&mut self, size: usize) {
        self.done += size as u64;
        (self.events)(FetchEvent::Download {
            file: self.file.clone(),
            done: self.done,
            total: self.total,
        });
    }

    fn finish(&mut self) {}
}
