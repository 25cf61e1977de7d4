//! The decode stage: tokens written in another spelling (base64, hex, percent-encoding,
//! escapes, HTML entities, UTF-16) or packed (gzip, zlib), in the files where they really leak;
//! the place and the decode chain in every format; the same secret plain and encoded; random
//! encoded noise; decompression bombs and corrupt streams.

use std::io::Write;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use serde_json::Value;

use super::*;
use crate::util::*;

fn b64(s: impl AsRef<[u8]>) -> String {
    STANDARD.encode(s)
}

/// `b64(s)` cut into lines of `width` characters, for the ways tools wrap it.
fn b64_lines(s: impl AsRef<[u8]>, width: usize) -> Vec<String> {
    let enc = b64(s);
    enc.as_bytes()
        .chunks(width)
        .map(|c| String::from_utf8(c.to_vec()).unwrap())
        .collect()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(bytes).unwrap();
    z.finish().unwrap()
}

/// The one finding of `t`, asserted to carry `chain` and to sit at `(line, column)`.
/// (`column` 0: not checked here.)
#[track_caller]
fn found(run: &Run, t: &str, path: &str, chain: &[&str], (line, column): (u64, u64)) -> Value {
    let findings = run.findings();
    let f = finding_for(&findings, CLASSIC, t).clone();
    assert_eq!(f["path"], path, "{f:#}");
    let want: Vec<Value> = chain.iter().map(|c| Value::from(*c)).collect();
    assert_eq!(f["decoded"], Value::Array(want), "{f:#}");
    assert_eq!(f["line"].as_u64(), Some(line), "{f:#}");
    if column > 0 {
        assert_eq!(f["column"].as_u64(), Some(column), "{f:#}");
    }
    f
}

/// Every output format of a scan of `args`, none holding `t`, part of it, or 16 characters of
/// `spelling`: text of the scanned file that encodes a stretch of the token.
#[track_caller]
fn assert_secret_kept(sb: &Sandbox, args: &[&str], t: &str, spelling: &str) {
    for format in ["text", "json", "jsonl", "sarif", "csv"] {
        let mut a = vec!["scan", "--format", format];
        a.extend_from_slice(args);
        let run = sb.run(&a);
        let all = run.all();
        assert!(!all.contains(t), "{format} shows the token: {run}");
        assert!(
            !all.contains(&t[4..20]),
            "{format} shows part of the token: {run}"
        );
        for w in spelling.as_bytes().windows(16) {
            let w = std::str::from_utf8(w).unwrap();
            assert!(
                !all.contains(w),
                "{format} shows the encoded token ({w}): {run}"
            );
        }
    }
}

/// `encoded[from..to]` (whole base64 groups), checked to decode to bytes inside `within`.
#[track_caller]
fn spelling_of<'a>(encoded: &'a str, (from, to): (usize, usize), within: &str) -> &'a str {
    let part = &encoded[from..to];
    let decoded = STANDARD.decode(part).unwrap();
    let decoded = String::from_utf8(decoded).unwrap();
    assert!(
        within.contains(&decoded),
        "{decoded:?} is not inside {within:?}"
    );
    part
}

