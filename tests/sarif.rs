//! `--format sarif`: the real binary on generated tokens in temporary files and repositories.
//! Every log is checked against the official SARIF 2.1.0 schema, and against what GitHub code
//! scanning needs: rules for what fired, repository-relative URIs, regions, fingerprints that
//! do not depend on line numbers, and no secret in the log.

use crate::util::*;
use serde_json::Value;

const SRCROOT: &str = "%SRCROOT%";

#[test]
fn a_file_scan_is_a_valid_log_for_github() {
    let sb = Sandbox::new();
    let ghp = token("ghp", 1);
    let gho = token("gho", 2);
    let app = format!("# settings\nGITHUB_TOKEN={ghp}\n");
    let notes = format!("line one\n\n  oauth: \"{gho}\"\n");
    sb.write("config/app.env", &app);
    sb.write("docs/notes.md", &notes);
    sb.write("clean.txt", "nothing here\n");

    let out = sb.run(&["scan", "--format", "sarif", "."]);
    out.expect_code(1);
    // Compact: a log is for machines, and GitHub limits the size of an upload.
    assert!(out.stdout.ends_with("}\n"), "JSON and a newline");
    assert_eq!(out.stdout.lines().count(), 1, "compact");
    let log = out.sarif();

    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"]
        .as_str()
        .unwrap()
        .ends_with("sarif-schema-2.1.0.json"));
    let run = sarif_run(&log);
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "patrol");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(driver["semanticVersion"], env!("CARGO_PKG_VERSION"));
    assert!(driver["informationUri"]
        .as_str()
        .unwrap()
        .starts_with("https://"));
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
    assert_eq!(run["invocations"][0]["exitCode"], 1);

    let rules = driver["rules"].as_array().unwrap();
    let results = results(&log);
    assert_eq!(results.len(), 2);
    for r in &results {
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], r["ruleId"], "ruleIndex points at the rule");
        assert_eq!(r["level"], "error");
        let artifact = &location(r)["artifactLocation"];
        assert_eq!(artifact["uriBaseId"], SRCROOT);
    }

    for (secret, text, uri_want) in [
        (&ghp, &app, "config/app.env"),
        (&gho, &notes, "docs/notes.md"),
    ] {
        let r = result_for(&log, secret);
        assert_eq!(uri(&r), uri_want);
        let (line, column, offset) = locate(text, secret);
        let region = &location(&r)["region"];
        assert_eq!(region["startLine"], line);
        assert_eq!(region["startColumn"], column);
        assert_eq!(region["endLine"], line);
        assert_eq!(region["endColumn"], column + 40);
        assert_eq!(region["byteOffset"], offset);
        assert_eq!(region["byteLength"], 40);
        assert_eq!(r["properties"]["validation"], "checksum-valid");
    }
}

#[test]
fn rules_are_listed_only_for_rules_that_fired() {
    let sb = Sandbox::new();
    let ghp = token("ghp", 10);
    sb.write("a.env", format!("T={ghp}\n"));
    sb.write("b.env", format!("U={}\n", token("ghp", 11)));
    let log = sb
        .run(&["scan", "--format", "sarif", "."])
        .expect_code(1)
        .sarif();
    assert_eq!(rule_ids(&log), ["github.pat.classic"]);
    assert_eq!(results(&log).len(), 2);

    sb.write("c.env", format!("V={}\n", token("ghu", 12)));
    let log = sb
        .run(&["scan", "--format", "sarif", "."])
        .expect_code(1)
        .sarif();
    assert_eq!(rule_ids(&log), ["github.app.user", "github.pat.classic"]);
    for r in results(&log) {
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rule_ids(&log)[i], r["ruleId"].as_str().unwrap());
    }

    // What GitHub reads on a rule.
    let rule = &sarif_run(&log)["tool"]["driver"]["rules"][1];
    assert_eq!(rule["id"], "github.pat.classic");
    assert_eq!(rule["name"], "GitHubPersonalAccessTokenClassic");
    assert!(rule["shortDescription"]["text"]
        .as_str()
        .unwrap()
        .contains("GitHub personal access token (classic)"));
    assert!(rule["fullDescription"]["text"]
        .as_str()
        .unwrap()
        .contains("ghp_"));
    assert_eq!(rule["defaultConfiguration"]["level"], "error");
    assert_eq!(rule["properties"]["security-severity"], "9.0");
    let tags = rule["properties"]["tags"].as_array().unwrap();
    assert!(tags.contains(&Value::from("security")) && tags.contains(&Value::from("secret")));
    for help in [&rule["help"]["text"], &rule["help"]["markdown"]] {
        let help = help.as_str().unwrap();
        for needle in ["Revoke", "Rotate", "Remove", "history", "git filter-repo"] {
            assert!(help.contains(needle), "help lacks {needle:?}: {help}");
        }
    }

    // Nothing found: a valid log with no rules and no results.
    let clean = Sandbox::new();
    clean.write("x.txt", "hello\n");
    let log = clean
        .run(&["scan", "--format", "sarif", "."])
        .expect_code(0)
        .sarif();
    assert!(rule_ids(&log).is_empty());
    assert!(results(&log).is_empty());
}

