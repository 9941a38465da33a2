//! The embedding journal: vectors appended as they are made, so that an indexing run that is interrupted (Ctrl-C, a
//! crash, a full disk) keeps what it embedded, and the next run resumes instead of starting over.
//!
//! Layout, little-endian: `MAGIC` (12 bytes) · version (u32) · dim (u32) · the weights' sha256 (64 ASCII hex digits)
//! · the precision (4 ASCII bytes, `f32` padded with a NUL, or `int8`) · records, each a text hash (16 bytes), its
//! vector (dim f32) and the CRC-32 of both (u32). Records are only ever appended; a torn or damaged record ends the
//! journal (it and anything after it are dropped when it is reopened).

use std::collections::HashSet;
use std::fs::{self, File, OpenOptions};
use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::{get_f32s, put_f32s, IndexError, SentenceLayout, TextHash};
use crate::embed::VectorKind;
use crate::insight::Insight;
use crate::vectors::Embeddings;

/// The first bytes of a journal file.
pub const MAGIC: &[u8; 12] = b"INSIGHTS-JNL";
const VERSION: u32 = 2;
const HEADER: usize = 12 + 4 + 4 + 64 + 4;

/// An open journal, appending vectors as they are made.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: File,
    dim: usize,
}

/// What an earlier, interrupted run left in a journal: text hashes and their vectors (row `i` is `hashes[i]`'s).
#[derive(Debug, Clone, PartialEq)]
pub struct Recovered {
    /// The content hashes of the texts embedded.
    pub hashes: Vec<TextHash>,
    /// Their unit vectors.
    pub vectors: Embeddings,
}

impl Recovered {
    /// How many of the recovered vectors are of texts that `insights` need (their own texts, or their sentences'):
    /// a journal left by a run on other documents holds vectors, but none that apply.
    pub fn applicable(&self, insights: &[Insight]) -> usize {
        let layout = SentenceLayout::of(insights);
        let wanted: HashSet<TextHash> = insights
            .iter()
            .map(|i| TextHash::of(&i.text))
            .chain(layout.hashes(insights))
            .collect();
        self.hashes.iter().filter(|h| wanted.contains(h)).count()
    }
}

/// The journal that goes with the index file `index`: `<index>.journal` beside it.
pub fn journal_path(index: &Path) -> PathBuf {
    let mut name = index.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".journal");
    index.with_file_name(name)
}

impl Journal {
    /// Opens the journal at `path` for vectors of `kind`, and returns what an earlier run making the same kind left
    /// in it. A journal of another model, precision or dimension, or one whose header is damaged, is started afresh;
    /// a torn last record is cut off.
    pub fn open(path: &Path, kind: &VectorKind) -> Result<(Journal, Recovered), IndexError> {
        let dim = kind.dim;
        let io = |source| IndexError::Io {
            path: path.to_path_buf(),
            source,
        };
        let header = header_bytes(kind);
        let mut recovered = Recovered {
            hashes: Vec::new(),
            vectors: Embeddings::empty(dim),
        };
        let mut keep = 0u64;
        if let Ok(file) = File::open(path) {
            let mut input = BufReader::new(file);
            let mut found = vec![0u8; HEADER];
            if input.read_exact(&mut found).is_ok() && found == header {
                keep = HEADER as u64;
                let mut record = vec![0u8; 16 + dim * 4 + 4];
                while input.read_exact(&mut record).is_ok() {
                    let (body, crc) = record.split_at(record.len() - 4);
                    let mut vector = vec![0f32; dim];
                    get_f32s(&body[16..], &mut vector);
                    if crc32fast::hash(body).to_le_bytes() != crc || vector.iter().any(|x| !x.is_finite()) {
                        break;
                    }
                    recovered
                        .hashes
                        .push(TextHash::from_slice(body).expect("a record holds 16 hash bytes"));
                    recovered.vectors.push(&vector);
                    keep += record.len() as u64;
                }
            }
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir).map_err(|e| IndexError::Io {
                path: dir.to_path_buf(),
                source: e,
            })?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(io)?;
        file.set_len(keep).map_err(io)?;
        file.seek(SeekFrom::End(0)).map_err(io)?;
        if keep == 0 {
            file.write_all(&header).map_err(io)?;
        }
        Ok((
            Journal {
                path: path.to_path_buf(),
                file,
                dim,
            },
            recovered,
        ))
    }

