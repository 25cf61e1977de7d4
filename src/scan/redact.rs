//! Redaction, in one place. Every string that may carry a secret passes through here before a
//! report writer sees it: a finding's context line (built here from the scanned bytes), paths,
//! commit summaries and authors, facts decoded from tokens, a server's reasons and logins,
//! error messages and skipped paths. The redacted *form* of a secret is [`Secret::redacted`]:
//! the public prefix and four characters, then `…`.
//!
//! What is masked:
//! - every candidate the scanner sees in the text itself, valid or not, so a token in a commit
//!   summary or a file name is masked even where it is not reported;
//! - every secret already found, exactly (one Aho-Corasick pass however many there are);
//! - in a server's answer about one token ([`Redactor::for_secret`]), any run of
//!   [`ECHO_RUN`] or more characters of that token, in any case: servers echo what they get,
//!   sometimes upper-cased or cut short, and the checksum would let a reader restore the few
//!   characters missing from a partial echo.

use std::borrow::Cow;
use std::sync::Arc;

use super::outcome::Outcome;
use super::scanner::Scanner;
use crate::finding::{Finding, Origin, Secret};

/// `text` (an error, a warning, a panic message) with every candidate of the built-in rules
/// redacted: for messages printed before or outside a scan, where no scanner of the run is at
/// hand. The built-in rules are compiled once, on first use.
pub(crate) fn redact_message(text: &str) -> String {
    static BUILTIN: std::sync::OnceLock<Option<Scanner>> = std::sync::OnceLock::new();
    let scanner = BUILTIN.get_or_init(|| {
        crate::rules::load_rules(true, &[] as &[&str])
            .ok()
            .map(|rules| Scanner::new(rules, super::ScanOptions::default()))
    });
    match scanner {
        Some(s) => Redactor::new(s).redact(text).into_owned(),
        None => text.to_string(),
    }
}

/// Shortest run of a token's characters, echoed by a server, that is masked.
pub(crate) const ECHO_RUN: usize = 8;

/// Redacts free text; see the module docs.
pub(crate) struct Redactor<'s> {
    scanner: Option<&'s Scanner>,
    /// Secrets found, with their redacted forms, and the index over them (built when the
    /// first text is redacted).
    known: Vec<(String, String)>,
    index: std::sync::OnceLock<Option<KnownIndex>>,
    /// A token sent to a server: runs of it are masked case-insensitively.
    echoed: Option<Secret>,
}

impl<'s> Redactor<'s> {
    /// Masks every candidate `scanner` finds in the text.
    pub(crate) fn new(scanner: &'s Scanner) -> Redactor<'s> {
        Redactor {
            scanner: Some(scanner),
            known: Vec::new(),
            index: std::sync::OnceLock::new(),
            echoed: None,
        }
    }

    /// Masks `secret` — a token sent to a server, whose answer may echo it whole, in another
    /// case or cut short.
    pub(crate) fn for_secret(secret: &str) -> Redactor<'static> {
        let s = Secret::new(secret.as_bytes(), 0);
        Redactor {
            scanner: None,
            known: vec![(s.expose().to_string(), s.redacted())],
            index: std::sync::OnceLock::new(),
            echoed: Some(s),
        }
    }

