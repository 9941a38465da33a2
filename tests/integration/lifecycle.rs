//! A saved index's life cycle through the library, with the real model: what is at the path, reuse of vectors,
//! stopping and resuming through the journal, the vector cache, and `FILE.ann` kept in step with its index.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use insights::corpus::approximate::{for_search, refresh_saved, AnnPolicy, Refreshed, Searches};
use insights::corpus::saved::{self, IndexWriter, UpdateOptions, WhenBusy};
use insights::corpus::{read_insights, Collected, CorpusError, Events, Notice, Silent, VectorCache, Work};
use insights::index::ann::file::ann_path;
use insights::index::journal::journal_path;
use insights::index::lock::lock_path;
use insights::index::IndexError;
use insights::insight::{Rule, SplitMode, SplitOptions};

use crate::common::{embedder, one_seed, seeds};

/// Indexes `paths` into `path` with default settings; the notices seen.
fn update(path: &Path, paths: &[PathBuf], stop: &AtomicBool) -> (Result<saved::Updated, CorpusError>, Collected) {
    update_split(path, paths, &SplitOptions::default(), stop)
}

/// Indexes `paths` into `path`, split with `split`; the notices seen.
fn update_split(
    path: &Path,
    paths: &[PathBuf],
    split: &SplitOptions,
    stop: &AtomicBool,
) -> (Result<saved::Updated, CorpusError>, Collected) {
    let mut events = Collected::default();
    let writer = IndexWriter::open(path, WhenBusy::Wait, &mut events).expect("the path can hold an index");
    let (insights, documents) = read_insights(paths, split, &mut events).unwrap();
    let result = writer.update(
        insights,
        &documents,
        split,
        &embedder(8),
        &UpdateOptions::default(),
        stop,
        &mut events,
    );
    (result, events)
}

#[test]
fn what_is_at_the_path_decides_what_is_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let mut events = Collected::default();
    let path = tmp.path().join("a.idx");
    let previous = |events: &mut Collected| {
        IndexWriter::open(&path, WhenBusy::Fail, events).map(|w| format!("{:?}", w.previous()))
    };
    assert_eq!(previous(&mut events).unwrap(), "Missing");
    assert!(matches!(
        IndexWriter::open(tmp.path(), WhenBusy::Wait, &mut events),
        Err(CorpusError::Folder { .. })
    ));
    std::fs::write(&path, "notes, not an index\n").unwrap();
    assert!(matches!(
        previous(&mut events),
        Err(CorpusError::Index(IndexError::NotAnIndex { .. }))
    ));
    assert!(events.notices.is_empty());
    assert!(!lock_path(&path).exists(), "a refused writer leaves no lock file");

    let never = AtomicBool::new(false);
    std::fs::remove_file(&path).unwrap();
    let (first, _) = update(&path, &[seeds()], &never);
    let first = first.unwrap();
    assert_eq!(first.stats.reused, 0);
    let distinct: std::collections::HashSet<&insights::index::TextHash> = first.index.hashes.iter().collect();
    assert_eq!(first.stats.embedded, distinct.len(), "each distinct text embedded once");
    let writer = IndexWriter::open(&path, WhenBusy::Fail, &mut events).unwrap();
    assert!(writer.previous().index().is_some_and(|i| i.len() == first.index.len()));
    // While one writer holds the index, a second is refused, naming the holder.
    let busy = IndexWriter::open(&path, WhenBusy::Fail, &mut events).expect_err("one writer at a time");
    assert!(
        matches!(busy, CorpusError::Busy { pid: Some(p), .. } if p == std::process::id()),
        "{busy}"
    );
    assert!(
        busy.to_string()
            .contains("is being written by another insights process"),
        "{busy}"
    );
    drop(writer);
    assert_eq!(saved::open(&path).unwrap().len(), first.index.len());
    assert!(matches!(
        saved::open(&tmp.path().join("none.idx")),
        Err(CorpusError::NoIndex { .. })
    ));

    // A truncated index is named in a notice and rebuilt, with nothing to reuse.
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let (rebuilt, events) = update(&path, &[seeds()], &never);
    assert!(
        matches!(events.notices[..], [Notice::DamagedIndexRebuilt(_)]),
        "{:?}",
        events.notices
    );
    assert_eq!(rebuilt.unwrap().stats.reused, 0);
}

