//! The per-input pipeline. [`Scanner::scan`] takes bytes plus an [`Origin`] and returns what
//! they hold; every input — files, stdin, git blobs, commit and tag messages, staged blobs —
//! goes through it, so a rule behaves identically everywhere:
//!
//! prefilter (keyword hits) → matcher (the owning rules' regexes near the hits) → validate
//! (offline checks) → suppress (inline allow markers) → locate (line, column) → context (the
//! secret's line, every candidate on it redacted).
//!
//! Inputs too large to hold at once (a big file, stdin, a big blob) are scanned in overlapping
//! windows ([`Scanner::scan_reader`]): memory stays bounded by [`WINDOW`] whatever the input's
//! size, and a finding is reported by exactly one window with its place in the whole input.
//!
//! Every step is linear in the input: hits of one rule merge into regions searched once
//! (`matcher`), lines and columns are counted incrementally, a line's allow marker is looked
//! up once per line, and context lines look no further than they show.

use std::io::{self, Read};

use super::redact;
use super::suppress::marker_on_line;
use crate::decode::{decode_all, Budget, Kind, BUDGET};
use crate::finding::{Finding, Layer, Notes, Origin, Secret, Suppression, Validation};
use crate::matcher::{has_boundaries, Found, RuleMatcher};
use crate::prefilter::Prefilter;
use crate::rules::{PathView, RuleSet, View, MAX_WINDOW};
use crate::unpack::{self, Container, Unpacking, UNPACK_BUDGET};
use crate::validate::{validate, Verdict};

/// Bytes scanned at once from a streamed input.
pub(crate) const WINDOW: usize = 8 << 20;

/// Bytes two consecutive windows share. Half of it lies on each side of the boundary between
/// the windows' accepted ranges, and must hold everything a match needs around its start: the
/// regex's reach (up to [`MAX_WINDOW`] past the last hit and a rule's window before it) and
/// the context line.
pub(crate) const OVERLAP: usize = 4 * MAX_WINDOW;

/// Per-scan options.
#[derive(Clone, Copy, Debug)]
pub struct ScanOptions {
    /// Also report candidates whose offline check failed (marked invalid).
    pub show_invalid: bool,
    /// Report findings even on lines that carry an allow marker.
    pub ignore_allow_markers: bool,
    /// How many encodings deep the decode stage looks (`0`: not at all): base64 inside base64
    /// is depth 2.
    pub decode_depth: u8,
}

/// The decode stage's depth unless the user says otherwise: deep enough for a Kubernetes
/// `.dockerconfigjson` (base64 of JSON holding base64) inside one more layer.
pub const DEFAULT_DECODE_DEPTH: u8 = 3;

impl Default for ScanOptions {
    fn default() -> ScanOptions {
        ScanOptions {
            show_invalid: false,
            ignore_allow_markers: false,
            decode_depth: DEFAULT_DECODE_DEPTH,
        }
    }
}

/// What one scan of one input produced.
#[derive(Debug, Default)]
pub struct ScanResult {
    /// Ordered by offset.
    pub findings: Vec<Finding>,
    /// Candidates dropped because their offline check failed (placeholders, typos).
    pub invalid: usize,
    /// Findings on lines that carry an allow marker: not reported, but kept (with the marker)
    /// so that every output can show what was suppressed.
    pub suppressed: Vec<Finding>,
    /// Encoded content the decode stage could not scan whole (a stream over its limits, a
    /// corrupt one), said for people: the first [`Notes::MAX`] places, and how many more.
    pub decode_notes: Notes<String>,
}

/// A candidate the pipeline saw, before suppression: where it is, which rule matched it, and
/// what the offline check said. Context lines redact every candidate, reported or not.
#[derive(Clone)]
pub(crate) struct Candidate {
    rule: usize,
    pub(crate) start: usize,
    pub(crate) end: usize,
    verdict: Verdict,
    /// The rule's word boundaries hold around it. A match without them is never reported, but
    /// is still redacted wherever text around it is shown: `GITHUB_TOKEN=<40 hex>_x` is not
    /// proof of a token, and not something to print either.
    bounded: bool,
}