    /// Also masks every secret of `findings`.
    pub(crate) fn with_findings<'f>(
        mut self,
        findings: impl IntoIterator<Item = &'f Finding>,
    ) -> Self {
        let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
        let found: Vec<&Finding> = findings.into_iter().collect();
        for f in &found {
            let s = f.secret.expose();
            if !s.is_empty() && seen.insert(s) {
                self.known.push((s.to_string(), f.secret.redacted()));
            }
        }
        self
    }

    fn index(&self) -> Option<&KnownIndex> {
        self.index
            .get_or_init(|| KnownIndex::new(&self.known))
            .as_ref()
    }

    /// `text` with every candidate, every known secret and every echo of the token replaced
    /// by its redacted form.
    pub(crate) fn redact<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut out: Cow<str> = Cow::Borrowed(text);
        if let Some(scanner) = self.scanner {
            let spans = scanner.candidate_spans(out.as_bytes());
            if !spans.is_empty() {
                out = Cow::Owned(splice(&out, &spans));
            }
        }
        if let Some(masked) = self.index().and_then(|i| i.mask(&out, &self.known)) {
            out = Cow::Owned(masked);
        }
        if let Some(token) = &self.echoed {
            if let Some(masked) = mask_echoes(&out, token) {
                out = Cow::Owned(masked);
            }
        }
        out
    }

    fn redact_in_place(&self, s: &mut String) {
        if let Cow::Owned(r) = self.redact(s) {
            *s = r;
        }
    }

    /// Redacts, in place, every string of `outcome` that came from the scanned input or a
    /// server and is shown beside findings: paths, commit authors and summaries, facts decoded
    /// from tokens, what a liveness check answered, errors and skipped paths.
    pub(crate) fn apply(&self, outcome: &mut Outcome) {
        // Findings come sorted by origin: one input's many findings share its redacted path.
        let mut last: Option<(Origin, Origin)> = None;
        // The repository label (a remote's path could name a token): one per repository.
        let mut labels: std::collections::HashMap<Arc<str>, Arc<str>> =
            std::collections::HashMap::new();
        for f in outcome.findings.iter_mut().chain(&mut outcome.suppressed) {
            if let Some(repo) = &f.repository {
                let redacted = labels
                    .entry(repo.clone())
                    .or_insert_with(|| self.redact(repo).into())
                    .clone();
                f.repository = Some(redacted);
            }
            match &last {
                Some((raw, redacted)) if *raw == f.origin => {
                    f.origin = redacted.clone();
                    self.apply_rest(f);
                }
                _ => {
                    let raw = f.origin.clone();
                    self.apply_finding(f);
                    last = Some((raw, f.origin.clone()));
                }
            }
        }
        for p in &mut outcome.errors {
            self.redact_in_place(&mut p.path);
            self.redact_in_place(&mut p.message);
        }
        for (path, reason) in &mut outcome.skipped {
            self.redact_in_place(path);
            // A note on unpacking names archive members: paths from the scanned input.
            if let super::outcome::SkipReason::Decoding(note)
            | super::outcome::SkipReason::Reported { why: note, .. } = reason
            {
                self.redact_in_place(note);
            }
        }
        if let Some(unused) = &mut outcome.baseline_unused {
            for e in unused {
                self.redact_in_place(&mut e.path);
            }
        }
    }

    fn apply_finding(&self, f: &mut Finding) {
        self.apply_origin(&mut f.origin);
        self.apply_rest(f);
    }

    fn apply_origin(&self, origin: &mut Origin) {
        match origin {
            Origin::File(p) => {
                if let Cow::Owned(r) = self.redact(&p.to_string_lossy()) {
                    *p = r.into();
                }
            }
            Origin::Staged { path } => self.redact_in_place(path),
            Origin::Blob {
                path: Some(path), ..
            } => self.redact_in_place(path),
            Origin::Blob { path: None, .. } | Origin::Stdin | Origin::Message { .. } => {}
        }
    }

    /// Everything of `f` but its origin.
    fn apply_rest(&self, f: &mut Finding) {
        for (_, v) in &mut f.details {
            self.redact_in_place(v);
        }
        for layer in &mut f.unpacked {
            if let crate::finding::Layer::Member(path) = layer {
                self.redact_in_place(path);
            }
        }
        if let Some(p) = f.provenance.as_mut() {
            for c in p.commit.iter_mut().chain(p.removed_in.as_mut()) {
                self.redact_in_place(&mut c.author);
                self.redact_in_place(&mut c.summary);
            }
            for path in &mut p.other_paths {
                self.redact_in_place(path);
            }
            if let Some(l) = p.links.as_mut() {
                self.redact_in_place(&mut l.commit);
                for line in l.line.iter_mut() {
                    self.redact_in_place(line);
                }
            }
        }
        if let Some(v) = f.verification.as_mut() {
            for s in [&mut v.reason, &mut v.login, &mut v.sso, &mut v.expires_at]
                .into_iter()
                .flatten()
            {
                self.redact_in_place(s);
            }
        }
    }
}

/// The secrets found, looked up by their bytes. A text is read once: where a position's first
/// [`KnownIndex::key_len`] bytes begin a secret, the longest secret that starts there is
/// replaced, and the search goes on after it (leftmost, then longest: a secret that contains
/// another is masked whole). A hash index rather than an Aho-Corasick automaton: building one
/// over the 200,000 secrets of a finding-dense input took seconds (failure transitions over
/// millions of states), and the texts redacted are short. A position costs one lookup per
/// distinct length of the secrets that share its first bytes, never one comparison per
/// secret: an input can hold thousands of secrets that begin alike (`AKIAAAAA…`), and commit
/// summaries or paths can hold them too. The hash is the standard library's keyed one: the
/// secrets are the scanned input's bytes.
struct KnownIndex {
    /// The shortest secret's length, at most 8: the bytes of a key.
    key_len: usize,
    /// Bytes that begin a secret: other positions cost one table lookup.
    first: [bool; 256],
    /// A key → the lengths of the secrets that begin with it, longest first, each once.
    lengths: std::collections::HashMap<u64, Vec<usize>>,
    /// A secret → its place in the known list (the first of equal ones).
    exact: std::collections::HashMap<Box<[u8]>, usize>,
}

