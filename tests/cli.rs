//! No setting silently does nothing: flag combinations that make no sense are refused, the
//! spellings people write for paths work, quiet and machine formats print only the report and
//! errors, and help tells every exit code.

use std::time::Duration;

use crate::util::*;

#[test]
fn flag_combinations_that_make_no_sense_are_refused() {
    let r = Sandbox::repo();
    r.write("a.txt", "x\n");
    r.commit("one");
    for (args, says) in [
        (
            vec!["scan", "--git", "--since", "HEAD"],
            "cannot be used with",
        ),
        (
            vec!["scan", "--git", "--range", "HEAD..HEAD"],
            "cannot be used with",
        ),
        (
            vec!["scan", "--staged", "--since", "HEAD"],
            "cannot be used with",
        ),
        (vec!["scan", "--pre-commit", "--git"], "cannot be used with"),
        (
            vec!["scan", "--git", "--all-lines"],
            "--all-lines applies to",
        ),
        (vec!["scan", "--all-lines", "."], "--all-lines applies to"),
        (vec!["scan", "--staged", "--stash"], "--stash applies to"),
        (
            vec!["scan", "--config-from-head", "."],
            "--config-from-head needs",
        ),
        (vec!["scan", "--git", "a", "b"], "after `--`"),
    ] {
        let run = r.run(&args);
        run.expect_code(2);
        assert!(run.stderr.contains(says), "{args:?}: {run}");
    }
}

#[test]
fn exclude_paths_take_the_spellings_people_write() {
    let sb = Sandbox::repo();
    let t = |n: u64| token("ghp", 8000 + n);
    sb.write("vendor/a.js", format!("{}\n", t(1)));
    sb.write("build/b.js", format!("{}\n", t(2)));
    sb.write("docs/gen/c.md", format!("{}\n", t(3)));
    sb.write("tmp/x/d.txt", format!("{}\n", t(4)));
    sb.write("src/kept.js", format!("{}\n", t(5)));
    sb.write(
        ".patrol.toml",
        "exclude_paths = [\"./vendor/**\", \"/build/**\", \"docs\\\\gen\\\\*.md\", \"tmp/\"]\n",
    );
    let run = sb.run(&["scan", "--format", "json", "."]);
    run.expect_code(1);
    assert_eq!(fingerprints(&run.findings()), fps(&[&t(5)]), "{run}");
    // Named on the command line, as pre-commit passes files: excluded too.
    let run = sb.run(&["scan", "vendor/a.js", "src/kept.js", "--format", "json"]);
    assert_eq!(fingerprints(&run.findings()), fps(&[&t(5)]), "{run}");
    // One that could never match is refused, naming the file and key.
    sb.write(".patrol.toml", "exclude_paths = [\"../elsewhere/**\"]\n");
    let run = sb.run(&["scan", "."]);
    run.expect_code(2);
    assert!(run.stderr.contains(".patrol.toml"), "{run}");
    assert!(run.stderr.contains("key `exclude_paths`"), "{run}");
}

#[test]
fn quiet_and_machine_formats_print_only_the_report_and_errors() {
    let r = Sandbox::repo();
    let t = token("ghp", 8010);
    r.write("a.env", format!("T={t}\n"));
    r.git(&["add", "-A"]);
    for args in [
        vec!["scan", "-q", "--staged"],
        vec!["scan", "--staged", "--format", "sarif"],
        vec!["scan", "-q", "--format", "sarif", "."],
        vec!["scan", "--format", "json", "."],
        vec!["scan", "--format", "jsonl", "."],
    ] {
        let run = r.run(&args);
        run.expect_code(1);
        assert_eq!(run.stderr, "", "{args:?}: {run}");
    }
    // Errors still reach stderr.
    let run = r.run(&["scan", "-q", "--format", "json", "a.env", "missing.txt"]);
    run.expect_code(2);
    assert!(run.stderr.contains("missing.txt"), "{run}");
}