#[test]
fn tokens_in_the_encodings_they_really_leak_in() {
    let sb = Sandbox::new();
    let t: Vec<String> = (0..12).map(|i| token("ghp", 9100 + i)).collect();
    // actions/checkout's extraheader in .git/config, as a checked-in copy.
    let header = format!("x-access-token:{}", t[0]);
    sb.write(
        "gitconfig",
        format!(
            "[http \"https://github.com/\"]\n\textraheader = AUTHORIZATION: basic {}\n",
            b64(&header)
        ),
    );
    // Docker's config.json.
    sb.write(
        "docker/config.json",
        format!(
            "{{\n  \"auths\": {{\n    \"ghcr.io\": {{\n      \"auth\": \"{}\"\n    }}\n  }}\n}}\n",
            b64(format!("octo:{}", t[1]))
        ),
    );
    // A Kubernetes Secret whose .dockerconfigjson holds an auth: base64 twice.
    let inner = format!(
        "{{\"auths\":{{\"ghcr.io\":{{\"auth\":\"{}\"}}}}}}",
        b64(format!("octo:{}", t[2]))
    );
    sb.write(
        "k8s/secret.yaml",
        format!("apiVersion: v1\nkind: Secret\ntype: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: {}\n", b64(&inner)),
    );
    // Base64 wrapped over indented lines (a YAML block scalar), URL-safe unpadded, data: URI.
    let env = format!(
        "# deploy settings\nGITHUB_TOKEN={}\nREGION=eu-west-1\n",
        t[3]
    );
    let wrapped = b64_lines(&env, 64);
    sb.write(
        "values.yaml",
        format!("env: |\n  {}\nother: 1\n", wrapped.join("\n  ")),
    );
    sb.write(
        "url-safe.txt",
        format!(
            "state={}\n",
            URL_SAFE_NO_PAD.encode(format!("{{\"t\":\"{}\"}}", t[4]))
        ),
    );
    sb.write(
        "page.html",
        format!(
            "<a href=\"data:text/plain;base64,{}\">x</a>\n",
            b64(format!("token {}", t[5]))
        ),
    );
    // Percent-encoded userinfo: every character, and twice (a URL inside a URL).
    let pct: String = t[6].bytes().map(|b| format!("%{b:02X}")).collect();
    sb.write(
        "remote.txt",
        format!("url = https://octo:{pct}@github.com/o/r.git\n"),
    );
    let pct2: String = t[7].bytes().map(|b| format!("%25{b:02x}")).collect();
    sb.write(
        "redirect.txt",
        format!("next=https%3A%2F%2Fgithub.com%2F%3Ftoken%3D{pct2}\n"),
    );
    // JSON and JavaScript escapes, HTML character references, hex.
    let esc: String = t[8]
        .chars()
        .map(|c| format!("\\u{:04x}", c as u32))
        .collect();
    sb.write("bundle.json", format!("{{\"cfg\": \"{esc}\"}}\n"));
    let ent: String = t[9].chars().map(|c| format!("&#{};", c as u32)).collect();
    sb.write("feed.xml", format!("<token>{ent}</token>\n"));
    let hexed: String = t[10].bytes().map(|b| format!("{b:02x}")).collect();
    sb.write("dump.txt", format!("key_hex: {hexed}\n"));
    // A Windows tool's UTF-16 output, with its byte-order mark.
    let mut u16 = vec![0xFF, 0xFE];
    for u in format!("$env:GITHUB_TOKEN = \"{}\"\r\n", t[11]).encode_utf16() {
        u16.extend_from_slice(&u.to_le_bytes());
    }
    sb.write("profile.ps1", &u16);

    let run = scan_json(&sb, &["."]);
    run.expect_code(1);
    assert_eq!(run.findings().len(), 12, "{run}");
    // A finding in base64 is placed at the group that holds the token's first byte: the
    // encoded text starts at column `col`, and the token `at` bytes into what it decodes to.
    let b64_col = |col: u64, at: usize| col + (at / 3 * 4) as u64;
    found(&run, &t[0], "gitconfig", &["base64"], (2, b64_col(37, 15)));
    found(
        &run,
        &t[1],
        "docker/config.json",
        &["base64"],
        (4, b64_col(16, 5)),
    );
    let in_inner = inner.find("\"auth\":\"").unwrap() + 8;
    let k8s = found(
        &run,
        &t[2],
        "k8s/secret.yaml",
        &["base64", "base64"],
        (5, 0),
    );
    assert_eq!(k8s["column"], b64_col(22, in_inner + 4), "{k8s:#}");
    found(&run, &t[3], "values.yaml", &["base64"], (2, b64_col(3, 31)));
    found(&run, &t[4], "url-safe.txt", &["base64"], (1, b64_col(7, 6)));
    found(&run, &t[5], "page.html", &["base64"], (1, b64_col(33, 6)));
    // Percent-encoding, escapes, entities, hex and UTF-16 map byte for byte.
    found(&run, &t[6], "remote.txt", &["percent"], (1, 20));
    found(
        &run,
        &t[7],
        "redirect.txt",
        &["percent", "percent"],
        (1, 44),
    );
    found(&run, &t[8], "bundle.json", &["escape"], (1, 10));
    found(&run, &t[9], "feed.xml", &["html-entity"], (1, 8));
    found(&run, &t[10], "dump.txt", &["hex"], (1, 10));
    // A UTF-16 file's columns count its bytes, as for any binary file (the byte-order mark's
    // two bytes and each NUL count one): 2 + 2 * 21 before the token.
    found(&run, &t[11], "profile.ps1", &["utf-16le"], (1, 45));
    // Characters 24..68 of the header's base64 spell bytes 18..51: inside the token.
    let header_b64 = b64(&header);
    let spelling = spelling_of(&header_b64, (24, 68), &t[0]);
    assert_secret_kept(&sb, &["."], &t[0], spelling);

    // Off, and shallower.
    let off = scan_json(&sb, &["--no-decode", "."]);
    off.expect_code(0);
    let one = scan_json(&sb, &["--decode-depth", "1", "."]);
    assert_eq!(one.findings().len(), 10, "{one}");
    assert!(with_token(&one.findings(), &t[2]).is_empty());
    let bad = sb.run(&["scan", "--decode-depth", "9", "."]);
    bad.expect_code(2);
    assert!(bad.stderr.contains("decode-depth"), "{bad}");
}