/// A candidate found in decoded content: its place is the encoded text's, its bytes are the
/// decoded secret's.
struct DecodedCandidate {
    rule: usize,
    /// The encoded stretch in the scanned input.
    start: usize,
    end: usize,
    verdict: Verdict,
    bytes: Vec<u8>,
    /// The encodings undone, outermost first.
    chain: Vec<Kind>,
}

/// Candidates already found in decoded stretches of one window, by the stretch's bytes.
type DecodedSeen = std::collections::HashMap<Vec<u8>, Vec<Candidate>>;
/// Decoded stretches longer than this are not remembered (repeats are short values).
const SEEN_BYTES_MAX: usize = 4096;
/// Distinct stretches remembered per window.
const SEEN_MAX: usize = 4096;
/// How much of the text before an encoded stretch is its context (see
/// [`Scanner::outer_context_candidates`]): a key name, on its line or the one above.
const OUTER_CONTEXT: usize = 256;

/// Where a window of bytes sits in its input.
#[derive(Clone, Copy, Debug)]
struct Window {
    /// Offset of the window's first byte in the input.
    base: u64,
    /// Newlines before the window.
    lines: u64,
    /// Characters between the last newline before the window and its first byte.
    column: u64,
    /// Candidates are reported only if they start in this range of the window (the rest
    /// belongs to the neighbouring windows).
    accept: (usize, usize),
    /// The input looked binary (a NUL byte in its first 8 KiB).
    binary: bool,
}

/// The compiled rules and their keyword automaton: built once, shared by reference across
/// threads (it is `Sync`; all per-scan state lives on the stack of [`Scanner::scan`]).
pub struct Scanner {
    rules: RuleSet,
    prefilter: Prefilter,
    options: ScanOptions,
    /// Some rule was translated from a gitleaks or Betterleaks config.
    any_imported: bool,
}

impl Scanner {
    pub fn new(rules: RuleSet, options: ScanOptions) -> Scanner {
        let prefilter = Prefilter::new(&rules);
        let any_imported = rules.rules.iter().any(|r| r.imported);
        Scanner {
            rules,
            prefilter,
            options,
            any_imported,
        }
    }

    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// Scans `haystack`, an input held whole. Findings come out ordered by offset (those
    /// unpacked from a container, by member, each member's by offset).
    pub fn scan(&self, haystack: &[u8], origin: &Origin) -> ScanResult {
        if let Some(kind) = self.container(haystack, self.options.decode_depth) {
            let u = Unpacking::new(UNPACK_BUDGET);
            // Reading a slice cannot fail, and decoders' faults become notes.
            let mut out = self
                .unpack(
                    kind,
                    &mut &haystack[..],
                    origin,
                    self.options.decode_depth,
                    &u,
                )
                .unwrap_or_default();
            out.decode_notes.append(u.into_notes());
            return out;
        }
        let window = Window {
            base: 0,
            lines: 0,
            column: 0,
            accept: (0, haystack.len()),
            binary: looks_binary(haystack),
        };
        self.scan_window(haystack, origin, self.options, window)
    }

    /// Scans everything `input` yields, [`WINDOW`] bytes at a time with [`OVERLAP`] bytes
    /// shared between windows; `buf` is the caller's reusable buffer. Returns the result and
    /// the number of bytes read.
    pub fn scan_reader(
        &self,
        input: &mut dyn Read,
        origin: &Origin,
        buf: &mut Vec<u8>,
    ) -> io::Result<(ScanResult, u64)> {
        let u = Unpacking::new(UNPACK_BUDGET);
        let mut counted = CountedRead { inner: input, n: 0 };
        let mut out = self.scan_stream(&mut counted, origin, buf, self.options.decode_depth, &u)?;
        out.decode_notes.append(u.into_notes());
        Ok((out, counted.n))
    }

    /// The container `head` starts with, if the decode stage is to unpack it at this depth.
    fn container(&self, head: &[u8], depth: u8) -> Option<Container> {
        if depth == 0 {
            return None;
        }
        unpack::recognise(head)
    }

