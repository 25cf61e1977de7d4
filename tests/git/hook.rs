//! `patrol hook install`, and the hook it writes, run by real commits.

use std::os::unix::fs::PermissionsExt;

use crate::util::*;

#[test]
fn hook_blocks_a_commit_that_adds_a_token() {
    let r = Sandbox::repo();
    r.write("README.md", "x\n");
    r.commit("init");

    let run = r.run(&["hook", "install"]);
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
    assert!(out.contains(&redacted(&t)), "{commit}");
    assert!(!out.contains(&t), "hook output shows the secret:\n{commit}");
    // The text report: the path, then the finding's location, rule and redacted secret.
    assert!(
        out.contains(&format!(
            "deploy.env\n  1:14  GitHub personal access token (classic) [github.pat.classic]  \
             {}  (checksum-valid)\n",
            redacted(&t)
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
    let r = Sandbox::repo();
    r.write("app.cfg", "x = 1\n");
    r.commit("init");
    r.run(&["hook", "install"]).expect_code(0);

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
    let r = Sandbox::repo();
    r.write("README.md", "x\n");
    r.commit("init");
    let hook = r.root().join(".git/hooks/pre-commit");
    std::fs::create_dir_all(hook.parent().unwrap()).unwrap();
    let foreign = "#!/bin/sh\n# someone else's hook\nexit 0\n";
    std::fs::write(&hook, foreign).unwrap();
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();

    let run = r.run(&["hook", "install"]);
    run.expect_code(2);
    assert!(run.stderr.contains("--force"), "{run}");
    assert!(run.stderr.contains("not written by patrol"), "{run}");
    assert_eq!(std::fs::read_to_string(&hook).unwrap(), foreign);

    let run = r.run(&["hook", "install", "--force", s(r.root())]);
    run.expect_code(0);
    let script = std::fs::read_to_string(&hook).unwrap();
    assert!(script.contains("# installed by patrol"), "{script}");

    // Its own hook is replaced without --force.
    r.run(&["hook", "install"]).expect_code(0);

    // And the installed hook works.
    let t = token("ghp", 221);
    r.write("x.env", format!("{t}\n"));
    r.git(&["add", "x.env"]);
    let commit = r.try_git(&["commit", "-q", "-m", "leak"]);
    assert_ne!(commit.code, 0, "{commit}");
    assert!(commit.all().contains(&redacted(&t)), "{commit}");
}

#[test]
fn hook_install_respects_a_relative_core_hooks_path() {
    let r = Sandbox::repo();
    r.write("README.md", "x\n");
    r.write("sub/dir/file.txt", "y\n");
    r.commit("init");
    r.git(&["config", "core.hooksPath", ".githooks"]);

    // Installed from a subdirectory: the relative path is still the work tree top's.
    let sub = r.root().join("sub/dir");
    let run = r.run_at(&sub, &["hook", "install"]);
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
    assert!(commit.all().contains(&redacted(&t)), "{commit}");
    assert!(commit.all().contains("sub/dir/leak.env"), "{commit}");
    assert_eq!(r.commit_count(), 1);
}

/// `core.hooksPath` is a path value: `~/` is HOME, as git reads it.
#[test]
fn hook_install_expands_a_tilde_in_core_hooks_path() {
    let r = Sandbox::repo();
    r.git(&["config", "core.hooksPath", "~/my-hooks"]);
    r.run(&["hook", "install"]).expect_code(0);
    let hook = r.home().join("my-hooks/pre-commit");
    assert!(hook.is_file(), "not at {}", hook.display());
    assert!(!r.path("~").exists(), "a directory named ~ was created");
}

/// A symlinked hook is never written through: without --force the install is refused, with
/// it the link itself is replaced; the link's target is untouched either way.
#[test]
fn hook_install_never_writes_through_a_symlink() {
    let r = Sandbox::repo();
    let target = r.outside("precious.sh");
    std::fs::write(&target, "#!/bin/sh\n# someone else's\n").unwrap();
    let hooks = r.path(".git/hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    std::os::unix::fs::symlink(&target, hooks.join("pre-commit")).unwrap();
    let run = r.run(&["hook", "install"]);
    run.expect_code(2);
    assert!(run.stderr.contains("symbolic link"), "{run}");
    // Even a link to a hook patrol wrote is not written through.
    std::fs::write(&target, "#!/bin/sh\n# installed by patrol: old\n").unwrap();
    r.run(&["hook", "install"]).expect_code(2);
    r.run(&["hook", "install", "--force"]).expect_code(0);
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "#!/bin/sh\n# installed by patrol: old\n"
    );
    let meta = std::fs::symlink_metadata(hooks.join("pre-commit")).unwrap();
    assert!(meta.file_type().is_file(), "the link was not replaced");
    let script = std::fs::read_to_string(hooks.join("pre-commit")).unwrap();
    assert!(script.contains("scan --staged"), "{script}");
}
