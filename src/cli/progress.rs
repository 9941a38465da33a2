//! Progress on stderr: fetch steps and byte counts, and a rate line for long work, shown only after a second.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use insights::corpus::{Events, Notice, Work};
use insights::embed::FetchEvent;

/// Prints model-fetch events to stderr.
pub struct FetchReporter {
    quiet: bool,
    last: Option<Instant>,
}

impl FetchReporter {
    /// A reporter; `quiet` silences it.
    pub fn new(quiet: bool) -> Self {
        FetchReporter { quiet, last: None }
    }

    /// Shows one event.
    pub fn event(&mut self, event: FetchEvent) {
        if self.quiet {
            return;
        }
        let mut err = std::io::stderr().lock();
        match event {
            FetchEvent::Step(message) => {
                let _ = writeln!(err, "insights: {message}");
            }
            FetchEvent::Download { file, done, total } => {
                let now = Instant::now();
                let finished = done >= total;
                if !finished && self.last.is_some_and(|t| now - t < Duration::from_millis(500)) {
                    return;
                }
                self.last = Some(now);
                let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
                let _ = writeln!(err, "insights: {file}: {:.1} / {:.1} MiB", mib(done), mib(total));
            }
        }
    }
}

/// A counter of items done that reports on stderr once work has taken over a second.
pub struct Progress {
    label: &'static str,
    start: Instant,
    last: Instant,
    quiet: bool,
    tty: bool,
    shown: bool,
}

impl Progress {
    /// Starts counting work named `label`.
    pub fn new(label: &'static str, quiet: bool) -> Self {
        let now = Instant::now();
        Progress {
            label,
            start: now,
            last: now,
            quiet,
            tty: std::io::stderr().is_terminal(),
            shown: false,
        }
    }

    /// Reports `done` of `total` items if a second has passed since the start (and since the last report).
    pub fn update(&mut self, done: usize, total: usize) {
        let now = Instant::now();
        let interval = if self.tty {
            Duration::from_millis(200)
        } else {
            Duration::from_secs(5)
        };
        let due = now - self.start >= Duration::from_secs(1) && (!self.shown || now - self.last >= interval);
        let closing = done == total && self.shown;
        if self.quiet || !(due || closing) {
            return;
        }
        self.last = now;
        self.shown = true;
        let secs = (now - self.start).as_secs_f64();
        let rate = done as f64 / secs.max(1e-9);
        let eta = if rate > 0.0 { (total - done) as f64 / rate } else { 0.0 };
        let line = format!(
            "{}: {done}/{total} ({:.0}/s, {:.0}s elapsed, about {:.0}s left)",
            self.label, rate, secs, eta
        );
        let mut err = std::io::stderr().lock();
        if self.tty {
            let end = if done == total { "\n" } else { "" };
            let _ = write!(err, "\r\x1b[2K{line}{end}");
        } else {
            let _ = writeln!(err, "{line}");
        }
    }
}

/// Shows the corpus life cycle's progress and notices on stderr (notices as `insights: ...` lines).
pub struct StderrEvents {
    quiet: bool,
    current: Option<(Work, Progress)>,
}

impl StderrEvents {
    /// A sink; `quiet` silences it.
    pub fn new(quiet: bool) -> Self {
        StderrEvents { quiet, current: None }
    }
}

impl Events for StderrEvents {
    fn progress(&mut self, work: Work, done: usize, total: usize) {
        if self.current.as_ref().is_none_or(|(w, _)| *w != work) {
            self.current = Some((work, Progress::new(work.label(), self.quiet)));
        }
        if let Some((_, progress)) = &mut self.current {
            progress.update(done, total);
        }
    }

    fn notice(&mut self, notice: Notice) {
        if !self.quiet {
            match super::remedies::for_notice(&notice) {
                Some(remedy) => eprintln!("insights: {notice} ({remedy})"),
                None => eprintln!("insights: {notice}"),
            }
        }
    }
}
