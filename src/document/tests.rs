//! Reading files, folders and standard input: what is read, skipped and refused.

use super::decode::Problem;
use super::*;
use std::fs;

/// Writes `files` (path, bytes) under a new temporary folder.
fn fixture(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, bytes) in files {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(path, bytes).expect("write");
    }
    dir
}

fn read_one(dir: &tempfile::TempDir, name: &str) -> Result<Loaded, ReadError> {
    read_inputs(&[dir.path().join(name)])
}

fn message(result: Result<Loaded, ReadError>) -> String {
    result.expect_err("should fail").to_string()
}

#[test]
fn format_follows_the_extension() {
    let cases = [
        ("a.md", DocFormat::Markdown),
        ("b.MARKDOWN", DocFormat::Markdown),
        ("c.jsonl", DocFormat::Jsonl),
    ];
    for (name, format) in cases
        .into_iter()
        .chain([("d.txt", DocFormat::Text), ("e", DocFormat::Text)])
    {
        assert_eq!(DocFormat::from_path(Path::new(name)), format, "{name}");
    }
}

#[test]
fn folder_walk_sorts_and_skips_hidden_ignored_binary_empty_and_non_utf8() {
    let dir = fixture(&[
        ("b.md", b"# Title\n\nSome text here."),
        ("a.txt", b"Alpha text."),
        ("sub/c.txt", b"Gamma text."),
        (".hidden.txt", b"Hidden text."),
        (".hiddendir/d.txt", b"Hidden folder text."),
        (".gitignore", b"ignored.txt\n"),
        (".ignore", b"also_ignored.txt\n"),
        ("ignored.txt", b"Ignored text."),
        ("also_ignored.txt", b"Also ignored."),
        ("bin.dat", b"abc\0def"),
        ("empty.txt", b" \n\t\n"),
        ("bad.txt", b"ok\nbad \xff here"),
    ]);
    let loaded = read_inputs(&[dir.path().to_path_buf()]).expect("folder reads");
    let names: Vec<String> = loaded.documents.iter().map(|d| d.name.clone()).collect();
    let root = dir.path().display().to_string();
    assert_eq!(
        names,
        [
            format!("{root}/a.txt"),
            format!("{root}/b.md"),
            format!("{root}/sub/c.txt")
        ]
    );
    assert_eq!(loaded.documents[1].format, DocFormat::Markdown);
    assert_eq!(loaded.documents[0].text, "Alpha text.");
    let skipped: Vec<(String, String)> = loaded
        .skipped
        .iter()
        .map(|s| {
            (
                s.path.file_name().unwrap_or_default().to_string_lossy().into_owned(),
                s.reason.clone(),
            )
        })
        .collect();
    assert_eq!(
        skipped,
        [
            (
                "bad.txt".to_string(),
                "not valid UTF-8 (first bad byte at offset 7, line 2)".to_string()
            ),
            ("bin.dat".to_string(), "binary file".to_string()),
            ("empty.txt".to_string(), "empty file".to_string()),
        ]
    );
}

#[test]
fn named_files_that_cannot_be_read_are_errors_naming_them() {
    let dir = fixture(&[
        ("data.bin", b"\x89PNG\0\0"),
        ("bad.txt", b"line one\nx\xc3(y"),
        ("notes.txt", b""),
        ("blank.txt", b"  \r\n \n"),
    ]);
    let root = dir.path().display();
    assert_eq!(
        message(read_one(&dir, "data.bin")),
        format!("{root}/data.bin: binary file (contains NUL bytes); insights reads text, Markdown and JSONL")
    );
    assert_eq!(
        message(read_one(&dir, "bad.txt")),
        format!("{root}/bad.txt: not valid UTF-8 (first bad byte at offset 10, line 2)")
    );
    assert_eq!(
        message(read_one(&dir, "notes.txt")),
        format!("{root}/notes.txt: empty file")
    );
    assert_eq!(
        message(read_one(&dir, "blank.txt")),
        format!("{root}/blank.txt: empty file")
    );
    assert_eq!(
        message(read_one(&dir, "missing.txt")),
        format!("{root}/missing.txt: no such file or directory")
    );
    assert!(matches!(read_one(&dir, "missing.txt"), Err(ReadError::Missing { .. })));
}

#[test]
fn a_folder_without_documents_is_an_error() {
    let dir = fixture(&[("sub/bin.dat", b"\0"), (".hidden.txt", b"Hidden.")]);
    let err = read_inputs(&[dir.path().to_path_buf()]).expect_err("no documents");
    assert!(matches!(err, ReadError::NoDocuments { skipped: 1, .. }), "{err:?}");
    assert!(err.to_string().contains("no documents found"), "{err}");
}

#[test]
fn crlf_becomes_lf_and_a_bom_is_stripped() {
    let dir = fixture(&[("win.txt", b"\xEF\xBB\xBFFirst line.\r\nSecond line.\r\n")]);
    let loaded = read_one(&dir, "win.txt").expect("reads");
    assert_eq!(loaded.documents[0].text, "First line.\nSecond line.\n");
}

