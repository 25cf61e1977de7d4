//! Walking directories (ignore files, hidden files, .git) and reading stdin.

use super::*;
use crate::util::*;

#[test]
fn gitignore_hidden_files_and_git_directory() {
    let mut rng = Rng::new(20);
    let in_env = classic("ghp", &mut rng);
    let in_ignored_dir = classic("gho", &mut rng);
    let in_ignored_glob = classic("ghu", &mut rng);
    let in_dot_ignore = classic("ghs", &mut rng);
    let in_git = classic("ghp", &mut rng);
    let in_sub_git = fine_grained(&mut rng);
    let sb = Sandbox::new();
    sb.write(".gitignore", "build/\n*.secret\n");
    sb.write(".ignore", "skipme.txt\n");
    sb.write(".env", format!("GITHUB_TOKEN={in_env}\n"));
    sb.write("build/out.txt", format!("{in_ignored_dir}\n"));
    sb.write("creds.secret", format!("{in_ignored_glob}\n"));
    sb.write("skipme.txt", format!("{in_dot_ignore}\n"));
    sb.write(
        ".git/config",
        format!("[remote \"origin\"]\n\turl = https://u:{in_git}@github.com/o/r.git\n"),
    );
    sb.write("vendor/lib/.git/packed-refs", format!("{in_sub_git}\n"));
    sb.write("vendor/lib/code.txt", "ok\n");

    let out = scan_json(&sb, &["."]);
    out.expect_code(1);
    let f = out.findings();
    assert_eq!(f.len(), 1, "{out}");
    assert_found(&f, CLASSIC, &in_env, ".env", (1, 14, 13));

    let out = scan_json(&sb, &["--no-ignore", "."]);
    out.expect_code(1);
    let f = out.findings();
    assert_eq!(f.len(), 4, "{out}");
    assert_found(&f, CLASSIC, &in_env, ".env", (1, 14, 13));
    assert_found(&f, OAUTH, &in_ignored_dir, "build/out.txt", (1, 1, 0));
    assert_found(&f, USER, &in_ignored_glob, "creds.secret", (1, 1, 0));
    assert_found(&f, INSTALLATION, &in_dot_ignore, "skipme.txt", (1, 1, 0));
    // Nothing under a .git directory, even with --no-ignore.
    let all = out.all();
    assert!(!all.contains(".git/"), "{out}");

    // An ignored file named explicitly is scanned.
    let out = scan_json(&sb, &["creds.secret"]);
    out.expect_code(1);
    assert_found(
        &out.findings(),
        USER,
        &in_ignored_glob,
        "creds.secret",
        (1, 1, 0),
    );
}

#[test]
fn stdin_dash_is_scanned_as_stdin() {
    let mut rng = Rng::new(21);
    let tok = classic("ghp", &mut rng);
    let sb = Sandbox::new();
    let input = format!("line one\nexport GITHUB_TOKEN={tok}\n");
    let out = sb.run_stdin(&["scan", "--format", "json", "-"], input.as_bytes());
    out.expect_code(1);
    assert_found(&out.findings(), CLASSIC, &tok, "<stdin>", (2, 21, 29));

    let out = sb.run_stdin(&["scan", "-"], input.as_bytes());
    out.expect_code(1);
    assert!(out.stdout.starts_with("<stdin>\n  2:21  "), "{out}");

    let out = sb.run_stdin(&["scan", "-"], b"nothing here\n");
    out.expect_code(0);
    assert!(out.stderr.contains("scanned 1 file (13 B)"), "{out}");
}
