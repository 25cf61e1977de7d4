//! Special files: FIFOs, sockets, devices, unreadable files, symlinks.

use std::time::Duration;

use super::*;
use crate::util::*;

#[test]
fn empty_file() {
    let sb = Sandbox::new();
    sb.write("empty.txt", "");
    let out = scan_json(&sb, &["empty.txt"]);
    out.expect_code(0);
    let doc = out.json();
    assert_eq!(doc["findings"].as_array().unwrap().len(), 0);
    assert_eq!(doc["summary"]["files"], 1);
    assert_eq!(doc["summary"]["bytes"], 0);
    let out = sb.run(&["scan", "."]);
    out.expect_code(0);
    assert!(out.stderr.contains("scanned 1 file (0 B)"), "{out}");
}

fn mkfifo(path: &std::path::Path) {
    let st = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("run mkfifo");
    assert!(st.success(), "mkfifo failed");
}

#[test]
fn fifo_is_skipped_without_blocking() {
    let mut rng = Rng::new(18);
    let tok = classic("ghp", &mut rng);
    let sb = Sandbox::new();
    sb.write("leak.txt", format!("GITHUB_TOKEN={tok}\n"));
    mkfifo(&sb.path("pipe"));

    let limit = Duration::from_secs(20);
    let out = sb.run_within(&["scan", "."], limit);
    out.expect_code(1);
    assert!(
        out.stderr
            .contains("patrol: skipped pipe: fifo, not a regular file"),
        "{out}"
    );
    assert!(out.stderr.contains("skipped 1 fifo"), "{out}");
    assert!(out.stdout.starts_with("leak.txt\n  1:14  "), "{out}");

    // Named explicitly, too.
    let out = sb.run_within(&["scan", "--format", "json", "pipe"], limit);
    out.expect_code(0);
    let doc = out.json();
    assert_eq!(doc["summary"]["skipped"]["fifo"], 1, "{out}");
    assert_eq!(doc["summary"]["skipped_paths"][0]["path"], "pipe", "{out}");
    assert_eq!(doc["summary"]["files"], 0);
}

#[test]
fn symlink_loops_and_broken_links_are_not_followed_by_default() {
    use std::os::unix::fs::symlink;
    let sb = Sandbox::new();
    sb.write("real.txt", "nothing\n");
    symlink("loop_b", sb.path("loop_a")).unwrap();
    symlink("loop_a", sb.path("loop_b")).unwrap();
    symlink(".", sb.path("self")).unwrap();
    symlink("does/not/exist", sb.path("broken")).unwrap();

    let out = sb.run_within(&["scan", "--format", "json", "."], Duration::from_secs(20));
    out.expect_code(0);
    let doc = out.json();
    assert_eq!(doc["summary"]["files"], 1, "{out}");
    assert_eq!(doc["summary"]["skipped"]["symlink"], 4, "{out}");
    assert_eq!(doc["summary"]["errors"].as_array().unwrap().len(), 0);
    let text = sb.run(&["scan", "."]);
    text.expect_code(0);
    assert!(text.stderr.contains("skipped 4 symlink"), "{text}");
}

#[test]
fn follow_finds_token_behind_symlink() {
    use std::os::unix::fs::symlink;
    let mut rng = Rng::new(19);
    let tok = classic("ghu", &mut rng);
    let sb = Sandbox::new();
    sb.write("outside/secret.txt", format!("token: {tok}\n"));
    sb.mkdir("tree");
    symlink("../outside/secret.txt", sb.path("tree/link.txt")).unwrap();
    sb.write("tree/plain.txt", "plain\n");

    let out = scan_json(&sb, &["tree"]);
    out.expect_code(0);
    assert_eq!(out.findings().len(), 0);

    for flag in ["--follow", "-L"] {
        let out = scan_json(&sb, &[flag, "tree"]);
        out.expect_code(1);
        assert_found(&out.findings(), USER, &tok, "tree/link.txt", (1, 8, 7));
    }
    // A symlink named on the command line is followed even without --follow.
    let out = scan_json(&sb, &["tree/link.txt"]);
    out.expect_code(1);
    assert_found(&out.findings(), USER, &tok, "tree/link.txt", (1, 8, 7));
}
