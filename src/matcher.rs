//! Stage 4: the scanner's entry point. [`Scanner::scan`] takes bytes plus an [`Origin`] and
//! returns findings; every input (files, stdin, git blobs, the index) goes through it. For each
//! prefilter hit, only the owning rule's regex runs, on a bounded window around the hit; each
//! match is then validated offline (stage 5) and located (line, column).

use std::collections::HashSet;

use crate::finding::{Finding, Origin, Secret};
use crate::prefilter::{Hit, Prefilter};
use crate::rules::{Rule, RuleSet, MAX_WINDOW};
use crate::validate::validate;

/// Inline markers that suppress findings on their line. `patrol:allow` is ours; the others
/// are honoured so that teams switching tools keep their existing annotations.
pub const ALLOW_MARKERS: [&str; 6] = [
    "patrol:allow",
    "gitleaks:allow",
    "betterleaks:allow",
    "pragma: allowlist secret",
    "trufflehog:ignore",
    "kingfisher:ignore",
];

/// Per-scan options that change what is reported, not what is matched.
#[derive(Clone, Copy, Debug, Default)]
pub struct ScanOptions {
    /// Also report candidates whose offline check failed (marked invalid).
    pub show_invalid: bool,
    /// Report findings even on lines that carry an allow marker.
    pub ignore_allow_markers: bool,
}

/// What one scan of one input produced.
#[derive(Debug, Default)]
pub struct ScanResult {
    pub findings: Vec<Finding>,
    /// Candidates dropped because their offline check failed (placeholders, typos).
    pub invalid: usize,
    /// Findings dropped because their line carries an allow marker.
    pub suppressed: usize,
}

/// The compiled rules and their keyword automaton: built once, shared by reference across
/// threads (it is `Sync`; all per-scan state lives on the stack of [`Scanner::scan`]).
pub struct Scanner {
    rules: RuleSet,
    prefilter: Prefilter,
    options: ScanOptions,
}

impl Scanner {
    pub fn new(rules: RuleSet, options: ScanOptions) -> Scanner {
        let prefilter = Prefilter::new(&rules);
        Scanner {
            rules,
            prefilter,
            options,
        }
    }

    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// Scans `haystack`. Findings come out ordered by offset.
    pub fn scan(&self, haystack: &[u8], origin: &Origin) -> ScanResult {
        self.scan_with(haystack, origin, self.options)
    }

    /// `text` with every candidate secret in it (valid or not, allow markers or not) replaced
    /// by its redacted form: for text a report shows beside findings, such as a commit summary.
    pub fn redact(&self, text: &str) -> String {
        let all = ScanOptions {
            show_invalid: true,
            ignore_allow_markers: true,
        };
        let mut findings = self
            .scan_with(text.as_bytes(), &Origin::Stdin, all)
            .findings;
        findings.sort_by_key(|f| std::cmp::Reverse(f.offset));
        let mut out = text.to_string();
        for f in findings {
            let start = f.offset as usize;
            let end = start + f.secret.expose().len();
            if end <= out.len() && out.is_char_boundary(start) && out.is_char_boundary(end) {
                out.replace_range(start..end, &f.secret.redacted());
            }
        }
        out
    }

    fn scan_with(&self, haystack: &[u8], origin: &Origin, options: ScanOptions) -> ScanResult {
        let mut out = ScanResult::default();
        // (rule, secret start): a secret found through several keyword hits is reported once.
        let mut seen: HashSet<(usize, usize)> = HashSet::new();
        let binary = memchr::memchr(0, &haystack[..haystack.len().min(8192)]).is_some();
        let mut locator = Locator::default();
        self.prefilter.for_each_hit(haystack, |hit| {
            for &ri in self.prefilter.owners(hit.keyword) {
                let rule = &self.rules.rules[ri];
                for_each_match(rule, haystack, hit, |start, end| {
                    if !seen.insert((ri, start)) {
                        return;
                    }
                    let verdict = validate(rule.check, &haystack[start..end]);
                    let end = start + verdict.len;
                    if rule.boundary && !has_boundaries(haystack, start, end) {
                        return;
                    }
                    if !verdict.validation.is_valid() && !options.show_invalid {
                        out.invalid += 1;
                        return;
                    }
                    if !options.ignore_allow_markers && line_has_marker(haystack, start) {
                        out.suppressed += 1;
                        return;
                    }
                    let bytes = &haystack[start..end];
                    let secret = Secret::new(bytes, rule.public_prefix_len(bytes));
                    let (line, column) = locator.locate(haystack, start);
                    out.findings.push(Finding {
                        rule: rule.id.clone(),
                        rule_name: rule.name.clone(),
                        origin: origin.clone(),
                        line,
                        column,
                        offset: start as u64,
                        fingerprint: secret.fingerprint(),
                        secret,
                        validation: verdict.validation,
                        details: verdict.details,
                        binary,
                        provenance: None,
                        context: String::new(),
                        verification: None,
                    });
                });
            }
        });
        out.findings
            .sort_by(|a, b| (a.offset, &a.rule).cmp(&(b.offset, &b.rule)));
        add_contexts(haystack, &mut out.findings);
        out
    }
}

