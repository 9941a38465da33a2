//! The index file: round trips, old formats, damage.

use std::fs;

use super::layout::DATE_BYTES;
use super::*;
use crate::index::TextHash;
use crate::insight::dates::{DateSource, Day, DocumentDate};
use crate::insight::{Insight, TextPosition};

fn sample() -> Index {
    let insights: Vec<Insight> = ["alpha", "beta", "gamma"]
        .iter()
        .enumerate()
        .map(|(i, t)| Insight {
            doc: format!("doc{i}.txt"),
            line_start: i + 1,
            line_end: i + 2,
            text: t.to_string(),
            source_id: (i == 1).then(|| "b".to_string()),
            file: None,
        })
        .collect();
    let mut vectors = Embeddings::from_flat(3, vec![1., 2., 3., 0., 1., 0., -1., 0., 0.]);
    vectors.normalize();
    Index {
        meta: IndexMeta {
            kind: crate::embed::VectorKind {
                model_id: "tiny".into(),
                weights_sha256: "00ff".into(),
                dim: 3,
                precision: crate::embed::Precision::F32,
            },
            split: crate::insight::SplitOptions::default(),
        },
        hashes: insights.iter().map(|i| TextHash::of(&i.text)).collect(),
        insights,
        vectors,
        sentences: None,
        dates: Default::default(),
    }
}

#[test]
fn sentence_vectors_round_trip_and_older_formats_read_without_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.idx");
    let insights = vec![
        Insight::new("a", 1, 1, "First claim here. Second claim there."),
        Insight::new("b", 1, 1, "One claim only."),
    ];
    let meta = sample().meta;
    let embed = |texts: &[&str]| -> Result<Embeddings, ()> {
        let mut e = Embeddings::empty(3);
        for t in texts {
            e.push(&[t.len() as f32, 1.0, 0.5]);
        }
        e.normalize();
        Ok(e)
    };
    let (mut index, _) = Index::build(meta, insights, &[], embed).unwrap();
    assert_eq!(index.sentences.as_ref().unwrap().len(), 2);
    save(&index, &path).unwrap();
    assert_eq!(load(&path).unwrap(), index);
    // Places are kept; a row without one reads back as unplaced.
    let place = TextPosition {
        line_start: 3,
        column_start: 5,
        line_end: 4,
        column_end: 2,
    };
    index.sentences.as_mut().unwrap().layout.places[1] = Some(place);
    save(&index, &path).unwrap();
    let back = load(&path).unwrap();
    assert_eq!(back.sentences.as_ref().unwrap().layout.places, [None, Some(place)]);
    assert_eq!(back, index);
    // Versions 4 and 5 hold no places: their table is the counts and ranges alone.
    let layout = &index.sentences.as_ref().unwrap().layout;
    let full = sentence_table(layout);
    let short = &full[..full.len() - 16 * layout.len()];
    let unplaced = read_sentence_table(short, &index.insights, 2, false).unwrap();
    assert_eq!(
        (unplaced.spans.clone(), unplaced.places.clone()),
        (layout.spans.clone(), vec![None, None])
    );
    assert!(read_sentence_table(short, &index.insights, 2, true).is_none());
    let mut partly = full.clone();
    let at = full.len() - 16;
    partly[at..at + 4].copy_from_slice(&0u32.to_le_bytes());
    assert!(
        read_sentence_table(&partly, &index.insights, 2, true).is_none(),
        "a place partly 0 is damage"
    );
    // Version 2 (f32, before sentence vectors): the same layout without the sentence section and header field.
    save(&sample(), &path).unwrap();
    let mut bytes = fs::read(&path).unwrap();
    bytes[12] = 2;
    let crc = crc32fast::hash(&bytes[..bytes.len() - 4]);
    let at = bytes.len() - 4;
    bytes[at..].copy_from_slice(&crc.to_le_bytes());
    let old = decode(&path, &bytes, None).unwrap();
    assert_eq!(old.sentences, None);
    assert_eq!(old.vectors, sample().vectors);
    // A sentence table whose ranges leave their text, or whose counts do not add up, is refused by name.
    let table = index.sentences.as_ref().unwrap();
    let mut bytes = sentence_table(&table.layout);
    assert!(read_sentence_table(&bytes, &index.insights, 2, true).is_some());
    assert!(read_sentence_table(&bytes, &index.insights, 3, true).is_none());
    bytes[12..16].copy_from_slice(&999u32.to_le_bytes());
    assert!(read_sentence_table(&bytes, &index.insights, 2, true).is_none());
    let mut broken = index.clone();
    broken.sentences.as_mut().unwrap().layout.spans[1] = 18..99;
    let err = save(&broken, &path).unwrap_err().to_string();
    assert!(err.contains("inconsistent sentence table"), "{err}");
    assert_eq!(
        load(&path).unwrap().insights,
        sample().insights,
        "the file before is kept"
    );
}