#[test]
fn no_secret_reaches_the_log_unless_asked() {
    let sb = Sandbox::new();
    let tokens = [token("ghp", 20), token("gho", 21), token("ghs", 22)];
    sb.write(
        "leak.yml",
        tokens
            .iter()
            .map(|t| format!("key: {t}\n"))
            .collect::<String>(),
    );
    let out = sb.run(&["scan", "--format", "sarif", "."]);
    out.expect_code(1);
    let log = out.sarif();
    let strings = all_strings(&log);
    for t in &tokens {
        let body = &t[4..];
        // Whatever the escaping: no string in the parsed log holds it either.
        assert!(!strings.iter().any(|s| s.contains(body)), "{t} in a string");
        // Not the token, not its random part, not even the redacted form other reports show.
        assert!(!out.stdout.contains(t.as_str()), "{t} in\n{}", out.stdout);
        assert!(!out.stdout.contains(body), "{body} in\n{}", out.stdout);
        assert!(
            !out.stdout.contains(&t[..8]),
            "{} in\n{}",
            &t[..8],
            out.stdout
        );
        let r = result_for(&log, t);
        let msg = r["message"]["text"].as_str().unwrap();
        assert!(msg.contains("checksum-valid"), "{msg}");
        assert!(
            msg.contains(&fingerprint(t)[..19]),
            "short fingerprint in {msg}"
        );
        assert!(msg.ends_with('.'), "{msg}");
    }
    let msg = result_for(&log, &tokens[0])["message"]["text"].clone();
    assert!(msg
        .as_str()
        .unwrap()
        .starts_with("GitHub personal access token (classic)"));

    let out = sb.run(&["scan", "--format", "sarif", "--show-secrets", "."]);
    let log = out.expect_code(1).sarif();
    for t in &tokens {
        let r = result_for(&log, t);
        assert!(r["message"]["text"].as_str().unwrap().contains(t.as_str()));
        assert_eq!(r["properties"]["secret"], t.as_str());
    }
}

