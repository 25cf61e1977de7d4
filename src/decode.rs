//! The decode stage's transforms. Where bytes hold text in another spelling — base64 (standard
//! or URL-safe, padded or not, wrapped over lines as in MIME, PEM or YAML block scalars), hex,
//! percent-encoding, backslash escapes (`\u0067`, `\u{67}`, `\x67`, octal, `\/`), HTML and XML
//! character references, UTF-16 in either byte order — or a compressed stream (gzip, zlib),
//! [`decode_all`] finds those stretches and turns each back into plain bytes, with a map from
//! each decoded byte to where its encoding lies in the input.
//!
//! Pure functions over bytes: nothing here knows rules or findings. The scanner
//! (`scan::scanner`) scans what comes out with the same pipeline as plain input, recursing to a
//! bounded depth (a base64 value inside a base64 value, gzip inside base64), and reports
//! findings at the encoded text's place.
//!
//! How stretches are chosen (the cost of the stage, where there is nothing to decode):
//! - one pass over the bytes finds runs of base64/hex characters at least [`MIN_RUN`] long
//!   (from bit masks of 64-byte blocks); one `memchr3` pass finds the `%`, `\` and `&` that
//!   begin an encoding; UTF-16 is looked for only in inputs that hold a NUL;
//! - a decoded stretch is kept only if it reads as text (or starts a compressed stream):
//!   identifiers, paths and hashes that happen to be valid base64 or hex decode to noise and
//!   are dropped before any rule sees them. Random bytes pass that test with negligible odds,
//!   so noise produces neither work nor findings.
//!
//! Bounds: every decoder produces at most as many bytes as it reads (UTF-16 up to 3/2: a
//! two-byte unit can be three bytes of UTF-8), except decompression, which stops at the
//! [`Budget`] (bytes produced per input, all decoders and depths together) and at
//! [`MAX_RATIO`] times its compressed size; a stream cut short says so.

use std::borrow::Cow;
use std::io::Read;

use crate::finding::Notes;

/// The fewest characters a base64 or hex run needs to be decoded: 15 decoded bytes, shorter
/// than any token worth reporting with its context.
pub(crate) const MIN_RUN: usize = 20;
/// Hex runs decode to half their length: at least 16 bytes.
const MIN_HEX_RUN: usize = 32;
/// Bytes all decoders together may produce for one input, at every depth.
pub(crate) const BUDGET: usize = 64 << 20;
/// A compressed stream may expand at most this many times (a "zip bomb" expands millions of
/// times; real text compresses 3 to 20 times, logs of repeated lines up to a few hundred).
pub(crate) const MAX_RATIO: usize = 1000;

/// An encoding the stage undoes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Kind {
    Base64,
    Hex,
    Percent,
    Escape,
    Html,
    Utf16Le,
    Utf16Be,
    Gzip,
    Zlib,
}

impl Kind {
    pub(crate) const ALL: [Kind; 9] = [
        Kind::Base64,
        Kind::Hex,
        Kind::Percent,
        Kind::Escape,
        Kind::Html,
        Kind::Utf16Le,
        Kind::Utf16Be,
        Kind::Gzip,
        Kind::Zlib,
    ];

    /// Whether the decoder can produce more bytes than it reads (decompression only).
    pub(crate) fn expands(self) -> bool {
        matches!(self, Kind::Gzip | Kind::Zlib)
    }

    /// The stable name reports use in a decode chain.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Base64 => "base64",
            Kind::Hex => "hex",
            Kind::Percent => "percent",
            Kind::Escape => "escape",
            Kind::Html => "html-entity",
            Kind::Utf16Le => "utf-16le",
            Kind::Utf16Be => "utf-16be",
            Kind::Gzip => "gzip",
            Kind::Zlib => "zlib",
        }
    }
}

/// One decoded stretch of an input. Invariant: `span` lies within the input it was found in,
/// and [`Decoded::outer`] maps any range of `bytes` into `span`.
pub(crate) struct Decoded {
    pub kind: Kind,
    /// The encoded stretch of the input, `[start, end)`.
    pub span: (usize, usize),
    pub bytes: Vec<u8>,
    map: Map,
}

/// Where each decoded byte's encoding starts in the input.
enum Map {
    /// `at[i]` for byte `i`; `at[len]` is the end of the last one's encoding.
    Table(Vec<u32>),
    /// Base64: character `c` of the encoding (line breaks and indentation left out) lies at
    /// `segments[k].0 + (c - segments[k].1)` for the last segment with `segments[k].1 <= c`.
    Base64 { segments: Vec<(usize, usize)> },
    /// Byte `i` is encoded at `start + stride * i` (hex, UTF-16).
    Stride { start: usize, stride: usize },
    /// No byte-level map (a compressed stream): any part is the whole span.
    Whole,
}

impl Decoded {
    /// The stretch of the input that encodes decoded bytes `[start, end)` (whole base64
    /// groups: a group holds bits of neighbouring bytes, and redaction must cover it all).
    pub(crate) fn outer(&self, start: usize, end: usize) -> (usize, usize) {
        let (lo, hi) = self.span;
        let clamp = |x: usize| x.clamp(lo, hi);
        match &self.map {
            Map::Table(at) => (
                clamp(at[start.min(at.len() - 1)] as usize),
                clamp(at[end.min(at.len() - 1)] as usize),
            ),
            Map::Base64 { segments } => {
                let place = |c: usize| {
                    let k = segments.partition_point(|s| s.1 <= c).saturating_sub(1);
                    segments[k].0 + (c - segments[k].1)
                };
                let first = start / 3 * 4;
                let last = end.div_ceil(3) * 4;
                (clamp(place(first)), clamp(place(last.max(1) - 1) + 1))
            }
            Map::Stride { start: s, stride } => {
                (clamp(s + stride * start), clamp(s + stride * end))
            }
            Map::Whole => (lo, hi),
        }
    }
}

/// How many bytes decoding may still produce for one input. Decoders that stop at it, and
/// streams that end corrupt, leave a note saying what was not scanned.
pub(crate) struct Budget {
    left: usize,
    /// What was cut short, for the report, each with where its encoding starts in the input
    /// that was decoded: `None` for the input itself ("gzip stream not scanned whole: …"); the
    /// scanner sets the offset of the encoded stretch a nested stream lay in.
    pub notes: Notes<(Option<usize>, String)>,
    /// While set, nothing is noted: the scanner sets it while it decodes a stretch that lies
    /// in the overlap of two windows and belongs to the other one, which notes it.
    pub quiet: bool,
}

impl Budget {
    pub(crate) fn new(bytes: usize) -> Budget {
        Budget {
            left: bytes,
            notes: Notes::default(),
            quiet: false,
        }
    }

    /// Takes `n` bytes from the budget; false (and nothing taken) if it has fewer left.
    fn take(&mut self, n: usize) -> bool {
        if n > self.left {
            return false;
        }
        self.left -= n;
        true
    }
}

