//! The fault suite: a full disk, kill -9 while embedding and in the save window, a reader looping while the index is
//! rewritten. Each asserts that nothing is lost and that the previous index stays loadable.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use insights::index::journal::journal_path;
use insights::index::store;

use crate::cli_embed::insights;
use crate::common::{default_model, one_seed, seeds};

/// `insights index CORPUS -i INDEX --split line` (the same split for every corpus here).
fn index_cmd(corpus: &Path, index: &Path) -> Command {
    default_model();
    let mut cmd = insights();
    cmd.arg("index")
        .arg(corpus)
        .arg("-i")
        .arg(index)
        .args(["--split", "line"]);
    cmd
}

/// A file of `n` distinct short lines (about 2,700 fill one embedding step).
fn notes(dir: &Path, n: usize) -> PathBuf {
    let path = dir.join("notes.txt");
    let lines: Vec<String> = (0..n)
        .map(|i| format!("Observation {i} concerns station {} of region {}.", i % 97, i / 97))
        .collect();
    std::fs::write(&path, lines.join("\n")).unwrap();
    path
}

/// Files in `dir` whose names contain `part`.
fn files_with(dir: &Path, part: &str) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(part))
        .collect()
}

fn kill(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// A small tmpfs of `bytes`, unmounted when dropped; `None` (with a message) where mounting is not allowed.
struct SmallDisk(PathBuf);

impl SmallDisk {
    fn mount(at: &Path, bytes: u64) -> Option<SmallDisk> {
        std::fs::create_dir_all(at).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={bytes}")])
            .arg("tmpfs")
            .arg(at)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!("skipped: a small tmpfs cannot be mounted here (the full-disk case needs root)");
        }
        ok.then(|| SmallDisk(at.to_path_buf()))
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_fails_clearly_and_leaves_the_previous_index_and_no_journal() {
    let tmp = tempfile::tempdir().unwrap();
    let small = tmp.path().join("small");
    // The previous index: one seed document (about 60 KB); room for it and 100 KB more, less than the journal of
    // the first step and the index of 500 lines need.
    let one = tmp.path().join("one.txt");
    std::fs::copy(one_seed(), &one).unwrap();
    let outside = tmp.path().join("previous.idx");
    let (ok, _, err) = crate::pipeline::run(&mut index_cmd(&one, &outside));
    assert!(ok, "{err}");
    let previous_size = std::fs::metadata(&outside).unwrap().len();
    let Some(_disk) = SmallDisk::mount(&small, (previous_size + 100_000).div_ceil(4096) * 4096) else {
        return;
    };
    let index = small.join("notes.idx");
    std::fs::copy(&outside, &index).unwrap();
    let corpus = notes(tmp.path(), 500);
    let (ok, _, stderr) = crate::pipeline::run(&mut index_cmd(&corpus, &index));
    assert!(!ok);
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert!(
        stderr.contains("the journal is removed and embedding goes on without one"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        !journal_path(&index).exists(),
        "the journal that filled the disk is gone"
    );
    assert!(files_with(&small, ".tmp-").is_empty(), "{:?}", files_with(&small, ""));
    assert_eq!(
        store::load(&index).unwrap(),
        store::load(&outside).unwrap(),
        "the previous index is intact"
    );
    // A rerun fails the same clear way, rather than on a journal left behind.
    let (ok, _, again) = crate::pipeline::run(&mut index_cmd(&corpus, &index));
    assert!(!ok && again.contains("No space left on device"), "{again}");
}

#[test]
fn kill_9_while_embedding_keeps_the_previous_index_and_the_rerun_resumes() {
    let tmp = tempfile::tempdir().unwrap();
    let index = tmp.path().join("notes.idx");
    let (ok, _, err) = crate::pipeline::run(&mut index_cmd(&seeds(), &index));
    assert!(ok, "{err}");
    let previous = store::load(&index).unwrap();
    // Two steps of embedding (the first about 2,700 of these lines, 128 KB of text).
    let corpus = notes(tmp.path(), 3500);
    let mut child = index_cmd(&corpus, &index)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Killed once the first step's vectors are in the journal.
    let journal = journal_path(&index);
    let start = Instant::now();
    while std::fs::metadata(&journal).map_or(0, |m| m.len()) < 1_000_000 {
        assert!(start.elapsed() < Duration::from_secs(300), "the journal never grew");
        assert!(
            child.try_wait().unwrap().is_none(),
            "finished before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    kill(&mut child);
    assert_eq!(
        store::load(&index).unwrap(),
        previous,
        "the previous index is untouched"
    );
    let mut rerun = index_cmd(&corpus, &index);
    rerun.arg("--json");
    let out = rerun.stderr(Stdio::piped()).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // Whatever the journal held when the process died (whole records only) is reused; the rest is embedded.
    let kept: u64 = stderr
        .split("resuming: ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("the rerun resumes: {stderr}"));
    assert!(kept > 0);
    assert_eq!(v["embedded"].as_u64().unwrap() + kept, 3500, "{v} {stderr}");
    assert_eq!(v["insights"], 3500);
    assert!(!journal.exists());
}

#[test]
fn kill_9_in_the_save_window_never_leaves_a_broken_index() {
    let tmp = tempfile::tempdir().unwrap();
    let index = tmp.path().join("seeds.idx");
    let one = tmp.path().join("one");
    std::fs::create_dir(&one).unwrap();
    std::fs::copy(one_seed(), one.join("one.txt")).unwrap();
    // Both corpora indexed once, so each rerun only reuses vectors and writes: most of its time is the save.
    let mut whole = Vec::new();
    for corpus in [&one, &seeds()] {
        let (ok, _, err) = crate::pipeline::run(&mut index_cmd(corpus, &index));
        assert!(ok, "{err}");
        whole.push(store::load(&index).unwrap().len());
    }
    let mut seen_lengths = std::collections::BTreeSet::new();
    for round in 0..24u64 {
        let corpus = if round % 2 == 0 { &one } else { &seeds() };
        let mut child = index_cmd(corpus, &index)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(150 + (round * 37) % 400));
        kill(&mut child);
        // Whatever moment it died at, the file is a whole index: the old one or the new one.
        let now = store::load(&index).expect("the index loads after kill -9");
        seen_lengths.insert(now.len());
    }
    assert!(
        seen_lengths.iter().all(|n| whole.contains(n)),
        "{seen_lengths:?} of {whole:?}"
    );
    // The next run clears what the killed ones left (their temporary files).
    let (ok, _, err) = crate::pipeline::run(&mut index_cmd(&seeds(), &index));
    assert!(ok, "{err}");
    assert!(
        files_with(tmp.path(), ".tmp-").is_empty(),
        "{:?}",
        files_with(tmp.path(), "")
    );
}

#[test]
fn a_reader_looping_while_the_index_is_rewritten_always_reads_a_whole_index() {
    let tmp = tempfile::tempdir().unwrap();
    let index = tmp.path().join("seeds.idx");
    let (ok, _, err) = crate::pipeline::run(&mut index_cmd(&seeds(), &index));
    assert!(ok, "{err}");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let (index, stop) = (index.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut reads = 0;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let read = store::load(&index).expect("every read finds a whole index");
                assert_eq!(read.vectors.len(), read.len());
                reads += 1;
            }
            reads
        })
    };
    for round in 0..6 {
        let mut cmd = index_cmd(&seeds(), &index);
        if round % 2 == 1 {
            cmd.args(["--ann", "on"]);
        }
        let (ok, _, err) = crate::pipeline::run(&mut cmd);
        assert!(ok, "{err}");
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    assert!(reader.join().unwrap() > 6);
}

#[test]
fn an_approximate_index_that_cannot_be_written_is_a_notice_once_the_index_is() {
    let tmp = tempfile::tempdir().unwrap();
    let index = tmp.path().join("seeds.idx");
    // A folder (not empty) where FILE.ann goes: nothing can be renamed over it.
    let ann = insights::index::ann::file::ann_path(&index);
    std::fs::create_dir_all(ann.join("keep")).unwrap();
    let mut cmd = index_cmd(&seeds(), &index);
    cmd.args(["--ann", "on"]);
    let (ok, stdout, stderr) = crate::pipeline::run(&mut cmd);
    assert!(ok, "exit 0: the index itself was written. {stderr}");
    assert!(
        stderr.contains("the index is written, but not its approximate index"),
        "{stderr}"
    );
    assert!(stdout.contains("indexed 43 insights"), "{stdout}");
    assert_eq!(store::load(&index).unwrap().len(), 43);
    assert!(files_with(tmp.path(), ".tmp-").is_empty());
}
