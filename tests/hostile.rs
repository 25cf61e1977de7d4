//! Hostile input that must not crash patrol, hide what it did, or reach a terminal as control
//! sequences: a panic in one input, control characters and bidi overrides in every string,
//! suppressions, odd argument values, malformed stdin, corrupt git objects.

use serde_json::Value;

use crate::util::*;

/// No output holds 12 characters in a row of the part of `token` after its prefix.
#[track_caller]
fn assert_no_leak(out: &str, token: &str) {
    let random = &token[4..];
    for w in random.as_bytes().windows(12) {
        let w = std::str::from_utf8(w).unwrap();
        assert!(!out.contains(w), "{w} of a secret leaked:\n{out}");
    }
}

#[test]
fn a_panic_in_one_input_is_reported_for_it_and_the_rest_goes_on() {
    let sb = Sandbox::new();
    let (a, boom, c) = (token("ghp", 4001), token("ghp", 4002), token("ghp", 4003));
    sb.write("a.env", format!("T={a}\n"));
    sb.write("boom.env", format!("T={boom}\n"));
    sb.write("c.env", format!("T={c}\n"));
    let mut cmd = sb.command(&["scan", "--format", "json", "."]);
    cmd.env("PATROL_DEBUG_PANIC", "boom");
    let run = run_command(cmd, None, RUN_LIMIT);
    run.expect_code(2);
    let f = run.findings();
    assert_eq!(fingerprints(&f), fps(&[&a, &c]), "{run}");
    let errors = run.summary()["errors"].as_array().unwrap().clone();
    assert_eq!(errors.len(), 1, "{run}");
    assert_eq!(errors[0]["path"], "boom.env");
    assert!(errors[0]["error"]
        .as_str()
        .unwrap()
        .contains("internal error"));
    // The panic message quoted the file; what reached stderr is redacted.
    assert!(run.stderr.contains("internal error"), "{run}");
    assert_no_leak(&run.all(), &boom);
    assert_ne!(run.code, 101);
}

#[test]
fn control_characters_never_reach_the_terminal() {
    let sb = Sandbox::repo();
    let t = token("ghp", 4010);
    let name = "evil\u{1b}[2J\u{202e}txt.env";
    sb.write(
        name,
        format!("\u{1b}]8;;http://x\u{7}link\u{1b}]8;;\u{7} T={t} \u{1b}[31m\r\u{9b}2J\n"),
    );
    sb.git(&["add", "-A"]);
    sb.git(&[
        "-c",
        "user.name=Eve\u{1b}[5m \u{202e}",
        "commit",
        "-q",
        "-m",
        "add \u{1b}]0;pwned\u{7} settings\u{202e}",
    ]);
    for args in [vec!["scan", "."], vec!["scan", "--git"]] {
        let run = sb.run(&args);
        run.expect_code(1);
        for bad in ['\u{1b}', '\u{202e}', '\r', '\u{9b}', '\u{7}'] {
            assert!(
                !run.all().contains(bad),
                "{args:?}: {bad:?} reached the terminal\n{run}"
            );
        }
        assert!(run.stdout.contains("\\u{1b}"), "made visible: {run}");
    }
    // Machine formats keep the exact text, escaped as JSON requires.
    let run = sb.run(&["scan", "--format", "json", "."]);
    assert_eq!(run.findings()[0]["path"], name, "{run}");
    let run = sb.run(&["scan", "--git", "--format", "json"]);
    let commit = &run.findings()[0]["commit"];
    assert!(
        commit["summary"]
            .as_str()
            .unwrap()
            .contains("\u{1b}]0;pwned"),
        "{run}"
    );
}

#[test]
fn every_suppression_is_visible() {
    let sb = Sandbox::new();
    let (marked, allowed, baselined, reported) = (
        token("ghp", 4020),
        token("ghp", 4021),
        token("ghp", 4022),
        token("ghp", 4023),
    );
    sb.write(
        "app.env",
        format!("A={marked} # patrol:allow\nB={allowed}\nC={baselined}\nD={reported}\n"),
    );
    sb.write(
        ".patrol.toml",
        format!(
            "allow_secrets = [\"{}\"]\nbaseline = \"base.txt\"\n",
            fingerprint(&allowed)
        ),
    );
    sb.write(
        "base.txt",
        format!("{} github.pat.classic app.env\n", fingerprint(&baselined)),
    );
    let run = sb.run(&["scan", "app.env"]);
    run.expect_code(1);
    assert!(
        run.stdout.contains("3 suppressed (not reported)"),
        "counted in the text report: {run}"
    );
    let run = sb.run(&["scan", "--format", "json", "app.env"]);
    assert_eq!(fingerprints(&run.findings()), fps(&[&reported]));
    let suppressed: Vec<Value> = run.json()["suppressed"].as_array().unwrap().clone();
    let kind = |t: &str| with_token(&suppressed, t)[0]["suppression"]["kind"].clone();
    assert_eq!(kind(&marked), "inline-marker");
    assert_eq!(
        with_token(&suppressed, &marked)[0]["suppression"]["marker"],
        "patrol:allow"
    );
    assert_eq!(kind(&allowed), "allow-list");
    assert_eq!(kind(&baselined), "baseline");
    for f in &suppressed {
        assert!(
            f["secret"].as_str().unwrap().ends_with('…'),
            "redacted: {f}"
        );
    }
    let run = sb.run(&["scan", "--format", "sarif", "app.env"]);
    let log = run.sarif();
    let results = results(&log);
    assert_eq!(results.len(), 4, "{log:#}");
    let sup = |t: &str| result_for(&log, t)["suppressions"][0]["kind"].clone();
    assert_eq!(sup(&marked), "inSource");
    assert_eq!(sup(&allowed), "external");
    assert_eq!(sup(&baselined), "external");
    assert!(result_for(&log, &reported).get("suppressions").is_none());
}

