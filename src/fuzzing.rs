//! The bodies of the fuzz targets (`fuzz/`), shared with the test that runs every saved input: each reader of a
//! file format gets arbitrary bytes and must answer with an error or a result that holds together, never a panic, an
//! abort or a hang. Behind the `test-data` feature.
//!
//! Each target writes its input to a file of its own (in `/dev/shm` where there is one) and reads it back through
//! the same function the tool uses, since the readers take paths. The index and `.ann` targets set the input's last
//! four bytes to the CRC-32 of the rest when its first byte is odd, so that the structure checks behind the checksum
//! are reached.

use std::path::{Path, PathBuf};

use crate::document::read_inputs;
use crate::embed::{Precision, VectorKind};
use crate::index::ann::{file as ann_file, AnnOptions, Hnsw, NodeVectors};
use crate::index::journal::Journal;
use crate::index::{store, DistinctTexts, Index, IndexMeta, SentenceLayout};
use crate::insight::{sentence_spans, split_documents, SplitMode, SplitOptions, MAX_INSIGHT_BYTES};
use crate::linalg::fast_dot;
use crate::rng::Rng;
use crate::vectors::Embeddings;
use crate::Insight;

/// A fuzz target: a reader of one file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Text, Markdown or JSONL documents (the first byte picks the format and the split mode), read and split.
    Document,
    /// JSONL documents, read and split.
    Jsonl,
    /// Index files (`store::load`).
    Index,
    /// Approximate index files (`FILE.ann`), loaded and, where they fit, searched.
    Ann,
    /// Journals (`FILE.journal`), opened and recovered.
    Journal,
}

impl Target {
    /// Every target, in the order `scripts/fuzz.sh` runs them.
    pub const ALL: [Target; 5] = [
        Target::Document,
        Target::Jsonl,
        Target::Index,
        Target::Ann,
        Target::Journal,
    ];

    /// The target's name: its folder under `fuzz/seeds/` and `fuzz/regressions/`, and its `cargo fuzz` name.
    pub fn name(self) -> &'static str {
        match self {
            Target::Document => "document",
            Target::Jsonl => "jsonl",
            Target::Index => "index",
            Target::Ann => "ann",
            Target::Journal => "journal",
        }
    }

    /// Runs the target on one input; panics where a reader broke its promise.
    pub fn run(self, data: &[u8]) {
        match self {
            Target::Document => document(data),
            Target::Jsonl => documents(&[("jsonl", data)], SplitOptions::default()),
            Target::Index => index(data),
            Target::Ann => ann(data),
            Target::Journal => journal(data),
        }
    }
}

/// The vector kind of the sample index and journal: eight dimensions.
pub fn sample_kind() -> VectorKind {
    VectorKind {
        model_id: "fuzz".into(),
        weights_sha256: "ab".repeat(32),
        dim: 8,
        precision: Precision::F32,
    }
}

/// A small valid index with sentences: the bookkeeping of a real one, vectors from a seeded stream.
pub fn sample_index() -> Index {
    let insights: Vec<Insight> = (0..40)
        .map(|i| {
            Insight::new(
                format!("doc{}", i % 3),
                i + 1,
                i + 1,
                format!("Claim {i} is made here. It rests on reason {}. And on a third.", i % 7),
            )
        })
        .collect();
    let meta = IndexMeta {
        kind: sample_kind(),
        split: SplitOptions::default(),
    };
    let mut rng = Rng::new(3);
    let built = Index::build(meta, insights, &[], |texts| -> Result<Embeddings, ()> {
        let mut e = Embeddings::empty(8);
        for _ in texts.iter() {
            let v: Vec<f32> = (0..8).map(|_| rng.normal()).collect();
            e.push(&v);
        }
        e.normalize();
        Ok(e)
    });
    built.expect("the sample's vectors are always made").0
}

/// The approximate index of [`sample_index`].
pub fn sample_ann(index: &Index) -> Hnsw {
    let texts = DistinctTexts::of(index);
    Hnsw::build(
        &texts.node_vectors(&index.vectors),
        texts.keys.clone(),
        AnnOptions::default(),
        &|_| {},
    )
}

/// A folder of this process's own for the inputs written to files.
fn scratch() -> PathBuf {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let shm = Path::new("/dev/shm");
        let base = if shm.is_dir() {
            shm.to_path_buf()
        } else {
            std::env::temp_dir()
        };
        let dir = base.join(format!("insights-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a scratch folder for fuzz inputs");
        dir
    })
    .clone()
}

/// Writes `data` to the scratch file `name` and gives its path.
fn written(name: &str, data: &[u8]) -> PathBuf {
    let path = scratch().join(name);
    std::fs::write(&path, data).expect("the scratch file is writable");
    path
}

/// `data` with its last four bytes set to the CRC-32 of the rest when its first byte is odd.
fn with_crc(data: &[u8]) -> Vec<u8> {
    let mut bytes = data.to_vec();
    if data.first().is_some_and(|b| b % 2 == 1) && bytes.len() >= 4 {
        let end = bytes.len() - 4;
        let crc = crc32fast::hash(&bytes[..end]);
        bytes[end..].copy_from_slice(&crc.to_le_bytes());
    }
    bytes
}

/// The document target: the first byte picks the format (text, Markdown, JSONL) and the split mode.
fn document(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let ext = ["txt", "md", "jsonl"][usize::from(flags % 3)];
    let mode = [SplitMode::Paragraph, SplitMode::Sentence, SplitMode::Line][usize::from(flags / 3 % 3)];
    let opts = SplitOptions {
        mode,
        keep_all: flags & 0x80 != 0,
        ..SplitOptions::default()
    };
    documents(&[(ext, rest)], opts);
    // The sentence splitter on any text, valid or not as a document.
    check_spans(&String::from_utf8_lossy(rest));
}

