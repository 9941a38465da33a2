//! A headless Chromium driven over the DevTools protocol through a pipe (`--remote-debugging-pipe`: commands on
//! the browser's fd 3, replies and events on its fd 4, each message JSON ended by a NUL byte), so the tests open no
//! port at all. The browser is Debian's `chromium` (or `$INSIGHTS_CHROMIUM`); it is stopped by its PID when the
//! [`Browser`] is dropped.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::{FromRawFd, RawFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// How long any one reply or awaited event may take.
const PATIENCE: Duration = Duration::from_secs(60);

/// A running headless browser with one page attached.
pub struct Browser {
    child: Child,
    commands: File,
    messages: Receiver<Value>,
    next_id: u64,
    session: Option<String>,
    /// Every event received so far, in order.
    pub events: Vec<Value>,
    _profile: tempfile::TempDir,
}

/// The browser to run: `$INSIGHTS_CHROMIUM`, else Debian's binary itself (its `/usr/bin/chromium` launcher script
/// sources settings that the tests do not want), else `chromium` on the `PATH`.
pub fn chromium() -> String {
    if let Ok(path) = std::env::var("INSIGHTS_CHROMIUM") {
        return path;
    }
    if std::path::Path::new("/usr/lib/chromium/chromium").is_file() {
        return "/usr/lib/chromium/chromium".to_string();
    }
    let found = std::env::var_os("PATH")
        .map(|paths| {
            std::env::split_paths(&paths)
                .map(|p| p.join("chromium"))
                .find(|p| p.is_file())
        })
        .unwrap_or_default();
    found.map(|p| p.display().to_string()).unwrap_or_else(|| {
        panic!("no chromium on the PATH: install Debian's chromium package (`.ci/run` does), or set INSIGHTS_CHROMIUM")
    })
}

/// A pipe whose two ends close on exec (the child gets its own copies at fds 3 and 4).
fn pipe() -> (RawFd, RawFd) {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors pipe2 writes.
    let rc = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
    assert_eq!(rc, 0, "pipe2: {}", std::io::Error::last_os_error());
    (fds[0], fds[1])
}

impl Browser {
    /// Starts the browser with a window of `width` × `height` CSS pixels and attaches to a blank page.
    pub fn launch(width: u32, height: u32) -> Browser {
        let profile = tempfile::tempdir().unwrap();
        let (their_commands, our_commands) = pipe();
        let (our_messages, their_messages) = pipe();
        let mut command = Command::new(chromium());
        command
            .args([
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--remote-debugging-pipe",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--disable-default-apps",
                "--mute-audio",
                "--hide-scrollbars",
                &format!("--window-size={width},{height}"),
                &format!("--user-data-dir={}", profile.path().display()),
                "about:blank",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // SAFETY: only fcntl, dup2 and close, which are async-signal-safe, run between fork and exec.
        unsafe {
            command.pre_exec(move || {
                // Copied above 10 first: a pipe may already sit on fd 3 or 4, where dup2 onto itself would keep
                // its close-on-exec flag, or a second dup2 would overwrite the first.
                let commands = libc::fcntl(their_commands, libc::F_DUPFD, 10);
                let messages = libc::fcntl(their_messages, libc::F_DUPFD, 10);
                if commands < 0 || messages < 0 || libc::dup2(commands, 3) < 0 || libc::dup2(messages, 4) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                libc::close(commands);
                libc::close(messages);
                Ok(())
            });
        }
        let child = command.spawn().expect("chromium starts");
        // SAFETY: each descriptor came from pipe2 above and is owned by exactly one File from here on.
        let (commands, replies) = unsafe {
            libc::close(their_commands);
            libc::close(their_messages);
            (File::from_raw_fd(our_commands), File::from_raw_fd(our_messages))
        };
        let (send, messages) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(replies);
            let mut message = Vec::new();
            while reader.read_until(0, &mut message).is_ok_and(|n| n > 0) {
                message.pop_if(|b| *b == 0);
                if let Ok(value) = serde_json::from_slice::<Value>(&message) {
                    if send.send(value).is_err() {
                        return;
                    }
                }
                message.clear();
            }
        });
        let mut browser = Browser {
            child,
            commands,
            messages,
            next_id: 0,
            session: None,
            events: Vec::new(),
            _profile: profile,
        };
        let target = browser.call("Target.createTarget", json!({ "url": "about:blank" }));
        let target_id = target["targetId"].as_str().expect("a target id").to_string();
        let attached = browser.call(
            "Target.attachToTarget",
            json!({ "targetId": target_id, "flatten": true }),
        );
        browser.session = Some(attached["sessionId"].as_str().expect("a session id").to_string());
        for domain in ["Page", "Runtime", "Network", "Log"] {
            browser.call(&format!("{domain}.enable"), json!({}));
        }
        browser.call(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": false }),
        );
        browser
    }