#[test]
fn re_indexing_embeds_only_new_texts() {
    let tmp = tempfile::tempdir().unwrap();
    let docs = tmp.path().join("docs");
    std::fs::create_dir(&docs).unwrap();
    for entry in std::fs::read_dir(seeds()).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), docs.join(entry.file_name())).unwrap();
    }
    let path = tmp.path().join("a.idx");
    let never = AtomicBool::new(false);
    let first = update(&path, std::slice::from_ref(&docs), &never).0.unwrap();
    let again = update(&path, std::slice::from_ref(&docs), &never).0.unwrap();
    assert_eq!((again.stats.embedded, again.stats.sentences_embedded), (0, 0));
    assert_eq!(again.stats.reused, first.index.len());
    assert_eq!(again.index.vectors, first.index.vectors);

    let added = "Seed banks in cold mountains keep the grain varieties that farmers abandoned a century ago.";
    std::fs::write(docs.join("new.txt"), added).unwrap();
    let grown = update(&path, std::slice::from_ref(&docs), &never).0.unwrap();
    assert_eq!((grown.stats.embedded, grown.stats.reused), (1, first.index.len()));
    assert_eq!(grown.index.len(), first.index.len() + 1);
    assert_eq!(grown.index.meta.split, SplitOptions::default());

    // Other split settings are recorded, and named when the index is next written.
    let looser = SplitOptions {
        min_words: 3,
        rules: vec![Rule::Promo, Rule::MinWords],
        ..SplitOptions::default()
    };
    let (resplit, events) = update_split(&path, std::slice::from_ref(&docs), &looser, &never);
    assert!(
        matches!(&events.notices[..], [Notice::SplitChanged { old, new, .. }]
            if *old == SplitOptions::default() && *new == looser.canonical()),
        "{:?}",
        events.notices
    );
    assert_eq!(
        resplit.unwrap().index.meta.split.describe(),
        "paragraph min-words=3 rules=min-words,promo"
    );
    assert_eq!(saved::open(&path).unwrap().meta.split, looser.canonical());
    let (_, events) = update_split(&path, &[docs], &looser, &never);
    assert!(events.notices.is_empty(), "{:?}", events.notices);
}

/// Sets the stop flag at the first progress of embedding, as a Ctrl-C during the first step would.
struct StopDuringFirstStep<'a> {
    stop: &'a AtomicBool,
    collected: Collected,
}

impl Events for StopDuringFirstStep<'_> {
    fn progress(&mut self, work: Work, done: usize, total: usize) {
        if work == Work::Embedding && done > 0 {
            self.stop.store(true, Ordering::SeqCst);
        }
        self.collected.progress(work, done, total);
    }

    fn notice(&mut self, notice: Notice) {
        self.collected.notice(notice);
    }
}

#[test]
fn a_stopped_run_keeps_its_vectors_and_the_next_resumes_from_them() {
    let tmp = tempfile::tempdir().unwrap();
    // More short texts than one step holds (4,096), so embedding takes two steps.
    let lines: Vec<String> = (0..4500)
        .map(|i| format!("Observation {i} concerns station {} of region {}.", i % 97, i / 97))
        .collect();
    let notes = tmp.path().join("notes.txt");
    std::fs::write(&notes, lines.join("\n")).unwrap();
    let split = SplitOptions {
        mode: SplitMode::Line,
        min_words: 1,
        ..SplitOptions::default()
    };
    let path = tmp.path().join("notes.idx");
    let model = embedder(8);
    let run = |events: &mut dyn Events, stop: &AtomicBool| {
        let writer = IndexWriter::open(&path, WhenBusy::Wait, events).unwrap();
        let (insights, documents) = read_insights(std::slice::from_ref(&notes), &split, events).unwrap();
        let opts = UpdateOptions::default();
        writer.update(insights, &documents, &split, &model, &opts, stop, events)
    };

    let stop = AtomicBool::new(false);
    let mut stopping = StopDuringFirstStep {
        stop: &stop,
        collected: Collected::default(),
    };
    let err = run(&mut stopping, &stop).expect_err("stopped");
    let CorpusError::Interrupted(interrupted) = err else {
        panic!("{err}")
    };
    // The first step (128 KB of text) was embedded and kept; the second was never started.
    let done = interrupted.done;
    assert!(done > 1000 && done < 4500, "{done}");
    assert_eq!(interrupted.total, 4500);
    assert_eq!(interrupted.journal.as_deref(), Some(journal_path(&path).as_path()));
    assert!(!path.exists(), "no index is written by a stopped run");
    assert!(!lock_path(&path).exists(), "a stopped writer releases its lock");
    assert!(journal_path(&path).exists());

    let mut events = Collected::default();
    let never = AtomicBool::new(false);
    let resumed = run(&mut events, &never).unwrap();
    assert!(
        matches!(events.notices[..], [Notice::Resuming { kept, .. }] if kept == done),
        "{:?}",
        events.notices
    );
    assert_eq!((resumed.stats.embedded, resumed.stats.reused), (4500 - done, done));
    assert!(
        !journal_path(&path).exists(),
        "the journal goes once the index is written"
    );
    assert_eq!(events.progress, vec![(Work::Embedding, 4500 - done, 4500 - done)]);
}

