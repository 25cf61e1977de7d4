//! The result of a scan. [`Tally`] is the one accumulator every input mode (the file walk and
//! the git modes) adds to from its threads: findings, bytes and inputs counted, skips by policy
//! and per-input errors. [`Outcome`] is what it becomes when the scan is over, and
//! [`ExitStatus`] is what the process will say about it: the exit code is decided here, once.

use std::fmt;
use std::os::unix::fs::FileTypeExt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::progress::Progress;
use super::scanner::Scanner;
use crate::baseline::Entry;
use crate::finding::{Finding, Notes, Origin, RuleMeta, Status};

/// Why an input was not scanned, by policy (not an error).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum SkipReason {
    /// A symlink met while walking, and `--follow` was not given.
    Symlink,
    /// Larger than `--max-file-size` (its size in bytes).
    TooLarge(u64),
    /// A FIFO, socket or device: reading could block forever or never end.
    Special(&'static str),
    /// Scanned, but encoded content in it was not scanned whole (a compressed stream over the
    /// decode stage's limits, or corrupt): what was cut short, and why.
    Decoding(String),
    /// After an input's first [`Notes::MAX`] [`SkipReason::Decoding`] notes: how many more
    /// places were cut short. (Declared after `Decoding` so that it sorts after them.)
    DecodingMore(u64),
    /// A skip read back from a report (`patrol merge`): its kind (one of [`SkipReason::KINDS`])
    /// and its reason, as the report wrote them.
    Reported { kind: &'static str, why: String },
}

impl SkipReason {
    /// Every [`SkipReason::kind`] there is.
    pub(crate) const KINDS: [&'static str; 8] = [
        "symlink",
        "too large",
        "fifo",
        "socket",
        "block device",
        "character device",
        "not a regular file",
        "decoding cut short",
    ];

    pub(crate) fn special(meta: &std::fs::Metadata) -> SkipReason {
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

    /// The order of one path's skips in a report: notes that name places by number come in
    /// the numbers' order ("line 999" before "line 10000"), the count of notes not listed
    /// after them. A total order, equal only for equal reasons.
    fn report_order(&self, other: &SkipReason) -> std::cmp::Ordering {
        match (self, other) {
            (SkipReason::Decoding(a), SkipReason::Decoding(b))
            | (SkipReason::Reported { why: a, .. }, SkipReason::Reported { why: b, .. }) => {
                numbers_in_order(a, b).then_with(|| self.cmp(other))
            }
            _ => self.cmp(other),
        }
    }

    /// A short key for counting skips by kind.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            SkipReason::Symlink => "symlink",
            SkipReason::TooLarge(_) => "too large",
            SkipReason::Special(k) => k,
            SkipReason::Decoding(_) | SkipReason::DecodingMore(_) => "decoding cut short",
            SkipReason::Reported { kind, .. } => kind,
        }
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::Symlink => f.write_str("symlink not followed (use --follow)"),
            SkipReason::TooLarge(n) => write!(f, "{n} bytes is over --max-file-size"),
            SkipReason::Special(k) => write!(f, "{k}, not a regular file"),
            SkipReason::Decoding(why) | SkipReason::Reported { why, .. } => f.write_str(why),
            SkipReason::DecodingMore(n) => write!(
                f,
                "and {n} more places where decoding was cut short (the first {} are listed)",
                Notes::<String>::MAX
            ),
        }
    }
}

/// `a` against `b` byte by byte, except that runs of digits compare as the numbers they write
/// ("line 999" < "line 10000"; "07" and "7" are equal here).
fn numbers_in_order(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i].is_ascii_digit() && b[j].is_ascii_digit() {
            /// The digits from `k` without leading zeros, and where they end.
            fn run(s: &[u8], k: usize) -> (&[u8], usize) {
                let end = k + s[k..].iter().take_while(|c| c.is_ascii_digit()).count();
                let start = k + s[k..end].iter().take_while(|&&c| c == b'0').count();
                (&s[start..end], end)
            }
            let ((x, next_i), (y, next_j)) = (run(a, i), run(b, j));
            match x.len().cmp(&y.len()).then_with(|| x.cmp(y)) {
                Ordering::Equal => (i, j) = (next_i, next_j),
                unequal => return unequal,
            }
        } else if a[i] != b[j] {
            return a[i].cmp(&b[j]);
        } else {
            (i, j) = (i + 1, j + 1);
        }
    }
    (a.len() - i).cmp(&(b.len() - j))
}