#[test]
fn uris_are_relative_to_the_root_and_percent_encoded() {
    let sb = Sandbox::new();
    let names = [
        ("dir with space/a b.env", "dir%20with%20space/a%20b.env"),
        ("sub/x:y.env", "sub/x%3Ay.env"),
        ("sub/ünï.env", "sub/%C3%BCn%C3%AF.env"),
        ("sub/50%#?.env", "sub/50%25%23%3F.env"),
        ("sub/[a]{b}.env", "sub/%5Ba%5D%7Bb%7D.env"),
    ];
    let mut want = Vec::new();
    for (i, (name, encoded)) in names.iter().enumerate() {
        let t = token("ghp", 30 + i as u64);
        sb.write(name, format!("TOKEN={t}\n"));
        want.push((t, *encoded));
    }

    let root = sb.root().to_str().unwrap().to_string();
    for arg in [".", "./", "sub/..", root.as_str()] {
        let log = sb
            .run(&["scan", "--format", "sarif", arg])
            .expect_code(1)
            .sarif();
        for (t, encoded) in &want {
            let r = result_for(&log, t);
            assert_eq!(uri(&r), *encoded, "scanning {arg}");
            assert_eq!(location(&r)["artifactLocation"]["uriBaseId"], SRCROOT);
        }
    }

    // From a subdirectory, paths are relative to where patrol runs.
    let log = sb
        .run_at(&sb.root().join("sub"), &["scan", "--format", "sarif", "."])
        .expect_code(1)
        .sarif();
    assert_eq!(uri(&result_for(&log, &want[1].0)), "x%3Ay.env");

    // A file outside the current directory: an absolute file URI, no base.
    let outside = sb.outside("elsewhere/o.env");
    std::fs::create_dir_all(outside.parent().unwrap()).unwrap();
    let t = token("ghp", 40);
    std::fs::write(&outside, format!("TOKEN={t}\n")).unwrap();
    let log = sb
        .run(&["scan", "--format", "sarif", "../elsewhere"])
        .expect_code(1)
        .sarif();
    let r = result_for(&log, &t);
    let want = format!("file://{}", outside.to_str().unwrap());
    assert_eq!(uri(&r), want);
    assert!(location(&r)["artifactLocation"].get("uriBaseId").is_none());

    // Standard input: a placeholder path, described.
    let t = token("ghp", 41);
    let log = sb
        .run_stdin(
            &["scan", "--format", "sarif", "-"],
            format!("x={t}\n").as_bytes(),
        )
        .expect_code(1)
        .sarif();
    let r = result_for(&log, &t);
    assert_eq!(uri(&r), ".patrol/stdin");
    assert_eq!(location(&r)["artifactLocation"]["uriBaseId"], SRCROOT);
    assert_eq!(
        location(&r)["artifactLocation"]["description"]["text"],
        "standard input"
    );
}

#[test]
fn regions_count_characters_from_one() {
    let sb = Sandbox::new();
    let t = token("ghp", 50);
    // Two-byte, four-byte and tab characters before the token: columns count characters.
    let text = format!("first\nsecond\né🙂\tkey = \"{t}\" # é\n");
    sb.write("u.txt", &text);
    let t2 = token("gho", 51);
    let text2 = format!("{t2}\n");
    sb.write("start.txt", &text2);

    let log = sb
        .run(&["scan", "--format", "sarif", "."])
        .expect_code(1)
        .sarif();
    let region = location(&result_for(&log, &t))["region"].clone();
    let (line, column, offset) = locate(&text, &t);
    assert_eq!((line, column), (3, 11));
    assert_eq!(region["startLine"], line);
    assert_eq!(region["startColumn"], column);
    assert_eq!(region["endLine"], line);
    assert_eq!(region["endColumn"], column + 40);
    assert_eq!(region["byteOffset"], offset);
    assert_eq!(region["byteLength"], 40);

    let region = location(&result_for(&log, &t2))["region"].clone();
    assert_eq!(region["startLine"], 1);
    assert_eq!(region["startColumn"], 1);
    assert_eq!(region["endColumn"], 41);
    assert_eq!(region["byteOffset"], 0);
}

#[test]
fn fingerprints_survive_moving_the_line() {
    let sb = Sandbox::new();
    let t = token("ghp", 60);
    let other = token("gho", 61);
    sb.write("app.env", format!("A=1\nTOKEN={t}\nB=2\n"));
    sb.write("other.env", format!("X={other}\n"));
    let before = sb
        .run(&["scan", "--format", "sarif", "."])
        .expect_code(1)
        .sarif();
    let r1 = result_for(&before, &t);

    // Lines inserted above, the line itself indented and its neighbours edited.
    sb.write(
        "app.env",
        format!("# new header\n\n\n\nA=100\n   TOKEN={t}   \nC=3\n"),
    );
    let after = sb
        .run(&["scan", "--format", "sarif", "."])
        .expect_code(1)
        .sarif();
    let r2 = result_for(&after, &t);
    assert_ne!(location(&r1)["region"], location(&r2)["region"]);
    assert_eq!(location(&r2)["region"]["startLine"], 6);
    assert_eq!(partial_fingerprint(&r1), partial_fingerprint(&r2));
    assert_eq!(
        partial_fingerprint(&result_for(&before, &other)),
        partial_fingerprint(&result_for(&after, &other))
    );
    // Not line-based, and not the raw secret hash either.
    let fp = partial_fingerprint(&r1);
    assert!(!fp.contains(&fingerprint(&t)[7..]), "{fp}");
    let (hash, n) = fp.split_once(':').unwrap();
    assert_eq!((hash.len(), n), (64, "1"));
    assert!(hash.bytes().all(|b| b.is_ascii_hexdigit()));

    // The same secret in another file is another alert; twice in one file, two alerts.
    sb.write("copy.env", format!("TOKEN={t}\n\nAGAIN={t}\n"));
    let log = sb
        .run(&["scan", "--format", "sarif", "."])
        .expect_code(1)
        .sarif();
    let fps: Vec<(String, String)> = results(&log)
        .iter()
        .filter(|r| r["properties"]["fingerprint"] == fingerprint(&t).as_str())
        .map(|r| (uri(r), partial_fingerprint(r)))
        .collect();
    assert_eq!(fps.len(), 3, "{fps:?}");
    let mut distinct: Vec<&String> = fps.iter().map(|(_, f)| f).collect();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 3, "{fps:?}");
    assert!(fps.contains(&("app.env".to_string(), fp.clone())));
    let copies: Vec<&String> = fps
        .iter()
        .filter(|(u, _)| u == "copy.env")
        .map(|(_, f)| f)
        .collect();
    assert!(
        copies[0].ends_with(":1") && copies[1].ends_with(":2"),
        "{copies:?}"
    );
}

