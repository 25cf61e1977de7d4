//! End-to-end tests: the real `patrol` binary scanning real files in temporary directories.
//!
//! Tokens are generated at run time by `util` (an independent implementation of GitHub's
//! checksums); no checksum-valid token appears in this file.

mod util;

use std::time::Duration;

use serde_json::Value;
use util::*;

const CLASSIC: &str = "github.pat.classic";
const OAUTH: &str = "github.oauth";
const USER: &str = "github.app.user";
const INSTALLATION: &str = "github.app.installation";
const REFRESH: &str = "github.app.refresh";
const FINE: &str = "github.pat.fine_grained";
const STATELESS: &str = "github.app.installation.stateless";
const LEGACY: &str = "github.legacy.token";

const ALL_RULES: [&str; 8] = [
    CLASSIC,
    OAUTH,
    USER,
    INSTALLATION,
    REFRESH,
    FINE,
    STATELESS,
    LEGACY,
];

/// 2026-01-01T00:00:00Z and one hour before it.
const EXP: i64 = 1_767_225_600;
const IAT: i64 = 1_767_222_000;

fn scan_json(sb: &Sandbox, extra: &[&str]) -> Output {
    let mut args = vec!["scan", "--format", "json"];
    args.extend_from_slice(extra);
    sb.run(&args)
}

fn count_rule(findings: &[Value], rule: &str) -> usize {
    findings.iter().filter(|f| f["rule"] == rule).count()
}

// ---------------------------------------------------------------------------------------------
// Every family, in realistic contexts, located precisely
// ---------------------------------------------------------------------------------------------

#[test]
fn every_family_found_in_realistic_files_with_line_column_offset() {
    let mut rng = Rng::new(1);
    let ghp = classic("ghp", &mut rng);
    let gho = classic("gho", &mut rng);
    let ghu = classic("ghu", &mut rng);
    let ghs = classic("ghs", &mut rng);
    let ghr = refresh(&mut rng);
    let fg = fine_grained(&mut rng);
    let fg2 = fine_grained(&mut rng);
    let sl = stateless(448_991, IAT, EXP, &mut rng);
    let sl2 = stateless(12, IAT, EXP, &mut rng);
    let hex_env = legacy_hex(&mut rng);
    let hex_yaml = legacy_hex(&mut rng);
    let hex_auth = legacy_hex(&mut rng);
    let hex_xat = legacy_hex(&mut rng);
    let hex_url = legacy_hex(&mut rng);
    let ghp_url = classic("ghp", &mut rng);
    let gho_url = classic("gho", &mut rng);

    let sb = Sandbox::new();
    let env = format!(
        "# deployment secrets\nGITHUB_TOKEN={ghp}\nOAUTH_TOKEN={gho}\nexport GH_TOKEN=\"{hex_env}\"\n"
    );
    let yaml = format!(
        "service:\n  name: café-bot\n  github:\n    token: \"{ghu}\"\n    refresh_token: {ghr}\n    \
         github_token: {hex_yaml}\n  clé→: \"{ghs}\"\n"
    );
    let json = format!(
        "{{\n  \"auth\": {{\n    \"fine_grained\": \"{fg}\",\n    \"installation\": \"{sl}\"\n  }}\n}}\n"
    );
    let js = format!(
        "import {{ Octokit }} from \"@octokit/rest\";\n\
         const octokit = new Octokit({{ auth: \"{fg2}\" }});\n\
         fetch(url, {{ headers: {{ Authorization: \"token {hex_auth}\" }} }});\n"
    );
    let sh = format!(
        "#!/bin/sh\nset -e\n\
         git clone https://user:{ghp_url}@github.com/o/r.git\n\
         git clone https://{gho_url}@github.com/o/r.git\n\
         git remote add origin https://x-access-token:{hex_xat}@github.com/o/r.git\n\
         git clone https://{hex_url}@github.com/o/r\n"
    );
    let md = format!(
        "# Setup\n\nNever commit a token — like `{ghp}` — to the repo.\n\n```bash\n\
         curl -H \"Authorization: Bearer {sl2}\" https://api.github.com/user\n```\n"
    );
    sb.write(".env", &env);
    sb.write("config/app.yaml", &yaml);
    sb.write("settings.json", &json);
    sb.write("src/client.js", &js);
    sb.write("deploy.sh", &sh);
    sb.write("README.md", &md);

    let out = scan_json(&sb, &["."]);
    out.expect_code(1);
    let f = out.findings();

    assert_found(&f, CLASSIC, &ghp, ".env", locate(&env, &ghp));
    // Spelled out once, independently of `locate`: "GITHUB_TOKEN=" is 13 characters.
    assert_found(&f, CLASSIC, &ghp, ".env", (2, 14, 34));
    assert_found(&f, OAUTH, &gho, ".env", locate(&env, &gho));
    assert_found(&f, LEGACY, &hex_env, ".env", locate(&env, &hex_env));

    let yp = "config/app.yaml";
    assert_found(&f, USER, &ghu, yp, locate(&yaml, &ghu));
    assert_found(&f, REFRESH, &ghr, yp, locate(&yaml, &ghr));
    assert_found(&f, LEGACY, &hex_yaml, yp, locate(&yaml, &hex_yaml));
    // "  clé→: \"" is 9 characters but 12 bytes: the column counts characters.
    let (line, col, off) = locate(&yaml, &ghs);
    assert_eq!((line, col), (7, 10));
    assert_found(&f, INSTALLATION, &ghs, yp, (line, col, off));

    assert_found(&f, FINE, &fg, "settings.json", locate(&json, &fg));
    assert_found(&f, STATELESS, &sl, "settings.json", locate(&json, &sl));

    assert_found(&f, FINE, &fg2, "src/client.js", locate(&js, &fg2));
    assert_found(
        &f,
        LEGACY,
        &hex_auth,
        "src/client.js",
        locate(&js, &hex_auth),
    );

    assert_found(&f, CLASSIC, &ghp_url, "deploy.sh", locate(&sh, &ghp_url));
    assert_found(&f, OAUTH, &gho_url, "deploy.sh", locate(&sh, &gho_url));
    assert_found(&f, LEGACY, &hex_xat, "deploy.sh", locate(&sh, &hex_xat));
    assert_found(&f, LEGACY, &hex_url, "deploy.sh", locate(&sh, &hex_url));

    // The Markdown line has an em dash before the token: 3 bytes, one character.
    let (line, col, off) = locate(&md, &ghp);
    assert_eq!((line, col), (3, 30));
    assert_found(&f, CLASSIC, &ghp, "README.md", (line, col, off));
    assert_found(&f, STATELESS, &sl2, "README.md", locate(&md, &sl2));

    assert_eq!(f.len(), 17, "{}", out);
    for finding in &f {
        let want = if [STATELESS, LEGACY].contains(&finding["rule"].as_str().unwrap()) {
            "structure-valid"
        } else {
            "checksum-valid"
        };
        assert_eq!(finding["validation"], want, "{finding}");
        assert_eq!(finding["binary"], false, "{finding}");
    }
    assert_eq!(out.json()["summary"]["files"], 6);
}