#[test]
fn help_tells_every_exit_code() {
    let run = Sandbox::new().run(&["--help"]);
    run.expect_code(0);
    for code in [
        "0 nothing found",
        "1 findings",
        "2 error",
        "3 a token found live",
    ] {
        assert!(run.stdout.contains(code), "{code}: {run}");
    }
}

#[test]
fn pathspecs_limit_every_git_mode() {
    let r = Sandbox::repo();
    r.write("README.md", "x\n");
    let base = r.commit("one");
    let (inside, outside, glob) = (token("ghp", 8020), token("ghp", 8021), token("ghp", 8022));
    r.write("svc/api/a.env", format!("T={inside}\n"));
    r.write("web/b.env", format!("T={outside}\n"));
    r.write("tools/c.secret", format!("T={glob}\n"));
    r.git(&["add", "-A"]);
    let staged = r.run(&["scan", "--staged", "--format", "json", "--", "svc"]);
    assert_eq!(
        fingerprints(&staged.findings()),
        fps(&[&inside]),
        "{staged}"
    );
    r.commit(&format!("two {outside}"));
    let range = r.run(&[
        "scan", "--since", &base, "--format", "json", "--", "svc/api",
    ]);
    assert_eq!(fingerprints(&range.findings()), fps(&[&inside]), "{range}");
    let history = r.run(&[
        "scan", "--git", "--format", "json", "--", "svc/", "*.secret",
    ]);
    assert_eq!(
        fingerprints(&history.findings()),
        fps(&[&inside, &glob]),
        "{history}"
    );
    // From a subdirectory, pathspecs are relative to it, as git's are.
    let run = r.run_at(
        &r.path("svc"),
        &["scan", "--git", "--format", "json", "--", "api"],
    );
    assert_eq!(fingerprints(&run.findings()), fps(&[&inside]), "{run}");
    let run = r.run(&["scan", "--git", "--", "../elsewhere"]);
    run.expect_code(2);
    assert!(run.stderr.contains("outside the repository"), "{run}");
}

#[test]
fn pre_commit_mode_checks_staged_changes_and_all_files() {
    let r = Sandbox::repo();
    let old = token("ghp", 8030);
    r.write("committed.env", format!("T={old}\n"));
    r.write("clean.txt", "x\n");
    r.commit("old token, committed");
    // `pre-commit run --all-files`: nothing staged, every file given: what is committed is
    // checked, whole.
    let run = r.run(&[
        "scan",
        "--pre-commit",
        "--format",
        "json",
        "committed.env",
        "clean.txt",
    ]);
    run.expect_code(1);
    assert_eq!(fingerprints(&run.findings()), fps(&[&old]), "{run}");
    // A commit: the staged versions of the given files, added lines only (the old token in
    // an untouched line does not block it; the new one does).
    let new = token("ghp", 8031);
    r.write("committed.env", format!("T={old}\nU={new}\n"));
    r.git(&["add", "committed.env"]);
    let run = r.run(&["scan", "--pre-commit", "--format", "json", "committed.env"]);
    run.expect_code(1);
    assert_eq!(fingerprints(&run.findings()), fps(&[&new]), "{run}");
    // The staged version counts, not the file on disk.
    r.write("committed.env", format!("T={old}\n"));
    let run = r.run(&["scan", "--pre-commit", "--format", "json", "committed.env"]);
    assert_eq!(fingerprints(&run.findings()), fps(&[&new]), "{run}");
    // Files pre-commit passes after `--` work the same.
    let run = r.run(&[
        "scan",
        "--pre-commit",
        "--format",
        "json",
        "--",
        "committed.env",
    ]);
    assert_eq!(fingerprints(&run.findings()), fps(&[&new]), "{run}");
}

