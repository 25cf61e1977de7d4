//! `--verify-cache`: results kept between runs, keyed by fingerprint.

use super::*;
use crate::util::*;

#[test]
fn verify_cache_skips_tokens_checked_before_and_keeps_no_token() {
    let sb = Sandbox::new();
    let mut rng = Rng::new(60);
    let live = classic("ghp", &mut rng);
    let dead = fine_grained(&mut rng);
    let file = s(&sb.write("src/leak.env", token_file(&[&live, &dead]))).to_string();
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
    let file2 = s(&sb.write("src/more.env", token_file(&[&other, &live]))).to_string();
    let run = scan_verify(&sb, &url, &[&file, &file2], &["--verify-cache", cache]);
    run.expect_code(3);
    assert_eq!(server.requests().len(), 3);
    assert_eq!(server.requests_with(&other).len(), 1);
    let text = std::fs::read_to_string(cache).unwrap();
    assert_no_leak(&text, &[&live, &dead, &other], "the cache file");
    assert_well_formed_checks(&server, &[&live, &dead, &other]);
}
