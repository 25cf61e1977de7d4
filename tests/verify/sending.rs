//! `scan --verify`: what is sent, and to where.

use serde_json::json;

use super::*;
use crate::util::*;

#[test]
fn live_classic_token_reports_what_the_api_says() {
    let sb = Sandbox::new();
    let mut rng = Rng::new(1);
    let t = classic("ghp", &mut rng);
    let file = s(&sb.write("app/.env", token_file(&[&t]))).to_string();
    let server = Server::always(live_user());

    let run = scan_verify(&sb, &server.url(), &[&file], &[]);
    run.expect_code(3);
    let findings = run.findings();
    let v = expect_status(&findings, &t, "live");
    assert_eq!(v["login"], "octocat", "{v:#}");
    assert_eq!(v["user_id"], 1, "{v:#}");
    assert_eq!(v["account_type"], "User", "{v:#}");
    assert_eq!(v["scopes"], json!(["repo", "read:org"]), "{v:#}");
    assert_eq!(v["expires_at"], EXPIRATION, "{v:#}");
    assert!(absent(v, "sso"), "{v:#}");

    let reqs = server.requests();
    assert_eq!(reqs.len(), 1, "one request per token: {reqs:#?}");
    assert_eq!(reqs[0].target, USER_PATH);
    assert_eq!(reqs[0].bearer(), Some(t.as_str()));
    assert_well_formed_checks(&server, &[&t]);
    assert_no_leak(&run.all(), &[&t], "scan --verify");
}

#[test]
fn each_token_family_goes_to_its_endpoint() {
    let sb = Sandbox::new();
    let mut rng = Rng::new(2);
    let user = [
        classic("ghp", &mut rng),
        fine_grained(&mut rng),
        classic("gho", &mut rng),
        classic("ghu", &mut rng),
        legacy_hex(&mut rng),
    ];
    let installation = [
        classic("ghs", &mut rng),
        stateless(123_456, &mut rng),
        format!("v1.{}", legacy_hex(&mut rng)),
    ];
    let ghr = refresh(&mut rng);
    let all: Vec<&str> = user
        .iter()
        .chain(&installation)
        .chain([&ghr])
        .map(String::as_str)
        .collect();
    let file = s(&sb.write("tokens.sh", token_file(&all))).to_string();
    let server = Server::always(bad_credentials());

    let run = scan_verify(&sb, &server.url(), &[&file], &[]);
    run.expect_code(1);
    let findings = run.findings();
    assert_eq!(findings.len(), all.len(), "{run}");

    for t in &user {
        expect_status(&findings, t, "dead");
        assert_eq!(targets_for(&server, t), [USER_PATH], "{}", redacted(t));
    }
    for t in &installation {
        expect_status(&findings, t, "dead");
        assert_eq!(
            targets_for(&server, t),
            [INSTALLATION_PATH],
            "{}",
            redacted(t)
        );
    }
    let v = expect_status(&findings, &ghr, "not-verifiable");
    assert!(absent(v, "login"), "{v:#}");
    assert!(
        targets_for(&server, &ghr).is_empty(),
        "a refresh token was sent"
    );
    assert_eq!(server.requests().len(), user.len() + installation.len());
    assert_well_formed_checks(&server, &all);
    assert_no_leak(&run.all(), &all, "scan --verify");
}

#[test]
fn checksum_invalid_lookalikes_never_reach_the_server() {
    let sb = Sandbox::new();
    let mut rng = Rng::new(3);
    let good = classic("ghp", &mut rng);
    let bad = [
        corrupt(&classic("ghp", &mut rng)),
        corrupt(&classic("ghs", &mut rng)),
        corrupt(&fine_grained(&mut rng)),
    ];
    let mut all: Vec<&str> = bad.iter().map(String::as_str).collect();
    all.push(&good);
    let file = s(&sb.write("config.env", token_file(&all))).to_string();

    for extra in [&[][..], &["--show-invalid"][..]] {
        let server = Server::always(live_user());
        let run = scan_verify(&sb, &server.url(), &[&file], extra);
        run.expect_code(3);
        let findings = run.findings();
        expect_status(&findings, &good, "live");
        for b in &bad {
            assert!(
                server.requests_with(b).is_empty(),
                "{extra:?}: checksum-invalid {} was sent",
                redacted(b)
            );
            for f in findings_of(&findings, b) {
                assert_eq!(f["validation"], "checksum-invalid", "{f:#}");
                let st = f["verification"]["status"].as_str();
                assert!(
                    st != Some("live") && st != Some("dead"),
                    "an unsent token got a verdict: {f:#}"
                );
            }
        }
        if extra.is_empty() {
            assert_eq!(findings.len(), 1, "{run}");
        } else {
            assert_eq!(findings.len(), 4, "{run}");
        }
        assert_eq!(server.requests().len(), 1, "{:#?}", server.requests());
        assert_well_formed_checks(&server, &all);
        assert_no_leak(&run.all(), &all, "scan --verify");
    }
}

