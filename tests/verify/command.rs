//! `patrol verify`: tokens from arguments or stdin.

use serde_json::json;

use super::*;
use crate::util::*;

#[test]
fn verify_subcommand_reports_each_token() {
    let sb = Sandbox::new();
    let mut rng = Rng::new(50);
    let live = classic("ghp", &mut rng);
    let dead = classic("gho", &mut rng);
    let live_t = live.clone();
    let server = Server::start(move |r| {
        if r.bearer() == Some(live_t.as_str()) {
            live_user().into()
        } else {
            bad_credentials().into()
        }
    });
    let url = server.url();

    let run = sb.run(&[
        "verify",
        &live,
        &dead,
        "--github-api",
        &url,
        "--format",
        "json",
    ]);
    run.expect_code(3);
    let results = run.results();
    assert_eq!(results.len(), 2, "{run}");
    for (t, rule, want) in [
        (&live, "github.pat.classic", "live"),
        (&dead, "github.oauth", "dead"),
    ] {
        let r = finding(&results, t);
        assert_eq!(r["rule"], rule, "{r:#}");
        assert_eq!(r["secret"], redacted(t), "{r:#}");
        assert_eq!(r["fingerprint"], fingerprint(t), "{r:#}");
        assert_eq!(status(r), want, "{r:#}");
    }
    let v = verification(finding(&results, &live));
    assert_eq!(v["login"], "octocat", "{v:#}");
    assert_eq!(v["user_id"], 1, "{v:#}");
    assert_eq!(v["account_type"], "User", "{v:#}");
    assert_eq!(v["scopes"], json!(["repo", "read:org"]), "{v:#}");
    assert_eq!(v["expires_at"], EXPIRATION, "{v:#}");
    assert_no_leak(&run.all(), &[&live, &dead], "verify");

    // None live: 0.
    let run = sb.run(&["verify", &dead, "--github-api", &url, "--format", "json"]);
    run.expect_code(0);
    assert_eq!(status(&run.results()[0]), "dead");

    assert_eq!(server.requests_with(&live).len(), 1);
    assert_eq!(server.requests_with(&dead).len(), 2);
    assert_well_formed_checks(&server, &[&live, &dead]);
}

#[test]
fn verify_subcommand_sends_each_family_to_its_endpoint() {
    let sb = Sandbox::new();
    let mut rng = Rng::new(51);
    let user = [
        classic("ghp", &mut rng),
        fine_grained(&mut rng),
        classic("gho", &mut rng),
        classic("ghu", &mut rng),
    ];
    let installation = [classic("ghs", &mut rng), stateless(31_337, &mut rng)];
    let ghr = refresh(&mut rng);
    let bad = corrupt(&classic("ghp", &mut rng));
    let all: Vec<&str> = user
        .iter()
        .chain(&installation)
        .chain([&ghr, &bad])
        .map(String::as_str)
        .collect();
    let server = Server::always(bad_credentials());
    let mut args = vec!["verify"];
    args.extend_from_slice(&all);
    let url = server.url();
    args.extend_from_slice(&["--github-api", &url, "--format", "json"]);

    let run = sb.run(&args);
    run.expect_code(0);
    let results = run.results();
    assert_eq!(results.len(), all.len(), "{run}");
    for t in &user {
        assert_eq!(status(finding(&results, t)), "dead");
        assert_eq!(targets_for(&server, t), [USER_PATH], "{}", redacted(t));
    }
    for t in &installation {
        assert_eq!(status(finding(&results, t)), "dead");
        assert_eq!(targets_for(&server, t), [INSTALLATION_PATH]);
    }
    assert_eq!(status(finding(&results, &ghr)), "not-verifiable");
    assert!(targets_for(&server, &ghr).is_empty(), "ghr_ was sent");
    assert!(targets_for(&server, &bad).is_empty(), "invalid token sent");
    assert_ne!(status(finding(&results, &bad)), "dead");
    assert_eq!(server.requests().len(), user.len() + installation.len());
    assert_well_formed_checks(&server, &all);
    assert_no_leak(&run.all(), &all, "verify");
}

#[test]
fn verify_subcommand_legacy_hex_tokens() {
    let sb = Sandbox::new();
    let mut rng = Rng::new(52);
    let hex = legacy_hex(&mut rng);
    let v1 = format!("v1.{}", legacy_hex(&mut rng));
    let server = Server::always(bad_credentials());
    let url = server.url();
    let run = sb.run(&[
        "verify",
        &hex,
        &v1,
        "--github-api",
        &url,
        "--format",
        "json",
    ]);
    run.expect_code(0);
    let results = run.results();
    assert_eq!(status(finding(&results, &hex)), "dead", "{run}");
    assert_eq!(status(finding(&results, &v1)), "dead", "{run}");
    assert_eq!(targets_for(&server, &hex), [USER_PATH]);
    assert_eq!(targets_for(&server, &v1), [INSTALLATION_PATH]);
    assert_well_formed_checks(&server, &[&hex, &v1]);
    assert_no_leak(&run.all(), &[&hex, &v1], "verify");
}

