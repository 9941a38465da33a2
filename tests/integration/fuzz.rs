//! The readers of every file format, fed thousands of damaged variants of a valid file: flipped bytes, cut files,
//! inserted bytes and corrupted counts, with and without the checksum repaired (so that the structure checks behind
//! it are reached). Each must answer with an error or a valid result, never a panic, an abort or a hang.

use std::path::Path;

use insights::document::read_inputs;
use insights::embed::VectorKind;
use insights::fuzzing::Target;
use insights::index::ann::file as ann_file;
use insights::index::journal::Journal;
use insights::index::{store, DistinctTexts, Index};
use insights::insight::{split_documents, SplitOptions};
use insights::rng::Rng;

/// Damaged variants per format.
const VARIANTS: usize = 2000;

fn kind() -> VectorKind {
    insights::fuzzing::sample_kind()
}

/// A small valid index with sentences (the fuzzers' sample).
fn sample_index() -> Index {
    insights::fuzzing::sample_index()
}

/// One damaged variant of `good`; with `repair_crc`, its last 4 bytes are set to the CRC-32 of the rest, as the
/// index and ANN formats keep it.
fn damage(good: &[u8], rng: &mut Rng, repair_crc: bool) -> Vec<u8> {
    let mut bytes = good.to_vec();
    for _ in 0..1 + rng.below(3) {
        match rng.below(5) {
            0 => {
                let at = rng.below(bytes.len());
                bytes[at] ^= 1 << rng.below(8);
            }
            1 => bytes.truncate(rng.below(bytes.len())),
            2 => {
                let at = rng.below(bytes.len() + 1);
                bytes.insert(at, rng.below(256) as u8);
            }
            3 => {
                // A count or offset made huge or zero: the words of the headers.
                let at = rng.below(bytes.len().clamp(1, 128));
                let word = if rng.below(2) == 0 { u32::MAX } else { 0 };
                for (i, b) in word.to_le_bytes().iter().enumerate() {
                    if let Some(x) = bytes.get_mut(at + i) {
                        *x = *b;
                    }
                }
            }
            _ => {
                let at = rng.below(bytes.len());
                bytes[at] = rng.below(256) as u8;
            }
        }
        if bytes.is_empty() {
            break;
        }
    }
    if repair_crc && bytes.len() >= 4 {
        let end = bytes.len() - 4;
        let crc = crc32fast::hash(&bytes[..end]);
        bytes[end..].copy_from_slice(&crc.to_le_bytes());
    }
    bytes
}

/// Writes each damaged variant of the file at `path` there and hands it to `read`.
fn each_variant(path: &Path, seed: u64, read: impl Fn(&Path)) {
    let good = std::fs::read(path).unwrap();
    let mut rng = Rng::new(seed);
    for n in 0..VARIANTS {
        std::fs::write(path, damage(&good, &mut rng, n % 2 == 1)).unwrap();
        read(path);
    }
}

#[test]
fn damaged_index_files_are_refused_or_read_never_panicking() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("f.idx");
    let index = sample_index();
    store::save(&index, &path).unwrap();
    let good = std::fs::read(&path).unwrap();
    let accepted_changed = std::cell::Cell::new(0);
    each_variant(&path, 1, |p| {
        if let Ok(read) = store::load(p) {
            // What reads back is whole: one vector and one hash per insight, the sentence table consistent.
            assert_eq!(read.vectors.len(), read.len());
            assert_eq!(read.hashes.len(), read.len());
            if let Some(s) = &read.sentences {
                assert_eq!(s.vectors.len(), s.len());
            }
            if std::fs::read(p).unwrap() != good {
                accepted_changed.set(accepted_changed.get() + 1);
            }
        }
    });
    // With its checksum left as it was, no changed file is taken for an index (a repaired checksum may pass a
    // change the structure checks cannot see, such as a flipped bit in a vector).
    let mut rng = Rng::new(7);
    for _ in 0..300 {
        let bad = damage(&good, &mut rng, false);
        std::fs::write(&path, &bad).unwrap();
        assert!(bad == good || store::load(&path).is_err());
    }
    assert!(accepted_changed.get() < VARIANTS / 2, "{}", accepted_changed.get());
}