    /// [`Scanner::scan_reader`] at a decode depth: an input, an archive member or a
    /// decompressed stream that starts with a container is unpacked (to `depth`), anything
    /// else scanned in windows.
    fn scan_stream(
        &self,
        input: &mut dyn Read,
        origin: &Origin,
        buf: &mut Vec<u8>,
        depth: u8,
        u: &Unpacking,
    ) -> io::Result<ScanResult> {
        buf.clear();
        let mut eof = fill(input, buf, WINDOW)?;
        if let Some(kind) = self.container(buf, depth) {
            // The first window, then the rest of the input: the container reads it all.
            let mut whole = io::Cursor::new(&buf[..]).chain(input);
            return self.unpack(kind, &mut whole, origin, depth, u);
        }
        let mut out = ScanResult::default();
        if depth == 0 && self.options.decode_depth > 0 {
            // Unpacked this far, and another container inside: say so rather than scan it
            // as noise in silence.
            if let Some(kind) = unpack::recognise(buf) {
                out.decode_notes.push(format!(
                    "{} not unpacked: the decode depth ({}) is reached",
                    kind.describe(),
                    self.options.decode_depth
                ));
            }
        }
        let options = ScanOptions {
            decode_depth: depth,
            ..self.options
        };
        let mut window = Window {
            base: 0,
            lines: 0,
            column: 0,
            accept: (0, 0),
            binary: looks_binary(buf),
        };
        loop {
            let len = buf.len();
            let lo = if window.base == 0 { 0 } else { OVERLAP / 2 };
            let hi = if eof { len } else { len - OVERLAP / 2 };
            window.accept = (lo, hi);
            let r = self.scan_window(buf, origin, options, window);
            out.findings.extend(r.findings);
            out.suppressed.extend(r.suppressed);
            out.invalid += r.invalid;
            out.decode_notes.append(r.decode_notes);
            if eof {
                return Ok(out);
            }
            // Keep the last OVERLAP bytes as the start of the next window.
            let keep_from = len - OVERLAP;
            let consumed = &buf[..keep_from];
            let newlines = memchr::memchr_iter(b'\n', consumed).count() as u64;
            window.column = match memchr::memrchr(b'\n', consumed) {
                Some(i) => char_count(&consumed[i + 1..]),
                None => window.column + char_count(consumed),
            };
            window.lines += newlines;
            window.base += keep_from as u64;
            buf.drain(..keep_from);
            eof = fill(input, buf, WINDOW)?;
        }
    }

    /// Scans what the container `kind` at the start of `input` holds: each member, or the
    /// decompressed stream, as an input of its own one level deeper. Findings are placed in
    /// the unpacked content and carry the layers unpacked to reach them.
    fn unpack(
        &self,
        kind: Container,
        input: &mut dyn Read,
        origin: &Origin,
        depth: u8,
        u: &Unpacking,
    ) -> io::Result<ScanResult> {
        let mut out = ScanResult::default();
        let mut buf = Vec::new();
        unpack::walk(kind, input, u, &mut |member, content| {
            let mut r = self.scan_stream(content, origin, &mut buf, depth - 1, u)?;
            let layer = match member {
                Some(path) => Layer::Member(path.to_string()),
                None => Layer::Stream(kind.name()),
            };
            for f in r.findings.iter_mut().chain(r.suppressed.iter_mut()) {
                f.unpacked.insert(0, layer.clone());
            }
            out.findings.extend(r.findings);
            out.suppressed.extend(r.suppressed);
            out.invalid += r.invalid;
            let name = layer_name(&layer);
            out.decode_notes
                .append(r.decode_notes.map(|note| format!("{name}: {note}")));
            Ok(())
        })?;
        Ok(out)
    }

    /// Every candidate in `haystack`, valid or not, allow markers or not: (start, end,
    /// redacted form). What `scan::redact` replaces in free text.
    pub(crate) fn candidate_spans(&self, haystack: &[u8]) -> Vec<(usize, usize, String)> {
        self.candidates(haystack, None)
            .into_iter()
            .map(|c| (c.start, c.end, self.redacted(haystack, &c)))
            .collect()
    }

    /// The redacted form of a candidate's bytes.
    fn redacted(&self, haystack: &[u8], c: &Candidate) -> String {
        let bytes = &haystack[c.start..c.end];
        let rule = &self.rules.rules[c.rule];
        Secret::new(bytes, rule.public_prefix_len(bytes)).redacted()
    }

