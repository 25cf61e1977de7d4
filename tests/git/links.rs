//! Web links of history findings: the commit and the line on the remote's forge, for each
//! remote URL shape; none with `--no-links`, for an unknown forge or a hostile remote URL; a
//! credential in the remote URL never shown.

use super::*;

/// A repository whose `origin` is `remote`, with a token committed at `deploy/app env.txt:2`.
fn repo_with_remote(remote: &str, token: &str) -> (Sandbox, String) {
    let r = Sandbox::repo();
    r.git(&["remote", "add", "origin", remote]);
    r.write("README.md", "hello\n");
    r.commit("init");
    r.write("deploy/app env.txt", format!("A=1\nTOKEN={token}\n"));
    let commit = r.commit("add settings");
    (r, commit)
}

#[test]
fn history_findings_link_to_the_commit_and_the_line() {
    let t = token("ghp", 9700);
    for (remote, base, commit_page, line_page) in [
        (
            "git@github.com:octo/repo.git",
            "https://github.com/octo/repo",
            "/commit/",
            "/blob/",
        ),
        (
            "https://github.example.com:8443/team/app",
            "https://github.example.com:8443/team/app",
            "/commit/",
            "/blob/",
        ),
        (
            "ssh://git@gitlab.com/group/sub/project.git",
            "https://gitlab.com/group/sub/project",
            "/-/commit/",
            "/-/blob/",
        ),
        (
            "https://bitbucket.org/team/repo.git",
            "https://bitbucket.org/team/repo",
            "/commits/",
            "/src/",
        ),
    ] {
        let (r, commit) = repo_with_remote(remote, &t);
        let run = r.run(&["scan", "--git", "--format", "json"]);
        run.expect_code(1);
        let f = only(&run.findings(), &t).clone();
        assert_eq!(
            f["links"]["commit"],
            format!("{base}{commit_page}{commit}"),
            "{f:#}"
        );
        let anchor = if base.contains("bitbucket") {
            "#lines-2"
        } else {
            "#L2"
        };
        assert_eq!(
            f["links"]["line"],
            format!("{base}{line_page}{commit}/deploy/app%20env.txt{anchor}"),
            "{f:#}"
        );
        // Text shows the line's page; csv has both; SARIF carries them as properties.
        let text = r.run(&["scan", "--git"]);
        assert!(
            text.stdout.contains(&format!("{base}{line_page}{commit}/")),
            "{text}"
        );
        let csv = r.run(&["scan", "--git", "--format", "csv"]);
        assert!(
            csv.stdout
                .lines()
                .next()
                .unwrap()
                .contains(",commit_url,line_url"),
            "{csv}"
        );
        assert!(
            csv.stdout.contains(&format!("{base}{commit_page}{commit}")),
            "{csv}"
        );
        let sarif = r.run(&["scan", "--git", "--format", "sarif"]);
        let log = sarif.sarif();
        assert_schema_valid(&log);
        assert_eq!(
            results(&log)[0]["properties"]["links"]["commit"],
            f["links"]["commit"]
        );
        // And a range scan, whose findings have their introducing commit too.
        let range = r.run(&["scan", "--since", "HEAD~1", "--format", "json"]);
        assert_eq!(only(&range.findings(), &t)["links"], f["links"]);
        // --no-links: none anywhere.
        let off = r.run(&["scan", "--git", "--no-links", "--format", "json"]);
        assert!(only(&off.findings(), &t).get("links").is_none(), "{off}");
        assert!(!r
            .run(&["scan", "--git", "--no-links"])
            .stdout
            .contains("https://"));
    }
}

#[test]
fn credentials_in_the_remote_are_never_shown() {
    let t = token("ghp", 9701);
    let cred = token("ghp", 9702);
    let (r, commit) = repo_with_remote(
        &format!("https://x-access-token:{cred}@github.com/octo/repo.git"),
        &t,
    );
    for format in ["text", "json", "sarif", "csv"] {
        let run = r.run(&["scan", "--git", "--format", format]);
        assert!(!run.all().contains(&cred[4..]), "{format}: {run}");
        assert!(
            run.all()
                .contains(&format!("https://github.com/octo/repo/commit/{commit}"))
                || format == "text",
            "{format}: {run}"
        );
    }
}

#[test]
fn unknown_or_hostile_remotes_give_no_links() {
    let t = token("ghp", 9703);
    for remote in [
        "https://example.com/octo/repo.git",
        "/srv/git/repo.git",
        "https://github.com/octo/repo\"><img src=x onerror=alert(1)>",
        "https://github.com/octo/../../x",
        "https://github.com/a/b/c",
    ] {
        let (r, _) = repo_with_remote(remote, &t);
        let run = r.run(&["scan", "--git", "--format", "json"]);
        run.expect_code(1);
        assert!(
            only(&run.findings(), &t).get("links").is_none(),
            "{remote}: {run}"
        );
    }
    // No remote at all.
    let r = Sandbox::repo();
    r.write("a.env", format!("TOKEN={t}\n"));
    r.commit("add");
    let run = r.run(&["scan", "--git", "--format", "json"]);
    assert!(only(&run.findings(), &t).get("links").is_none(), "{run}");
}