#[test]
fn the_chain_and_the_place_in_every_format() {
    let sb = Sandbox::new();
    let t = token("ghp", 9200);
    let inner = format!(
        "{{\"auths\":{{\"r\":{{\"auth\":\"{}\"}}}}}}",
        b64(format!("u:{t}"))
    );
    sb.write("secret.yaml", format!("data:\n  cfg: {}\n", b64(&inner)));
    let text = sb.run(&["scan", "secret.yaml"]);
    text.expect_code(1);
    // `{"auths":{"r":{"auth":"` is 23 bytes: the inner base64 starts at byte 23 of the outer
    // text, in its 8th group (characters 28..32), after `  cfg: ` (7 characters).
    assert!(text.stdout.contains("2:36 › base64 › base64  "), "{text}");
    // The context line puts the secret's redacted form where its encoding stands.
    let context = text.stdout.lines().find(|l| l.contains('│')).unwrap();
    assert!(context.contains(&redacted(&t)), "{text}");
    let sarif = sb.run(&["scan", "--format", "sarif", "secret.yaml"]);
    let log = sarif.sarif();
    assert_schema_valid(&log);
    let r = &results(&log)[0];
    assert_eq!(
        r["properties"]["decoded"],
        serde_json::json!(["base64", "base64"])
    );
    let region = &location(r)["region"];
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(2), Some(36))
    );
    assert!(region.get("byteLength").is_none(), "{region}");
    assert!(
        r["message"]["text"]
            .as_str()
            .unwrap()
            .contains("base64 › base64"),
        "{r}"
    );
    let csv = sb.run(&["scan", "--format", "csv", "secret.yaml"]);
    let header = csv.stdout.lines().next().unwrap();
    let column = header.split(',').position(|c| c == "decoded").unwrap();
    let row: Vec<&str> = csv.stdout.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(row[column], "base64 > base64", "{csv}");
    // The context line shows the encoded text redacted, not a spelling of the token.
    let json = scan_json(&sb, &["secret.yaml"]);
    assert_eq!(json.findings()[0]["fingerprint"], fingerprint(&t));
    // The outer base64's characters 44..96 spell inner bytes 33..72, inside the inner base64
    // (bytes 23..79), whose characters there spell the token.
    let outer = b64(&inner);
    let spelling = spelling_of(&outer, (44, 96), &b64(format!("u:{t}")));
    assert_secret_kept(&sb, &["secret.yaml"], &t, spelling);
}

#[test]
fn one_secret_plain_and_encoded_is_one_secret() {
    let sb = Sandbox::new();
    let t = token("ghp", 9300);
    sb.write("a.env", format!("TOKEN={t}\n"));
    sb.write("b.yaml", format!("token: {}\n", b64(&t)));
    // Plain in a percent-encoded URL: found once, as written (the plain scan has it).
    sb.write("c.txt", format!("https://u:{t}@github.com/a%20b\n"));
    let run = scan_json(&sb, &["."]);
    let f = run.findings();
    assert_eq!(f.len(), 3, "{run}");
    assert_eq!(run.summary()["distinct_secrets"], 1);
    let c: Vec<&Value> = f.iter().filter(|f| f["path"] == "c.txt").collect();
    assert!(c[0].get("decoded").is_none(), "{:#}", c[0]);
    // Allow markers on the encoded text's line, the allow list and the baseline work as for
    // a plain token.
    sb.write("b.yaml", format!("token: {} # patrol:allow\n", b64(&t)));
    let run = scan_json(&sb, &["b.yaml"]);
    run.expect_code(0);
    assert_eq!(
        run.json()["suppressed"][0]["suppression"]["kind"],
        "inline-marker"
    );
    sb.write("b.yaml", format!("token: {}\n", b64(&t)));
    sb.run(&["baseline", "--file", "base.json", "b.yaml"])
        .expect_code(0);
    scan_json(&sb, &["--baseline", "base.json", "b.yaml"]).expect_code(0);
}

