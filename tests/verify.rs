//! Liveness checks (`scan --verify`, `patrol verify`) and revocation (`patrol revoke`), driving
//! the real binary against a fake GitHub API: a real HTTP/1.1 server on 127.0.0.1 (see
//! `mockgh`) that records every request it gets. No network beyond loopback is ever used: every
//! base URL given to patrol is a local server, or an address patrol must refuse before
//! connecting, or an https URL given with nothing to verify.

mod mockgh;

use std::collections::BTreeSet;
use std::time::Duration;

use mockgh::{
    classic, corrupt, fine_grained, fingerprint, legacy_hex, redacted, refresh, sha256_hex,
    stateless, unix_now, Reply, Request, Response, Rng, Run, Sandbox, Server, Tripwire,
};
use serde_json::{json, Value};

const USER_PATH: &str = "/user";
const INSTALLATION_PATH: &str = "/installation/repositories?per_page=1";
const EXPIRATION: &str = "2026-12-01 10:00:00 UTC";
const SSO: &str = "required; url=https://github.com/orgs/x/sso?authorization_request=AbC123xYz";

// =============================================================================================
// Helpers
// =============================================================================================

/// 200 from `GET /user` for a live classic token.
fn live_user() -> Response {
    Response::json(200, &json!({"login": "octocat", "id": 1, "type": "User"}))
        .header("X-OAuth-Scopes", "repo, read:org")
        .header("X-Accepted-OAuth-Scopes", "")
        .header("GitHub-Authentication-Token-Expiration", EXPIRATION)
}

/// 200 from `GET /installation/repositories?per_page=1` for a live installation token.
fn live_installation() -> Response {
    Response::json(
        200,
        &json!({"total_count": 1, "repositories": [{"id": 7, "full_name": "x/y"}]}),
    )
}

/// The live answer for whichever endpoint was asked.
fn live_for(req: &Request) -> Response {
    if req.target.starts_with("/installation") {
        live_installation()
    } else {
        live_user()
    }
}

fn bad_credentials() -> Response {
    Response::json(
        401,
        &json!({"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"}),
    )
}

fn forbidden(message: &str) -> Response {
    Response::json(403, &json!({"message": message}))
}

/// A file with each token on its own line, in a context every rule accepts (the legacy 40-hex
/// rule needs a GitHub-token assignment).
fn token_file(tokens: &[&str]) -> String {
    tokens
        .iter()
        .map(|t| format!("export GITHUB_TOKEN=\"{t}\"\n"))
        .collect()
}

/// `patrol scan PATHS --verify --github-api URL --format json EXTRA...`
fn scan_verify(sb: &Sandbox, api: &str, paths: &[&str], extra: &[&str]) -> Run {
    let mut args = vec!["scan"];
    args.extend_from_slice(paths);
    args.extend_from_slice(&["--verify", "--github-api", api, "--format", "json"]);
    args.extend_from_slice(extra);
    sb.run(&args)
}

/// The findings of `token` (by fingerprint).
fn findings_of<'a>(findings: &'a [Value], token: &str) -> Vec<&'a Value> {
    let fp = fingerprint(token);
    findings
        .iter()
        .filter(|f| f["fingerprint"] == fp.as_str())
        .collect()
}

/// The one finding of `token`.
#[track_caller]
fn finding<'a>(findings: &'a [Value], token: &str) -> &'a Value {
    let hits = findings_of(findings, token);
    assert_eq!(
        hits.len(),
        1,
        "want exactly one finding of {}: {findings:#?}",
        redacted(token)
    );
    hits[0]
}

/// The `verification` object of a finding or result.
#[track_caller]
fn verification(f: &Value) -> &Value {
    let v = &f["verification"];
    assert!(v.is_object(), "no verification object in {f:#}");
    v
}

#[track_caller]
fn status(f: &Value) -> &str {
    verification(f)["status"]
        .as_str()
        .unwrap_or_else(|| panic!("verification without a status: {f:#}"))
}

/// The verification's reason, lower-cased ("" if none).
fn reason(f: &Value) -> String {
    f["verification"]["reason"]
        .as_str()
        .unwrap_or("")
        .to_lowercase()
}

/// An unknown field is absent or null.
fn absent(v: &Value, key: &str) -> bool {
    v.get(key).is_none_or(Value::is_null)
}

