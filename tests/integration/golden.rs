//! Golden files: each command's JSON on `seeds/` against the copy in `tests/golden/`, so that a renamed field or a
//! changed shape cannot slip into the schema unnoticed. Scores may differ in the last of their 4 decimals between
//! processors (sums in another order); everything else must match exactly, keys in order. Run with
//! `INSIGHTS_UPDATE_GOLDEN=1` to write the files anew after a deliberate change (and bump `schema_version`).

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::cli_embed::insights;
use crate::pipeline::run;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The largest difference allowed between two scores.
const SCORE_TOLERANCE: f64 = 2e-4;

/// `expected` and `got` agree: same shape, keys in the same order, equal strings and booleans, numbers within the
/// tolerance. The first difference is named by its JSON path.
fn agree(expected: &Value, got: &Value, at: &str) -> Result<(), String> {
    match (expected, got) {
        (Value::Object(a), Value::Object(b)) => {
            let (ka, kb): (Vec<&String>, Vec<&String>) = (a.keys().collect(), b.keys().collect());
            if ka != kb {
                return Err(format!("{at}: keys {ka:?} != {kb:?}"));
            }
            a.iter().try_for_each(|(k, v)| agree(v, &b[k], &format!("{at}.{k}")))
        }
        (Value::Array(a), Value::Array(b)) => {
            if a.len() != b.len() {
                return Err(format!("{at}: {} items != {}", a.len(), b.len()));
            }
            a.iter()
                .zip(b)
                .enumerate()
                .try_for_each(|(i, (x, y))| agree(x, y, &format!("{at}[{i}]")))
        }
        (Value::Number(a), Value::Number(b)) => {
            let (x, y) = (a.as_f64().unwrap(), b.as_f64().unwrap());
            let integers = a.is_u64() || a.is_i64();
            if (integers && a != b) || (x - y).abs() > SCORE_TOLERANCE {
                return Err(format!("{at}: {a} != {b}"));
            }
            Ok(())
        }
        (a, b) if a == b => Ok(()),
        (a, b) => Err(format!("{at}: {a} != {b}")),
    }
}

/// Runs `insights ARGS` in the crate's folder, with paths of this run written as `$TMP`.
fn json_of(args: &[&str], tmp: &Path) -> Value {
    let (ok, stdout, stderr) = run(insights().current_dir(root()).args(args).arg("-q"));
    assert!(ok, "{args:?}: {stderr}");
    serde_json::from_str(&stdout.replace(&tmp.display().to_string(), "$TMP")).expect("JSON")
}

fn check(name: &str, got: Value) {
    let path: PathBuf = root().join("tests/golden").join(format!("{name}.json"));
    if std::env::var_os("INSIGHTS_UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, serde_json::to_string_pretty(&got).unwrap() + "\n").unwrap();
        return;
    }
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (INSIGHTS_UPDATE_GOLDEN=1 writes it)", path.display())),
    )
    .unwrap();
    if let Err(difference) = agree(&expected, &got, name) {
        panic!("{name}'s JSON differs from {}: {difference}", path.display());
    }
}

#[test]
fn every_command_writes_the_json_of_its_golden_file() {
    let tmp = tempfile::tempdir().unwrap();
    let index = tmp.path().join("seeds.idx");
    let index = index.to_str().unwrap();
    // Dates from the file names only: a fresh clone's modification times are the clone's.
    let dates = ["--date-from", "name"];
    let with = |args: &[&'static str]| -> Vec<&str> { args.iter().copied().chain(dates).collect() };
    check(
        "index",
        json_of(
            &[&with(&["index", "seeds/"])[..], &["-i", index, "--json"]].concat(),
            tmp.path(),
        ),
    );
    check("report", json_of(&with(&["report", "seeds/", "--json"]), tmp.path()));
    check("clusters", json_of(&["clusters", "-i", index, "--json"], tmp.path()));
    check("neighbors", json_of(&["neighbors", "-i", index, "--json"], tmp.path()));
    check(
        "duplicates",
        json_of(&["duplicates", "-i", index, "--json"], tmp.path()),
    );
    check(
        "similar",
        json_of(
            &["similar", "Nations want their own AI", "-i", index, "--json"],
            tmp.path(),
        ),
    );
    check(
        "similar_file",
        json_of(
            &[
                "similar",
                "--file",
                "seeds/000_050be5057ca1e8ea.txt",
                "-i",
                index,
                "--json",
            ],
            tmp.path(),
        ),
    );
}

#[test]
fn the_comparison_names_what_differs() {
    let a: Value = serde_json::json!({"x": [1, {"score": 0.5}], "k": "v"});
    assert!(agree(&a, &serde_json::json!({"x": [1, {"score": 0.50015}], "k": "v"}), "a").is_ok());
    let err = agree(&a, &serde_json::json!({"x": [1, {"score": 0.51}], "k": "v"}), "a").unwrap_err();
    assert_eq!(err, "a.x[1].score: 0.5 != 0.51");
    assert!(
        agree(&a, &serde_json::json!({"k": "v", "x": [1, {"score": 0.5}]}), "a").is_err(),
        "key order"
    );
    assert!(
        agree(&a, &serde_json::json!({"x": [2, {"score": 0.5}], "k": "v"}), "a").is_err(),
        "integers exact"
    );
}