#[test]
fn round_trips_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/x.idx");
    save(&sample(), &path).unwrap();
    assert_eq!(load(&path).unwrap(), sample());
    let mut dated = sample();
    let date = Day::parse_start("2024-05-01").unwrap();
    let source = DateSource::FrontMatter;
    dated.dates.insert("doc1.txt".into(), DocumentDate { date, source });
    save(&dated, &path).unwrap();
    assert_eq!(load(&path).unwrap(), dated, "dates are kept");
    let section = date_section(&dated);
    assert_eq!(read_dates(&section, &dated.insights), Some(dated.dates.clone()));
    // Each precision has its version: an f16 index is written as 8 and read back as f16; marked 6, it is damage.
    for (precision, version) in [
        (crate::embed::Precision::F32, FORMAT_VERSION),
        (crate::embed::Precision::Int8, INT8_FORMAT_VERSION),
        (crate::embed::Precision::F16, F16_FORMAT_VERSION),
    ] {
        let mut index = sample();
        index.meta.kind.precision = precision;
        save(&index, &path).unwrap();
        let mut bytes = fs::read(&path).unwrap();
        assert_eq!(bytes[12..16], version.to_le_bytes(), "{precision}");
        assert_eq!(load(&path).unwrap(), index, "{precision}");
        if precision == crate::embed::Precision::F16 {
            bytes[12..16].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
            let err = decode(&path, &bytes, None).unwrap_err().to_string();
            assert!(err.contains("damaged index header"), "{err}");
        }
    }
    let mut unknown = section.clone();
    unknown[DATE_BYTES + 4] = 9;
    assert_eq!(
        read_dates(&unknown, &dated.insights),
        None,
        "an unknown source is damage"
    );
    let leftovers: Vec<_> = fs::read_dir(path.parent().unwrap()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temporary file is left");
    // A writer killed before its rename left its temporary file: the next save removes it, and never the
    // temporary file of a writer still alive, nor another file.
    if Path::new("/proc/self").exists() {
        let dir = path.parent().unwrap();
        let dead = dir.join(format!("x.idx.tmp-{}", u32::MAX - 1));
        let alive = dir.join("x.idx.tmp-1");
        let other = dir.join("x.idx.tmp-notes");
        for f in [&dead, &alive, &other] {
            fs::write(f, b"partial").unwrap();
        }
        save(&sample(), &path).unwrap();
        assert!(!dead.exists(), "the orphan is removed");
        assert!(other.exists(), "a file not named by a process id is left alone");
        assert!(
            alive.exists(),
            "a live process's (pid 1's) temporary file is left alone"
        );
    }
}

#[test]
fn truncated_damaged_and_foreign_files_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.idx");
    save(&sample(), &path).unwrap();
    let bytes = fs::read(&path).unwrap();
    let check = |data: &[u8], needle: &str| {
        let err = decode(&path, data, None).unwrap_err().to_string();
        assert!(err.contains("x.idx") && err.contains(needle), "{err}");
    };
    check(&bytes[..bytes.len() - 10], "truncated");
    check(&bytes[..30], "truncated");
    let mut flipped = bytes.clone();
    flipped[40] ^= 1;
    check(&flipped, "damaged");
    check(b"{\"some\": \"json\"}", "not an insights index");
    check(b"", "not an insights index");
    let mut future = bytes.clone();
    future[12] = 9;
    let err = decode(&path, &future, None).unwrap_err();
    assert!(matches!(err, IndexError::NewerFormat { version: 9, .. }), "{err}");
    assert!(
        err.to_string()
            .contains("x.idx: index format version 9, newer than this build reads"),
        "{err}"
    );
    // Format 3 is for int8 vectors only: an f32 index marked 3 is refused, not misread.
    let mut three = bytes.clone();
    three[12] = 3;
    check(&three, "format 3 with f32 vectors");
    // A header claiming more insights than the file holds is refused before anything is allocated for them.
    // Found in the bytes: a lossy text conversion would shift offsets past the binary header length.
    let at = bytes.windows(9).position(|w| w == b"\"count\":3").unwrap() + 8;
    let mut inflated = bytes.clone();
    inflated[at] = b'9';
    check(&inflated, "truncated");
}
