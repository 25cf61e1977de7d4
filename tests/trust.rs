//! A scanned repository is data, not configuration of the scanner's trust: its `.patrol.toml`
//! cannot choose where tokens are sent, cannot make patrol read outside it, and cannot switch
//! off the range scan that reviews the pull request changing it.

use serde_json::Value;

use crate::util::*;

/// `patrol ARGS` in `dir` with extra environment variables.
fn run_env(sb: &Sandbox, dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut c = sb.command_at(PATROL, dir);
    c.args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    run_command(c, None, RUN_LIMIT)
}

fn live() -> Response {
    Response::json(
        200,
        &serde_json::json!({"login": "octocat", "id": 1, "type": "User"}),
    )
}

#[test]
fn a_repository_config_cannot_choose_the_api_base() {
    let sb = Sandbox::repo();
    let t = token("ghp", 3001);
    let mut trap = Tripwire::new();
    sb.write("app.env", format!("T={t}\n"));
    sb.write(".patrol.toml", format!("github_api = \"{}\"\n", trap.url()));
    // The user's own settings name the API base the user chose.
    let server = Server::always(live());
    std::fs::create_dir_all(sb.home().join(".config/patrol")).unwrap();
    std::fs::write(
        sb.home().join(".config/patrol/config.toml"),
        format!("github_api = \"{}\"\n", server.url()),
    )
    .unwrap();
    let run = sb.run(&["scan", "--verify", "--format", "json", "app.env"]);
    run.expect_code(3);
    assert!(
        run.stderr.contains("`github_api` ignored"),
        "the ignored key is named: {run}"
    );
    assert_eq!(trap.connections(), 0, "the repository's API base was used");
    assert_eq!(server.requests_with(&t).len(), 1, "{run}");
    // The environment variable wins over the user's file; the repository's still counts for
    // nothing, in `patrol verify` too.
    let other = Server::always(live());
    let run = run_env(
        &sb,
        sb.root(),
        &["verify", &t, "--format", "json"],
        &[("PATROL_GITHUB_API", &other.url())],
    );
    run.expect_code(3);
    assert_eq!(other.requests_with(&t).len(), 1, "{run}");
    assert_eq!(trap.connections(), 0);
}

#[test]
fn a_config_outside_the_scanned_tree_is_the_users_own() {
    let sb = Sandbox::new();
    let t = token("ghp", 3002);
    sb.write("app.env", format!("T={t}\n"));
    let server = Server::always(live());
    let mine = sb.outside("mine.toml");
    std::fs::write(&mine, format!("github_api = \"{}\"\n", server.url())).unwrap();
    let run = sb.run(&["scan", "--verify", "--config", s(&mine), "app.env"]);
    run.expect_code(3);
    assert!(!run.stderr.contains("ignored"), "{run}");
    assert_eq!(server.requests_with(&t).len(), 1, "{run}");
    // The same file inside the scanned tree is the repository's: its API base is ignored.
    let mut trap = Tripwire::new();
    sb.write("in-tree.toml", format!("github_api = \"{}\"\n", trap.url()));
    let run = run_env(
        &sb,
        sb.root(),
        &["scan", "--verify", "--config", "in-tree.toml", "app.env"],
        &[("PATROL_GITHUB_API", &server.url())],
    );
    run.expect_code(3);
    assert!(run.stderr.contains("`github_api` ignored"), "{run}");
    assert_eq!(trap.connections(), 0);
}

#[test]
fn settings_paths_cannot_leave_the_repository() {
    let sb = Sandbox::repo();
    let secret_file = sb.outside("outside.toml");
    std::fs::write(&secret_file, "not = \"rules\"\n").unwrap();
    std::os::unix::fs::symlink(&secret_file, sb.path("link.toml")).unwrap();
    sb.write("a.txt", "nothing\n");
    for (key, value) in [
        ("rules", "[\"../outside.toml\"]".to_string()),
        ("rules", format!("[\"{}\"]", s(&secret_file))),
        ("rules", "[\"link.toml\"]".to_string()),
        ("baseline", "\"../outside.toml\"".to_string()),
        ("baseline", format!("\"{}\"", s(&secret_file))),
        ("baseline", "\"link.toml\"".to_string()),
    ] {
        sb.write(".patrol.toml", format!("{key} = {value}\n"));
        let run = sb.run(&["scan", "."]);
        run.expect_code(2);
        assert!(
            run.stderr.contains("leaves the repository"),
            "{key} = {value}: {run}"
        );
        assert!(!run.all().contains("not = "), "the file was read: {run}");
    }
    // Inside the repository, the same keys work.
    sb.write("my-rules/none.toml", "");
    sb.write(".patrol.toml", "baseline = \"b.txt\"\n");
    sb.write("b.txt", "# empty baseline\n");
    sb.run(&["scan", "a.txt"]).expect_code(0);
}

