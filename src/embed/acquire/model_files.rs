//! A model on disk: the paths of its files, and their verification against the manifest's sha256 sums.

use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::manifest::KnownModel;
use crate::embed::EmbedError;

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
    /// differs is refused. Returns the sha256 of the weights. `stamps` spares re-hashing files unchanged since
    /// they were last hashed.
    pub fn verify(&self, known: &KnownModel, stamps: &ChecksumStamps) -> Result<String, EmbedError> {
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
            let actual = stamps.sha256(path)?;
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

/// Checksums remembered between runs, so that loading a model does not re-hash its 90 MB of weights every time.
///
/// A stamp records a file's sha256 together with its size, modification and status-change times, inode and device;
/// it is used only while all of these are unchanged. Writing a file changes its status-change time (which, unlike
/// the modification time, cannot be set back without root), so a file edited since it was hashed is hashed again.
/// Stamps are plain files named by a hash of the file's full path; a stamp that cannot be written is no error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChecksumStamps {
    dir: Option<PathBuf>,
}

impl ChecksumStamps {
    /// Stamps kept in `dir` (created on first use).
    pub fn in_dir(dir: impl Into<PathBuf>) -> Self {
        ChecksumStamps { dir: Some(dir.into()) }
    }

    /// No stamps: every file is hashed every time.
    pub fn none() -> Self {
        ChecksumStamps { dir: None }
    }

    /// The sha256 of `path` (lowercase hex): from its stamp when the file is unchanged since, else hashed now
    /// (and stamped).
    pub fn sha256(&self, path: &Path) -> Result<String, EmbedError> {
        let Some(dir) = &self.dir else {
            return sha256_file(path);
        };
        let canonical = path.canonicalize().map_err(|e| EmbedError::io(path, e))?;
        let identity = file_identity(&canonical).map_err(|e| EmbedError::io(path, e))?;
        let stamp = dir.join(&hex(&Sha256::digest(canonical.as_os_str().as_encoded_bytes()))[..32]);
        if let Ok(text) = fs::read_to_string(&stamp) {
            if let Some((id, sum)) = text.trim_end().rsplit_once(' ') {
                if id == identity && sum.len() == 64 && sum.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Ok(sum.to_string());
                }
            }
        }
        let sum = sha256_file(path)?;
        // Stamp only if the file did not change while it was being hashed.
        if file_identity(&canonical).is_ok_and(|after| after == identity) {
            let _ = write_stamp(dir, &stamp, &format!("{identity} {sum}\n"));
        }
        Ok(sum)
    }
}

/// What identifies one version of a file: its size, times, inode and device.
fn file_identity(path: &Path) -> std::io::Result<String> {
    let meta = fs::metadata(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Ok(format!(
            "v1 {} {}.{} {}.{} {} {}",
            meta.size(),
            meta.mtime(),
            meta.mtime_nsec(),
            meta.ctime(),
            meta.ctime_nsec(),
            meta.ino(),
            meta.dev()
        ))
    }
    #[cfg(not(unix))]
    {
        let modified = meta
            .modified()?
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Ok(format!("v1 {} {}", meta.len(), modified.as_nanos()))
    }
}

/// Writes a stamp atomically (temporary file, then rename).
fn write_stamp(dir: &Path, stamp: &Path, text: &str) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    let tmp = stamp.with_extension(format!("tmp-{}", std::process::id()));
    fs::write(&tmp, text)?;
    fs::rename(&tmp, stamp).inspect_err(|_| {
        let _ = fs::remove_file(&tmp);
    })
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
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 15)] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one stamp file in a stamp folder.
    fn only_file(dir: &Path) -> PathBuf {
        fs::read_dir(dir).unwrap().next().unwrap().unwrap().path()
    }

    #[test]
    fn a_stamp_spares_rehashing_until_the_file_changes() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("weights.bin");
        fs::write(&file, b"first").unwrap();
        let stamps = ChecksumStamps::in_dir(dir.path().join("stamps"));
        let first = stamps.sha256(&file).unwrap();
        assert_eq!(first, sha256_file(&file).unwrap());
        // Overwrite the remembered sum: an unchanged file is then taken at its stamp's word.
        let stamp = only_file(&dir.path().join("stamps"));
        let text = fs::read_to_string(&stamp).unwrap();
        let forged = format!("{} {}\n", text.trim_end().rsplit_once(' ').unwrap().0, "ab".repeat(32));
        fs::write(&stamp, forged).unwrap();
        assert_eq!(stamps.sha256(&file).unwrap(), "ab".repeat(32));
        // Any write to the file changes its status-change time (and here its size): it is hashed again.
        fs::write(&file, b"second!").unwrap();
        let second = stamps.sha256(&file).unwrap();
        assert_eq!(second, sha256_file(&file).unwrap());
        assert_ne!(second, first);
        assert_eq!(ChecksumStamps::none().sha256(&file).unwrap(), second);
    }

    #[test]
    fn a_damaged_stamp_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("w");
        fs::write(&file, b"x").unwrap();
        let stamps = ChecksumStamps::in_dir(dir.path().join("s"));
        stamps.sha256(&file).unwrap();
        let stamp = only_file(&dir.path().join("s"));
        fs::write(&stamp, "garbage").unwrap();
        assert_eq!(stamps.sha256(&file).unwrap(), sha256_file(&file).unwrap());
    }
}
