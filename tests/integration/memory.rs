//! Memory that does not grow with the input: the peak of a child process (its `VmHWM`) on a file of one huge line
//! and on a query file of many long paragraphs.

use crate::model_loading::write_model_with_real_tokenizer;

/// Waits for `child` and gives its exit code and its peak resident memory in bytes: the high-water mark of its own
/// address space (`VmHWM`), read every 5 ms until it exits. Not `wait4`'s `ru_maxrss`: the kernel carries into it
/// the memory of the address space the child was started from (the test process's, often larger than the child).
fn wait_with_peak_memory(mut child: std::process::Child) -> (Option<i32>, u64) {
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        let high_water = std::fs::read_to_string(&status_file).ok().and_then(|status| {
            let line = status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?;
            line.trim().trim_end_matches("kB").trim().parse::<u64>().ok()
        });
        peak = peak.max(high_water.unwrap_or(0) * 1024);
        if let Some(status) = child.try_wait().unwrap() {
            return (status.code(), peak);
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

/// Runs the binary with `args`, its output thrown away, and gives its exit code and peak memory.
fn run_with_peak_memory(args: &[&std::ffi::OsStr]) -> (Option<i32>, u64) {
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_insights"))
        .args(args)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    wait_with_peak_memory(child)
}

#[test]
fn a_huge_one_line_file_indexes_in_memory_that_does_not_grow_with_it() {
    // 30 MB on one line. Cut into insights of at most 64 KiB, it peaks near 200 MB (about 125 MB of that is the
    // model and the runtime); held as one insight, it took 16 bytes a byte (615 MB), the sentence splitter alone a
    // 16-byte record per character.
    let tmp = tempfile::tempdir().unwrap();
    let big = tmp.path().join("line.txt");
    let line = "word ".repeat(6_000_000);
    std::fs::write(&big, format!("{}\n", line.trim_end())).unwrap();
    let index = tmp.path().join("line.idx");
    let (code, peak) = run_with_peak_memory(&[
        "index".as_ref(),
        big.as_ref(),
        "-i".as_ref(),
        index.as_ref(),
        "-q".as_ref(),
    ]);
    assert_eq!(code, Some(0));
    let size = std::fs::metadata(&big).unwrap().len();
    assert!(peak < 12 * size, "peak {peak} bytes for a {size}-byte line");
    let read = insights::index::store::load(&index).unwrap();
    let cap = insights::insight::MAX_INSIGHT_BYTES;
    assert!(
        (line.len() / cap..=line.len() / cap + 2).contains(&read.len()),
        "{}",
        read.len()
    );
    assert!(read
        .insights
        .iter()
        .all(|i| i.text.len() <= cap && (i.line_start, i.line_end) == (1, 1)));
    let words: usize = read.insights.iter().map(|i| i.text.split(' ').count()).sum();
    assert_eq!(words, 6_000_000);
}

#[test]
fn similar_on_a_file_of_many_long_paragraphs_holds_few_of_their_encodings_at_once() {
    // 30 MB of 13 KB paragraphs: 2,173 queries. The tokenizer's encoding of a text costs about 9 bytes a byte of
    // what it is given: all of them at once, from 16 KB prefixes, peaked at 237 MB; in batches of 256 KB, from 4 KB
    // prefixes (16 bytes for each of the 256 word pieces kept), 78 MB. A random model of 64 dimensions with the
    // real tokenizer keeps the forward passes out of the time and the memory.
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("model");
    write_model_with_real_tokenizer(&model);
    let corpus = tmp.path().join("corpus.txt");
    std::fs::write(
        &corpus,
        "Open models will win because anyone can inspect and improve their weights.\n",
    )
    .unwrap();
    let index = tmp.path().join("corpus.idx");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_insights"))
        .args(["index", "-q", "-m"])
        .arg(&model)
        .arg(&corpus)
        .arg("-i")
        .arg(&index)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let words = [
        "sovereign",
        "compute",
        "models",
        "weights",
        "export",
        "chips",
        "policy",
        "open",
        "cloud",
        "data",
    ];
    let paragraph: String = (0..2_000)
        .map(|i| format!("{} ", words[(i * 7 + i / 10) % words.len()]))
        .collect();
    let paragraphs = 30_000_000 / paragraph.len();
    let queries = tmp.path().join("draft.txt");
    std::fs::write(
        &queries,
        format!("{}\n", paragraph.trim_end())
            .repeat(paragraphs)
            .replace('\n', "\n\n"),
    )
    .unwrap();
    let (code, peak) = run_with_peak_memory(&[
        "similar".as_ref(),
        "--json".as_ref(),
        "-q".as_ref(),
        "-m".as_ref(),
        model.as_ref(),
        "--file".as_ref(),
        queries.as_ref(),
        "-i".as_ref(),
        index.as_ref(),
    ]);
    assert_eq!(code, Some(0));
    let size = std::fs::metadata(&queries).unwrap().len();
    assert!(
        peak < 4 * size,
        "peak {peak} bytes for {paragraphs} paragraphs, {size} bytes"
    );
}
