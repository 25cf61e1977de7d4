//! Containers the decode stage unpacks: zip-family archives (jar, war, whl, docx), tar (plain,
//! gzip, bzip2, xz, zstd), compressed files; the member and its line in every format; nested
//! containers; hostile ones (bombs, encrypted and unknown members, truncation, corrupt
//! headers, names that attack a terminal or hold a token); history, range and staged changes.
//! Every archive is built here, byte by byte where the format is simple, so the tests need no
//! archiver on the machine.

use std::io::Write;

use serde_json::{json, Value};

use super::*;
use crate::util::*;

/// How a zip member is stored.
#[derive(Clone, Copy, PartialEq)]
enum Method {
    Stored,
    Deflated,
    /// Deflated, sizes in a data descriptor after the data (as streaming writers and `jar` do).
    Streamed,
    /// Stored, sizes only in a data descriptor (Python's zipfile writing to a pipe).
    StoredStreamed,
    /// The encryption flag set (the bytes are not really encrypted: patrol must not read them).
    Encrypted,
    /// A method patrol does not read (LZMA, 14).
    Lzma,
}

fn deflate(bytes: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(bytes).unwrap();
    z.finish().unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(bytes).unwrap();
    z.finish().unwrap()
}

fn bzip2(bytes: &[u8]) -> Vec<u8> {
    let mut z = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
    z.write_all(bytes).unwrap();
    z.finish().unwrap()
}

fn xz(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    lzma_rs::xz_compress(&mut &bytes[..], &mut out).unwrap();
    out
}

fn zstd(bytes: &[u8]) -> Vec<u8> {
    ruzstd::encoding::compress_to_vec(bytes, ruzstd::encoding::CompressionLevel::Fastest)
}