#[test]
fn text_report_line_format_and_rule_names() {
    let mut rng = Rng::new(2);
    let ghp = classic("ghp", &mut rng);
    let fg = fine_grained(&mut rng);
    let hex = legacy_hex(&mut rng);
    let ghp2 = classic("ghp", &mut rng);
    let sb = Sandbox::new();
    sb.write(
        "a.env",
        format!("GITHUB_TOKEN={ghp}\nGH_PAT={fg}\n\tgithub_token = '{hex}'\n"),
    );
    sb.write(
        "b.sh",
        format!("curl -u me:{ghp2} https://api.github.com\n"),
    );
    let out = sb.run(&["scan", "a.env", "b.sh"]);
    out.expect_code(1);
    let lines: Vec<&str> = out.stdout.lines().collect();
    // Grouped by path; locations padded so that rule names line up within a file; each
    // finding's line (trimmed, secrets redacted) under it; then a count per rule, most first, then by rule id.
    assert_eq!(
        lines,
        vec![
            "a.env".to_string(),
            format!(
                "  1:14  GitHub personal access token (classic) [github.pat.classic]  {}  \
                 (checksum-valid)",
                redacted(&ghp, 4)
            ),
            format!("        │ GITHUB_TOKEN={}", redacted(&ghp, 4)),
            format!(
                "  2:8   GitHub fine-grained personal access token [github.pat.fine_grained]  \
                 {}  (checksum-valid)",
                redacted(&fg, 11)
            ),
            format!("        │ GH_PAT={}", redacted(&fg, 11)),
            format!(
                "  3:18  GitHub legacy token (40 hex, or v1. + 40 hex) [github.legacy.token]  \
                 {}  (structure-valid)",
                redacted(&hex, 0)
            ),
            format!("        │ github_token = '{}'", redacted(&hex, 0)),
            String::new(),
            "b.sh".to_string(),
            format!(
                "  1:12  GitHub personal access token (classic) [github.pat.classic]  {}  \
                 (checksum-valid)",
                redacted(&ghp2, 4)
            ),
            format!(
                "        │ curl -u me:{} https://api.github.com",
                redacted(&ghp2, 4)
            ),
            String::new(),
            "2 × GitHub personal access token (classic) [github.pat.classic]".to_string(),
            "1 × GitHub legacy token (40 hex, or v1. + 40 hex) [github.legacy.token]".to_string(),
            "1 × GitHub fine-grained personal access token [github.pat.fine_grained]".to_string(),
        ],
        "{out}"
    );
    assert!(out.stderr.contains("scanned 2 files "), "{out}");
    assert!(out.stderr.contains(": 4 findings"), "{out}");
}

#[test]
fn stateless_installation_token_reports_app_id_and_expiry() {
    let mut rng = Rng::new(3);
    let tok = stateless(1_950_212, IAT, EXP, &mut rng);
    let sb = Sandbox::new();
    sb.write("ci.env", format!("GITHUB_TOKEN={tok}\n"));

    let out = scan_json(&sb, &["ci.env"]);
    out.expect_code(1);
    let f = out.findings();
    assert_eq!(f.len(), 1, "{out}");
    assert_found(&f, STATELESS, &tok, "ci.env", (1, 14, 13));
    let d = &f[0]["details"];
    assert_eq!(d["app_id"], "1950212", "{out}");
    assert_eq!(d["expires_at"], "2026-01-01T00:00:00Z", "{out}");
    assert_eq!(d["issued_at"], "2025-12-31T23:00:00Z", "{out}");
    assert_eq!(d["issuer"], "https://github.com", "{out}");
    assert_eq!(f[0]["validation"], "structure-valid");
    assert_eq!(f[0]["secret"], redacted(&tok, 4));

    let text = sb.run(&["scan", "ci.env"]);
    text.expect_code(1);
    assert!(
        text.stdout
            .contains("app_id=1950212 expires_at=2026-01-01T00:00:00Z"),
        "{text}"
    );
    // The classic ghs_ rule must not also claim the stateless token.
    assert!(!text.stdout.contains("[github.app.installation]"), "{text}");
}

#[test]
fn legacy_hex_only_in_github_context_bare_shas_are_not_reported() {
    let mut rng = Rng::new(4);
    let sha1 = legacy_hex(&mut rng);
    let sha2 = legacy_hex(&mut rng);
    let sha3 = legacy_hex(&mut rng);
    let sha4 = legacy_hex(&mut rng);
    let sha5 = legacy_hex(&mut rng);
    let sb = Sandbox::new();
    sb.write(
        "log.txt",
        format!(
            "commit {sha1}\nAuthor: A <a@example.com>\n\n{sha2}\nGITHUB_SHA={sha3}\n\
             see https://github.com/o/r/commit/{sha4}\n\"sha\": \"{sha5}\"\n\
             Authorization: Bearer {sha1}\nGITHUB_TOKEN=x{sha2}\nGITHUB_TOKEN={sha3}a\n"
        ),
    );
    for flags in [&[][..], &["--show-invalid"][..]] {
        let mut args = vec!["scan", "--format", "json"];
        args.extend_from_slice(flags);
        args.push("log.txt");
        let out = sb.run(&args);
        out.expect_code(0);
        assert_eq!(out.findings().len(), 0, "{out}");
    }

    // The same hex is reported as soon as it is in a token context.
    sb.write("ctx.txt", format!("GITHUB_TOKEN={sha1}\n"));
    let out = scan_json(&sb, &["ctx.txt"]);
    out.expect_code(1);
    assert_found(&out.findings(), LEGACY, &sha1, "ctx.txt", (1, 14, 13));
}

// ---------------------------------------------------------------------------------------------
// Look-alikes and placeholders
// ---------------------------------------------------------------------------------------------

