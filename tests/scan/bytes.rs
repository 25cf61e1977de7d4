//! Bytes: binary files, non-UTF-8, CRLF, the edges of files, huge lines, memory-mapped files.

use std::time::Duration;

use super::*;
use crate::util::*;

#[test]
fn token_in_binary_file_found_with_byte_offset() {
    let mut rng = Rng::new(11);
    let tok = classic("ghp", &mut rng);
    let mut data = b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00".to_vec();
    // Bytes that hold no newline and no keyword.
    for i in 0..3000u32 {
        data.push([0u8, 1, 2, 3, 0xff, 0x90, b'z'][(i % 7) as usize]);
    }
    let offset = data.len();
    data.extend_from_slice(tok.as_bytes());
    data.extend_from_slice(b"\x00\x00\x01\x02");
    let sb = Sandbox::new();
    sb.write("app.bin", &data);

    let out = scan_json(&sb, &["app.bin"]);
    out.expect_code(1);
    let f = out.findings();
    assert_eq!(f.len(), 1, "{out}");
    assert_eq!(f[0]["offset"], offset as u64);
    assert_eq!(f[0]["line"], 1);
    assert_eq!(f[0]["binary"], true);
    assert_eq!(f[0]["fingerprint"], fingerprint(&tok));

    let text = sb.run(&["scan", "app.bin"]);
    assert!(
        text.stdout
            .contains(&format!("binary file, byte offset {offset}")),
        "{text}"
    );
}

#[test]
fn non_utf8_bytes_around_tokens() {
    let mut rng = Rng::new(12);
    let a = classic("ghp", &mut rng);
    let b = fine_grained(&mut rng);
    let mut data = Vec::new();
    // Line 1: invalid lead bytes and Latin-1 'é' (one invalid byte each), then the token.
    data.extend_from_slice(b"\xff\xfecaf\xe9 GITHUB_TOKEN=");
    let off_a = data.len();
    data.extend_from_slice(a.as_bytes());
    data.extend_from_slice(b"\xc3\x28 \xf0\x9f\n");
    // Line 2: valid UTF-8 (a 4-byte emoji) then a token followed by invalid bytes.
    data.extend_from_slice("🔑 ".as_bytes());
    let off_b = data.len();
    data.extend_from_slice(b.as_bytes());
    data.extend_from_slice(b"\xfe\xff\n");
    let sb = Sandbox::new();
    sb.write("mixed.dat", &data);

    let out = scan_json(&sb, &["mixed.dat"]);
    out.expect_code(1);
    let f = out.findings();
    assert_eq!(f.len(), 2, "{out}");
    // 2 invalid bytes + "caf" + 1 invalid byte + " " + "GITHUB_TOKEN=" = 20 characters.
    assert_found(&f, CLASSIC, &a, "mixed.dat", (1, 21, off_a as u64));
    assert_found(&f, FINE, &b, "mixed.dat", (2, 3, off_b as u64));
}

/// The documented contract (src/finding.rs): "column, counted in characters (each invalid
/// UTF-8 byte counts as one)". A stray continuation byte such as Latin-1 '£' (0xA3) is an
/// invalid UTF-8 byte and must count as one character (regression: it used to count as zero).
#[test]
fn column_counts_stray_continuation_bytes_as_one_character() {
    let mut rng = Rng::new(13);
    let tok = classic("ghp", &mut rng);
    let sb = Sandbox::new();
    // "££ GITHUB_TOKEN=" in Latin-1: 0xA3 0xA3 0x20 + 13 = 16 characters before the token.
    let mut data = b"\xa3\xa3 GITHUB_TOKEN=".to_vec();
    data.extend_from_slice(tok.as_bytes());
    data.push(b'\n');
    sb.write("latin1.txt", &data);
    let out = scan_json(&sb, &["latin1.txt"]);
    out.expect_code(1);
    assert_found(&out.findings(), CLASSIC, &tok, "latin1.txt", (1, 17, 16));
}

#[test]
fn crlf_line_endings() {
    let mut rng = Rng::new(14);
    let ghp = classic("ghp", &mut rng);
    let gho = classic("gho", &mut rng);
    let hex = legacy_hex(&mut rng);
    let fg = fine_grained(&mut rng);
    let text = format!(
        "[core]\r\nGITHUB_TOKEN={ghp}\r\n\r\n  token: {gho}\r\nGITHUB_TOKEN={hex}\r\n\r\n\r\nx {fg}\r\n"
    );
    let sb = Sandbox::new();
    sb.write("win.ini", &text);
    let out = scan_json(&sb, &["win.ini"]);
    out.expect_code(1);
    let f = out.findings();
    assert_eq!(f.len(), 4, "{out}");
    assert_found(&f, CLASSIC, &ghp, "win.ini", (2, 14, 21));
    assert_found(&f, OAUTH, &gho, "win.ini", (4, 10, locate(&text, &gho).2));
    assert_found(&f, LEGACY, &hex, "win.ini", (5, 14, locate(&text, &hex).2));
    assert_found(&f, FINE, &fg, "win.ini", (8, 3, locate(&text, &fg).2));
}

