//! A model on disk: the paths of its files, and their verification against the manifest's sha256 sums.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::manifest::KnownModel;
use super::EmbedError;

/// The files insights reads from a model folder (Hugging Face layout), relative to that folder.
pub const MODEL_FILES: [&str; 6] = [
    "config.json",
    "tokenizer.json",
    "model.safetensors",
    "modules.json",
    "sentence_bert_config.json",
    "1_Pooling/config.json",
];

/// The files a model folder cannot do without; the sentence-transformers metadata is optional.
pub const REQUIRED_FILES: [&str; 3] = ["config.json", "tokenizer.json", "model.safetensors"];

/// The located files of one model, ready to load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelFiles {
    /// The model's name: its repo id, or the folder it was loaded from.
    pub id: String,
    /// `config.json`.
    pub config: PathBuf,
    /// `tokenizer.json`.
    pub tokenizer: PathBuf,
    /// `model.safetensors`.
    pub weights: PathBuf,
    /// `modules.json` (sentence-transformers), if present.
    pub modules: Option<PathBuf>,
    /// `sentence_bert_config.json` (sentence-transformers), if present.
    pub sentence_bert_config: Option<PathBuf>,
    /// `1_Pooling/config.json` (sentence-transformers), if present.
    pub pooling_config: Option<PathBuf>,
}

impl ModelFiles {
    /// The files of a model folder, named by `id`. Fails naming the first required file that is missing.
    pub fn from_dir(dir: &Path, id: &str) -> Result<Self, EmbedError> {
        Self::from_lookup(id, |file| {
            let path = dir.join(file);
            path.is_file().then_some(path)
        })
        .map_err(|file| EmbedError::MissingFile {
            dir: dir.to_path_buf(),
            file,
        })
    }

    /// Builds the set from a function that finds each file (in a folder, a cache, ...); `Err` names a missing
    /// required file.
    pub fn from_lookup(id: &str, find: impl Fn(&str) -> Option<PathBuf>) -> Result<Self, String> {
        let required = |file: &str| find(file).ok_or_else(|| file.to_string());
        Ok(ModelFiles {
            id: id.to_string(),
            config: required("config.json")?,
            tokenizer: required("tokenizer.json")?,
            weights: required("model.safetensors")?,
            modules: find("modules.json"),
            sentence_bert_config: find("sentence_bert_config.json"),
            pooling_config: find("1_Pooling/config.json"),
        })
    }

    /// Each present file with its name relative to the model folder.
    pub fn present(&self) -> Vec<(&'static str, &Path)> {
        let mut out = vec![
            ("config.json", self.config.as_path()),
            ("tokenizer.json", self.tokenizer.as_path()),
            ("model.safetensors", self.weights.as_path()),
        ];
        let optional = [
            ("modules.json", &self.modules),
            ("sentence_bert_config.json", &self.sentence_bert_config),
            ("1_Pooling/config.json", &self.pooling_config),
        ];
        for (name, path) in optional {
            if let Some(path) = path {
                out.push((name, path.as_path()));
            }
        }
        out
    }

    /// Checks every file the manifest lists for `known` against its sha256; a listed file that is missing or
    /// differs is refused. Returns the sha256 of the weights.
    pub fn verify(&self, known: &KnownModel) -> Result<String, EmbedError> {
        let present = self.present();
        let mut weights_sum = String::new();
        for (name, expected) in &known.files {
            let Some((_, path)) = present.iter().find(|(n, _)| n == name) else {
                return Err(EmbedError::ModelNotFound {
                    model: known.id.clone(),
                    reason: format!("its file {name} is missing next to {}", self.config.display()),
                    remedy: format!("insights models fetch {}", known.id),
                });
            };
            let actual = sha256_file(path)?;
            if &actual != expected {
                return Err(EmbedError::ChecksumMismatch {
                    path: path.to_path_buf(),
                    model: known.id.clone(),
                    expected: expected.clone(),
                    actual,
                });
            }
            if name == "model.safetensors" {
                weights_sum = actual;
            }
        }
        Ok(weights_sum)
    }
}

/// The sha256 of a file, lowercase hex.
pub fn sha256_file(path: &Path) -> Result<String, EmbedError> {
    let mut file = File::open(path).map_err(|e| EmbedError::io(path, e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).map_err(|e| EmbedError::io(path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

/// Lowercase hex of some bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