#[test]
fn checksum_invalid_look_alikes_hidden_but_shown_with_show_invalid() {
    let mut rng = Rng::new(5);
    let bad_ghp = corrupt(&classic("ghp", &mut rng), 10);
    let bad_gho = corrupt(&classic("gho", &mut rng), 20);
    let bad_ghu = corrupt(&classic("ghu", &mut rng), 5);
    let bad_ghs = corrupt(&classic("ghs", &mut rng), 33);
    let bad_ghr = corrupt(&refresh(&mut rng), 50);
    let bad_fg = corrupt(&fine_grained(&mut rng), 40);
    let placeholder = format!("ghp_{}", "x".repeat(36));
    let sb = Sandbox::new();
    let text = format!(
        "GITHUB_TOKEN={placeholder}\nt1={bad_ghp}\nt2={bad_gho}\nt3={bad_ghu}\nt4={bad_ghs}\n\
         t5={bad_ghr}\nt6={bad_fg}\n"
    );
    sb.write("fake.env", &text);

    let out = sb.run(&["scan", "fake.env"]);
    out.expect_code(0);
    assert_eq!(out.stdout, "", "{out}");
    assert!(
        out.stderr
            .contains("7 checksum/structure-invalid candidates not shown (--show-invalid)"),
        "{out}"
    );

    let out = scan_json(&sb, &["--show-invalid", "fake.env"]);
    out.expect_code(1);
    let f = out.findings();
    assert_eq!(f.len(), 7, "{out}");
    for (rule, tok) in [
        (CLASSIC, &placeholder),
        (CLASSIC, &bad_ghp),
        (OAUTH, &bad_gho),
        (USER, &bad_ghu),
        (INSTALLATION, &bad_ghs),
        (REFRESH, &bad_ghr),
        (FINE, &bad_fg),
    ] {
        let fd = finding_for(&f, rule, tok);
        assert_eq!(fd["validation"], "checksum-invalid", "{fd}");
        let (line, col, off) = locate(&text, tok);
        assert_eq!(
            (fd["line"].as_u64(), fd["column"].as_u64()),
            (Some(line), Some(col))
        );
        assert_eq!(fd["offset"], off);
    }
    let text_out = sb.run(&["scan", "--show-invalid", "fake.env"]);
    assert_eq!(
        text_out
            .stdout
            .lines()
            .filter(|l| l.ends_with("(checksum-invalid)"))
            .count(),
        7,
        "{text_out}"
    );
}