/// Asserts the verdict of `token`'s only finding and returns its verification.
#[track_caller]
fn expect_status<'a>(findings: &'a [Value], token: &str, want: &str) -> &'a Value {
    let f = finding(findings, token);
    assert_eq!(status(f), want, "verdict for {}: {f:#}", redacted(token));
    verification(f)
}

/// Neither a token nor a recognisable piece of it (its last 16 characters) appears in `text`.
#[track_caller]
fn assert_no_leak(text: &str, tokens: &[&str], what: &str) {
    for t in tokens {
        assert!(
            !text.contains(t),
            "{what}: token {} printed in full:\n{text}",
            redacted(t)
        );
        let tail = &t[t.len() - 16..];
        assert!(
            !text.contains(tail),
            "{what}: the end of token {} printed:\n{text}",
            redacted(t)
        );
    }
}

/// Every request is a liveness check as the contract describes: `GET` to one of the two
/// endpoints with the four headers, and each of `tokens` appears, if at all, only as the whole
/// value of the `Authorization: Bearer` line (never in the target, another header or a body).
#[track_caller]
fn assert_well_formed_checks(server: &Server, tokens: &[&str]) {
    for r in server.requests() {
        let raw = r.raw_text();
        assert_eq!(r.method, "GET", "{raw}");
        assert!(
            r.target == USER_PATH || r.target == INSTALLATION_PATH,
            "unexpected target {}",
            r.target
        );
        assert_eq!(r.header_count("authorization"), 1, "{raw}");
        let bearer = r
            .bearer()
            .unwrap_or_else(|| panic!("no `Authorization: Bearer` in\n{raw}"));
        assert!(
            tokens.contains(&bearer),
            "request for a token the test did not plant"
        );
        assert!(
            r.header("user-agent").is_some_and(|v| !v.trim().is_empty()),
            "no User-Agent in\n{raw}"
        );
        assert_eq!(
            r.header("accept"),
            Some("application/vnd.github+json"),
            "{raw}"
        );
        assert_eq!(
            r.header("x-github-api-version"),
            Some("2022-11-28"),
            "{raw}"
        );
        assert!(r.body.is_empty(), "a liveness check has no body:\n{raw}");
        assert_token_only_in_authorization(&r, tokens);
    }
}

/// Each of `tokens` appears in the raw request only as `Authorization: Bearer TOKEN`.
#[track_caller]
fn assert_token_only_in_authorization(r: &Request, tokens: &[&str]) {
    let raw = r.raw_text();
    for t in tokens {
        for line in raw.split("\r\n") {
            if !line.contains(t) {
                continue;
            }
            let ok = line.split_once(':').is_some_and(|(name, value)| {
                name.eq_ignore_ascii_case("authorization")
                    && value
                        .trim()
                        .split_once(' ')
                        .is_some_and(|(scheme, v)| scheme.eq_ignore_ascii_case("bearer") && v == *t)
            });
            assert!(
                ok,
                "token {} sent outside the Authorization header: {:?}",
                redacted(t),
                line.replace(t, "<TOKEN>")
            );
        }
    }
}

/// The endpoint each request for `token` went to.
fn targets_for(server: &Server, token: &str) -> Vec<String> {
    server
        .requests_with(token)
        .into_iter()
        .map(|r| r.target)
        .collect()
}

/// Milliseconds between two requests' arrivals.
fn gap_ms(a: &Request, b: &Request) -> u128 {
    b.at.duration_since(a.at).as_millis()
}

// =============================================================================================
// scan --verify: what is sent, and to where
// =============================================================================================