#[test]
fn a_file_over_the_limit_is_refused_without_reading_it() {
    let dir = fixture(&[]);
    let path = dir.path().join("huge.txt");
    fs::File::create(&path)
        .and_then(|f| f.set_len(MAX_FILE_BYTES + 1))
        .expect("sparse file");
    let err = read_inputs(&[path]).expect_err("too large");
    assert!(
        matches!(err, ReadError::TooLarge { size, .. } if size == MAX_FILE_BYTES + 1),
        "{err:?}"
    );
    assert!(
        err.to_string().ends_with("insights reads at most 256 MiB a file)"),
        "{err}"
    );
}

#[test]
fn inputs_keep_their_order_and_a_repeat_is_read_once() {
    let dir = fixture(&[("z.txt", b"Zed."), ("folder/a.txt", b"Ay.")]);
    let z = dir.path().join("z.txt");
    let folder = dir.path().join("folder");
    let loaded = read_inputs(&[z.clone(), folder.clone(), z.clone(), folder]).expect("reads");
    let texts: Vec<&str> = loaded.documents.iter().map(|d| d.text.as_str()).collect();
    assert_eq!(texts, ["Zed.", "Ay."]);
    let skipped: Vec<&Path> = loaded.skipped.iter().map(|s| s.path.as_path()).collect();
    assert_eq!(skipped, [z.as_path(), dir.path().join("folder/a.txt").as_path()]);
    assert!(loaded.skipped[0].reason.contains("more than once"));
}

#[test]
fn the_seed_folder_reads_four_documents_in_order() {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let loaded = read_inputs(&[seeds]).expect("seeds read");
    let names: Vec<&str> = loaded
        .documents
        .iter()
        .map(|d| d.name.rsplit('/').next().unwrap_or_default())
        .collect();
    assert_eq!(
        names,
        [
            "000_050be5057ca1e8ea.txt",
            "001_a3d39b248739e657.txt",
            "002_4a29f04a0ddfd58e.txt",
            "003_f97f57675a693743.txt"
        ]
    );
    assert!(loaded.skipped.is_empty());
}

#[test]
fn utf16_with_a_byte_order_mark_is_read_and_bad_utf16_is_named() {
    let text = "Café au lait, twice.\r\nA second line.";
    let le: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let be: Vec<u8> = [0xFE, 0xFF]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
        .collect();
    let dir = fixture(&[("le.txt", &le), ("be.txt", &be)]);
    for name in ["le.txt", "be.txt"] {
        let loaded = read_inputs(&[dir.path().join(name)]).expect("UTF-16 reads");
        assert_eq!(loaded.documents[0].text, "Café au lait, twice.\nA second line.");
    }
    let mut lone = le.clone();
    lone.extend_from_slice(&0xD800u16.to_le_bytes());
    lone.extend_from_slice(b"a\0");
    assert!(matches!(decode(lone.clone()), Err(Problem::NotUtf16 { offset }) if offset == le.len()));
    assert!(
        matches!(decode(le[..le.len() - 1].to_vec()), Err(Problem::NotUtf16 { .. })),
        "odd length"
    );
    let err = error::named(Problem::NotUtf16 { offset: 4 }, Path::new("x.txt")).to_string();
    assert_eq!(err, "x.txt: not valid UTF-16 (first bad unit at byte offset 4)");
}

#[cfg(unix)]
#[test]
fn a_fifo_in_a_folder_or_behind_a_symlink_is_skipped_not_opened() {
    let dir = fixture(&[("a.txt", b"Alpha text.")]);
    let fifo = dir.path().join("pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    std::os::unix::fs::symlink(&fifo, dir.path().join("link.txt")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("gone"), dir.path().join("broken.txt")).unwrap();
    // Opening the FIFO would block for ever: the walk runs in a thread and must answer within seconds.
    let root = dir.path().to_path_buf();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(read_inputs(&[root])));
    let loaded = rx
        .recv_timeout(std::time::Duration::from_secs(20))
        .expect("the walk does not hang")
        .expect("the folder reads");
    assert_eq!(loaded.documents.len(), 1);
    let mut skipped: Vec<String> = loaded
        .skipped
        .iter()
        .map(|s| s.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    skipped.sort();
    assert_eq!(skipped, ["broken.txt", "link.txt", "pipe"]);
    assert!(loaded
        .skipped
        .iter()
        .all(|s| s.reason.starts_with("not a regular file")));
}

#[test]
fn file_names_that_are_not_utf8_stay_distinct() {
    use std::os::unix::ffi::OsStrExt;
    let dir = fixture(&[]);
    for name in [&b"caf\xe9.txt"[..], &b"caf\xe8.txt"[..]] {
        let path = dir.path().join(std::ffi::OsStr::from_bytes(name));
        std::fs::write(path, "A note about coffee and its many drinkers.").unwrap();
    }
    let loaded = read_inputs(&[dir.path().to_path_buf()]).unwrap();
    let mut names: Vec<String> = loaded.documents.iter().map(|d| d.name.clone()).collect();
    names.sort();
    let root = dir.path().display();
    assert_eq!(names, [format!("{root}/caf\\xE8.txt"), format!("{root}/caf\\xE9.txt")]);
}
