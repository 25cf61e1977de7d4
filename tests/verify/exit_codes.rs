//! Exit code 3 for a live token, and its precedence.

use super::*;
use crate::util::*;

#[test]
fn exit_codes_with_verify() {
    let sb = Sandbox::new();
    let mut rng = Rng::new(6);
    let live = classic("ghp", &mut rng);
    let dead = classic("gho", &mut rng);
    let clean = s(&sb.write("clean.txt", "nothing to see here\n")).to_string();
    let with_live = s(&sb.write("live.env", token_file(&[&live, &dead]))).to_string();
    let only_dead = s(&sb.write("dead.env", token_file(&[&dead]))).to_string();
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