/// A zip archive: local headers, data, a central directory (which patrol does not need, but
/// real archives have).
fn zip(members: &[(&str, &[u8], Method)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, body, method) in members {
        let crc = crc32fast::hash(body);
        let (code, data, flags) = match method {
            Method::Stored => (0u16, body.to_vec(), 0u16),
            Method::Deflated => (8, deflate(body), 0),
            Method::Streamed => (8, deflate(body), 8),
            Method::StoredStreamed => (0, body.to_vec(), 8),
            Method::Encrypted => (8, deflate(body), 1),
            Method::Lzma => (14, body.to_vec(), 0),
        };
        let offset = out.len() as u32;
        let streamed = matches!(method, Method::Streamed | Method::StoredStreamed);
        let in_header = |v: u32| if streamed { 0 } else { v };
        out.extend_from_slice(b"PK\x03\x04");
        out.extend_from_slice(&20u16.to_le_bytes());
        out.extend_from_slice(&flags.to_le_bytes());
        out.extend_from_slice(&code.to_le_bytes());
        out.extend_from_slice(&[0; 4]); // time, date
        out.extend_from_slice(&in_header(crc).to_le_bytes());
        out.extend_from_slice(&in_header(data.len() as u32).to_le_bytes());
        out.extend_from_slice(&in_header(body.len() as u32).to_le_bytes());
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(&data);
        if streamed {
            out.extend_from_slice(b"PK\x07\x08");
            out.extend_from_slice(&crc.to_le_bytes());
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(&(body.len() as u32).to_le_bytes());
        }
        central.extend_from_slice(b"PK\x01\x02");
        central.extend_from_slice(&[20, 0, 20, 0]);
        central.extend_from_slice(&flags.to_le_bytes());
        central.extend_from_slice(&code.to_le_bytes());
        central.extend_from_slice(&[0; 4]);
        central.extend_from_slice(&crc.to_le_bytes());
        central.extend_from_slice(&(data.len() as u32).to_le_bytes());
        central.extend_from_slice(&(body.len() as u32).to_le_bytes());
        central.extend_from_slice(&(name.len() as u16).to_le_bytes());
        central.extend_from_slice(&[0; 12]);
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let at = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06");
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&(members.len() as u16).to_le_bytes());
    out.extend_from_slice(&(members.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&at.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

/// One tar header block of type `kind` for `size` bytes.
fn tar_header(name: &str, size: usize, kind: u8) -> Vec<u8> {
    let mut h = vec![0u8; 512];
    let n = name.len().min(100);
    h[..n].copy_from_slice(&name.as_bytes()[..n]);
    h[100..107].copy_from_slice(b"0000644");
    h[108..115].copy_from_slice(b"0001750");
    h[116..123].copy_from_slice(b"0001750");
    h[124..135].copy_from_slice(format!("{size:011o}").as_bytes());
    h[136..147].copy_from_slice(b"14705165400");
    h[156] = kind;
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
    h
}

fn padded(mut bytes: Vec<u8>) -> Vec<u8> {
    bytes.resize(bytes.len().div_ceil(512) * 512, 0);
    bytes
}

/// A tar archive (ustar; names over 100 bytes through a pax header), with a directory entry
/// first as real archives have.
fn tar(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = tar_header("./", 0, b'5');
    for (name, body) in members {
        if name.len() > 100 {
            let record = format!(" path={name}\n");
            let mut len = record.len() + 2;
            if (len + 1).to_string().len() + record.len() > len {
                len += 1;
            }
            let pax = format!("{len}{record}");
            assert_eq!(pax.len(), len);
            out.extend(tar_header("PaxHeaders/x", pax.len(), b'x'));
            out.extend(padded(pax.into_bytes()));
        }
        out.extend(tar_header(name, body.len(), b'0'));
        out.extend(padded(body.to_vec()));
    }
    out.extend([0u8; 1024]);
    out
}

/// The finding of `t`, asserted to be in `path`, inside `layers`, at `line`:`column`.
#[track_caller]
fn inside(run: &Run, t: &str, path: &str, layers: Value, (line, column): (u64, u64)) -> Value {
    let findings = run.findings();
    let f = with_token(&findings, t);
    assert_eq!(f.len(), 1, "{run}");
    let f = f[0].clone();
    assert_eq!(f["path"], path, "{f:#}");
    assert_eq!(f["unpacked"], layers, "{f:#}");
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(line), Some(column)),
        "{f:#}"
    );
    f
}

fn yml(t: &str) -> String {
    format!("server:\n  port: 8080\ngithub:\n  token: {t}\n")
}

#[test]
fn tokens_in_archives_and_compressed_files() {
    let sb = Sandbox::new();
    let t: Vec<String> = (0..12).map(|i| token("ghp", 9700 + i)).collect();
    // A Spring Boot jar: deflated members with data descriptors, as `jar` writes them.
    let config = yml(&t[0]);
    sb.write(
        "dist/app.jar",
        zip(&[
            (
                "META-INF/MANIFEST.MF",
                b"Manifest-Version: 1.0\n",
                Method::Streamed,
            ),
            ("BOOT-INF/", b"", Method::Stored),
            (
                "BOOT-INF/application.yml",
                config.as_bytes(),
                Method::Streamed,
            ),
        ]),
    );
    // A wheel (stored members) and a docx (deflated XML).
    let netrc = format!("machine github.com\n  login octo\n  password {}\n", t[1]);
    sb.write(
        "dist/tool-1.0-py3-none-any.whl",
        zip(&[
            ("tool/__init__.py", b"", Method::Stored),
            ("tool/data/netrc", netrc.as_bytes(), Method::Stored),
        ]),
    );
    let doc = format!(
        "<w:document><w:body><w:p><w:r><w:t>Use {} for the demo</w:t></w:r></w:p></w:body></w:document>",
        t[2]
    );
    sb.write(
        "docs/handover.docx",
        zip(&[("word/document.xml", doc.as_bytes(), Method::Deflated)]),
    );
    // A home directory as tar.gz, with a path over 100 bytes (a pax header).
    let deep = format!("home/octo/{}/hosts.yml", "nested/".repeat(20));
    let hosts = format!("github.com:\n    user: octo\n    oauth_token: {}\n", t[3]);
    let bashrc = format!("alias ll='ls -l'\nexport GITHUB_TOKEN={}\n", t[4]);
    sb.write(
        "backup/home.tar.gz",
        gzip(&tar(&[
            ("./home/octo/.bashrc", bashrc.as_bytes()),
            (&deep, hosts.as_bytes()),
        ])),
    );
    // The other compressors, and a zip inside a tar inside zstd.
    sb.write(
        "backup/etc.tar.bz2",
        bzip2(&tar(&[(
            "etc/app.env",
            format!("TOKEN={}\n", t[5]).as_bytes(),
        )])),
    );
    sb.write(
        "backup/etc.tar.xz",
        xz(&tar(&[(
            "etc/app.env",
            format!("TOKEN={}\n", t[6]).as_bytes(),
        )])),
    );
    let inner = zip(&[(
        "cfg/ci.yml",
        format!("token: {}\n", t[7]).as_bytes(),
        Method::Deflated,
    )]);
    sb.write(
        "backup/bundle.tar.zst",
        zstd(&tar(&[("libs/plugin.zip", &inner)])),
    );
    let mut log = "GET /health 200\n".repeat(3000);
    log += &format!("Authorization: token {}\n", t[8]);
    sb.write("logs/access.log.bz2", bzip2(log.as_bytes()));
    // A jar inside a war: a zip inside a zip.
    let lib = zip(&[(
        "app.properties",
        format!("gh.token={}\n", t[9]).as_bytes(),
        Method::Deflated,
    )]);
    sb.write(
        "deploy/site.war",
        zip(&[("WEB-INF/lib/core.jar", &lib, Method::Stored)]),
    );
    // A member whose own text is encoded: base64 in a tar member.
    let b64 = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(format!("x-access-token:{}", t[10]))
    };
    sb.write(
        "ci/runner.tar",
        tar(&[(
            "_work/.git/config",
            format!("\textraheader = AUTHORIZATION: basic {b64}\n").as_bytes(),
        )]),
    );
    // Not a container, though it is called one: scanned as it is.
    sb.write("fake.zip", format!("not a zip: {}\n", t[11]));

    let run = scan_json(&sb, &["."]);
    run.expect_code(1);
    assert_eq!(run.findings().len(), 12, "{run}");
    let m = |p: &str| json!({ "member": p });
    let s = |k: &str| json!({ "stream": k });
    inside(
        &run,
        &t[0],
        "dist/app.jar",
        json!([m("BOOT-INF/application.yml")]),
        (4, 10),
    );
    inside(
        &run,
        &t[1],
        "dist/tool-1.0-py3-none-any.whl",
        json!([m("tool/data/netrc")]),
        (3, 12),
    );
    inside(
        &run,
        &t[2],
        "docs/handover.docx",
        json!([m("word/document.xml")]),
        (1, 40),
    );
    inside(
        &run,
        &t[3],
        "backup/home.tar.gz",
        json!([s("gzip"), m(&deep)]),
        (3, 18),
    );
    inside(
        &run,
        &t[4],
        "backup/home.tar.gz",
        json!([s("gzip"), m("home/octo/.bashrc")]),
        (2, 21),
    );
    inside(
        &run,
        &t[5],
        "backup/etc.tar.bz2",
        json!([s("bzip2"), m("etc/app.env")]),
        (1, 7),
    );
    inside(
        &run,
        &t[6],
        "backup/etc.tar.xz",
        json!([s("xz"), m("etc/app.env")]),
        (1, 7),
    );
    inside(
        &run,
        &t[7],
        "backup/bundle.tar.zst",
        json!([s("zstd"), m("libs/plugin.zip"), m("cfg/ci.yml")]),
        (1, 8),
    );
    inside(
        &run,
        &t[8],
        "logs/access.log.bz2",
        json!([s("bzip2")]),
        (3001, 22),
    );
    inside(
        &run,
        &t[9],
        "deploy/site.war",
        json!([m("WEB-INF/lib/core.jar"), m("app.properties")]),
        (1, 10),
    );
    let f = inside(
        &run,
        &t[10],
        "ci/runner.tar",
        json!([m("_work/.git/config")]),
        (1, 37 + 20),
    );
    assert_eq!(f["decoded"], json!(["base64"]), "{f:#}");
    let plain = inside(&run, &t[11], "fake.zip", Value::Null, (1, 12));
    assert!(plain.get("unpacked").is_none(), "{plain:#}");
    // Nothing was cut short.
    assert_eq!(run.summary()["skipped_paths"], json!([]), "{run}");

    // Without the decode stage, only what is stored as it is can be seen.
    let off = scan_json(&sb, &["--no-decode", "."]);
    let found: Vec<&str> = t
        .iter()
        .filter(|x| off.stdout.contains(&x[..8]))
        .map(|x| &x[..])
        .collect();
    assert!(
        !found.contains(&t[0].as_str()) && !found.contains(&t[3].as_str()),
        "{off}"
    );
}

