//! Entry points for fuzzing every parser of untrusted input, one function per target: the
//! cargo-fuzz targets under `fuzz/` call them, and `cargo test` replays their seed corpora
//! (`tests/fuzz_seeds.rs`), so CI runs every seed. Each takes arbitrary bytes and panics only
//! when a property fails; a parser's error is an ordinary outcome.
//!
//! Not an API: public only so that the fuzz crate and the tests can reach it.

use std::sync::OnceLock;

use crate::finding::{Origin, Validation};
use crate::scan::{ScanOptions, Scanner};

/// The built-in rules, invalid candidates reported, markers ignored, decoding `decode_depth`
/// deep.
fn build_scanner(decode_depth: u8) -> Scanner {
    let rules = crate::rules::load_rules(true, &[] as &[&str]).expect("built-in rules load");
    Scanner::new(
        rules,
        ScanOptions {
            show_invalid: true,
            ignore_allow_markers: true,
            decode_depth,
        },
    )
}

/// Without the decode stage: every finding is the input's bytes at its offset.
fn scanner() -> &'static Scanner {
    static SCANNER: OnceLock<Scanner> = OnceLock::new();
    SCANNER.get_or_init(|| build_scanner(0))
}

/// The scan pipeline on arbitrary bytes (with invalid candidates reported, markers ignored):
/// no panic; every finding's secret is the input's bytes at its offset; a keyword of its rule
/// lies within the rule's window of it (the prefilter has no false negatives); positions are
/// 1-based; a checksum-valid secret holds a keyword spelling; and no context line holds
/// more of any finding's secret than its redacted form.
pub fn scan(data: &[u8]) {
    let scanner = scanner();
    let result = scanner.scan(data, &Origin::Stdin);
    for f in &result.findings {
        let rule = scanner
            .rules()
            .get(&f.rule)
            .unwrap_or_else(|| panic!("finding names unknown rule {:?}", f.rule));
        let start = usize::try_from(f.offset).expect("offset fits usize");
        let end = start + f.secret.len();
        assert!(end <= data.len(), "{}: secret outside the input", f.rule);
        // Secrets are reported as UTF-8 (invalid bytes replaced): compare where they are text.
        if let Ok(text) = std::str::from_utf8(&data[start..end]) {
            assert_eq!(
                text,
                f.secret.expose(),
                "{}: not the bytes at the offset",
                f.rule
            );
        }
        let lo = start.saturating_sub(rule.window);
        let hi = end.saturating_add(rule.window).min(data.len());
        assert!(
            rule.text_has_keyword(&data[lo..hi]),
            "{}: no keyword within the window",
            f.rule
        );
        assert!(
            f.line >= 1 && f.column >= 1,
            "{}: positions are 1-based",
            f.rule
        );
        if f.validation == Validation::ChecksumValid {
            let secret = f.secret.expose().as_bytes();
            // Azure keys carry their keyword (the signature) inside, Entra secrets at
            // offset 3: a checksum-valid secret holds a keyword, not always at its start.
            assert!(
                rule.text_has_keyword(secret),
                "{}: a checksum-valid secret holds a keyword",
                f.rule
            );
        }
    }
    for f in &result.findings {
        for g in &result.findings {
            let s = g.secret.expose().as_bytes();
            let shown = g.secret.redacted();
            for w in s.windows(16) {
                let w = String::from_utf8_lossy(w);
                assert!(
                    !f.context.contains(w.as_ref()) || shown.contains(w.as_ref()),
                    "a context line shows part of a secret: {w:?} in {:?}",
                    f.context
                );
            }
        }
    }
}

