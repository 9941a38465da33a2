//! Sharded embedding as a distributed engine runs it: `insights embed --shard K/N --parquet` per shard, then
//! `insights index --from-parquet`, which must embed nothing and give the index a direct `insights index` gives.
//! The Spark test runs scripts/spark_embed.py with a real pyspark (local mode, on loopback); `.ci/run` sets it up.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cli_embed::insights;
use crate::common::{default_model, seeds};
use crate::model_loading::write_model_with_real_tokenizer;

/// Runs the binary; its stdout, or a panic with its stderr.
pub fn run(cmd: &mut Command) -> String {
    let out = cmd.output().expect("binary runs");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `insights index PATHS -i FILE --json` (plus `more`), parsed.
fn index(paths: &[PathBuf], file: &Path, more: &[&str]) -> serde_json::Value {
    let mut cmd = insights();
    cmd.arg("index")
        .args(paths)
        .arg("-i")
        .arg(file)
        .args(["--json", "--quiet", "--ann", "off"]);
    serde_json::from_str(&run(cmd.args(more))).unwrap()
}

fn counts(v: &serde_json::Value) -> (u64, u64) {
    (
        v["embedded"].as_u64().unwrap(),
        v["sentences_embedded"].as_u64().unwrap(),
    )
}

#[test]
fn an_index_from_shards_is_the_index_made_directly_and_embeds_nothing() {
    default_model();
    let tmp = tempfile::tempdir().unwrap();
    let docs = vec![seeds()];
    let direct = tmp.path().join("direct.idx");
    let made = index(&docs, &direct, &[]);
    let shards = tmp.path().join("shards");
    std::fs::create_dir(&shards).unwrap();
    for k in 0..3 {
        let file = shards.join(format!("{k}.parquet"));
        run(insights()
            .arg("embed")
            .args(&docs)
            .args(["--quiet", "--shard", &format!("{k}/3"), "--parquet"])
            .arg(&file));
        assert!(file.is_file() && !shards.join(format!("{k}.parquet.partial")).exists());
    }
    let from = tmp.path().join("from.idx");
    let taken = index(&docs, &from, &["--from-parquet", shards.to_str().unwrap()]);
    assert_eq!(counts(&taken), (0, 0), "nothing embedded again: {taken}");
    assert!(counts(&made).0 > 30, "{made}");
    assert_eq!(taken["insights"], made["insights"]);
    let (a, b) = (std::fs::read(&direct).unwrap(), std::fs::read(&from).unwrap());
    assert!(a == b, "the index from shards differs from the direct one");

    // A missing shard, or shards split otherwise, are refused by name, and no index is written.
    std::fs::remove_file(shards.join("1.parquet")).unwrap();
    let refused = tmp.path().join("refused.idx");
    let mut cmd = insights();
    cmd.arg("index")
        .args(&docs)
        .arg("-i")
        .arg(&refused)
        .arg("--from-parquet")
        .arg(&shards);
    let out = cmd.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("shards 1/3 are missing"), "{err}");
    assert!(!refused.exists());
    let out = insights()
        .arg("index")
        .args(&docs)
        .arg("-i")
        .arg(&refused)
        .args(["--split", "sentence", "--from-parquet"])
        .arg(shards.join("0.parquet"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("were split with"), "{err}");
}

/// The Python with pyspark that the Spark test runs (`.ci/run` makes it; see scripts/scale_out_env.sh).
fn spark_python() -> PathBuf {
    PathBuf::from(std::env::var_os("INSIGHTS_SPARK_PYTHON").expect(
        "INSIGHTS_SPARK_PYTHON names a Python with pyspark and Java on the PATH: `scripts/scale_out_env.sh` makes one",
    ))
}

#[test]
#[ignore = "needs pyspark and Java: .ci/run runs it (scripts/scale_out_env.sh sets them up)"]
fn spark_embeds_2000_debian_passages_in_4_shards_as_one_process_does() {
    let tmp = tempfile::tempdir().unwrap();
    // A random model with the real tokenizer: the forward passes cost nothing, and what is tested (which texts
    // each shard embeds, the Parquet round trip, Spark's tasks, the index from the shards) is all real. The real
    // model goes through the same path in `an_index_from_shards_is_the_index_made_directly_and_embeds_nothing`.
    let tiny = tmp.path().join("tiny");
    write_model_with_real_tokenizer(&tiny);
    let tiny = tiny.to_str().unwrap();
    let passages = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/debian_2000.jsonl");
    let docs = vec![passages];
    let direct = tmp.path().join("direct.idx");
    let made = index(&docs, &direct, &["--model", tiny]);
    let shards = tmp.path().join("shards");
    let from = tmp.path().join("spark.idx");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/spark_embed.py");
    let out = Command::new(spark_python())
        .arg(script)
        .args(["--binary", env!("CARGO_BIN_EXE_insights"), "--partitions", "4", "--out"])
        .arg(&shards)
        .arg("--index")
        .arg(&from)
        .args(&docs)
        .args(["--", "--model", tiny])
        .output()
        .expect("the Spark script runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "spark_embed.py failed: {stderr}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON line");
    let (texts, sentences) = counts(&made);
    assert_eq!(report["rows"].as_u64(), Some(texts + sentences), "{report}");
    assert_eq!(report["distinct_text_hashes"], report["rows"]);
    assert_eq!(made["insights"].as_u64(), Some(2000));
    assert_eq!(counts(&report["index"]), (0, 0), "{report}");
    let shard_files = std::fs::read_dir(&shards).unwrap().count();
    assert_eq!(shard_files, 4);
    let (a, b) = (std::fs::read(&direct).unwrap(), std::fs::read(&from).unwrap());
    assert!(a == b, "the index from Spark's shards differs from the direct one");
}