#[test]
fn structure_invalid_placeholders_hidden_but_shown_with_show_invalid() {
    let mut rng = Rng::new(6);
    let empty_claims = format!(
        "ghs_77_{}.{}.{}",
        b64url(br#"{"alg":"RS256"}"#),
        b64url(b"{}"),
        b64url(&rng.bytes(64))
    );
    let short_sig = format!(
        "ghs_77_{}.{}.{}",
        b64url(br#"{"alg":"RS256"}"#),
        b64url(br#"{"exp":1767225600}"#),
        "c2ln"
    );
    let sb = Sandbox::new();
    sb.write(
        "ph.env",
        format!(
            "GITHUB_TOKEN={}\nGH_TOKEN={}\nA={empty_claims}\nB={short_sig}\n",
            "0".repeat(40),
            "deadbeef".repeat(5)
        ),
    );
    let out = sb.run(&["scan", "ph.env"]);
    out.expect_code(0);
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr
            .contains("4 checksum/structure-invalid candidates not shown"),
        "{out}"
    );
    let out = scan_json(&sb, &["--show-invalid", "ph.env"]);
    let f = out.findings();
    assert_eq!(f.len(), 4, "{out}");
    assert!(
        f.iter().all(|x| x["validation"] == "structure-invalid"),
        "{out}"
    );
    assert_eq!(count_rule(&f, LEGACY), 2);
    assert_eq!(count_rule(&f, STATELESS), 2);
}

// ---------------------------------------------------------------------------------------------
// Glued text
// ---------------------------------------------------------------------------------------------

#[test]
fn tokens_glued_to_escapes_ansi_quoted_printable_and_each_other() {
    let mut rng = Rng::new(7);
    let in_json = classic("ghp", &mut rng);
    let in_ansi = classic("gho", &mut rng);
    let in_qp = classic("ghu", &mut rng);
    let pair_a = classic("ghp", &mut rng);
    let pair_b = classic("ghp", &mut rng);
    let fg_a = fine_grained(&mut rng);
    let fg_b = fine_grained(&mut rng);
    let trailing = classic("ghs", &mut rng);
    let ghr_a = refresh(&mut rng);
    let ghr_b = refresh(&mut rng);
    let text = format!(
        "{{\"log\":\"starting\\n{in_json}\\ndone\"}}\n\
         \u{1b}[32m{in_ansi}\u{1b}[0m\n\
         token=3D{in_qp}=\n\
         {pair_a}{pair_b}\n\
         {fg_a}{fg_b}\n\
         id:{trailing}ThenSomeWordsGlued\n\
         {ghr_a}{ghr_b}\n"
    );
    let sb = Sandbox::new();
    sb.write("glued.log", &text);
    let out = scan_json(&sb, &["glued.log"]);
    out.expect_code(1);
    let f = out.findings();
    let p = "glued.log";
    assert_found(&f, CLASSIC, &in_json, p, locate(&text, &in_json));
    assert_eq!(locate(&text, &in_json).1, 19);
    assert_found(&f, OAUTH, &in_ansi, p, locate(&text, &in_ansi));
    assert_eq!(locate(&text, &in_ansi).1, 6);
    assert_found(&f, USER, &in_qp, p, (3, 9, locate(&text, &in_qp).2));
    assert_found(&f, CLASSIC, &pair_a, p, locate(&text, &pair_a));
    assert_found(&f, CLASSIC, &pair_b, p, locate(&text, &pair_b));
    assert_eq!(locate(&text, &pair_b).1, 41);
    assert_found(&f, FINE, &fg_a, p, locate(&text, &fg_a));
    assert_found(&f, FINE, &fg_b, p, (5, 94, locate(&text, &fg_b).2));
    // The finding is the 40-character token, not the letters glued after it.
    assert_found(&f, INSTALLATION, &trailing, p, locate(&text, &trailing));
    assert_found(&f, REFRESH, &ghr_a, p, locate(&text, &ghr_a));
    assert_found(&f, REFRESH, &ghr_b, p, (7, 81, locate(&text, &ghr_b).2));
    assert_eq!(f.len(), 10, "{out}");
}

// ---------------------------------------------------------------------------------------------
// Exit codes
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Redaction and fingerprints
// ---------------------------------------------------------------------------------------------

#[test]
fn secrets_are_redacted_in_every_format_unless_show_secrets() {
    let mut rng = Rng::new(10);
    let ghp = classic("ghp", &mut rng);
    let ghr = refresh(&mut rng);
    let fg = fine_grained(&mut rng);
    let sl = stateless(99, IAT, EXP, &mut rng);
    let hex = legacy_hex(&mut rng);
    let secrets = [
        (ghp.as_str(), 4),
        (ghr.as_str(), 4),
        (fg.as_str(), 11),
        (sl.as_str(), 4),
        (hex.as_str(), 0),
    ];
    let sb = Sandbox::new();
    sb.write(
        "secrets.env",
        format!("A={ghp}\nB={ghr}\nC={fg}\nD={sl}\nGITHUB_TOKEN={hex}\n"),
    );
    let report_dir = tempfile::tempdir().unwrap();

    for format in ["text", "json", "jsonl"] {
        for show in [false, true] {
            let report = report_dir.path().join(format!("r-{format}-{show}"));
            let report_s = report.to_str().unwrap().to_string();
            let mut args = vec!["scan", "--format", format, "secrets.env"];
            if show {
                args.push("--show-secrets");
            }
            let out = sb.run(&args);
            out.expect_code(1);
            args.extend_from_slice(&["--output", &report_s]);
            let to_file = sb.run(&args);
            to_file.expect_code(1);
            assert_eq!(to_file.stdout, "", "{to_file}");
            let file_text = std::fs::read_to_string(&report).unwrap();
            if format == "json" {
                // The summary has a timing in it; the findings must be the same.
                let doc: Value = serde_json::from_str(&file_text).unwrap();
                assert_eq!(doc["findings"], out.json()["findings"]);
            } else {
                assert_eq!(
                    file_text, out.stdout,
                    "--output writes what stdout would get"
                );
            }

            for (secret, prefix) in secrets {
                // Not even the secret minus its first characters may leak.
                let tail = &secret[prefix + 4..];
                let everything = format!("{}{}{}", out.all(), to_file.stderr, file_text);
                if show {
                    assert!(everything.contains(secret), "{format}: {out}");
                } else {
                    assert!(
                        !everything.contains(tail),
                        "{format}: secret leaked without --show-secrets: {out}"
                    );
                    assert!(
                        everything.contains(&redacted(secret, prefix)),
                        "{format}: redacted form missing: {out}"
                    );
                }
            }
        }
    }

    let out = scan_json(&sb, &["secrets.env"]);
    for f in out.findings() {
        assert_eq!(f["redacted"], true);
    }
    let shown = scan_json(&sb, &["--show-secrets", "secrets.env"]);
    let f = shown.findings();
    assert_eq!(f.len(), 5, "{shown}");
    for (secret, prefix) in secrets {
        let fd = f
            .iter()
            .find(|x| x["secret"] == secret)
            .unwrap_or_else(|| panic!("secret shown in full: {shown}"));
        assert_eq!(fd["redacted"], false);
        assert_eq!(fd["fingerprint"], fingerprint(secret), "{fd}");
        // Same fingerprint whether redacted or not.
        let red = out.findings();
        let rd = red
            .iter()
            .find(|x| x["fingerprint"] == fingerprint(secret))
            .unwrap();
        assert_eq!(rd["secret"], redacted(secret, prefix));
    }
}

// ---------------------------------------------------------------------------------------------
// Bytes: binary, non-UTF-8, CRLF, edges of files, huge lines, mmap
// ---------------------------------------------------------------------------------------------

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
    let sl = stateless(5, IAT, EXP, &mut rng);
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

// ---------------------------------------------------------------------------------------------
// Special files
// ---------------------------------------------------------------------------------------------

#[test]
fn empty_file() {
    let sb = Sandbox::new();
    sb.write("empty.txt", "");
    let out = scan_json(&sb, &["empty.txt"]);
    out.expect_code(0);
    let doc = out.json();
    assert_eq!(doc["findings"].as_array().unwrap().len(), 0);
    assert_eq!(doc["summary"]["files"], 1);
    assert_eq!(doc["summary"]["bytes"], 0);
    let out = sb.run(&["scan", "."]);
    out.expect_code(0);
    assert!(out.stderr.contains("scanned 1 file (0 B)"), "{out}");
}

fn mkfifo(path: &std::path::Path) {
    let st = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("run mkfifo");
    assert!(st.success(), "mkfifo failed");
}

#[test]
fn fifo_is_skipped_without_blocking() {
    let mut rng = Rng::new(18);
    let tok = classic("ghp", &mut rng);
    let sb = Sandbox::new();
    sb.write("leak.txt", format!("GITHUB_TOKEN={tok}\n"));
    mkfifo(&sb.path("pipe"));

    let limit = Duration::from_secs(20);
    let out = sb.run_within(&["scan", "."], limit);
    out.expect_code(1);
    assert!(
        out.stderr
            .contains("patrol: skipped pipe: fifo, not a regular file"),
        "{out}"
    );
    assert!(out.stderr.contains("skipped 1 fifo"), "{out}");
    assert!(out.stdout.starts_with("leak.txt\n  1:14  "), "{out}");

    // Named explicitly, too.
    let out = sb.run_within(&["scan", "--format", "json", "pipe"], limit);
    out.expect_code(0);
    let doc = out.json();
    assert_eq!(doc["summary"]["skipped"]["fifo"], 1, "{out}");
    assert_eq!(doc["summary"]["skipped_paths"][0]["path"], "pipe", "{out}");
    assert_eq!(doc["summary"]["files"], 0);
}

#[test]
fn symlink_loops_and_broken_links_are_not_followed_by_default() {
    use std::os::unix::fs::symlink;
    let sb = Sandbox::new();
    sb.write("real.txt", "nothing\n");
    symlink("loop_b", sb.path("loop_a")).unwrap();
    symlink("loop_a", sb.path("loop_b")).unwrap();
    symlink(".", sb.path("self")).unwrap();
    symlink("does/not/exist", sb.path("broken")).unwrap();

    let out = sb.run_within(&["scan", "--format", "json", "."], Duration::from_secs(20));
    out.expect_code(0);
    let doc = out.json();
    assert_eq!(doc["summary"]["files"], 1, "{out}");
    assert_eq!(doc["summary"]["skipped"]["symlink"], 4, "{out}");
    assert_eq!(doc["summary"]["errors"].as_array().unwrap().len(), 0);
    let text = sb.run(&["scan", "."]);
    text.expect_code(0);
    assert!(text.stderr.contains("skipped 4 symlink"), "{text}");
}

#[test]
fn follow_finds_token_behind_symlink() {
    use std::os::unix::fs::symlink;
    let mut rng = Rng::new(19);
    let tok = classic("ghu", &mut rng);
    let sb = Sandbox::new();
    sb.write("outside/secret.txt", format!("token: {tok}\n"));
    sb.mkdir("tree");
    symlink("../outside/secret.txt", sb.path("tree/link.txt")).unwrap();
    sb.write("tree/plain.txt", "plain\n");

    let out = scan_json(&sb, &["tree"]);
    out.expect_code(0);
    assert_eq!(out.findings().len(), 0);

    for flag in ["--follow", "-L"] {
        let out = scan_json(&sb, &[flag, "tree"]);
        out.expect_code(1);
        assert_found(&out.findings(), USER, &tok, "tree/link.txt", (1, 8, 7));
    }
    // A symlink named on the command line is followed even without --follow.
    let out = scan_json(&sb, &["tree/link.txt"]);
    out.expect_code(1);
    assert_found(&out.findings(), USER, &tok, "tree/link.txt", (1, 8, 7));
}

// ---------------------------------------------------------------------------------------------
// Walking: ignore files, hidden files, .git
// ---------------------------------------------------------------------------------------------

#[test]
fn gitignore_hidden_files_and_git_directory() {
    let mut rng = Rng::new(20);
    let in_env = classic("ghp", &mut rng);
    let in_ignored_dir = classic("gho", &mut rng);
    let in_ignored_glob = classic("ghu", &mut rng);
    let in_dot_ignore = classic("ghs", &mut rng);
    let in_git = classic("ghp", &mut rng);
    let in_sub_git = fine_grained(&mut rng);
    let sb = Sandbox::new();
    sb.write(".gitignore", "build/\n*.secret\n");
    sb.write(".ignore", "skipme.txt\n");
    sb.write(".env", format!("GITHUB_TOKEN={in_env}\n"));
    sb.write("build/out.txt", format!("{in_ignored_dir}\n"));
    sb.write("creds.secret", format!("{in_ignored_glob}\n"));
    sb.write("skipme.txt", format!("{in_dot_ignore}\n"));
    sb.write(
        ".git/config",
        format!("[remote \"origin\"]\n\turl = https://u:{in_git}@github.com/o/r.git\n"),
    );
    sb.write("vendor/lib/.git/packed-refs", format!("{in_sub_git}\n"));
    sb.write("vendor/lib/code.txt", "ok\n");

    let out = scan_json(&sb, &["."]);
    out.expect_code(1);
    let f = out.findings();
    assert_eq!(f.len(), 1, "{out}");
    assert_found(&f, CLASSIC, &in_env, ".env", (1, 14, 13));

    let out = scan_json(&sb, &["--no-ignore", "."]);
    out.expect_code(1);
    let f = out.findings();
    assert_eq!(f.len(), 4, "{out}");
    assert_found(&f, CLASSIC, &in_env, ".env", (1, 14, 13));
    assert_found(&f, OAUTH, &in_ignored_dir, "build/out.txt", (1, 1, 0));
    assert_found(&f, USER, &in_ignored_glob, "creds.secret", (1, 1, 0));
    assert_found(&f, INSTALLATION, &in_dot_ignore, "skipme.txt", (1, 1, 0));
    // Nothing under a .git directory, even with --no-ignore.
    let all = out.all();
    assert!(!all.contains(".git/"), "{out}");

    // An ignored file named explicitly is scanned.
    let out = scan_json(&sb, &["creds.secret"]);
    out.expect_code(1);
    assert_found(
        &out.findings(),
        USER,
        &in_ignored_glob,
        "creds.secret",
        (1, 1, 0),
    );
}

// ---------------------------------------------------------------------------------------------
// stdin
// ---------------------------------------------------------------------------------------------

#[test]
fn stdin_dash_is_scanned_as_stdin() {
    let mut rng = Rng::new(21);
    let tok = classic("ghp", &mut rng);
    let sb = Sandbox::new();
    let input = format!("line one\nexport GITHUB_TOKEN={tok}\n");
    let out = sb.run_stdin(&["scan", "--format", "json", "-"], input.as_bytes());
    out.expect_code(1);
    assert_found(&out.findings(), CLASSIC, &tok, "<stdin>", (2, 21, 29));

    let out = sb.run_stdin(&["scan", "-"], input.as_bytes());
    out.expect_code(1);
    assert!(out.stdout.starts_with("<stdin>\n  2:21  "), "{out}");

    let out = sb.run_stdin(&["scan", "-"], b"nothing here\n");
    out.expect_code(0);
    assert!(out.stderr.contains("scanned 1 file (13 B)"), "{out}");
}

// ---------------------------------------------------------------------------------------------
// Report formats
// ---------------------------------------------------------------------------------------------

#[test]
fn json_document_shape() {
    let mut rng = Rng::new(22);
    let ghp = classic("ghp", &mut rng);
    let sl = stateless(3, IAT, EXP, &mut rng);
    let sb = Sandbox::new();
    let a = format!("GITHUB_TOKEN={ghp}\n");
    let b = format!("x\ny = \"{sl}\"\n");
    sb.write("a.env", &a);
    sb.write("d/b.py", &b);
    sb.write("c.txt", "clean\n");

    let out = scan_json(&sb, &["."]);
    out.expect_code(1);
    let doc = out.json();
    assert_eq!(doc["version"], 1, "{out}");
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 2);
    for f in findings {
        for (key, ok) in [
            ("rule", f["rule"].is_string()),
            ("rule_name", f["rule_name"].is_string()),
            ("path", f["path"].is_string()),
            ("line", f["line"].is_u64()),
            ("column", f["column"].is_u64()),
            ("offset", f["offset"].is_u64()),
            ("secret", f["secret"].is_string()),
            ("redacted", f["redacted"].is_boolean()),
            ("fingerprint", f["fingerprint"].is_string()),
            ("validation", f["validation"].is_string()),
            ("details", f["details"].is_object()),
            ("binary", f["binary"].is_boolean()),
        ] {
            assert!(ok, "field {key} missing or mistyped in {f}");
        }
        let fp = f["fingerprint"].as_str().unwrap();
        assert!(fp.starts_with("sha256:") && fp.len() == 7 + 64, "{fp}");
    }
    // Sorted by path then offset.
    assert_eq!(findings[0]["path"], "a.env");
    assert_eq!(findings[1]["path"], "d/b.py");
    assert_eq!(
        findings[0]["rule_name"],
        "GitHub personal access token (classic)"
    );
    assert_eq!(findings[0]["details"], serde_json::json!({}));
    assert_eq!(findings[1]["details"]["app_id"], "3");
    assert_found(findings, STATELESS, &sl, "d/b.py", (2, 6, 7));

    let s = &doc["summary"];
    assert_eq!(s["files"], 3, "{out}");
    assert_eq!(s["bytes"], (a.len() + b.len() + "clean\n".len()) as u64);
    assert_eq!(s["findings"], 2);
    assert_eq!(s["errors"], serde_json::json!([]));
}

#[test]
fn jsonl_one_object_per_finding() {
    let mut rng = Rng::new(23);
    let toks: Vec<String> = (0..3).map(|_| classic("gho", &mut rng)).collect();
    let sb = Sandbox::new();
    let text = format!("a: {}\nb: {}\nc: {}\n", toks[0], toks[1], toks[2]);
    sb.write("t.yaml", &text);
    let out = sb.run(&["scan", "--format", "jsonl", "t.yaml"]);
    out.expect_code(1);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(out.stdout.ends_with('\n'));
    for (i, l) in lines.iter().enumerate() {
        let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
        assert!(v.is_object());
        assert!(v.get("summary").is_none());
        assert_eq!(v["rule"], OAUTH);
        assert_eq!(v["line"], i as u64 + 1);
        assert_eq!(v["column"], 4);
        assert_eq!(v["offset"], locate(&text, &toks[i]).2);
        assert_eq!(v["fingerprint"], fingerprint(&toks[i]));
    }

    sb.write("clean.txt", "x\n");
    let out = sb.run(&["scan", "-f", "jsonl", "clean.txt"]);
    out.expect_code(0);
    assert_eq!(out.stdout, "");
}

#[test]
fn output_flag_writes_report_to_file() {
    let mut rng = Rng::new(24);
    let tok = classic("ghp", &mut rng);
    let sb = Sandbox::new();
    sb.write("a.env", format!("GITHUB_TOKEN={tok}\n"));
    let dest = tempfile::tempdir().unwrap();
    let report = dest.path().join("report.json");
    let out = sb.run(&[
        "scan",
        "--format",
        "json",
        "--output",
        report.to_str().unwrap(),
        "a.env",
    ]);
    out.expect_code(1);
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr.contains("1 finding"),
        "summary still on stderr: {out}"
    );
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_found(
        doc["findings"].as_array().unwrap(),
        CLASSIC,
        &tok,
        "a.env",
        (1, 14, 13),
    );

    // -o and text format; and -q silences the summary.
    let txt = dest.path().join("report.txt");
    let out = sb.run(&["scan", "-q", "-o", txt.to_str().unwrap(), "a.env"]);
    out.expect_code(1);
    assert_eq!(out.stdout, "");
    assert_eq!(out.stderr, "");
    let written = std::fs::read_to_string(&txt).unwrap();
    assert!(written.starts_with("a.env\n  1:14  "), "{written}");

    // An unwritable report path is an error.
    let out = sb.run(&["scan", "-o", "/nonexistent-dir/x/report.txt", "a.env"]);
    out.expect_code(2);
    assert!(out.stderr.contains("cannot create report file"), "{out}");
}