    /// Appends vectors (row `i` for `hashes[i]`) and hands them to the operating system, so they survive the process.
    pub fn append(&mut self, hashes: &[TextHash], vectors: &Embeddings) -> Result<(), IndexError> {
        let invalid = |message: String| IndexError::Format {
            path: self.path.clone(),
            message,
        };
        if vectors.dim() != self.dim || vectors.len() != hashes.len() {
            return Err(invalid(format!(
                "{} vectors of dim {} for {} texts; the journal holds dim {}",
                vectors.len(),
                vectors.dim(),
                hashes.len(),
                self.dim
            )));
        }
        let mut block = Vec::with_capacity(hashes.len() * (16 + self.dim * 4 + 4));
        for (h, row) in hashes.iter().zip(vectors.rows()) {
            let start = block.len();
            block.extend_from_slice(h.as_bytes());
            put_f32s(&mut block, row);
            let crc = crc32fast::hash(&block[start..]);
            block.extend_from_slice(&crc.to_le_bytes());
        }
        self.file.write_all(&block).map_err(|source| IndexError::Io {
            path: self.path.clone(),
            source,
        })
    }

    /// Deletes the journal, once its vectors are safely in the index (one already given up is no error).
    pub fn remove(self) -> Result<(), IndexError> {
        let Journal { path, file, .. } = self;
        drop(file);
        match fs::remove_file(&path) {
            Err(source) if source.kind() != std::io::ErrorKind::NotFound => Err(IndexError::Io { path, source }),
            _ => Ok(()),
        }
    }

    /// Gives the journal up after a write to it failed (a full disk): its file is removed, so that it neither keeps
    /// the disk full nor leaves a torn run behind. The run goes on without one.
    pub fn abandon(&mut self) {
        let _ = fs::remove_file(&self.path);
    }

    /// The journal's file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn header_bytes(kind: &VectorKind) -> Vec<u8> {
    let VectorKind {
        weights_sha256,
        precision,
        dim,
        ..
    } = kind;
    let mut header = Vec::with_capacity(HEADER);
    header.extend_from_slice(MAGIC);
    header.extend_from_slice(&VERSION.to_le_bytes());
    header.extend_from_slice(&(*dim as u32).to_le_bytes());
    let mut sum = [b'0'; 64];
    for (s, b) in sum.iter_mut().zip(weights_sha256.bytes()) {
        *s = b;
    }
    header.extend_from_slice(&sum);
    let mut tag = [0u8; 4];
    for (t, b) in tag.iter_mut().zip(precision.name().bytes()) {
        *t = b;
    }
    header.extend_from_slice(&tag);
    header
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embed::Precision;

    fn kind(weights_sha256: &str, precision: Precision) -> VectorKind {
        VectorKind {
            model_id: "m".into(),
            weights_sha256: weights_sha256.into(),
            dim: 2,
            precision,
        }
    }
    use crate::index::TextHash;

    fn vectors(rows: &[[f32; 2]]) -> Embeddings {
        Embeddings::from_flat(2, rows.iter().flatten().copied().collect())
    }

