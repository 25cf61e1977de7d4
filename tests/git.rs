//! Integration tests for patrol's git modes (`--staged`, `--git`, `--range`/`--since`) and
//! `patrol hook install`, driving the real binary on real repositories built with `git`.

mod gitutil;

use std::os::unix::fs::PermissionsExt;

use gitutil::{fingerprint, fps, history_keys, redact, s, token, with_token, Repo};
use serde_json::{json, Value};

const RULE: &str = "github.pat.classic";

/// Asserts the facts every finding of `token` reports, wherever it came from.
#[track_caller]
fn assert_token_finding(f: &Value, token: &str, path: &str, line: u64, column: u64) {
    assert_eq!(f["rule"], RULE, "{f:#}");
    assert_eq!(f["path"], path, "{f:#}");
    assert_eq!(f["line"], line, "{f:#}");
    assert_eq!(f["column"], column, "{f:#}");
    assert_eq!(f["secret"], redact(token), "{f:#}");
    assert_eq!(f["redacted"], true, "{f:#}");
    assert_eq!(f["fingerprint"], fingerprint(token), "{f:#}");
    assert_eq!(f["validation"], "checksum-valid", "{f:#}");
}

/// The one finding of `token` among `findings`.
#[track_caller]
fn only<'a>(findings: &'a [Value], token: &str) -> &'a Value {
    let hits = with_token(findings, token);
    assert_eq!(
        hits.len(),
        1,
        "expected one finding of {}: {findings:#?}",
        redact(token)
    );
    hits[0]
}

// =============================================================================================
// --staged
// =============================================================================================

#[test]
fn staged_token_removed_from_work_tree_is_still_caught() {
    let r = Repo::new();
    r.write("README.md", "hello\n");
    r.commit("init");
    let t = token("ghp", 101);
    r.write("config.env", format!("A=1\nTOKEN={t}\n"));
    r.git(&["add", "config.env"]);
    // The work tree no longer has it; the index (what `git commit` records) still does.
    r.write("config.env", "A=1\nTOKEN=removed\n");

    // In the repository, no path argument.
    let run = r.patrol(&["scan", "--staged", "--format", "json"]);
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
    assert!(run.stderr.contains("--no-verify"), "{run}");
    assert!(run.stderr.contains("patrol:allow"), "{run}");

    // From outside, the repository named as the argument.
    let run = r.patrol_at(
        r.home(),
        &["scan", "--staged", s(r.root()), "--format", "json"],
    );
    run.expect_code(1);
    let findings = run.findings();
    assert_eq!(findings.len(), 1, "{run}");
    assert_token_finding(&findings[0], &t, "config.env", 2, 7);

    // A plain scan of the work tree sees nothing: the finding above came from the index.
    r.patrol(&["scan", ".", "--format", "json"]).expect_code(0);
}