/// Something that could not be read. Each one makes the scan incomplete (exit 2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Problem {
    pub path: String,
    pub message: String,
}

/// What the process tells its caller, in order of precedence: a live token (an incident)
/// outranks an incomplete scan, which outranks findings. The numbers are decided in
/// [`ExitStatus::code`] and nowhere else.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExitStatus {
    /// Nothing found, everything readable was read.
    Clean,
    /// Findings.
    Findings,
    /// Bad arguments or rules, or something the scan was asked to read could not be read.
    Error,
    /// `--verify` (or `patrol verify`) found a live token.
    Live,
}

impl ExitStatus {
    /// The process exit code: 0, 1, 2 or 3.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Clean => 0,
            ExitStatus::Findings => 1,
            ExitStatus::Error => 2,
            ExitStatus::Live => 3,
        }
    }
}

/// Everything a scan produced.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    /// Sorted by origin, then offset.
    pub findings: Vec<Finding>,
    pub files: u64,
    pub bytes: u64,
    pub invalid: usize,
    /// Findings not reported, each with its [`crate::finding::Suppression`]: kept so that
    /// every format can show what was suppressed, and why.
    pub suppressed: Vec<Finding>,
    pub skipped: Vec<(String, SkipReason)>,
    pub errors: Vec<Problem>,
    pub elapsed: Duration,
    /// Git LFS pointer blobs seen (scanned as text; the content they name is not fetched).
    pub lfs_pointers: usize,
    /// Range scans: how many commits the range holds.
    pub commits: Option<usize>,
    /// Baseline entries that matched nothing, when asked for (`--baseline-unused`).
    pub baseline_unused: Option<Vec<Entry>>,
    /// The facts of every rule of the run, for reports that describe rules (SARIF).
    pub rules: Vec<RuleMeta>,
    /// What the reader must know about the run's settings (a range that changes them):
    /// written in every format.
    pub notices: Vec<String>,
}

impl Outcome {
    /// Puts findings, skips and errors in a stable order, so that reports do not depend on
    /// thread scheduling. Every producer of an outcome calls this once, at the end.
    pub(crate) fn sort(&mut self) {
        for list in [&mut self.findings, &mut self.suppressed] {
            sort_findings(list);
        }
        self.skipped
            .sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.report_order(&b.1)));
        self.errors.sort_by(|a, b| a.path.cmp(&b.path));
    }

    /// What the process will exit with: [`ExitStatus::Live`] if `--verify` found a live token,
    /// else [`ExitStatus::Error`] if anything could not be read (the scan is incomplete, even
    /// if it also found leaks), else [`ExitStatus::Findings`] if there are findings.
    pub(crate) fn status(&self) -> ExitStatus {
        let live = self.findings.iter().any(|f| {
            f.verification
                .as_ref()
                .is_some_and(|v| v.status == Status::Live)
        });
        if live {
            ExitStatus::Live
        } else if !self.errors.is_empty() {
            ExitStatus::Error
        } else if !self.findings.is_empty() {
            ExitStatus::Findings
        } else {
            ExitStatus::Clean
        }
    }

    /// How many different secrets the findings hold (one secret kept in several places is
    /// one).
    pub(crate) fn distinct_secrets(&self) -> usize {
        let set: std::collections::HashSet<&str> = self
            .findings
            .iter()
            .map(|f| f.fingerprint.as_str())
            .collect();
        set.len()
    }

    /// Skips counted by kind, in a stable order.
    pub(crate) fn skip_counts(&self) -> Vec<(&'static str, usize)> {
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

    /// How many findings were suppressed for reasons of `kind` (`Suppression::kind`).
    pub(crate) fn suppressed_by(&self, kind: &str) -> usize {
        self.suppressed
            .iter()
            .filter(|f| f.suppression.as_ref().is_some_and(|s| s.kind() == kind))
            .count()
    }

    /// The description of rule `id`, if the run loaded it.
    pub(crate) fn rule(&self, id: &str) -> Option<&RuleMeta> {
        self.rules.iter().find(|r| r.id == id)
    }
}