#[test]
fn compressed_files_and_streams() {
    let sb = Sandbox::new();
    let t1 = token("ghp", 9400);
    let t2 = token("gho", 9401);
    let mut log = "GET /health 200\n".repeat(2000);
    log += &format!("auth with {t1}\n");
    sb.write("logs/app.log.gz", gzip(log.as_bytes()));
    // Base64 of gzip, as a CI variable or a manifest carries a packed file.
    sb.write(
        "ci.yaml",
        format!(
            "payload: {}\n",
            b64(gzip(format!("TOKEN={t2}\n").as_bytes()))
        ),
    );
    let run = scan_json(&sb, &["."]);
    run.expect_code(1);
    let f = run.findings();
    // A compressed file is unpacked: the place is in the log, the layer says how.
    let a = finding_for(&f, CLASSIC, &t1);
    assert_eq!(a["path"], "logs/app.log.gz", "{a:#}");
    assert_eq!(
        a["unpacked"],
        serde_json::json!([{"stream": "gzip"}]),
        "{a:#}"
    );
    assert_eq!(
        (a["line"].as_u64(), a["column"].as_u64()),
        (Some(2001), Some(11))
    );
    assert!(a.get("decoded").is_none(), "{a:#}");
    let b = finding_for(&f, OAUTH, &t2);
    assert_eq!(b["decoded"], serde_json::json!(["base64", "gzip"]));
    assert_eq!(
        (b["line"].as_u64(), b["column"].as_u64()),
        (Some(1), Some(10))
    );
}

#[test]
fn bombs_and_corrupt_streams_are_bounded_and_reported() {
    let sb = Sandbox::new();
    let t = token("ghp", 9500);
    // 200 MiB of zeros in a few hundred KiB, then a token: more than the ratio allows.
    let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..200 {
        z.write_all(&zeros).unwrap();
    }
    z.write_all(format!("\n{t}\n").as_bytes()).unwrap();
    sb.write("bomb.gz", z.finish().unwrap());
    // A stream cut in half, and one whose bytes after the header are garbage.
    let whole = gzip(format!("{}\nTOKEN={t}\n", "line of text\n".repeat(5000)).as_bytes());
    sb.write("cut.gz", &whole[..whole.len() / 2]);
    let mut garbage = whole[..10].to_vec();
    garbage.extend(Rng::new(5).bytes(4000));
    sb.write("garbage.gz", garbage);
    // Base64 of the bomb inside a text file.
    sb.write(
        "nested.txt",
        format!("blob: {}\n", b64(gzip(&vec![b'a'; 50 << 20]))),
    );
    // Base64 of a zlib stream of text, cut short, on line 3: the note names the line and the
    // chain, so an auditor can find it.
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    let lines: String = (0..3000).map(|i| format!("entry {i} of a log\n")).collect();
    z.write_all(lines.as_bytes()).unwrap();
    let z = z.finish().unwrap();
    sb.write(
        "cut-inside.yaml",
        format!("a: 1\nb: 2\nc: {}\n", b64(&z[..z.len() / 2])),
    );
    let run = sb.run_within(
        &["scan", "--format", "json", "."],
        std::time::Duration::from_secs(60),
    );
    // Nothing found, nothing crashed, nothing counted as an error: each cut is listed.
    run.expect_code(0);
    let summary = run.summary();
    assert_eq!(summary["errors"], serde_json::json!([]), "{run}");
    let skipped = run.skipped();
    let has = |path: &str, why: &str| run.has_skip(path, why);
    assert!(
        has(
            "bomb.gz",
            "gzip stream not scanned whole: stopped at 1000 times its compressed size"
        ),
        "{skipped:?}"
    );
    assert!(
        has(
            "garbage.gz",
            "gzip stream not scanned whole: corrupt after 0 bytes"
        ),
        "{skipped:?}"
    );
    assert!(
        has("cut.gz", "gzip stream not scanned whole: corrupt"),
        "{skipped:?}"
    );
    assert!(
        has(
            "nested.txt",
            "line 1: base64 › gzip stream not scanned whole: stopped at 1000 times"
        ),
        "{skipped:?}"
    );
    assert!(
        has(
            "cut-inside.yaml",
            "line 3: base64 › zlib stream not scanned whole: corrupt after"
        ),
        "{skipped:?}"
    );
    assert_eq!(summary["skipped"]["decoding cut short"], 5, "{skipped:?}");
    let text = sb.run(&["scan", "."]);
    assert!(
        text.stderr
            .contains("patrol: skipped bomb.gz: gzip stream not scanned whole"),
        "{text}"
    );
}