// ---------------------------------------------------------------------------------------------
// Allow markers
// ---------------------------------------------------------------------------------------------

#[test]
fn allow_markers_suppress_and_no_allow_markers_reports() {
    let mut rng = Rng::new(25);
    let a = classic("ghp", &mut rng);
    let b = classic("gho", &mut rng);
    let c = fine_grained(&mut rng);
    let d = classic("ghu", &mut rng);
    let sb = Sandbox::new();
    let text = format!(
        "GITHUB_TOKEN={a}  # patrol:allow\n\
         const t = \"{b}\"; // gitleaks:allow\n\
         token: {c}  # pragma: allowlist secret\n\
         # patrol:allow (applies to this line only)\n\
         next: {d}\n"
    );
    sb.write("allowed.txt", &text);

    let out = scan_json(&sb, &["allowed.txt"]);
    out.expect_code(1);
    let f = out.findings();
    assert_eq!(f.len(), 1, "{out}");
    assert_found(&f, USER, &d, "allowed.txt", (5, 7, locate(&text, &d).2));
    assert_eq!(out.json()["summary"]["suppressed"], 3);

    let out = sb.run(&["scan", "allowed.txt"]);
    assert!(
        out.stderr.contains("; 3 suppressed by allow markers"),
        "{out}"
    );

    let out = scan_json(&sb, &["--no-allow-markers", "allowed.txt"]);
    out.expect_code(1);
    let f = out.findings();
    assert_eq!(f.len(), 4, "{out}");
    assert_found(&f, CLASSIC, &a, "allowed.txt", (1, 14, 13));
    assert_found(&f, OAUTH, &b, "allowed.txt", locate(&text, &b));
    assert_found(&f, FINE, &c, "allowed.txt", locate(&text, &c));
    let out = sb.run(&["scan", "--no-allow-markers", "allowed.txt"]);
    assert!(!out.stderr.contains("suppressed"), "{out}");

    // Only suppressed tokens: exit 0.
    sb.write("only.txt", format!("{a} # patrol:allow\n"));
    sb.run(&["scan", "only.txt"]).expect_code(0);
}

