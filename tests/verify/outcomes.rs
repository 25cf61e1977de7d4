//! Outcomes, by the server's response: live, dead, restricted, unknown, not verifiable.

use std::time::Duration;

use serde_json::json;

use super::*;
use crate::util::*;

/// Scans one file holding `tokens` against a server answering with `handler`; returns the run
/// (exit code checked) and the server.
fn outcome_run(
    tokens: &[&str],
    extra: &[&str],
    code: i32,
    handler: impl Fn(&Request) -> Reply + Send + Sync + 'static,
) -> (Run, Server) {
    let sb = Sandbox::new();
    let file = s(&sb.write("leak.env", token_file(tokens))).to_string();
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
    let file = s(&sb.write("leak.env", token_file(&[&t]))).to_string();
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
