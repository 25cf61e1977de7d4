//! Redaction, in one place. Every string that may carry a secret passes through here before a
//! report writer sees it: a finding's context line (built here from the scanned bytes), commit
//! summaries and authors, a server's reasons and logins. The redacted *form* of a secret is
//! [`Secret::redacted`]: the public prefix and four characters, then `…`.
//!
//! [`Redactor`] redacts free text two ways: every secret already found (exact matches, so a
//! secret shown beside another finding is masked too), and every candidate the scanner sees in
//! the text itself (valid or not), so a token in a commit summary is masked even where it is
//! not reported.

use super::outcome::Outcome;
use super::scanner::Scanner;
use crate::finding::{Finding, Secret};

/// Redacts free text; see the module docs.
pub(crate) struct Redactor<'s> {
    scanner: Option<&'s Scanner>,
    /// (secret, redacted form), longest secret first, so that a secret containing another is
    /// masked whole.
    known: Vec<(String, String)>,
}

impl<'s> Redactor<'s> {
    /// Masks every candidate `scanner` finds in the text.
    pub(crate) fn new(scanner: &'s Scanner) -> Redactor<'s> {
        Redactor {
            scanner: Some(scanner),
            known: Vec::new(),
        }
    }

    /// Masks exactly `secret` (a token sent to a server, whose answer may echo it).
    pub(crate) fn for_secret(secret: &str) -> Redactor<'static> {
        let mut r = Redactor {
            scanner: None,
            known: Vec::new(),
        };
        r.add(&Secret::new(secret.as_bytes(), 0));
        r
    }

    /// Also masks every secret of `findings`.
    pub(crate) fn with_findings(mut self, findings: &[Finding]) -> Self {
        for f in findings {
            self.add(&f.secret);
        }
        self
    }

    fn add(&mut self, secret: &Secret) {
        let s = secret.expose();
        if s.is_empty() || self.known.iter().any(|(k, _)| k == s) {
            return;
        }
        self.known.push((s.to_string(), secret.redacted()));
        self.known.sort_by_key(|(s, _)| std::cmp::Reverse(s.len()));
    }

    /// `text` with every known secret and every candidate in it replaced by its redacted form.
    pub(crate) fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        if let Some(scanner) = self.scanner {
            let mut spans = scanner.candidate_spans(out.as_bytes());
            spans.sort_by_key(|(s, _, _)| std::cmp::Reverse(*s));
            let mut last = usize::MAX;
            for (start, end, redacted) in spans {
                // Overlapping candidates (two rules on one token): the first kept wins.
                if end > last || !out.is_char_boundary(start) || !out.is_char_boundary(end) {
                    continue;
                }
                out.replace_range(start..end, &redacted);
                last = start;
            }
        }
        for (secret, redacted) in &self.known {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), redacted);
            }
        }
        out
    }

    /// Redacts, in place, every string of `outcome` that came from the repository or a server
    /// and is shown beside findings: commit authors and summaries, and what a liveness check
    /// answered (reason, login, SSO note).
    pub(crate) fn apply(&self, outcome: &mut Outcome) {
        for f in &mut outcome.findings {
            if let Some(c) = f.provenance.as_mut().and_then(|p| p.commit.as_mut()) {
                c.author = self.redact(&c.author);
                c.summary = self.redact(&c.summary);
            }
            if let Some(v) = f.verification.as_mut() {
                for s in [&mut v.reason, &mut v.login, &mut v.sso, &mut v.expires_at]
                    .into_iter()
                    .flatten()
                {
                    *s = self.redact(s);
                }
            }
        }
    }
}

/// Characters of context kept on each side of a secret: enough to recognise the line, bounded
/// for minified files whose single line is megabytes long.
const CONTEXT_CHARS: usize = 60;

/// Sets each finding's `context`: its line, clipped around the secret, with every secret found
/// on that line redacted (not only its own: two tokens often share a line).
pub(crate) fn add_contexts(haystack: &[u8], findings: &mut [Finding]) {
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