// ---------------------------------------------------------------------------------------------
// Rules
// ---------------------------------------------------------------------------------------------

#[test]
fn rules_list_shows_the_builtin_rules() {
    let sb = Sandbox::new();
    let out = sb.run(&["rules", "list"]);
    out.expect_code(0);
    let ids: Vec<&str> = out
        .stdout
        .lines()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    let mut want = ALL_RULES.to_vec();
    want.sort();
    let mut got = ids.clone();
    got.sort();
    assert_eq!(got, want, "{out}");
    let classic_line = out
        .stdout
        .lines()
        .find(|l| l.starts_with("github.pat.classic "))
        .unwrap();
    assert!(classic_line.contains("github-crc32"), "{classic_line}");
    assert!(classic_line.contains("ghp_"), "{classic_line}");
}

const ACME_RULE: &str = r#"
[[rules]]
id = "acme.api_key"
name = "Acme API key"
keywords = ["acme_"]
pattern = '(?P<secret>acme_[a-z0-9]{24})'
examples = ["ACME_KEY=acme_0123456789abcdefghijklmn"]
negatives = ["acme_short"]
"#;

#[test]
fn rules_check_passes_good_file_and_fails_bad_example() {
    let sb = Sandbox::new();
    let good = sb.write("good.toml", ACME_RULE);
    let out = sb.run(&["rules", "check", good.to_str().unwrap()]);
    out.expect_code(0);
    assert_eq!(out.stdout, "1 rules checked, 0 problems\n", "{out}");

    let bad = sb.write(
        "bad.toml",
        ACME_RULE.replace("acme_0123456789abcdefghijklmn", "acme_TOO_SHORT"),
    );
    let out = sb.run(&["rules", "check", bad.to_str().unwrap()]);
    out.expect_code(2);
    assert!(out.stdout.contains("1 rules checked, 1 problems"), "{out}");
    assert!(out.stderr.contains("bad.toml"), "{out}");
    assert!(out.stderr.contains("'acme.api_key'"), "{out}");
    assert!(out.stderr.contains("example 1 is not found"), "{out}");

    let neg = sb.write(
        "neg.toml",
        ACME_RULE.replace("\"acme_short\"", "\"x acme_abcdefghijklmnopqrstuvwx\""),
    );
    let out = sb.run(&["rules", "check", neg.to_str().unwrap()]);
    out.expect_code(2);
    assert!(out.stderr.contains("negative example 1 is found"), "{out}");

    // A clash with a built-in id.
    let clash = sb.write("clash.toml", ACME_RULE.replace("acme.api_key", CLASSIC));
    let out = sb.run(&["rules", "check", clash.to_str().unwrap()]);
    out.expect_code(2);
    assert!(out.stderr.contains("duplicate id"), "{out}");

    sb.run(&["rules", "check"]).expect_code(2);
}