/// Reads files of the given extensions and contents and splits them; checks what comes out.
fn documents(files: &[(&str, &[u8])], opts: SplitOptions) {
    let paths: Vec<PathBuf> = files
        .iter()
        .enumerate()
        .map(|(i, (ext, data))| written(&format!("doc{i}.{ext}"), data))
        .collect();
    let Ok(loaded) = read_inputs(&paths) else {
        return;
    };
    let Ok(insights) = split_documents(&loaded.documents, &opts) else {
        return;
    };
    for insight in &insights {
        assert!(insight.line_start <= insight.line_end, "{insight:?}");
        assert!(!insight.text.is_empty() && insight.text.len() <= MAX_INSIGHT_BYTES);
        assert_eq!(insight.text.trim(), insight.text);
    }
    let layout = SentenceLayout::of(&insights);
    assert_eq!(layout.first.len(), insights.len() + 1);
    for row in 0..layout.len() {
        let text = &insights[layout.owner_of(row)].text;
        let span = &layout.spans[row];
        assert!(
            text.get(span.clone()).is_some_and(|s| !s.is_empty()),
            "{span:?} of {text:?}"
        );
    }
}

/// Sentence spans lie in order inside the text, on character boundaries, trimmed and never empty.
fn check_spans(text: &str) {
    let mut last = 0;
    for (start, end) in sentence_spans(text) {
        assert!(
            last <= start && start < end && end <= text.len(),
            "{start}..{end} after {last}"
        );
        let sentence = text.get(start..end).expect("spans fall on character boundaries");
        assert_eq!(sentence.trim(), sentence);
        last = end;
    }
}

/// The index target: what loads is whole.
fn index(data: &[u8]) {
    let path = written("f.idx", &with_crc(data));
    if let Ok(read) = store::load(&path) {
        assert_eq!(read.vectors.len(), read.len());
        assert_eq!(read.hashes.len(), read.len());
        if let Some(s) = &read.sentences {
            assert_eq!(s.vectors.len(), s.len());
        }
    }
}

/// The `.ann` target: what loads can be searched, on vectors of its size.
fn ann(data: &[u8]) {
    let path = written("f.idx.ann", &with_crc(data));
    let Ok(read) = ann_file::load(&path) else {
        return;
    };
    if read.is_empty() || read.len() > 4096 || read.dim == 0 || read.dim > 64 {
        return;
    }
    let mut rng = Rng::new(1);
    let mut vectors = Embeddings::empty(read.dim);
    for _ in 0..read.len() {
        let v: Vec<f32> = (0..read.dim).map(|_| rng.normal()).collect();
        vectors.push(&v);
    }
    vectors.normalize();
    let nodes = NodeVectors {
        flat: vectors.as_flat(),
        dim: vectors.dim(),
        rows: None,
        dot: fast_dot(),
    };
    let hits = read.search(&nodes, vectors.row(0), 10);
    assert!(hits.iter().all(|h| (h.node as usize) < read.len()));
}

/// The journal target: what is recovered is whole records of finite vectors.
fn journal(data: &[u8]) {
    let path = written("f.idx.journal", data);
    let (_, recovered) = Journal::open(&path, &sample_kind()).expect("a journal can always be opened or started");
    assert_eq!(recovered.vectors.len(), recovered.hashes.len());
    assert!(recovered.vectors.rows().all(|r| r.iter().all(|x| x.is_finite())));
}

/// Small valid inputs for each target, the fuzzers' starting points (`fuzz/seeds/`): a sample of each format.
pub fn seeds() -> Vec<(Target, &'static str, Vec<u8>)> {
    let index = sample_index();
    let idx = written("seed.idx", b"");
    store::save(&index, &idx).expect("the sample index is saved");
    let ann = written("seed.idx.ann", b"");
    ann_file::save(&sample_ann(&index), &ann).expect("the sample graph is saved");
    let journal = written("seed.idx.journal", b"");
    std::fs::remove_file(&journal).expect("the journal is started afresh");
    let (mut open, _) = Journal::open(&journal, &sample_kind()).expect("a new journal");
    open.append(&index.hashes[..4], &index.vectors.select(&[0, 1, 2, 3]))
        .expect("the journal takes four records");
    drop(open);
    let read = |p: &Path| std::fs::read(p).expect("the sample was written");
    let text = b"\x00First paragraph of a note. It makes a claim (and a second one). Dr. Smith said so.\n\n\
- A bullet that says something here\n- Another bullet point, also here\n\nA closing paragraph, signed.\n";
    let markdown = b"\x01---\ndate: 2024-01-02\n---\n# Heading\n\nA paragraph that says something.\n\n```\ncode\n```\n";
    let jsonl = b"{\"text\": \"A first record, with a claim.\", \"doc\": \"a\", \"date\": \"2024-05-01\"}\n\
{\"text\": \"Second one. Two sentences here.\", \"id\": 7}\n";
    vec![
        (Target::Document, "text", text.to_vec()),
        (Target::Document, "markdown", markdown.to_vec()),
        (Target::Jsonl, "records", jsonl.to_vec()),
        (Target::Index, "sample", read(&idx)),
        (Target::Ann, "sample", read(&ann)),
        (Target::Journal, "sample", read(&journal)),
    ]
}