#[test]
fn history_findings_carry_their_commit() {
    let sb = Sandbox::new();
    sb.init_repo();
    let leaked = token("ghp", 70);
    let in_message = token("gho", 71);
    let dangling = token("ghu", 72);

    sb.write("README.md", "hello\n");
    sb.write("secrets/app.env", format!("A=1\nTOKEN={leaked}\n"));
    sb.git(&["add", "."]);
    sb.set_clock(1_700_000_000);
    sb.git(&["commit", "-q", "-m", "Add app settings"]);
    let first = sb.git(&["rev-parse", "HEAD"]);
    let blob = sb.git(&["rev-parse", "HEAD:secrets/app.env"]);
    sb.write("secrets/app.env", "A=1\n");
    sb.git(&["commit", "-q", "-am", "Remove the token"]);
    sb.git(&[
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        &format!("Rotate, old token was {in_message}\n\nIt is revoked."),
    ]);
    let third = sb.git(&["rev-parse", "HEAD"]);
    // A blob written and never committed.
    sb.write("tmp.txt", format!("X={dangling}\n"));
    let loose = sb.git(&["hash-object", "-w", "tmp.txt"]);
    std::fs::remove_file(sb.root().join("tmp.txt")).unwrap();

    let out = sb.run(&["scan", "--git", "--format", "sarif", "."]);
    out.expect_code(1);
    let log = out.sarif();
    let strings = all_strings(&log);
    for t in [&leaked, &in_message, &dangling] {
        assert!(!out.stdout.contains(&t[4..]), "a secret in the log");
        assert!(
            !strings.iter().any(|s| s.contains(&t[4..])),
            "a secret in the log"
        );
    }

    let r = result_for(&log, &leaked);
    assert_eq!(uri(&r), "secrets/app.env");
    assert_eq!(location(&r)["artifactLocation"]["uriBaseId"], SRCROOT);
    assert_eq!(location(&r)["region"]["startLine"], 2);
    assert_eq!(location(&r)["region"]["startColumn"], 7);
    let p = &r["properties"];
    assert_eq!(p["commit"]["id"], first.as_str());
    assert_eq!(p["commit"]["author"], "Pat Tester <pat@example.com>");
    assert_eq!(p["commit"]["date"], "2023-11-14T22:13:20Z");
    assert_eq!(p["commit"]["summary"], "Add app settings");
    assert_eq!(p["commits"], 1);
    assert_eq!(p["other_paths"], 0);
    assert_eq!(p["unreachable"], false);
    assert_eq!(p["blob"], blob.as_str());
    let msg = r["message"]["text"].as_str().unwrap();
    assert!(msg.contains(&first[..12]), "{msg}");

    // A commit message: a placeholder path naming the commit.
    let r = result_for(&log, &in_message);
    assert_eq!(uri(&r), format!(".patrol/commit-message/{third}"));
    assert_eq!(r["properties"]["message_of"]["id"], third.as_str());
    assert_eq!(location(&r)["region"]["startLine"], 1);
    assert!(r["message"]["text"].as_str().unwrap().contains(&third));
    // The summary (the message's first line) holds the secret: redacted where the summary is
    // made, as in every format (prefix and four characters).
    let masked = format!("Rotate, old token was {}…", &in_message[..8]);
    assert_eq!(r["properties"]["commit"]["summary"], masked.as_str());
    assert!(!log.to_string().contains(&in_message[..9]));

    // A blob no commit names: a placeholder path naming the blob; unreachable, no commit.
    let r = result_for(&log, &dangling);
    assert_eq!(uri(&r), format!(".patrol/blob/{loose}"));
    assert_eq!(r["properties"]["blob"], loose.as_str());
    assert_eq!(r["properties"]["unreachable"], true);
    assert!(r["properties"]["commit"].is_null());
    assert!(location(&r)["artifactLocation"]["description"]["text"]
        .as_str()
        .unwrap()
        .contains(&loose));

    // Asked for: the secret in full; commit summaries stay redacted (they are provenance,
    // shown beside other findings too).
    let log = sb
        .run(&["scan", "--git", "--format", "sarif", "--show-secrets", "."])
        .expect_code(1)
        .sarif();
    let r = result_for(&log, &in_message);
    assert_eq!(r["properties"]["commit"]["summary"], masked.as_str());
    assert_eq!(r["properties"]["secret"], in_message.as_str());
}