/// Calls `f(secret_start, secret_end)` for each match of `rule` that contains `hit`, searching
/// a window of `rule.window` bytes on each side. A match that reaches the window's end may be
/// cut short, so the window grows (up to [`MAX_WINDOW`] past the hit) until it does not.
fn for_each_match(rule: &Rule, haystack: &[u8], hit: Hit, mut f: impl FnMut(usize, usize)) {
    let from = hit.start.saturating_sub(rule.window);
    let mut reach = rule.window;
    loop {
        let to = haystack.len().min(hit.end + reach);
        let window = &haystack[..to];
        let mut at = from;
        let mut truncated = false;
        let mut found = Vec::new();
        // `captures_at` searches from `at` but lets `\b` and friends see the bytes before it.
        while let Some(caps) = rule.pattern.captures_at(window, at) {
            let m = caps.get(0).expect("group 0 always matches");
            if m.start() > hit.start {
                break;
            }
            if m.end() == to && to < haystack.len() && reach < MAX_WINDOW {
                truncated = true;
                break;
            }
            if m.end() >= hit.end {
                if let Some(s) = caps.get(rule.secret_group) {
                    found.push((s.start(), s.end()));
                }
            }
            // Resume just after this match's start, not its end: a match that does not contain
            // the hit may overlap one that does (`ghp_<36>ghp_<36>`, two tokens pasted).
            at = m.start() + 1;
            if at > to {
                break;
            }
        }
        if truncated {
            reach = (reach * 4).min(MAX_WINDOW);
            continue;
        }
        for (s, e) in found {
            f(s, e);
        }
        return;
    }
}

/// Characters of context kept on each side of a secret: enough to recognise the line, bounded
/// for minified files whose single line is megabytes long.
const CONTEXT_CHARS: usize = 60;

/// Sets each finding's `context`: its line, clipped around the secret, with every secret found
/// on that line redacted (not only its own: two tokens often share a line).
fn add_contexts(haystack: &[u8], findings: &mut [Finding]) {
    let spans: Vec<(usize, usize, String)> = findings
        .iter()
        .map(|f| {
            let start = f.offset as usize;
            (start, start + f.secret.expose().len(), f.secret.redacted())
        })
        .collect();
    for f in findings.iter_mut() {
        let start = f.offset as usize;
        let end = start + f.secret.expose().len();
        let line_start = memchr::memrchr(b'\n', &haystack[..start]).map_or(0, |i| i + 1);
        let line_end = memchr::memchr(b'\n', &haystack[end..]).map_or(haystack.len(), |i| end + i);
        let from = clip_back(haystack, line_start, start);
        let to = clip_forward(haystack, end, line_end);
        let mut text = String::new();
        let mut at = from;
        for (s, e, redacted) in spans.iter().filter(|(s, e, _)| *s >= from && *e <= to) {
            if *s < at {
                continue;
            }
            text.push_str(&printable(&haystack[at..*s]));
            text.push_str(redacted);
            at = *e;
        }
        text.push_str(&printable(&haystack[at..to]));
        f.context = text.trim_end_matches('\r').to_string();
    }
}

/// The start of at most [`CONTEXT_CHARS`] bytes of line before `pos`.
fn clip_back(haystack: &[u8], line_start: usize, pos: usize) -> usize {
    let mut from = pos.saturating_sub(CONTEXT_CHARS).max(line_start);
    while from > line_start && (haystack[from] & 0xC0) == 0x80 {
        from -= 1; // do not cut a UTF-8 sequence
    }
    from
}

fn clip_forward(haystack: &[u8], pos: usize, line_end: usize) -> usize {
    let mut to = (pos + CONTEXT_CHARS).min(line_end);
    while to < line_end && (haystack[to] & 0xC0) == 0x80 {
        to += 1;
    }
    to
}

/// Text safe to print on a terminal: invalid UTF-8 and control characters (an ANSI escape in
/// the scanned file must not repaint the user's terminal) become `\u{fffd}` or `·`.
fn printable(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .chars()
        .map(|c| if c.is_control() && c != '\t' { '·' } else { c })
        .collect()
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// No word character touches the secret on either side.
fn has_boundaries(haystack: &[u8], start: usize, end: usize) -> bool {
    let before = start == 0 || !is_word(haystack[start - 1]);
    let after = end == haystack.len() || !is_word(haystack[end]);
    before && after
}

/// Whether the line holding `offset` contains an allow marker.
fn line_has_marker(haystack: &[u8], offset: usize) -> bool {
    let start = memchr::memrchr(b'\n', &haystack[..offset]).map_or(0, |i| i + 1);
    let end = memchr::memchr(b'\n', &haystack[offset..]).map_or(haystack.len(), |i| offset + i);
    let line = &haystack[start..end];
    ALLOW_MARKERS
        .iter()
        .any(|m| memchr::memmem::find(line, m.as_bytes()).is_some())
}

/// Turns offsets into 1-based (line, column), counting newlines incrementally so that many
/// findings in one large input cost one pass, not one pass each.
#[derive(Default)]
struct Locator {
    offset: usize,
    line: u64,
}

impl Locator {
    fn locate(&mut self, haystack: &[u8], offset: usize) -> (u64, u64) {
        if offset < self.offset {
            *self = Locator::default();
        }
        self.line += memchr::memchr_iter(b'\n', &haystack[self.offset..offset]).count() as u64;
        self.offset = offset;
        let line_start = memchr::memrchr(b'\n', &haystack[..offset]).map_or(0, |i| i + 1);
        // Columns count characters; each byte of an invalid UTF-8 sequence counts as one.
        let column: usize = haystack[line_start..offset]
            .utf8_chunks()
            .map(|c| c.valid().chars().count() + c.invalid().len())
            .sum();
        let column = column as u64;
        (self.line + 1, column + 1)
    }
}
