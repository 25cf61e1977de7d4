//! The per-input pipeline. [`Scanner::scan`] takes bytes plus an [`Origin`] and returns what
//! they hold; every input — files, stdin, git blobs, commit and tag messages, staged blobs —
//! goes through it, so a rule behaves identically everywhere:
//!
//! prefilter (keyword hits) → matcher (the owning rule's regex on a window) → validate
//! (offline checks) → suppress (inline allow markers) → locate (line, column) → context (the
//! secret's line, every candidate on it redacted).

use std::collections::HashSet;

use super::redact;
use super::suppress::line_has_marker;
use crate::finding::{Finding, Origin, Secret};
use crate::matcher::{for_each_match, has_boundaries};
use crate::prefilter::Prefilter;
use crate::rules::RuleSet;
use crate::validate::validate;

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
    /// Ordered by offset.
    pub findings: Vec<Finding>,
    /// Candidates dropped because their offline check failed (placeholders, typos).
    pub invalid: usize,
    /// Findings dropped because their line carries an allow marker.
    pub suppressed: usize,
}

/// A candidate the pipeline saw, before suppression: where it is, which rule matched it, and
/// what the offline check said. Context lines redact every candidate, reported or not.
struct Candidate {
    rule: usize,
    start: usize,
    end: usize,
    verdict: crate::validate::Verdict,
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

    /// Every candidate in `haystack`, valid or not, allow markers or not: (start, end,
    /// redacted form). What `scan::redact` replaces in free text.
    pub(crate) fn candidate_spans(&self, haystack: &[u8]) -> Vec<(usize, usize, String)> {
        self.candidates(haystack)
            .into_iter()
            .map(|c| {
                let bytes = &haystack[c.start..c.end];
                let rule = &self.rules.rules[c.rule];
                let redacted = Secret::new(bytes, rule.public_prefix_len(bytes)).redacted();
                (c.start, c.end, redacted)
            })
            .collect()
    }

    /// A token the user names as such (`patrol verify TOKEN`, `patrol revoke TOKEN`): its
    /// finding if it is an offline-valid token of a known format, whole. A bare legacy token
    /// (40 hex, or `v1.` + 40 hex) needs a GitHub context in files; the user's naming it as a
    /// token is that context.
    pub(crate) fn identify(&self, token: &str) -> Option<Finding> {
        let whole = |text: &[u8]| {
            self.scan_with(text, &Origin::Stdin, IDENTIFY)
                .findings
                .into_iter()
                .find(|f| f.secret.expose() == token)
        };
        whole(token.as_bytes()).or_else(|| {
            let hex = token.strip_prefix("v1.").unwrap_or(token);
            if hex.len() != 40 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            whole(format!("GITHUB_TOKEN={token}").as_bytes())
        })
    }

    /// The prefilter, matcher and validation stages: each (rule, start) once, in order of the
    /// keyword hits that led to them.
    fn candidates(&self, haystack: &[u8]) -> Vec<Candidate> {
        let mut out = Vec::new();
        // (rule, secret start): a secret found through several keyword hits is seen once.
        let mut seen: HashSet<(usize, usize)> = HashSet::new();
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
                    out.push(Candidate {
                        rule: ri,
                        start,
                        end,
                        verdict,
                    });
                });
            }
        });
        out
    }

    fn scan_with(&self, haystack: &[u8], origin: &Origin, options: ScanOptions) -> ScanResult {
        let mut out = ScanResult::default();
        let binary = memchr::memchr(0, &haystack[..haystack.len().min(8192)]).is_some();
        let mut locator = Locator::default();
        for c in self.candidates(haystack) {
            if !c.verdict.validation.is_valid() && !options.show_invalid {
                out.invalid += 1;
                continue;
            }
            if !options.ignore_allow_markers && line_has_marker(haystack, c.start) {
                out.suppressed += 1;
                continue;
            }
            let rule = &self.rules.rules[c.rule];
            let bytes = &haystack[c.start..c.end];
            let secret = Secret::new(bytes, rule.public_prefix_len(bytes));
            let (line, column) = locator.locate(haystack, c.start);
            out.findings.push(Finding {
                rule: rule.id.clone(),
                rule_name: rule.name.clone(),
                origin: origin.clone(),
                line,
                column,
                offset: c.start as u64,
                fingerprint: secret.fingerprint(),
                secret,
                validation: c.verdict.validation,
                details: c.verdict.details,
                binary,
                provenance: None,
                context: String::new(),
                verification: None,
            });
        }
        out.findings
            .sort_by(|a, b| (a.offset, &a.rule).cmp(&(b.offset, &b.rule)));
        redact::add_contexts(haystack, &mut out.findings);
        out
    }
}

/// `identify` reports a token whatever its line says: the user named it.
const IDENTIFY: ScanOptions = ScanOptions {
    show_invalid: false,
    ignore_allow_markers: true,
};

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
        (self.line + 1, column as u64 + 1)
    }
}