    /// Sends a command to the page (or to the browser before a page is attached) and returns its result; an
    /// error reply or no reply within [`PATIENCE`] fails the test.
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = &self.session {
            message["sessionId"] = json!(session);
        }
        let mut bytes = serde_json::to_vec(&message).unwrap();
        bytes.push(0);
        self.commands.write_all(&bytes).expect("the browser reads commands");
        let deadline = Instant::now() + PATIENCE;
        loop {
            let value = self.next_message(deadline, method);
            if value["id"] == json!(id) {
                if let Some(error) = value.get("error") {
                    panic!("{method}: {error}");
                }
                return value["result"].clone();
            }
            if value.get("method").is_some() {
                self.events.push(value);
            }
        }
    }

    fn next_message(&mut self, deadline: Instant, waiting_for: &str) -> Value {
        let left = deadline.saturating_duration_since(Instant::now());
        self.messages
            .recv_timeout(left)
            .unwrap_or_else(|e| panic!("no answer from the browser for {waiting_for}: {e}"))
    }

    /// Waits for an event named `method` that arrives after the events already seen, and returns it.
    pub fn wait_for(&mut self, method: &str) -> Value {
        let seen = self.events.len();
        if let Some(found) = self.events[seen..].iter().find(|e| e["method"] == method) {
            return found.clone();
        }
        let deadline = Instant::now() + PATIENCE;
        loop {
            let value = self.next_message(deadline, method);
            if value.get("method").is_some() {
                self.events.push(value.clone());
                if value["method"] == method {
                    return value;
                }
            }
        }
    }

    /// Loads `url` and waits for its load event.
    pub fn open(&mut self, url: &str) {
        self.call("Page.navigate", json!({ "url": url }));
        self.wait_for("Page.loadEventFired");
    }

    /// Evaluates `expression` in the page (awaiting a promise) and returns its value; a thrown exception fails.
    pub fn eval(&mut self, expression: &str) -> Value {
        let result = self.call(
            "Runtime.evaluate",
            json!({ "expression": expression, "returnByValue": true, "awaitPromise": true }),
        );
        if let Some(details) = result.get("exceptionDetails") {
            panic!("{expression}: {details}");
        }
        result["result"]["value"].clone()
    }

    /// A mouse event of `kind` (`mouseMoved`, `mousePressed`, `mouseReleased`) at CSS pixel (`x`, `y`).
    pub fn mouse(&mut self, kind: &str, x: f64, y: f64) {
        let button = if kind == "mouseMoved" { "none" } else { "left" };
        self.call(
            "Input.dispatchMouseEvent",
            json!({ "type": kind, "x": x, "y": y, "button": button, "clickCount": 1 }),
        );
    }

    /// A PNG screenshot of the page.
    pub fn screenshot(&mut self) -> Vec<u8> {
        let shot = self.call("Page.captureScreenshot", json!({ "format": "png" }));
        base64_decode(shot["data"].as_str().expect("screenshot data"))
    }

    /// The events of errors: exceptions, `console.error`, and error log entries.
    pub fn errors(&self) -> Vec<&Value> {
        self.events
            .iter()
            .filter(|e| {
                e["method"] == "Runtime.exceptionThrown"
                    || (e["method"] == "Runtime.consoleAPICalled" && e["params"]["type"] == "error")
                    || (e["method"] == "Log.entryAdded" && e["params"]["entry"]["level"] == "error")
            })
            .collect()
    }

    /// The URL of every request the page made.
    pub fn requests(&self) -> Vec<String> {
        self.events
            .iter()
            .filter(|e| e["method"] == "Network.requestWillBeSent")
            .map(|e| e["params"]["request"]["url"].as_str().unwrap_or_default().to_string())
            .collect()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.session = None;
        self.next_id += 1;
        let close = json!({ "id": self.next_id, "method": "Browser.close", "params": {} });
        let mut bytes = serde_json::to_vec(&close).unwrap_or_default();
        bytes.push(0);
        let _ = self.commands.write_all(&bytes);
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Standard base64 (with padding) to bytes.
pub fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let clean: Vec<u8> = text
        .bytes()
        .filter(|&c| c != b'=' && !c.is_ascii_whitespace())
        .collect();
    let mut out = Vec::with_capacity(clean.len() * 3 / 4);
    for chunk in clean.chunks(4) {
        let mut acc = 0u32;
        for (k, &c) in chunk.iter().enumerate() {
            acc |= u32::from(value(c)) << (18 - 6 * k);
        }
        let bytes = acc.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    out
}

#[test]
fn base64_decodes_what_it_should() {
    assert_eq!(base64_decode("aGVsbG8gd29ybGQ="), b"hello world");
    assert_eq!(base64_decode("YQ=="), b"a");
    assert_eq!(base64_decode("YWI="), b"ab");
    assert_eq!(base64_decode("YWJj"), b"abc");
}
