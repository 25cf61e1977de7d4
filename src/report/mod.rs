//! Stage 7: rendering a scan's [`Outcome`]. Formats are push-style: the whole outcome is known
//! when a report is written (findings are few, and sorting them makes output stable across runs
//! and thread counts). Every format redacts secrets unless `show_secrets`.

pub mod json;
pub mod sarif;
pub mod text;

use std::fmt;
use std::io::{self, Write};
use std::os::unix::fs::FileTypeExt;
use std::time::Duration;

use crate::cli::Format;
use crate::config::ReportConfig;
use crate::finding::Finding;

/// Why a file was not scanned, by policy (not an error).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SkipReason {
    /// A symlink met while walking, and `--follow` was not given.
    Symlink,
    /// Larger than `--max-file-size` (its size in bytes).
    TooLarge(u64),
    /// A FIFO, socket or device: reading could block forever or never end.
    Special(&'static str),
}

impl SkipReason {
    pub fn special(meta: &std::fs::Metadata) -> SkipReason {
        let t = meta.file_type();
        SkipReason::Special(if t.is_fifo() {
            "fifo"
        } else if t.is_socket() {
            "socket"
        } else if t.is_block_device() {
            "block device"
        } else if t.is_char_device() {
            "character device"
        } else {
            "not a regular file"
        })
    }

    /// A short key for counting skips by kind.
    pub fn kind(&self) -> &'static str {
        match self {
            SkipReason::Symlink => "symlink",
            SkipReason::TooLarge(_) => "too large",
            SkipReason::Special(k) => k,
        }
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::Symlink => f.write_str("symlink not followed (use --follow)"),
            SkipReason::TooLarge(n) => write!(f, "{n} bytes is over --max-file-size"),
            SkipReason::Special(k) => write!(f, "{k}, not a regular file"),
        }
    }
}

/// Something that could not be read. Each one makes the scan incomplete (exit 2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

/// Everything a scan produced.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Sorted by origin, then offset.
    pub findings: Vec<Finding>,
    pub files: u64,
    pub bytes: u64,
    pub invalid: usize,
    pub suppressed: usize,
    pub skipped: Vec<(String, SkipReason)>,
    pub errors: Vec<Problem>,
    pub elapsed: Duration,
    /// Git LFS pointer blobs seen (scanned as text; the content they name is not fetched).
    pub lfs_pointers: usize,
    /// Range scans: how many commits the range holds.
    pub commits: Option<usize>,
    /// Findings dropped by the config file (`allow_secrets`, `exclude_paths`).
    pub allowed: usize,
    /// Findings dropped because the baseline records them.
    pub baselined: usize,
    /// Baseline entries that matched nothing, when asked for (`--baseline-unused`).
    pub baseline_unused: Option<Vec<crate::baseline::Entry>>,
}

impl Outcome {
    /// Puts findings, skips and errors in a stable order, so that reports do not depend on
    /// thread scheduling. Every producer of an outcome calls this once, at the end.
    pub fn sort(&mut self) {
        self.findings
            .sort_by(|a, b| (&a.origin, a.offset, &a.rule).cmp(&(&b.origin, b.offset, &b.rule)));
        self.skipped.sort();
        self.errors.sort_by(|a, b| a.path.cmp(&b.path));
    }

    /// The process exit code, decided here only: 3 if `--verify` found a live token (an
    /// incident outranks everything), else 2 if anything could not be read (the scan is
    /// incomplete, even if it also found leaks), else 1 if there are findings, else 0.
    pub fn exit_code(&self) -> u8 {
        let live = self.findings.iter().any(|f| {
            f.verification
                .as_ref()
                .is_some_and(|v| v.status == crate::verify::Status::Live)
        });
        if live {
            3
        } else if !self.errors.is_empty() {
            2
        } else if !self.findings.is_empty() {
            1
        } else {
            0
        }
    }

    /// Skips counted by kind, in a stable order.
    pub fn skip_counts(&self) -> Vec<(&'static str, usize)> {
        let mut counts: Vec<(&'static str, usize)> = Vec::new();
        for (_, r) in &self.skipped {
            match counts.iter_mut().find(|(k, _)| *k == r.kind()) {
                Some((_, n)) => *n += 1,
                None => counts.push((r.kind(), 1)),
            }
        }
        counts.sort();
        counts
    }
}

/// Writes the report in the configured format to `out`.
pub fn write_report(out: &mut dyn Write, outcome: &Outcome, cfg: &ReportConfig) -> io::Result<()> {
    match cfg.format {
        Format::Text => text::write(out, outcome, cfg),
        Format::Json => json::write_document(out, outcome, cfg),
        Format::Jsonl => json::write_lines(out, outcome, cfg),
        Format::Sarif => sarif::write(out, outcome, cfg),
    }
}

/// The human summary for stderr: per-path skips worth knowing and errors, then one line.
pub fn write_summary(err: &mut dyn Write, outcome: &Outcome) -> io::Result<()> {
    for (path, reason) in &outcome.skipped {
        // Symlinks are common (node_modules/.bin): counted in the summary, not listed.
        if *reason != SkipReason::Symlink {
            writeln!(err, "patrol: skipped {path}: {reason}")?;
        }
    }
    for p in &outcome.errors {
        writeln!(err, "patrol: error: {}: {}", p.path, p.message)?;
    }
    if let Some(unused) = &outcome.baseline_unused {
        for e in unused {
            writeln!(
                err,
                "patrol: baseline entry matched nothing: {} {} {}",
                e.fingerprint, e.rule, e.path
            )?;
        }
    }
    if outcome.commits == Some(0) {
        writeln!(err, "patrol: the range holds no commits; nothing to scan")?;
    }
    let mut line = format!(
        "patrol: scanned {} {} ({}) in {:.2}s: {} {}",
        outcome.files,
        plural(outcome.files, "file", "files"),
        human_bytes(outcome.bytes),
        outcome.elapsed.as_secs_f64(),
        outcome.findings.len(),
        plural(outcome.findings.len() as u64, "finding", "findings"),
    );
    if outcome.invalid > 0 {
        line += &format!(
            "; {} checksum/structure-invalid {} not shown (--show-invalid)",
            outcome.invalid,
            plural(outcome.invalid as u64, "candidate", "candidates")
        );
    }
    if let Some(n) = outcome.commits {
        line += &format!("; {n} {} in range", plural(n as u64, "commit", "commits"));
    }
    if outcome.lfs_pointers > 0 {
        line += &format!(
            "; {} Git LFS pointer {} (content not fetched)",
            outcome.lfs_pointers,
            plural(outcome.lfs_pointers as u64, "file", "files")
        );
    }
    if outcome.suppressed > 0 {
        line += &format!("; {} suppressed by allow markers", outcome.suppressed);
    }
    if outcome.allowed > 0 {
        line += &format!("; {} allowed by the config file", outcome.allowed);
    }
    if outcome.baselined > 0 {
        line += &format!("; {} in the baseline", outcome.baselined);
    }
    let skips = outcome.skip_counts();
    if !skips.is_empty() {
        let parts: Vec<String> = skips.iter().map(|(k, n)| format!("{n} {k}")).collect();
        line += &format!("; skipped {}", parts.join(", "));
    }
    if !outcome.errors.is_empty() {
        line += &format!(
            "; {} {} (scan incomplete)",
            outcome.errors.len(),
            plural(outcome.errors.len() as u64, "error", "errors")
        );
    }
    writeln!(err, "{line}")
}

fn plural(n: u64, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 {
        one
    } else {
        many
    }
}

pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}