/// Every decodable stretch of `input` that reads as text or holds a compressed stream, ordered
/// by start. `whole` says that `input` is an input (or a decoded stretch) from its first byte,
/// where a compressed stream or a byte-order mark may begin.
pub(crate) fn decode_all(input: &[u8], whole: bool, budget: &mut Budget) -> Vec<Decoded> {
    let mut out = Vec::new();
    if whole {
        if let Some(d) = decompress(input, budget) {
            out.push(d);
            // A compressed input is nothing but its stream: its bytes spell nothing else.
            return out;
        }
        if let Some(d) = utf16_with_bom(input) {
            push(d, budget, &mut out);
            return out;
        }
    }
    runs(input, !whole, budget, &mut out);
    stretches(input, budget, &mut out);
    utf16_runs(input, budget, &mut out);
    out.sort_by_key(|d| (d.span, d.kind));
    out
}

/// One decoder alone over all of `input`, kept or not as [`decode_all`] would: the fuzz target
/// of each decoder drives it on its own. `continued`: `input` is a window that starts inside
/// a larger input (a run at its start may be cut).
pub(crate) fn decode_with(
    kind: Kind,
    input: &[u8],
    continued: bool,
    budget: &mut Budget,
) -> Vec<Decoded> {
    let mut out = Vec::new();
    match kind {
        Kind::Base64 | Kind::Hex => runs(input, continued, budget, &mut out),
        Kind::Percent | Kind::Escape | Kind::Html => stretches(input, budget, &mut out),
        Kind::Utf16Le | Kind::Utf16Be => {
            out.extend(utf16_with_bom(input));
            utf16_runs(input, budget, &mut out);
        }
        Kind::Gzip | Kind::Zlib => out.extend(decompress(input, budget)),
    }
    out.retain(|d| d.kind == kind);
    out
}

/// Decoded bytes worth scanning: text (printable ASCII and whitespace, or valid UTF-8 without
/// control characters, or [UTF-16 text](reads_as_utf16)), or the start of a compressed stream.
fn reads_as_text(bytes: &[u8]) -> bool {
    if bytes.is_empty() {
        return false;
    }
    if compressed_kind(bytes).is_some() {
        return true;
    }
    let utf8 = !bytes.iter().any(|&b| is_control(b))
        && (bytes.is_ascii() || std::str::from_utf8(bytes).is_ok());
    utf8 || reads_as_utf16(bytes)
}

/// UTF-16 text, which base64 and hex carry where a Windows or .NET program wrote them:
/// PowerShell's `-EncodedCommand`, SQL Server's `nvarchar` as a hex literal, a .NET string
/// base64'd. A byte-order mark or a first character whose other byte is zero, then characters
/// none of which is a control character or half a surrogate pair, at least half of them ASCII.
/// Noise fails: a random pair of bytes is an ASCII character one time in 512.
fn reads_as_utf16(bytes: &[u8]) -> bool {
    let (le, body) = match bytes {
        [0xFF, 0xFE, rest @ ..] => (true, rest),
        [0xFE, 0xFF, rest @ ..] => (false, rest),
        [1..=255, 0, ..] => (true, bytes),
        [0, 1..=255, ..] => (false, bytes),
        _ => return false,
    };
    let units = body.chunks_exact(2).map(|p| {
        if le {
            u16::from_le_bytes([p[0], p[1]])
        } else {
            u16::from_be_bytes([p[0], p[1]])
        }
    });
    let (mut chars, mut ascii) = (0usize, 0usize);
    for c in char::decode_utf16(units) {
        match c {
            Ok(c) if c.is_ascii() && !is_control(c as u8) => ascii += 1,
            Ok(c) if !c.is_control() => {}
            _ => return false,
        }
        chars += 1;
    }
    chars >= MIN_DECODED && 2 * ascii >= chars
}

/// Whether two bytes can begin [UTF-16 text](reads_as_utf16).
fn utf16_start(two: &[u8]) -> bool {
    matches!(
        two,
        [0xFF, 0xFE] | [0xFE, 0xFF] | [1..=255, 0] | [0, 1..=255]
    )
}

/// Whether the start of a stream cut short can be text: as [`reads_as_text`], except that it
/// may end inside a UTF-8 character.
fn text_so_far(bytes: &[u8]) -> bool {
    let whole_chars = match std::str::from_utf8(bytes) {
        Err(e) if e.error_len().is_none() => e.valid_up_to(),
        _ => bytes.len(),
    };
    reads_as_text(&bytes[..whole_chars])
}

/// A control character other than tab and line ends: no text holds one.
fn is_control(b: u8) -> bool {
    b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r') || b == 0x7f
}

/// Decoded stretches shorter than this hold no token worth reporting (`"\x1b[0m"` is a
/// colour, not a secret); they are not scanned. What a [`MIN_RUN`] of base64 decodes to.
const MIN_DECODED: usize = 15;

/// Decoded bytes long enough and textual enough to scan.
fn worth_scanning(bytes: &[u8]) -> bool {
    bytes.len() >= MIN_DECODED && reads_as_text(bytes)
}

/// Adds `d` if its bytes are worth scanning and the budget has room for them.
fn keep(d: Decoded, budget: &mut Budget, out: &mut Vec<Decoded>) {
    if worth_scanning(&d.bytes) {
        push(d, budget, out);
    }
}

/// Adds `d` if the budget has room for its bytes.
fn push(d: Decoded, budget: &mut Budget, out: &mut Vec<Decoded>) {
    if budget.take(d.bytes.len()) {
        out.push(d);
    }
}

const B64: u8 = 1;
const HEX: u8 = 2;
const URL: u8 = 4;

/// Character classes for walking a run (`=` padding is looked for where a run ends).
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = if b.is_ascii_hexdigit() {
            B64 | HEX
        } else if b.is_ascii_alphanumeric() || b == b'+' || b == b'/' {
            B64
        } else if b == b'-' || b == b'_' {
            URL
        } else {
            0
        };
        c += 1;
    }
    t
};

/// Base64 and hex runs. A base64 run is a stretch of the standard or the URL-safe alphabet,
/// with its `=` padding, that may continue over line breaks and indentation when the line
/// before is a full wrapped line (at least 40 characters, a multiple of 4). A run of hex digits
/// only is decoded as hex.
///
/// Finding runs is the stage's one pass over every byte, so it is branch-free where there is
/// nothing: each 64-byte block becomes a bit mask of run characters (a loop the compiler turns
/// into SIMD compares), and a few shifts of two neighbouring blocks' masks say where
/// [`MIN_RUN`] of them in a row begin. Only there is a run walked byte by byte.
///
/// `continued`: `input` is a window that starts inside a larger input, so a run at its first
/// byte may have begun before it, at any character (see [`walk_run`]).
fn runs(input: &[u8], continued: bool, budget: &mut Budget, out: &mut Vec<Decoded>) {
    const _: () = assert!(MIN_RUN == 20, "run_starts shifts for runs of 20");
    let n = input.len();
    let mut scratch = Vec::new();
    let mut segments = Vec::new();
    // Everything before `floor` belongs to a run already handled.
    let mut floor = 0;
    let mut prev = 0u64;
    for b in 0..n.div_ceil(64) {
        let cur = match input[64 * b..].first_chunk::<64>() {
            Some(block) => block_mask(block),
            None => {
                // The last, short block, padded with bytes that are not run characters.
                let mut last = [b' '; 64];
                last[..n - 64 * b].copy_from_slice(&input[64 * b..]);
                block_mask(&last)
            }
        };
        // Bit i: a run of MIN_RUN starts at 64 * (b - 1) + i (blocks b - 1 and b; block -1
        // is empty, so no bit below 64 is set for b = 0).
        let mut starts = run_starts(u128::from(cur) << 64 | u128::from(prev));
        prev = cur;
        while starts != 0 {
            let j = starts.trailing_zeros() as usize;
            let q = 64 * b + j - 64;
            if q >= floor {
                let cut = continued && q == 0;
                floor = walk_run(
                    input,
                    q,
                    floor,
                    cut,
                    budget,
                    out,
                    &mut scratch,
                    &mut segments,
                );
            }
            // Every start before `floor` lies in a run just walked (inside a long run, every
            // bit is set): drop them at once rather than one by one.
            let skip = (floor + 64).saturating_sub(64 * b).max(j + 1);
            starts = if skip >= 128 {
                0
            } else {
                starts & u128::MAX << skip
            };
        }
    }
}