#[test]
fn live_classic_token_reports_what_the_api_says() {
    let sb = Sandbox::new();
    let mut rng = Rng::new(1);
    let t = classic("ghp", &mut rng);
    let file = sb.write("app/.env", token_file(&[&t]));
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
    let file = sb.write("tokens.sh", token_file(&all));
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
    let file = sb.write("config.env", token_file(&all));

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
    let file = sb.write("leak.env", token_file(&all));
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

// =============================================================================================
// Exit codes
// =============================================================================================

#[test]
fn exit_codes_with_verify() {
    let sb = Sandbox::new();
    let mut rng = Rng::new(6);
    let live = classic("ghp", &mut rng);
    let dead = classic("gho", &mut rng);
    let clean = sb.write("clean.txt", "nothing to see here\n");
    let with_live = sb.write("live.env", token_file(&[&live, &dead]));
    let only_dead = sb.write("dead.env", token_file(&[&dead]));
    let missing = sb.path("no-such-file.txt");
    let missing = missing.to_str().unwrap();
    let live_t = live.clone();
    let server = Server::start(move |r| {
        if r.bearer() == Some(live_t.as_str()) {
            live_user().into()
        } else {
            bad_credentials().into()
        }
    });
    let url = server.url();

    // Nothing found: 0, and nothing to send.
    scan_verify(&sb, &url, &[&clean], &[]).expect_code(0);
    server.settle();
    assert_eq!(
        server.connections(),
        0,
        "nothing to verify, yet a connection"
    );

    // Findings, none live: 1.
    let run = scan_verify(&sb, &url, &[&only_dead], &[]);
    run.expect_code(1);
    expect_status(&run.findings(), &dead, "dead");

    // A live one: 3.
    let run = scan_verify(&sb, &url, &[&with_live], &[]);
    run.expect_code(3);
    expect_status(&run.findings(), &live, "live");
    expect_status(&run.findings(), &dead, "dead");

    // An error (a path that cannot be read) with findings none live: 2 ...
    let run = scan_verify(&sb, &url, &[&only_dead, missing], &[]);
    run.expect_code(2);
    // ... and with a live one: 3 wins over 2.
    let run = scan_verify(&sb, &url, &[&with_live, missing], &[]);
    run.expect_code(3);
    expect_status(&run.findings(), &live, "live");
    assert_well_formed_checks(&server, &[&live, &dead]);
}

// =============================================================================================
// Outcomes, by response
// =============================================================================================

/// Scans one file holding `tokens` against a server answering with `handler`; returns the run
/// (exit code checked) and the server.
fn outcome_run(
    tokens: &[&str],
    extra: &[&str],
    code: i32,
    handler: impl Fn(&Request) -> Reply + Send + Sync + 'static,
) -> (Run, Server) {
    let sb = Sandbox::new();
    let file = sb.write("leak.env", token_file(tokens));
    let server = Server::start(handler);
    let run = scan_verify(&sb, &server.url(), &[&file], extra);
    run.expect_code(code);
    assert_well_formed_checks(&server, tokens);
    assert_no_leak(&run.all(), tokens, "scan --verify");
    (run, server)
}

#[test]
fn unauthorized_is_dead() {
    let t = classic("ghp", &mut Rng::new(10));
    let (run, server) = outcome_run(&[&t], &[], 1, |_| bad_credentials().into());
    let findings = run.findings();
    let v = expect_status(&findings, &t, "dead");
    for key in ["login", "user_id", "scopes"] {
        assert!(absent(v, key), "{key} of a dead token: {v:#}");
    }
    assert_eq!(server.requests().len(), 1, "a 401 is final: no retry");
}

#[test]
fn sso_header_on_success_is_reported_with_live() {
    let t = classic("ghp", &mut Rng::new(11));
    let (run, _server) = outcome_run(&[&t], &[], 3, |_| {
        live_user().header("X-GitHub-SSO", SSO).into()
    });
    let findings = run.findings();
    let v = expect_status(&findings, &t, "live");
    assert_eq!(v["login"], "octocat", "{v:#}");
    let sso = v["sso"].as_str().unwrap_or_else(|| panic!("no sso: {v:#}"));
    assert!(sso.contains("https://github.com/orgs/x/sso"), "{v:#}");
}

#[test]
fn sso_required_on_forbidden_is_restricted() {
    let t = fine_grained(&mut Rng::new(12));
    let (run, _server) = outcome_run(&[&t], &[], 1, |_| {
        forbidden(
            "Resource protected by organization SAML enforcement. You must grant your Personal \
             Access token access to this organization.",
        )
        .header("X-GitHub-SSO", SSO)
        .into()
    });
    let findings = run.findings();
    let v = expect_status(&findings, &t, "restricted");
    let sso = v["sso"].as_str().unwrap_or_else(|| panic!("no sso: {v:#}"));
    assert!(sso.contains("https://github.com/orgs/x/sso"), "{v:#}");
}

#[test]
fn exhausted_rate_limit_is_unknown_without_waiting_for_the_reset() {
    let t = classic("ghp", &mut Rng::new(13));
    let reset = (unix_now() + 3600).to_string();
    let (run, _server) = outcome_run(&[&t], &[], 1, move |_| {
        forbidden("API rate limit exceeded for 203.0.113.7.")
            .header("X-RateLimit-Limit", "60")
            .header("x-ratelimit-remaining", "0")
            .header("x-ratelimit-reset", &reset)
            .header("X-RateLimit-Resource", "core")
            .into()
    });
    let findings = run.findings();
    expect_status(&findings, &t, "unknown");
    let why = reason(finding(&findings, &t));
    assert!(why.contains("rate limit"), "reason: {why:?}");
    assert!(
        run.elapsed < Duration::from_secs(30),
        "waited for a reset an hour away: {:?}",
        run.elapsed
    );
}

fn lockout() -> Response {
    forbidden("Maximum number of login attempts exceeded. Please try again later.")
}

#[test]
fn login_lockout_stops_every_further_request() {
    let mut rng = Rng::new(14);
    let tokens: Vec<String> = (0..6).map(|_| classic("ghp", &mut rng)).collect();
    let all: Vec<&str> = tokens.iter().map(String::as_str).collect();
    let (run, server) = outcome_run(&all, &["--verify-concurrency", "1"], 1, |_| {
        lockout().into()
    });
    assert_eq!(
        server.requests().len(),
        1,
        "requests after a lockout: {:#?}",
        server.requests()
    );
    let findings = run.findings();
    for t in &all {
        expect_status(&findings, t, "unknown");
        let why = reason(finding(&findings, t));
        assert!(why.contains("lock"), "reason for {}: {why:?}", redacted(t));
    }
}

#[test]
fn login_lockout_stops_requests_at_default_concurrency() {
    let mut rng = Rng::new(15);
    let tokens: Vec<String> = (0..12).map(|_| classic("gho", &mut rng)).collect();
    let all: Vec<&str> = tokens.iter().map(String::as_str).collect();
    // Every answer is the lockout, sent a second after the request: whatever patrol sends
    // meanwhile (its workers' first requests) is in flight before any answer, and nothing may
    // be sent once the first answer is out.
    let answer_after = Duration::from_millis(1000);
    let (run, server) = outcome_run(&all, &[], 1, move |_| {
        Reply::SleepThen(answer_after, lockout())
    });
    let reqs = server.requests();
    assert!(
        reqs.len() < all.len(),
        "every token was sent despite the lockout"
    );
    for r in &reqs[1..] {
        assert!(
            gap_ms(&reqs[0], r) < answer_after.as_millis(),
            "request {} arrived {} ms after the first, after the lockout answer",
            r.seq,
            gap_ms(&reqs[0], r)
        );
    }
    let findings = run.findings();
    for t in &all {
        expect_status(&findings, t, "unknown");
        let why = reason(finding(&findings, t));
        assert!(why.contains("lock"), "reason for {}: {why:?}", redacted(t));
    }
}

#[test]
fn suspended_account_is_restricted() {
    let t = classic("ghu", &mut Rng::new(16));
    let (run, server) = outcome_run(&[&t], &[], 1, |_| {
        forbidden("Sorry. Your account was suspended.").into()
    });
    expect_status(&run.findings(), &t, "restricted");
    let why = reason(finding(&run.findings(), &t));
    assert!(why.contains("suspend"), "reason: {why:?}");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn installation_token_without_permission_is_restricted() {
    let mut rng = Rng::new(17);
    let opaque = classic("ghs", &mut rng);
    let jwt = stateless(424_242, &mut rng);
    let (run, server) = outcome_run(&[&opaque, &jwt], &[], 1, |r| {
        if r.target == INSTALLATION_PATH {
            forbidden("Resource not accessible by integration").into()
        } else {
            bad_credentials().into()
        }
    });
    let findings = run.findings();
    for t in [&opaque, &jwt] {
        expect_status(&findings, t, "restricted");
        assert_eq!(targets_for(&server, t), [INSTALLATION_PATH]);
    }
}

#[test]
fn installation_token_live() {
    let mut rng = Rng::new(18);
    let opaque = classic("ghs", &mut rng);
    let jwt = stateless(99, &mut rng);
    let (run, server) = outcome_run(&[&opaque, &jwt], &[], 3, |r| live_for(r).into());
    let findings = run.findings();
    for t in [&opaque, &jwt] {
        expect_status(&findings, t, "live");
        assert_eq!(targets_for(&server, t), [INSTALLATION_PATH]);
    }
}

/// First answer `first`, then live: patrol must wait about a second and retry.
fn assert_retried_after_a_second(seed: u64, first: Response) {
    let t = classic("ghp", &mut Rng::new(seed));
    let (run, server) = outcome_run(&[&t], &[], 3, move |r| {
        if r.seq == 0 {
            first.clone().into()
        } else {
            live_user().into()
        }
    });
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2, "one retry: {reqs:#?}");
    assert!(
        gap_ms(&reqs[0], &reqs[1]) >= 900,
        "retried after {} ms, before Retry-After: 1",
        gap_ms(&reqs[0], &reqs[1])
    );
    let findings = run.findings();
    let v = expect_status(&findings, &t, "live");
    assert_eq!(v["login"], "octocat", "{v:#}");
}

#[test]
fn too_many_requests_waits_for_retry_after_then_retries() {
    assert_retried_after_a_second(
        19,
        Response::json(429, &json!({"message": "Too Many Requests"})).header("Retry-After", "1"),
    );
}

#[test]
fn secondary_rate_limit_waits_for_retry_after_then_retries() {
    assert_retried_after_a_second(
        20,
        forbidden(
            "You have exceeded a secondary rate limit. Please wait a few minutes before you try \
             again.",
        )
        .header("Retry-After", "1"),
    );
}

#[test]
fn server_errors_are_unknown_after_bounded_retries() {
    for (i, code) in [500u16, 502].into_iter().enumerate() {
        let t = classic("ghp", &mut Rng::new(21 + i as u64));
        let (run, server) = outcome_run(&[&t], &[], 1, move |_| {
            Response::json(code, &json!({"message": "Server Error"})).into()
        });
        expect_status(&run.findings(), &t, "unknown");
        let n = server.requests().len();
        assert!((1..=5).contains(&n), "{code}: {n} requests for one token");
    }
}

#[test]
fn slow_response_times_out_as_unknown() {
    let t = classic("ghp", &mut Rng::new(23));
    let (run, _server) = outcome_run(&[&t], &["--verify-timeout", "1"], 1, |_| {
        Reply::SleepThen(Duration::from_secs(3), live_user())
    });
    expect_status(&run.findings(), &t, "unknown");
    let why = reason(finding(&run.findings(), &t));
    assert!(
        why.contains("timeout") || why.contains("timed out"),
        "reason: {why:?}"
    );
    assert!(run.elapsed < Duration::from_secs(30), "{:?}", run.elapsed);
}

#[test]
fn malformed_success_body_is_unknown() {
    let t = classic("ghp", &mut Rng::new(24));
    let (run, _server) = outcome_run(&[&t], &[], 1, |_| {
        Response::new(200)
            .header("Content-Type", "text/html")
            .header("X-OAuth-Scopes", "repo")
            .body("<html><body>login page</body></html>")
            .into()
    });
    expect_status(&run.findings(), &t, "unknown");
}

#[test]
fn connection_closed_without_response_is_unknown() {
    let t = classic("ghp", &mut Rng::new(25));
    let (run, server) = outcome_run(&[&t], &[], 1, |_| Reply::Close);
    expect_status(&run.findings(), &t, "unknown");
    assert!(server.requests().len() <= 5, "{:#?}", server.requests());
}

#[test]
fn connection_dropped_on_accept_is_unknown() {
    let sb = Sandbox::new();
    let t = classic("ghp", &mut Rng::new(29));
    let file = sb.write("leak.env", token_file(&[&t]));
    let server = Server::drop_on_accept();
    let run = scan_verify(&sb, &server.url(), &[&file], &[]);
    run.expect_code(1);
    expect_status(&run.findings(), &t, "unknown");
    assert_no_leak(&run.all(), &[&t], "scan --verify");
    server.settle();
    let n = server.connections();
    assert!((1..=5).contains(&n), "{n} connections for one token");
}

#[test]
fn redirects_are_not_followed() {
    let t = classic("ghp", &mut Rng::new(26));
    let target = Server::always(live_user());
    let location = format!("{}/user", target.url());
    for code in [301u16, 302, 307] {
        let location = location.clone();
        let (run, server) = outcome_run(&[&t], &[], 1, move |_| {
            Response::new(code).header("Location", &location).into()
        });
        expect_status(&run.findings(), &t, "unknown");
        assert!(!server.requests().is_empty());
    }
    target.settle();
    assert_eq!(target.connections(), 0, "the redirect target was contacted");
    assert!(target.requests().is_empty());
}

/// A server that puts the token back in its error message must not make patrol print it:
/// reasons quote what the server said.
#[test]
fn error_message_echoing_the_token_does_not_leak_it() {
    let t = classic("ghp", &mut Rng::new(27));
    let echo = t.clone();
    let (run, _server) = outcome_run(&[&t], &[], 1, move |_| {
        Response::json(
            403,
            &json!({"message": format!("Token {echo} is not allowed here")}),
        )
        .into()
    });
    expect_status(&run.findings(), &t, "unknown");
}

/// Nor may a redirect whose target carries the token (reasons name the target).
#[test]
fn redirect_target_echoing_the_token_does_not_leak_it() {
    let t = classic("gho", &mut Rng::new(28));
    let echo = t.clone();
    let (run, _server) = outcome_run(&[&t], &[], 1, move |_| {
        Reply::redirect(&format!("http://127.0.0.1:9/login?token={echo}"))
    });
    expect_status(&run.findings(), &t, "unknown");
}

// =============================================================================================
// Secrets never printed
// =============================================================================================

#[test]
fn tokens_never_appear_in_any_output_without_show_secrets() {
    let sb = Sandbox::new();
    let mut rng = Rng::new(30);
    let tokens = [
        classic("ghp", &mut rng),
        fine_grained(&mut rng),
        classic("ghs", &mut rng),
        stateless(5150, &mut rng),
        refresh(&mut rng),
    ];
    let all: Vec<&str> = tokens.iter().map(String::as_str).collect();
    let file = sb.write("all.env", token_file(&all));
    let server = Server::start(|r| live_for(r).into());
    let url = server.url();

    for format in ["text", "json", "jsonl", "sarif"] {
        let run = sb.run(&[
            "scan",
            &file,
            "--verify",
            "--github-api",
            &url,
            "--format",
            format,
        ]);
        assert_no_leak(
            &run.all(),
            &all,
            &format!("scan --verify --format {format}"),
        );
        run.expect_code(3);
        let report = sb.path(&format!("report.{format}"));
        let run = sb.run(&[
            "scan",
            &file,
            "--verify",
            "--github-api",
            &url,
            "--format",
            format,
            "--output",
            report.to_str().unwrap(),
        ]);
        assert_no_leak(&run.all(), &all, "scan --output: the terminal");
        let written = std::fs::read_to_string(&report).expect("the report file was written");
        assert_no_leak(&written, &all, &format!("scan --output {format}"));
    }

    for format in ["text", "json", "jsonl"] {
        let mut args = vec!["verify"];
        args.extend_from_slice(&all);
        args.extend_from_slice(&["--github-api", &url, "--format", format]);
        let run = sb.run(&args);
        run.expect_code(3);
        assert_no_leak(&run.all(), &all, &format!("verify --format {format}"));
    }

    // The check above means something: with --show-secrets the tokens are there.
    let run = scan_verify(&sb, &url, &[&file], &["--show-secrets"]);
    run.expect_code(3);
    for t in &all {
        assert!(
            run.stdout.contains(t),
            "--show-secrets hides {}",
            redacted(t)
        );
    }
    assert_well_formed_checks(&server, &all);
}

// =============================================================================================
// The API base
// =============================================================================================

#[test]
fn plain_http_to_a_non_loopback_host_is_refused() {
    let sb = Sandbox::new();
    let mut rng = Rng::new(40);
    let clean = sb.write("clean.txt", "no tokens here\n");
    // Only a checksum-invalid token: even if patrol took the URL, it would have nothing to send.
    let unsendable = corrupt(&classic("ghp", &mut rng));
    for api in [
        "http://example.com",
        "http://example.com/api/v3",
        "http://127.0.0.1@example.com",
        "http://127.0.0.1.example.com",
    ] {
        let run = scan_verify(&sb, api, &[&clean], &[]);
        assert_eq!(run.code, Some(2), "scan --github-api {api}\n{run}");
        let run = sb.run(&["verify", &unsendable, "--github-api", api]);
        assert_eq!(run.code, Some(2), "verify --github-api {api}\n{run}");
        let run = sb.run(&["revoke", &unsendable, "--yes", "--github-api", api]);
        assert_eq!(run.code, Some(2), "revoke --github-api {api}\n{run}");
    }
}

#[test]
fn https_api_bases_are_accepted() {
    let sb = Sandbox::new();
    let unsendable = corrupt(&classic("ghp", &mut Rng::new(41)));
    let clean = sb.write("clean.txt", "no tokens here\n");
    for api in [
        "https://api.github.com",
        "https://ghes.example.com/api/v3",
        "https://api.tenant.ghe.com",
    ] {
        // Nothing to verify, so nothing is sent: only the URL's acceptance is tested.
        scan_verify(&sb, api, &[&clean], &[]).expect_code(0);
        let run = sb.run(&[
            "verify",
            &unsendable,
            "--github-api",
            api,
            "--format",
            "json",
        ]);
        run.expect_code(0);
    }
}

// =============================================================================================
// patrol verify
// =============================================================================================

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
    let file = sb.write("leak.env", token_file(&[&t1, &t2]));
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

// =============================================================================================
// --verify-cache
// =============================================================================================

#[test]
fn verify_cache_skips_tokens_checked_before_and_keeps_no_token() {
    let sb = Sandbox::new();
    let mut rng = Rng::new(60);
    let live = classic("ghp", &mut rng);
    let dead = fine_grained(&mut rng);
    let file = sb.write("src/leak.env", token_file(&[&live, &dead]));
    let cache = sb.path("verify-cache.json");
    let cache = cache.to_str().unwrap();
    let live_t = live.clone();
    let server = Server::start(move |r| {
        if r.bearer() == Some(live_t.as_str()) {
            live_user().into()
        } else {
            bad_credentials().into()
        }
    });
    let url = server.url();

    let run = scan_verify(&sb, &url, &[&file], &["--verify-cache", cache]);
    run.expect_code(3);
    assert_eq!(server.requests().len(), 2);
    let text = std::fs::read_to_string(cache).expect("the cache file was written");
    assert_no_leak(&text, &[&live, &dead], "the cache file");
    for t in [&live, &dead] {
        assert!(
            text.contains(&sha256_hex(t.as_bytes())),
            "the cache has no fingerprint of {}:\n{text}",
            redacted(t)
        );
    }

    // Second run, same cache: nothing sent, same verdicts.
    let run = scan_verify(&sb, &url, &[&file], &["--verify-cache", cache]);
    run.expect_code(3);
    let findings = run.findings();
    let v = expect_status(&findings, &live, "live");
    assert_eq!(v["login"], "octocat", "{v:#}");
    expect_status(&findings, &dead, "dead");
    assert_eq!(server.requests().len(), 2, "the cache was not used");

    // `patrol verify` with the same cache: nothing sent either.
    let run = sb.run(&[
        "verify",
        &live,
        "--github-api",
        &url,
        "--verify-cache",
        cache,
        "--format",
        "json",
    ]);
    run.expect_code(3);
    assert_eq!(status(&run.results()[0]), "live");
    assert_eq!(server.requests().len(), 2, "the cache was not used");

    // A new token in the same run is still checked, once.
    let other = classic("gho", &mut rng);
    let file2 = sb.write("src/more.env", token_file(&[&other, &live]));
    let run = scan_verify(&sb, &url, &[&file, &file2], &["--verify-cache", cache]);
    run.expect_code(3);
    assert_eq!(server.requests().len(), 3);
    assert_eq!(server.requests_with(&other).len(), 1);
    let text = std::fs::read_to_string(cache).unwrap();
    assert_no_leak(&text, &[&live, &dead, &other], "the cache file");
    assert_well_formed_checks(&server, &[&live, &dead, &other]);
}

// =============================================================================================
// patrol revoke
// =============================================================================================

fn revoke_server() -> Server {
    Server::always(Response::json(202, &json!({})))
}

/// The `credentials` of a revocation request, after checking its shape.
#[track_caller]
fn revoked_in(r: &Request) -> Vec<String> {
    let raw = r.raw_text();
    assert_eq!(r.method, "POST", "{}", r.target);
    assert_eq!(r.target, "/credentials/revoke");
    assert_eq!(
        r.header_count("authorization"),
        0,
        "revocation must be unauthenticated"
    );
    assert!(
        r.header("user-agent").is_some_and(|v| !v.trim().is_empty()),
        "no User-Agent"
    );
    let body = r.body_json();
    let obj = body.as_object().expect("a JSON object body");
    assert_eq!(
        obj.keys().collect::<Vec<_>>(),
        ["credentials"],
        "body keys; request head: {}",
        &raw[..raw.find("\r\n\r\n").unwrap_or(0)]
    );
    body["credentials"]
        .as_array()
        .expect("credentials array")
        .iter()
        .map(|v| v.as_str().expect("a token string").to_string())
        .collect()
}

#[test]
fn revoke_posts_the_tokens_unauthenticated() {
    let sb = Sandbox::new();
    let mut rng = Rng::new(70);
    let tokens = [
        classic("ghp", &mut rng),
        fine_grained(&mut rng),
        classic("gho", &mut rng),
        classic("ghu", &mut rng),
        refresh(&mut rng),
    ];
    let all: Vec<&str> = tokens.iter().map(String::as_str).collect();
    let server = revoke_server();
    let url = server.url();
    let mut args = vec!["revoke"];
    args.extend_from_slice(&all);
    args.extend_from_slice(&["--yes", "--github-api", &url]);

    let run = sb.run(&args);
    run.expect_code(0);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1, "{reqs:#?}");
    let sent: BTreeSet<String> = revoked_in(&reqs[0]).into_iter().collect();
    let want: BTreeSet<String> = tokens.iter().cloned().collect();
    assert_eq!(sent, want);
    assert_no_leak(&run.all(), &all, "revoke");

    // The same from stdin.
    let run = sb.run_stdin(
        &["revoke", "-", "--yes", "--github-api", &url],
        (all.join("\n") + "\n").as_bytes(),
    );
    run.expect_code(0);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    let sent: BTreeSet<String> = revoked_in(&reqs[1]).into_iter().collect();
    assert_eq!(sent, want);
    assert_no_leak(&run.all(), &all, "revoke -");
}

