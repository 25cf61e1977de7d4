//! Every token family in realistic contexts, located precisely (line, column, offset), in every format.

use super::*;
use crate::util::*;

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
    let sl = stateless_at(448_991, IAT, EXP, &mut rng);
    let sl2 = stateless_at(12, IAT, EXP, &mut rng);
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
                redacted_n(&ghp, 4)
            ),
            format!("        │ GITHUB_TOKEN={}", redacted_n(&ghp, 4)),
            format!(
                "  2:8   GitHub fine-grained personal access token [github.pat.fine_grained]  \
                 {}  (checksum-valid)",
                redacted_n(&fg, 11)
            ),
            format!("        │ GH_PAT={}", redacted_n(&fg, 11)),
            format!(
                "  3:18  GitHub legacy token (40 hex, or v1. + 40 hex) [github.legacy.token]  \
                 {}  (structure-valid)",
                redacted_n(&hex, 0)
            ),
            format!("        │ github_token = '{}'", redacted_n(&hex, 0)),
            String::new(),
            "b.sh".to_string(),
            format!(
                "  1:12  GitHub personal access token (classic) [github.pat.classic]  {}  \
                 (checksum-valid)",
                redacted_n(&ghp2, 4)
            ),
            format!(
                "        │ curl -u me:{} https://api.github.com",
                redacted_n(&ghp2, 4)
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
    let tok = stateless_at(1_950_212, IAT, EXP, &mut rng);
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
    assert_eq!(f[0]["secret"], redacted_n(&tok, 4));

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