/// One bit per byte of `block`: set for run characters. Computed as one byte per flag
/// (compares the compiler vectorises; a fixed-size block needs no remainder loop), then packed
/// eight at a time: multiplying eight 0/1 bytes by 0x0102_0408_1020_4080 gathers them, without
/// carries, in the top byte.
fn block_mask(block: &[u8; 64]) -> u64 {
    let mut flags = [0u8; 64];
    for (f, &b) in flags.iter_mut().zip(block) {
        let letter = (b | 0x20).wrapping_sub(b'a') < 26;
        let digit = b.wrapping_sub(b'0') < 10;
        let other = (b == b'+') | (b == b'/') | (b == b'-') | (b == b'_');
        *f = u8::from(letter | digit | other);
    }
    let mut m = 0u64;
    for (k, eight) in flags.chunks_exact(8).enumerate() {
        let w = u64::from_le_bytes(eight.try_into().expect("8 bytes"));
        m |= (w.wrapping_mul(0x0102_0408_1020_4080) >> 56) << (8 * k);
    }
    m
}

/// Bit i set where bits i..i + 20 of `w` are all set.
fn run_starts(w: u128) -> u128 {
    let mut x = w & w >> 1; // 2 in a row
    x &= x >> 2; // 4
    x &= x >> 4; // 8
    x &= x >> 8; // 16
    x & x >> 4 // 20
}

/// Walks the run that holds `at` (none of it before `floor`), decodes it if it qualifies, and
/// returns where it ends.
///
/// Inputs are scanned in windows, so a long run (a base64'd attachment in a mail archive, a
/// response body in a HAR file) can be cut by either end of one. Cut at the start (`cut`),
/// its groups of four characters (pairs of hex digits) may begin one to three characters in:
/// each alignment is tried and the first that decodes to text is kept. Cut at the end, its
/// last group may be short: a run that reaches the end of `input` is decoded without it
/// rather than dropped for a length no encoding has.
#[allow(clippy::too_many_arguments)]
fn walk_run(
    input: &[u8],
    at: usize,
    floor: usize,
    cut: bool,
    budget: &mut Budget,
    out: &mut Vec<Decoded>,
    scratch: &mut Vec<u8>,
    segments: &mut Vec<(usize, usize)>,
) -> usize {
    let n = input.len();
    let is_char = |b: u8| CLASS[b as usize] & (B64 | URL) != 0;
    let start = at
        - input[floor..at]
            .iter()
            .rev()
            .position(|&b| !is_char(b))
            .unwrap_or(at - floor);
    let word_end = at
        + input[at..]
            .iter()
            .position(|&b| !is_char(b))
            .unwrap_or(n - at);
    // One run: segments of characters separated by wrapped line breaks.
    let mut i = word_end;
    segments.clear();
    segments.push((start, 0usize));
    let mut chars = 0usize;
    let mut seg_start = start;
    // Hex is often written after a prefix: `0x` (SQL's binary literals, C) or `\x`
    // (PostgreSQL's bytea), whose `x` is a run character.
    let prefix = match &input[start..] {
        [b'0', b'x' | b'X', ..] => 2,
        [b'x', ..] if start > 0 && input[start - 1] == b'\\' => 1,
        _ => 0,
    };
    let mut all_hex = true;
    loop {
        while i < n && is_char(input[i]) {
            i += 1;
        }
        let seg_len = i - seg_start;
        let from = if seg_start == start {
            start + prefix
        } else {
            seg_start
        };
        all_hex &= input[from..i].iter().all(|&b| CLASS[b as usize] & HEX != 0);
        chars += seg_len;
        // Padding ends a run.
        let mut pad = 0;
        while i < n && input[i] == b'=' && pad < 2 {
            i += 1;
            pad += 1;
        }
        if pad > 0 {
            all_hex = false;
            break;
        }
        // A wrapped line continues on the next one. Not a line of hex digits only: that is
        // hex (base64 of 40 characters or more is all hex digits less than once in 10^18), and
        // joined to the next line (`next: 1`, or the next line of `xxd -p`) it decoded as
        // base64 to noise, so an 80-digit hex token followed by any line was never found.
        // Inside a JSON, JavaScript or C string the break is the escape `\n` or `\r\n`, whose
        // `n` is never data there: GitHub's contents and blobs APIs wrap base64 so, every 60.
        if seg_len >= 40 && seg_len % 4 == 0 && !all_hex {
            let rest = &input[i..];
            let mut j = [&b"\\r\\n"[..], b"\\n", b"\r\n", b"\n"]
                .iter()
                .find(|sep| rest.starts_with(sep))
                .map_or(i, |sep| i + sep.len());
            if j > i && input[j - 1] == b'\n' {
                while j < n && (input[j] == b' ' || input[j] == b'\t') {
                    j += 1;
                }
            }
            if j > i && j < n && is_char(input[j]) {
                i = j;
                seg_start = j;
                segments.push((j, chars));
                all_hex = false;
                continue;
            }
        }
        break;
    }
    let end = i;
    let at_end = end == n;
    // A run cut by the end may also end inside a UTF-8 character.
    let text = |bytes: &[u8]| {
        if at_end {
            bytes.len() >= MIN_DECODED && text_so_far(bytes)
        } else {
            worth_scanning(bytes)
        }
    };
    if all_hex && chars.saturating_sub(prefix) >= MIN_HEX_RUN {
        for k in 0..if cut { 2 } else { 1 } {
            let k = prefix + k;
            let mut digits = &input[start + k..start + chars];
            if at_end && digits.len() % 2 == 1 {
                digits = &digits[..digits.len() - 1];
            }
            scratch.clear();
            if hex(digits, scratch) && text(scratch) {
                push(
                    Decoded {
                        kind: Kind::Hex,
                        span: (start + k, start + k + digits.len()),
                        bytes: scratch.clone(),
                        map: Map::Stride {
                            start: start + k,
                            stride: 2,
                        },
                    },
                    budget,
                    out,
                );
                break;
            }
        }
    } else if !all_hex && chars >= MIN_RUN {
        for k in 0..if cut { 4 } else { 1 } {
            let mut segments = if k == 0 {
                Cow::Borrowed(&segments[..])
            } else {
                Cow::Owned(skip_chars(segments, k))
            };
            let mut end = end;
            if at_end && (chars - k) % 4 == 1 {
                // The last character holds six bits of a byte the window's end cut off.
                end -= 1;
                if segments.last().is_some_and(|s| s.0 == end) {
                    segments.to_mut().pop();
                }
            }
            scratch.clear();
            if base64(input, &segments, end, scratch) && text(scratch) {
                push(
                    Decoded {
                        kind: Kind::Base64,
                        span: (segments[0].0, end),
                        bytes: scratch.clone(),
                        map: Map::Base64 {
                            segments: segments.into_owned(),
                        },
                    },
                    budget,
                    out,
                );
                break;
            }
        }
    }
    end
}