#[test]
fn custom_rule_from_rules_flag_finds_its_token() {
    let mut rng = Rng::new(26);
    let key = format!(
        "acme_{}",
        rng.pick(b"abcdefghijklmnopqrstuvwxyz0123456789", 24)
    );
    let ghp = classic("ghp", &mut rng);
    let sb = Sandbox::new();
    let rules = sb.write("rules/acme.toml", ACME_RULE);
    let env = format!("ACME_KEY={key}\nGITHUB_TOKEN={ghp}\n");
    sb.write("src/app.env", &env);
    let rules = rules.to_str().unwrap();

    let out = scan_json(&sb, &["--rules", rules, "src"]);
    out.expect_code(1);
    let f = out.findings();
    assert_eq!(f.len(), 2, "{out}");
    let a = finding_for(&f, "acme.api_key", &key);
    assert_eq!(a["line"], 1);
    assert_eq!(a["column"], 10);
    assert_eq!(a["offset"], 9);
    assert_eq!(a["rule_name"], "Acme API key");
    assert_eq!(a["validation"], "structure-valid");
    assert_found(&f, CLASSIC, &ghp, "src/app.env", (2, 14, 52));
    assert_eq!(locate(&env, &ghp), (2, 14, 52));

    // A directory of rule files works too; --no-builtin-rules drops the GitHub rules.
    let out = scan_json(
        &sb,
        &[
            "--rules",
            sb.path("rules").to_str().unwrap(),
            "--no-builtin-rules",
            "src",
        ],
    );
    out.expect_code(1);
    let f = out.findings();
    assert_eq!(f.len(), 1, "{out}");
    assert_eq!(f[0]["rule"], "acme.api_key");

    let out = sb.run(&["rules", "list", "--rules", rules]);
    out.expect_code(0);
    assert_eq!(out.stdout.lines().count(), 9, "{out}");
    assert!(out.stdout.contains("acme.api_key"), "{out}");

    // Without --rules the key is not a finding.
    let out = scan_json(&sb, &["src"]);
    assert_eq!(out.findings().len(), 1, "{out}");
}

#[test]
fn user_rule_whose_example_fails_is_refused_at_scan_time() {
    let sb = Sandbox::new();
    sb.write("a.txt", "x\n");
    let bad = sb.write(
        "bad.toml",
        ACME_RULE.replace("acme_0123456789abcdefghijklmn", "acme_TOO_SHORT"),
    );
    let out = sb.run(&["scan", "--rules", bad.to_str().unwrap(), "a.txt"]);
    out.expect_code(2);
    assert!(out.stderr.contains("bad.toml"), "{out}");
    assert!(out.stderr.contains("'acme.api_key'"), "{out}");
    assert!(out.stderr.contains("example 1 is not found"), "{out}");
}

// ---------------------------------------------------------------------------------------------
// Determinism across thread counts
// ---------------------------------------------------------------------------------------------

#[test]
fn report_is_identical_across_thread_counts() {
    let mut rng = Rng::new(27);
    let sb = Sandbox::new();
    let mut n = 0;
    for d in 0..8 {
        for fnum in 0..8 {
            let body = if (d + fnum) % 3 == 0 {
                n += 1;
                format!(
                    "k{fnum}: {}\nk: {}\n",
                    classic("ghp", &mut rng),
                    fine_grained(&mut rng)
                )
            } else {
                "filler text\n".repeat(10)
            };
            sb.write(&format!("d{d}/f{fnum}.txt"), body);
        }
    }
    let one = sb.run(&["scan", "-q", "-j", "1", "-f", "jsonl", "."]);
    let many = sb.run(&["scan", "-q", "-j", "8", "-f", "jsonl", "."]);
    one.expect_code(1);
    many.expect_code(1);
    assert_eq!(one.stdout.lines().count(), 2 * n, "{one}");
    assert_eq!(one.stdout, many.stdout);
}

// ---------------------------------------------------------------------------------------------
// More edges
// ---------------------------------------------------------------------------------------------

