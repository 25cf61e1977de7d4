//! Secrets are never printed, whatever the server echoes.

use super::*;
use crate::util::*;

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
    let file = s(&sb.write("all.env", token_file(&all))).to_string();
    let server = Server::start(|r| live_for(r).into());
    let url = server.url();

    for format in ["text", "json", "jsonl", "sarif", "csv"] {
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