impl KnownIndex {
    /// `None` if there is nothing to mask (an empty secret masks nothing).
    fn new(known: &[(String, String)]) -> Option<KnownIndex> {
        let key_len = known
            .iter()
            .map(|(s, _)| s.len())
            .filter(|&n| n > 0)
            .min()?
            .min(8);
        let mut first = [false; 256];
        let mut lengths: std::collections::HashMap<u64, Vec<usize>> =
            std::collections::HashMap::new();
        let mut exact = std::collections::HashMap::with_capacity(known.len());
        for (k, (s, _)) in known.iter().enumerate().filter(|(_, (s, _))| !s.is_empty()) {
            let b = s.as_bytes();
            first[usize::from(b[0])] = true;
            lengths
                .entry(Self::key(&b[..key_len]))
                .or_default()
                .push(b.len());
            exact.entry(b.into()).or_insert(k);
        }
        for list in lengths.values_mut() {
            list.sort_unstable_by(|a, b| b.cmp(a));
            list.dedup();
        }
        Some(KnownIndex {
            key_len,
            first,
            lengths,
            exact,
        })
    }

    fn key(bytes: &[u8]) -> u64 {
        let mut k = [0u8; 8];
        k[..bytes.len()].copy_from_slice(bytes);
        u64::from_le_bytes(k)
    }

    /// The longest secret that starts at `b[i..]`, as its place in the known list.
    fn at(&self, b: &[u8], i: usize) -> Option<usize> {
        if !self.first[usize::from(b[i])] {
            return None;
        }
        let lengths = self.lengths.get(&Self::key(&b[i..i + self.key_len]))?;
        lengths
            .iter()
            .filter(|&&n| i + n <= b.len())
            .find_map(|&n| self.exact.get(&b[i..i + n]).copied())
    }

    /// `text` with every secret of `known` in it replaced by its redacted form; `None` if it
    /// holds none.
    fn mask(&self, text: &str, known: &[(String, String)]) -> Option<String> {
        let b = text.as_bytes();
        let mut out: Option<String> = None;
        let (mut at, mut i) = (0, 0);
        while i + self.key_len <= b.len() {
            let Some(k) = self.at(b, i) else {
                i += 1;
                continue;
            };
            // A secret is valid UTF-8, so it begins and ends on character boundaries.
            let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
            o.push_str(&text[at..i]);
            o.push_str(&known[k].1);
            i += known[k].0.len();
            at = i;
        }
        out.map(|mut o| {
            o.push_str(&text[at..]);
            o
        })
    }
}

/// `text` with each span (start, end, replacement) replaced; overlapping spans are merged
/// into the first.
fn splice(text: &str, spans: &[(usize, usize, String)]) -> String {
    let mut spans: Vec<&(usize, usize, String)> = spans.iter().collect();
    spans.sort_by_key(|(s, e, _)| (*s, std::cmp::Reverse(*e)));
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (s, e, r) in spans {
        if *s < at {
            // Overlaps the span just replaced: extend that one's reach.
            at = at.max(*e);
            continue;
        }
        out.push_str(&String::from_utf8_lossy(&text.as_bytes()[at..*s]));
        out.push_str(r);
        at = *e;
    }
    out.push_str(&String::from_utf8_lossy(
        &text.as_bytes()[at.min(text.len())..],
    ));
    out
}