    /// A token the user names as such (`patrol verify TOKEN`, `patrol revoke TOKEN`): its
    /// finding if it is an offline-valid token of a known format, whole. A bare legacy token
    /// (40 hex, or `v1.` + 40 hex) needs a GitHub context in files; the user's naming it as a
    /// token is that context.
    pub(crate) fn identify(&self, token: &str) -> Option<Finding> {
        let whole = |text: &[u8]| {
            let window = Window {
                base: 0,
                lines: 0,
                column: 0,
                accept: (0, text.len()),
                binary: false,
            };
            self.scan_window(text, &Origin::Stdin, IDENTIFY, window)
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

    /// The prefilter, matcher and validation stages: every (rule, start) once, ordered by
    /// start; matches without their rule's word boundaries included (for redaction only).
    /// `origin` gives the input's path, for rules with path conditions.
    fn candidates(&self, haystack: &[u8], origin: Option<&Origin>) -> Vec<Candidate> {
        let mut out = Vec::new();
        let path = std::cell::OnceCell::new();
        // Built at the first keyword hit: most inputs (and most decoded stretches) have none.
        let mut matchers: Vec<RuleMatcher> = Vec::new();
        let emit = |ri: usize, found: Found, out: &mut Vec<Candidate>| {
            let rule = &self.rules.rules[ri];
            let (start, end) = found.secret;
            let bytes = &haystack[start..end];
            let mut verdict = validate(&rule.check, bytes, rule.public_prefix_len(bytes));
            // A candidate a rule's gates drop counts as one that failed its check.
            if !rule.gates.is_empty() && verdict.validation.is_valid() {
                let view = View {
                    haystack,
                    secret: found.secret,
                    whole: found.whole,
                    path: match (origin, path.get_or_init(|| origin.and_then(origin_path))) {
                        (_, Some(p)) => PathView::Known(p),
                        (Some(Origin::Blob { path: None, .. }), None) => PathView::Later,
                        _ => PathView::Absent,
                    },
                };
                if !rule.gates.pass(&view) {
                    verdict.validation = Validation::StructureInvalid;
                }
            }
            let end = start + verdict.len;
            let bounded = !rule.boundary || has_boundaries(haystack, start, end);
            out.push(Candidate {
                rule: ri,
                start,
                end,
                verdict,
                bounded,
            });
        };
        self.prefilter.for_each_hit(haystack, |hit| {
            if matchers.is_empty() {
                matchers = self.rules.rules.iter().map(RuleMatcher::new).collect();
            }
            for &ri in self.prefilter.owners(hit.keyword) {
                matchers[ri].hit(haystack, hit, &mut |m| emit(ri, m, &mut out));
            }
        });
        for (ri, m) in matchers.iter_mut().enumerate() {
            m.finish(haystack, &mut |m| emit(ri, m, &mut out));
        }
        out.sort_by_key(|c| (c.start, c.rule));
        // Two rules that prove the same bytes (a service-account file's key is also a private
        // key): the rule loaded first reports it, so built-in files are ordered from specific
        // to generic. Invalid candidates stay: they only matter for redaction.
        //
        // A rule of an imported config reports nothing that a rule of patrol's own examined
        // at the same bytes: where patrol's checksum says "placeholder", a gitleaks regex for
        // the same token does not get to say otherwise.
        // (Only built when some rule is imported: the common run pays nothing for it.)
        let native: std::collections::HashSet<(usize, usize)> = if self.any_imported {
            out.iter()
                .filter(|c| c.bounded && !self.rules.rules[c.rule].imported)
                .map(|c| (c.start, c.end))
                .collect()
        } else {
            std::collections::HashSet::new()
        };
        let mut last_valid: Option<(usize, usize)> = None;
        out.retain(|c| {
            if !c.verdict.validation.is_valid() || !c.bounded {
                return true;
            }
            if self.rules.rules[c.rule].imported && native.contains(&(c.start, c.end)) {
                return false;
            }
            let span = (c.start, c.end);
            if last_valid == Some(span) {
                return false;
            }
            last_valid = Some(span);
            true
        });
        out
    }

    /// Candidates in the decoded content of `haystack`, at every depth up to `depth`, placed
    /// at their encoded text in `haystack`. Only those a rule's boundaries hold, and none whose
    /// bytes stand in `haystack` as they are (the plain scan has those).
    ///
    /// `accept` (a window's, at the top level only): what is cut short inside a stretch that
    /// starts outside it is noted by the window that accepts that place, not by this one too.
    // The recursion's state is spelled out rather than bundled: each argument changes
    // differently between levels.
    #[allow(clippy::too_many_arguments)]
    fn decoded_candidates(
        &self,
        haystack: &[u8],
        whole: bool,
        origin: &Origin,
        depth: u8,
        budget: &mut Budget,
        seen: &mut DecodedSeen,
        accept: Option<(usize, usize)>,
    ) -> Vec<DecodedCandidate> {
        let mut out = Vec::new();
        for d in decode_all(haystack, whole, budget) {
            if let Some((lo, hi)) = accept {
                budget.quiet = !(lo..hi).contains(&d.span.0);
            }
            // The same encoded value again and again (a JWT header in every log line): its
            // candidates once. Their places are relative to the decoded bytes, so they hold
            // wherever the value stands.
            let found = match seen.get(&d.bytes) {
                Some(c) => c.clone(),
                None => {
                    let c = self.candidates(&d.bytes, Some(origin));
                    if d.bytes.len() <= SEEN_BYTES_MAX && seen.len() < SEEN_MAX {
                        seen.insert(d.bytes.clone(), c.clone());
                    }
                    c
                }
            };
            let outer = self.outer_context_candidates(haystack, d.span.0, &d.bytes, origin);
            for c in found.into_iter().chain(outer) {
                if !c.bounded {
                    continue;
                }
                let (start, end) = d.outer(c.start, c.end);
                let bytes = &d.bytes[c.start..c.end];
                if &haystack[start..end] == bytes {
                    continue;
                }
                out.push(DecodedCandidate {
                    rule: c.rule,
                    start,
                    end,
                    verdict: c.verdict,
                    bytes: bytes.to_vec(),
                    chain: vec![d.kind],
                });
            }
            if depth > 1 {
                let noted = budget.notes.kept().len();
                for mut c in
                    self.decoded_candidates(&d.bytes, true, origin, depth - 1, budget, seen, None)
                {
                    (c.start, c.end) = d.outer(c.start, c.end);
                    c.chain.insert(0, d.kind);
                    out.push(c);
                }
                // Notes from inside `d` are placed at its encoded text here.
                for (at, text) in &mut budget.notes.kept_mut()[noted..] {
                    *at = Some(d.span.0);
                    *text = format!("{} › {text}", d.kind.name());
                }
            }
        }
        if accept.is_some() {
            budget.quiet = false;
        }
        // One report per secret at one place, whichever way it was reached.
        out.sort_by(|a, b| {
            (a.start, a.rule, &a.bytes, a.chain.len()).cmp(&(
                b.start,
                b.rule,
                &b.bytes,
                b.chain.len(),
            ))
        });
        out.dedup_by(|b, a| a.start == b.start && a.rule == b.rule && a.bytes == b.bytes);
        out
    }

    /// Candidates in `decoded` (the decoded bytes of the stretch at `haystack[at..]`) that
    /// need the text before the stretch: a Kubernetes Secret's `AWS_SECRET_ACCESS_KEY:
    /// <base64>` or `GITHUB_TOKEN: <base64 of 40 hex>`, where the key name that a rule's
    /// `context` or pattern asks for is outside the encoded text. Scans the [`OUTER_CONTEXT`]
    /// bytes before the stretch, a line break, then `decoded` — only when those bytes hold a
    /// keyword, so most stretches cost one prefilter pass over 256 bytes — and keeps the
    /// candidates whose secret lies in `decoded`, placed in it. Those wholly before it are the
    /// plain scan's. The same distances as in plain text: a rule's `within` counts from the
    /// keyword to the decoded secret as if the decoded text stood in place of the encoded.
    /// (Gitleaks, decoding, also rescans the text around.)
    fn outer_context_candidates(
        &self,
        haystack: &[u8],
        at: usize,
        decoded: &[u8],
        origin: &Origin,
    ) -> Vec<Candidate> {
        let before = &haystack[at.saturating_sub(OUTER_CONTEXT)..at];
        let mut keyword = false;
        self.prefilter.for_each_hit(before, |_| keyword = true);
        if !keyword {
            return Vec::new();
        }
        // The line break keeps the last character before from joining the decoded text's first
        // into one word (`0x` before hex), where a rule's boundaries would then fail.
        let mut joined = Vec::with_capacity(before.len() + 1 + decoded.len());
        joined.extend_from_slice(before);
        joined.push(b'\n');
        joined.extend_from_slice(decoded);
        let off = before.len() + 1;
        let mut out = self.candidates(&joined, Some(origin));
        out.retain(|c| c.start >= off);
        for c in &mut out {
            c.start -= off;
            c.end -= off;
        }
        out
    }

    fn scan_window(
        &self,
        haystack: &[u8],
        origin: &Origin,
        options: ScanOptions,
        window: Window,
    ) -> ScanResult {
        #[cfg(debug_assertions)]
        inject_panic(haystack, origin);
        let mut out = ScanResult::default();
        let candidates = self.candidates(haystack, Some(origin));
        let decoded = if options.decode_depth > 0 {
            let mut budget = Budget::new(BUDGET);
            let d = self.decoded_candidates(
                haystack,
                window.base == 0,
                origin,
                options.decode_depth,
                &mut budget,
                &mut DecodedSeen::default(),
                Some(window.accept),
            );
            // A stream found inside an encoded stretch is named by the line of that stretch and
            // the chain that reached it ("line 12: base64 › zlib stream …"), so an auditor can
            // find what was cut short. One locator walks the places in order (sorted, as it
            // needs): a fresh one per note counted from the window's start each time, which
            // made a file of many cut-short streams quadratic (6 MB, 100,000 notes: 17 s).
            let mut notes = budget.notes;
            notes.sort_by_key(|&(at, _)| at);
            let mut locator = Locator::new(window);
            out.decode_notes = notes.map(|(at, text)| match at {
                None => text,
                Some(at) => format!("line {}: {text}", locator.locate(haystack, at).0),
            });
            d
        } else {
            Vec::new()
        };
        if candidates.is_empty() && decoded.is_empty() {
            return out;
        }
        // Plain and decoded candidates alike, in the order of their place in the input.
        struct Item<'a> {
            rule: usize,
            start: usize,
            /// Where its text in the input ends (the encoded text's, for a decoded one).
            end: usize,
            verdict: &'a Verdict,
            bytes: &'a [u8],
            chain: &'a [Kind],
        }
        let mut items: Vec<Item> = candidates
            .iter()
            .filter(|c| c.bounded)
            .map(|c| Item {
                rule: c.rule,
                start: c.start,
                end: c.end,
                verdict: &c.verdict,
                bytes: &haystack[c.start..c.end],
                chain: &[],
            })
            .chain(decoded.iter().map(|c| Item {
                rule: c.rule,
                start: c.start,
                end: c.end,
                verdict: &c.verdict,
                bytes: &c.bytes,
                chain: &c.chain,
            }))
            .collect();
        items.sort_by_key(|i| (i.start, !i.chain.is_empty()));
        let mut locator = Locator::new(window);
        let mut markers = LineMarkers::default();
        let mut kept: Vec<(Finding, usize, bool)> = Vec::new();
        for c in &items {
            if c.start < window.accept.0 || c.start >= window.accept.1 {
                continue;
            }
            if !c.verdict.validation.is_valid() && !options.show_invalid {
                out.invalid += 1;
                continue;
            }
            let marker = if options.ignore_allow_markers {
                None
            } else {
                markers.marker(haystack, c.start)
            };
            let rule = &self.rules.rules[c.rule];
            let secret = Secret::new(c.bytes, rule.public_prefix_len(c.bytes));
            let (line, column) = locator.locate(haystack, c.start);
            let finding = Finding {
                rule: rule.id.clone(),
                rule_name: rule.name.clone(),
                origin: origin.clone(),
                line,
                column,
                offset: window.base + c.start as u64,
                fingerprint: secret.fingerprint(),
                secret,
                validation: c.verdict.validation,
                details: c.verdict.details.clone(),
                binary: window.binary,
                provenance: None,
                context: String::new(),
                verification: None,
                suppression: marker.map(|marker| Suppression::Marker { marker }),
                decoded: c.chain.iter().map(|k| k.name()).collect(),
                unpacked: Vec::new(),
                repository: None,
            };
            kept.push((finding, c.end, marker.is_some()));
        }
        let spans = redact::Spans::new(
            candidates
                .iter()
                .map(|c| (c.start, c.end, self.redacted(haystack, c)))
                .chain(decoded.iter().map(|c| {
                    let rule = &self.rules.rules[c.rule];
                    let shown = Secret::new(&c.bytes, rule.public_prefix_len(&c.bytes));
                    (c.start, c.end, shown.redacted())
                }))
                .collect(),
        );
        for (mut f, end, suppressed) in kept {
            let start = (f.offset - window.base) as usize;
            f.context = redact::context_line(haystack, start, end, &spans);
            if suppressed {
                out.suppressed.push(f);
            } else {
                out.findings.push(f);
            }
        }
        out
    }
}

/// The path of an input, for rules with path conditions: files, staged and committed blobs.
fn origin_path(origin: &Origin) -> Option<Vec<u8>> {
    match origin {
        Origin::File(p) => Some(p.to_string_lossy().into_owned().into_bytes()),
        Origin::Staged { path }
        | Origin::Blob {
            path: Some(path), ..
        } => Some(path.clone().into_bytes()),
        _ => None,
    }
}

/// Debug builds only, for the integration tests of panic containment: a panic while scanning an
/// input whose path contains `PATROL_DEBUG_PANIC`, with the input's first bytes in the
/// message (as a real bug's message might quote them).
#[cfg(debug_assertions)]
fn inject_panic(haystack: &[u8], origin: &Origin) {
    if let Some(p) = std::env::var_os("PATROL_DEBUG_PANIC") {
        let p = p.to_string_lossy();
        if !p.is_empty() && origin.display_path().contains(p.as_ref()) {
            let head = String::from_utf8_lossy(&haystack[..haystack.len().min(200)]);
            panic!("injected panic while scanning: {head}");
        }
    }
}

/// `identify` reports a token whatever its line says: the user named it.
const IDENTIFY: ScanOptions = ScanOptions {
    show_invalid: false,
    ignore_allow_markers: true,
    decode_depth: 0,
};

/// A layer as a note names it: `member 'a/b.yml'`, `gzip stream`.
fn layer_name(layer: &Layer) -> String {
    match layer {
        Layer::Member(path) => format!("member '{path}'"),
        Layer::Stream(kind) => format!("{kind} stream"),
    }
}

/// Counts the bytes read from an input (through any container unpacked from it).
struct CountedRead<'a> {
    inner: &'a mut dyn Read,
    n: u64,
}