#[test]
fn the_member_and_its_line_in_every_format() {
    let sb = Sandbox::new();
    let t = token("ghp", 9720);
    sb.write(
        "dist/app.jar",
        zip(&[(
            "BOOT-INF/classes/application.yml",
            yml(&t).as_bytes(),
            Method::Deflated,
        )]),
    );
    let text = sb.run(&["scan", "."]);
    text.expect_code(1);
    assert!(text.stdout.contains("dist/app.jar\n"), "{text}");
    assert!(
        text.stdout
            .contains("  BOOT-INF/classes/application.yml:4:10  "),
        "{text}"
    );
    // The context is the member's line, redacted.
    assert!(text.stdout.contains("│ token: ghp_"), "{text}");
    let sarif = sb.run(&["scan", "--format", "sarif", "."]);
    let results = sarif.sarif()["runs"][0]["results"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(results.len(), 1, "{sarif}");
    let r = &results[0];
    let loc = &r["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "dist/app.jar", "{r:#}");
    // No region: the line is the member's, not the jar's.
    assert!(loc.get("region").is_none(), "{r:#}");
    let message = r["message"]["text"].as_str().unwrap();
    assert!(
        message.contains("inside BOOT-INF/classes/application.yml, line 4, column 10"),
        "{message}"
    );
    assert_eq!(
        r["properties"]["unpacked"],
        json!([{ "member": "BOOT-INF/classes/application.yml" }])
    );
    let csv = sb.run(&["scan", "--format", "csv", "."]);
    let mut lines = csv.stdout.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = header.iter().position(|h| *h == "unpacked").unwrap();
    assert_eq!(row[col], "BOOT-INF/classes/application.yml", "{csv}");
    let jsonl = sb.run(&["scan", "--format", "jsonl", "."]);
    assert!(
        jsonl
            .stdout
            .contains(r#""unpacked":[{"member":"BOOT-INF/classes/application.yml"}]"#),
        "{jsonl}"
    );
    for run in [&text, &sarif, &csv, &jsonl] {
        assert!(!run.all().contains(&t[4..20]), "{run}");
    }
}

#[test]
fn markers_baselines_and_fingerprints_inside_members() {
    let sb = Sandbox::new();
    let t1 = token("ghp", 9730);
    let t2 = token("ghp", 9731);
    // An allow marker on the member's line suppresses; the same secret plain elsewhere is
    // one secret.
    sb.write(
        "a.zip",
        zip(&[
            (
                "fixtures/x.env",
                format!("T={t1} # patrol:allow\n").as_bytes(),
                Method::Deflated,
            ),
            ("y.env", format!("T={t2}\n").as_bytes(), Method::Deflated),
        ]),
    );
    sb.write("plain.env", format!("T={t2}\n"));
    let run = scan_json(&sb, &["."]);
    run.expect_code(1);
    let findings = run.findings();
    assert!(with_token(&findings, &t1).is_empty(), "{run}");
    assert_eq!(with_token(&findings, &t2).len(), 2, "{run}");
    assert_eq!(run.summary()["distinct_secrets"], 1, "{run}");
    let suppressed = run.json()["suppressed"].clone();
    assert!(suppressed.to_string().contains("inline-marker"), "{run}");
    // A baseline written from this scan silences both places.
    sb.run(&["baseline", "--file", "base.json", "."])
        .expect_code(0);
    scan_json(&sb, &["--baseline", "base.json", "."]).expect_code(0);
}

#[test]
fn hostile_archives_are_bounded_and_reported() {
    let sb = Sandbox::new();
    let t = token("ghp", 9740);
    let named = token("ghp", 9741);
    let zeros = vec![0u8; 200 << 20];
    // A deflate bomb beside a real member; a bzip2 bomb; members patrol cannot read; a
    // member name that would drive a terminal and one that holds a token.
    sb.write(
        "bomb.zip",
        zip(&[
            ("zeros.bin", &zeros, Method::Deflated),
            ("after.env", format!("T={t}\n").as_bytes(), Method::Deflated),
        ]),
    );
    sb.write("zeros.bz2", bzip2(&zeros));
    sb.write(
        "odd.zip",
        zip(&[
            (
                "secret.enc",
                format!("T={t}\n").as_bytes(),
                Method::Encrypted,
            ),
            ("data.lzma", b"whatever", Method::Lzma),
            (
                "evil\x1b]0;pwned\x07\x1b[2J<img src=x onerror=alert(1)>.env",
                format!("T={t}\n").as_bytes(),
                Method::Stored,
            ),
            (
                &format!("keys/{named}.txt"),
                format!("T={t}\n").as_bytes(),
                Method::Stored,
            ),
        ]),
    );
    // Truncated in the second member's data; a tar whose second header is corrupt.
    let two = zip(&[
        ("one.env", format!("T={t}\n").as_bytes(), Method::Stored),
        ("two.env", "x\n".repeat(1000).as_bytes(), Method::Deflated),
    ]);
    sb.write("cut.zip", &two[..60 + 40]);
    let mut bad = tar(&[("ok.env", format!("T={t}\n").as_bytes()), ("next", b"x")]);
    bad[512 * 3] ^= 0x55;
    sb.write("bad.tar", bad);
    // Containers nested deeper than the decode depth (3): the innermost is not opened.
    let mut nested = zip(&[("deep.env", format!("T={t}\n").as_bytes(), Method::Deflated)]);
    for i in 0..3 {
        nested = zip(&[(&format!("level{i}.zip"), &nested, Method::Deflated)]);
    }
    sb.write("nested.zip", nested);
    // A zstd frame that asks for a 128 MiB window (`zstd --long=27` makes such frames) after
    // one that holds a token: a limit of patrol's, reported as one, not as corruption.
    let mut wide = zstd(format!("T={t}\n").as_bytes());
    wide.extend_from_slice(&[0x28, 0xb5, 0x2f, 0xfd, 0x00, 17 << 3]);
    wide.extend_from_slice(&[(2 << 3) | 1, 0, 0, b'x', b'\n']);
    sb.write("wide.zst", wide);

    let run = sb.run_within(
        &["scan", "--format", "json", "."],
        std::time::Duration::from_secs(120),
    );
    run.expect_code(1);
    let findings = run.findings();
    let members: Vec<String> = findings
        .iter()
        .map(|f| format!("{} {}", f["path"].as_str().unwrap(), f["unpacked"]))
        .collect();
    // Found: after the bomb, the readable members, before the faults. Not found: the
    // encrypted member, the one past the decode depth.
    for want in [
        r#"bomb.zip [{"member":"after.env"}]"#,
        r#"cut.zip [{"member":"one.env"}]"#,
        r#"bad.tar [{"member":"ok.env"}]"#,
        r#"wide.zst [{"stream":"zstd"}]"#,
    ] {
        assert!(members.iter().any(|m| m == want), "{want} in {members:#?}");
    }
    assert!(!members
        .iter()
        .any(|m| m.contains("secret.enc") || m.contains("deep.env")));
    assert_eq!(
        findings.iter().filter(|f| f["path"] == "odd.zip").count(),
        2,
        "{members:#?}"
    );
    let skipped = run.skipped();
    let has = |path: &str, why: &str| run.has_skip(path, why);
    assert!(
        has(
            "bomb.zip",
            "member 'zeros.bin' not scanned whole: stopped at 1000 times"
        ),
        "{skipped:#?}"
    );
    assert!(
        has(
            "zeros.bz2",
            "bzip2 stream not scanned whole: stopped at 1000 times"
        ),
        "{skipped:#?}"
    );
    assert!(
        has("odd.zip", "member 'secret.enc' not scanned: encrypted"),
        "{skipped:#?}"
    );
    assert!(
        has(
            "odd.zip",
            "member 'data.lzma' not scanned: compressed by a method"
        ),
        "{skipped:#?}"
    );
    assert!(has("cut.zip", "zip archive truncated"), "{skipped:#?}");
    assert!(
        has(
            "wide.zst",
            "zstd stream not scanned whole: its frame needs a 128 MiB window, over the 32 MiB \
             limit"
        ),
        "{skipped:#?}"
    );
    assert!(
        !skipped
            .iter()
            .any(|s| s.contains("wide.zst") && s.contains("corrupt")),
        "{skipped:#?}"
    );
    assert!(
        has("bad.tar", "corrupt header after 1 members"),
        "{skipped:#?}"
    );
    assert!(
        has(
            "nested.zip",
            "member 'level2.zip': member 'level1.zip': member 'level0.zip': zip archive not \
             unpacked: the decode depth (3) is reached"
        ),
        "{skipped:#?}"
    );

    // Every output: the member names escaped for terminals, the token in a name redacted.
    for format in ["text", "json", "sarif", "csv"] {
        let run = sb.run_within(
            &["scan", "--format", format, "."],
            std::time::Duration::from_secs(120),
        );
        let all = run.all();
        assert!(!all.contains(&named[4..20]), "{format}: {run}");
        assert!(!all.contains(&t[4..20]), "{format}: {run}");
        if format == "text" || format == "csv" {
            assert!(!all.contains('\x1b'), "{format}: {run}");
        }
    }
}

/// Stored members whose size only a data descriptor gives: found by the descriptor whose
/// size and checksum match what precedes it, even when the data holds a descriptor signature.
#[test]
fn stored_members_of_a_streaming_writer() {
    let sb = Sandbox::new();
    let t1 = token("ghp", 9747);
    let t2 = token("ghp", 9748);
    let decoy = format!("PK\x07\x08 not a descriptor\nT={t1}\n");
    sb.write(
        "piped.zip",
        zip(&[
            ("dir/", b"", Method::StoredStreamed),
            ("a.env", decoy.as_bytes(), Method::StoredStreamed),
            (
                "b.env",
                format!("X=1\nT={t2}\n").as_bytes(),
                Method::Streamed,
            ),
        ]),
    );
    let run = scan_json(&sb, &["."]);
    run.expect_code(1);
    inside(
        &run,
        &t1,
        "piped.zip",
        json!([{ "member": "a.env" }]),
        (2, 3),
    );
    inside(
        &run,
        &t2,
        "piped.zip",
        json!([{ "member": "b.env" }]),
        (2, 3),
    );
    assert_eq!(run.summary()["skipped_paths"], json!([]), "{run}");
}

/// Tar dialects real archivers wrote, each once walked out of step so that every member after
/// it went unscanned (Python's own test archive, `testtar.tar`, stopped after 7 of its 25
/// files): a directory with a size but no data (POSIX: links, devices, directories and FIFOs
/// have none), an old GNU sparse file whose map continues in an extension block, headers of
/// old V7 tar (no ustar magic) and a checksum summed over signed bytes (old HP-UX and Sun
/// tars). A link whose writer stored data anyway is still stepped over.
#[test]
fn tar_dialects_of_real_archivers_are_walked_whole() {
    let sb = Sandbox::new();
    let t: Vec<String> = (0..5).map(|k| token("ghp", 9760 + k)).collect();
    let body = |k: usize| format!("T={}\n", t[k]).into_bytes();
    let reseal = |h: &mut Vec<u8>, signed: bool| {
        h[148..156].copy_from_slice(b"        ");
        let sum: i64 = h
            .iter()
            .map(|&b| {
                if signed {
                    i64::from(b as i8)
                } else {
                    i64::from(b)
                }
            })
            .sum();
        h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
    };
    let mut out = tar_header("dir-with-size/", 255, b'5');
    out.extend(tar_header("a.env", body(0).len(), b'0'));
    out.extend(padded(body(0)));
    // Old GNU sparse: the map continues in one extension block; then 512 bytes of data.
    let mut sparse = tar_header("holes.bin", 512, b'S');
    sparse[482] = 1;
    reseal(&mut sparse, false);
    out.extend(sparse);
    out.extend([0u8; 512]);
    out.extend([b'x'; 512]);
    out.extend(tar_header("b.env", body(1).len(), b'0'));
    out.extend(padded(body(1)));
    // V7: no magic, no version.
    let mut v7 = tar_header("c.env", body(2).len(), b'0');
    v7[257..265].fill(0);
    reseal(&mut v7, false);
    out.extend(v7);
    out.extend(padded(body(2)));
    // A signed checksum (the name's bytes over 0x7f make it differ from the unsigned one).
    let mut hpux = tar_header("d-\u{e4}\u{f6}.env", body(3).len(), b'0');
    reseal(&mut hpux, true);
    out.extend(hpux);
    out.extend(padded(body(3)));
    // A symlink with data stored after it after all.
    out.extend(tar_header("link", 600, b'2'));
    out.extend(padded(vec![b'y'; 600]));
    out.extend(tar_header("e.env", body(4).len(), b'0'));
    out.extend(padded(body(4)));
    out.extend([0u8; 1024]);
    sb.write("dialects.tar", out);
    let run = scan_json(&sb, &["."]);
    run.expect_code(1);
    for (k, name) in ["a.env", "b.env", "c.env", "d-\u{e4}\u{f6}.env", "e.env"]
        .iter()
        .enumerate()
    {
        inside(
            &run,
            &t[k],
            "dialects.tar",
            json!([{ "member": name }]),
            (1, 3),
        );
    }
    assert_eq!(
        run.skipped(),
        vec!["dialects.tar tar entry 'holes.bin' not scanned: a sparse file".to_string()],
        "{run}"
    );
}

/// A streamed member's data descriptor wherever it falls against patrol's 64 KiB read buffer:
/// with one to three bytes of its signature left in the buffer, it was once taken for a
/// descriptor without one, and the walk stopped at the next member (seen on a JDK's src.zip).
#[test]
fn descriptors_across_a_read_buffer_boundary() {
    const BUFFER: usize = 64 << 10;
    let sb = Sandbox::new();
    let tokens: Vec<String> = (0..=5).map(|k| token("ghp", 9750 + k)).collect();
    let body = "streamed member\n".repeat(40);
    let streamed = deflate(body.as_bytes()).len();
    for (k, t) in tokens.iter().enumerate() {
        // pad.txt (stored), then b.txt (streamed) whose data ends k bytes before the buffer
        // ends, then the member holding the token.
        let headers = 30 + "pad.txt".len() + 30 + "b.txt".len();
        let pad = "p".repeat(BUFFER - k - headers - streamed);
        sb.write(
            &format!("edge{k}.zip"),
            zip(&[
                ("pad.txt", pad.as_bytes(), Method::Stored),
                ("b.txt", body.as_bytes(), Method::Streamed),
                ("leak.env", format!("T={t}\n").as_bytes(), Method::Streamed),
            ]),
        );
    }
    let run = scan_json(&sb, &["."]);
    run.expect_code(1);
    for (k, t) in tokens.iter().enumerate() {
        inside(
            &run,
            t,
            &format!("edge{k}.zip"),
            json!([{ "member": "leak.env" }]),
            (1, 3),
        );
    }
    assert_eq!(run.summary()["skipped_paths"], json!([]), "{run}");
}

/// The "better zip bomb" (overlapping entries): a central directory whose 5,000 entries all
/// point at one member's data. Read through its local headers, the archive holds one member,
/// scanned once.
#[test]
fn overlapping_entries_are_read_once() {
    let sb = Sandbox::new();
    let t = token("ghp", 9745);
    let body = format!("{}T={t}\n", "filler line\n".repeat(20_000));
    let one = zip(&[("a.txt", body.as_bytes(), Method::Deflated)]);
    // Keep the local header and data; write a central directory of 5,000 copies of the
    // first entry (each naming offset 0).
    let cd_at = u32::from_le_bytes(one[one.len() - 6..one.len() - 2].try_into().unwrap()) as usize;
    let cd_len =
        u32::from_le_bytes(one[one.len() - 10..one.len() - 6].try_into().unwrap()) as usize;
    let entry = one[cd_at..cd_at + cd_len].to_vec();
    let mut bomb = one[..cd_at].to_vec();
    for _ in 0..5_000 {
        bomb.extend_from_slice(&entry);
    }
    bomb.extend_from_slice(b"PK\x05\x06\0\0\0\0");
    bomb.extend_from_slice(&[0x88, 0x13, 0x88, 0x13]);
    bomb.extend_from_slice(&((entry.len() * 5_000) as u32).to_le_bytes());
    bomb.extend_from_slice(&(cd_at as u32).to_le_bytes());
    bomb.extend_from_slice(&[0, 0]);
    sb.write("overlap.zip", bomb);
    let run = scan_json(&sb, &["."]);
    run.expect_code(1);
    inside(
        &run,
        &t,
        "overlap.zip",
        json!([{ "member": "a.txt" }]),
        (20_001, 3),
    );
    assert_eq!(run.findings().len(), 1, "{run}");
    assert_eq!(run.summary()["skipped_paths"], json!([]), "{run}");
}

#[test]
fn a_member_count_limit_and_many_small_members() {
    let sb = Sandbox::new();
    let t = token("ghp", 9750);
    let mut members: Vec<(String, Vec<u8>)> = (0..100_001)
        .map(|i| (format!("f/{i}"), Vec::new()))
        .collect();
    members[99_999].1 = format!("T={t}\n").into_bytes();
    let refs: Vec<(&str, &[u8], Method)> = members
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice(), Method::Stored))
        .collect();
    // The central directory's counts are 16-bit: this archive's are wrong, as they would be
    // without zip64; patrol does not read them.
    sb.write("many.zip", zip(&refs));
    let run = sb.run_within(
        &["scan", "--format", "json", "."],
        std::time::Duration::from_secs(120),
    );
    run.expect_code(1);
    inside(
        &run,
        &t,
        "many.zip",
        json!([{ "member": "f/99999" }]),
        (1, 3),
    );
    assert!(
        run.summary()["skipped_paths"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("stopped at 100000 members"),
        "{run}"
    );
}

#[test]
fn archives_in_history_range_and_staged_changes() {
    let r = Sandbox::repo();
    r.write("README.md", "hello\n");
    let base = r.commit("init");
    let t1 = token("ghp", 9760);
    let t2 = token("ghp", 9761);
    r.write(
        "dist/app.jar",
        zip(&[(
            "BOOT-INF/application.yml",
            yml(&t1).as_bytes(),
            Method::Streamed,
        )]),
    );
    r.commit("add the build");
    let layers = json!([{ "member": "BOOT-INF/application.yml" }]);
    let run = r.run(&["scan", "--git", "--format", "json"]);
    run.expect_code(1);
    let f = inside(&run, &t1, "dist/app.jar", layers.clone(), (4, 10));
    assert!(f["commit"]["id"].is_string(), "{f:#}");
    let range = format!("{base}..HEAD");
    let run = r.run(&["scan", "--range", &range, "--format", "json"]);
    run.expect_code(1);
    inside(&run, &t1, "dist/app.jar", layers, (4, 10));
    // A later build changes another member: the token was there before, in the same member,
    // so the range that rebuilt the jar adds nothing.
    let built = r.rev("HEAD");
    r.write(
        "dist/app.jar",
        zip(&[
            (
                "BOOT-INF/application.yml",
                yml(&t1).as_bytes(),
                Method::Streamed,
            ),
            (
                "BOOT-INF/classes/App.class",
                b"\xca\xfe\xba\xbe",
                Method::Stored,
            ),
        ]),
    );
    r.commit("rebuild");
    let range = format!("{built}..HEAD");
    let run = r.run(&["scan", "--range", &range, "--format", "json"]);
    run.expect_code(0);
    r.write(
        "backup.tar.gz",
        gzip(&tar(&[(
            "etc/app.env",
            format!("A=1\nT={t2}\n").as_bytes(),
        )])),
    );
    r.git(&["add", "backup.tar.gz"]);
    let run = r.run(&["scan", "--staged", "--format", "json"]);
    run.expect_code(1);
    inside(
        &run,
        &t2,
        "backup.tar.gz",
        json!([{ "stream": "gzip" }, { "member": "etc/app.env" }]),
        (2, 3),
    );
}