/// Several tokens from the seed, laid out by the input: the first bytes choose gaps and glue,
/// the rest is the filler, so the fuzzer explores multi-token lines around real tokens.
pub fn scan_layout(data: &[u8]) {
    static TOKENS: OnceLock<[String; 4]> = OnceLock::new();
    // Checksum-valid tokens, made here (none is written in a source file).
    let tokens = TOKENS.get_or_init(|| {
        [
            classic("ghp", "Q7mZt2Lk9VbX4cRw8NpY3sHd6GfJ1a"),
            classic("gho", "x5TgB8nWq2EyK7uLm3VrZ9cP4hSd6F"),
            classic("ghs", "Rj4Nf8Wb2Yx6Kt9Qm3Ls7Dv5Gh1Pz0"),
            // A legacy token in its context (a generated example, not a real token).
            "github_token=3f9a1c0be7d24658a9b0c1d2e3f4a5b6c7d8e9f0".to_string(), // patrol:allow
        ]
    });
    let Some((&shape, rest)) = data.split_first() else {
        return;
    };
    let mut text = Vec::new();
    let mut filler = rest.chunks(1 + usize::from(shape % 7));
    for i in 0..usize::from(shape % 5 + 1) {
        if let Some(chunk) = filler.next() {
            text.extend_from_slice(chunk);
        }
        text.extend_from_slice(tokens[(i + usize::from(shape)) % tokens.len()].as_bytes());
    }
    for chunk in filler {
        text.extend_from_slice(chunk);
    }
    scan(&text);
}

/// `prefix_` + `body` + base62(CRC-32(body)): a classic token with a valid checksum.
fn classic(prefix: &str, body: &str) -> String {
    const A: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut n = crc32fast::hash(body.as_bytes());
    let mut check = [b'0'; 6];
    for slot in check.iter_mut().rev() {
        *slot = A[(n % 62) as usize];
        n /= 62;
    }
    format!("{prefix}_{body}{}", String::from_utf8_lossy(&check))
}

/// A rules file: loads (with the built-ins, as a user's file would) or is an error.
pub fn rules(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = crate::rules::load_rule_texts(true, vec![("fuzz.toml".into(), text.into())]);
    }
}

/// A gitleaks or Betterleaks config, a Go pattern or an Expr filter: translating never
/// panics; a translated config compiles (every pattern was checked) and its written form
/// parses back to the same rule tables.
pub fn import(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = crate::rules::import::re2::translate(text);
    let _ = crate::rules::import::expr::translate(text);
    let Ok(table) = toml::from_str::<toml::Table>(text) else {
        return;
    };
    if let Ok(t) = crate::rules::import::translate(&table) {
        crate::rules::compile_translation(&t, "fuzz.toml").expect("a translated config compiles");
        let written: toml::Table =
            toml::from_str(&t.to_toml()).expect("a written translation parses");
        let rules = written.get("rules").and_then(toml::Value::as_array);
        assert_eq!(rules.map_or(0, Vec::len), t.translated());
    }
}

/// A `.patrol.toml`: parses or is an error that never quotes the file.
pub fn config(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Err(e) = crate::config::FileConfig::parse(text, ".patrol.toml", "/".as_ref()) {
            let e = e.to_string();
            for line in text.lines().filter(|l| l.len() >= 24 && !l.contains('`')) {
                assert!(!e.contains(line), "the error quotes a line of the file");
            }
        }
    }
}

/// A baseline file: parses or is an error.
pub fn baseline(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = crate::baseline::Baseline::parse(text, "baseline");
    }
}