#[test]
fn revoke_refuses_installation_tokens() {
    let sb = Sandbox::new();
    let mut rng = Rng::new(71);
    let ghs = classic("ghs", &mut rng);
    let jwt = stateless(8080, &mut rng);
    let ghp = classic("ghp", &mut rng);
    let server = revoke_server();
    let url = server.url();

    let run = sb.run(&["revoke", &ghs, &jwt, &ghp, "--yes", "--github-api", &url]);
    assert_no_leak(&run.all(), &[&ghs, &jwt, &ghp], "revoke");
    assert!(
        run.stderr.contains("ghs_"),
        "no message about the refused ghs_ tokens:\n{run}"
    );
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1, "{run}");
    assert_eq!(revoked_in(&reqs[0]), vec![ghp.clone()]);
    for r in &reqs {
        assert!(!r.raw_text().contains(&ghs), "a ghs_ token was sent");
        assert!(!r.raw_text().contains(&jwt), "a ghs_ token was sent");
    }

    // Only installation tokens: nothing at all is sent.
    let run = sb.run(&["revoke", &ghs, &jwt, "--yes", "--github-api", &url]);
    assert!(run.stderr.contains("ghs_"), "{run}");
    assert_no_leak(&run.all(), &[&ghs, &jwt], "revoke");
    server.settle();
    assert_eq!(server.requests().len(), 1, "{run}");
}