#[test]
fn the_cache_serves_a_second_analysis() {
    let tmp = tempfile::tempdir().unwrap();
    let model = embedder(8);
    // The cache's folder does not exist yet: the first analysis makes it.
    let cache = VectorCache::in_folder(&tmp.path().join("cache"), model.kind());
    let split = SplitOptions::default();
    let mut events = Collected::default();
    let (insights, _) = read_insights(&[seeds()], &split, &mut events).unwrap();
    let (first, stats) = cache.embed(insights.clone(), &split, &model, &mut events).unwrap();
    assert_eq!(stats.reused, 0);
    assert!(cache.path().exists());
    assert!(events.notices.is_empty(), "{:?}", events.notices);
    let (second, stats) = cache.embed(insights, &split, &model, &mut events).unwrap();
    assert_eq!(
        (stats.embedded, stats.sentences_embedded, stats.reused),
        (0, 0, first.len())
    );
    assert_eq!(second.vectors, first.vectors);

    // A cache that cannot be written is a notice, and the analysis goes on.
    let blocked = VectorCache::in_folder(&tmp.path().join("file-not-folder"), model.kind());
    std::fs::write(tmp.path().join("file-not-folder"), "x").unwrap();
    let (insights, _) = read_insights(&[seeds()], &split, &mut events).unwrap();
    let mut events = Collected::default();
    assert!(blocked.embed(insights, &split, &model, &mut events).is_ok());
    assert!(
        matches!(events.notices[..], [Notice::CacheNotUpdated(_)]),
        "{:?}",
        events.notices
    );
}

#[test]
fn the_approximate_index_is_trusted_only_while_it_matches() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("a.idx");
    let never = AtomicBool::new(false);
    let index = update(&path, &[seeds()], &never).0.unwrap().index;
    let mut events = Collected::default();
    // Below 20,000 texts `auto` makes none, and a few searches are exact.
    assert_eq!(
        refresh_saved(&index, &path, AnnPolicy::Auto, None, &mut events).unwrap(),
        Refreshed::Absent
    );
    assert!(for_search(&index, Some(&path), AnnPolicy::Auto, Searches::Few, &mut events).is_none());
    let Refreshed::Written(stats, _) = refresh_saved(&index, &path, AnnPolicy::On, None, &mut events).unwrap() else {
        panic!("--ann on writes FILE.ann")
    };
    assert!(stats.rebuilt && stats.added > 0);
    assert!(for_search(&index, Some(&path), AnnPolicy::Auto, Searches::Few, &mut events).is_some());
    assert!(for_search(&index, Some(&path), AnnPolicy::Off, Searches::All, &mut events).is_none());

    // Another index beside that FILE.ann: it is left aside, with a notice.
    let other = tmp.path().join("b.idx");
    let docs = tmp.path().join("one");
    std::fs::create_dir(&docs).unwrap();
    std::fs::copy(one_seed(), docs.join("one.txt")).unwrap();
    let smaller = update(&other, &[docs], &never).0.unwrap().index;
    std::fs::copy(ann_path(&path), ann_path(&other)).unwrap();
    let mut events = Collected::default();
    assert!(for_search(&smaller, Some(&other), AnnPolicy::Auto, Searches::Few, &mut events).is_none());
    assert!(
        matches!(events.notices[..], [Notice::ApproximateStale { .. }]),
        "{:?}",
        events.notices
    );
    assert_eq!(
        refresh_saved(&smaller, &other, AnnPolicy::Off, None, &mut events).unwrap(),
        Refreshed::Removed
    );
    assert!(!ann_path(&other).exists());
}

/// Runs another analysis into the same cache in the middle of this one's embedding, as a second process would.
struct OtherAnalysisMeanwhile<'a> {
    other: Option<Box<dyn FnOnce() + Send + 'a>>,
}

