//! The API base: where tokens may be sent.

use super::*;
use crate::util::*;

#[test]
fn plain_http_to_a_non_loopback_host_is_refused() {
    let sb = Sandbox::new();
    let mut rng = Rng::new(40);
    let clean = s(&sb.write("clean.txt", "no tokens here\n")).to_string();
    // Only a checksum-invalid token: even if patrol took the URL, it would have nothing to send.
    let unsendable = corrupt(&classic("ghp", &mut rng));
    for api in [
        "http://example.com",
        "http://example.com/api/v3",
        "http://127.0.0.1@example.com",
        "http://127.0.0.1.example.com",
    ] {
        let run = scan_verify(&sb, api, &[&clean], &[]);
        assert_eq!(run.code, 2, "scan --github-api {api}\n{run}");
        let run = sb.run(&["verify", &unsendable, "--github-api", api]);
        assert_eq!(run.code, 2, "verify --github-api {api}\n{run}");
        let run = sb.run(&["revoke", &unsendable, "--yes", "--github-api", api]);
        assert_eq!(run.code, 2, "revoke --github-api {api}\n{run}");
    }
}

#[test]
fn https_api_bases_are_accepted() {
    let sb = Sandbox::new();
    let unsendable = corrupt(&classic("ghp", &mut Rng::new(41)));
    let clean = s(&sb.write("clean.txt", "no tokens here\n")).to_string();
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