#[test]
fn damaged_approximate_index_files_are_refused_or_read_never_panicking() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("f.idx.ann");
    let index = sample_index();
    let texts = DistinctTexts::of(&index);
    let hnsw = insights::fuzzing::sample_ann(&index);
    ann_file::save(&hnsw, &path).unwrap();
    let nodes = texts.node_vectors(&index.vectors);
    each_variant(&path, 2, |p| {
        if let Ok(read) = ann_file::load(p) {
            // A graph that passed the checks can be searched.
            if read.len() == texts.len() && read.dim == index.meta.kind.dim {
                let _ = read.search(&nodes, index.vectors.row(0), 10);
            }
        }
    });
}

#[test]
fn damaged_journals_give_back_only_whole_records() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("f.idx.journal");
    let index = sample_index();
    let (mut journal, _) = Journal::open(&path, &kind()).unwrap();
    journal.append(&index.hashes, &index.vectors).unwrap();
    drop(journal);
    each_variant(&path, 3, |p| {
        let (_, recovered) = Journal::open(p, &kind()).unwrap();
        assert!(recovered.hashes.len() <= index.len());
        assert_eq!(recovered.vectors.len(), recovered.hashes.len());
        assert!(recovered.vectors.rows().all(|r| r.iter().all(|x| x.is_finite())));
    });
}

#[test]
fn damaged_documents_are_read_or_refused_and_split_never_panicking() {
    let tmp = tempfile::tempdir().unwrap();
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let seed = std::fs::read_dir(&seeds).unwrap().next().unwrap().unwrap().path();
    let text = std::fs::read(&seed).unwrap();
    let jsonl = b"{\"text\": \"A first record, with a claim.\", \"doc\": \"a\", \"date\": \"2024-05-01\"}\n\
{\"text\": \"Second one. Two sentences here.\", \"id\": 7}\n"
        .to_vec();
    let front = b"---\ndate: 2024-01-02\ntitle: t\n---\n# Heading\n\nA paragraph that says something.\n\n- a bullet point here\n"
        .to_vec();
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain("A claim in UTF-16 text.\n".encode_utf16().flat_map(|u| u.to_le_bytes()))
        .collect();
    for (name, good) in [("a.txt", text), ("b.jsonl", jsonl), ("c.md", front), ("d.txt", utf16)] {
        let path = tmp.path().join(name);
        std::fs::write(&path, &good).unwrap();
        let mut rng = Rng::new(name.len() as u64);
        for _ in 0..VARIANTS / 3 {
            std::fs::write(&path, damage(&good, &mut rng, false)).unwrap();
            if let Ok(loaded) = read_inputs(std::slice::from_ref(&path)) {
                for insight in split_documents(&loaded.documents, &SplitOptions::default()).unwrap_or_default() {
                    assert!(insight.line_start <= insight.line_end);
                }
            }
        }
    }
}

/// Every saved input of the coverage-guided fuzzers (`scripts/fuzz.sh`): the seeds each target starts from, and
/// each input that once broke a reader (`fuzz/regressions/TARGET/`), through the targets' own bodies.
#[test]
fn saved_fuzz_inputs_run_clean() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut ran = 0;
    for target in Target::ALL {
        for folder in ["seeds", "regressions"] {
            let Ok(entries) = std::fs::read_dir(root.join(folder).join(target.name())) else {
                continue;
            };
            for entry in entries {
                let path = entry.unwrap().path();
                let data = std::fs::read(&path).unwrap();
                let outcome = std::panic::catch_unwind(|| target.run(&data));
                assert!(
                    outcome.is_ok(),
                    "{}: the {} target panicked",
                    path.display(),
                    target.name()
                );
                ran += 1;
            }
        }
    }
    // Every target has at least its seed.
    assert!(ran >= Target::ALL.len(), "{ran} saved inputs");
}

#[test]
fn the_saved_seeds_are_what_the_library_writes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz").join("seeds");
    for (target, name, bytes) in insights::fuzzing::seeds() {
        let path = root.join(target.name()).join(name);
        let saved = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            saved == bytes,
            "{} is stale: run `cargo run --example fuzz_seeds`",
            path.display()
        );
    }
}