impl Read for CountedRead<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.n += n as u64;
        Ok(n)
    }
}

/// A NUL byte in the first 8 KiB: the input is treated as binary (reported with byte offsets).
fn looks_binary(bytes: &[u8]) -> bool {
    memchr::memchr(0, &bytes[..bytes.len().min(8192)]).is_some()
}

/// Reads from `input` until `buf` holds `size` bytes or the input ends; true at the end.
fn fill(input: &mut dyn Read, buf: &mut Vec<u8>, size: usize) -> io::Result<bool> {
    // Room for the whole window up front (once per buffer: callers reuse it), so that reading
    // never grows the buffer past it; the pages are touched only as bytes arrive.
    buf.reserve_exact(size.saturating_sub(buf.len()));
    let want = size.saturating_sub(buf.len()) as u64;
    let got = input.take(want).read_to_end(buf)?;
    Ok((got as u64) < want)
}

/// Characters in `bytes`, each byte of an invalid UTF-8 sequence counting as one.
fn char_count(bytes: &[u8]) -> u64 {
    if bytes.is_ascii() {
        return bytes.len() as u64;
    }
    bytes
        .utf8_chunks()
        .map(|c| (c.valid().chars().count() + c.invalid().len()) as u64)
        .sum()
}

/// Turns offsets into 1-based (line, column), counting incrementally so that many findings in
/// one input — or on one line megabytes long — cost one pass, not one pass each.
struct Locator {
    window: Window,
    /// Up to where newlines and characters have been counted.
    offset: usize,
    /// Newlines in the window before `offset`.
    lines: u64,
    /// Start of the line holding `offset`, and the characters from it to `offset`.
    line_start: usize,
    column: u64,
}

