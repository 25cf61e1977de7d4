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

/// The cache is private, never written through a link, and cannot be poisoned into silence:
/// entries from the future or past the TTL are ignored, and whatever it says, the findings and
/// their exit code stay.
#[test]
fn the_verify_cache_is_private_and_cannot_be_poisoned() {
    use std::os::unix::fs::PermissionsExt;
    let sb = Sandbox::new();
    let mut rng = Rng::new(61);
    let live = classic("ghp", &mut rng);
    let file = s(&sb.write("leak.env", token_file(&[&live]))).to_string();
    let server = Server::always(live_user());
    let url = server.url();
    let cache = sb.path("cache.json");
    let cache_s = s(&cache).to_string();
    scan_verify(&sb, &url, &[&file], &["--verify-cache", &cache_s]).expect_code(3);
    let mode = std::fs::metadata(&cache).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "cache mode {mode:o}");

    // A poisoned cache: the live token marked dead, "checked" now; and one from the future.
    let fp = fingerprint(&live);
    let poison = |at: i64, status: &str| {
        std::fs::write(
            &cache,
            serde_json::to_vec(&json!({"patrol_verify_cache": 1, "entries": {
                fp.clone(): {"checked_at": at, "verification": {"status": status}}
            }}))
            .unwrap(),
        )
        .unwrap();
    };
    poison(unix_now(), "dead");
    let run = scan_verify(&sb, &url, &[&file], &["--verify-cache", &cache_s]);
    // The finding is still reported and fails the run; a cached verdict can only add to it.
    run.expect_code(1);
    assert_eq!(run.findings().len(), 1, "{run}");
    let sent = server.requests().len();
    poison(unix_now() + 86_400 * 365, "dead");
    let run = scan_verify(&sb, &url, &[&file], &["--verify-cache", &cache_s]);
    run.expect_code(3);
    assert_eq!(
        server.requests().len(),
        sent + 1,
        "a future entry was trusted"
    );
    poison(unix_now() - 7200, "dead");
    let run = scan_verify(
        &sb,
        &url,
        &[&file],
        &["--verify-cache", &cache_s, "--verify-cache-ttl", "3600"],
    );
    run.expect_code(3);
    assert_eq!(
        server.requests().len(),
        sent + 2,
        "an expired entry was trusted"
    );

    // A link where the cache goes: read as nothing, and replaced, never written through.
    let target = sb.outside("elsewhere.json");
    std::fs::write(&target, "precious").unwrap();
    std::fs::remove_file(&cache).unwrap();
    std::os::unix::fs::symlink(&target, &cache).unwrap();
    scan_verify(&sb, &url, &[&file], &["--verify-cache", &cache_s]).expect_code(3);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "precious");
    assert!(std::fs::symlink_metadata(&cache)
        .unwrap()
        .file_type()
        .is_file());
}
