//! The Milvus store against a real server: Milvus 2.3.5 standalone (the PyPI package `milvus`), laid out by
//! scripts/milvus_server.py in a temporary folder with every component on 127.0.0.1, started by this test and
//! stopped by its PID (SIGTERM, then SIGKILL). `.ci/run` sets up the package (scripts/scale_out_env.sh).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::cli_embed::insights;
use crate::common::{default_model, seeds};
use crate::model_loading::write_model_with_real_tokenizer_of;
use crate::shards::run;

/// The Python with the `milvus` package (`.ci/run` makes it; see scripts/scale_out_env.sh).
fn milvus_python() -> PathBuf {
    PathBuf::from(std::env::var_os("INSIGHTS_MILVUS_PYTHON").expect(
        "INSIGHTS_MILVUS_PYTHON names a Python with the PyPI package milvus: `scripts/scale_out_env.sh` makes one",
    ))
}

/// A Milvus server of this test's own, in its data folder.
struct Server {
    exe: PathBuf,
    cwd: PathBuf,
    env: Vec<(String, String)>,
    port: u16,
    child: Option<Child>,
}

impl Server {
    /// Lays the server out in `data` (nothing runs yet).
    fn prepare(data: &Path) -> Server {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/milvus_server.py");
        let out = Command::new(milvus_python()).arg(script).arg(data).output().unwrap();
        assert!(
            out.status.success(),
            "milvus_server.py: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let spec: Value = serde_json::from_slice(&out.stdout).unwrap();
        let env = spec["env"].as_object().unwrap();
        Server {
            exe: PathBuf::from(spec["exe"].as_str().unwrap()),
            cwd: PathBuf::from(spec["cwd"].as_str().unwrap()),
            env: env
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                .collect(),
            port: spec["port"].as_u64().unwrap() as u16,
            child: None,
        }
    }

    /// Starts the server and waits until it answers a real request (a minute and a half at most).
    fn start(&mut self) {
        let log = std::fs::File::create(self.cwd.join("logs/test-server.log")).unwrap();
        let child = Command::new(&self.exe)
            .args(["run", "standalone"])
            .current_dir(&self.cwd)
            .envs(self.env.iter().cloned())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        self.child = Some(child);
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(90) {
            if self.call("GET", "collections", None).is_some_and(|v| v["code"] == 200) {
                return;
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        panic!(
            "the Milvus server did not answer within 90 s; see {}",
            self.cwd.join("logs").display()
        );
    }

    /// Stops the server: SIGTERM, then SIGKILL after 10 s (Milvus can ignore SIGTERM for a long time).
    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(10) {
                if child.try_wait().unwrap().is_some() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(200));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Kills the server at once (SIGKILL).
    fn kill9(&mut self) {
        let mut child = self.child.take().expect("running");
        child.kill().unwrap();
        child.wait().unwrap();
    }

    /// One request to the server's RESTful API (HTTP/1.0, so the answer is plain); `None` when it cannot be made.
    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Option<Value> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        stream.set_read_timeout(Some(Duration::from_secs(60))).ok()?;
        let body = body.map(Value::to_string).unwrap_or_default();
        let request = format!(
            "{method} /v1/vector/{path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).ok()?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer).ok()?;
        serde_json::from_str(answer.split_once("\r\n\r\n")?.1).ok()
    }

    /// The rows of `collection` matching `filter` (16,384 at most), with `fields`.
    fn query(&self, collection: &str, filter: &str, fields: &[&str]) -> Vec<Value> {
        let body = json!({"collectionName": collection, "filter": filter, "outputFields": fields, "limit": 16384});
        let answer = self.call("POST", "query", Some(&body)).expect("query answered");
        assert_eq!(answer["code"], 200, "{answer}");
        answer["data"].as_array().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `insights index PATHS --store URL --json` (plus `more`), parsed.
fn index_store(paths: &[PathBuf], url: &str, more: &[&str]) -> Value {
    let mut cmd = insights();
    cmd.arg("index")
        .args(paths)
        .args(["--store", url, "--json", "--quiet"])
        .args(more);
    serde_json::from_str(&run(&mut cmd)).unwrap()
}

fn index_file(paths: &[PathBuf], file: &Path) {
    run(insights()
        .arg("index")
        .args(paths)
        .arg("-i")
        .arg(file)
        .args(["--quiet", "--ann", "off"]));
}

/// The JSON output of `insights ARGS --json`, from the store and from the index file; the store's must come without
/// a warning (a failed search of the server's is answered by a full scan, and says so).
fn answers(args: &[&str], url: &str, file: &Path) -> (String, String) {
    let out = insights()
        .args(args)
        .args(["--store", url, "--json", "--quiet"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.is_empty(),
        "insights {args:?} --store: {stderr}"
    );
    let from_store = String::from_utf8(out.stdout).unwrap();
    let from_file = run(insights().args(args).arg("-i").arg(file).args(["--json", "--quiet"]));
    (from_store, from_file)
}

/// [`answers`], which must be the same.
fn same_answer(args: &[&str], url: &str, file: &Path) -> String {
    let (from_store, from_file) = answers(args, url, file);
    assert_eq!(from_store, from_file, "insights {args:?}");
    from_store
}

const STATEMENTS: [&str; 10] = [
    "remote work makes teams less productive",
    "central banks should raise interest rates to fight inflation",
    "open source software needs sustainable funding",
    "sleep matters more than exercise for health",
    "electric cars will replace petrol cars within a decade",
    "writing tests first leads to better design",
    "cities should build more housing",
    "a four day week keeps productivity",
    "social media harms teenagers",
    "nuclear power is the safest energy source",
];

#[test]
#[ignore = "needs the PyPI package milvus: .ci/run runs it (scripts/scale_out_env.sh sets it up)"]
fn a_milvus_store_answers_as_the_index_file_does_and_survives_a_server_killed_mid_insert() {
    default_model();
    let tmp = tempfile::tempdir().unwrap();
    let mut server = Server::prepare(&tmp.path().join("milvus"));
    server.start();
    let url = format!("milvus://127.0.0.1:{}/seeds", server.port);

    // The seeds in a store and in a file: the same answers.
    let docs = tmp.path().join("docs");
    std::fs::create_dir(&docs).unwrap();
    for entry in std::fs::read_dir(seeds()).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, docs.join(path.file_name().unwrap())).unwrap();
    }
    let paths = vec![docs.clone()];
    let made = index_store(&paths, &url, &[]);
    assert_eq!(
        (made["documents"].as_u64(), made["insights"].as_u64()),
        (Some(4), Some(43)),
        "{made}"
    );
    assert_eq!(made["documents_written"], 4);
    assert_eq!(made["rows_deleted"], 0);
    let file = tmp.path().join("seeds.idx");
    index_file(&paths, &file);
    let mut first = Vec::new();
    for statement in STATEMENTS {
        first.push(same_answer(&["similar", statement, "-k", "5"], &url, &file));
    }
    for command in ["neighbors", "duplicates", "clusters"] {
        same_answer(&[command], &url, &file);
    }
    // Clustered from a sample of 20 of the 43 insights, the store's vectors read a batch at a time: the same topics.
    let sampled: Value = serde_json::from_str(&same_answer(&["clusters", "--sample", "20"], &url, &file)).unwrap();
    let sizes: Vec<u64> = sampled["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["size"].as_u64().unwrap())
        .collect();
    assert!(sizes.len() >= 2 && sizes.iter().sum::<u64>() == 43, "{sampled}");

    // Again: nothing is embedded and nothing written.
    let again = index_store(&paths, &url, &[]);
    for field in [
        "embedded",
        "sentences_embedded",
        "documents_written",
        "rows_inserted",
        "rows_deleted",
    ] {
        assert_eq!(again[field], 0, "{field}: {again}");
    }

    // A new file: only its rows are written; removed, they are gone.
    std::fs::write(
        docs.join("extra.md"),
        "Tidal power is predictable in a way that wind and sun will never be. The tides follow the moon, year \
         after year, to the minute.\n\nBatteries in every home would smooth the evening peak of demand on the grid.\n",
    )
    .unwrap();
    let added = index_store(&paths, &url, &[]);
    assert_eq!(
        (added["documents_written"].as_u64(), added["embedded"].as_u64()),
        (Some(1), Some(2)),
        "{added}"
    );
    assert_eq!(
        added["rows_inserted"], 4,
        "two insights and the first one's two sentences: {added}"
    );
    assert_eq!(added["rows_deleted"], 0);
    index_file(&paths, &file);
    same_answer(&["similar", "the tides are predictable", "-k", "5"], &url, &file);
    std::fs::remove_file(docs.join("extra.md")).unwrap();
    let removed = index_store(&paths, &url, &[]);
    assert_eq!(removed["rows_deleted"], 5, "its four rows and its marker: {removed}");
    assert_eq!(
        (removed["documents"].as_u64(), removed["insights"].as_u64()),
        (Some(4), Some(43))
    );
    index_file(&paths, &file);
    for (statement, before) in STATEMENTS.iter().zip(&first) {
        assert_eq!(&same_answer(&["similar", statement, "-k", "5"], &url, &file), before);
    }

    // Another model is refused, naming the store's.
    let tiny = tmp.path().join("tiny");
    // As wide as the default model: a page of 4,096 rows read back is then about 17 MB of JSON.
    write_model_with_real_tokenizer_of(&tiny, 384, 6);
    let out = insights()
        .arg("index")
        .arg(&docs)
        .args(["--store", &url, "--quiet", "--model"])
        .arg(&tiny)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("made with model sentence-transformers/all-MiniLM-L6-v2"),
        "{err}"
    );

    // 2,000 passages (a random model, so that embedding costs nothing), the server killed while they are inserted.
    let passages = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/debian_2000.jsonl");
    let debian = format!("milvus://127.0.0.1:{}/debian", server.port);
    let mut writer = insights()
        .arg("index")
        .arg(&passages)
        .args(["--store", &debian, "--store-batch", "4", "--model"])
        .arg(&tiny)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut progress = BufReader::new(writer.stderr.take().unwrap());
    let mut line = String::new();
    let mut seen = Vec::new();
    loop {
        line.clear();
        assert!(
            progress.read_line(&mut line).unwrap() > 0,
            "no store progress before the end: {seen:?}"
        );
        seen.push(line.trim().to_string());
        if line.starts_with("writing to the store: ") {
            break;
        }
    }
    server.kill9();
    let mut rest = String::new();
    progress.read_to_string(&mut rest).unwrap();
    let status = writer.wait().unwrap();
    assert!(!status.success(), "the writer must fail when the server goes: {rest}");
    assert!(rest.contains(&debian), "the error names the store: {rest}");
    server.start();
    // Cut off: analysis is refused until the update is run again.
    let out = insights()
        .args(["duplicates", "--store", &debian, "--quiet"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("cut off"), "{err}");
    let tiny_arg = tiny.to_str().unwrap();
    let done = index_store(std::slice::from_ref(&passages), &debian, &["--model", tiny_arg]);
    assert_eq!(
        (done["documents"].as_u64(), done["insights"].as_u64()),
        (Some(2000), Some(2000)),
        "{done}"
    );
    let written = done["documents_written"].as_u64().unwrap();
    assert!(
        written > 0 && written < 2000,
        "the documents written before the kill are kept: {done}"
    );
    let rows = server.query("debian", "kind == \"insight\"", &["doc_key", "seq"]);
    let mut keys: Vec<String> = rows.iter().map(|r| format!("{}/{}", r["doc_key"], r["seq"])).collect();
    keys.sort();
    keys.dedup();
    assert_eq!((rows.len(), keys.len()), (2000, 2000), "each insight once");
    // Complete now, and as an index file of the same passages answers.
    let file = tmp.path().join("debian.idx");
    run(insights()
        .arg("index")
        .arg(&passages)
        .arg("-i")
        .arg(&file)
        .args(["--quiet", "--model", tiny_arg]));
    let args = [
        "similar",
        "a tool to scan networks for open ports",
        "-k",
        "5",
        "--model",
        tiny_arg,
    ];
    // Every row read back, at the default model's width (pages of 1,024 rows, about 4 MB of JSON each).
    same_answer(&["duplicates", "--model", tiny_arg], &debian, &file);
    same_answer(&["neighbors", "-k", "3", "--model", tiny_arg], &debian, &file);
    // The same hits. Not the whole answer: the backgrounds of the claim score come from the server's approximate
    // search, which among a random model's crowded vectors (all at cosine 0.9 or so) can miss a neighbour.
    let hits = |text: &str| serde_json::from_str::<Value>(text).unwrap()["hits"].clone();
    let (from_store, from_file) = answers(&args, &debian, &file);
    assert_eq!(hits(&from_store), hits(&from_file));
    // Topics of the 2,000 fitted on 300, every vector read from the server in batches: as the file's.
    same_answer(&["clusters", "--sample", "300", "--topics", "8"], &debian, &file);
    server.stop();
}