impl Locator {
    fn new(window: Window) -> Locator {
        Locator {
            window,
            offset: 0,
            lines: 0,
            line_start: 0,
            column: 0,
        }
    }

    /// Offsets must not decrease between calls.
    fn locate(&mut self, haystack: &[u8], offset: usize) -> (u64, u64) {
        let gap = &haystack[self.offset..offset];
        match memchr::memrchr(b'\n', gap) {
            Some(i) => {
                self.lines += memchr::memchr_iter(b'\n', gap).count() as u64;
                self.line_start = self.offset + i + 1;
                self.column = char_count(&haystack[self.line_start..offset]);
            }
            None => self.column += char_count(gap),
        }
        self.offset = offset;
        let first_line = self.lines == 0;
        let line = self.window.lines + self.lines + 1;
        let column = if first_line {
            self.window.column + self.column
        } else {
            self.column
        };
        (line, column + 1)
    }
}

/// The allow marker of the line holding an offset, looked up once per line.
#[derive(Default)]
struct LineMarkers {
    /// The line last looked up: [start, end) and its marker.
    line: Option<(usize, usize, Option<&'static str>)>,
}

impl LineMarkers {
    fn marker(&mut self, haystack: &[u8], offset: usize) -> Option<&'static str> {
        if let Some((s, e, m)) = self.line {
            if offset >= s && offset < e.max(s + 1) {
                return m;
            }
        }
        let start = memchr::memrchr(b'\n', &haystack[..offset]).map_or(0, |i| i + 1);
        let end = memchr::memchr(b'\n', &haystack[offset..]).map_or(haystack.len(), |i| offset + i);
        let m = marker_on_line(&haystack[start..end]);
        self.line = Some((start, end, m));
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::load_rules;

