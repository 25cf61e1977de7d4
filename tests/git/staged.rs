//! `scan --staged`: what `git commit` would record, as the pre-commit hook sees it.

use serde_json::json;
use serde_json::Value;

use super::*;
use crate::util::*;

#[test]
fn staged_token_removed_from_work_tree_is_still_caught() {
    let r = Sandbox::repo();
    r.write("README.md", "hello\n");
    r.commit("init");
    let t = token("ghp", 101);
    r.write("config.env", format!("A=1\nTOKEN={t}\n"));
    r.git(&["add", "config.env"]);
    // The work tree no longer has it; the index (what `git commit` records) still does.
    r.write("config.env", "A=1\nTOKEN=removed\n");

    // In the repository, no path argument.
    let run = r.run(&["scan", "--staged", "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    assert_eq!(findings.len(), 1, "{run}");
    let f = &findings[0];
    assert_token_finding(f, &t, "config.env", 2, 7);
    assert_eq!(f["offset"], 10);
    assert_eq!(f["binary"], false);
    // Staged findings are not history findings: no blob, message or commit facts.
    for key in ["blob", "message_of", "commit", "commits", "unreachable"] {
        assert!(f.get(key).is_none(), "unexpected {key} in {f:#}");
    }
    let summary = run.summary();
    assert_eq!(summary["findings"], 1);
    assert_eq!(summary["exit_code"], 1);
    assert_eq!(summary["errors"], json!([]));
    assert!(!run.stdout.contains(&t), "secret leaked into the report");
    // Advice only in text, for people; a machine format's stderr is errors only.
    assert_eq!(run.stderr, "", "{run}");
    let text = r.run(&["scan", "--staged"]);
    assert!(text.stderr.contains("--no-verify"), "{text}");
    assert!(text.stderr.contains("patrol:allow"), "{text}");

    // From outside, the repository named as the argument.
    let run = r.run_at(
        r.home(),
        &["scan", "--staged", s(r.root()), "--format", "json"],
    );
    run.expect_code(1);
    let findings = run.findings();
    assert_eq!(findings.len(), 1, "{run}");
    assert_token_finding(&findings[0], &t, "config.env", 2, 7);

    // A plain scan of the work tree sees nothing: the finding above came from the index.
    r.run(&["scan", ".", "--format", "json"]).expect_code(0);
}

#[test]
fn staged_ignores_tokens_only_in_the_work_tree() {
    let r = Sandbox::repo();
    r.write("app.cfg", "x = 1\n");
    r.commit("init");
    let t1 = token("ghp", 111);
    let t2 = token("gho", 112);
    r.write("app.cfg", format!("x = 1\nkey = {t1}\n")); // modified, not staged
    r.write("untracked.env", format!("T={t2}\n")); // never added
    let run = r.run(&["scan", "--staged", "--format", "json"]);
    run.expect_code(0);
    assert_eq!(run.findings(), Vec::<Value>::new());
    assert_eq!(run.summary()["exit_code"], 0);
    assert!(!run.stderr.contains("commit blocked"), "{run}");

    // Staging one of them is what makes it count.
    r.git(&["add", "app.cfg"]);
    let run = r.run(&["scan", "--staged", "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    assert_eq!(findings.len(), 1, "{run}");
    assert_token_finding(&findings[0], &t1, "app.cfg", 2, 7);
}

#[test]
fn staged_from_a_subdirectory() {
    let r = Sandbox::repo();
    r.write("src/deep/lib.rs", "fn main() {}\n");
    r.commit("init");
    let t = token("ghp", 121);
    let unstaged = token("ghp", 122);
    r.write("src/deep/app.py", format!("# config\nAPI = \"{t}\"\n"));
    r.git(&["add", "src/deep/app.py"]);
    r.write("src/deep/notes.txt", format!("{unstaged}\n"));
    let sub = r.root().join("src/deep");

    for args in [
        &["scan", "--staged", "--format", "json"][..],
        &["scan", "--staged", ".", "--format", "json"][..],
        &["scan", "--staged", "..", "--format", "json"][..],
    ] {
        let run = r.run_at(&sub, args);
        run.expect_code(1);
        let findings = run.findings();
        assert_eq!(findings.len(), 1, "{args:?}: {run}");
        // Paths are the index's: relative to the top of the work tree, not to the cwd.
        assert_token_finding(&findings[0], &t, "src/deep/app.py", 2, 8);
    }
}

#[test]
fn staged_reports_only_added_lines_unless_all_lines() {
    let r = Sandbox::repo();
    let old = token("ghp", 131);
    let mut lines: Vec<String> = (1..=10).map(|i| format!("setting_{i} = {i}")).collect();
    lines[2] = format!("legacy_token = \"{old}\"");
    r.write("settings.py", lines.join("\n") + "\n");
    // A file the change does not touch: never reported, not even with --all-lines.
    let untouched = token("ghp", 133);
    r.write("untouched.env", format!("T={untouched}\n"));
    r.commit("settings");

    // An unrelated edit to the file that holds an old token.
    lines[7] = "DEBUG = True".to_string();
    r.write("settings.py", lines.join("\n") + "\n");
    r.git(&["add", "settings.py"]);
    let run = r.run(&["scan", "--staged", "--format", "json"]);
    run.expect_code(0);
    assert_eq!(run.findings(), Vec::<Value>::new(), "{run}");

    let run = r.run(&["scan", "--staged", "--all-lines", "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    assert_eq!(findings.len(), 1, "{run}");
    assert_token_finding(&findings[0], &old, "settings.py", 3, 17);

    // A new token in the same file: only it is reported without --all-lines.
    let new = token("ghp", 132);
    lines.push(format!("new_token = \"{new}\""));
    r.write("settings.py", lines.join("\n") + "\n");
    r.git(&["add", "settings.py"]);
    let run = r.run(&["scan", "--staged", "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    assert_eq!(findings.len(), 1, "{run}");
    assert_token_finding(&findings[0], &new, "settings.py", 11, 14);

    let run = r.run(&["scan", "--staged", "--all-lines", "--format", "json"]);
    run.expect_code(1);
    assert_eq!(fingerprints(&run.findings()), fps(&[&old, &new]));
}

#[test]
fn staged_in_a_repository_without_commits() {
    let r = Sandbox::repo();
    // Nothing staged, nothing committed.
    let run = r.run(&["scan", "--staged", "--format", "json"]);
    run.expect_code(0);
    assert_eq!(run.findings(), Vec::<Value>::new());

    let t = token("ghu", 141);
    r.write("README.md", "readme\n");
    r.write(".env", format!("GH={t}\n"));
    r.git(&["add", "-A"]);
    let run = r.run(&["scan", "--staged", "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    assert_eq!(findings.len(), 1, "{run}");
    assert_eq!(findings[0]["rule"], "github.app.user");
    assert_eq!(findings[0]["path"], ".env");
    assert_eq!(findings[0]["fingerprint"], fingerprint(&t));
}

#[test]
fn staged_rename_of_a_file_with_an_old_token_is_not_reported() {
    let r = Sandbox::repo();
    let old = token("ghp", 151);
    r.write("old.txt", format!("header\ntoken={old}\n"));
    r.commit("add old");

    r.git(&["mv", "old.txt", "new.txt"]);
    let run = r.run(&["scan", "--staged", "--format", "json"]);
    run.expect_code(0);
    assert_eq!(run.findings(), Vec::<Value>::new(), "{run}");

    // Renamed and edited: the token's line is still not new.
    r.write("new.txt", format!("header\ntoken={old}\nfooter\n"));
    r.git(&["add", "new.txt"]);
    let run = r.run(&["scan", "--staged", "--format", "json"]);
    run.expect_code(0);
    assert_eq!(run.findings(), Vec::<Value>::new(), "{run}");

    // A pure copy of a committed file adds no content either.
    r.git(&["reset", "-q", "--hard"]);
    std::fs::copy(r.root().join("old.txt"), r.root().join("copy.txt")).unwrap();
    r.git(&["add", "copy.txt"]);
    let run = r.run(&["scan", "--staged", "--format", "json"]);
    run.expect_code(0);
    assert_eq!(run.findings(), Vec::<Value>::new(), "{run}");
    // (--all-lines reports everything in the files the change touches, the copy included.)
    let run = r.run(&["scan", "--staged", "--all-lines", "--format", "json"]);
    run.expect_code(1);
    assert_token_finding(&run.findings()[0], &old, "copy.txt", 2, 7);

    // A token the renamed file did not have is.
    r.git(&["reset", "-q", "--hard"]);
    assert!(!r.root().join("copy.txt").exists());
    r.git(&["mv", "old.txt", "new.txt"]);
    let new = token("ghp", 152);
    r.write("new.txt", format!("header\ntoken={old}\nnew={new}\n"));
    r.git(&["add", "new.txt"]);
    let run = r.run(&["scan", "--staged", "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    assert_eq!(findings.len(), 1, "{run}");
    assert_token_finding(&findings[0], &new, "new.txt", 3, 5);
}

#[test]
fn staged_deletion_of_a_file_with_a_token_is_clean() {
    let r = Sandbox::repo();
    let t = token("ghp", 161);
    r.write("leak.txt", format!("{t}\n"));
    r.write("keep.txt", "keep\n");
    r.commit("leak");
    r.git(&["rm", "-q", "leak.txt"]);
    let run = r.run(&["scan", "--staged", "--format", "json"]);
    run.expect_code(0);
    assert_eq!(run.findings(), Vec::<Value>::new(), "{run}");
    assert_eq!(run.summary()["errors"], json!([]));
}

#[test]
fn staged_binary_file_with_a_token_is_caught() {
    let r = Sandbox::repo();
    r.write("README.md", "x\n");
    r.commit("init");
    let t = token("ghp", 171);
    let mut data = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01\xff\xfe".to_vec();
    let offset = data.len();
    data.extend_from_slice(t.as_bytes());
    data.extend_from_slice(b"\x00\x00\xfa\xce");
    r.write("assets/logo.png", &data);
    r.git(&["add", "assets/logo.png"]);
    let run = r.run(&["scan", "--staged", "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    assert_eq!(findings.len(), 1, "{run}");
    let f = &findings[0];
    assert_eq!(f["path"], "assets/logo.png");
    assert_eq!(f["binary"], true);
    assert_eq!(f["offset"], offset);
    assert_eq!(f["fingerprint"], fingerprint(&t));
}

#[test]
fn staged_submodule_gitlinks_are_not_entered() {
    let r = Sandbox::repo();
    // The commit a gitlink will name carries a token in its message: reading the gitlink's
    // object as if it were a blob would find it.
    let in_message = token("ghp", 181);
    r.write("README.md", "x\n");
    let c1 = r.commit(&format!("init\n\nci: {in_message}"));
    r.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        &format!("160000,{c1},vendor/sub"),
    ]);
    // And one naming a commit this repository does not have: reading it would be an error.
    r.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        "160000,1234567890abcdef1234567890abcdef12345678,vendor/missing",
    ]);
    let staged = r.git(&["ls-files", "-s"]);
    assert!(staged.contains("160000"), "{staged}");

    let run = r.run(&["scan", "--staged", "--format", "json"]);
    run.expect_code(0);
    assert_eq!(run.findings(), Vec::<Value>::new(), "{run}");
    assert_eq!(run.summary()["errors"], json!([]), "{run}");

    // With a real staged leak beside them, that leak is all that is reported.
    let t = token("ghp", 182);
    r.write("leak.env", format!("T={t}\n"));
    r.git(&["add", "leak.env"]);
    let run = r.run(&["scan", "--staged", "--all-lines", "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    assert_eq!(findings.len(), 1, "{run}");
    assert_token_finding(&findings[0], &t, "leak.env", 1, 3);
    assert_eq!(run.summary()["errors"], json!([]), "{run}");
}

#[test]
fn staged_in_a_linked_worktree() {
    let r = Sandbox::repo();
    r.write("README.md", "x\n");
    r.commit("init");
    let wt = r.outside("wt");
    r.git(&["worktree", "add", "-q", "-b", "feature", s(&wt)]);
    let t = token("ghp", 191);
    std::fs::write(wt.join("feature.env"), format!("T={t}\n")).unwrap();
    r.git_at(&wt, &["add", "feature.env"]);

    // The linked worktree's index has it; the main one's does not.
    let run = r.run_at(&wt, &["scan", "--staged", "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    assert_eq!(findings.len(), 1, "{run}");
    assert_token_finding(&findings[0], &t, "feature.env", 1, 3);
    r.run(&["scan", "--staged", "--format", "json"])
        .expect_code(0);
}