#[test]
fn verify_reads_tokens_one_per_line_from_stdin() {
    let sb = Sandbox::new();
    let mut rng = Rng::new(53);
    let t1 = classic("ghp", &mut rng);
    let t2 = fine_grained(&mut rng);
    let server = Server::start(|r| live_for(r).into());
    let url = server.url();
    let input = format!("{t1}\n\n  {t2}  \r\n{t1}\n");
    let run = sb.run_stdin(
        &["verify", "-", "--github-api", &url, "--format", "json"],
        input.as_bytes(),
    );
    run.expect_code(3);
    let results = run.results();
    assert!(!findings_of(&results, &t1).is_empty(), "{run}");
    assert_eq!(status(finding(&results, &t2)), "live", "{run}");
    for r in findings_of(&results, &t1) {
        assert_eq!(status(r), "live");
    }
    assert_eq!(server.requests_with(&t1).len(), 1, "t1 checked once");
    assert_eq!(server.requests_with(&t2).len(), 1);
    assert_well_formed_checks(&server, &[&t1, &t2]);
    assert_no_leak(&run.all(), &[&t1, &t2], "verify -");
}

#[test]
fn verify_reads_patrols_own_json_and_jsonl_output() {
    let sb = Sandbox::new();
    let mut rng = Rng::new(54);
    let t1 = classic("ghp", &mut rng);
    let t2 = classic("ghs", &mut rng);
    let file = s(&sb.write("leak.env", token_file(&[&t1, &t2]))).to_string();
    let server = Server::start(|r| live_for(r).into());
    let url = server.url();

    for format in ["json", "jsonl"] {
        let report = sb.run(&["scan", &file, "--show-secrets", "--format", format]);
        report.expect_code(1);
        let before = server.requests().len();
        let run = sb.run_stdin(
            &["verify", "-", "--github-api", &url, "--format", "json"],
            report.stdout.as_bytes(),
        );
        run.expect_code(3);
        let results = run.results();
        assert_eq!(results.len(), 2, "{format}: {run}");
        assert_eq!(status(finding(&results, &t1)), "live", "{format}");
        assert_eq!(status(finding(&results, &t2)), "live", "{format}");
        let new: Vec<Request> = server.requests().into_iter().skip(before).collect();
        assert_eq!(new.len(), 2, "{format}: {new:#?}");
        assert_no_leak(&run.all(), &[&t1, &t2], "verify - (patrol JSON)");
    }
    assert_well_formed_checks(&server, &[&t1, &t2]);
}

/// Liveness is decided by the rule that found a token, never by its shape: tokens of other
/// providers (an npm token, which uses GitHub's checksum scheme, and an AWS key pair) are
/// reported as not verifiable and never sent to the GitHub API, by `verify` or `scan --verify`.
#[test]
fn tokens_of_other_providers_are_never_sent_to_github() {
    let sb = Sandbox::new();
    let mut rng = Rng::new(57);
    let npm = classic("npm", &mut rng);
    let ghp = classic("ghp", &mut rng);
    let aws_id = format!("AKIAZ{}", rng.pick(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 15));
    let aws_secret = rng.alnum(40);
    let server = Server::always(bad_credentials());
    let url = server.url();

    let run = sb.run(&[
        "verify",
        &npm,
        &ghp,
        "--github-api",
        &url,
        "--format",
        "json",
    ]);
    run.expect_code(0);
    let results = run.results();
    let r = finding(&results, &npm);
    assert_eq!(r["rule"], "npm.access-token", "{r:#}");
    assert_eq!(status(r), "not-verifiable", "{r:#}");
    assert_eq!(status(finding(&results, &ghp)), "dead");

    sb.write(
        "deploy.env",
        format!(
            "NPM_TOKEN={npm}\nAWS_ACCESS_KEY_ID={aws_id}\nAWS_SECRET_ACCESS_KEY={aws_secret}\n"
        ),
    );
    let out = sb.run(&[
        "scan",
        "--format",
        "json",
        "--verify",
        "--github-api",
        &url,
        "deploy.env",
    ]);
    out.expect_code(1);
    let f = out.findings();
    let rules: Vec<&str> = f.iter().map(|f| f["rule"].as_str().unwrap()).collect();
    assert_eq!(
        rules,
        [
            "npm.access-token",
            "aws.access-key-id",
            "aws.secret-access-key"
        ],
        "{out}"
    );
    for finding in &f {
        assert_eq!(finding["verification"]["status"], "not-verifiable", "{out}");
    }
    for t in [&npm, &aws_id, &aws_secret] {
        assert!(
            server.requests_with(t).is_empty(),
            "sent to GitHub: {}",
            redacted(t)
        );
    }
    assert_eq!(
        server.requests().len(),
        1,
        "only the ghp_ token was checked"
    );
    assert_no_leak(&out.all(), &[&npm, &aws_secret], "scan --verify");
}
