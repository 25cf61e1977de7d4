//! Stage 1 for files: turn the scan's inputs (paths, `-`) into scanned bytes. Directories are
//! walked in parallel by `ignore`'s walker, whose threads also read and scan each file, so a
//! file is touched by one thread from stat to findings. Per-file problems are recorded in the
//! scan's [`Tally`] and the scan goes on.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use ignore::{WalkBuilder, WalkState};

use crate::finding::Origin;
use crate::read::{open, NotRead};
use crate::scan::{Outcome, Progress, Scanner, Shard, SkipReason, Suppressor, Tally};

/// One input of a file scan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Input {
    Path(PathBuf),
    Stdin,
}

/// How to walk directories.
#[derive(Clone, Debug)]
pub(crate) struct WalkOptions {
    pub respect_ignore: bool,
    pub follow_links: bool,
    /// Files larger than this are skipped (and listed); `None`: no limit.
    pub max_file_size: Option<u64>,
    /// At least 1.
    pub threads: usize,
    /// The suppression stage, for `exclude_paths`: files that match are not even read.
    pub suppress: Arc<Suppressor>,
    /// `--shard I/N`: only the files whose reported path falls in this share are looked at
    /// (scanned, skipped or counted); directories are still walked whole.
    pub shard: Option<Shard>,
}

impl WalkOptions {
    /// Whether this process's shard takes the input reported as `path` (without a shard:
    /// every input).
    fn takes(&self, path: &Path) -> bool {
        use std::os::unix::ffi::OsStrExt;
        self.shard
            .is_none_or(|s| s.takes_path(clean_path(path).as_os_str().as_bytes()))
    }
}

fn skip(t: &Tally, path: &Path, reason: SkipReason) {
    t.skip(clean_path(path).display().to_string(), reason);
}

fn error(t: &Tally, path: String, message: String) {
    let path = path.strip_prefix("./").map_or(path.clone(), str::to_string);
    t.error(path, message);
}

/// Scans one file the walker or the command line says is regular, in bounded windows.
fn scan_file(t: &Tally, path: &Path, cfg: &WalkOptions, scanner: &Scanner, buf: &mut Vec<u8>) {
    let origin = Origin::File(clean_path(path));
    match open(path, cfg.max_file_size) {
        Ok(Err(NotRead::TooLarge(len))) => skip(t, path, SkipReason::TooLarge(len)),
        Ok(Err(NotRead::NotRegular(meta))) => skip(t, path, SkipReason::special(&meta)),
        Ok(Ok(mut file)) => match t.scan_reader(scanner, &mut file, &origin, buf) {
            Ok(found) => t.keep(found),
            Err(e) => error(t, path.display().to_string(), e.to_string()),
        },
        Err(e) => error(t, path.display().to_string(), e.to_string()),
    }
}

/// Scans every input. Explicitly named files are scanned whatever the ignore files say (and a
/// named symlink is followed); directories are walked.
/// `progress` receives the counts as the scan goes.
pub(crate) fn scan_inputs(
    inputs: &[Input],
    cfg: &WalkOptions,
    scanner: &Scanner,
    progress: Arc<Progress>,
) -> Outcome {
    let started = Instant::now();
    let c = Tally::watched(progress);
    let mut dirs = Vec::new();
    let mut buf = Vec::new();
    for input in inputs {
        match input {
            // Read in bounded windows too: a stream of any length costs bounded memory.
            Input::Stdin if !cfg.takes(Path::new("<stdin>")) => {}
            Input::Stdin => {
                let mut stdin = std::io::stdin().lock();
                match c.scan_reader(scanner, &mut stdin, &Origin::Stdin, &mut buf) {
                    Ok(found) => c.keep(found),
                    Err(e) => error(&c, "<stdin>".to_string(), e.to_string()),
                }
            }
            Input::Path(p) if !cfg.takes(p) && !p.is_dir() => {}
            Input::Path(p) => match std::fs::metadata(p) {
                Ok(m) if m.is_dir() => dirs.push(p.clone()),
                // A file named on the command line (as pre-commit frameworks pass them) is
                // subject to `exclude_paths` like a walked one.
                Ok(m) if m.is_file() && cfg.suppress.excludes_file(p) => {}
                Ok(m) if m.is_file() => scan_file(&c, p, cfg, scanner, &mut buf),
                Ok(m) => skip(&c, p, SkipReason::special(&m)),
                Err(e) => error(&c, p.display().to_string(), e.to_string()),
            },
        }
    }
    if !dirs.is_empty() {
        walk_dirs(&dirs, cfg, scanner, &c);
    }
    c.into_outcome(started.elapsed())
}

fn walk_dirs(dirs: &[PathBuf], cfg: &WalkOptions, scanner: &Scanner, c: &Tally) {
    let suppress = cfg.suppress.clone();
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
            !git_dir && !suppress.excludes_file(e.path())
        });
    builder.build_parallel().run(|| {
        let mut buf = Vec::new();
        Box::new(move |entry| {
            let entry = match entry {
                Ok(e) => e,
                Err(err) => {
                    let path = error_path(&err).unwrap_or_else(|| "<walk>".to_string());
                    error(c, path, strip_path(&err.to_string()));
                    return WalkState::Continue;
                }
            };
            let Some(ft) = entry.file_type() else {
                return WalkState::Continue; // stdin entries; not produced for paths
            };
            if ft.is_dir() || !cfg.takes(entry.path()) {
                return WalkState::Continue;
            }
            if ft.is_symlink() {
                skip(c, entry.path(), SkipReason::Symlink);
                return WalkState::Continue;
            }
            if !ft.is_file() {
                match entry.metadata() {
                    Ok(m) => skip(c, entry.path(), SkipReason::special(&m)),
                    Err(_) => skip(c, entry.path(), SkipReason::Special("not a regular file")),
                }
                return WalkState::Continue;
            }
            scan_file(c, entry.path(), cfg, scanner, &mut buf);
            WalkState::Continue
        })
    });
}

/// `path` without a leading `./`: walking the default `.` must not put `./` in front of every
/// path in reports, baselines and SARIF.
fn clean_path(path: &Path) -> PathBuf {
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
