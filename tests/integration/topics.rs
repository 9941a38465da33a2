//! Clusters separate known topics: 40 Debian package descriptions from four sections (fonts, hamradio, games,
//! database), embedded by the real model and clustered by the CLI.

use std::collections::HashMap;
use std::path::Path;

use insights::analysis::cluster::nmi;
use serde_json::Value;

use crate::cli_embed::insights;
use crate::pipeline::run;

fn fixture() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/debian_4_sections.jsonl")
}

/// The NMI of the clusters in `v` (a `clusters --json` document) against the fixture's labels.
fn nmi_against_labels(v: &Value) -> f64 {
    let labels: HashMap<String, String> = std::fs::read_to_string(fixture())
        .unwrap()
        .lines()
        .map(|l| {
            let r: Value = serde_json::from_str(l).unwrap();
            (
                r["id"].as_str().unwrap().to_string(),
                r["label"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let names: Vec<&String> = {
        let mut n: Vec<&String> = labels.values().collect();
        n.sort();
        n.dedup();
        n
    };
    let (mut truth, mut found) = (Vec::new(), Vec::new());
    for (c, cluster) in v["clusters"].as_array().unwrap().iter().enumerate() {
        for m in cluster["members"].as_array().unwrap() {
            let label = &labels[m["source_id"].as_str().unwrap()];
            truth.push(names.iter().position(|n| *n == label).unwrap());
            found.push(c);
        }
    }
    assert_eq!(truth.len(), 40, "every item clustered");
    nmi(&truth, &found)
}

#[test]
fn four_sections_come_out_as_four_topics() {
    let (ok, stdout, stderr) = run(insights()
        .arg("clusters")
        .arg(fixture())
        .args(["--topics", "4", "--json", "-q"]));
    assert!(ok, "{stderr}");
    let (_, former, _) = run(insights()
        .arg("clusters")
        .arg(fixture())
        .args(["--k", "4", "--json", "-q"]));
    assert_eq!(
        former, stdout,
        "--k, the former name of --topics, gives the same answer"
    );
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["k"], 4);
    let score = nmi_against_labels(&v);
    assert!(score >= 0.8, "NMI {score} with k = 4");
    // Keywords name the topics: one cluster's keywords mention fonts.
    let keywords: Vec<String> = v["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["keywords"].to_string())
        .collect();
    assert!(keywords.iter().any(|k| k.contains("font")), "{keywords:?}");
}

#[test]
fn the_automatic_choice_separates_them_too() {
    let (ok, stdout, stderr) = run(insights().arg("clusters").arg(fixture()).args(["--json", "-q"]));
    assert!(ok, "{stderr}");
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["k_choice"], "auto");
    assert!(v["unclustered"].as_array().unwrap().is_empty());
    let score = nmi_against_labels(&v);
    assert!(score >= 0.6, "NMI {score} with k = {}", v["k"]);
}