    #[test]
    fn appended_vectors_come_back_after_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = journal_path(&dir.path().join("x.idx"));
        assert!(path.ends_with("x.idx.journal"));
        let (mut journal, recovered) = Journal::open(&path, &kind("ab", Precision::F32)).unwrap();
        assert!(recovered.hashes.is_empty());
        let hashes = vec![TextHash::of("one"), TextHash::of("two")];
        journal.append(&hashes, &vectors(&[[1.0, 0.0], [0.0, 1.0]])).unwrap();
        journal.append(&hashes[..1], &vectors(&[[0.6, 0.8]])).unwrap();
        drop(journal);
        let (journal, recovered) = Journal::open(&path, &kind("ab", Precision::F32)).unwrap();
        assert_eq!(recovered.hashes, vec![hashes[0], hashes[1], hashes[0]]);
        assert_eq!(recovered.vectors.row(2), &[0.6, 0.8]);
        journal.remove().unwrap();
        assert!(!path.exists());
    }

    #[test]
    fn only_vectors_of_texts_the_insights_need_count_as_applicable() {
        let insights = [Insight::new("a", 1, 1, "First point made. Second point follows.")];
        let recovered = Recovered {
            hashes: [
                insights[0].text.as_str(),
                "Second point follows.",
                "Another corpus's text.",
            ]
            .map(TextHash::of)
            .to_vec(),
            vectors: vectors(&[[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]]),
        };
        assert_eq!(
            recovered.applicable(&insights),
            2,
            "the insight's text and one of its sentences"
        );
        assert_eq!(recovered.applicable(&[Insight::new("b", 1, 1, "Unrelated.")]), 0);
    }

    #[test]
    fn a_torn_record_is_cut_off_and_appending_goes_on_after_the_last_whole_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        let (mut journal, _) = Journal::open(&path, &kind("ab", Precision::F32)).unwrap();
        journal
            .append(
                &[TextHash::of("a"), TextHash::of("b")],
                &vectors(&[[1.0, 0.0], [0.0, 1.0]]),
            )
            .unwrap();
        drop(journal);
        let len = fs::metadata(&path).unwrap().len();
        OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(len - 5)
            .unwrap();
        let (mut journal, recovered) = Journal::open(&path, &kind("ab", Precision::F32)).unwrap();
        assert_eq!(recovered.hashes, vec![TextHash::of("a")]);
        journal.append(&[TextHash::of("c")], &vectors(&[[0.0, -1.0]])).unwrap();
        drop(journal);
        let (_, recovered) = Journal::open(&path, &kind("ab", Precision::F32)).unwrap();
        assert_eq!(recovered.hashes, vec![TextHash::of("a"), TextHash::of("c")]);
        assert_eq!(recovered.vectors.row(1), &[0.0, -1.0]);
    }

    #[test]
    fn a_journal_of_another_model_or_precision_or_a_damaged_one_starts_afresh() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        let (mut journal, _) = Journal::open(&path, &kind("ab", Precision::F32)).unwrap();
        journal.append(&[TextHash::of("a")], &vectors(&[[1.0, 0.0]])).unwrap();
        drop(journal);
        let (_, other_model) = Journal::open(&path, &kind("cd", Precision::F32)).unwrap();
        assert!(other_model.hashes.is_empty());
        let (_, after) = Journal::open(&path, &kind("ab", Precision::F32)).unwrap();
        assert!(after.hashes.is_empty(), "the other model's run replaced it");
        let (mut journal, _) = Journal::open(&path, &kind("ab", Precision::F32)).unwrap();
        journal.append(&[TextHash::of("a")], &vectors(&[[1.0, 0.0]])).unwrap();
        drop(journal);
        let (_, int8) = Journal::open(&path, &kind("ab", Precision::Int8)).unwrap();
        assert!(int8.hashes.is_empty(), "f32 vectors are not resumed at int8");
        let (_, after) = Journal::open(&path, &kind("ab", Precision::F32)).unwrap();
        assert!(after.hashes.is_empty(), "the int8 run replaced it");
        let (mut journal, _) = Journal::open(&path, &kind("ab", Precision::F32)).unwrap();
        journal.append(&[TextHash::of("a")], &vectors(&[[1.0, 0.0]])).unwrap();
        drop(journal);
        let mut bytes = fs::read(&path).unwrap();
        let last = bytes.len() - 6;
        bytes[last] ^= 0xff;
        fs::write(&path, &bytes).unwrap();
        let (_, damaged) = Journal::open(&path, &kind("ab", Precision::F32)).unwrap();
        assert!(damaged.hashes.is_empty(), "a record failing its CRC is dropped");
        fs::write(&path, b"not a journal at all").unwrap();
        let (_, foreign) = Journal::open(&path, &kind("ab", Precision::F32)).unwrap();
        assert!(foreign.hashes.is_empty());
        assert!(journal_path(Path::new("idx")).ends_with("idx.journal"));
        let mut wrong = Journal::open(&path, &kind("ab", Precision::F32)).unwrap().0;
        assert!(wrong.append(&[TextHash::of("a")], &Embeddings::empty(3)).is_err());
    }
}