#[test]
fn tokens_at_first_and_last_byte_without_trailing_newline() {
    let mut rng = Rng::new(15);
    let first = classic("ghp", &mut rng);
    let last = classic("ghu", &mut rng);
    let fg = fine_grained(&mut rng);
    let sl = stateless_at(5, IAT, EXP, &mut rng);
    let hex = legacy_hex(&mut rng);
    let ghr = refresh(&mut rng);
    let sb = Sandbox::new();
    let both = format!("{first}\nmiddle line\nx={last}");
    sb.write("both.txt", &both);
    sb.write("only.txt", &ghr);
    sb.write("fg.txt", format!("a\n{fg}"));
    sb.write("sl.txt", format!("a\nGITHUB_TOKEN={sl}"));
    sb.write("hex.txt", format!("a\nGITHUB_TOKEN={hex}"));

    let out = scan_json(
        &sb,
        &["both.txt", "only.txt", "fg.txt", "sl.txt", "hex.txt"],
    );
    out.expect_code(1);
    let f = out.findings();
    assert_eq!(f.len(), 6, "{out}");
    assert_found(&f, CLASSIC, &first, "both.txt", (1, 1, 0));
    assert_found(
        &f,
        USER,
        &last,
        "both.txt",
        (3, 3, (both.len() - 40) as u64),
    );
    assert_found(&f, REFRESH, &ghr, "only.txt", (1, 1, 0));
    assert_found(&f, FINE, &fg, "fg.txt", (2, 1, 2));
    assert_found(&f, STATELESS, &sl, "sl.txt", (2, 14, 15));
    assert_found(&f, LEGACY, &hex, "hex.txt", (2, 14, 15));
}

#[test]
fn token_in_middle_of_10mb_minified_line() {
    let mut rng = Rng::new(16);
    let tok = classic("ghp", &mut rng);
    let chunk = "var a0=function(b){return b*2+1};";
    let mut s = String::with_capacity(10 << 20);
    s.push_str("/*! bundle */\n");
    while s.len() < 5 << 20 {
        s.push_str(chunk);
    }
    s.push_str("const k=\"");
    let offset = s.len();
    let column = offset - "/*! bundle */\n".len() + 1;
    s.push_str(&tok);
    s.push_str("\";");
    while s.len() < 10 << 20 {
        s.push_str(chunk);
    }
    let sb = Sandbox::new();
    sb.write("bundle.min.js", &s);
    let out = sb.run_within(
        &["scan", "--format", "json", "bundle.min.js"],
        Duration::from_secs(120),
    );
    out.expect_code(1);
    assert_found(
        &out.findings(),
        CLASSIC,
        &tok,
        "bundle.min.js",
        (2, column as u64, offset as u64),
    );
    assert_eq!(out.json()["summary"]["bytes"], s.len() as u64);
}

#[test]
fn file_over_1mib_is_scanned_to_its_end() {
    let mut rng = Rng::new(17);
    let tok = fine_grained(&mut rng);
    let early = classic("gho", &mut rng);
    let mut s = String::new();
    s.push_str(&format!("first line {early}\n"));
    let mut n = 1u64;
    while s.len() < (3 << 20) {
        s.push_str(&format!("{n:08} lorem ipsum dolor sit amet, consectetur\n"));
        n += 1;
    }
    s.push_str("last: ");
    let offset = s.len();
    s.push_str(&tok);
    s.push('\n');
    let lines_before = n + 1; // the first line plus n-1 filler lines, then "last:"
    let sb = Sandbox::new();
    sb.write("big.log", &s);
    let out = scan_json(&sb, &["big.log"]);
    out.expect_code(1);
    let f = out.findings();
    assert_eq!(f.len(), 2, "{out}");
    assert_found(&f, OAUTH, &early, "big.log", (1, 12, 11));
    assert_found(&f, FINE, &tok, "big.log", (lines_before, 7, offset as u64));
    assert_eq!(out.json()["summary"]["bytes"], s.len() as u64);

    // --max-file-size skips it, says so, and that is not an error.
    let out = sb.run(&["scan", "--max-file-size", "1M", "big.log"]);
    out.expect_code(0);
    assert!(out.stderr.contains("skipped big.log:"), "{out}");
    assert!(out.stderr.contains("over --max-file-size"), "{out}");
}
