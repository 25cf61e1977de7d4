//! Exit codes: 0 clean, 1 findings, 2 error (and its precedence), for files.

use super::*;
use crate::util::*;

#[test]
fn exit_0_when_clean() {
    let sb = Sandbox::new();
    sb.write("a.txt", "nothing to see here\n");
    sb.write("b/c.rs", "fn main() { println!(\"hi\"); }\n");
    let out = sb.run(&["scan", "."]);
    out.expect_code(0);
    assert_eq!(out.stdout, "");
    assert!(out.stderr.contains("scanned 2 files"), "{out}");
    assert!(out.stderr.contains(": 0 findings"), "{out}");
    // The default input is the current directory.
    sb.run(&["scan"]).expect_code(0);
}

#[test]
fn exit_1_when_findings() {
    let mut rng = Rng::new(8);
    let sb = Sandbox::new();
    sb.write("a.txt", classic("ghp", &mut rng));
    let out = sb.run(&["scan"]);
    out.expect_code(1);
    // One finding: its path, the finding, its line; then a blank line and one rule count.
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 5, "{out}");
    assert!(
        lines[1].starts_with("  1:1  GitHub personal access token (classic) [github.pat.classic]"),
        "{out}"
    );
    assert_eq!(
        lines[4], "1 × GitHub personal access token (classic) [github.pat.classic]",
        "{out}"
    );
}

#[test]
fn exit_2_for_nonexistent_path() {
    let sb = Sandbox::new();
    let out = sb.run(&["scan", "no/such/file"]);
    out.expect_code(2);
    assert!(out.stderr.contains("patrol: error: no/such/file:"), "{out}");
    assert!(out.stderr.contains("1 error (scan incomplete)"), "{out}");

    let out = scan_json(&sb, &["no/such/file"]);
    out.expect_code(2);
    let doc = out.json();
    assert_eq!(doc["summary"]["errors"][0]["path"], "no/such/file", "{out}");
    assert_eq!(doc["summary"]["exit_code"], 2);
}

#[test]
fn exit_2_for_unreadable_file() {
    use std::os::unix::fs::PermissionsExt;
    let sb = Sandbox::new();
    sb.write("ok.txt", "fine\n");
    let locked = sb.write("locked.txt", "secret-ish\n");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    if mode_bits_are_bypassed(&locked) {
        eprintln!(
            "note: running as a user that ignores mode bits (root?): chmod 000 does not make \
             locked.txt unreadable; skipping that assertion"
        );
    } else {
        let out = sb.run(&["scan", "."]);
        out.expect_code(2);
        assert!(out.stderr.contains("locked.txt"), "{out}");
        assert!(out.stderr.contains("scan incomplete"), "{out}");
    }
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o644)).unwrap();

    // A file that fails on read(2) for everyone, root included: /proc/self/mem (reading
    // address 0 of one's own memory is EIO). It is a regular file of size 0 to stat.
    if std::path::Path::new("/proc/self/mem").exists() {
        let out = sb.run(&["scan", "ok.txt", "/proc/self/mem"]);
        out.expect_code(2);
        assert!(
            out.stderr.contains("patrol: error: /proc/self/mem:"),
            "{out}"
        );
        assert!(out.stderr.contains("scanned 1 file "), "{out}");
    } else {
        eprintln!("note: no /proc/self/mem; read-failure fallback not tested");
    }
}

#[test]
fn exit_2_wins_over_1_and_findings_are_still_reported() {
    let mut rng = Rng::new(9);
    let tok = classic("ghp", &mut rng);
    let sb = Sandbox::new();
    sb.write("leak.txt", format!("GITHUB_TOKEN={tok}\n"));
    let out = sb.run(&["scan", "leak.txt", "missing.txt"]);
    out.expect_code(2);
    assert!(
        out.stdout.starts_with("leak.txt\n  1:14  "),
        "finding still reported: {out}"
    );
    assert!(out.stderr.contains("missing.txt"), "{out}");

    let out = scan_json(&sb, &["leak.txt", "missing.txt"]);
    out.expect_code(2);
    assert_found(&out.findings(), CLASSIC, &tok, "leak.txt", (1, 14, 13));
}

#[test]
fn exit_2_for_malformed_rules_file_names_file_rule_and_problem() {
    let sb = Sandbox::new();
    sb.write("a.txt", "x\n");
    let rules = sb.write(
        "rules/bad.toml",
        "[[rules]]\nid = \"acme.key\"\nname = \"Acme key\"\nkeywords = [\"acme_\"]\n\
         pattern = '(acme_[a-z0-9]{16})'\nexamples = [\"acme_0123456789abcdef\"]\n",
    );
    let rules = rules.to_str().unwrap();
    let out = sb.run(&["scan", "--rules", rules, "a.txt"]);
    out.expect_code(2);
    assert_eq!(out.stdout, "");
    assert!(out.stderr.contains(rules), "names the file: {out}");
    assert!(out.stderr.contains("'acme.key'"), "names the rule: {out}");
    assert!(
        out.stderr.contains("no group named 'secret'"),
        "names the problem: {out}"
    );

    // An unknown key (a typo) and broken TOML are errors too.
    let typo = sb.write(
        "rules/typo.toml",
        "[[rules]]\nid = \"acme.key\"\nnmae = \"Acme key\"\nkeywords = [\"acme_\"]\n\
         pattern = '(?P<secret>acme_[a-z0-9]{16})'\nexamples = [\"acme_0123456789abcdef\"]\n",
    );
    let out = sb.run(&["scan", "--rules", typo.to_str().unwrap(), "a.txt"]);
    out.expect_code(2);
    assert!(out.stderr.contains("typo.toml"), "{out}");
    assert!(out.stderr.contains("'acme.key'"), "{out}");
    assert!(out.stderr.contains("unknown field"), "{out}");

    let broken = sb.write("rules/broken.toml", "[[rules]\nid = ");
    let out = sb.run(&["scan", "--rules", broken.to_str().unwrap(), "a.txt"]);
    out.expect_code(2);
    assert!(out.stderr.contains("broken.toml"), "{out}");
    assert!(out.stderr.contains("invalid rules file"), "{out}");
}

#[test]
fn exit_2_for_bad_flags() {
    let sb = Sandbox::new();
    let out = sb.run(&["scan", "--no-such-flag", "."]);
    out.expect_code(2);
    assert!(out.stderr.contains("--no-such-flag"), "{out}");
    let out = sb.run(&["scan", "--format", "yaml", "."]);
    out.expect_code(2);
    assert!(out.stderr.contains("yaml"), "{out}");
    let out = sb.run(&["scan", "--threads", "0", "."]);
    out.expect_code(2);
    assert!(out.stderr.contains("--threads"), "{out}");
    let out = sb.run(&["scan", "--max-file-size", "lots", "."]);
    out.expect_code(2);
    assert!(out.stderr.contains("--max-file-size"), "{out}");
    let out = sb.run(&["frobnicate"]);
    out.expect_code(2);
}
