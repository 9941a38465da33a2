//! Bad input gets a clear message naming the file, a non-zero exit, never a panic or a half-written file.

use std::path::Path;

use crate::cli_embed::insights;
use crate::pipeline::run;

/// Runs `insights ARGS` in `dir`, expecting failure; returns stderr.
fn fails(dir: &Path, args: &[&str]) -> String {
    let (ok, stdout, stderr) = run(insights().current_dir(dir).args(args));
    assert!(!ok, "expected failure for {args:?}, got {stdout}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(stderr.matches("error:").count(), 1, "{stderr}");
    stderr
}

#[test]
fn bad_documents_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    std::fs::write(d.join("empty.txt"), "").unwrap();
    std::fs::write(d.join("image.png"), b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
    std::fs::write(d.join("latin1.txt"), b"caf\xe9 au lait is a drink people like a lot\n").unwrap();
    std::fs::write(
        d.join("notext.jsonl"),
        "{\"text\": \"a fine first record here\"}\n{\"id\": 7}\n",
    )
    .unwrap();
    std::fs::write(d.join("broken.jsonl"), "{\"text\": \"unterminated\n").unwrap();
    let cases: [(&str, &str); 6] = [
        ("empty.txt", "empty.txt: empty file"),
        ("image.png", "image.png: binary file"),
        ("latin1.txt", "latin1.txt: not valid UTF-8"),
        ("missing.txt", "missing.txt: no such file or directory"),
        ("notext.jsonl", "notext.jsonl:2: no \"text\" field"),
        ("broken.jsonl", "broken.jsonl:1"),
    ];
    for (file, message) in cases {
        let stderr = fails(d, &["duplicates", file, "--json"]);
        assert!(stderr.contains(message), "{file}: {stderr}");
    }
}

/// Indexes the seed corpus into `dir/name`; returns the seeds' path.
fn index_seeds(dir: &Path, name: &str) -> std::path::PathBuf {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let (ok, _, stderr) = run(insights()
        .current_dir(dir)
        .arg("index")
        .arg(&seeds)
        .args(["-i", name, "-q"]));
    assert!(ok, "{stderr}");
    seeds
}

#[test]
fn bad_index_files_are_named_and_never_overwritten() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let seeds = index_seeds(d, "good.idx");
    let good = std::fs::read(d.join("good.idx")).unwrap();
    std::fs::write(d.join("truncated.idx"), &good[..good.len() / 2]).unwrap();
    std::fs::write(d.join("notes.txt"), "my precious notes, not an index at all.\n").unwrap();

    let stderr = fails(d, &["clusters", "-i", "truncated.idx"]);
    assert!(
        stderr.contains("truncated.idx: truncated index file; rebuild it with `insights index`"),
        "{stderr}"
    );
    let stderr = fails(d, &["clusters", "-i", "notes.txt"]);
    assert!(stderr.contains("notes.txt: not an insights index"), "{stderr}");
    let stderr = fails(d, &["clusters", "-i", "absent.idx"]);
    assert!(stderr.contains("absent.idx"), "{stderr}");
    let stderr = fails(d, &["index", seeds.to_str().unwrap(), "-i", "notes.txt", "-q"]);
    assert!(
        stderr.contains("notes.txt exists and is not an insights index; refusing to overwrite"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(d.join("notes.txt")).unwrap(),
        "my precious notes, not an index at all.\n"
    );
    // An index of a newer format is refused by name and left as it was; a folder is never taken for an index.
    let mut newer = good.clone();
    newer[12] = 9;
    std::fs::write(d.join("newer.idx"), &newer).unwrap();
    let stderr = fails(d, &["index", seeds.to_str().unwrap(), "-i", "newer.idx", "-q"]);
    assert!(
        stderr.contains("newer.idx was written by a newer insights (index format 9); refusing to replace it"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(d.join("newer.idx")).unwrap(), newer);
    let stderr = fails(d, &["clusters", "-i", "newer.idx"]);
    assert!(
        stderr.contains("newer.idx: index format version 9, newer than this build reads"),
        "{stderr}"
    );
    std::fs::create_dir(d.join("folder")).unwrap();
    let stderr = fails(d, &["similar", "a claim", "-i", "folder"]);
    assert!(stderr.contains("folder is a folder, not an index file"), "{stderr}");
    let stderr = fails(d, &["index", seeds.to_str().unwrap(), "-i", "folder", "-q"]);
    assert!(
        stderr.contains("folder is a folder: --index names the index file to write"),
        "{stderr}"
    );
    let leftovers: Vec<_> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn an_index_from_another_model_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    index_seeds(d, "s.idx");
    // Rewrite the index as if another model with another dimension had made it.
    let index = insights::index::store::load(&d.join("s.idx")).unwrap();
    let mut other = index.clone();
    other.meta.kind.model_id = "someone/other-model".into();
    other.meta.kind.weights_sha256 = "0".repeat(64);
    other.meta.kind.dim = 2;
    other.vectors = insights::Embeddings::from_flat(2, [1.0, 0.0].repeat(index.len()));
    other.sentences = None;
    insights::index::store::save(&other, &d.join("other.idx")).unwrap();
    let stderr = fails(
        d,
        &[
            "similar",
            "a claim about chips",
            "-i",
            "other.idx",
            "-m",
            "sentence-transformers/all-MiniLM-L6-v2",
        ],
    );
    assert!(
        stderr.contains("other.idx: made with model someone/other-model (dim 2)"),
        "{stderr}"
    );
}

#[test]
fn a_closed_pipe_downstream_ends_every_command_quietly() {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let seeds = seeds.to_str().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let texts = tmp.path().join("texts.txt");
    std::fs::write(&texts, "one text to embed\nand another one\n").unwrap();
    let cases: [Vec<&str>; 7] = [
        vec!["neighbors", seeds, "--json"],
        vec!["clusters", seeds, "--json"],
        vec!["duplicates", seeds, "--json"],
        vec!["report", seeds, "--json"],
        vec!["report", seeds],
        vec!["similar", "sovereign AI", seeds, "--json"],
        vec!["embed", texts.to_str().unwrap()],
    ];
    crate::common::default_model();
    for args in cases {
        // The reading end is closed before the command writes anything, so its first write meets a broken pipe.
        let mut child = insights()
            .args(&args)
            .arg("-q")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?}: {:?} {stderr}", out.status);
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
}

#[test]
fn scores_that_are_not_numbers_in_range_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let seeds = seeds.to_str().unwrap();
    for (args, message) in [
        (
            vec!["neighbors", seeds, "--min-score", "nan"],
            "\"nan\" is not a finite number",
        ),
        (
            vec!["similar", "x", seeds, "--min-score", "2"],
            "2 is not a cosine similarity",
        ),
        (
            vec!["similar", "x", seeds, "--said-before", "inf"],
            "\"inf\" is not a finite number",
        ),
        (
            vec!["similar", "x", seeds, "--related", "1.5"],
            "1.5 is not a cosine similarity",
        ),
        (
            vec!["duplicates", seeds, "--paraphrase-min-margin", "0"],
            "0 is not a ratio margin",
        ),
        (
            vec!["similar", "x", seeds, "-k", "0"],
            "0 results asked for: give 1 or more",
        ),
        (
            vec!["neighbors", seeds, "--top", "0"],
            "0 results asked for: give 1 or more",
        ),
    ] {
        let (ok, stdout, stderr) = run(insights().current_dir(d).args(&args));
        assert!(!ok && stdout.is_empty(), "{args:?}: {stdout}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
}

/// An index of `n` synthetic vectors in two documents, written as `insights index` writes one (no model needed to
/// analyse it).
fn synthetic_index(path: &Path, n: usize, dim: usize) {
    use insights::index::synthetic::{generate, SyntheticSpec};
    let (vectors, _) = generate(&SyntheticSpec {
        dim,
        ..SyntheticSpec::new(n, 9)
    });
    let insights: Vec<insights::Insight> = (0..n)
        .map(|i| insights::Insight::new(format!("doc{}", i % 2), i + 1, i + 1, format!("text number {i}")))
        .collect();
    let index = insights::index::synthetic::index_of(insights, vectors);
    insights::index::store::save(&index, path).unwrap();
}

#[test]
fn an_index_replaced_in_place_while_in_use_ends_the_command_with_an_error_not_a_signal() {
    use std::os::unix::process::ExitStatusExt;
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("big.idx");
    synthetic_index(&path, 20_000, 128);
    // Building the approximate index in memory walks the mapped vectors for seconds.
    let mut child = insights()
        .args(["neighbors", "--ann", "on", "--json", "-q", "-i"])
        .arg(&path)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "still reading the index when it is replaced"
    );
    // What `cp other.idx big.idx` does: the same file, truncated, then written anew.
    std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(&path)
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.signal(), None, "killed by a signal: {stderr}");
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("error: an index file this command was reading changed under it"),
        "{stderr}"
    );
}