thread_local! {
    /// How many [`contain`] calls this thread is inside: the panic hook stays quiet there, as
    /// the caller reports the panic itself.
    static CONTAINED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Runs `f`, turning a panic into `Err` with its message (redacted: a panic message may quote
/// the data being processed). For per-input boundaries: one bad input, or a library that
/// panics on corrupt data (gix on a truncated pack), must not end the run or lose its report.
pub(crate) fn contain<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    CONTAINED.with(|c| c.set(c.get() + 1));
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    CONTAINED.with(|c| c.set(c.get() - 1));
    r.map_err(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".to_string());
        super::redact_message(&what)
    })
}

/// Whether a panic now would be caught by [`contain`] (the panic hook then says nothing).
pub fn panic_is_contained() -> bool {
    CONTAINED.with(|c| c.get() > 0)
}

/// Sorts by origin, offset and rule. A finding is a few hundred bytes: sorting indices and
/// moving each finding once costs far less than a sort that swaps findings (measured: 27% of
/// a run with 250,000 findings went to `memmove`).
/// Orders findings by path, then place in the file, then rule: what a reader of a report
/// expects, and stable across runs and thread counts. (A history's findings at one path may
/// come from several blobs; the blob id only breaks ties.)
fn sort_findings(list: &mut [Finding]) {
    // Usually already in order (one input's findings come out by offset): checked without
    // building a key per finding — findings of one origin share its path.
    let in_order = |a: &Finding, b: &Finding| {
        if a.origin == b.origin && a.repository == b.repository {
            (a.offset, &a.rule) <= (b.offset, &b.rule)
        } else {
            key(a) <= key(b)
        }
    };
    if list.windows(2).all(|w| in_order(&w[0], &w[1])) {
        return;
    }
    list.sort_by_cached_key(|f| {
        let (repo, path, offset, rule, origin) = key(f);
        (
            repo.map(str::to_string),
            path,
            offset,
            rule.to_string(),
            origin.clone(),
        )
    });
}

/// Repository first: a merged report of several repositories keeps each one's findings
/// together.
fn key(f: &Finding) -> (Option<&str>, String, u64, &str, &Origin) {
    (
        f.repository.as_deref(),
        f.origin.display_path(),
        f.offset,
        &f.rule,
        &f.origin,
    )
}

/// The one accumulator of a scan: every input mode's threads add to it. Counters are atomics
/// and lists are behind mutexes taken only when there is something to add (findings are rare).
#[derive(Default)]
pub(crate) struct Tally {
    /// Inputs and bytes scanned (and the totals, where known), readable while the scan runs.
    counts: Arc<Progress>,
    invalid: AtomicUsize,
    lfs_pointers: AtomicUsize,
    findings: Mutex<Vec<Finding>>,
    suppressed: Mutex<Vec<Finding>>,
    skipped: Mutex<Vec<(String, SkipReason)>>,
    errors: Mutex<Vec<Problem>>,
}

impl Tally {
    /// A tally whose counters `progress` shares with a display.
    pub(crate) fn watched(progress: Arc<Progress>) -> Tally {
        Tally {
            counts: progress,
            ..Tally::default()
        }
    }

    /// The counters, for a mode that knows its totals in advance.
    pub(crate) fn progress(&self) -> &Progress {
        &self.counts
    }

    /// Scans one input, counts it, and returns its findings (the caller decides where they go:
    /// [`Tally::keep`], or a git mode's attribution first).
    pub(crate) fn scan(&self, scanner: &Scanner, bytes: &[u8], origin: &Origin) -> Vec<Finding> {
        match self.guarded(origin, || scanner.scan(bytes, origin)) {
            Some(r) => self.counted(r, bytes.len() as u64, origin),
            None => Vec::new(),
        }
    }

    /// Runs one input's scan, catching a panic at the input's boundary: the input is reported
    /// as an error and the scan goes on.
    fn guarded<T>(&self, origin: &Origin, scan: impl FnOnce() -> T) -> Option<T> {
        match contain(scan) {
            Ok(r) => Some(r),
            Err(why) => {
                self.error(
                    origin.display_path(),
                    format!(
                        "internal error while scanning this input ({why}; a bug in patrol); its \
                         scan is incomplete"
                    ),
                );
                None
            }
        }
    }

    /// Scans a streamed input in windows (see `Scanner::scan_reader`), counts it, and returns
    /// its findings.
    pub(crate) fn scan_reader(
        &self,
        scanner: &Scanner,
        input: &mut dyn std::io::Read,
        origin: &Origin,
        buf: &mut Vec<u8>,
    ) -> std::io::Result<Vec<Finding>> {
        match self.guarded(origin, || scanner.scan_reader(input, origin, buf)) {
            Some(r) => {
                let (r, n) = r?;
                Ok(self.counted(r, n, origin))
            }
            None => Ok(Vec::new()),
        }
    }

