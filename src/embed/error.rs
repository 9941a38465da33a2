//! Errors of the embedding stage: finding, verifying and loading a model, and running it.

use std::fmt;
use std::path::PathBuf;

use super::precision::{Precision, PrecisionRefusal};

/// Why a model could not be found, verified, loaded or run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmbedError {
    /// The model is not on this machine and could not be fetched.
    #[error("model {model} is not available: {reason}\n  to get it: {remedy}")]
    ModelNotFound {
        /// The model asked for.
        model: String,
        /// What was tried and why it failed.
        reason: String,
        /// The command or step that gets it.
        remedy: String,
    },
    /// A model folder lacks a file the model needs.
    #[error("{dir}: missing {file} (a model folder needs config.json, tokenizer.json and model.safetensors)")]
    MissingFile {
        /// The model folder.
        dir: PathBuf,
        /// The file that is missing.
        file: String,
    },
    /// A model file's sha256 differs from the one in the manifest of known models.
    #[error("{path}: sha256 mismatch for {model}: expected {expected}, found {actual}; the file is corrupt or not the published one: delete it and fetch again (insights models fetch {model})")]
    ChecksumMismatch {
        /// The file.
        path: PathBuf,
        /// The model it belongs to.
        model: String,
        /// The sum in the manifest.
        expected: String,
        /// The sum of the file on disk.
        actual: String,
    },
    /// The model's `config.json` names an architecture this build cannot run.
    #[error("{path}: model type {found:?} is not supported; insights runs BERT encoders (model_type \"bert\"), such as sentence-transformers/all-MiniLM-L6-v2")]
    UnsupportedArchitecture {
        /// The config file.
        path: PathBuf,
        /// The model type it names.
        found: String,
    },
    /// A model configuration file is malformed or asks for something unsupported.
    #[error("{path}: {message}")]
    Config {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The tokenizer could not be loaded or failed on a text.
    #[error("tokenizer {path}: {message}")]
    Tokenizer {
        /// The tokenizer file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The requested device is not available in this build or on this machine.
    #[error("device {device}: {problem}")]
    Device {
        /// The device asked for.
        device: String,
        /// Why it cannot be used.
        problem: DeviceProblem,
    },
    /// The precision asked for cannot run with the engine and device chosen.
    #[error("{precision} precision is not available: {refusal}")]
    PrecisionUnavailable {
        /// The precision asked for.
        precision: Precision,
        /// Why not.
        refusal: PrecisionRefusal,
    },
    /// Fetching a model failed after it was found to be available.
    #[error("fetching {model}: {message}")]
    Fetch {
        /// The model.
        model: String,
        /// What went wrong.
        message: String,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The tensor library failed while loading weights or running the model.
    #[error("model {model}: {}", without_backtrace(.source))]
    Candle {
        /// The model (its id or folder).
        model: String,
        /// The underlying error.
        source: candle_core::Error,
    },
}

impl EmbedError {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        EmbedError::Io {
            path: path.into(),
            source,
        }
    }

    /// A configuration error about `path`.
    pub fn config(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        EmbedError::Config {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// candle's error without the backtrace it carries when `RUST_BACKTRACE` is set: a user needs the message, not the
/// tensor library's call stack.
pub fn without_backtrace(error: &candle_core::Error) -> &candle_core::Error {
    match error {
        candle_core::Error::WithBacktrace { inner, .. } => without_backtrace(inner),
        other => other,
    }
}

/// Why a device could not be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeviceProblem {
    /// This build was made without the feature the device needs (`CUDA` or `Metal`).
    NotInBuild {
        /// The feature's name as users know it.
        feature: &'static str,
    },
    /// The `libcuda.so.1` found is a stub, not an NVIDIA driver's (`CUDA_ERROR_STUB_LIBRARY`).
    NoDriver,
    /// The driver sees no GPU (`CUDA_ERROR_NO_DEVICE`).
    NoGpu,
    /// The driver is older than this build's CUDA needs (`CUDA_ERROR_INSUFFICIENT_DRIVER`).
    OldDriver,
    /// There is no GPU with the number asked for (`CUDA_ERROR_INVALID_DEVICE`).
    NoSuchGpu,
    /// Anything else, as the tensor library says it (without its backtrace).
    Other(String),
}

impl DeviceProblem {
    /// What a failure to open a GPU means, from candle's error: the driver's codes that say "no driver", "no GPU",
    /// "old driver" or "no such GPU"; anything else as candle says it.
    pub fn of(error: &candle_core::Error) -> DeviceProblem {
        let message = without_backtrace(error).to_string();
        [
            ("CUDA_ERROR_STUB_LIBRARY", DeviceProblem::NoDriver),
            ("CUDA_ERROR_NO_DEVICE", DeviceProblem::NoGpu),
            ("CUDA_ERROR_INSUFFICIENT_DRIVER", DeviceProblem::OldDriver),
            ("CUDA_ERROR_INVALID_DEVICE", DeviceProblem::NoSuchGpu),
        ]
        .into_iter()
        .find(|(code, _)| message.contains(code))
        .map_or(DeviceProblem::Other(message), |(_, problem)| problem)
    }

    /// True when the problem is this machine's driver or GPU, so that the CPU would do instead.
    pub fn no_usable_gpu(&self) -> bool {
        matches!(
            self,
            DeviceProblem::NoDriver | DeviceProblem::NoGpu | DeviceProblem::OldDriver
        )
    }
}

impl fmt::Display for DeviceProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeviceProblem::NotInBuild { feature } => write!(
                f,
                "this build of insights has no {feature} support; rebuild with `cargo build --release --features {}`",
                feature.to_ascii_lowercase()
            ),
            DeviceProblem::NoDriver => f.write_str(
                "no NVIDIA driver: the libcuda.so.1 found is a stub, not the driver's; install the NVIDIA driver \
                 (CUDA_ERROR_STUB_LIBRARY)",
            ),
            DeviceProblem::NoGpu => f.write_str("the NVIDIA driver sees no GPU on this machine (CUDA_ERROR_NO_DEVICE)"),
            DeviceProblem::OldDriver => f.write_str(
                "the NVIDIA driver is older than this build's CUDA 13.0 needs; update the driver \
                 (CUDA_ERROR_INSUFFICIENT_DRIVER)",
            ),
            DeviceProblem::NoSuchGpu => f.write_str(
                "no GPU with that number (cuda:0 is the first); run nvidia-smi to list them (CUDA_ERROR_INVALID_DEVICE)",
            ),
            DeviceProblem::Other(message) => f.write_str(message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `message` as candle gives it when `RUST_BACKTRACE` is set.
    fn with_backtrace(message: &str) -> candle_core::Error {
        candle_core::Error::WithBacktrace {
            inner: Box::new(candle_core::Error::Msg(message.into())),
            backtrace: Box::new(std::backtrace::Backtrace::force_capture()),
        }
    }

    #[test]
    fn device_errors_lose_the_backtrace_and_known_driver_codes_are_explained() {
        let stub = with_backtrace("DriverError(CUDA_ERROR_STUB_LIBRARY, \"stub\")");
        let explained = DeviceProblem::of(&stub);
        assert_eq!(explained, DeviceProblem::NoDriver);
        assert!(explained.no_usable_gpu());
        let words = explained.to_string();
        assert!(words.starts_with("no NVIDIA driver"), "{words}");
        assert!(words.ends_with("(CUDA_ERROR_STUB_LIBRARY)"), "{words}");
        let other = DeviceProblem::of(&with_backtrace("out of memory"));
        assert_eq!(other, DeviceProblem::Other("out of memory".into()));
        assert!(!other.no_usable_gpu());
        let wrapped = EmbedError::Candle {
            model: "m".into(),
            source: with_backtrace("shape mismatch"),
        };
        assert_eq!(wrapped.to_string(), "model m: shape mismatch");
    }
}