#[test]
fn each_unique_token_is_checked_once_per_run() {
    let sb = Sandbox::new();
    let mut rng = Rng::new(4);
    let t1 = classic("ghp", &mut rng);
    let t2 = fine_grained(&mut rng);
    sb.write("a.env", token_file(&[&t1, &t2, &t1]));
    sb.write("b/c.env", token_file(&[&t1]));
    sb.write("d/e/f.txt", format!("see {t1} and {t2}\n"));
    let server = Server::always(live_user());

    let root = sb.root().to_str().unwrap().to_string();
    let run = scan_verify(&sb, &server.url(), &[&root], &[]);
    run.expect_code(3);
    let findings = run.findings();
    let f1 = findings_of(&findings, &t1);
    let f2 = findings_of(&findings, &t2);
    assert!(f1.len() >= 3, "t1 is in three files: {findings:#?}");
    assert!(f2.len() >= 2, "t2 is in two files: {findings:#?}");
    for f in f1.iter().chain(&f2) {
        assert_eq!(
            status(f),
            "live",
            "every finding carries the verdict: {f:#}"
        );
        assert_eq!(verification(f)["login"], "octocat", "{f:#}");
    }
    assert_eq!(server.requests_with(&t1).len(), 1, "t1 checked once");
    assert_eq!(server.requests_with(&t2).len(), 1, "t2 checked once");
    assert_eq!(server.requests().len(), 2);
    assert_well_formed_checks(&server, &[&t1, &t2]);
}

#[test]
fn without_verify_no_connection_is_made() {
    let sb = Sandbox::new();
    let mut rng = Rng::new(5);
    let tokens = [
        classic("ghp", &mut rng),
        fine_grained(&mut rng),
        classic("ghs", &mut rng),
        stateless(77, &mut rng),
        legacy_hex(&mut rng),
        refresh(&mut rng),
    ];
    let all: Vec<&str> = tokens.iter().map(String::as_str).collect();
    let file = s(&sb.write("leak.env", token_file(&all))).to_string();
    let cache = sb.path("verify-cache.json");
    let mut wire = Tripwire::new();
    let url = wire.url();

    for format in ["json", "jsonl", "text"] {
        let run = sb.run(&["scan", &file, "--github-api", &url, "--format", format]);
        run.expect_code(1);
        assert_no_leak(&run.all(), &all, format);
        if format == "json" {
            let findings = run.findings();
            assert_eq!(findings.len(), all.len(), "{run}");
            for f in &findings {
                assert!(
                    absent(f, "verification"),
                    "verified without --verify: {f:#}"
                );
            }
        }
    }
    // Every verification setting, still without --verify.
    let run = sb.run(&[
        "scan",
        &file,
        "--github-api",
        &url,
        "--verify-timeout",
        "1",
        "--verify-cache",
        cache.to_str().unwrap(),
        "--format",
        "json",
    ]);
    run.expect_code(1);
    // And the secrets in full: still nothing sent anywhere.
    let run = sb.run(&["scan", &file, "--github-api", &url, "--show-secrets"]);
    run.expect_code(1);
    assert!(run.stdout.contains(&tokens[0]), "{run}");

    assert_eq!(wire.connections(), 0, "patrol connected without --verify");

    // The tripwire does see a connection when there is one: the same scan with --verify (it
    // never answers, so the check times out).
    let run = sb.run(&[
        "scan",
        &file,
        "--verify",
        "--github-api",
        &url,
        "--verify-timeout",
        "1",
        "--format",
        "json",
    ]);
    run.expect_code(1);
    assert!(wire.connections() > 0, "the tripwire missed a connection");
}