#[test]
fn follow_with_symlink_loop_terminates_and_reports_the_loop() {
    use std::os::unix::fs::symlink;
    let sb = Sandbox::new();
    sb.write("a.txt", "hi\n");
    symlink(".", sb.path("self")).unwrap();
    symlink("loop_b", sb.path("loop_a")).unwrap();
    symlink("loop_a", sb.path("loop_b")).unwrap();
    let out = sb.run_within(
        &["scan", "--follow", "--format", "json", "."],
        Duration::from_secs(20),
    );
    let doc = out.json();
    assert_eq!(doc["summary"]["files"], 1, "{out}");
    let errors: Vec<String> = doc["summary"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(errors, vec!["loop_a", "loop_b", "self"], "{out}");
    // Unresolvable links make the scan incomplete, and the exit code says so.
    out.expect_code(2);
    assert_eq!(doc["summary"]["exit_code"], 2);
}

#[test]
fn hidden_directories_like_dot_github_are_scanned() {
    let mut rng = Rng::new(28);
    let tok = classic("ghs", &mut rng);
    let sb = Sandbox::new();
    let wf = format!(
        "name: ci\non: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    env:\n      \
         TOKEN: {tok}\n"
    );
    sb.write(".github/workflows/ci.yml", &wf);
    let out = scan_json(&sb, &["."]);
    out.expect_code(1);
    assert_found(
        &out.findings(),
        INSTALLATION,
        &tok,
        ".github/workflows/ci.yml",
        (7, 14, locate(&wf, &tok).2),
    );
}

#[test]
fn stdin_together_with_files() {
    let mut rng = Rng::new(29);
    let a = classic("ghp", &mut rng);
    let b = classic("gho", &mut rng);
    let sb = Sandbox::new();
    sb.write("f.txt", format!("{a}\n"));
    let out = sb.run_stdin(
        &["scan", "--format", "json", "-", "f.txt"],
        format!("x {b}").as_bytes(),
    );
    out.expect_code(1);
    let f = out.findings();
    assert_eq!(f.len(), 2, "{out}");
    assert_found(&f, CLASSIC, &a, "f.txt", (1, 1, 0));
    assert_found(&f, OAUTH, &b, "<stdin>", (1, 3, 2));
    assert_eq!(out.json()["summary"]["files"], 2);

    let out = sb.run_stdin(&["scan", "-", "-"], b"");
    out.expect_code(2);
    assert!(out.stderr.contains("more than once"), "{out}");
}

#[test]
fn colour_only_when_asked() {
    let mut rng = Rng::new(30);
    let sb = Sandbox::new();
    sb.write("a.txt", classic("ghp", &mut rng));
    let plain = sb.run(&["scan", "a.txt"]);
    plain.expect_code(1);
    assert!(!plain.stdout.contains('\u{1b}'), "{plain}");
    let coloured = sb.run(&["scan", "--color", "always", "a.txt"]);
    coloured.expect_code(1);
    assert!(coloured.stdout.contains("\u{1b}[1;31mghp_"), "{coloured}");
}

#[test]
fn closed_stdout_is_not_an_error() {
    let mut rng = Rng::new(31);
    let sb = Sandbox::new();
    // Far more report than a pipe buffer holds.
    let body: String = (0..4000)
        .map(|i| format!("k{i}={}\n", classic("ghp", &mut rng)))
        .collect();
    sb.write("many.txt", body);
    let mut child = sb
        .command(&["scan", "--show-secrets", "many.txt"])
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader goes away, as with `| head -0`
    let out = wait_with_timeout_stdout_closed(child);
    assert!(
        matches!(out.code, Some(0) | Some(1)),
        "a closed stdout must not be an error (exit 2) or a signal death: {out}"
    );
    assert!(!out.stderr.contains("patrol: error"), "{out}");
}

fn wait_with_timeout_stdout_closed(mut child: std::process::Child) -> Output {
    use std::io::Read;
    let mut err = child.stderr.take().unwrap();
    let t = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("patrol did not finish with a closed stdout");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        code: status.code(),
        stdout: String::new(),
        stderr: t.join().unwrap(),
    }
}

/// `HOMEBREW_GITHUB_API_TOKEN`, `INPUT_GITHUB_TOKEN` (how Actions passes a `github-token`
/// input) and `MY_GH_TOKEN` are GitHub-token contexts "like GITHUB_TOKEN=", but the legacy
/// rule must find them (regression: `\b(?:github|gh)` needed a word boundary before `GITHUB`,
/// and `_` is a word character).
#[test]
fn legacy_hex_after_prefixed_github_token_variable_names() {
    let mut rng = Rng::new(32);
    let hex = legacy_hex(&mut rng);
    let sb = Sandbox::new();
    let text = format!(
        "HOMEBREW_GITHUB_API_TOKEN={hex}\nINPUT_GITHUB_TOKEN={hex}\nexport MY_GH_TOKEN={hex}\n"
    );
    sb.write("vars.env", &text);
    let out = scan_json(&sb, &["vars.env"]);
    out.expect_code(1);
    let f = out.findings();
    assert_eq!(count_rule(&f, LEGACY), 3, "{out}");
}

// ---------------------------------------------------------------------------------------------
// The harness's own generators, against known answers (so that a wrong generator cannot agree
// with a wrong scanner)
// ---------------------------------------------------------------------------------------------

#[test]
fn harness_encoders_known_answers() {
    assert_eq!(base62_6(0), "000000");
    assert_eq!(base62_6(61), "00000z");
    assert_eq!(base62_6(62), "000010");
    assert_eq!(base62_6(u32::MAX), "4gfFC3");
    // CRC-32/IEEE check value, base62-encoded.
    assert_eq!(crc32fast::hash(b"123456789"), 0xCBF4_3926);
    assert_eq!(base62_6(0xCBF4_3926), "3jZRME");
    // RFC 4648 §10 test vectors.
    for (input, want) in [
        ("", ""),
        ("f", "MY======"),
        ("fo", "MZXQ===="),
        ("foo", "MZXW6==="),
        ("foob", "MZXW6YQ="),
        ("fooba", "MZXW6YTB"),
        ("foobar", "MZXW6YTBOI======"),
    ] {
        assert_eq!(base32(input.as_bytes()), want, "{input}");
    }
    let mut rng = Rng::new(33);
    let fg = fine_grained(&mut rng);
    assert!(fg.starts_with("github_pat_11"));
    assert_eq!(&fg[33..34], "_");
    assert_eq!(
        &fg[77..85],
        &base32(&<sha2::Sha256 as sha2::Digest>::digest(
            &fg.as_bytes()[..77]
        ))[..8]
    );
    let t = classic("ghp", &mut rng);
    assert_eq!(&t[34..], base62_6(crc32fast::hash(&t.as_bytes()[4..34])));
    assert_ne!(corrupt(&t, 10), t);
    assert_eq!(
        fingerprint("abc"),
        "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}
