//! `patrol revoke`: GitHub's credential revocation API.

use std::collections::BTreeSet;

use serde_json::json;

use super::*;
use crate::util::*;

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