#[test]
fn notes_are_capped_per_input_and_listed_by_line() {
    // The input chooses how many cut-short streams it holds: here 250 lines, each a base64'd
    // gzip header with nothing after it (62 MB of such lines once made a 440 MB report and
    // took 4 GiB). The report lists the first 100 places, in line order (line 100 after line
    // 99, not after line 10), counts the rest, and the scan goes on to the token at the end.
    let sb = Sandbox::new();
    let t = token("ghp", 9501);
    let mut text: String = (0..250)
        .map(|i| format!("cache_{i}: H4sIAAAAAAAAAAAAAAAAAAAA\n"))
        .collect();
    text += &format!("token: {t}\n");
    sb.write("many.txt", text);
    let run = sb.run(&["scan", "--format", "json", "."]);
    run.expect_code(1);
    assert_eq!(run.findings().len(), 1, "{run}");
    let skipped = run.skipped();
    assert_eq!(skipped.len(), 101, "{skipped:?}");
    for (i, s) in skipped[..100].iter().enumerate() {
        let want = format!(
            "many.txt line {}: base64 › gzip stream not scanned whole",
            i + 1
        );
        assert!(s.starts_with(&want), "{i}: {s}");
    }
    assert_eq!(
        skipped[100],
        "many.txt and 150 more places where decoding was cut short (the first 100 are listed)"
    );
    assert_eq!(run.summary()["skipped"]["decoding cut short"], 101, "{run}");
}

#[test]
fn a_note_in_the_overlap_of_two_windows_is_made_once() {
    // A file is read in 8 MiB windows that share their last 256 KiB with the next; what lies
    // in that overlap is decoded by both. A stream cut short there was noted twice. Four cut
    // streams: before the overlap, in each half of it, and after it; each is listed once, at
    // its own line.
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    let lines: String = (0..3000).map(|i| format!("entry {i} of a log\n")).collect();
    z.write_all(lines.as_bytes()).unwrap();
    let z = z.finish().unwrap();
    let cut = format!("c: {}\n", b64(&z[..z.len() / 2]));
    let filler = format!("{}\n", "x".repeat(70));
    let window = 8usize << 20;
    let mut text = String::new();
    let mut lines_at = Vec::new();
    for at in [
        window / 2,
        window - 200_000,
        window - 5_000,
        window + 300_000,
    ] {
        while text.len() + filler.len() <= at {
            text += &filler;
        }
        lines_at.push(text.matches('\n').count() + 1);
        text += &cut;
    }
    text += &filler;
    let sb = Sandbox::new();
    sb.write("long.log", &text);
    let run = sb.run_within(
        &["scan", "--format", "json", "long.log"],
        std::time::Duration::from_secs(120),
    );
    run.expect_code(0);
    let skipped = run.skipped();
    assert_eq!(skipped.len(), 4, "{skipped:?}");
    for (s, line) in skipped.iter().zip(&lines_at) {
        let want = format!("long.log line {line}: base64 › zlib stream not scanned whole");
        assert!(s.starts_with(&want), "{s} (want line {line})");
    }
}

#[test]
fn hex_lines_followed_by_other_lines() {
    // A line of hex digits whose length is a multiple of four (a 40-byte token is 80 digits)
    // was joined to the next line as wrapped base64, decoded to noise and dropped.
    let sb = Sandbox::new();
    let hex = |t: &str| -> String { t.bytes().map(|b| format!("{b:02x}")).collect() };
    let (t1, t2, t3) = (token("ghp", 9611), token("gho", 9612), token("ghu", 9613));
    sb.write(
        "keys.txt",
        format!(
            "signing_key: {}\nregion: us-east-1\n{}\n{}\n",
            hex(&t1),
            hex(&t2),
            hex(&t3)
        ),
    );
    let run = sb.run(&["scan", "--format", "json", "."]);
    run.expect_code(1);
    assert_eq!(run.findings().len(), 3, "{run}");
    for (t, line, column) in [(&t1, 1, 14), (&t2, 3, 1), (&t3, 4, 1)] {
        let f = run
            .findings()
            .into_iter()
            .find(|f| f["secret"] == redacted(t))
            .unwrap_or_else(|| panic!("{t} not found: {run}"));
        assert_eq!(f["decoded"], serde_json::json!(["hex"]), "{f}");
        assert_eq!(
            (f["line"].as_u64(), f["column"].as_u64()),
            (Some(line), Some(column))
        );
    }
}

