//! Stage 1 for files: turn the scan's inputs (paths, `-`) into scanned bytes. Directories are
//! walked in parallel by `ignore`'s walker, whose threads also read and scan each file, so a
//! file is touched by one thread from stat to findings. Per-file problems are recorded in the
//! [`Outcome`] and the scan goes on.

use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use ignore::{WalkBuilder, WalkState};

use crate::config::{Input, WalkConfig};
use crate::finding::{Finding, Origin};
use crate::matcher::Scanner;
use crate::read::{read_file, NotRead};
use crate::report::{Outcome, Problem, SkipReason};

/// Shared state of one scan; every thread adds to it.
#[derive(Default)]
struct Collector {
    files: AtomicU64,
    bytes: AtomicU64,
    invalid: AtomicUsize,
    suppressed: AtomicUsize,
    findings: Mutex<Vec<Finding>>,
    skipped: Mutex<Vec<(String, SkipReason)>>,
    errors: Mutex<Vec<Problem>>,
}

impl Collector {
    fn skip(&self, path: &Path, reason: SkipReason) {
        self.skipped
            .lock()
            .unwrap()
            .push((clean_path(path).display().to_string(), reason));
    }

    fn error(&self, path: String, message: String) {
        let path = path.strip_prefix("./").map_or(path.clone(), str::to_string);
        self.errors.lock().unwrap().push(Problem { path, message });
    }

    fn scanned(&self, bytes: &[u8], origin: &Origin, scanner: &Scanner) {
        let r = scanner.scan(bytes, origin);
        self.files.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        self.invalid.fetch_add(r.invalid, Ordering::Relaxed);
        self.suppressed.fetch_add(r.suppressed, Ordering::Relaxed);
        if !r.findings.is_empty() {
            self.findings.lock().unwrap().extend(r.findings);
        }
    }

    /// Scans one file the walker or the command line says is regular.
    fn scan_file(&self, path: &Path, cfg: &WalkConfig, scanner: &Scanner, buf: &mut Vec<u8>) {
        match read_file(path, cfg.max_file_size, buf) {
            Ok(Err(NotRead::TooLarge(len))) => self.skip(path, SkipReason::TooLarge(len)),
            Ok(Err(NotRead::NotRegular(meta))) => self.skip(path, SkipReason::special(&meta)),
            Ok(Ok(contents)) => {
                self.scanned(&contents, &Origin::File(clean_path(path)), scanner);
                if contents.was_truncated() {
                    self.error(
                        path.display().to_string(),
                        "file shrank while being read; its scan is incomplete".to_string(),
                    );
                }
            }
            Err(e) => self.error(path.display().to_string(), e.to_string()),
        }
    }

    fn into_outcome(self, started: Instant) -> Outcome {
        let mut outcome = Outcome {
            findings: self.findings.into_inner().unwrap(),
            files: self.files.into_inner(),
            bytes: self.bytes.into_inner(),
            invalid: self.invalid.into_inner(),
            suppressed: self.suppressed.into_inner(),
            skipped: self.skipped.into_inner().unwrap(),
            errors: self.errors.into_inner().unwrap(),
            elapsed: started.elapsed(),
            ..Outcome::default()
        };
        outcome.sort();
        outcome
    }
}

/// Scans every input. Explicitly named files are scanned whatever the ignore files say (and a
/// named symlink is followed); directories are walked.
pub fn scan_inputs(inputs: &[Input], cfg: &WalkConfig, scanner: &Scanner) -> Outcome {
    let started = Instant::now();
    let c = Collector::default();
    let mut dirs = Vec::new();
    let mut buf = Vec::new();
    for input in inputs {
        match input {
            Input::Stdin => {
                let mut data = Vec::new();
                match std::io::stdin().lock().read_to_end(&mut data) {
                    Ok(_) => c.scanned(&data, &Origin::Stdin, scanner),
                    Err(e) => c.error("<stdin>".to_string(), e.to_string()),
                }
            }
            Input::Path(p) => match std::fs::metadata(p) {
                Ok(m) if m.is_dir() => dirs.push(p.clone()),
                Ok(m) if m.is_file() => c.scan_file(p, cfg, scanner, &mut buf),
                Ok(m) => c.skip(p, SkipReason::special(&m)),
                Err(e) => c.error(p.display().to_string(), e.to_string()),
            },
        }
    }
    if !dirs.is_empty() {
        walk_dirs(&dirs, cfg, scanner, &c);
    }
    c.into_outcome(started)
}

fn walk_dirs(dirs: &[std::path::PathBuf], cfg: &WalkConfig, scanner: &Scanner, c: &Collector) {
    let settings = cfg.settings.clone();
    let mut builder = WalkBuilder::new(&dirs[0]);
    for d in &dirs[1..] {
        builder.add(d);
    }
    builder
        .hidden(false)
        .ignore(cfg.respect_ignore)
        .git_ignore(cfg.respect_ignore)
        .git_global(cfg.respect_ignore)
        .git_exclude(cfg.respect_ignore)
        .parents(cfg.respect_ignore)
        // A .gitignore means the same thing in an unpacked tarball as in a clone.
        .require_git(false)
        .follow_links(cfg.follow_links)
        .threads(cfg.threads)
        // git's own object store is not the working tree: history is `scan --git`'s job.
        .filter_entry(move |e| {
            let git_dir = e.file_name() == ".git" && e.file_type().is_some_and(|t| t.is_dir());
            !git_dir && !settings.is_excluded(&e.path().to_string_lossy(), false)
        });
    builder.build_parallel().run(|| {
        let mut buf = Vec::new();
        Box::new(move |entry| {
            let entry = match entry {
                Ok(e) => e,
                Err(err) => {
                    let path = error_path(&err).unwrap_or_else(|| "<walk>".to_string());
                    c.error(path, strip_path(&err.to_string()));
                    return WalkState::Continue;
                }
            };
            let Some(ft) = entry.file_type() else {
                return WalkState::Continue; // stdin entries; not produced for paths
            };
            if ft.is_dir() {
                return WalkState::Continue;
            }
            if ft.is_symlink() {
                c.skip(entry.path(), SkipReason::Symlink);
                return WalkState::Continue;
            }
            if !ft.is_file() {
                match entry.metadata() {
                    Ok(m) => c.skip(entry.path(), SkipReason::special(&m)),
                    Err(_) => c.skip(entry.path(), SkipReason::Special("not a regular file")),
                }
                return WalkState::Continue;
            }
            c.scan_file(entry.path(), cfg, scanner, &mut buf);
            WalkState::Continue
        })
    });
}

/// `path` without a leading `./`: walking the default `.` must not put `./` in front of every
/// path in reports, baselines and SARIF.
fn clean_path(path: &Path) -> std::path::PathBuf {
    path.strip_prefix(".").unwrap_or(path).to_path_buf()
}

/// The path an `ignore` error is about, if it names one.
fn error_path(err: &ignore::Error) -> Option<String> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.display().to_string()),
        ignore::Error::WithDepth { err, .. } => error_path(err),
        ignore::Error::WithLineNumber { err, .. } => error_path(err),
        ignore::Error::Loop { child, .. } => Some(child.display().to_string()),
        ignore::Error::Partial(errs) => errs.first().and_then(error_path),
        _ => None,
    }
}

/// `ignore` errors embed their path in the message; reports put the path in its own field.
fn strip_path(message: &str) -> String {
    match message.split_once(": ") {
        Some((head, tail)) if head.contains('/') => tail.to_string(),
        _ => message.to_string(),
    }
}
