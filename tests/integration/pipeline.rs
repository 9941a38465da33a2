//! The main job on the seed corpus with the real model: duplicates, queries, clusters, re-indexing.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::cli_embed::insights;
use crate::common::{default_model, seeds};

/// Runs the binary; returns (success, stdout, stderr).
pub fn run(cmd: &mut Command) -> (bool, String, String) {
    default_model();
    let out = cmd.output().expect("binary runs");
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn json_of(cmd: &mut Command) -> Value {
    let (ok, stdout, stderr) = run(cmd);
    assert!(ok, "{stderr}");
    serde_json::from_str(&stdout).expect("valid JSON")
}

#[test]
fn duplicates_are_exactly_the_six_verbatim_groups() {
    let v = json_of(insights().arg("duplicates").arg(seeds()).args(["--json", "-q"]));
    assert_eq!(v["schema_version"], 4);
    let groups = v["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 6, "{v:#}");
    assert!(groups.iter().all(|g| g["kind"] == "verbatim"), "{v:#}");
    let mut sizes: Vec<usize> = groups
        .iter()
        .map(|g| g["documents"].as_array().unwrap().len())
        .collect();
    sizes.sort();
    assert_eq!(sizes, vec![2, 2, 3, 3, 3, 3]);
    for g in groups {
        let members = g["members"].as_array().unwrap();
        let first = members[0]["text"].as_str().unwrap();
        assert!(members.iter().all(|m| m["text"] == first));
        assert!(members.iter().all(|m| m["line_start"].as_u64().unwrap() >= 1));
    }
}

#[test]
fn a_paraphrase_is_said_before_and_an_unrelated_statement_is_not() {
    let paraphrase = "For most firms, AI sovereignty means resilience: using several model vendors to compare them, \
                      avoid lock-in and keep running, not training their own models.";
    let v = json_of(
        insights()
            .args(["similar", paraphrase])
            .arg(seeds())
            .args(["--json", "-q"]),
    );
    assert_eq!(v["verdict"], "said-before", "{v:#}");
    let best = &v["hits"][0]["insight"];
    assert!(
        best["text"]
            .as_str()
            .unwrap()
            .starts_with("For many companies, 'AI sovereignty' is less about"),
        "{v:#}"
    );
    assert!(best["doc"].as_str().unwrap().ends_with("000_050be5057ca1e8ea.txt"));
    assert_eq!(best["line_start"], 21);

    let unrelated = "Sourdough bread needs a mature starter and a long cold fermentation to develop flavour.";
    let v = json_of(
        insights()
            .args(["similar", unrelated])
            .arg(seeds())
            .args(["--json", "-q"]),
    );
    assert_eq!(v["verdict"], "new", "{v:#}");
    assert!(v["best"]["score"].as_f64().unwrap() < 0.3);
}

#[test]
fn a_verbatim_seed_sentence_is_said_before_with_its_sentence_and_the_answer_is_repeatable() {
    let sentence = "This explains the US restricting GPU sales to China, which counters by excelling in open-source \
                    models to close the gap.";
    let ask = || {
        run(insights()
            .args(["similar", sentence])
            .arg(seeds())
            .args(["--json", "-q"]))
    };
    let (ok, first, stderr) = ask();
    assert!(ok, "{stderr}");
    assert_eq!(ask().1, first, "two runs give the same bytes");
    let v: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(v["schema_version"], 4);
    assert_eq!(v["verdict"], "said-before", "{v:#}");
    let best = &v["best"];
    let matched = &best["matched_sentence"];
    assert_eq!(matched["text"], sentence, "{v:#}");
    assert!(matched["score"].as_f64().unwrap() > 0.999, "{v:#}");
    let text = best["insight"]["text"].as_str().unwrap();
    let (start, end) = (
        matched["start"].as_u64().unwrap() as usize,
        matched["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(&text[start..end], sentence);
    assert!(best["paragraph_score"].as_f64().unwrap() < best["score"].as_f64().unwrap());
    assert!(v["claim_score"].as_f64().unwrap() >= v["said_before_min_score"].as_f64().unwrap());
}

#[test]
fn a_claim_restated_in_other_words_is_said_before_and_a_new_one_on_the_subject_is_related() {
    // Restates one sentence of seeds/002 line 6 in other words.
    let claim = "Because AI is strategically vital, nations want assurance that no other country can shut off their \
                 access.";
    let v = json_of(insights().args(["similar", claim]).arg(seeds()).args(["--json", "-q"]));
    assert_eq!(v["verdict"], "said-before", "{v:#}");
    assert!(v["best"]["insight"]["text"]
        .as_str()
        .unwrap()
        .starts_with("Given AI’s strategic importance"));
    // On the subject, never said in the seeds.
    let new = "Energy-rich countries such as Norway and Iceland could become exporters of compute.";
    let v = json_of(insights().args(["similar", new]).arg(seeds()).args(["--json", "-q"]));
    assert_eq!(v["verdict"], "related", "{v:#}");
}

#[test]
fn two_cluster_runs_are_byte_identical() {
    let tmp = tempfile::tempdir().unwrap();
    let index = tmp.path().join("seeds.idx");
    let (ok, _, stderr) = run(insights().arg("index").arg(seeds()).arg("-i").arg(&index).arg("-q"));
    assert!(ok, "{stderr}");
    let first = run(insights().arg("clusters").arg("-i").arg(&index).arg("--json"));
    let second = run(insights().arg("clusters").arg(seeds()).args(["--json", "-q"]));
    assert!(first.0 && second.0, "{} {}", first.2, second.2);
    assert_eq!(first.1, second.1);
    let v: Value = serde_json::from_str(&first.1).unwrap();
    let clustered: usize = v["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["members"].as_array().unwrap().len())
        .sum();
    assert_eq!(
        clustered + v["unclustered"].as_array().unwrap().len(),
        43,
        "every insight is accounted for"
    );
}

#[test]
fn reindexing_after_adding_a_file_embeds_only_its_insights() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    for entry in std::fs::read_dir(seeds()).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, corpus.join(path.file_name().unwrap())).unwrap();
    }
    let index = tmp.path().join("corpus.idx");
    let index_cmd = || {
        let mut cmd = insights();
        cmd.arg("index")
            .arg(&corpus)
            .arg("-i")
            .arg(&index)
            .args(["--json", "-q"]);
        cmd.env("INSIGHTS_CACHE_DIR", tmp.path().join("cache"));
        cmd
    };
    let v = json_of(&mut index_cmd());
    assert_eq!(
        (v["insights"].as_u64(), v["embedded"].as_u64(), v["reused"].as_u64()),
        (Some(43), Some(33), Some(0))
    );
    std::fs::write(
        corpus.join("004_new.txt"),
        "Chip export rules are being rewritten every few months, leaving suppliers unable to plan.\n\n\
         Smaller countries are pooling their compute budgets to train shared national language models.\n",
    )
    .unwrap();
    let v = json_of(&mut index_cmd());
    assert_eq!(
        (v["insights"].as_u64(), v["embedded"].as_u64(), v["reused"].as_u64()),
        (Some(45), Some(2), Some(43))
    );
    assert_eq!(v["documents"], 5);
}

#[test]
fn the_report_covers_topics_links_duplicates_and_documents() {
    let (ok, stdout, stderr) = run(insights().arg("report").arg(seeds()).arg("-q").env("NO_COLOR", "1"));
    assert!(ok, "{stderr}");
    for heading in [
        "Corpus",
        "Topics",
        "Strongest links across documents",
        "Repeated across documents",
        "Documents",
    ] {
        assert!(stdout.contains(heading), "missing {heading}:\n{stdout}");
    }
    assert!(stdout.contains("4 documents, 43 insights"), "{stdout}");
    assert!(!stdout.contains('\x1b'), "no colour codes when not on a terminal");
    assert!(
        stdout.contains("10 of 10 insights original (100%)"),
        "002 shares nothing verbatim:\n{stdout}"
    );
}

#[test]
fn a_point_first_appeared_in_the_earliest_dated_document_and_its_sentence_is_placed() {
    let dir = tempfile::tempdir().unwrap();
    let seed = std::fs::read_to_string(seeds().join("000_050be5057ca1e8ea.txt")).unwrap();
    // The same paragraphs in two files: the second in corpus order is dated earlier by its front matter.
    std::fs::write(dir.path().join("2024-06-01-a.md"), &seed).unwrap();
    std::fs::write(
        dir.path().join("b.md"),
        format!("---\ntitle: B\ndate: 2023-02-01\n---\n{seed}"),
    )
    .unwrap();
    let report = |from: &str| {
        json_of(
            insights()
                .arg("report")
                .arg(dir.path())
                .args(["--json", "-q", "--date-from", from]),
        )
    };
    let v = report("auto");
    let docs = v["documents"].as_array().unwrap();
    let (a, b) = (&docs[0], &docs[1]);
    assert!(a["doc"].as_str().unwrap().ends_with("2024-06-01-a.md"), "{v:#}");
    assert_eq!(
        (&a["date"], &a["dated_by"]),
        (&Value::from("2024-06-01"), &Value::from("file-name"))
    );
    assert_eq!(
        (&b["date"], &b["dated_by"]),
        (&Value::from("2023-02-01"), &Value::from("front-matter"))
    );
    let firsts = |d: &Value| -> Vec<String> {
        d["repeats"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["first_appeared"]["doc"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(
        !firsts(a).is_empty() && firsts(a).iter().chain(&firsts(b)).all(|f| f.ends_with("b.md")),
        "{v:#}"
    );
    // In corpus order, the first file is where each point first appeared.
    let v = report("order");
    let docs = v["documents"].as_array().unwrap();
    assert_eq!(docs[0]["date"], Value::Null);
    assert!(firsts(&docs[1]).iter().all(|f| f.ends_with("2024-06-01-a.md")), "{v:#}");

    // A sentence of a paragraph hard-wrapped over two lines, a run of spaces inside, found with its lines and columns
    // (the last character, the full stop, is column 70 of line 4).
    let notes = dir.path().join("notes.txt");
    let line4 = format!(
        "  could run{}their desalination plants on it around the clock.",
        " ".repeat(10)
    );
    std::fs::write(
        &notes,
        format!("Heading line here\n\nTidal power is steady and predictable, unlike wind. Coastal towns\n{line4}\n"),
    )
    .unwrap();
    assert_eq!(line4.chars().count(), 70);
    let v = json_of(
        insights()
            .args([
                "similar",
                "Coastal towns could run their desalination plants on it around the clock.",
            ])
            .arg(&notes)
            .args(["--json", "-q"]),
    );
    let m = &v["best"]["matched_sentence"];
    let place: Vec<u64> = ["line_start", "column_start", "line_end", "column_end"]
        .iter()
        .map(|k| m[k].as_u64().unwrap())
        .collect();
    assert_eq!(place, [3, 53, 4, 70], "{v:#}");
}

#[test]
fn an_interrupted_index_run_resumes_from_its_journal() {
    use insights::index::journal::{journal_path, Journal};
    use insights::vectors::Embeddings;
    let tmp = tempfile::tempdir().unwrap();
    let full = tmp.path().join("full.idx");
    let index_cmd = |index: &Path| {
        let mut cmd = insights();
        cmd.arg("index").arg(seeds()).arg("-i").arg(index).arg("--json");
        cmd
    };
    let (ok, _, err) = run(index_cmd(&full).arg("-q"));
    assert!(ok, "{err}");
    let reference = insights::index::store::load(&full).unwrap();
    // What an interrupted run leaves: the journal of the first 20 distinct texts it embedded.
    let mut seen = std::collections::HashSet::new();
    let (mut hashes, mut vectors) = (Vec::new(), Embeddings::empty(reference.meta.kind.dim));
    for (h, row) in reference.hashes.iter().zip(reference.vectors.rows()) {
        if hashes.len() < 20 && seen.insert(h) {
            hashes.push(*h);
            vectors.push(row);
        }
    }
    let resumed = tmp.path().join("resumed.idx");
    let journal = journal_path(&resumed);
    let (mut writer, _) = Journal::open(&journal, &reference.meta.kind).unwrap();
    writer.append(&hashes, &vectors).unwrap();
    drop(writer);

    let (ok, out, err) = run(&mut index_cmd(&resumed));
    assert!(ok, "{err}");
    assert!(
        err.contains("resuming: 20 vectors kept from an interrupted run"),
        "{err}"
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["embedded"], 13,
        "only the 13 texts the journal lacks are embedded: {v}"
    );
    assert!(!journal.exists(), "the journal is removed once the index is written");
    let index = insights::index::store::load(&resumed).unwrap();
    assert_eq!(index.hashes, reference.hashes);
    for (a, b) in index.vectors.rows().zip(reference.vectors.rows()) {
        assert!(insights::linalg::dot(a, b) > 0.9999);
    }

    // A journal left by a run on other documents is not announced as a resumption.
    let other = tmp.path().join("other.idx");
    let (mut writer, _) = Journal::open(&journal_path(&other), &reference.meta.kind).unwrap();
    let foreign = insights::index::TextHash::of("A text of some other corpus entirely.");
    let mut one = Embeddings::empty(reference.meta.kind.dim);
    one.push(reference.vectors.row(0));
    writer.append(&[foreign], &one).unwrap();
    drop(writer);
    let (ok, _, err) = run(&mut index_cmd(&other));
    assert!(ok, "{err}");
    assert!(
        err.contains("holds 1 vectors of other texts") && err.contains("none apply"),
        "{err}"
    );
    assert!(!err.contains("resuming"), "{err}");
}