/// What a pull request does to hide its token.
type Change = dyn Fn(&Sandbox, &str);

/// main, with settings; a pull request that adds a token and, to hide it, changes the
/// settings that decide what is reported.
fn hiding_pull_request(change: impl Fn(&Sandbox, &str)) -> (Sandbox, String, String) {
    let r = Sandbox::repo();
    r.write(".patrol.toml", "exclude_paths = [\"vendor/**\"]\n");
    r.write("src/lib.rs", "pub fn f() {}\n");
    let base = r.commit("main");
    r.git(&["checkout", "-q", "-b", "feature"]);
    let t = token("ghp", 3010);
    r.write("src/config.env", format!("T={t}\n"));
    change(&r, &t);
    let head = r.commit("feature");
    (r, format!("{base}..{head}"), t)
}

#[test]
fn a_pull_request_cannot_switch_off_the_check_that_reviews_it() {
    let changes: Vec<(&str, Box<Change>)> = vec![
        (
            "allow_secrets",
            Box::new(|r: &Sandbox, t: &str| {
                r.write(
                    ".patrol.toml",
                    format!("allow_secrets = [\"{}\"]\n", fingerprint(t)),
                );
            }),
        ),
        (
            "exclude_paths",
            Box::new(|r: &Sandbox, _: &str| {
                r.write(".patrol.toml", "exclude_paths = [\"src/**\"]\n");
            }),
        ),
        (
            "disable_rules",
            Box::new(|r: &Sandbox, _: &str| {
                r.write(".patrol.toml", "disable_rules = [\"github.pat.classic\"]\n");
            }),
        ),
        (
            "baseline",
            Box::new(|r: &Sandbox, t: &str| {
                r.write(
                    ".patrol.toml",
                    "exclude_paths = [\"vendor/**\"]\nbaseline = \".patrol-baseline\"\n",
                );
                r.write(
                    ".patrol-baseline",
                    format!("{} github.pat.classic src/config.env\n", fingerprint(t)),
                );
            }),
        ),
    ];
    for (what, change) in changes {
        let (r, range, t) = hiding_pull_request(change);
        let run = r.run(&["scan", "--range", &range, "--format", "json"]);
        run.expect_code(1);
        assert_eq!(with_token(&run.findings(), &t).len(), 1, "{what}: {run}");
        let notices = run.summary()["notices"].as_array().unwrap().clone();
        assert!(
            notices
                .iter()
                .any(|n| n.as_str().unwrap().contains(".patrol.toml")),
            "{what}: {run}"
        );
        // In text, on stdout and stderr.
        let run = r.run(&["scan", "--range", &range]);
        assert!(run.stdout.contains("notice: the range"), "{what}: {run}");
        assert!(
            run.stderr.contains("patrol: notice: the range"),
            "{what}: {run}"
        );
        // In SARIF, a tool notification.
        let run = r.run(&["scan", "--range", &range, "--format", "sarif"]);
        let log = run.sarif();
        let notes = &sarif_run(&log)["invocations"][0]["toolConfigurationNotifications"];
        assert!(
            notes.as_array().is_some_and(|n| !n.is_empty()),
            "{what}: {log:#}"
        );
        // Opting into the head's settings: the pull request's own change applies.
        let run = r.run(&[
            "scan",
            "--range",
            &range,
            "--config-from-head",
            "--format",
            "json",
        ]);
        run.expect_code(0);
        let suppressed: Vec<Value> = run.json()["suppressed"].as_array().unwrap().clone();
        assert!(
            what == "disable_rules" || !suppressed.is_empty(),
            "{what}: the suppression is visible: {run}"
        );
    }
}

#[test]
fn the_base_sides_settings_apply_to_a_range() {
    // main excludes vendor/; a pull request adds a token there and one elsewhere.
    let r = Sandbox::repo();
    r.write(".patrol.toml", "exclude_paths = [\"vendor/**\"]\n");
    let base = r.commit("main");
    let (a, b) = (token("ghp", 3020), token("ghp", 3021));
    r.write("vendor/x.env", format!("T={a}\n"));
    r.write("src/y.env", format!("T={b}\n"));
    r.commit("pr");
    let run = r.run(&["scan", "--since", &base, "--format", "json"]);
    run.expect_code(1);
    let f = run.findings();
    assert_eq!(f.len(), 1, "{run}");
    assert_eq!(with_token(&f, &b).len(), 1);
    assert!(
        run.summary()["notices"].as_array().unwrap().is_empty(),
        "{run}"
    );
    // --config-from-head needs a range.
    let run = r.run(&["scan", "--config-from-head", "."]);
    run.expect_code(2);
    assert!(run.stderr.contains("--config-from-head needs"), "{run}");
}