    fn scanner() -> Scanner {
        Scanner::new(
            load_rules(true, &[] as &[&str]).unwrap(),
            ScanOptions::default(),
        )
    }

    /// A generated classic token: body + base62(CRC-32(body)), computed here independently.
    fn token(seed: u8) -> String {
        let body: String = (0..30)
            .map(|i: u8| {
                (b'a' + seed.wrapping_mul(7).wrapping_add(i.wrapping_mul(13)) % 26) as char
            })
            .collect();
        let mut n = crc32fast::hash(body.as_bytes());
        let alphabet = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        let mut check = [b'0'; 6];
        for slot in check.iter_mut().rev() {
            *slot = alphabet[(n % 62) as usize];
            n /= 62;
        }
        format!("ghp_{body}{}", String::from_utf8_lossy(&check))
    }

    /// Windows report what a whole scan reports, with the same lines, columns and offsets,
    /// whatever falls on a window boundary (a token, a long line, a multi-byte character).
    #[test]
    fn windows_agree_with_a_whole_scan() {
        let s = scanner();
        let mut text = Vec::new();
        let mut i = 0u8;
        while text.len() < 3 * WINDOW {
            text.extend_from_slice("é line ".repeat(i as usize % 50).as_bytes());
            text.extend_from_slice(token(i).as_bytes());
            // Every few tokens a line so long that it spans windows.
            let filler = if i % 7 == 0 { OVERLAP + 1000 } else { 3000 };
            text.extend(std::iter::repeat_n(b'x', filler));
            text.push(b'\n');
            i = i.wrapping_add(1);
        }
        let whole = s.scan(&text, &Origin::Stdin);
        let mut buf = Vec::new();
        let (streamed, n) = s
            .scan_reader(&mut text.as_slice(), &Origin::Stdin, &mut buf)
            .unwrap();
        assert_eq!(n, text.len() as u64);
        let key = |f: &Finding| (f.offset, f.line, f.column, f.fingerprint.clone());
        let a: Vec<_> = whole.findings.iter().map(key).collect();
        let b: Vec<_> = streamed.findings.iter().map(key).collect();
        assert!(a.len() > 100, "{}", a.len());
        assert_eq!(a, b);
        assert!(buf.capacity() <= WINDOW + OVERLAP, "{}", buf.capacity());
    }

    #[test]
    fn columns_on_one_long_line_are_counted_once() {
        let s = scanner();
        let line: String = (0..2000)
            .map(|i| format!("{} é ", token(i as u8)))
            .collect();
        let r = s.scan(line.as_bytes(), &Origin::Stdin);
        assert_eq!(r.findings.len(), 2000);
        for (i, f) in r.findings.iter().enumerate() {
            assert_eq!(f.line, 1);
            assert_eq!(f.column, i as u64 * 43 + 1);
        }
    }
}