/// Masks every run of [`ECHO_RUN`] or more characters of `token` in `text`, compared ASCII
/// case-insensitively; `None` if there is none.
fn mask_echoes(text: &str, token: &Secret) -> Option<String> {
    let t = token.expose().as_bytes();
    let b = text.as_bytes();
    if t.len() < ECHO_RUN || b.len() < ECHO_RUN {
        return None;
    }
    // The longest common run starting at each position of `text`: a table of the previous
    // row only (text × token, both short: reasons are cut to a few hundred bytes).
    let mut spans: Vec<(usize, usize, String)> = Vec::new();
    let mut prev = vec![0usize; t.len() + 1];
    let mut cur = vec![0usize; t.len() + 1];
    let mut best_end_at: Vec<usize> = vec![0; b.len() + 1];
    for i in 1..=b.len() {
        for j in 1..=t.len() {
            cur[j] = if b[i - 1].eq_ignore_ascii_case(&t[j - 1]) {
                prev[j - 1] + 1
            } else {
                0
            };
            best_end_at[i] = best_end_at[i].max(cur[j]);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    let mut i = b.len();
    while i > 0 {
        let run = best_end_at[i];
        if run >= ECHO_RUN {
            spans.push((i - run, i, token.redacted()));
            i -= run;
        } else {
            i -= 1;
        }
    }
    if spans.is_empty() {
        return None;
    }
    Some(splice(text, &spans))
}

/// Characters of context kept on each side of a secret: enough to recognise the line, bounded
/// for minified files whose single line is megabytes long.
const CONTEXT_CHARS: usize = 60;

/// Every candidate of an input, sorted by start, with its redacted form; and the longest, so
/// that the candidates overlapping a range are found by binary search.
pub(crate) struct Spans {
    spans: Vec<(usize, usize, String)>,
    longest: usize,
    /// The [`FRAGMENT`]-byte runs of every candidate's text in the input, built at the first
    /// context line that needs them and shared by all (`None`: too many distinct candidates;
    /// each context line then takes those of its neighbourhood, [`Spans::near_grams`]).
    grams: std::sync::OnceLock<Option<Grams>>,
    /// The last neighbourhood's runs and its bounds: context lines come in the order of their
    /// findings, so the many lines of one stretch of a finding-dense input share one set.
    near: std::cell::RefCell<Option<((usize, usize), Grams)>>,
}

/// A set of [`FRAGMENT`]-byte runs, each packed into an integer: a context line looks up every
/// position of its text, and a finding-dense input has tens of thousands of context lines. The
/// hash stays the standard library's keyed one: the runs are the scanned input's bytes, and a
/// hash an input could aim collisions at would make this quadratic.
type Grams = std::collections::HashSet<u128>;

/// More distinct candidate texts than this in one input, and the fragments are collected per
/// neighbourhood instead (bounded memory: about 30 runs per candidate).
const SHARED_GRAMS_MAX: usize = 20_000;

/// At most this many bytes of candidate text are taken into one neighbourhood's set (a bound
/// on memory and work if an input's candidates are huge; a neighbourhood of finding-dense text
/// holds about `4 * NEAR` bytes of them).
const NEAR_BYTES_MAX: usize = 256 << 10;

/// A [`FRAGMENT`]-byte run as a key.
fn gram(run: &[u8]) -> u128 {
    let mut k = [0u8; 16];
    k[..FRAGMENT].copy_from_slice(&run[..FRAGMENT]);
    u128::from_le_bytes(k)
}

fn grams_of<'a>(texts: impl Iterator<Item = &'a [u8]>) -> Grams {
    let mut set = Grams::default();
    for t in texts {
        set.extend(t.windows(FRAGMENT).map(gram));
    }
    set
}

impl Spans {
    pub(crate) fn new(mut spans: Vec<(usize, usize, String)>) -> Spans {
        spans.sort_by_key(|(s, e, _)| (*s, *e));
        let longest = spans.iter().map(|(s, e, _)| e - s).max().unwrap_or(0);
        Spans {
            spans,
            longest,
            grams: std::sync::OnceLock::new(),
            near: std::cell::RefCell::new(None),
        }
    }

    /// The runs of the candidates near `[from, to)`: at least those within [`NEAR`] bytes of
    /// it. A set covers the [`NEAR_BLOCK`]-aligned blocks that hold the line, and [`NEAR`]
    /// more on each side; it is kept, and serves each following line whose neighbourhood it
    /// covers (context lines come in the order of their findings, so the lines of one block
    /// share one set: building a set for each line cost 0.13 to 0.4 ms a finding in
    /// finding-dense inputs). Which set serves a line thus depends on the lines before it, but
    /// every set that serves holds the line's own neighbourhood. Overlapping candidates are
    /// taken as the one stretch of text they cover, so each byte is added once; past
    /// [`NEAR_BYTES_MAX`] bytes of text (huge candidates), those nearest the line that built
    /// the set are taken first, and the cut holds for the lines that share it.
    fn near_grams(&self, haystack: &[u8], from: usize, to: usize) -> std::cell::Ref<'_, Grams> {
        let lo = (from / NEAR_BLOCK * NEAR_BLOCK).saturating_sub(NEAR);
        let hi = to
            .div_ceil(NEAR_BLOCK)
            .saturating_mul(NEAR_BLOCK)
            .saturating_add(NEAR);
        let (need_lo, need_hi) = (from.saturating_sub(NEAR), to.saturating_add(NEAR));
        let fresh = self
            .near
            .borrow()
            .as_ref()
            .is_some_and(|((l, h), _)| *l <= need_lo && need_hi <= *h);
        if !fresh {
            // The text the candidates cover, overlapping ones joined.
            let mut stretches: Vec<(usize, usize)> = Vec::new();
            for (s, e, _) in self.overlapping(lo, hi) {
                match stretches.last_mut() {
                    Some((_, end)) if *s < *end => *end = (*end).max(*e),
                    _ => stretches.push((*s, *e)),
                }
            }
            let covered: usize = stretches.iter().map(|(s, e)| e - s).sum();
            if covered > NEAR_BYTES_MAX {
                // Huge candidates: those nearest the line that asked come first.
                stretches.sort_by_key(|&(s, e)| {
                    if e <= from {
                        from - e
                    } else {
                        s.saturating_sub(to)
                    }
                });
            }
            let mut set = Grams::with_capacity(covered.min(NEAR_BYTES_MAX));
            let mut left = NEAR_BYTES_MAX;
            for (s, e) in stretches {
                let e = e.min(s + left);
                if e >= s + FRAGMENT {
                    set.extend(haystack[s..e].windows(FRAGMENT).map(gram));
                }
                left -= e - s;
                if left == 0 {
                    break;
                }
            }
            *self.near.borrow_mut() = Some(((lo, hi), set));
        }
        std::cell::Ref::map(self.near.borrow(), |near| {
            &near.as_ref().expect("built above").1
        })
    }

    /// The runs of every candidate's text, if there are few enough distinct ones to share.
    fn shared_grams(&self, haystack: &[u8]) -> Option<&Grams> {
        self.grams
            .get_or_init(|| {
                let distinct: std::collections::HashSet<&[u8]> = self
                    .spans
                    .iter()
                    .map(|(s, e, _)| &haystack[*s..*e])
                    .collect();
                (distinct.len() <= SHARED_GRAMS_MAX).then(|| grams_of(distinct.into_iter()))
            })
            .as_ref()
    }

    /// The spans that overlap `[from, to)`.
    fn overlapping(&self, from: usize, to: usize) -> impl Iterator<Item = &(usize, usize, String)> {
        let first = self
            .spans
            .partition_point(|(s, _, _)| s.saturating_add(self.longest) < from);
        self.spans[first..]
            .iter()
            .take_while(move |(s, _, _)| *s < to)
            .filter(move |(_, e, _)| *e > from)
    }
}