#[test]
fn utf16_inside_base64_and_hex_and_hex_after_a_prefix() {
    // Windows and databases write UTF-16, which then travels base64'd or as hex: PowerShell's
    // -EncodedCommand, SQL Server's nvarchar as a binary literal. Hex itself often follows a
    // prefix whose `x` is a base64 character: `0x` (SQL, C), `\x` (PostgreSQL's bytea). Each
    // was decoded to bytes that failed the text check, or as base64, and dropped.
    let sb = Sandbox::new();
    let t: Vec<String> = (0..4).map(|i| token("ghp", 9621 + i)).collect();
    let utf16le = |s: &str| -> Vec<u8> { s.encode_utf16().flat_map(u16::to_le_bytes).collect() };
    let hex = |b: &[u8]| -> String { b.iter().map(|b| format!("{b:02x}")).collect() };
    let script = format!("$env:GH_TOKEN = '{}'; gh release list", t[0]);
    sb.write(
        "deploy.cmd",
        format!(
            "@echo off\r\npowershell.exe -NoProfile -EncodedCommand {}\r\n",
            b64(utf16le(&script))
        ),
    );
    sb.write(
        "seed.sql",
        format!(
            "-- settings\nINSERT INTO cfg (k, v) VALUES ('gh', CAST(0x{} AS NVARCHAR(100)));\n",
            hex(&utf16le(&t[1])).to_uppercase()
        ),
    );
    sb.write(
        "dump.sql",
        format!(
            "COPY public.secrets (id, value) FROM stdin;\n1\t\\x{}\n\\.\n",
            hex(t[2].as_bytes())
        ),
    );
    sb.write(
        "wallet.sol",
        format!(
            "bytes constant KEY = hex\"00\";\nbytes constant K2 = 0x{};\n",
            hex(t[3].as_bytes())
        ),
    );
    let run = scan_json(&sb, &["."]);
    run.expect_code(1);
    assert_eq!(run.findings().len(), 4, "{run}");
    // Column 43 starts the base64; 17 characters of UTF-16 (34 bytes, 11 groups of three)
    // come before the token.
    found(
        &run,
        &t[0],
        "deploy.cmd",
        &["base64", "utf-16le"],
        (2, 43 + 44),
    );
    found(&run, &t[1], "seed.sql", &["hex", "utf-16le"], (2, 45));
    found(&run, &t[2], "dump.sql", &["hex"], (2, 5));
    found(&run, &t[3], "wallet.sol", &["hex"], (2, 23));
    let spelling = b64(utf16le(&script));
    assert_secret_kept(&sb, &["."], &t[0], &spelling[48..100]);
}

#[test]
fn base64_wrapped_inside_json_strings() {
    // GitHub's contents and blobs APIs answer with base64 wrapped every 60 characters, the
    // breaks written as `\n` escapes inside the JSON string; responses saved as test
    // fixtures carry whatever file they fetched. Other tools wrap at 76 with `\r\n`.
    let r = Sandbox::repo();
    r.write("README.md", "hello\n");
    r.commit("init");
    let (t1, t2) = (token("ghp", 9641), token("ghp", 9642));
    let env = format!("# staging\nAPP_NAME=billing\nREGION=eu-west-1\nGITHUB_TOKEN={t1}\n");
    let content = format!("{}\\n", b64_lines(&env, 60).join("\\n"));
    r.write(
        "tests/fixtures/contents.json",
        format!(
            "{{\n  \"name\": \".env\",\n  \"path\": \"deploy/.env\",\n  \"type\": \"file\",\n  \
             \"content\": \"{content}\",\n  \"encoding\": \"base64\"\n}}\n"
        ),
    );
    let blob = format!("{{\"auth\": \"{t2}\", \"note\": \"{}\"}}", "x".repeat(80));
    let wrapped76 = b64_lines(blob, 76);
    r.write(
        "tests/fixtures/blob.json",
        format!("{{\"blob\":\"{}\"}}\n", wrapped76.join("\\r\\n")),
    );
    // The token's first byte is in the base64 group that starts at character `q`; columns
    // count the escapes (two characters each) before it.
    let q = env.find("ghp_").unwrap() / 3 * 4;
    let column = 15 + q + q / 60 * 2;
    let check = |run: &Run| {
        run.expect_code(1);
        assert_eq!(run.findings().len(), 2, "{run}");
        found(
            run,
            &t1,
            "tests/fixtures/contents.json",
            &["base64"],
            (5, column as u64),
        );
        // `{"blob":"` then `{"auth": "` decoded: the group at character 12.
        found(
            run,
            &t2,
            "tests/fixtures/blob.json",
            &["base64"],
            (1, 10 + 12),
        );
    };
    check(&r.run(&["scan", "--format", "json", "."]));
    r.git(&["add", "."]);
    check(&r.run(&["scan", "--staged", "--format", "json"]));
    r.commit("fixtures");
    check(&r.run(&["scan", "--git", "--format", "json"]));
    assert_secret_kept(&r, &["."], &t1, &content[q + 8..q + 40]);
}