/// `patrol merge` input: a JSON report, read back, merged with itself, then written in every
/// format, redacted. Properties: no panic; merging a report with itself adds no finding; no
/// output holds a secret the report gave in full (`"redacted": false`) beyond its redacted
/// form.
pub fn merge_report(data: &[u8]) {
    use crate::report::merge::{combine, read};
    use crate::report::{write_report, Format, ReportOptions};
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let rules = scanner().rules();
    let prefix = |id: &str, s: &str| {
        rules
            .get(id)
            .map_or(0, |r| r.public_prefix_len(s.as_bytes()))
    };
    let (Ok(a), Ok(b)) = (read(text, &prefix), read(text, &prefix)) else {
        return;
    };
    let once = combine(vec![a.outcome]);
    let mut twice = combine(vec![once_copy(&once), b.outcome]);
    crate::report::merge::redact(&mut twice, scanner(), false);
    assert_eq!(
        once.findings.len(),
        twice.findings.len(),
        "a repeat adds nothing"
    );
    let full: Vec<String> = twice
        .findings
        .iter()
        .filter(|f| !f.secret.is_redacted_only() && f.secret.len() >= 12)
        .map(|f| f.secret.expose().to_string())
        .collect();
    // Public identifiers the report gave (fingerprints, object ids: hex, shown whole or as 12
    // digits) are not the secret even where a crafted "secret" is a piece of one.
    let mut public: Vec<String> = Vec::new();
    for f in twice.findings.iter().chain(&twice.suppressed) {
        let hex = f.fingerprint.as_str().trim_start_matches("sha256:");
        public.push(f.fingerprint.as_str().to_string());
        public.push(hex.get(..12).unwrap_or(hex).to_string());
        let mut id = |id: &str| {
            public.push(id.to_string());
            public.push(id.get(..12).unwrap_or(id).to_string());
        };
        match &f.origin {
            crate::finding::Origin::Blob { id: i, .. }
            | crate::finding::Origin::Message { id: i, .. } => id(i),
            _ => {}
        }
        if let Some(p) = f.provenance.as_deref() {
            for c in p.commit.iter().chain(&p.removed_in) {
                id(&c.id);
            }
        }
    }
    public.sort_by_key(|p| std::cmp::Reverse(p.len()));
    for format in Format::ALL {
        let cfg = ReportOptions {
            format,
            output: None,
            show_secrets: false,
            color: false,
            quiet: true,
        };
        let mut out = Vec::new();
        write_report(&mut out, &twice, &cfg).expect("writing to memory");
        let mut out = String::from_utf8_lossy(&out).into_owned();
        for p in &public {
            out = out.replace(p.as_str(), "");
        }
        for s in &full {
            assert!(
                !out.contains(s.as_str()),
                "{} shows a secret in full",
                format.name()
            );
        }
    }
}

/// A copy of an outcome's findings and counts (outcomes are not `Clone`: they are moved).
fn once_copy(o: &crate::scan::Outcome) -> crate::scan::Outcome {
    crate::scan::Outcome {
        findings: o.findings.clone(),
        suppressed: o.suppressed.clone(),
        files: o.files,
        bytes: o.bytes,
        ..crate::scan::Outcome::default()
    }
}

/// `patrol verify -` / `revoke -` input: raw tokens, patrol's JSON document or JSON Lines.
pub fn token_input(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(tokens) = crate::verify::parse_token_input(text) {
            for t in &tokens {
                // What verify and revoke then do with each.
                let _ = scanner().identify(t);
                let _ = crate::finding::Secret::new(t.as_bytes(), 4).redacted();
            }
        }
    }
}

/// A stateless `ghs_` token's JWT decoding, on bytes behind the prefix.
pub fn jwt(data: &[u8]) {
    let mut token = b"ghs_".to_vec();
    token.extend_from_slice(data);
    let _ = crate::validate::validate(&crate::validate::Check::GithubJwt, &token, 4);
}

/// Git object bodies as the history scan decodes them: a commit (graph facts, author, summary
/// for reports), an annotated tag, a tree (gix's parser, and provenance's own, which must read
/// what gix reads whole the same way); and the line hashing of large blobs.
pub fn git_object(data: &[u8]) {
    use gix::objs::{CommitRef, TagRef, TreeRefIter};
    if let Ok(c) = CommitRef::from_bytes(data) {
        let _ = c.tree();
        let _ = c.parents().count();
        let _ = c.time();
        if let Ok(a) = c.author() {
            let _ = a.time();
            let _ = format!("{} <{}>", a.name, a.email);
        }
        let summary = c.message().summary();
        let _ = crate::scan::redact_message(&String::from_utf8_lossy(summary.as_ref()));
    }
    if let Ok(t) = TagRef::from_bytes(data) {
        let _ = scanner().scan(t.message, &Origin::Stdin);
    }
    for entry in TreeRefIter::from_bytes(data) {
        match entry {
            Ok(e) => {
                let _ = e.mode.kind();
            }
            Err(_) => break,
        }
    }
    crate::git::fuzz_lines(data);
    crate::git::fuzz_tree(data);
}