#[test]
fn odd_argument_values_are_refused_clearly() {
    let sb = Sandbox::new();
    sb.write("a.txt", "nothing\n");
    for args in [
        vec!["scan", "--threads", "0", "a.txt"],
        vec!["scan", "--threads", "100000000", "a.txt"],
        vec!["scan", "--threads", "-1", "a.txt"],
        vec!["scan", "--verify-timeout", "18446744073709551615", "a.txt"],
        vec!["scan", "--verify-timeout", "0", "a.txt"],
        vec!["scan", "--verify-deadline", "18446744073709551615", "a.txt"],
        vec!["scan", "--verify-concurrency", "0", "a.txt"],
        vec!["scan", "--verify-concurrency", "100000000", "a.txt"],
        vec!["scan", "--verify-rate", "NaN", "a.txt"],
        vec!["scan", "--verify-rate", "inf", "a.txt"],
        vec!["scan", "--verify-rate", "0", "a.txt"],
        vec![
            "scan",
            "--verify-cache-ttl",
            "18446744073709551615",
            "a.txt",
        ],
        vec!["scan", "--max-file-size", "99999999999999999999G", "a.txt"],
        vec![
            "verify",
            "ghp_x",
            "--verify-timeout",
            "18446744073709551615",
        ],
    ] {
        let run = sb.run(&args);
        run.expect_code(2);
        assert!(
            run.stderr.contains("error"),
            "{args:?}: a clear error, not silence: {run}"
        );
        assert!(!run.stderr.contains("panicked"), "{args:?}: {run}");
    }
}

#[test]
fn malformed_stdin_for_verify_and_revoke_never_crashes() {
    let sb = Sandbox::new();
    let inputs: Vec<Vec<u8>> = vec![
        b"\xff\xfe\x00binary\x80\x81".to_vec(),
        "ghp_é€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€\n"
            .as_bytes()
            .to_vec(),
        "€\n🔑🔑🔑\nghp\n".as_bytes().to_vec(),
        b"{\"findings\": [{\"secret\": 5, \"redacted\": false}]}".to_vec(),
        b"{\"secret\": [\"x\"]}\n{broken".to_vec(),
        b"".to_vec(),
        vec![b'{'; 100_000],
    ];
    for input in inputs {
        for cmd in [vec!["verify", "-"], vec!["revoke", "-", "--yes"]] {
            let mut args = cmd.clone();
            args.extend(["--github-api", "http://127.0.0.1:9"]);
            let run = sb.run_stdin(&args, &input);
            assert!(
                matches!(run.code, 0 | 2),
                "{cmd:?} {:?}: {run}",
                String::from_utf8_lossy(&input[..input.len().min(40)])
            );
            assert!(!run.stderr.contains("panicked"), "{run}");
        }
    }
}

#[test]
fn a_corrupt_or_truncated_pack_is_reported_not_fatal() {
    let sb = Sandbox::repo();
    for i in 0..30 {
        sb.write(&format!("f{i}.txt"), format!("file {i}\n").repeat(50));
    }
    sb.write("leak.env", format!("T={}\n", token("ghp", 4030)));
    sb.commit("files");
    sb.git(&["gc", "-q"]);
    let packs: Vec<_> = std::fs::read_dir(sb.path(".git/objects/pack"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "pack"))
        .collect();
    assert_eq!(packs.len(), 1);
    let pack = &packs[0];
    let data = std::fs::read(pack).unwrap();
    // Bytes flipped in the middle: objects there no longer inflate.
    let mut flipped = data.clone();
    for b in &mut flipped[data.len() / 3..data.len() / 3 + 64] {
        *b ^= 0x5a;
    }
    std::fs::write(pack, &flipped).unwrap();
    let run = sb.run(&["scan", "--git", "--format", "json"]);
    assert!(matches!(run.code, 1 | 2), "{run}");
    assert_ne!(run.code, 101);
    assert!(!run.stderr.contains("panicked"), "{run}");
    // Cut short.
    std::fs::write(pack, &data[..data.len() / 2]).unwrap();
    let run = sb.run(&["scan", "--git", "--format", "json"]);
    run.expect_code(2);
    assert!(!run.stderr.contains("panicked"), "{run}");
    assert!(!run.json()["summary"]["errors"]
        .as_array()
        .unwrap()
        .is_empty());
}