    fn counted(&self, r: super::ScanResult, bytes: u64, origin: &Origin) -> Vec<Finding> {
        self.counts.done.fetch_add(1, Ordering::Relaxed);
        let (notes, more) = r.decode_notes.into_parts();
        for note in notes {
            self.skip(origin.display_path(), SkipReason::Decoding(note));
        }
        if more > 0 {
            self.skip(origin.display_path(), SkipReason::DecodingMore(more));
        }
        self.counts.bytes.fetch_add(bytes, Ordering::Relaxed);
        self.invalid.fetch_add(r.invalid, Ordering::Relaxed);
        if !r.suppressed.is_empty() {
            self.suppressed.lock().unwrap().extend(r.suppressed);
        }
        r.findings
    }

    /// Adds findings to the outcome.
    pub(crate) fn keep(&self, findings: Vec<Finding>) {
        if !findings.is_empty() {
            self.findings.lock().unwrap().extend(findings);
        }
    }

    pub(crate) fn skip(&self, what: String, reason: SkipReason) {
        self.skipped.lock().unwrap().push((what, reason));
    }

    /// An input that could not be read: the scan is incomplete.
    pub(crate) fn error(&self, path: String, message: String) {
        self.errors.lock().unwrap().push(Problem { path, message });
    }

    /// A Git LFS pointer was scanned (its content lives elsewhere).
    pub(crate) fn lfs_pointer(&self) {
        self.lfs_pointers.fetch_add(1, Ordering::Relaxed);
    }

    /// The outcome, sorted, with `elapsed` set.
    pub(crate) fn into_outcome(self, elapsed: Duration) -> Outcome {
        let mut outcome = Outcome {
            findings: self.findings.into_inner().unwrap(),
            files: self.counts.done.load(Ordering::Relaxed),
            bytes: self.counts.bytes.load(Ordering::Relaxed),
            invalid: self.invalid.into_inner(),
            suppressed: self.suppressed.into_inner().unwrap(),
            skipped: self.skipped.into_inner().unwrap(),
            errors: self.errors.into_inner().unwrap(),
            lfs_pointers: self.lfs_pointers.into_inner(),
            elapsed,
            ..Outcome::default()
        };
        outcome.sort();
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::SkipReason;

    #[test]
    fn numbers_in_reasons_sort_by_value() {
        use std::cmp::Ordering::*;
        for (a, b, want) in [
            ("line 999: x", "line 10000: x", Less),
            ("line 10000: x", "line 999: x", Greater),
            ("line 12: a", "line 12: b", Less),
            ("line 12", "line 12: b", Less),
            ("line 007", "line 7", Equal),
            ("line 7", "lines", Less), // '7' < 's', as bytes
            ("", "", Equal),
        ] {
            assert_eq!(super::numbers_in_order(a, b), want, "{a:?} vs {b:?}");
        }
        let mut reasons = [
            SkipReason::DecodingMore(3),
            SkipReason::Decoding("line 10000: zlib".into()),
            SkipReason::Decoding("line 007: zlib".into()),
            SkipReason::Decoding("line 999: zlib".into()),
            SkipReason::Decoding("line 7: zlib".into()),
        ];
        reasons.sort_by(SkipReason::report_order);
        let shown: Vec<String> = reasons.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "line 007: zlib",
                "line 7: zlib",
                "line 999: zlib",
                "line 10000: zlib",
                "and 3 more places where decoding was cut short (the first 100 are listed)",
            ]
        );
    }

    #[test]
    fn every_kind_is_listed() {
        let reasons = [
            SkipReason::Symlink,
            SkipReason::TooLarge(1),
            SkipReason::Special("fifo"),
            SkipReason::Special("socket"),
            SkipReason::Special("block device"),
            SkipReason::Special("character device"),
            SkipReason::Special("not a regular file"),
            SkipReason::Decoding(String::new()),
            SkipReason::DecodingMore(1),
        ];
        for r in &reasons {
            assert!(SkipReason::KINDS.contains(&r.kind()), "{r:?}");
        }
        let mut kinds: Vec<_> = reasons.iter().map(SkipReason::kind).collect();
        kinds.dedup();
        assert_eq!(kinds.len(), SkipReason::KINDS.len());
    }
}