/// Git deltas as the pack walk applies them (`git/pack_walk.rs`): no panic on any base and
/// delta, and a result is exactly the size the delta declares, within the limit.
pub fn git_delta(data: &[u8]) {
    crate::git::fuzz_delta(data);
}

/// Every offline check of the catalog on arbitrary bytes (private-key DER and OpenSSH/PuTTY/PGP
/// structure, PyPI macaroons, embedded JSON, Bech32, Marvin32, CRC variants). The first byte
/// picks a prefix length; a check may refuse anything, but must not panic, and its verdict must
/// cover no more than the candidate.
pub fn checks(data: &[u8]) {
    use crate::validate::{validate, Check, Crc32Spec, CrcEncoding};
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let prefix = usize::from(first % 16).min(rest.len());
    let mut all: Vec<Check> = Check::names()
        .into_iter()
        .filter_map(Check::simple)
        .collect();
    all.push(Check::Marvin32(vec![0x4465_6661_756c_7430, 1]));
    for (_, enc) in CrcEncoding::ALL {
        for covers in [false, true] {
            if let Ok(spec) = Crc32Spec::new(covers, enc, 8, Some(b'_')) {
                all.push(Check::Crc32(spec));
            }
        }
    }
    // Each check also sees the bytes behind the prefixes its rules put in front.
    let framed: Vec<Vec<u8>> = [
        &b""[..],
        b"-----BEGIN RSA PRIVATE KEY-----\n",
        b"-----BEGIN PRIVATE KEY-----\n",
        b"-----BEGIN OPENSSH PRIVATE KEY-----\n",
        b"-----BEGIN PGP PRIVATE KEY BLOCK-----\n",
        b"PuTTY-User-Key-File-3: ssh-ed25519\n",
        b"pypi-",
        b"sntrys_",
        b"glc_",
        b"ops_",
        b"sk.",
        b"SG.",
        b"AGE-SECRET-KEY-1",
    ]
    .iter()
    .map(|p| {
        let mut v = p.to_vec();
        v.extend_from_slice(rest);
        if p.starts_with(b"-----BEGIN") {
            v.extend_from_slice(b"\n-----END PRIVATE KEY-----");
        }
        v
    })
    .collect();
    for c in &all {
        for input in &framed {
            let v = validate(c, input, prefix.min(input.len()));
            assert!(
                v.len <= input.len(),
                "{} claims bytes past its input",
                c.name()
            );
        }
    }
}