#[test]
fn the_text_before_an_encoded_value_is_its_context() {
    // A Kubernetes Secret base64s each value alone: the key name that a rule needs as context
    // (an AWS secret key has no prefix; a legacy GitHub token is 40 hex digits) stands outside
    // the encoded text, on its line or, in a list of name/value pairs, the line above.
    let sb = Sandbox::new();
    let mut rng = Rng::new(9661);
    let (aws, aws2, aws3) = (rng.alnum(40), rng.alnum(40), rng.alnum(40));
    let (legacy, legacy2) = (legacy_hex(&mut rng), legacy_hex(&mut rng));
    let secret = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: ci\ntype: Opaque\ndata:\n  \
         AWS_SECRET_ACCESS_KEY: {}\n  GITHUB_TOKEN: {}\n",
        b64(&aws),
        b64(&legacy)
    );
    sb.write("k8s/ci-secret.yaml", &secret);
    sb.write(
        "k8s/env.yaml",
        format!(
            "env:\n  - name: AWS_SECRET_ACCESS_KEY\n    valueBase64: {}\n",
            b64(&aws3)
        ),
    );
    // The same kinds of value with no key name near: 40 characters, base64'd, nothing more.
    sb.write(
        "k8s/config.yaml",
        format!(
            "data:\n  checksum: {}\n  build: {}\n",
            b64(&aws2),
            b64(&legacy2)
        ),
    );
    let run = scan_json(&sb, &["."]);
    run.expect_code(1);
    let f = run.findings();
    assert_eq!(f.len(), 3, "{run}");
    let at = |path: &str, rule: &str, secret: &str, line: u64, column: u64| {
        let got = finding_for(&f, rule, secret);
        assert_eq!(got["path"], path, "{got:#}");
        assert_eq!(got["decoded"], serde_json::json!(["base64"]), "{got:#}");
        assert_eq!(
            (got["line"].as_u64(), got["column"].as_u64()),
            (Some(line), Some(column)),
            "{got:#}"
        );
    };
    at("k8s/ci-secret.yaml", "aws.secret-access-key", &aws, 7, 26);
    at("k8s/ci-secret.yaml", LEGACY, &legacy, 8, 17);
    at("k8s/env.yaml", "aws.secret-access-key", &aws3, 3, 18);
    assert_secret_kept(&sb, &["."], &aws, &b64(&aws)[8..40]);
}

#[test]
fn long_encoded_runs_across_window_boundaries() {
    // Inputs are read in 8 MiB windows sharing 256 KiB. A base64 or hex run longer than that
    // (an attachment in a mail archive, a body in a HAR file) is cut by both: the next window
    // starts inside it at any character, and this one ends inside it at any character.
    let window = 8usize << 20;
    let filler = format!("{}\n", "x".repeat(70));
    // Exactly `at` bytes: filler lines, then spaces.
    let lines_to = |at: usize| {
        let mut s = String::new();
        while s.len() + filler.len() <= at {
            s += &filler;
        }
        let pad = at - s.len();
        s + &" ".repeat(pad)
    };
    let config = |t: &str, before: usize, after: usize| {
        let line = |i| format!("SETTING_{i}=value number {i} of the configuration\n");
        let mut env: String = (0..before).map(line).collect();
        env += &format!("GITHUB_TOKEN={t}\n");
        env.extend((before..before + after).map(line));
        env
    };
    let sb = Sandbox::new();
    let mut want = Vec::new();
    // `encoded` starting `at` bytes into `path`, on a line after filler lines.
    let mut put = |path: &str, at: usize, encoded: String, t: String, chain: &str| {
        let pre = lines_to(at - "v: ".len());
        want.push((
            path.to_string(),
            t,
            pre.matches('\n').count() + 1,
            chain.to_string(),
        ));
        sb.write(path, format!("{pre}v: {encoded}\n{filler}"));
    };
    // The token lies past the window's end: the next window, which starts two characters
    // into a group of four, finds it.
    let t = token("ghp", 9601);
    put(
        "late.txt",
        window - 500_002,
        b64(config(&t, 12_000, 0)),
        t,
        "base64",
    );
    // The token lies early; the run reaches the window's end 4k + 1 characters in, a length
    // no whole encoding has.
    let t = token("ghp", 9602);
    put(
        "early.txt",
        window - 600_001,
        b64(config(&t, 10, 20_000)),
        t,
        "base64",
    );
    // Hex, cut one digit into a pair by the next window.
    let t = token("ghp", 9603);
    let hex = config(&t, 8_000, 0)
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect();
    put("hex.txt", window - 400_001, hex, t, "hex");
    let run = sb.run_within(
        &["scan", "--format", "json", "."],
        std::time::Duration::from_secs(120),
    );
    run.expect_code(1);
    let findings = run.findings();
    assert_eq!(findings.len(), 3, "{run}");
    for (path, t, line, chain) in want {
        let f = findings
            .iter()
            .find(|f| f["path"] == path)
            .unwrap_or_else(|| panic!("nothing in {path}: {run}"));
        assert_eq!(f["line"], line as u64, "{path}: {f}");
        assert_eq!(f["decoded"], serde_json::json!([chain]), "{path}: {f}");
        assert_eq!(f["secret"], redacted(&t), "{path}: {f}");
    }
}