/// The segments of a run (see [`Map::Base64`]) without its first `k` characters (fewer than
/// the run holds).
fn skip_chars(segments: &[(usize, usize)], k: usize) -> Vec<(usize, usize)> {
    let first = segments.partition_point(|s| s.1 <= k) - 1;
    let (at, before) = segments[first];
    let mut out = vec![(at + (k - before), 0)];
    out.extend(
        segments[first + 1..]
            .iter()
            .map(|&(at, before)| (at, before - k)),
    );
    out
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Hex digits in pairs, into `out`; false for an odd count or mixed case (`DeadBeef…` is an
/// identifier more often than an encoding).
fn hex(digits: &[u8], out: &mut Vec<u8>) -> bool {
    if digits.len() % 2 == 1 {
        return false;
    }
    let upper = digits.iter().any(u8::is_ascii_uppercase);
    let lower = digits.iter().any(u8::is_ascii_lowercase);
    if upper && lower {
        return false;
    }
    out.extend(
        digits
            .chunks_exact(2)
            .map(|p| hex_value(p[0]).unwrap_or(0) << 4 | hex_value(p[1]).unwrap_or(0)),
    );
    true
}

fn b64_value(b: u8) -> Option<u32> {
    match b {
        b'A'..=b'Z' => Some(u32::from(b - b'A')),
        b'a'..=b'z' => Some(u32::from(b - b'a') + 26),
        b'0'..=b'9' => Some(u32::from(b - b'0') + 52),
        b'+' | b'-' => Some(62),
        b'/' | b'_' => Some(63),
        _ => None,
    }
}

/// Decodes the characters of a run (its segments, up to `end`, padding left out) into `out`.
/// Both alphabets at once: a string that mixes them is not base64, and decodes to noise that
/// [`reads_as_text`] drops. False for a length no encoding has (4k + 1 characters), and as
/// soon as a decoded byte is a control character or one UTF-8 never uses (past the first two,
/// which may start UTF-16): most runs are identifiers, paths, hashes or `-----` rules, and
/// their noise shows within a few bytes.
fn base64(input: &[u8], segments: &[(usize, usize)], end: usize, out: &mut Vec<u8>) -> bool {
    let mut acc = 0u32;
    let mut bits = 0;
    let mut count = 0usize;
    let mut utf8 = Utf8Text::default();
    let gzip_or_zlib = matches!(
        &input[segments[0].0..],
        [b'H', b'4', b's', b'I', ..] | [b'e', b'J' | b'N' | b'A' | b'F', ..]
    );
    // Checked no further: a compressed stream, or UTF-16 (which fails the UTF-8 check in its
    // first two bytes, and is told by them: see `utf16_start`).
    let mut unchecked = gzip_or_zlib;
    let mut maybe_utf16 = false;
    let first = out.len();
    for (k, &(at, before)) in segments.iter().enumerate() {
        // Up to the segment's last character, not the next one's start: the break between
        // may hold a letter (the `n` of an escaped `\n`).
        let stop = segments.get(k + 1).map_or(end, |s| at + (s.1 - before));
        for &b in &input[at..stop] {
            let Some(v) = b64_value(b) else {
                continue;
            };
            count += 1;
            acc = acc << 6 | v;
            bits += 6;
            if bits >= 8 {
                bits -= 8;
                let byte = (acc >> bits) as u8;
                if !unchecked && !utf8.next(byte) {
                    if out.len() - first >= 2 {
                        return false;
                    }
                    maybe_utf16 = true;
                }
                out.push(byte);
                if maybe_utf16 && out.len() - first == 2 {
                    if !utf16_start(&out[first..]) {
                        return false;
                    }
                    unchecked = true;
                }
                acc &= (1 << bits) - 1;
            }
        }
    }
    count % 4 != 1
}

/// Byte-by-byte check that bytes can be text: no control character, and UTF-8's shape (lead
/// and continuation bytes where they belong). What [`reads_as_text`] accepts, less exactly,
/// decided as the bytes come: noise fails within a byte or two.
#[derive(Default)]
struct Utf8Text {
    /// Continuation bytes still due.
    need: u8,
}

impl Utf8Text {
    fn next(&mut self, b: u8) -> bool {
        match b {
            0x80..=0xBF if self.need > 0 => {
                self.need -= 1;
                return true;
            }
            _ if self.need > 0 => return false,
            0x00..=0x7F => return !is_control(b),
            0xC2..=0xDF => self.need = 1,
            0xE0..=0xEF => self.need = 2,
            0xF0..=0xF4 => self.need = 3,
            _ => return false,
        }
        true
    }
}

/// Bytes that may appear in a percent-encoded or escaped string: everything but whitespace,
/// quotes and the delimiters around strings in code and markup.
fn in_string(b: u8) -> bool {
    !(b.is_ascii_whitespace() || matches!(b, b'"' | b'\'' | b'`' | b'<' | b'>' | 0))
}

/// The stretch around `at` made of [`in_string`] bytes (a backslash also takes the quote
/// after it, for escapes).
fn string_around(input: &[u8], at: usize) -> (usize, usize) {
    let mut s = at;
    while s > 0 && in_string(input[s - 1]) {
        s -= 1;
    }
    let mut e = at;
    while e < input.len() {
        let b = input[e];
        let escaped_quote = e > 0 && input[e - 1] == b'\\' && matches!(b, b'"' | b'\'');
        if !(in_string(b) || escaped_quote) {
            break;
        }
        e += 1;
    }
    (s, e)
}

/// Percent-encoded, escaped and entity-encoded stretches, found in one pass over the bytes
/// for `%`, `\` and `&`. Each needle whose next bytes begin an encoding (most `%`, `\` and
/// `&` in code do not) gives the stretch around it, decoded once per kind.
fn stretches(input: &[u8], budget: &mut Budget, out: &mut Vec<Decoded>) {
    type Decoder = fn(&[u8], usize) -> Option<(Vec<u8>, Vec<u32>)>;
    // Per kind: where its last stretch ended.
    let mut done = [0usize; 3];
    for at in memchr::memchr3_iter(b'%', b'\\', b'&', input) {
        let after = &input[at + 1..];
        let (k, kind, decode): (usize, Kind, Decoder) = match input[at] {
            b'%' if percent_starts(after) => (0, Kind::Percent, percent),
            b'\\' if escape_starts(after) => (1, Kind::Escape, escapes),
            b'&' if html_starts(after) => (2, Kind::Html, html),
            _ => continue,
        };
        if at < done[k] {
            continue;
        }
        let (s, e) = string_around(input, at);
        done[k] = e.max(at + 1);
        if e - s < 8 {
            continue;
        }
        if let Some((bytes, map)) = decode(&input[s..e], s) {
            keep(
                Decoded {
                    kind,
                    span: (s, e),
                    bytes,
                    map: Map::Table(map),
                },
                budget,
                out,
            );
        }
    }
}

/// A stretch being decoded into bytes and their map: each byte or character put out notes
/// where its spelling starts in the input.
struct Rewrite {
    bytes: Vec<u8>,
    map: Vec<u32>,
    /// Some spelling was decoded (else the stretch is not worth scanning again).
    changed: bool,
}

impl Rewrite {
    fn new(len: usize) -> Rewrite {
        Rewrite {
            bytes: Vec::with_capacity(len),
            map: Vec::with_capacity(len + 1),
            changed: false,
        }
    }

    /// A byte kept as written at `at`.
    fn keep(&mut self, at: usize, b: u8) {
        self.bytes.push(b);
        self.map.push(at as u32);
    }

    /// A byte decoded from the spelling at `at` (percent-encoding spells bytes).
    fn decoded_byte(&mut self, at: usize, b: u8) {
        self.keep(at, b);
        self.changed = true;
    }

    /// A character decoded from the spelling at `at`, as UTF-8.
    fn decoded(&mut self, at: usize, c: char) {
        let mut buf = [0u8; 4];
        for &b in c.encode_utf8(&mut buf).as_bytes() {
            self.decoded_byte(at, b);
        }
    }

    /// The bytes and map (closed at `end`), if anything was decoded.
    fn finish(mut self, end: usize) -> Option<(Vec<u8>, Vec<u32>)> {
        self.map.push(end as u32);
        self.changed.then_some((self.bytes, self.map))
    }
}

fn percent_starts(after: &[u8]) -> bool {
    matches!(after, [h, l, ..] if h.is_ascii_hexdigit() && l.is_ascii_hexdigit())
}

/// `%XX` sequences (the rest of the stretch is kept as it is; `+` stays `+`, as in userinfo).
fn percent(s: &[u8], base: usize) -> Option<(Vec<u8>, Vec<u32>)> {
    let mut out = Rewrite::new(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%' {
            let digit = |k: usize| s.get(k).copied().and_then(hex_value);
            if let (Some(h), Some(l)) = (digit(i + 1), digit(i + 2)) {
                out.decoded_byte(base + i, h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.keep(base + i, s[i]);
        i += 1;
    }
    out.finish(base + s.len())
}

/// Only escapes that can spell a token's character start a stretch: `\n` or `\"` alone
/// change nothing a rule matches.
fn escape_starts(after: &[u8]) -> bool {
    matches!(after, [b'u' | b'x' | b'0'..=b'7' | b'/', ..])
}

/// Backslash escapes as JSON, JavaScript, Python, C and shells write them: `\uXXXX` (with
/// surrogate pairs), `\u{X…}`, `\xXX`, octal `\NNN`, and `\` before any other character.
fn escapes(s: &[u8], base: usize) -> Option<(Vec<u8>, Vec<u32>)> {
    let mut out = Rewrite::new(s.len());
    let hex_at = |from: usize, n: usize| -> Option<u32> {
        let d = s.get(from..from + n)?;
        d.iter()
            .try_fold(0u32, |acc, &b| Some(acc << 4 | u32::from(hex_value(b)?)))
    };
    let mut i = 0;
    while i < s.len() {
        let at = base + i;
        if s[i] != b'\\' || i + 1 >= s.len() {
            out.keep(at, s[i]);
            i += 1;
            continue;
        }
        // The character and the length of its spelling; `None`: the backslash stays.
        let decoded: Option<(char, usize)> = match s[i + 1] {
            b'u' if s.get(i + 2) == Some(&b'{') => {
                let close = s[i + 3..].iter().take(7).position(|&b| b == b'}');
                close.and_then(|c| {
                    let v = std::str::from_utf8(&s[i + 3..i + 3 + c]).ok()?;
                    Some((char::from_u32(u32::from_str_radix(v, 16).ok()?)?, c + 4))
                })
            }
            b'u' => match hex_at(i + 2, 4) {
                Some(hi @ 0xD800..=0xDBFF) => (s.get(i + 6) == Some(&b'\\')
                    && s.get(i + 7) == Some(&b'u'))
                .then(|| hex_at(i + 8, 4))
                .flatten()
                .filter(|lo| (0xDC00..=0xDFFF).contains(lo))
                .and_then(|lo| char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)))
                .map(|c| (c, 12)),
                Some(v) => char::from_u32(v).map(|c| (c, 6)),
                None => None,
            },
            b'x' => hex_at(i + 2, 2).and_then(char::from_u32).map(|c| (c, 4)),
            b'0'..=b'7' => {
                let digits = s[i + 1..]
                    .iter()
                    .take(3)
                    .take_while(|b| (b'0'..=b'7').contains(b))
                    .count();
                let v = s[i + 1..i + 1 + digits]
                    .iter()
                    .fold(0u32, |acc, &b| acc * 8 + u32::from(b - b'0'));
                char::from_u32(v).map(|c| (c, digits + 1))
            }
            // Letters are control escapes (`\n`, `\t`) or unknown: kept as written, so a
            // token after `\n` keeps its word boundary.
            b if b.is_ascii_alphabetic() => None,
            // Any other ASCII character stands for itself (`\/`, `\"`); a backslash before a
            // byte of a multi-byte character stays, as the character's bytes are not one.
            other if other.is_ascii() => Some((char::from(other), 2)),
            _ => None,
        };
        match decoded {
            Some((c, len)) => {
                out.decoded(at, c);
                i += len;
            }
            None => {
                out.keep(at, s[i]);
                i += 1;
            }
        }
    }
    out.finish(base + s.len())
}

fn html_starts(after: &[u8]) -> bool {
    after.first() == Some(&b'#')
        || after
            .iter()
            .take(8)
            .position(|&b| b == b';')
            .is_some_and(|semi| semi > 1 && after[..semi].iter().all(u8::is_ascii_alphabetic))
}

/// HTML and XML character references: `&#NNN;`, `&#xHH;` and the named ones a token or a
/// URL holding one can contain.
fn html(s: &[u8], base: usize) -> Option<(Vec<u8>, Vec<u32>)> {
    let mut out = Rewrite::new(s.len());
    let mut i = 0;
    while i < s.len() {
        let semi = (s[i] == b'&')
            .then(|| s[i + 1..].iter().take(10).position(|&b| b == b';'))
            .flatten();
        if let Some(semi) = semi {
            let c = match &s[i + 1..i + 1 + semi] {
                [b'#', b'x' | b'X', h @ ..] => std::str::from_utf8(h)
                    .ok()
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .and_then(char::from_u32),
                [b'#', d @ ..] => std::str::from_utf8(d)
                    .ok()
                    .and_then(|d| d.parse::<u32>().ok())
                    .and_then(char::from_u32),
                b"amp" => Some('&'),
                b"lt" => Some('<'),
                b"gt" => Some('>'),
                b"quot" => Some('"'),
                b"apos" => Some('\''),
                b"sol" => Some('/'),
                b"equals" => Some('='),
                b"plus" => Some('+'),
                b"colon" => Some(':'),
                b"lowbar" => Some('_'),
                b"hyphen" | b"dash" => Some('-'),
                b"period" => Some('.'),
                _ => None,
            };
            if let Some(c) = c {
                out.decoded(base + i, c);
                i += semi + 2;
                continue;
            }
        }
        out.keep(base + i, s[i]);
        i += 1;
    }
    out.finish(base + s.len())
}

/// A whole input in UTF-16 with its byte-order mark.
fn utf16_with_bom(input: &[u8]) -> Option<Decoded> {
    let (kind, le) = match input {
        [0xFF, 0xFE, ..] => (Kind::Utf16Le, true),
        [0xFE, 0xFF, ..] => (Kind::Utf16Be, false),
        _ => return None,
    };
    let units = input[2..].chunks_exact(2).map(|p| {
        if le {
            u16::from_le_bytes([p[0], p[1]])
        } else {
            u16::from_be_bytes([p[0], p[1]])
        }
    });
    let mut out = Rewrite::new(input.len() / 2);
    let mut at = 2;
    for c in char::decode_utf16(units) {
        let width = c.as_ref().map_or(2, |c| c.len_utf16() * 2);
        out.decoded(at, c.unwrap_or(char::REPLACEMENT_CHARACTER));
        at += width;
    }
    let (bytes, map) = out.finish(at)?;
    Some(Decoded {
        kind,
        span: (0, input.len()),
        bytes,
        map: Map::Table(map),
    })
}

/// How far apart [`utf16_runs`] probes: a run of [`MIN_RUN`] characters (`2 * MIN_RUN` bytes)
/// holds a probe's eight bytes wherever it starts.
const UTF16_STRIDE: usize = 32;

/// UTF-16 text without a byte-order mark, as Windows tools write it inside binaries and
/// registry exports: runs of at least [`MIN_RUN`] printable ASCII characters each followed
/// (little-endian) or preceded (big-endian) by a NUL byte.
///
/// Binaries are full of NULs, so the search probes: a run spans at least `2 * MIN_RUN` bytes,
/// so some probe every [`UTF16_STRIDE`] bytes sees eight bytes wholly inside it, four
/// characters and four NULs alternating. One word test per probe rejects nearly every other
/// place (zero padding, integers, code) without a branch that mispredicts; only where it holds
/// is a run walked.
fn utf16_runs(input: &[u8], budget: &mut Budget, out: &mut Vec<Decoded>) {
    let printable = |b: u8| (0x20..0x7f).contains(&b) || matches!(b, b'\t' | b'\n' | b'\r');
    const _: () = assert!(UTF16_STRIDE + 8 <= 2 * MIN_RUN + 1);
    if memchr::memchr(0, input).is_none() {
        return;
    }
    let mut done = 0;
    let mut probe = 0;
    while probe + 8 <= input.len() {
        let p = probe;
        probe += UTF16_STRIDE;
        let w = u64::from_le_bytes(input[p..p + 8].try_into().expect("8 bytes"));
        // Byte k of the window is bits 8k..8k + 8: NULs at odd offsets, or at even ones.
        let nul_first = if w & 0xFF00_FF00_FF00_FF00 == 0 {
            false
        } else if w & 0x00FF_00FF_00FF_00FF == 0 {
            true
        } else {
            continue;
        };
        let chars = p + usize::from(nul_first);
        if !(0..4).all(|k| printable(input[chars + 2 * k])) {
            continue;
        }
        // A NUL of the run with a byte before it (the walk looks both ways from it): never
        // the input's first byte.
        let z = if nul_first && p > 0 {
            p
        } else {
            p + 1 + usize::from(nul_first)
        };
        if z < done {
            continue;
        }
        // Little-endian: the NUL follows its character; big-endian: it precedes it. Walk
        // back to the run's start, then forward to its end, one (character, NUL) pair at a
        // time. Text in one byte order read one byte off looks like the other; the reading
        // that reaches further is the right one (its last character is not cut off).
        let mut best: Option<(usize, usize, bool)> = None;
        for le in [true, false] {
            let first = if le { z - 1 } else { z };
            let pair_ok = |p: usize| {
                p + 1 < input.len()
                    && if le {
                        printable(input[p]) && input[p + 1] == 0
                    } else {
                        input[p] == 0 && printable(input[p + 1])
                    }
            };
            if !pair_ok(first) {
                continue;
            }
            let mut s = first;
            while s >= 2 && pair_ok(s - 2) {
                s -= 2;
            }
            let mut e = first;
            while pair_ok(e) {
                e += 2;
            }
            if best.is_none_or(|(bs, be, _)| (e, e - s) > (be, be - bs)) {
                best = Some((s, e, le));
            }
        }
        let Some((s, e, le)) = best else {
            continue;
        };
        done = e;
        let chars = (e - s) / 2;
        if chars < MIN_RUN {
            continue;
        }
        let bytes: Vec<u8> = (0..chars)
            .map(|k| input[s + 2 * k + usize::from(!le)])
            .collect();
        keep(
            Decoded {
                kind: if le { Kind::Utf16Le } else { Kind::Utf16Be },
                span: (s, e),
                bytes,
                map: Map::Stride {
                    start: s + usize::from(!le),
                    stride: 2,
                },
            },
            budget,
            out,
        );
    }
}

/// The compressed stream `bytes` starts with, if any: gzip by its magic, zlib by its header
/// check (CMF/FLG, a multiple of 31, deflate with a window of at most 32 KiB, no dictionary).
fn compressed_kind(bytes: &[u8]) -> Option<Kind> {
    match bytes {
        [0x1f, 0x8b, 0x08, ..] => Some(Kind::Gzip),
        [cmf, flg, ..]
            if cmf & 0x0f == 8
                && cmf >> 4 <= 7
                && flg & 0x20 == 0
                && (u16::from(*cmf) << 8 | u16::from(*flg)) % 31 == 0 =>
        {
            Some(Kind::Zlib)
        }
        _ => None,
    }
}

/// The stream that fills `input`, decompressed within the budget and [`MAX_RATIO`]. A stream
/// that stops early (corrupt, truncated, over a limit) keeps what came out and leaves a note.
fn decompress(input: &[u8], budget: &mut Budget) -> Option<Decoded> {
    let kind = compressed_kind(input)?;
    // The `bufread` decoders read the slice in place: the `read` ones copy it through a
    // 32 KiB buffer they allocate and zero first, which for the many tiny "streams" of a
    // hostile file (a base64'd gzip header on every line) was a quarter of the run.
    let reader: Box<dyn Read> = match kind {
        Kind::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(input)),
        _ => Box::new(flate2::bufread::ZlibDecoder::new(input)),
    };
    let limit = input.len().saturating_mul(MAX_RATIO).min(budget.left);
    let mut bytes = Vec::new();
    // One byte past the limit tells a stream that reaches it from one that ends there.
    let stop = match reader.take(limit as u64 + 1).read_to_end(&mut bytes) {
        Ok(_) if bytes.len() > limit => {
            bytes.truncate(limit);
            Some(if limit == budget.left {
                format!(
                    "stopped at the decode budget ({} MiB per input)",
                    BUDGET >> 20
                )
            } else {
                format!("stopped at {MAX_RATIO} times its compressed size")
            })
        }
        Ok(_) => None,
        // A zlib header check passes by chance once in 31 tries on other data, and deflate
        // reads almost any bits as fixed-Huffman codes: such a "stream" (a base64 run in a
        // binary that happens to start `eJ`) decodes noise until a code is invalid. So a zlib
        // stream that fails before its output reads as text was not one: nothing to scan and
        // nothing to note. One that fails on a bad code after text is scanned as far as it
        // went, without a note: noise does that too (in a simulation of 100,000 noise
        // streams, 3,720 ended so and none was cut short after text). A stream cut short
        // (its input ends first) is noted. Gzip's magic is no accident: its faults are always
        // noted. (What was read before the error is in `bytes`.)
        Err(_) if kind == Kind::Zlib && !text_so_far(&bytes) => return None,
        Err(e) if kind == Kind::Zlib && e.kind() != std::io::ErrorKind::UnexpectedEof => None,
        Err(e) => Some(format!("corrupt after {} bytes ({e})", bytes.len())),
    };
    if let (Some(why), false) = (stop, budget.quiet) {
        budget.notes.push((
            None,
            format!("{} stream not scanned whole: {why}", kind.name()),
        ));
    }
    budget.left -= bytes.len();
    Some(Decoded {
        kind,
        span: (0, input.len()),
        bytes,
        map: Map::Whole,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(input: &[u8]) -> Vec<(Kind, String, (usize, usize))> {
        let mut budget = Budget::new(BUDGET);
        decode_all(input, true, &mut budget)
            .into_iter()
            .map(|d| {
                (
                    d.kind,
                    String::from_utf8_lossy(&d.bytes).into_owned(),
                    d.span,
                )
            })
            .collect()
    }

    fn b64(s: &str) -> String {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    #[test]
    fn base64_plain_padded_and_url_safe() {
        let text = "x-access-token:ghp_abcdefghijklmnopqrstuvwxyz0123456789";
        let line = format!("AUTHORIZATION: basic {}\n", b64(text));
        let got = all(line.as_bytes());
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].0, Kind::Base64);
        assert_eq!(got[0].1, text);
        assert_eq!(got[0].2 .0, 21);
        // URL-safe, unpadded.
        use base64::Engine;
        let url =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("??>>secret-ish text here>>??");
        assert!(url.contains('_') || url.contains('-'), "{url}");
        let got = all(url.as_bytes());
        assert_eq!(got[0].1, "??>>secret-ish text here>>??");
    }

    #[test]
    fn block_masks_mark_run_characters() {
        // Every byte value, at every place in a block.
        for shift in 0..64u8 {
            for quarter in 0..4u8 {
                let block: [u8; 64] =
                    std::array::from_fn(|i| (i as u8 + shift) % 64 + 64 * quarter);
                let m = block_mask(&block);
                for (i, &b) in block.iter().enumerate() {
                    let want = CLASS[b as usize] & (B64 | URL) != 0;
                    assert_eq!(m >> i & 1 == 1, want, "byte {b:#x} at {i}");
                }
            }
        }
        assert_eq!(run_starts(u128::MAX >> 108), 1); // 20 ones: one start
        assert_eq!(run_starts(u128::MAX >> 109), 0); // 19 ones: none
    }

    #[test]
    fn runs_are_found_wherever_they_start() {
        // The shortest run that is decoded, at every offset, after words and runs of every
        // length: the probes must not step over it.
        let run = b64("0123456789abcde");
        assert_eq!(run.len(), MIN_RUN);
        for lead in 0..3 * MIN_RUN {
            for word in [0, 1, 5, MIN_RUN - 1, MIN_RUN, 2 * MIN_RUN + 3] {
                let mut text = "x".repeat(word);
                text.push(' ');
                text.push_str(&" ".repeat(lead));
                text.push_str(&run);
                text.push_str(" tail");
                let got = all(text.as_bytes());
                assert!(
                    got.iter().any(|g| g.1 == "0123456789abcde"),
                    "word {word}, lead {lead}: {got:?}"
                );
            }
        }
    }

    #[test]
    fn wrapped_base64_is_one_run() {
        let text = "The quick brown fox jumps over the lazy dog, ".repeat(6);
        let enc = b64(&text);
        let wrapped: Vec<&str> = enc
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        let yaml = format!("data: |\n    {}\n", wrapped.join("\n    "));
        let got = all(yaml.as_bytes());
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].1, text);
        // In a JSON or C string the break is an escape (GitHub's contents API: `\n` every 60):
        // its `n` is a base64 character, and not data.
        for sep in ["\\n", "\\r\\n"] {
            let json = format!("{{\"content\": \"{}{sep}\"}}", wrapped.join(sep));
            let got = all(json.as_bytes());
            assert_eq!(got.len(), 1, "{json}: {got:?}");
            assert_eq!(got[0].1, text, "{json}");
            let end = 13 + enc.len() + (wrapped.len() - 1) * sep.len();
            assert_eq!(got[0].2, (13, end), "{json}");
        }
        // A bare carriage return, or an escape other than a line break, ends the run.
        for sep in ["\r", "\\t"] {
            let got = all(wrapped.join(sep).as_bytes());
            assert!(got.iter().all(|g| g.1 != text), "{sep:?}: {got:?}");
        }
    }

    #[test]
    fn noise_is_dropped() {
        // Identifiers, paths and hashes are valid base64 or hex; none reads as text decoded.
        let src = "fn some_long_function_name_here() { let path = \"usr/local/lib/python3/site\"; \
                   let sha = \"da39a3ee5e6b4b0d3255bfef95601890afd80709\"; \
                   let b = \"Zm9vYmFyYmF6cXV4cXV1eA\"; }";
        let got = all(src.as_bytes());
        assert!(got.iter().all(|g| g.1.contains("foobar")), "{got:?}");
    }

    #[test]
    fn hex_percent_escapes_html() {
        let hexed: String = "ghp_0123456789abcdef"
            .bytes()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(all(hexed.as_bytes())[0].1, "ghp_0123456789abcdef");
        let got = all(b"url = https://user:%67%68%70%5Fabc%2Fdef@example.com/x");
        assert_eq!(got[0].0, Kind::Percent);
        assert_eq!(got[0].1, "https://user:ghp_abc/def@example.com/x");
        // Percent-encoding spells bytes: a UTF-8 character's two bytes stay one character.
        let got = all(b"name=caf%C3%A9-and-more-text");
        assert_eq!(got[0].1, "name=caf\u{e9}-and-more-text");
        let got = all(br#"{"t": "\u0067hp_abc\/def\x41\101\u{42}xyz"}"#);
        assert_eq!(got[0].0, Kind::Escape);
        assert_eq!(got[0].1, "ghp_abc/defAABxyz");
        let got = all(b"<a title=\"&#103;&#x68;p&lowbar;token&amp;more_text\">");
        assert_eq!(got[0].0, Kind::Html);
        assert_eq!(got[0].1, "ghp_token&more_text");
    }

    #[test]
    fn hex_after_its_prefix() {
        let text = "ghp_0123456789abcdef";
        let hexed: String = text.bytes().map(|b| format!("{b:02x}")).collect();
        for (line, at) in [
            (format!("v = 0x{hexed};"), 6),
            (format!("V = 0X{};", hexed.to_uppercase()), 6),
            (format!("copy t from stdin;\n\\x{hexed}\n"), 21),
        ] {
            // (PostgreSQL's `\x` is also an escape: the escape decoder reads its first byte.)
            let got: Vec<_> = all(line.as_bytes())
                .into_iter()
                .filter(|d| d.0 != Kind::Escape)
                .collect();
            assert_eq!(got.len(), 1, "{line}: {got:?}");
            assert_eq!(got[0].0, Kind::Hex, "{line}");
            assert_eq!(got[0].1, text, "{line}");
            assert_eq!(got[0].2, (at, at + hexed.len()), "{line}");
        }
        // `x` after anything else starts a word, not hex.
        assert!(all(format!("ax{hexed}").as_bytes()).is_empty());
    }

    #[test]
    fn utf16_inside_base64_and_hex() {
        use base64::Engine;
        let enc = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
        let text = "$env:GH_TOKEN = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789'";
        let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        let bom: Vec<u8> = [0xFF, 0xFE].into_iter().chain(le.iter().copied()).collect();
        let mixed: Vec<u8> = "jeton : ghp_abcdefghijklmnopqrstuvwxyz0123456789 — été"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let raw = |line: &str| -> Vec<(Kind, Vec<u8>)> {
            decode_all(line.as_bytes(), true, &mut Budget::new(BUDGET))
                .into_iter()
                .map(|d| (d.kind, d.bytes))
                .collect()
        };
        for bytes in [&le, &be, &bom, &mixed] {
            let line = format!("powershell -EncodedCommand {}", enc(bytes));
            assert_eq!(raw(&line), [(Kind::Base64, bytes.clone())], "{line}");
            let hexed: String = bytes.iter().map(|b| format!("{b:02X}")).collect();
            let line = format!("CAST(0x{hexed} AS NVARCHAR(100))");
            assert_eq!(raw(&line), [(Kind::Hex, bytes.clone())], "{line}");
        }
        // Mostly not ASCII, a control character, half a surrogate pair: not text.
        let cjk: Vec<u8> = "a令牌令牌令牌令牌令牌令牌令牌令牌令牌令牌"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let mut control = le.clone();
        control[20] = 0x07;
        let mut surrogate = le.clone();
        surrogate[21] = 0xD8;
        for bytes in [cjk, control, surrogate] {
            assert!(!reads_as_utf16(&bytes), "{bytes:?}");
            assert!(all(enc(&bytes).as_bytes()).is_empty(), "{bytes:?}");
        }
    }

    #[test]
    fn utf16_with_and_without_bom() {
        let text = "token: ghp_abcdefghijklmnopqrstuvwxyz0123456789\r\n";
        let mut le = vec![0xFF, 0xFE];
        for u in text.encode_utf16() {
            le.extend_from_slice(&u.to_le_bytes());
        }
        let got = all(&le);
        assert_eq!((got[0].0, got[0].1.as_str()), (Kind::Utf16Le, text));
        let mut be = b"\x00\x01binary".to_vec();
        for u in text.encode_utf16() {
            be.extend_from_slice(&u.to_be_bytes());
        }
        let got = all(&be);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!((got[0].0, got[0].1.as_str()), (Kind::Utf16Be, text));
    }

    #[test]
    fn utf16_runs_are_found_wherever_they_start() {
        // The shortest run that is decoded, in either byte order, at every offset in zeros
        // and in bytes that look half like UTF-16 (a character and a NUL, then not): the
        // probes must not step over it.
        let text = "abcdefghij0123456789";
        assert_eq!(text.len(), MIN_RUN);
        for le in [true, false] {
            let units: Vec<u8> = text
                .encode_utf16()
                .flat_map(|u| if le { u.to_le_bytes() } else { u.to_be_bytes() })
                .collect();
            for lead in 0..3 * MIN_RUN {
                for filler in [&b"\0"[..], b"A\0B\0\x01", b"\0\0\xff"] {
                    let mut input: Vec<u8> = filler.iter().copied().cycle().take(lead).collect();
                    input.extend_from_slice(&units);
                    for tail in [0, 17] {
                        let mut input = input.clone();
                        input.extend(filler.iter().copied().cycle().take(tail));
                        let got = all(&input);
                        assert!(
                            got.iter().any(|g| g.1.contains(text)),
                            "le {le}, lead {lead}, filler {filler:?}, tail {tail}: {got:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn maps_point_at_the_encoding() {
        let text = "0123456789 secret here, and more text";
        let line = format!("key: {}", b64(text));
        let mut budget = Budget::new(BUDGET);
        let d = decode_all(line.as_bytes(), true, &mut budget).remove(0);
        let at = text.find("secret").unwrap();
        let (s, e) = d.outer(at, at + 6);
        // The groups holding bytes 11..17 are characters 12..24 of the encoding.
        assert_eq!((s, e), (5 + 12, 5 + 24));
        let got = all(b"a=%41%42%43defghijklmn");
        assert_eq!(got[0].1, "a=ABCdefghijklmn");
    }

    #[test]
    fn bombs_stop_at_the_ratio_and_the_budget() {
        use std::io::Write;
        let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(&vec![b'a'; 50 << 20]).unwrap();
        let gz = z.finish().unwrap();
        let mut budget = Budget::new(BUDGET);
        let d = decode_all(&gz, true, &mut budget).remove(0);
        assert_eq!(d.kind, Kind::Gzip);
        assert_eq!(d.bytes.len(), gz.len() * MAX_RATIO);
        assert!(
            budget.notes.kept()[0].1.contains("1000 times"),
            "{:?}",
            budget.notes
        );
        // A truncated stream keeps what came out.
        let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        z.write_all("some text worth reading ".repeat(5000).as_bytes())
            .unwrap();
        let gz = z.finish().unwrap();
        let mut budget = Budget::new(BUDGET);
        let d = decode_all(&gz[..gz.len() / 2], true, &mut budget);
        assert_eq!(d[0].kind, Kind::Gzip);
        assert!(!budget.notes.is_empty());
    }
}