#[test]
fn pre_push_mode_scans_the_pushed_range_or_the_whole_history() {
    let r = Sandbox::repo();
    let old = token("ghp", 8040);
    r.write("old.env", format!("T={old}\n"));
    let pushed = r.commit("already on the remote");
    let new = token("ghp", 8041);
    r.write("new.env", format!("T={new}\n"));
    let head = r.commit("the push");
    let pre_push = |from: Option<&str>, to: Option<&str>| {
        let mut cmd = r.command(&["scan", "--pre-push", "--format", "json"]);
        if let Some(from) = from {
            cmd.env("PRE_COMMIT_FROM_REF", from);
        }
        if let Some(to) = to {
            cmd.env("PRE_COMMIT_TO_REF", to);
        }
        run_command(cmd, None, std::time::Duration::from_secs(60))
    };
    // pre-commit's range: only what the pushed commits add.
    let run = pre_push(Some(&pushed), Some(&head));
    run.expect_code(1);
    assert_eq!(fingerprints(&run.findings()), fps(&[&new]), "{run}");
    // A push that reaches a root commit: pre-commit sets no range; the whole history.
    let run = pre_push(None, None);
    run.expect_code(1);
    assert_eq!(fingerprints(&run.findings()), fps(&[&old, &new]), "{run}");
    // Half a range is an error, not a silent fallback.
    let run = pre_push(Some(&pushed), None);
    run.expect_code(2);
    assert!(run.stderr.contains("PRE_COMMIT_TO_REF"), "{run}");
}

/// `patrol ARGS` run by `script(1)` under a pseudo-terminal (stdout and stderr both on it),
/// with the progress line allowed at once; what the terminal received.
fn on_a_terminal(r: &Sandbox, args: &str) -> String {
    let typescript = r.outside("typescript");
    let mut cmd = r.command_at("script", r.root());
    cmd.env("PATROL_DEBUG_PROGRESS_DELAY_MS", "0")
        .env("TERM", "xterm")
        .env("COLUMNS", "120")
        .args(["-qec", &format!("{PATROL} {args}"), s(&typescript)]);
    let run = run_command(cmd, None, Duration::from_secs(60));
    assert_eq!(run.code, 1, "{run}");
    std::fs::read_to_string(&typescript).unwrap()
}

/// A long scan on a terminal shows a live progress line on stderr (inputs of the total,
/// bytes, rate, ETA), cleared before the report; never with --quiet, a machine format, or
/// when stderr is not a terminal.
#[test]
fn progress_line_only_where_someone_watches() {
    let r = Sandbox::repo();
    let mut rng = Rng::new(77);
    for i in 0..40 {
        r.write(&format!("f{i}.txt"), rng.alnum(20_000));
        r.commit(&format!("c{i}"));
    }
    r.write("a.env", format!("T={}\n", token("ghp", 78)));
    r.commit("token");
    let shown = on_a_terminal(&r, "scan --git");
    assert!(shown.contains(" objects · "), "{shown:?}");
    assert!(shown.contains(" of "), "the total is known: {shown:?}");
    assert!(shown.contains("ETA"), "{shown:?}");
    // Cleared (erase-line) before the report, which follows in full.
    let report = shown.rfind("a.env").unwrap();
    let last_line = shown.rfind(" objects · ").unwrap();
    assert!(last_line < report, "{shown:?}");
    assert!(shown[last_line..report].contains("\u{1b}[2K"), "{shown:?}");
    // Files: no total, a count and bytes.
    let tree = on_a_terminal(&r, "scan .");
    assert!(tree.contains(" files · "), "{tree:?}");

    for quiet in [
        "scan --git -q",
        "scan --git --format json",
        "scan --git --format sarif",
    ] {
        let out = on_a_terminal(&r, quiet);
        assert!(!out.contains(" objects · "), "{quiet}: {out:?}");
    }
    let piped = r.command(&["scan", "--git"]);
    let mut piped = piped;
    piped.env("PATROL_DEBUG_PROGRESS_DELAY_MS", "0");
    let run = run_command(piped, None, Duration::from_secs(60));
    assert_eq!(run.code, 1, "{run}");
    assert!(!run.stderr.contains(" objects · "), "{run}");
}