/// The context line of the secret at `haystack[start..end]`: its line, clipped to about
/// [`CONTEXT_CHARS`] on each side, with every candidate in it redacted. A candidate the clip
/// would cut is taken whole, then redacted; a word the clip would cut is left out, so no part
/// of a neighbouring secret shows, known to the rules or not. Costs O(context), not O(line).
pub(crate) fn context_line(haystack: &[u8], start: usize, end: usize, spans: &Spans) -> String {
    let lo = start.saturating_sub(CONTEXT_CHARS * 4);
    let line_start = memchr::memrchr(b'\n', &haystack[lo..start]).map_or(lo, |i| lo + i + 1);
    let hi = haystack.len().min(end.saturating_add(CONTEXT_CHARS * 4));
    let line_end = memchr::memchr(b'\n', &haystack[end..hi]).map_or(hi, |i| end + i);
    let mut from = clip_back(haystack, line_start, start);
    let mut to = clip_forward(haystack, end, line_end);
    // Take whole any candidate the clip cuts (it is redacted below), repeating while the
    // widened range cuts another.
    loop {
        let mut moved = false;
        for (s, e, _) in spans.overlapping(from, to) {
            if *s < from {
                from = *s;
                moved = true;
            }
            if *e > to {
                to = *e;
                moved = true;
            }
        }
        if !moved {
            break;
        }
    }
    // A word cut by the clip is dropped: it may be part of a secret no rule knows.
    let cut_before = from > line_start && is_token_char(haystack[from - 1]);
    if cut_before {
        while from < start && is_token_char(haystack[from]) {
            from += 1;
        }
    }
    let cut_after = to < line_end && is_token_char(haystack[to]);
    if cut_after {
        while to > end && is_token_char(haystack[to - 1]) {
            to -= 1;
        }
    }
    // A fragment of a candidate (a truncated copy in a log line, say) is not shown either:
    // any candidate of the input where they are few, else those near the line.
    let near;
    let grams = match spans.shared_grams(haystack) {
        Some(g) => g,
        None => {
            near = spans.near_grams(haystack, from, to);
            &*near
        }
    };
    // The line's own text is masked; the redacted forms put in place of candidates are not
    // (they are a secret's prefix, on purpose). A fragment is looked for across the end of
    // a stretch of text and the shown prefix of the redacted form that follows it: the two
    // together must not spell a run of a secret either.
    let raw = |bytes: &[u8], next: &str| {
        let shown = next.split('…').next().unwrap_or("");
        mask_secret_looking(&mask_fragments(
            &String::from_utf8_lossy(bytes),
            shown,
            grams,
        ))
    };
    let mut text = String::new();
    if cut_before || from > line_start {
        text.push('…');
    }
    let mut at = from;
    for (s, e, redacted) in spans.overlapping(from, to) {
        if *s < at {
            // Overlapping candidates (a plain token inside a base64 stretch that also decodes
            // to one): the rest of this one is hidden with the first's redacted form.
            at = at.max(*e);
            continue;
        }
        text.push_str(&raw(&haystack[at..*s], redacted));
        text.push_str(redacted);
        at = *e;
    }
    text.push_str(&raw(&haystack[at..to.max(at)], ""));
    let mut text = text.trim_end_matches('\r').to_string();
    if cut_after || to < line_end {
        text.push('…');
    }
    text
}