#[test]
fn staged_paths_are_relative_to_the_repository_root() {
    let sb = Sandbox::new();
    sb.init_repo();
    sb.write("README.md", "hello\n");
    sb.git(&["add", "."]);
    sb.git(&["commit", "-q", "-m", "init"]);
    let t = token("ghp", 85);
    sb.write("deep/er dir/x.env", format!("\tT={t}\n"));
    sb.git(&["add", "."]);
    let log = sb
        .run_at(
            &sb.root().join("deep"),
            &["scan", "--staged", "--format", "sarif"],
        )
        .expect_code(1)
        .sarif();
    let r = result_for(&log, &t);
    assert_eq!(uri(&r), "deep/er%20dir/x.env");
    assert_eq!(location(&r)["artifactLocation"]["uriBaseId"], SRCROOT);
    assert_eq!(location(&r)["region"]["startColumn"], 4);
}

#[test]
fn a_read_error_is_a_tool_notification() {
    let sb = Sandbox::new();
    let t = token("ghp", 80);
    sb.write("a.env", format!("T={t}\n"));
    let out = sb.run(&["scan", "--format", "sarif", "a.env", "missing.env"]);
    out.expect_code(2);
    let log = out.sarif();
    assert_eq!(results(&log).len(), 1, "findings are still reported");
    let inv = &sarif_run(&log)["invocations"][0];
    assert_eq!(inv["executionSuccessful"], false);
    assert_eq!(inv["exitCode"], 2);
    let notes = inv["toolExecutionNotifications"].as_array().unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["level"], "error");
    assert!(notes[0]["message"]["text"]
        .as_str()
        .unwrap()
        .contains("missing.env"));
}

/// The schema check is not vacuous: it refuses what GitHub would refuse.
#[test]
fn the_schema_check_catches_mistakes() {
    let sb = Sandbox::new();
    sb.write("a.env", format!("T={}\n", token("ghp", 90)));
    let good = sb
        .run(&["scan", "--format", "sarif", "."])
        .expect_code(1)
        .sarif();
    let r = "/runs/0/results/0";
    let loc = "/runs/0/results/0/locations/0/physicalLocation";
    for (pointer, value) in [
        ("/version".to_string(), Value::from("2.0.0")),
        ("/runs/0/columnKind".into(), "bytes".into()),
        (format!("{r}/level"), "fatal".into()),
        (format!("{r}/message"), Value::Null),
        (format!("{r}/ruleIndex"), (-2).into()),
        (format!("{loc}/region/startLine"), 0.into()),
        (format!("{loc}/artifactLocation/uri"), "a b/c d".into()),
    ] {
        let mut log = good.clone();
        *log.pointer_mut(&pointer).expect("pointer") = value.clone();
        let refused = std::panic::catch_unwind(|| assert_schema_valid(&log)).is_err();
        assert!(refused, "{pointer} = {value} passed the schema check");
    }
    let mut log = good.clone();
    log["runs"][0]["results"][0]["unknownKey"] = 1.into();
    assert!(std::panic::catch_unwind(|| assert_schema_valid(&log)).is_err());
}