#[test]
fn staged_ignores_tokens_only_in_the_work_tree() {
    let r = Repo::new();
    r.write("app.cfg", "x = 1\n");
    r.commit("init");
    let t1 = token("ghp", 111);
    let t2 = token("gho", 112);
    r.write("app.cfg", format!("x = 1\nkey = {t1}\n")); // modified, not staged
    r.write("untracked.env", format!("T={t2}\n")); // never added
    let run = r.patrol(&["scan", "--staged", "--format", "json"]);
    run.expect_code(0);
    assert_eq!(run.findings(), Vec::<Value>::new());
    assert_eq!(run.summary()["exit_code"], 0);
    assert!(!run.stderr.contains("commit blocked"), "{run}");

    // Staging one of them is what makes it count.
    r.git(&["add", "app.cfg"]);
    let run = r.patrol(&["scan", "--staged", "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    assert_eq!(findings.len(), 1, "{run}");
    assert_token_finding(&findings[0], &t1, "app.cfg", 2, 7);
}

#[test]
fn staged_from_a_subdirectory() {
    let r = Repo::new();
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
        let run = r.patrol_at(&sub, args);
        run.expect_code(1);
        let findings = run.findings();
        assert_eq!(findings.len(), 1, "{args:?}: {run}");
        // Paths are the index's: relative to the top of the work tree, not to the cwd.
        assert_token_finding(&findings[0], &t, "src/deep/app.py", 2, 8);
    }
}

#[test]
fn staged_reports_only_added_lines_unless_all_lines() {
    let r = Repo::new();
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
    let run = r.patrol(&["scan", "--staged", "--format", "json"]);
    run.expect_code(0);
    assert_eq!(run.findings(), Vec::<Value>::new(), "{run}");

    let run = r.patrol(&["scan", "--staged", "--all-lines", "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    assert_eq!(findings.len(), 1, "{run}");
    assert_token_finding(&findings[0], &old, "settings.py", 3, 17);

    // A new token in the same file: only it is reported without --all-lines.
    let new = token("ghp", 132);
    lines.push(format!("new_token = \"{new}\""));
    r.write("settings.py", lines.join("\n") + "\n");
    r.git(&["add", "settings.py"]);
    let run = r.patrol(&["scan", "--staged", "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    assert_eq!(findings.len(), 1, "{run}");
    assert_token_finding(&findings[0], &new, "settings.py", 11, 14);

    let run = r.patrol(&["scan", "--staged", "--all-lines", "--format", "json"]);
    run.expect_code(1);
    assert_eq!(gitutil::fingerprints(&run.findings()), fps(&[&old, &new]));
}

#[test]
fn staged_in_a_repository_without_commits() {
    let r = Repo::new();
    // Nothing staged, nothing committed.
    let run = r.patrol(&["scan", "--staged", "--format", "json"]);
    run.expect_code(0);
    assert_eq!(run.findings(), Vec::<Value>::new());

    let t = token("ghu", 141);
    r.write("README.md", "readme\n");
    r.write(".env", format!("GH={t}\n"));
    r.git(&["add", "-A"]);
    let run = r.patrol(&["scan", "--staged", "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    assert_eq!(findings.len(), 1, "{run}");
    assert_eq!(findings[0]["rule"], "github.app.user");
    assert_eq!(findings[0]["path"], ".env");
    assert_eq!(findings[0]["fingerprint"], fingerprint(&t));
}

#[test]
fn staged_rename_of_a_file_with_an_old_token_is_not_reported() {
    let r = Repo::new();
    let old = token("ghp", 151);
    r.write("old.txt", format!("header\ntoken={old}\n"));
    r.commit("add old");

    r.git(&["mv", "old.txt", "new.txt"]);
    let run = r.patrol(&["scan", "--staged", "--format", "json"]);
    run.expect_code(0);
    assert_eq!(run.findings(), Vec::<Value>::new(), "{run}");

    // Renamed and edited: the token's line is still not new.
    r.write("new.txt", format!("header\ntoken={old}\nfooter\n"));
    r.git(&["add", "new.txt"]);
    let run = r.patrol(&["scan", "--staged", "--format", "json"]);
    run.expect_code(0);
    assert_eq!(run.findings(), Vec::<Value>::new(), "{run}");

    // A pure copy of a committed file adds no content either.
    r.git(&["reset", "-q", "--hard"]);
    std::fs::copy(r.root().join("old.txt"), r.root().join("copy.txt")).unwrap();
    r.git(&["add", "copy.txt"]);
    let run = r.patrol(&["scan", "--staged", "--format", "json"]);
    run.expect_code(0);
    assert_eq!(run.findings(), Vec::<Value>::new(), "{run}");
    // (--all-lines reports everything in the files the change touches, the copy included.)
    let run = r.patrol(&["scan", "--staged", "--all-lines", "--format", "json"]);
    run.expect_code(1);
    assert_token_finding(&run.findings()[0], &old, "copy.txt", 2, 7);

    // A token the renamed file did not have is.
    r.git(&["reset", "-q", "--hard"]);
    assert!(!r.root().join("copy.txt").exists());
    r.git(&["mv", "old.txt", "new.txt"]);
    let new = token("ghp", 152);
    r.write("new.txt", format!("header\ntoken={old}\nnew={new}\n"));
    r.git(&["add", "new.txt"]);
    let run = r.patrol(&["scan", "--staged", "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    assert_eq!(findings.len(), 1, "{run}");
    assert_token_finding(&findings[0], &new, "new.txt", 3, 5);
}

#[test]
fn staged_deletion_of_a_file_with_a_token_is_clean() {
    let r = Repo::new();
    let t = token("ghp", 161);
    r.write("leak.txt", format!("{t}\n"));
    r.write("keep.txt", "keep\n");
    r.commit("leak");
    r.git(&["rm", "-q", "leak.txt"]);
    let run = r.patrol(&["scan", "--staged", "--format", "json"]);
    run.expect_code(0);
    assert_eq!(run.findings(), Vec::<Value>::new(), "{run}");
    assert_eq!(run.summary()["errors"], json!([]));
}

#[test]
fn staged_binary_file_with_a_token_is_caught() {
    let r = Repo::new();
    r.write("README.md", "x\n");
    r.commit("init");
    let t = token("ghp", 171);
    let mut data = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01\xff\xfe".to_vec();
    let offset = data.len();
    data.extend_from_slice(t.as_bytes());
    data.extend_from_slice(b"\x00\x00\xfa\xce");
    r.write("assets/logo.png", &data);
    r.git(&["add", "assets/logo.png"]);
    let run = r.patrol(&["scan", "--staged", "--format", "json"]);
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
    let r = Repo::new();
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

    let run = r.patrol(&["scan", "--staged", "--format", "json"]);
    run.expect_code(0);
    assert_eq!(run.findings(), Vec::<Value>::new(), "{run}");
    assert_eq!(run.summary()["errors"], json!([]), "{run}");

    // With a real staged leak beside them, that leak is all that is reported.
    let t = token("ghp", 182);
    r.write("leak.env", format!("T={t}\n"));
    r.git(&["add", "leak.env"]);
    let run = r.patrol(&["scan", "--staged", "--all-lines", "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    assert_eq!(findings.len(), 1, "{run}");
    assert_token_finding(&findings[0], &t, "leak.env", 1, 3);
    assert_eq!(run.summary()["errors"], json!([]), "{run}");
}

#[test]
fn staged_in_a_linked_worktree() {
    let r = Repo::new();
    r.write("README.md", "x\n");
    r.commit("init");
    let wt = r.sibling("wt");
    r.git(&["worktree", "add", "-q", "-b", "feature", s(&wt)]);
    let t = token("ghp", 191);
    std::fs::write(wt.join("feature.env"), format!("T={t}\n")).unwrap();
    r.git_at(&wt, &["add", "feature.env"]);

    // The linked worktree's index has it; the main one's does not.
    let run = r.patrol_at(&wt, &["scan", "--staged", "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    assert_eq!(findings.len(), 1, "{run}");
    assert_token_finding(&findings[0], &t, "feature.env", 1, 3);
    r.patrol(&["scan", "--staged", "--format", "json"])
        .expect_code(0);
}

// =============================================================================================
// hook install
// =============================================================================================

#[test]
fn hook_blocks_a_commit_that_adds_a_token() {
    let r = Repo::new();
    r.write("README.md", "x\n");
    r.commit("init");

    let run = r.patrol(&["hook", "install"]);
    run.expect_code(0);
    assert!(run.stdout.contains("installed pre-commit hook at"), "{run}");
    let hook = r.root().join(".git/hooks/pre-commit");
    let script = std::fs::read_to_string(&hook).expect("hook written");
    assert!(script.contains("# installed by patrol"), "{script}");
    assert!(script.contains("scan --staged"), "{script}");
    let mode = std::fs::metadata(&hook).unwrap().permissions().mode();
    assert_eq!(mode & 0o111, 0o111, "hook not executable: {mode:o}");

    // A commit adding a token fails, and says why and what to do.
    let t = token("ghp", 201);
    r.write("deploy.env", format!("GITHUB_TOKEN={t}\n"));
    r.git(&["add", "deploy.env"]);
    let commit = r.try_git(&["commit", "-q", "-m", "add deploy config"]);
    assert_ne!(
        commit.code, 0,
        "commit with a token went through:\n{commit}"
    );
    let out = commit.all();
    assert!(out.contains(&redact(&t)), "{commit}");
    assert!(!out.contains(&t), "hook output shows the secret:\n{commit}");
    // The text report: the path, then the finding's location, rule and redacted secret.
    assert!(
        out.contains(&format!(
            "deploy.env\n  1:14  GitHub personal access token (classic) [github.pat.classic]  \
             {}  (checksum-valid)\n",
            redact(&t)
        )),
        "{commit}"
    );
    assert!(out.contains("--no-verify"), "{commit}");
    assert!(out.contains("patrol:allow"), "{commit}");
    assert_eq!(r.commit_count(), 1);

    // A clean commit goes through.
    r.git(&["reset", "-q", "deploy.env"]);
    std::fs::remove_file(r.root().join("deploy.env")).unwrap();
    r.write("clean.txt", "nothing to see\n");
    r.git(&["add", "clean.txt"]);
    let commit = r.try_git(&["commit", "-q", "-m", "clean"]);
    assert_eq!(commit.code, 0, "clean commit blocked:\n{commit}");
    assert_eq!(r.commit_count(), 2);

    // So does a token on a line that carries an allow marker.
    let allowed = token("ghp", 202);
    r.write(
        "fixtures.py",
        format!("FAKE = \"{allowed}\"  # patrol:allow\n"),
    );
    r.git(&["add", "fixtures.py"]);
    let commit = r.try_git(&["commit", "-q", "-m", "fixtures"]);
    assert_eq!(commit.code, 0, "allowed line blocked:\n{commit}");
    assert_eq!(r.commit_count(), 3);

    // --no-verify bypasses the hook, as the help says.
    r.write("deploy.env", format!("GITHUB_TOKEN={t}\n"));
    r.git(&["add", "deploy.env"]);
    let commit = r.try_git(&["commit", "-q", "--no-verify", "-m", "knowingly"]);
    assert_eq!(commit.code, 0, "{commit}");
    assert_eq!(r.commit_count(), 4);
}

/// `git commit -a` stages tracked changes into a temporary index (GIT_INDEX_FILE points the
/// hook at it); the hook must judge what will be committed, not the old `.git/index`.
#[test]
fn hook_blocks_commit_all_of_a_tracked_file() {
    let r = Repo::new();
    r.write("app.cfg", "x = 1\n");
    r.commit("init");
    r.patrol(&["hook", "install"]).expect_code(0);

    let t = token("ghp", 211);
    r.write("app.cfg", format!("x = 1\ntoken = {t}\n"));
    let commit = r.try_git(&["commit", "-q", "-a", "-m", "commit -a"]);
    assert_ne!(
        commit.code, 0,
        "`git commit -a` with a token went through:\n{commit}"
    );
    assert_eq!(r.commit_count(), 1);

    let commit = r.try_git(&["commit", "-q", "-m", "commit <path>", "app.cfg"]);
    assert_ne!(
        commit.code, 0,
        "`git commit <path>` with a token went through:\n{commit}"
    );
    assert_eq!(r.commit_count(), 1);
}

#[test]
fn hook_install_refuses_a_foreign_hook_unless_forced() {
    let r = Repo::new();
    r.write("README.md", "x\n");
    r.commit("init");
    let hook = r.root().join(".git/hooks/pre-commit");
    std::fs::create_dir_all(hook.parent().unwrap()).unwrap();
    let foreign = "#!/bin/sh\n# someone else's hook\nexit 0\n";
    std::fs::write(&hook, foreign).unwrap();
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();

    let run = r.patrol(&["hook", "install"]);
    run.expect_code(2);
    assert!(run.stderr.contains("--force"), "{run}");
    assert!(run.stderr.contains("not written by patrol"), "{run}");
    assert_eq!(std::fs::read_to_string(&hook).unwrap(), foreign);

    let run = r.patrol(&["hook", "install", "--force", s(r.root())]);
    run.expect_code(0);
    let script = std::fs::read_to_string(&hook).unwrap();
    assert!(script.contains("# installed by patrol"), "{script}");

    // Its own hook is replaced without --force.
    r.patrol(&["hook", "install"]).expect_code(0);

    // And the installed hook works.
    let t = token("ghp", 221);
    r.write("x.env", format!("{t}\n"));
    r.git(&["add", "x.env"]);
    let commit = r.try_git(&["commit", "-q", "-m", "leak"]);
    assert_ne!(commit.code, 0, "{commit}");
    assert!(commit.all().contains(&redact(&t)), "{commit}");
}

#[test]
fn hook_install_respects_a_relative_core_hooks_path() {
    let r = Repo::new();
    r.write("README.md", "x\n");
    r.write("sub/dir/file.txt", "y\n");
    r.commit("init");
    r.git(&["config", "core.hooksPath", ".githooks"]);

    // Installed from a subdirectory: the relative path is still the work tree top's.
    let sub = r.root().join("sub/dir");
    let run = r.patrol_at(&sub, &["hook", "install"]);
    run.expect_code(0);
    let hook = r.root().join(".githooks/pre-commit");
    let script = std::fs::read_to_string(&hook)
        .unwrap_or_else(|e| panic!("no hook at {}: {e}\n{run}", hook.display()));
    assert!(script.contains("# installed by patrol"), "{script}");
    assert!(!r.root().join(".git/hooks/pre-commit").exists());
    assert!(!sub.join(".githooks").exists());

    // git runs it.
    let t = token("ghp", 231);
    r.write("sub/dir/leak.env", format!("{t}\n"));
    r.git_at(&sub, &["add", "leak.env"]);
    let commit = r.try_git_at(&sub, &["commit", "-q", "-m", "leak"]);
    assert_ne!(commit.code, 0, "{commit}");
    assert!(commit.all().contains(&redact(&t)), "{commit}");
    assert!(commit.all().contains("sub/dir/leak.env"), "{commit}");
    assert_eq!(r.commit_count(), 1);
}

// =============================================================================================
// --git (history)
// =============================================================================================

#[test]
fn history_attributes_a_token_to_the_commit_that_introduced_it() {
    let r = Repo::new();
    let t = token("ghp", 301);
    r.write("README.md", "v1\n");
    r.commit("first");
    r.write("secrets.env", format!("TOKEN={t}\n"));
    let c2 = r.commit_with(
        "add deploy key\n\nbody text",
        &["--author", "Ada Lovelace <ada@example.com>"],
    );
    let blob = r.rev(&format!("{c2}:secrets.env"));
    r.write("README.md", "v2\n");
    r.commit("third");
    r.write("README.md", "v3\n");
    r.commit("fourth");
    std::fs::remove_file(r.root().join("secrets.env")).unwrap();
    r.commit("remove the key");
    r.write("README.md", "v4\n");
    r.commit("sixth");

    let run = r.patrol(&["scan", "--git", "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    assert_eq!(findings.len(), 1, "{run}");
    let f = &findings[0];
    assert_token_finding(f, &t, "secrets.env", 1, 7);
    assert_eq!(f["blob"], blob);
    assert_eq!(
        f["commit"],
        json!({
            "id": c2,
            "author": "Ada Lovelace <ada@example.com>",
            "date": r.author_date(&c2),
            "summary": "add deploy key",
        })
    );
    assert_ne!(
        r.author_date(&c2),
        r.author_date("HEAD"),
        "dates are distinct"
    );
    assert_eq!(f["commits"], 3, "commits 2, 3 and 4 carry it");
    assert_eq!(f["other_paths"], 0);
    assert_eq!(f["unreachable"], false);
    let summary = run.summary();
    assert_eq!(summary["findings"], 1);
    assert_eq!(summary["errors"], json!([]));
    assert_eq!(summary["commits_in_range"], Value::Null);
    assert!(!run.stderr.contains("commit blocked"), "{run}");

    // The same with one thread.
    let one = r.patrol(&["scan", "--git", "-j", "1", "--format", "json"]);
    assert_eq!(one.findings(), findings);
}

/// Clocks skew: the commit that introduced a token can carry a later date than its children.
/// The earliest commit is the earliest by ancestry.
#[test]
fn history_attribution_follows_ancestry_not_commit_dates() {
    let r = Repo::new();
    let t = token("ghp", 305);
    r.write("README.md", "v1\n");
    r.commit("first");
    r.set_clock(1_800_000_000); // far in the future
    r.write("key.env", format!("{t}\n"));
    let introduced = r.commit("introduce");
    r.set_clock(1_600_000_000); // children dated before their parent
    r.write("README.md", "v2\n");
    r.commit("child one");
    r.write("README.md", "v3\n");
    r.commit("child two");

    let run = r.patrol(&["scan", "--git", "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    let f = only(&findings, &t);
    assert_eq!(f["commit"]["id"], introduced, "{f:#}");
    assert_eq!(f["commit"]["summary"], "introduce");
    assert_eq!(f["commit"]["date"], r.author_date(&introduced));
    assert!(
        f["commit"]["date"]
            .as_str()
            .unwrap()
            .starts_with("2027-01-15T"),
        "{f:#}"
    );
    assert_eq!(f["commits"], 3);
}

#[test]
fn history_token_kept_over_fifty_commits_is_one_finding() {
    let r = Repo::new();
    let kept = token("ghp", 311);
    let rolling = token("gho", 312);
    r.write("keep.env", format!("TOKEN={kept}\n"));
    r.write("rolling.env", format!("TOKEN={rolling}\nBUILD=0\n"));
    r.write("counter.txt", "0\n");
    let first = r.commit("commit 1");
    for i in 2..=50 {
        // keep.env's blob never changes; rolling.env's changes every commit, token kept.
        r.write("counter.txt", format!("{i}\n"));
        r.write("rolling.env", format!("TOKEN={rolling}\nBUILD={i}\n"));
        r.commit(&format!("commit {i}"));
    }
    assert_eq!(r.commit_count(), 50);

    let run = r.patrol(&["scan", "--git", "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    assert_eq!(findings.len(), 2, "{run}");
    for (t, path) in [(&kept, "keep.env"), (&rolling, "rolling.env")] {
        let f = only(&findings, t);
        assert_eq!(f["path"], path, "{f:#}");
        assert_eq!(f["commits"], 50, "{f:#}");
        assert_eq!(f["commit"]["id"], first, "{f:#}");
        assert_eq!(f["commit"]["summary"], "commit 1", "{f:#}");
        assert_eq!(f["unreachable"], false, "{f:#}");
        assert_eq!(f["other_paths"], 0, "{f:#}");
    }
}

#[test]
fn history_same_blob_at_two_paths_is_reported_per_path() {
    let r = Repo::new();
    let t = token("ghp", 321);
    let content = format!("# creds\nkey: {t}\n");
    r.write("a/creds.yml", &content);
    r.write("b/creds-copy.yml", &content);
    let c1 = r.commit("two copies");
    let blob = r.rev("HEAD:a/creds.yml");
    assert_eq!(blob, r.rev("HEAD:b/creds-copy.yml"));

    let run = r.patrol(&["scan", "--git", "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    assert_eq!(findings.len(), 2, "{run}");
    let mut paths: Vec<&str> = findings
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    paths.sort();
    assert_eq!(paths, ["a/creds.yml", "b/creds-copy.yml"]);
    for f in &findings {
        assert_token_finding(f, &t, f["path"].as_str().unwrap(), 2, 6);
        assert_eq!(f["blob"], blob);
        assert_eq!(f["other_paths"], 1);
        assert_eq!(f["commits"], 1);
        assert_eq!(f["commit"]["id"], c1);
        assert_eq!(f["unreachable"], false);
    }
}

#[test]
fn history_finds_tokens_in_commit_and_tag_messages() {
    let r = Repo::new();
    let in_commit = token("ghp", 331);
    let in_tag = token("ghp", 332);
    r.write("README.md", "x\n");
    let c1 = r.commit(&format!("initial\n\nci token: {in_commit}"));
    r.git(&[
        "tag",
        "-a",
        "v1.0",
        "-m",
        &format!("release 1.0\n\nsigned with {in_tag}"),
    ]);
    let tag = r.rev("refs/tags/v1.0");
    assert_ne!(tag, c1, "an annotated tag is its own object");

    let run = r.patrol(&["scan", "--git", "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    assert_eq!(findings.len(), 2, "{run}");

    let f = only(&findings, &in_commit);
    assert_token_finding(f, &in_commit, &format!("<commit message {c1}>"), 3, 11);
    assert_eq!(f["message_of"], json!({"kind": "commit", "id": c1}));
    assert!(f.get("blob").is_none(), "{f:#}");
    assert_eq!(f["commit"]["id"], c1);
    assert_eq!(f["commit"]["summary"], "initial");
    assert_eq!(f["commits"], 1);
    assert_eq!(f["unreachable"], false);

    let f = only(&findings, &in_tag);
    assert_token_finding(f, &in_tag, &format!("<tag message {tag}>"), 3, 13);
    assert_eq!(f["message_of"], json!({"kind": "tag", "id": tag}));
    assert!(f.get("blob").is_none(), "{f:#}");
}

/// The tag above is reachable from refs/tags/v1.0; it must not be reported as unreachable.
#[test]
fn history_tag_message_reachable_from_a_ref_is_not_unreachable() {
    let r = Repo::new();
    let in_tag = token("ghp", 341);
    r.write("README.md", "x\n");
    r.commit("initial");
    r.git(&["tag", "-a", "v1.0", "-m", &format!("release\n\n{in_tag}")]);
    let run = r.patrol(&["scan", "--git", "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    let f = only(&findings, &in_tag);
    assert_eq!(f["unreachable"], false, "{f:#}");
}

#[test]
fn history_amended_away_commit_is_unreachable() {
    let r = Repo::new();
    r.write("README.md", "x\n");
    r.commit("init");
    let t = token("ghp", 351);
    r.write("leak.txt", format!("oops {t}\n"));
    let bad = r.commit("oops");
    r.write("leak.txt", "fixed\n");
    let good = r.commit_with("fixed", &["--amend"]);
    assert_ne!(bad, good);
    assert_eq!(r.commit_count(), 2);

    let run = r.patrol(&["scan", "--git", "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    assert_eq!(findings.len(), 1, "{run}");
    let f = &findings[0];
    assert_token_finding(f, &t, "leak.txt", 1, 6);
    assert_eq!(f["unreachable"], true);
    assert_eq!(f["commit"]["id"], bad);
    assert_eq!(f["commit"]["summary"], "oops");
    assert_eq!(f["commits"], 1);
    assert!(run.stdout.contains(&bad));
}

#[test]
fn history_dangling_blob_has_no_commit_and_is_unreachable() {
    let r = Repo::new();
    r.write("README.md", "x\n");
    r.commit("init");
    let t = token("ghp", 361);
    let outside = r.sibling("scratch.txt");
    std::fs::write(&outside, format!("line one\nsecret={t}\n")).unwrap();
    let id = r.git(&["hash-object", "-w", s(&outside)]);

    let run = r.patrol(&["scan", "--git", "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    assert_eq!(findings.len(), 1, "{run}");
    let f = &findings[0];
    assert_token_finding(f, &t, &format!("<blob {id}>"), 2, 8);
    assert_eq!(f["blob"], id);
    assert_eq!(f["commit"], Value::Null);
    assert_eq!(f["unreachable"], true);
    assert_eq!(f["commits"], 0);
    assert_eq!(f["other_paths"], 0);
}

/// A repository whose tokens are all reachable: c1 adds old.env, c2 deletes it, c3 adds
/// new.env, c4 touches README. Returns (repo, old token, new token, c3, c4).
fn two_token_history(seed: u64) -> (Repo, String, String, String, String) {
    let r = Repo::new();
    let old = token("ghp", seed);
    let new = token("ghp", seed + 1);
    r.write("README.md", "v1\n");
    r.write("old.env", format!("OLD={old}\n"));
    r.commit("c1 add old");
    std::fs::remove_file(r.root().join("old.env")).unwrap();
    r.commit("c2 remove old");
    r.write("new.env", format!("NEW={new}\n"));
    let c3 = r.commit("c3 add new");
    r.write("README.md", "v2\n");
    let c4 = r.commit("c4 readme");
    (r, old, new, c3, c4)
}

#[test]
fn history_bare_clone_matches_the_original() {
    let (r, old, new, c3, _) = two_token_history(371);
    let original = r.patrol(&["scan", "--git", "--format", "json"]);
    original.expect_code(1);
    let want = original.findings();
    assert_eq!(gitutil::fingerprints(&want), fps(&[&old, &new]));
    assert_eq!(only(&want, &new)["commit"]["id"], c3);

    let bare = r.sibling("bare.git");
    r.git_at(r.home(), &["clone", "-q", "--bare", s(r.root()), s(&bare)]);
    for (cwd, args) in [
        (
            r.home().to_path_buf(),
            vec!["scan", "--git", s(&bare), "--format", "json"],
        ),
        (bare.clone(), vec!["scan", "--git", "--format", "json"]),
    ] {
        let run = r.patrol_at(&cwd, &args);
        run.expect_code(1);
        assert_eq!(history_keys(&run.findings()), history_keys(&want), "{run}");
    }
}

#[test]
fn history_shallow_clone_lacks_older_history() {
    let (r, old, new, _, c4) = two_token_history(381);
    let shallow = r.sibling("shallow");
    let url = format!("file://{}", s(r.root()));
    r.git_at(
        r.home(),
        &["clone", "-q", "--depth", "1", &url, s(&shallow)],
    );
    assert!(shallow.join(".git/shallow").exists());

    let run = r.patrol_at(&shallow, &["scan", "--git", "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    assert_eq!(gitutil::fingerprints(&findings), fps(&[&new]), "{run}");
    assert!(with_token(&findings, &old).is_empty());
    let f = only(&findings, &new);
    assert_eq!(f["path"], "new.env");
    // Only the tip exists here, so it is the earliest commit carrying the token.
    assert_eq!(f["commit"]["id"], c4);
    assert_eq!(f["commits"], 1);
    assert_eq!(f["unreachable"], false);
    assert_eq!(run.summary()["errors"], json!([]));
}

fn count_files(dir: &std::path::Path, pred: &dyn Fn(&std::path::Path) -> bool) -> usize {
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            n += count_files(&p, pred);
        } else if pred(&p) {
            n += 1;
        }
    }
    n
}

#[test]
fn history_packed_repository_with_several_packs_and_loose_objects() {
    let r = Repo::new();
    let t1 = token("ghp", 391);
    let t2 = token("ghp", 392);
    let t3 = token("ghp", 393);
    let t4 = token("ghp", 394);
    r.write("one.env", format!("{t1}\n"));
    r.commit("c1");
    r.write("two.env", format!("{t2}\n"));
    std::fs::remove_file(r.root().join("one.env")).unwrap();
    r.commit("c2");
    r.git(&["tag", "-a", "v1", "-m", "v1"]);
    let loose = r.patrol(&["scan", "--git", "--format", "json"]);
    loose.expect_code(1);
    let before = history_keys(&loose.findings());
    assert_eq!(before.len(), 2, "{loose}");

    {
        let out = r
            .command_at("git", r.root())
            .args(["gc", "-q"])
            .env("GIT_TRACE", "1")
            .output()
            .unwrap();
        eprintln!(
            "GCTRACE rc={:?}\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let objects = r.root().join(".git/objects");
    let packs =
        |dir: &std::path::Path| count_files(dir, &|p| p.extension().is_some_and(|e| e == "pack"));
    assert_eq!(packs(&objects.join("pack")), 1);
    let after_gc = r.patrol(&["scan", "--git", "--format", "json"]);
    after_gc.expect_code(1);
    assert_eq!(history_keys(&after_gc.findings()), before, "{after_gc}");

    // A second pack (repack without -a packs only the loose objects, without -d keeps them
    // loose too: every new object is then both packed and loose).
    r.write("three.env", format!("{t3}\n"));
    r.commit("c3");
    r.git(&["repack", "-q"]);
    // And loose objects on top.
    r.write("four.env", format!("{t4}\n"));
    r.commit("c4");
    assert!(packs(&objects.join("pack")) >= 2, "expected several packs");
    let loose_objects = std::fs::read_dir(&objects)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().len() == 2)
        .map(|e| count_files(&e.path(), &|_| true))
        .sum::<usize>();
    assert!(loose_objects > 0, "expected loose objects");

    let run = r.patrol(&["scan", "--git", "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    assert_eq!(
        findings.len(),
        4,
        "each token once, however many copies: {run}"
    );
    assert_eq!(gitutil::fingerprints(&findings), fps(&[&t1, &t2, &t3, &t4]));
    assert_eq!(run.summary()["errors"], json!([]));
    let c3 = r.rev("HEAD~1");
    assert_eq!(only(&findings, &t3)["commit"]["id"], c3);
    assert_eq!(only(&findings, &t3)["commits"], 2);
    assert_eq!(only(&findings, &t4)["commits"], 1);
    assert_eq!(only(&findings, &t2)["commits"], 3);
    assert_eq!(only(&findings, &t1)["commits"], 1);
    let keys = history_keys(&findings);

    // Everything in one pack again: the same report.
    r.git(&["repack", "-a", "-d", "-q"]);
    assert_eq!(packs(&objects.join("pack")), 1);
    let one_pack = r.patrol(&["scan", "--git", "--format", "json"]);
    one_pack.expect_code(1);
    assert_eq!(history_keys(&one_pack.findings()), keys, "{one_pack}");
}

#[test]
fn history_stash_only_token_is_unreachable_unless_stash() {
    let r = Repo::new();
    r.write("app.cfg", "x = 1\n");
    r.commit("init");
    let t = token("ghp", 401);
    r.write("app.cfg", format!("x = 1\ntoken = {t}\n"));
    r.git(&["stash", "-q"]);
    assert_eq!(
        std::fs::read_to_string(r.root().join("app.cfg")).unwrap(),
        "x = 1\n"
    );

    let run = r.patrol(&["scan", "--git", "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    assert_eq!(findings.len(), 1, "{run}");
    let f = &findings[0];
    assert_token_finding(f, &t, "app.cfg", 2, 9);
    assert_eq!(f["unreachable"], true);
    let stash = r.rev("refs/stash");
    assert_eq!(f["commit"]["id"], stash);
    assert!(
        f["commit"]["summary"]
            .as_str()
            .unwrap()
            .starts_with("WIP on main"),
        "{f:#}"
    );

    let run = r.patrol(&["scan", "--git", "--stash", "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    assert_eq!(findings.len(), 1, "{run}");
    assert_eq!(findings[0]["unreachable"], false);
    assert_eq!(findings[0]["commit"]["id"], stash);
}

#[test]
fn history_counts_lfs_pointers() {
    let r = Repo::new();
    let oid = "4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393";
    r.write(
        "model.bin",
        format!("version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize 123\n"),
    );
    r.write(
        "README.md",
        "see version https://git-lfs.github.com/spec/v1\n",
    );
    r.commit("lfs");
    let run = r.patrol(&["scan", "--git", "--format", "json"]);
    run.expect_code(0);
    assert_eq!(run.findings(), Vec::<Value>::new());
    // README.md mentions the spec but is not a pointer.
    assert_eq!(run.summary()["lfs_pointers"], 1, "{run}");
    assert!(run.stderr.contains("Git LFS pointer"), "{run}");
}

#[test]
fn history_skips_blobs_over_max_file_size() {
    let r = Repo::new();
    let t = token("ghp", 411);
    let mut big = "x".repeat(1500);
    big.push('\n');
    big.push_str(&format!("token={t}\n"));
    big.push_str(&"y".repeat(600));
    assert!(big.len() > 2048);
    r.write("big.txt", &big);
    r.write("small.txt", "tiny\n");
    r.commit("big");

    let run = r.patrol(&["scan", "--git", "--max-file-size", "1K", "--format", "json"]);
    run.expect_code(0);
    assert_eq!(run.findings(), Vec::<Value>::new(), "{run}");
    let summary = run.summary();
    assert_eq!(summary["skipped"], json!({"too large": 1}), "{run}");
    let listed = summary["skipped_paths"].as_array().unwrap();
    assert_eq!(listed.len(), 1, "{run}");
    assert!(
        listed[0]["path"].as_str().unwrap().starts_with("<blob "),
        "{run}"
    );
    assert_eq!(summary["exit_code"], 0);
    assert!(run.stderr.contains("skipped"), "{run}");

    // Without the cap it is found.
    let run = r.patrol(&["scan", "--git", "--format", "json"]);
    run.expect_code(1);
    assert_eq!(gitutil::fingerprints(&run.findings()), fps(&[&t]));
}

#[test]
fn history_corrupt_loose_object_is_an_error_and_the_scan_goes_on() {
    let r = Repo::new();
    let good = token("ghp", 421);
    let lost = token("ghp", 422);
    r.write("good.env", format!("{good}\n"));
    r.commit("good");
    let scratch = r.sibling("lost.txt");
    std::fs::write(&scratch, format!("{lost}\n")).unwrap();
    let id = r.git(&["hash-object", "-w", s(&scratch)]);
    let file = r.root().join(".git/objects").join(&id[..2]).join(&id[2..]);
    let mut perms = std::fs::metadata(&file).unwrap().permissions();
    perms.set_mode(perms.mode() | 0o200);
    std::fs::set_permissions(&file, perms).unwrap();
    std::fs::write(&file, b"this is not a zlib stream at all").unwrap();

    let run = r.patrol(&["scan", "--git", "--format", "json"]);
    run.expect_code(2);
    assert!(
        run.stderr.contains(&id),
        "stderr does not name {id}:\n{run}"
    );
    let findings = run.findings();
    assert_eq!(gitutil::fingerprints(&findings), fps(&[&good]), "{run}");
    let summary = run.summary();
    let errors = summary["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{run}");
    assert_eq!(errors[0]["path"], format!("<object {id}>"));
    assert_eq!(summary["exit_code"], 2);
}

#[test]
fn git_modes_outside_a_repository_fail_clearly() {
    let r = Repo::new();
    let plain = r.sibling("plain");
    std::fs::create_dir(&plain).unwrap();
    std::fs::write(plain.join("a.env"), format!("{}\n", token("ghp", 431))).unwrap();
    for args in [
        vec!["scan", "--git", s(&plain)],
        vec!["scan", "--staged", s(&plain)],
        vec!["scan", "--since", "HEAD", s(&plain)],
        vec!["scan", "--range", "HEAD~1..HEAD", s(&plain)],
        vec!["hook", "install", s(&plain)],
    ] {
        let run = r.patrol_at(r.home(), &args);
        run.expect_code(2);
        assert!(
            run.stderr.contains("not in a git repository"),
            "{args:?}: {run}"
        );
        assert!(run.stderr.contains(s(&plain)), "{args:?}: {run}");
        assert_eq!(run.stdout, "", "{args:?}: {run}");
    }
    // Without a path argument, from inside the plain directory.
    let run = r.patrol_at(&plain, &["scan", "--git"]);
    run.expect_code(2);
    assert!(run.stderr.contains("not in a git repository"), "{run}");
}

// =============================================================================================
// --range / --since
// =============================================================================================

/// c1 adds old.env; A: README; c3 adds new.env; c4 edits old.env (unrelated line) and has a
/// token in its message; B: README; c6 (after B) adds late.env.
struct RangeRepo {
    r: Repo,
    old: String,
    new: String,
    msg: String,
    late: String,
    a: String,
    c3: String,
    c4: String,
    b: String,
    c6: String,
}

fn range_repo(seed: u64) -> RangeRepo {
    let r = Repo::new();
    let old = token("ghp", seed);
    let new = token("ghp", seed + 1);
    let msg = token("ghp", seed + 2);
    let late = token("ghp", seed + 3);
    r.write("old.env", format!("OLD={old}\n"));
    r.commit("c1 old");
    r.write("README.md", "a\n");
    let a = r.commit("A");
    r.write("new.env", format!("# new\nNEW={new}\n"));
    let c3 = r.commit("c3 add new");
    r.write("old.env", format!("OLD={old}\nDEBUG=1\n"));
    let c4 = r.commit(&format!("c4 debug\n\nrotated: {msg}"));
    r.write("README.md", "b\n");
    let b = r.commit("B");
    r.write("late.env", format!("LATE={late}\n"));
    let c6 = r.commit("c6 late");
    RangeRepo {
        r,
        old,
        new,
        msg,
        late,
        a,
        c3,
        c4,
        b,
        c6,
    }
}

#[test]
fn range_reports_only_what_the_range_introduced() {
    let x = range_repo(501);
    let range = format!("{}..{}", x.a, x.b);
    let run = x.r.patrol(&["scan", "--range", &range, "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    assert_eq!(
        gitutil::fingerprints(&findings),
        fps(&[&x.new, &x.msg]),
        "old (before A) and late (after B) must not be reported: {run}"
    );
    assert_eq!(findings.len(), 2, "{run}");
    let f = only(&findings, &x.new);
    assert_token_finding(f, &x.new, "new.env", 2, 5);
    assert_eq!(f["blob"], x.r.rev(&format!("{}:new.env", x.c3)));
    assert_eq!(f["commit"]["id"], x.c3);
    assert_eq!(f["commit"]["summary"], "c3 add new");
    assert_eq!(
        f["commit"]["author"],
        format!("{} <{}>", gitutil::USER_NAME, gitutil::USER_EMAIL)
    );
    assert_eq!(f["commit"]["date"], x.r.author_date(&x.c3));
    assert_eq!(f["commits"], 1);
    assert_eq!(f["unreachable"], false);
    let f = only(&findings, &x.msg);
    assert_eq!(f["message_of"], json!({"kind": "commit", "id": x.c4}));
    assert_eq!(f["commit"]["id"], x.c4);
    assert_eq!(f["line"], 3);
    let summary = run.summary();
    assert_eq!(summary["commits_in_range"], 3);
    assert_eq!(summary["errors"], json!([]));
    assert!(run.stderr.contains("3 commits in range"), "{run}");

    // Symbolic ends work too.
    x.r.git(&["tag", "A", &x.a]);
    let run =
        x.r.patrol(&["scan", "--range", "A..HEAD~1", "--format", "json"]);
    run.expect_code(1);
    assert_eq!(
        gitutil::fingerprints(&run.findings()),
        fps(&[&x.new, &x.msg])
    );
}

#[test]
fn since_reports_what_came_after_rev() {
    let x = range_repo(511);
    let run = x.r.patrol(&["scan", "--since", &x.a, "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    assert_eq!(
        gitutil::fingerprints(&findings),
        fps(&[&x.new, &x.msg, &x.late]),
        "{run}"
    );
    assert_eq!(run.summary()["commits_in_range"], 4);
    assert_eq!(only(&findings, &x.late)["commit"]["id"], x.c6);
    assert_eq!(only(&findings, &x.late)["path"], "late.env");

    // The boundary commit itself is excluded.
    let run = x.r.patrol(&["scan", "--since", &x.c3, "--format", "json"]);
    run.expect_code(1);
    assert_eq!(
        gitutil::fingerprints(&run.findings()),
        fps(&[&x.msg, &x.late]),
        "{run}"
    );
    assert_eq!(run.summary()["commits_in_range"], 3);

    // Nothing new since B but c6's token; since c6, nothing at all.
    let run = x.r.patrol(&["scan", "--since", &x.b, "--format", "json"]);
    assert_eq!(gitutil::fingerprints(&run.findings()), fps(&[&x.late]));
    let run = x.r.patrol(&["scan", "--since", &x.c6, "--format", "json"]);
    run.expect_code(0);
    assert!(with_token(&run.findings(), &x.old).is_empty());
}

#[test]
fn range_token_reintroduced_in_the_range_is_one_finding_attributed_to_the_first() {
    let r = Repo::new();
    let t = token("ghp", 551);
    r.write("README.md", "x\n");
    let a = r.commit("A");
    r.write("key.env", format!("{t}\n"));
    let first = r.commit("add");
    std::fs::remove_file(r.root().join("key.env")).unwrap();
    r.commit("remove");
    r.write("key.env", format!("{t}\n"));
    let again = r.commit("add again");
    assert_ne!(first, again);

    let run = r.patrol(&["scan", "--since", &a, "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    assert_eq!(findings.len(), 1, "{run}");
    let f = &findings[0];
    assert_token_finding(f, &t, "key.env", 1, 1);
    assert_eq!(f["commit"]["id"], first, "{f:#}");
    assert_eq!(f["commits"], 2, "two commits in the range introduce it");
    assert_eq!(run.summary()["commits_in_range"], 3);
}

/// Same as above with the first introduction dated after the second (skewed clocks); history
/// mode orders by ancestry (see history_attribution_follows_ancestry_not_commit_dates).
#[test]
fn range_attribution_follows_ancestry_not_commit_dates() {
    let r = Repo::new();
    let t = token("ghp", 561);
    r.write("README.md", "x\n");
    let a = r.commit("A");
    r.set_clock(1_800_000_000);
    r.write("key.env", format!("{t}\n"));
    let first = r.commit("add");
    r.set_clock(1_600_000_000);
    std::fs::remove_file(r.root().join("key.env")).unwrap();
    r.commit("remove");
    r.write("key.env", format!("{t}\n"));
    r.commit("add again");

    let run = r.patrol(&["scan", "--since", &a, "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    assert_eq!(only(&findings, &t)["commit"]["id"], first);
}

/// The help text says --all-lines works "with --staged or a range".
#[test]
fn range_all_lines_reports_old_tokens_in_changed_files() {
    let x = range_repo(521);
    let range = format!("{}..{}", x.a, x.b);
    let run =
        x.r.patrol(&["scan", "--range", &range, "--all-lines", "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    let f = only(&findings, &x.old);
    assert_eq!(f["path"], "old.env");
    assert_eq!(f["commit"]["id"], x.c4);
}

#[test]
fn empty_range_has_nothing_to_scan() {
    let x = range_repo(531);
    for args in [
        vec!["scan", "--range", "HEAD..HEAD", "--format", "json"],
        vec!["scan", "--since", "HEAD", "--format", "json"],
    ] {
        let run = x.r.patrol(&args);
        run.expect_code(0);
        assert_eq!(run.findings(), Vec::<Value>::new(), "{run}");
        assert_eq!(run.summary()["commits_in_range"], 0);
        assert!(run.stderr.contains("nothing to scan"), "{args:?}: {run}");
    }
}

#[test]
fn bad_revisions_are_errors() {
    let x = range_repo(541);
    for args in [
        vec!["scan", "--range", "no-such-rev..HEAD"],
        vec!["scan", "--range", "HEAD..no-such-rev"],
        vec!["scan", "--since", "no-such-rev"],
    ] {
        let run = x.r.patrol(&args);
        run.expect_code(2);
        assert!(run.stderr.contains("no-such-rev"), "{args:?}: {run}");
        assert!(run.stderr.contains("bad revision"), "{args:?}: {run}");
        assert_eq!(run.stdout, "", "{args:?}: {run}");
    }
    // Not a range at all.
    let run = x.r.patrol(&["scan", "--range", "HEAD"]);
    run.expect_code(2);
    assert!(run.stderr.contains("A..B"), "{run}");
    // A blob is not a commit.
    let blob = x.r.rev("HEAD:old.env");
    let run = x.r.patrol(&["scan", "--since", &blob]);
    run.expect_code(2);
    assert!(run.stderr.contains("not a commit"), "{run}");
}

/// A token in a commit's first line is a finding of its own; the same summary, shown as the
/// provenance of other findings from that commit, must not print it in any format.
#[test]
fn a_token_in_a_commit_summary_is_redacted_wherever_the_summary_is_shown() {
    let r = Repo::new();
    let (in_file, in_summary) = (token("ghp", 900), token("gho", 901));
    r.write("a.env", format!("T={in_file}\n"));
    r.commit(&format!("rotate: old was {in_summary}"));
    for format in ["json", "jsonl", "text", "sarif"] {
        let run = r.patrol(&["scan", "--git", "--format", format]);
        run.expect_code(1);
        for t in [&in_file, &in_summary] {
            assert!(
                !run.all().contains(t.as_str()),
                "{format} leaks a token:\n{run}"
            );
        }
    }
    let run = r.patrol(&["scan", "--git", "--format", "json"]);
    let f = run.findings();
    let file = f
        .iter()
        .find(|f| f["path"] == "a.env")
        .expect("file finding");
    let summary = file["commit"]["summary"].as_str().unwrap();
    assert!(summary.starts_with("rotate: old was gho_"), "{summary}");
    assert!(summary.ends_with('…'), "{summary}");
}
