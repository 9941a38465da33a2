//! `--ann`: the approximate index on the seeds gives the exact answers, and `insights index` writes, updates,
//! removes and survives a damaged `INDEX.ann`.

use crate::common::seeds;
use std::path::Path;

use serde_json::Value;

use crate::cli_embed::insights;
use crate::pipeline::run;

/// `insights index seeds/ -i INDEX --ann ANN --json`, parsed.
fn index(index: &Path, ann: &str) -> Value {
    let (ok, stdout, stderr) = run(insights()
        .arg("index")
        .arg(seeds())
        .arg("-i")
        .arg(index)
        .args(["--ann", ann, "--json", "-q"]));
    assert!(ok, "{stderr}");
    serde_json::from_str(&stdout).expect("valid JSON")
}

/// A search command on `index` with `--ann ann`: its JSON and its stderr.
fn search(index: &Path, ann: &str, args: &[&str]) -> (Value, String) {
    let (ok, stdout, stderr) = run(insights()
        .args(args)
        .arg("-i")
        .arg(index)
        .args(["--ann", ann, "--json"]));
    assert!(ok, "{stderr}");
    (serde_json::from_str(&stdout).expect("valid JSON"), stderr)
}

const COMMANDS: [&[&str]; 3] = [
    &[
        "similar",
        "Countries want their own models so that no foreign vendor can switch them off.",
    ],
    &["neighbors"],
    &["duplicates"],
];

#[test]
fn the_approximate_index_answers_as_exact_search_does_and_follows_the_index() {
    let tmp = tempfile::tempdir().unwrap();
    let idx = tmp.path().join("seeds.idx");
    let ann = tmp.path().join("seeds.idx.ann");

    let v = index(&idx, "on");
    let written = &v["approximate_index"];
    assert_eq!(written["file"], ann.display().to_string(), "{v:#}");
    assert_eq!(written["rebuilt"], true);
    let texts = written["added"].as_u64().unwrap();
    assert!(texts > 20 && texts < 43, "distinct texts, not insights: {texts}");
    assert!(ann.exists());

    // With so few nodes the graph search finds the true neighbours: every answer is the exact one.
    for args in COMMANDS {
        let (exact, _) = search(&idx, "off", args);
        let (approximate, stderr) = search(&idx, "on", args);
        assert_eq!(exact, approximate, "{args:?}");
        assert!(!stderr.contains("searching without it"), "{stderr}");
    }

    // Indexing again with nothing new updates the graph in place: nothing added, nothing removed.
    let v = index(&idx, "auto");
    let updated = &v["approximate_index"];
    assert_eq!(
        (updated["added"].as_u64(), updated["removed"].as_u64()),
        (Some(0), Some(0)),
        "{v:#}"
    );
    assert_eq!(updated["rebuilt"], false);

    // A damaged sidecar is named, not trusted: searches fall back and still give the exact answer.
    let mut bytes = std::fs::read(&ann).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    std::fs::write(&ann, &bytes).unwrap();
    let (exact, _) = search(&idx, "off", COMMANDS[0]);
    let (fallback, stderr) = search(&idx, "auto", COMMANDS[0]);
    assert_eq!(exact, fallback);
    assert!(stderr.contains("seeds.idx.ann"), "the damaged file is named: {stderr}");
    // ... and `insights index` builds it again.
    let v = index(&idx, "auto");
    assert_eq!(v["approximate_index"]["rebuilt"], true, "{v:#}");
    let (again, stderr) = search(&idx, "auto", COMMANDS[0]);
    assert_eq!(exact, again);
    assert!(!stderr.contains("searching without it"), "{stderr}");

    // `off` removes it; `auto` below 20,000 texts does not create one.
    let v = index(&idx, "off");
    assert!(v["approximate_index"].is_null() && !ann.exists(), "{v:#}");
    let v = index(&idx, "auto");
    assert!(v["approximate_index"].is_null() && !ann.exists(), "{v:#}");
}

#[test]
fn an_int8_copy_is_kept_through_updates_and_answers_stay_exact() {
    let tmp = tempfile::tempdir().unwrap();
    let idx = tmp.path().join("seeds.idx");
    let (ok, stdout, stderr) = run(insights().arg("index").arg(seeds()).arg("-i").arg(&idx).args([
        "--ann",
        "on",
        "--ann-vectors",
        "int8",
        "--json",
        "-q",
    ]));
    assert!(ok, "{stderr}");
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["approximate_index"]["vectors"], "int8", "{v:#}");
    let with_copy = std::fs::metadata(tmp.path().join("seeds.idx.ann")).unwrap().len();

    // The walk reads the int8 copy, but every result is re-scored with the f32 vectors: the same answers.
    for args in COMMANDS {
        let (exact, _) = search(&idx, "off", args);
        let (approximate, stderr) = search(&idx, "on", args);
        assert_eq!(exact, approximate, "{args:?}");
        assert!(!stderr.contains("searching without it"), "{stderr}");
    }

    // Indexing again without --ann-vectors keeps the copy; --ann-vectors f32 drops it.
    assert_eq!(index(&idx, "auto")["approximate_index"]["vectors"], "int8");
    let (ok, stdout, stderr) =
        run(insights()
            .arg("index")
            .arg(seeds())
            .arg("-i")
            .arg(&idx)
            .args(["--ann-vectors", "f32", "--json", "-q"]));
    assert!(ok, "{stderr}");
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["approximate_index"]["vectors"], "f32", "{v:#}");
    let without = std::fs::metadata(tmp.path().join("seeds.idx.ann")).unwrap().len();
    assert!(without < with_copy, "{without} < {with_copy}");
}