#[test]
fn encoded_noise_finds_nothing() {
    // Random bytes in every encoding, random strings of every alphabet, and encodings of
    // placeholders and of tokens with a broken checksum: no finding.
    let mut rng = Rng::new(77);
    let mut text = String::new();
    for i in 0..3000 {
        let n = 10 + rng.below(200) as usize;
        let bytes = rng.bytes(n);
        let line = match i % 6 {
            0 => b64(&bytes),
            1 => URL_SAFE_NO_PAD.encode(&bytes),
            2 => bytes.iter().map(|b| format!("{b:02x}")).collect(),
            3 => bytes.iter().map(|b| format!("%{b:02X}")).collect(),
            4 => rng.alnum(n),
            _ => b64(corrupt_at(&token("ghp", i), 12)),
        };
        text += &format!("value_{i}: {line}\n");
    }
    text += &format!(
        "placeholder: {}\n",
        b64("ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")
    );
    // Noise that starts like a zlib stream (base64 `eJ…`, `eN…`: a two-byte header check any
    // data passes once in 31 tries): deflate reads noise for a while before it fails, and that
    // is no stream cut short.
    for (i, header) in [[0x78u8, 0x9c], [0x78, 0xda], [0x78, 0x01], [0x78, 0x5e]]
        .iter()
        .cycle()
        .take(400)
        .enumerate()
    {
        let mut bytes = header.to_vec();
        bytes.extend(rng.bytes(30 + i % 150));
        text += &format!("packed_{i}: {}\n", b64(&bytes));
    }
    let sb = Sandbox::new();
    sb.write("noise.yaml", &text);
    sb.write("noise.bin", Rng::new(78).bytes(1 << 20));
    let run = scan_json(&sb, &["."]);
    run.expect_code(0);
    assert_eq!(run.findings(), Vec::<Value>::new());
    assert_eq!(run.skipped(), Vec::<String>::new());
}

#[test]
fn encoded_tokens_in_history_range_and_staged_changes() {
    let r = Sandbox::repo();
    r.write("README.md", "hello\n");
    let base = r.commit("init");
    let t1 = token("ghp", 9600);
    let t2 = token("ghp", 9601);
    r.write(
        "deploy/secret.yaml",
        format!("data:\n  token: {}\n", b64(&t1)),
    );
    r.commit("add secret");
    // History and range.
    let run = r.run(&["scan", "--git", "--format", "json"]);
    run.expect_code(1);
    let f = found(&run, &t1, "deploy/secret.yaml", &["base64"], (2, 10));
    assert!(f["commit"]["id"].is_string(), "{f:#}");
    let range = format!("{base}..HEAD");
    let run = r.run(&["scan", "--range", &range, "--format", "json"]);
    run.expect_code(1);
    found(&run, &t1, "deploy/secret.yaml", &["base64"], (2, 10));
    // Staged.
    r.write(
        "deploy/other.yaml",
        format!("a: 1\nauth: {}\n", b64(format!("u:{t2}"))),
    );
    r.git(&["add", "deploy/other.yaml"]);
    let run = r.run(&["scan", "--staged", "--format", "json"]);
    run.expect_code(1);
    found(&run, &t2, "deploy/other.yaml", &["base64"], (2, 7));
}