impl Events for OtherAnalysisMeanwhile<'_> {
    fn progress(&mut self, _: Work, done: usize, _: usize) {
        if done > 0 {
            if let Some(other) = self.other.take() {
                other();
            }
        }
    }
}

#[test]
fn analyses_sharing_the_cache_keep_each_others_vectors() {
    let tmp = tempfile::tempdir().unwrap();
    let model = embedder(8);
    let cache = VectorCache::in_folder(tmp.path(), model.kind());
    let split = SplitOptions::default();
    let mut events = Collected::default();
    let (seed_insights, _) = read_insights(&[seeds()], &split, &mut events).unwrap();
    let debian = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/debian_4_sections.jsonl");
    let (debian_insights, _) = read_insights(&[debian], &split, &mut events).unwrap();
    let other_model = embedder(8);
    let other_cache = cache.clone();
    let other_insights = debian_insights.clone();
    let other_split = split.clone();
    let mut meanwhile = OtherAnalysisMeanwhile {
        other: Some(Box::new(move || {
            let (_, stats) = other_cache
                .embed(other_insights, &other_split, &other_model, &mut Silent)
                .unwrap();
            assert_eq!(stats.reused, 0);
        })),
    };
    cache
        .embed(seed_insights.clone(), &split, &model, &mut meanwhile)
        .unwrap();
    assert!(meanwhile.other.is_none(), "the other analysis ran during this one");
    // Both analyses' texts are in the cache: neither run embeds anything again.
    for insights in [seed_insights, debian_insights] {
        let (_, stats) = cache.embed(insights, &split, &model, &mut Silent).unwrap();
        assert_eq!((stats.embedded, stats.sentences_embedded), (0, 0));
    }
}

#[test]
fn a_second_writer_waits_for_the_first_or_with_no_wait_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("a.idx");
    let held = insights::index::lock::WriteLock::try_acquire(&path).unwrap().unwrap();
    let index = |extra: &[&str]| {
        let mut cmd = crate::cli_embed::insights();
        cmd.arg("index").arg(seeds()).arg("-i").arg(&path).args(extra);
        cmd
    };
    let (ok, _, stderr) = crate::pipeline::run(&mut index(&["--no-wait"]));
    assert!(!ok);
    let expected = format!(
        "error: {} is being written by another insights process (pid {}); leave out --no-wait to wait for it to finish",
        path.display(),
        std::process::id()
    );
    assert!(stderr.contains(&expected), "{stderr}");
    assert!(!path.exists());

    // Without --no-wait it says it waits, and goes on once the other writer is done.
    crate::common::default_model();
    let mut waiting = index(&["--json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert!(waiting.try_wait().unwrap().is_none(), "it waits while the lock is held");
    assert!(!path.exists());
    drop(held);
    let out = waiting.wait_with_output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "insights: waiting for another insights index on {} (pid {}) to finish",
            path.display(),
            std::process::id()
        )),
        "{stderr}"
    );
    assert_eq!(insights::index::store::load(&path).unwrap().len(), 43);
}

#[test]
fn two_writers_at_once_both_finish_and_the_index_holds_the_later_corpus() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("a.idx");
    let one = tmp.path().join("one");
    std::fs::create_dir(&one).unwrap();
    std::fs::copy(one_seed(), one.join("one.txt")).unwrap();
    crate::common::default_model();
    let spawn = |corpus: &Path| {
        crate::cli_embed::insights()
            .arg("index")
            .arg(corpus)
            .arg("-i")
            .arg(&path)
            .arg("--json")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(&seeds()), spawn(&one));
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert!(a.status.success() && b.status.success(), "{a:?} {b:?}");
    // The one that waited finished last: its corpus is the index's.
    let waited_b = String::from_utf8_lossy(&b.stderr).contains("waiting for another insights index");
    let waited_a = String::from_utf8_lossy(&a.stderr).contains("waiting for another insights index");
    assert!(waited_a != waited_b, "exactly one waited: {a:?} {b:?}");
    let last: serde_json::Value = serde_json::from_slice(if waited_b { &b.stdout } else { &a.stdout }).unwrap();
    let index = insights::index::store::load(&path).unwrap();
    assert_eq!(index.len() as u64, last["insights"].as_u64().unwrap());
    assert!(!insights::index::lock::lock_path(&path).exists());
}
