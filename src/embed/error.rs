//! Errors of the embedding stage: finding, verifying and loading a model, and running it.

use std::path::PathBuf;

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
    #[error("device {device}: {message}")]
    Device {
        /// The device asked for.
        device: String,
        /// Why it cannot be used.
        message: String,
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

/// What a failure to open a GPU means for the user, from candle's error: the driver's codes that say "no driver",
/// "no GPU" or "old driver" in words, with what to do; anything else as candle says it (without its backtrace).
pub fn explain_device_error(error: &candle_core::Error) -> String {
    let message = without_backtrace(error).to_string();
    let explained = [
        (
            "CUDA_ERROR_STUB_LIBRARY",
            "no NVIDIA driver: the libcuda.so.1 found is a stub, not the driver's; install the NVIDIA driver, or run \
             with --device cpu",
        ),
        (
            "CUDA_ERROR_NO_DEVICE",
            "the NVIDIA driver sees no GPU on this machine; run with --device cpu",
        ),
        (
            "CUDA_ERROR_INSUFFICIENT_DRIVER",
            "the NVIDIA driver is older than this build's CUDA 13.0 needs; update the driver, or run with --device cpu",
        ),
        (
            "CUDA_ERROR_INVALID_DEVICE",
            "no GPU with that number (cuda:0 is the first); run nvidia-smi to list them",
        ),
    ];
    for (code, words) in explained {
        if message.contains(code) {
            return format!("{words} ({code})");
        }
    }
    message
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
        let explained = explain_device_error(&stub);
        assert!(explained.starts_with("no NVIDIA driver"), "{explained}");
        assert!(explained.ends_with("(CUDA_ERROR_STUB_LIBRARY)"), "{explained}");
        let other = with_backtrace("out of memory");
        assert_eq!(explain_device_error(&other), "out of memory");
        let wrapped = EmbedError::Candle {
            model: "m".into(),
            source: with_backtrace("shape mismatch"),
        };
        assert_eq!(wrapped.to_string(), "model m: shape mismatch");
    }
}
