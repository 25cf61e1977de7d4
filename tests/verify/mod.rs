//! Liveness checks (`scan --verify`, `patrol verify`) and revocation (`patrol revoke`), driving
//! the real binary against a fake GitHub API: a real HTTP/1.1 server on 127.0.0.1 (see
//! `util::mockgh`) that records every request it gets. No network beyond loopback is ever used:
//! every base URL given to patrol is a local server, or an address patrol must refuse before
//! connecting, or an https URL given with nothing to verify.

mod api_base;
mod cache;
mod command;
mod exit_codes;
mod outcomes;
mod revoke;
mod secrets;
mod sending;

use serde_json::{json, Value};

use crate::util::*;

pub(crate) const USER_PATH: &str = "/user";
pub(crate) const INSTALLATION_PATH: &str = "/installation/repositories?per_page=1";
pub(crate) const EXPIRATION: &str = "2026-12-01 10:00:00 UTC";
pub(crate) const SSO: &str =
    "required; url=https://github.com/orgs/x/sso?authorization_request=AbC123xYz";

/// 200 from `GET /user` for a live classic token.
pub(crate) fn live_user() -> Response {
    Response::json(200, &json!({"login": "octocat", "id": 1, "type": "User"}))
        .header("X-OAuth-Scopes", "repo, read:org")
        .header("X-Accepted-OAuth-Scopes", "")
        .header("GitHub-Authentication-Token-Expiration", EXPIRATION)
}

/// 200 from `GET /installation/repositories?per_page=1` for a live installation token.
pub(crate) fn live_installation() -> Response {
    Response::json(
        200,
        &json!({"total_count": 1, "repositories": [{"id": 7, "full_name": "x/y"}]}),
    )
}

/// The live answer for whichever endpoint was asked.
pub(crate) fn live_for(req: &Request) -> Response {
    if req.target.starts_with("/installation") {
        live_installation()
    } else {
        live_user()
    }
}

pub(crate) fn bad_credentials() -> Response {
    Response::json(
        401,
        &json!({"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"}),
    )
}

pub(crate) fn forbidden(message: &str) -> Response {
    Response::json(403, &json!({"message": message}))
}

/// A file with each token on its own line, in a context every rule accepts (the legacy 40-hex
/// rule needs a GitHub-token assignment).
pub(crate) fn token_file(tokens: &[&str]) -> String {
    tokens
        .iter()
        .map(|t| format!("export GITHUB_TOKEN=\"{t}\"\n"))
        .collect()
}

/// `patrol scan PATHS --verify --github-api URL --format json EXTRA...`
pub(crate) fn scan_verify(sb: &Sandbox, api: &str, paths: &[&str], extra: &[&str]) -> Run {
    let mut args = vec!["scan"];
    args.extend_from_slice(paths);
    args.extend_from_slice(&["--verify", "--github-api", api, "--format", "json"]);
    args.extend_from_slice(extra);
    sb.run(&args)
}

/// The findings of `token` (by fingerprint).
pub(crate) fn findings_of<'a>(findings: &'a [Value], token: &str) -> Vec<&'a Value> {
    let fp = fingerprint(token);
    findings
        .iter()
        .filter(|f| f["fingerprint"] == fp.as_str())
        .collect()
}

/// The one finding of `token`.
#[track_caller]
pub(crate) fn finding<'a>(findings: &'a [Value], token: &str) -> &'a Value {
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
pub(crate) fn verification(f: &Value) -> &Value {
    let v = &f["verification"];
    assert!(v.is_object(), "no verification object in {f:#}");
    v
}

#[track_caller]
pub(crate) fn status(f: &Value) -> &str {
    verification(f)["status"]
        .as_str()
        .unwrap_or_else(|| panic!("verification without a status: {f:#}"))
}

/// The verification's reason, lower-cased ("" if none).
pub(crate) fn reason(f: &Value) -> String {
    f["verification"]["reason"]
        .as_str()
        .unwrap_or("")
        .to_lowercase()
}

/// An unknown field is absent or null.
pub(crate) fn absent(v: &Value, key: &str) -> bool {
    v.get(key).is_none_or(Value::is_null)
}

/// Asserts the verdict of `token`'s only finding and returns its verification.
#[track_caller]
pub(crate) fn expect_status<'a>(findings: &'a [Value], token: &str, want: &str) -> &'a Value {
    let f = finding(findings, token);
    assert_eq!(status(f), want, "verdict for {}: {f:#}", redacted(token));
    verification(f)
}

/// Neither a token nor a recognisable piece of it (its last 16 characters) appears in `text`.
#[track_caller]
pub(crate) fn assert_no_leak(text: &str, tokens: &[&str], what: &str) {
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
pub(crate) fn assert_well_formed_checks(server: &Server, tokens: &[&str]) {
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
pub(crate) fn assert_token_only_in_authorization(r: &Request, tokens: &[&str]) {
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
pub(crate) fn targets_for(server: &Server, token: &str) -> Vec<String> {
    server
        .requests_with(token)
        .into_iter()
        .map(|r| r.target)
        .collect()
}

/// Milliseconds between two requests' arrivals.
pub(crate) fn gap_ms(a: &Request, b: &Request) -> u128 {
    b.at.duration_since(a.at).as_millis()
}