#[test]
fn a_folder_that_cannot_be_read_is_named_with_the_reason() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("corpus");
    let locked = root.join("locked");
    std::fs::create_dir_all(&locked).unwrap();
    std::fs::write(
        locked.join("a.txt"),
        "A paragraph of enough words to count as an insight.\n",
    )
    .unwrap();
    for dir in [tmp.path(), root.as_path()] {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    // Root reads every folder, so as root the binary runs as `nobody`.
    let as_reader = || {
        if unsafe { libc::geteuid() } == 0 {
            let mut cmd = std::process::Command::new("setpriv");
            cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
                .arg(env!("CARGO_BIN_EXE_insights"));
            cmd
        } else {
            std::process::Command::new(env!("CARGO_BIN_EXE_insights"))
        }
    };
    let stderr_of = |target: &Path| {
        let out = as_reader()
            .current_dir(tmp.path())
            .arg("duplicates")
            .arg(target)
            .output()
            .expect("setpriv (util-linux) runs the binary as nobody");
        assert_eq!(out.status.code(), Some(1));
        String::from_utf8(out.stderr).unwrap()
    };
    let direct = stderr_of(&locked);
    assert_eq!(direct.trim(), format!("error: {}: permission denied", locked.display()));
    let inside = stderr_of(&root);
    assert!(
        inside.contains(&format!("{}: unreadable: permission denied", locked.display())),
        "{inside}"
    );
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn running_out_of_memory_is_an_error_line_not_an_abort() {
    let tmp = tempfile::tempdir().unwrap();
    let big = tmp.path().join("big.txt");
    let paragraph = format!("{}\n\n", "word ".repeat(2000));
    std::fs::write(&big, paragraph.repeat(6000)).unwrap();
    let index = tmp.path().join("big.idx");
    // 100 MB of address space: enough to start, not to hold a 60 MB file's insights.
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 100000 && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_insights"))
        .arg("index")
        .arg(&big)
        .arg("-i")
        .arg(&index)
        .arg("-q")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.starts_with("error: out of memory: "), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(!index.exists());
}