#[test]
fn revoke_without_yes_and_without_a_terminal_sends_nothing() {
    let sb = Sandbox::new();
    let t = classic("ghp", &mut Rng::new(72));
    let mut wire = Tripwire::new();
    let url = wire.url();

    let run = sb.run(&["revoke", &t, "--github-api", &url]);
    run.expect_code(2);
    assert_no_leak(&run.all(), &[&t], "revoke");
    // "yes" piped in is not a person at a terminal.
    let run = sb.run_stdin(&["revoke", &t, "--github-api", &url], b"yes\ny\n");
    run.expect_code(2);
    assert_no_leak(&run.all(), &[&t], "revoke");
    assert_eq!(wire.connections(), 0, "revoked without confirmation");
}

#[test]
fn revoke_sends_at_most_1000_tokens_per_request() {
    let sb = Sandbox::new();
    let mut rng = Rng::new(73);
    let mut tokens: Vec<String> = Vec::new();
    let mut seen = BTreeSet::new();
    for _ in 0..5000 {
        if tokens.len() == 1001 {
            break;
        }
        let t = classic("ghp", &mut rng);
        if seen.insert(t.clone()) {
            tokens.push(t);
        }
    }
    assert_eq!(tokens.len(), 1001);
    let server = revoke_server();
    let url = server.url();
    let mut args = vec!["revoke"];
    args.extend(tokens.iter().map(String::as_str));
    args.extend_from_slice(&["--yes", "--github-api", &url]);

    let run = sb.run(&args);
    run.expect_code(0);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2, "1001 tokens: two requests");
    let mut sent: Vec<String> = Vec::new();
    for r in &reqs {
        let batch = revoked_in(r);
        assert!(batch.len() <= 1000, "a batch of {}", batch.len());
        sent.extend(batch);
    }
    assert_eq!(sent.len(), 1001, "each token sent once");
    assert_eq!(sent.into_iter().collect::<BTreeSet<_>>(), seen);
    let all: Vec<&str> = tokens.iter().map(String::as_str).collect();
    assert_no_leak(&run.all(), &all, "revoke");
}
