//! `insights embed` and `insights models` as a user runs them.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::common::default_model;

/// The binary under test, with the model-related environment cleared and a vector cache of the tests' own (never
/// the user's).
pub fn insights() -> Command {
    static CACHE: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    let cache = CACHE.get_or_init(|| tempfile::tempdir().expect("temporary cache folder"));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_insights"));
    cmd.env_remove("INSIGHTS_MODEL")
        .env_remove("NO_COLOR")
        .env("INSIGHTS_CACHE_DIR", cache.path());
    cmd
}

/// Runs the binary with `stdin` as input; returns (exit success, stdout, stderr).
pub fn run_with_input(cmd: &mut Command, stdin: &str) -> (bool, String, String) {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn embed_hello_world_gives_one_unit_vector() {
    default_model();
    let (ok, stdout, stderr) = run_with_input(insights().args(["embed", "--quiet"]), "hello world\n");
    assert!(ok, "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1);
    let value: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(value["text"], "hello world");
    let v: Vec<f64> = serde_json::from_value(value["embedding"].clone()).unwrap();
    assert_eq!(v.len(), 384);
    let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
    assert!((norm - 1.0).abs() < 1e-5, "norm {norm}");
}

#[test]
fn offline_without_the_model_says_what_to_run() {
    let tmp = tempfile::tempdir().unwrap();
    let (ok, stdout, stderr) = run_with_input(
        insights()
            .arg("embed")
            .env("HF_HUB_OFFLINE", "1")
            .env("INSIGHTS_MODELS", tmp.path().join("models"))
            .env("HF_HOME", tmp.path().join("hf"))
            .env_remove("HF_HUB_CACHE"),
        "hello world\n",
    );
    assert!(!ok);
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("sentence-transformers/all-MiniLM-L6-v2 is not available"),
        "{stderr}"
    );
    assert!(
        stderr.contains("insights models fetch sentence-transformers/all-MiniLM-L6-v2"),
        "{stderr}"
    );
    assert_eq!(stderr.matches("error:").count(), 1, "one message: {stderr}");
}

#[test]
fn jsonl_input_without_text_names_the_line() {
    let (ok, _, stderr) = run_with_input(
        insights().args(["embed", "--jsonl"]),
        "{\"text\": \"a\"}\n{\"id\": 2}\n",
    );
    assert!(!ok);
    assert!(
        stderr.contains("-:2") && stderr.contains("no \"text\" field"),
        "{stderr}"
    );
}
