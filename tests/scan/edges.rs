//! Determinism across thread counts, and more edges: symlink loops, hidden directories, stdin with files, colour, closed pipes.

use std::time::Duration;

use super::*;
use crate::util::*;

#[test]
fn report_is_identical_across_thread_counts() {
    let mut rng = Rng::new(27);
    let sb = Sandbox::new();
    let mut n = 0;
    for d in 0..8 {
        for fnum in 0..8 {
            let body = if (d + fnum) % 3 == 0 {
                n += 1;
                format!(
                    "k{fnum}: {}\nk: {}\n",
                    classic("ghp", &mut rng),
                    fine_grained(&mut rng)
                )
            } else {
                "filler text\n".repeat(10)
            };
            sb.write(&format!("d{d}/f{fnum}.txt"), body);
        }
    }
    let one = sb.run(&["scan", "-q", "-j", "1", "-f", "jsonl", "."]);
    let many = sb.run(&["scan", "-q", "-j", "8", "-f", "jsonl", "."]);
    one.expect_code(1);
    many.expect_code(1);
    assert_eq!(one.stdout.lines().count(), 2 * n, "{one}");
    assert_eq!(one.stdout, many.stdout);
}

#[test]
fn follow_with_symlink_loop_terminates_and_reports_the_loop() {
    use std::os::unix::fs::symlink;
    let sb = Sandbox::new();
    sb.write("a.txt", "hi\n");
    symlink(".", sb.path("self")).unwrap();
    symlink("loop_b", sb.path("loop_a")).unwrap();
    symlink("loop_a", sb.path("loop_b")).unwrap();
    let out = sb.run_within(
        &["scan", "--follow", "--format", "json", "."],
        Duration::from_secs(20),
    );
    let doc = out.json();
    assert_eq!(doc["summary"]["files"], 1, "{out}");
    let errors: Vec<String> = doc["summary"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(errors, vec!["loop_a", "loop_b", "self"], "{out}");
    // Unresolvable links make the scan incomplete, and the exit code says so.
    out.expect_code(2);
    assert_eq!(doc["summary"]["exit_code"], 2);
}

#[test]
fn hidden_directories_like_dot_github_are_scanned() {
    let mut rng = Rng::new(28);
    let tok = classic("ghs", &mut rng);
    let sb = Sandbox::new();
    let wf = format!(
        "name: ci\non: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    env:\n      \
         TOKEN: {tok}\n"
    );
    sb.write(".github/workflows/ci.yml", &wf);
    let out = scan_json(&sb, &["."]);
    out.expect_code(1);
    assert_found(
        &out.findings(),
        INSTALLATION,
        &tok,
        ".github/workflows/ci.yml",
        (7, 14, locate(&wf, &tok).2),
    );
}

#[test]
fn stdin_together_with_files() {
    let mut rng = Rng::new(29);
    let a = classic("ghp", &mut rng);
    let b = classic("gho", &mut rng);
    let sb = Sandbox::new();
    sb.write("f.txt", format!("{a}\n"));
    let out = sb.run_stdin(
        &["scan", "--format", "json", "-", "f.txt"],
        format!("x {b}").as_bytes(),
    );
    out.expect_code(1);
    let f = out.findings();
    assert_eq!(f.len(), 2, "{out}");
    assert_found(&f, CLASSIC, &a, "f.txt", (1, 1, 0));
    assert_found(&f, OAUTH, &b, "<stdin>", (1, 3, 2));
    assert_eq!(out.json()["summary"]["files"], 2);

    let out = sb.run_stdin(&["scan", "-", "-"], b"");
    out.expect_code(2);
    assert!(out.stderr.contains("more than once"), "{out}");
}

#[test]
fn colour_only_when_asked() {
    let mut rng = Rng::new(30);
    let sb = Sandbox::new();
    sb.write("a.txt", classic("ghp", &mut rng));
    let plain = sb.run(&["scan", "a.txt"]);
    plain.expect_code(1);
    assert!(!plain.stdout.contains('\u{1b}'), "{plain}");
    let coloured = sb.run(&["scan", "--color", "always", "a.txt"]);
    coloured.expect_code(1);
    assert!(coloured.stdout.contains("\u{1b}[1;31mghp_"), "{coloured}");
}

#[test]
fn closed_stdout_is_not_an_error() {
    let mut rng = Rng::new(31);
    let sb = Sandbox::new();
    // Far more report than a pipe buffer holds.
    let body: String = (0..4000)
        .map(|i| format!("k{i}={}\n", classic("ghp", &mut rng)))
        .collect();
    sb.write("many.txt", body);
    let mut child = sb
        .command(&["scan", "--show-secrets", "many.txt"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader goes away, as with `| head -0`
    let out = wait_with_timeout_stdout_closed(child);
    assert!(
        matches!(out.code, 0 | 1),
        "a closed stdout must not be an error (exit 2) or a signal death: {out}"
    );
    assert!(!out.stderr.contains("patrol: error"), "{out}");
}

fn wait_with_timeout_stdout_closed(mut child: std::process::Child) -> Run {
    use std::io::Read;
    let mut err = child.stderr.take().unwrap();
    let t = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("patrol did not finish with a closed stdout");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    use std::os::unix::process::ExitStatusExt;
    Run {
        code: status.code().unwrap_or(-1),
        signal: status.signal(),
        stdout: String::new(),
        stderr: t.join().unwrap(),
        elapsed: started.elapsed(),
    }
}

/// `HOMEBREW_GITHUB_API_TOKEN`, `INPUT_GITHUB_TOKEN` (how Actions passes a `github-token`
/// input) and `MY_GH_TOKEN` are GitHub-token contexts "like GITHUB_TOKEN=", but the legacy
/// rule must find them (regression: `\b(?:github|gh)` needed a word boundary before `GITHUB`,
/// and `_` is a word character).
#[test]
fn legacy_hex_after_prefixed_github_token_variable_names() {
    let mut rng = Rng::new(32);
    let hex = legacy_hex(&mut rng);
    let sb = Sandbox::new();
    let text = format!(
        "HOMEBREW_GITHUB_API_TOKEN={hex}\nINPUT_GITHUB_TOKEN={hex}\nexport MY_GH_TOKEN={hex}\n"
    );
    sb.write("vars.env", &text);
    let out = scan_json(&sb, &["vars.env"]);
    out.expect_code(1);
    let f = out.findings();
    assert_eq!(count_rule(&f, LEGACY), 3, "{out}");
}