/// How far around a context line [`mask_fragments`] looks for secrets whose fragments it masks.
const NEAR: usize = 4096;

/// Context lines whose text lies in one block of this size share one neighbourhood: the
/// block and [`NEAR`] on each side (see [`Spans::near_grams`]).
const NEAR_BLOCK: usize = 4 * NEAR;

/// Length of the fragments of a secret [`mask_fragments`] masks.
const FRAGMENT: usize = 12;

/// `text` with every run of [`FRAGMENT`] or more bytes that occurs in one of `secrets`
/// replaced by `…`. `after` is what will be shown right after `text` (the visible prefix of a
/// redacted secret): a run that crosses into it is masked too, on `text`'s side, as `after`
/// itself is shown. Runs are found through the secrets' 12-byte windows, so the cost is one set
/// lookup per position of the (short) text.
fn mask_fragments(text: &str, after: &str, grams: &Grams) -> String {
    let b = [text.as_bytes(), after.as_bytes()].concat();
    if b.len() < FRAGMENT || text.is_empty() || grams.is_empty() {
        return text.to_string();
    }
    let mut masked = vec![false; b.len()];
    let mut any = false;
    // Windows that start in `text`; those wholly inside `after` are its business.
    for i in 0..text.len().min(b.len() - FRAGMENT + 1) {
        if grams.contains(&gram(&b[i..i + FRAGMENT])) {
            masked[i..i + FRAGMENT].iter_mut().for_each(|m| *m = true);
            any = true;
        }
    }
    if !any {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut in_run = false;
    for (i, c) in text.char_indices() {
        if masked[i] {
            if !in_run {
                out.push('…');
                in_run = true;
            }
        } else {
            out.push(c);
            in_run = false;
        }
    }
    out
}

/// Shortest word that [`mask_secret_looking`] considers.
const SECRET_LOOKING: usize = 20;

/// `text` with every word that looks like a secret shortened to its first four characters and
/// `…`: 20 or more letters, digits, `_`, `-` or `+`, with at least two letters and two digits. Context lines
/// are there to recognise a line, and a secret no rule knows — or one glued to text so that
/// its rule rejects it — must not be printed whole beside one that was found. Identifiers
/// (letters only), numbers and prose are left alone.
fn mask_secret_looking(text: &str) -> String {
    // Token alphabets without the separators that also join code (`=`, `/`, `.`): a path or
    // `KEY=value` is judged word by word.
    let is_word = |c: char| c.is_ascii_alphanumeric() || "_-+".contains(c);
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let digits = word.bytes().filter(u8::is_ascii_digit).count();
        let letters = word.bytes().filter(u8::is_ascii_alphabetic).count();
        if word.len() >= SECRET_LOOKING && digits >= 2 && letters >= 2 {
            out.push_str(&word[..4]);
            out.push('…');
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if is_word(c) {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// Characters that tokens are made of: a clip between two of them cuts a word.
fn is_token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"_-+/=.".contains(&b) || b >= 0x80
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

#[cfg(test)]
mod tests {
    use super::*;

    fn span(text: &str, needle: &str, redacted: &str) -> (usize, usize, String) {
        let s = text.find(needle).unwrap();
        (s, s + needle.len(), redacted.to_string())
    }

    /// A deterministic stream of numbers below `n` (xorshift64), one stream per seed.
    fn numbers(mut state: u64) -> impl FnMut(usize) -> usize {
        move |n| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        }
    }

    /// The brute-force answer the index must give: at each position, the longest secret that
    /// starts there (the first listed of equals), else move one character on.
    fn mask_slowly(text: &str, known: &[(String, String)]) -> Option<String> {
        let (mut out, mut i, mut hit) = (String::new(), 0, false);
        while i < text.len() {
            let best = known
                .iter()
                .rev()
                .filter(|(s, _)| !s.is_empty() && text[i..].starts_with(s.as_str()))
                .max_by_key(|(s, _)| s.len());
            match best {
                Some((s, r)) => {
                    out.push_str(r);
                    i += s.len();
                    hit = true;
                }
                None => {
                    let c = text[i..].chars().next().unwrap();
                    out.push(c);
                    i += c.len_utf8();
                }
            }
        }
        hit.then_some(out)
    }

    /// The index masks as leftmost-longest matching over all secrets does: short secrets (under
    /// the 8-byte key), secrets that share keys, contain or overlap each other, and text with
    /// multi-byte characters between them.
    #[test]
    fn known_index_masks_leftmost_longest() {
        let mut next = numbers(0x9e37_79b9_7f4a_7c15u64);
        // A small alphabet, so secrets share prefixes and turn up in each other and in text.
        let alphabet = ['a', 'b', 'c', 'é', '_', '€'];
        let word = |len: usize, next: &mut dyn FnMut(usize) -> usize| -> String {
            (0..len).map(|_| alphabet[next(alphabet.len())]).collect()
        };
        for round in 0..2_000 {
            let count = 1 + next(6);
            let known: Vec<(String, String)> = (0..count)
                .map(|k| {
                    // Now and then an empty one, which masks nothing.
                    let len = if next(50) == 0 { 0 } else { 1 + next(14) };
                    (word(len, &mut next), format!("<{k}>"))
                })
                .collect();
            let mut text = String::new();
            for _ in 0..next(8) {
                if next(2) == 0 {
                    text.push_str(&known[next(count)].0);
                } else {
                    let len = next(10);
                    text.push_str(&word(len, &mut next));
                }
            }
            let masked = KnownIndex::new(&known).and_then(|index| index.mask(&text, &known));
            assert_eq!(
                masked,
                mask_slowly(&text, &known),
                "round {round}: {known:?} in {text:?}"
            );
        }
    }

    /// Whatever the order of the lines asked about, the neighbourhood set that serves a line
    /// holds every fragment of every candidate within [`NEAR`] bytes of it: candidates of
    /// random lengths, overlapping or apart, lines in order, repeated, and jumping back. (The
    /// function is called directly, so fewer candidates than [`SHARED_GRAMS_MAX`] will do.)
    #[test]
    fn a_neighbourhood_set_holds_every_candidate_near_the_line() {
        let mut next = numbers(0x2545_f491_4f6c_dd1du64);
        let len = 400_000;
        let haystack: Vec<u8> = (0..len).map(|_| b'a' + next(26) as u8).collect();
        let mut list = Vec::new();
        while list.len() < 4_000 {
            let s = next(len - 200);
            list.push((s, s + 8 + next(120), String::new()));
        }
        let spans = Spans::new(list.clone());
        list.sort_by_key(|(s, _, _)| *s);
        let mut line = 0;
        for _ in 0..1_000 {
            // Mostly forward in small steps, as findings come; now and then anywhere.
            line = match next(10) {
                0 => next(len - 300),
                1 => line,
                _ => (line + next(600)).min(len - 300),
            };
            let (from, to) = (line, line + 1 + next(250));
            let set = spans.near_grams(&haystack, from, to);
            // Candidates are at most 128 bytes long: those that may reach the line start
            // within 128 + NEAR bytes before it.
            let first = list.partition_point(|(s, _, _)| s + 128 + NEAR < from);
            for (s, e, _) in &list[first..] {
                if *e > from.saturating_sub(NEAR) && *s < to + NEAR && e - s >= FRAGMENT {
                    for w in haystack[*s..*e].windows(FRAGMENT) {
                        assert!(set.contains(&gram(w)), "line {from}..{to}: {s}..{e}");
                    }
                }
            }
        }
    }

    /// Two secrets 20–60 characters apart on one line: the neighbour that straddles the
    /// context's edge is redacted whole, never shown in part.
    #[test]
    fn a_neighbour_at_the_edge_is_redacted_whole() {
        let a = "ghp_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        let b = "ghp_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";
        for gap in 20..=60 {
            let text = format!(
                r#"{{"a":"{a}","pad":"{}","b":"{b}","c":"x"}}"#,
                "y".repeat(gap)
            );
            let list = vec![span(&text, a, "ghp_AAAA…"), span(&text, b, "ghp_BBBB…")];
            let spans = Spans::new(list.clone());
            for (s, e, _) in &list {
                let c = context_line(text.as_bytes(), *s, *e, &spans);
                assert!(
                    !c.contains("AAAAA") && !c.contains("BBBBB"),
                    "gap {gap}: {c}"
                );
            }
        }
    }

    /// An unknown secret cut by the clip is left out, not shown in part.
    #[test]
    fn a_cut_word_is_dropped() {
        let text = format!("x {}{} ghp_T", "k".repeat(58), "Zq9".repeat(20));
        let s = text.find("ghp_T").unwrap();
        let c = context_line(text.as_bytes(), s, s + 5, &Spans::new(Vec::new()));
        assert!(!c.contains("Zq9"), "{c}");
        assert!(c.starts_with('…'), "{c}");
    }

    #[test]
    fn fragments_of_nearby_secrets_are_masked() {
        let secret = &grams_of(std::iter::once(
            &b"ghr_cVE4RLpMS3EDQnrVrLRwyyXevrSM1XYEBo1x"[..],
        ));
        let text = "refresh_token=ghr_cVE4… # copy: hr_cVE4RLpMS3EDQnrV end";
        let out = mask_fragments(text, "", secret);
        assert_eq!(out, "refresh_token=ghr_cVE4… # copy: … end");
        assert_eq!(
            mask_fragments("no secret here at all", "", secret),
            "no secret here at all"
        );
        // Text that, with the shown prefix of the next redacted secret, spells a run of one.
        assert_eq!(
            mask_fragments("x cVE4RLpMS", "3EDQ", secret),
            "x …",
            "masked on the text's side"
        );
        assert_eq!(mask_fragments("x cVE4R", "LpMS", secret), "x cVE4R");
    }

    #[test]
    fn secret_looking_words_are_shortened() {
        assert_eq!(
            mask_secret_looking("x = \"a3f5dcf2d502e1d38953d0e68d55b82e0a4ae595\";"),
            "x = \"a3f5…\";"
        );
        // Identifiers, prose, numbers and short words stay.
        for keep in [
            "const getElementByIdentifierLongName = 1234567890123456789012;",
            "see https://example.com/path/to/page for details",
            "GH_PAT=github_pat_11PM…",
            "import src/components/Button2x3Wide.tsx",
            "id = v1.2.3",
        ] {
            assert_eq!(mask_secret_looking(keep), keep);
        }
    }

    #[test]
    fn echoes_are_masked_in_any_case_and_cut_short() {
        let token = "ghp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789";
        let r = Redactor::for_secret(token);
        for text in [
            format!("bad token {token}"),
            format!("BAD TOKEN {}", token.to_ascii_uppercase()),
            format!("got '{}…'", &token[..20]),
            format!("suffix {}", &token[25..]),
        ] {
            let out = r.redact(&text);
            for w in token.as_bytes().windows(ECHO_RUN) {
                let w = std::str::from_utf8(w).unwrap().to_ascii_lowercase();
                assert!(!out.to_ascii_lowercase().contains(&w), "{text} -> {out}");
            }
        }
        assert_eq!(r.redact("nothing here"), "nothing here");
    }

    #[test]
    fn known_secrets_are_masked_longest_first() {
        let mut r = Redactor::for_secret("x");
        r.known = vec![
            ("abcdefgh".into(), "abcd…".into()),
            ("abcdefghijkl".into(), "LONG…".into()),
        ];
        r.echoed = None;
        assert_eq!(r.redact("= abcdefghijkl ="), "= LONG… =");
    }
}