/// One decoder of the decode stage on arbitrary bytes (`kind` names it, as in reports): no
/// panic; every decoded stretch lies in the input, and any part of its decoded bytes maps back
/// into that stretch, in order; text decoders produce no more than they read (UTF-16: 3/2 of
/// it), decompression no more than its ratio and the budget allow.
pub fn decode(kind: &str, data: &[u8]) {
    use crate::decode::{decode_with, Budget, Kind, BUDGET, MAX_RATIO};
    let kind = Kind::ALL
        .into_iter()
        .find(|k| k.name() == kind)
        .unwrap_or_else(|| panic!("no decoder {kind:?}"));
    let mut budget = Budget::new(BUDGET);
    // An odd first byte: the input as a window that continues a larger one.
    let continued = data.first().is_some_and(|b| b & 1 == 1);
    for d in decode_with(kind, data, continued, &mut budget) {
        let (lo, hi) = d.span;
        assert!(
            lo <= hi && hi <= data.len(),
            "{kind:?}: span {lo}..{hi} of {}",
            data.len()
        );
        if kind.expands() {
            assert!(d.bytes.len() <= data.len() * MAX_RATIO && d.bytes.len() <= BUDGET);
        } else if matches!(kind, Kind::Utf16Le | Kind::Utf16Be) {
            // Two bytes of UTF-16 are up to three of UTF-8 (U+0800..U+FFFF, and U+FFFD for an
            // unpaired surrogate).
            assert!(d.bytes.len() <= (hi - lo) * 3 / 2, "{kind:?} grew past 3/2");
        } else {
            assert!(
                d.bytes.len() <= hi - lo,
                "{kind:?} produced more than it read"
            );
        }
        let n = d.bytes.len();
        for (a, b) in [(0, n), (0, 0), (n / 3, n / 2), (n / 2, n), (n, n)] {
            let (s, e) = d.outer(a, b);
            assert!(
                lo <= s && s <= e && e <= hi,
                "{kind:?}: {a}..{b} maps to {s}..{e}, outside {lo}..{hi}"
            );
        }
        assert!(
            d.outer(n / 3, n / 3).0 <= d.outer(n / 2, n / 2).0,
            "{kind:?}: the map is not in order"
        );
    }
}

/// One container format of the decode stage (`kind` as reports name it: `zip`, `tar`, `gzip`,
/// `bzip2`, `xz`, `zstd`) walked over arbitrary bytes, whatever they start with: no panic, no
/// error (a fault of the container is a note), at most [`MAX_MEMBERS`] members, and no more
/// bytes handed out than the budget allows.
///
/// [`MAX_MEMBERS`]: crate::unpack::MAX_MEMBERS
pub fn unpack(kind: &str, data: &[u8]) {
    use crate::unpack::{walk, Container, Unpacking, MAX_MEMBERS};
    let kind = [
        Container::Zip,
        Container::Tar,
        Container::Gzip,
        Container::Bzip2,
        Container::Xz,
        Container::Zstd,
    ]
    .into_iter()
    .find(|k| k.name() == kind)
    .unwrap_or_else(|| panic!("no container {kind:?}"));
    // A small budget: a fuzzer finds bombs quickly, and each must stay cheap.
    const BUDGET: u64 = 4 << 20;
    let u = Unpacking::new(BUDGET);
    let mut members = 0;
    let mut produced = 0u64;
    let mut buf = Vec::new();
    let r = walk(kind, &mut &data[..], &u, &mut |_, r| {
        members += 1;
        buf.clear();
        produced += r.read_to_end(&mut buf)? as u64;
        Ok(())
    });
    assert!(r.is_ok(), "{kind:?}: {r:?}");
    assert!(members <= MAX_MEMBERS, "{members} members");
    // Stored members are the input's own bytes, not charged to the budget.
    assert!(
        produced <= BUDGET + data.len() as u64,
        "{kind:?}: {produced} bytes from {} with a budget of {BUDGET}",
        data.len()
    );
}

/// The whole decode stage through the scanner: no panic; every finding lies in the input; a
/// decoded one names at most `decode_depth` encodings.
pub fn scan_decoded(data: &[u8]) {
    static SCANNER: OnceLock<Scanner> = OnceLock::new();
    let scanner = SCANNER.get_or_init(|| build_scanner(3));
    let r = scanner.scan(data, &Origin::Stdin);
    for f in r.findings.iter().chain(&r.suppressed) {
        assert!(
            (f.offset as usize) < data.len().max(1),
            "finding past the input"
        );
        assert!(
            f.decoded.len() <= 3,
            "chain {:?} deeper than asked",
            f.decoded
        );
        assert!(
            !f.context.contains(f.secret.expose()) || f.secret.len() < 8,
            "context shows a decoded secret"
        );
    }
}
