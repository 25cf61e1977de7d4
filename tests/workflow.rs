//! Team and CI workflow, through the real binary on real repositories: the README's CI recipes
//! run exactly as written, baselines (format, merging, every mode), and `.patrol.toml`.

use std::path::{Path, PathBuf};

use crate::util::*;
use yaml_rust2::{Yaml, YamlLoader};

const README: &str = include_str!("../README.md");

/// The fenced ```yaml block that follows `heading` in the README.
fn yaml_after(heading: &str) -> &'static str {
    let at = README
        .find(heading)
        .unwrap_or_else(|| panic!("README has no {heading:?}"));
    let rest = &README[at..];
    let start = rest.find("```yaml\n").expect("a yaml block") + "```yaml\n".len();
    let end = rest[start..].find("```").expect("end of block");
    &rest[start..start + end]
}

/// The `patrol …` commands of a recipe, exactly as written (`run: patrol …` or `- patrol …`).
fn patrol_commands(yaml: &str) -> Vec<String> {
    yaml.lines()
        .map(str::trim)
        .filter_map(|l| l.strip_prefix("run: ").or_else(|| l.strip_prefix("- ")))
        .filter(|c| c.starts_with("patrol "))
        .map(str::to_string)
        .collect()
}

/// Runs `command` with `sh -c` in the repository, with patrol first on PATH.
fn run_shell(repo: &Sandbox, command: &str, env: &[(&str, &str)]) -> Run {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_patrol"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = repo.command_at("sh", repo.root());
    cmd.arg("-c").arg(command).env("PATH", path);
    for (k, v) in env {
        cmd.env(k, v);
    }
    run_command(cmd, None, RUN_LIMIT)
}

/// A repository whose main branch already carries an old token, and a pull request on top:
/// returns (repo, base, head of a PR adding `new_token` or nothing).
fn pull_request(old: &str, new_token: Option<&str>) -> (Sandbox, String, String) {
    let r = Sandbox::repo();
    r.write("config/old.env", format!("LEGACY={old}\n"));
    r.write("src/lib.rs", "pub fn f() {}\n");
    let base = r.commit("main");
    r.git(&["checkout", "-q", "-b", "feature"]);
    r.write("src/lib.rs", "pub fn f() {}\npub fn g() {}\n");
    r.commit("feature work");
    if let Some(t) = new_token {
        r.write("deploy/ci.yml", format!("env:\n  GH_TOKEN: {t}\n"));
    }
    let head = r.commit("more feature work");
    (r, base, head)
}

/// The steps of the GitHub recipe's job.
fn recipe_steps(yaml: &str) -> Vec<Yaml> {
    let doc = &YamlLoader::load_from_str(yaml).expect("the recipe is YAML")[0];
    let jobs = doc["jobs"].as_hash().expect("jobs");
    assert_eq!(jobs.len(), 1);
    let job = jobs.values().next().unwrap();
    job["steps"].as_vec().expect("steps").clone()
}

fn uses<'a>(steps: &'a [Yaml], prefix: &str) -> &'a Yaml {
    steps
        .iter()
        .find(|s| s["uses"].as_str().is_some_and(|u| u.starts_with(prefix)))
        .unwrap_or_else(|| panic!("no step uses {prefix}"))
}

#[test]
fn github_actions_recipe_runs_the_action_and_uploads_its_sarif() {
    let yaml = yaml_after("GitHub Actions");
    let steps = recipe_steps(yaml);
    // A range scan needs the base: the whole history is checked out.
    assert_eq!(
        uses(&steps, "actions/checkout@")["with"]["fetch-depth"].as_i64(),
        Some(0)
    );
    let action = uses(&steps, "patrol-scanner/patrol@");
    let with: Vec<(String, String)> = action["with"]
        .as_hash()
        .map(|h| {
            h.iter()
                .map(|(k, v)| (k.as_str().unwrap().into(), v.as_str().unwrap().into()))
                .collect()
        })
        .unwrap_or_default();
    let with: Vec<(&str, &str)> = with.iter().map(|(k, v)| (&**k, &**v)).collect();
    let upload = uses(&steps, "github/codeql-action/upload-sarif@");
    let condition = upload["if"].as_str().expect("the upload has a condition");
    assert!(condition.contains("always()"), "upload when the scan fails");
    let sarif_file = upload["with"]["sarif_file"].as_str().unwrap();
    assert!(
        condition.contains(sarif_file),
        "and only when there is a report"
    );

    let old = token("ghp", 1);
    let new = token("ghp", 2);
    for added in [Some(new.as_str()), None] {
        let (r, base, head) = pull_request(&old, added);
        let github = std::collections::HashMap::from([
            ("event_name", "pull_request"),
            ("event.pull_request.base.sha", base.as_str()),
            ("event.pull_request.head.sha", head.as_str()),
        ]);
        let (outputs, code) = crate::action::run_action(&r, &with, &github);
        assert_eq!(
            code,
            i32::from(added.is_some()),
            "fails exactly on a new token"
        );
        assert_eq!(outputs["report"], sarif_file, "the upload finds the report");
        let sarif = read_json(&r.root().join(sarif_file));
        assert_eq!(sarif["version"], "2.1.0");
        let results = sarif["runs"][0]["results"].as_array().unwrap();
        if added.is_none() {
            // A clean pull request passes, even though main carries an old token.
            assert_eq!(results.len(), 0, "{sarif:#}");
            continue;
        }
        assert_eq!(results.len(), 1, "only the PR's token: {sarif:#}");
        let loc = &results[0]["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "deploy/ci.yml");
        assert_eq!(loc["region"]["startLine"], 2);
        let text = std::fs::read_to_string(r.root().join(sarif_file)).unwrap();
        assert!(
            !text.contains(&new) && !text.contains(&old),
            "no secret in SARIF"
        );
    }
}

#[test]
fn gitlab_recipe_fails_on_a_new_token_and_keeps_a_json_report() {
    let yaml = yaml_after("GitLab CI");
    assert!(yaml.contains("when: always"));
    let commands = patrol_commands(yaml);
    assert_eq!(commands.len(), 1, "{commands:?}");

    let old = token("ghp", 3);
    let new = token("gho", 4);
    let (r, base, head) = pull_request(&old, Some(&new));
    let env = [
        ("CI_MERGE_REQUEST_DIFF_BASE_SHA", base.as_str()),
        ("CI_COMMIT_SHA", head.as_str()),
    ];
    run_shell(&r, &commands[0], &env).expect_code(1);
    let report = read_json(&r.root().join("patrol.json"));
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{report:#}");
    assert_eq!(findings[0]["path"], "deploy/ci.yml");
    assert_eq!(findings[0]["fingerprint"], fingerprint(&new));
    assert_eq!(findings[0]["commit"]["id"], head);

    let (r, base, head) = pull_request(&old, None);
    let env = [
        ("CI_MERGE_REQUEST_DIFF_BASE_SHA", base.as_str()),
        ("CI_COMMIT_SHA", head.as_str()),
    ];
    run_shell(&r, &commands[0], &env).expect_code(0);
}

fn baseline_lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn baseline_file_is_sorted_secret_free_and_has_no_line_numbers() {
    let r = Sandbox::repo();
    let (a, b) = (token("ghp", 10), token("ghu", 11));
    r.write("z.env", format!("\n\nA={a}\n"));
    r.write("a.env", format!("B={b}\n"));
    r.run(&["baseline"]).expect_code(0);
    let lines = baseline_lines(&r.root().join(".patrol-baseline"));
    assert!(lines[0].starts_with('#'));
    let mut want = vec![
        format!("{} github.pat.classic z.env", fingerprint(&a)),
        format!("{} github.app.user a.env", fingerprint(&b)),
    ];
    want.sort();
    assert_eq!(&lines[1..], want.as_slice());
    let text = std::fs::read_to_string(r.root().join(".patrol-baseline")).unwrap();
    assert!(!text.contains(&a) && !text.contains(&b));

    // Regenerating gives the same bytes: nothing run-dependent (time, line, order) in it.
    r.write("z.env", format!("moved down\n\n\n\nA={a}\n"));
    r.run(&["baseline"]).expect_code(0);
    assert_eq!(
        std::fs::read_to_string(r.root().join(".patrol-baseline")).unwrap(),
        text
    );
}

#[test]
fn baseline_reports_only_new_secrets_and_survives_moves() {
    let r = Sandbox::repo();
    let old = token("ghp", 20);
    r.write("app/settings.py", format!("TOKEN = \"{old}\"\n"));
    r.run(&["baseline"]).expect_code(0);
    r.run(&["scan", "--baseline", ".patrol-baseline", "--format", "json"])
        .expect_code(0);

    // The line moves and the file is renamed: still baselined.
    std::fs::remove_file(r.root().join("app/settings.py")).unwrap();
    r.write(
        "config/settings.py",
        format!("# moved\n\nTOKEN = \"{old}\"\n"),
    );
    let run = r.run(&["scan", "--baseline", ".patrol-baseline", "--format", "json"]);
    run.expect_code(0);
    assert_eq!(run.summary()["baselined"], 1, "{run}");

    // A different secret on the baselined line is reported.
    let new = token("ghp", 21);
    r.write(
        "config/settings.py",
        format!("# moved\n\nTOKEN = \"{old}\"; OTHER = \"{new}\"\n"),
    );
    let run = r.run(&["scan", "--baseline", ".patrol-baseline", "--format", "json"]);
    run.expect_code(1);
    let f = run.findings();
    assert_eq!(f.len(), 1, "{run}");
    assert_eq!(f[0]["fingerprint"], fingerprint(&new));
}

#[test]
fn unused_baseline_entries_are_listed_on_request() {
    let r = Sandbox::repo();
    let (a, b) = (token("ghp", 30), token("ghp", 31));
    r.write("a.env", format!("A={a}\n"));
    r.write("b.env", format!("B={b}\n"));
    r.run(&["baseline"]).expect_code(0);
    std::fs::remove_file(r.root().join("b.env")).unwrap();
    let run = r.run(&["scan", "--baseline", ".patrol-baseline", "--format", "json"]);
    run.expect_code(0);
    assert!(
        run.summary()["baseline_unused"].is_null(),
        "only on request"
    );
    let run = r.run(&[
        "scan",
        "--baseline",
        ".patrol-baseline",
        "--baseline-unused",
        "--format",
        "json",
    ]);
    run.expect_code(0);
    let unused = run.summary()["baseline_unused"].as_array().unwrap().clone();
    assert_eq!(unused.len(), 1, "{run}");
    assert_eq!(unused[0]["fingerprint"], fingerprint(&b));
    assert_eq!(unused[0]["path"], "b.env");
    let text = r.run(&[
        "scan",
        "--baseline",
        ".patrol-baseline",
        "--baseline-unused",
    ]);
    assert!(text.stderr.contains("matched nothing"), "{text}");
}

#[test]
fn baselines_added_on_two_branches_merge_without_conflict() {
    let r = Sandbox::repo();
    let t0 = token("ghp", 40);
    r.write("base.env", format!("T={t0}\n"));
    r.run(&["baseline"]).expect_code(0);
    r.commit("baseline");
    r.git(&["checkout", "-q", "-b", "left"]);
    r.write("left.env", format!("T={}\n", token("ghp", 41)));
    r.run(&["baseline"]).expect_code(0);
    r.commit("left");
    r.git(&["checkout", "-q", "main"]);
    r.git(&["checkout", "-q", "-b", "right"]);
    r.write("right.env", format!("T={}\n", token("ghp", 42)));
    r.run(&["baseline"]).expect_code(0);
    r.commit("right");
    let merge = r.try_git(&["merge", "-q", "--no-edit", "left"]);
    assert_eq!(merge.code, 0, "baseline merge conflicted:\n{merge}");
    // The merged file covers all three.
    r.run(&["scan", "--baseline", ".patrol-baseline"])
        .expect_code(0);
}

/// 50 random pairs of branches, each adding tokens (1–4, at random places in the sorted file,
/// often next to each other) and rewriting the baseline with `patrol baseline`: every merge
/// is clean, and the merged baseline covers every token of both sides.
#[test]
fn fifty_random_branch_pairs_merge_their_baselines_without_conflict() {
    let r = Sandbox::repo();
    let mut rng = Rng::new(77);
    for i in 0..5 {
        r.write(
            &format!("base{i}.env"),
            format!("T={}\n", token("ghp", 6000 + i)),
        );
    }
    r.run(&["baseline"]).expect_code(0);
    assert!(
        std::fs::read_to_string(r.path(".gitattributes"))
            .unwrap()
            .contains("/.patrol-baseline merge=union"),
        "patrol baseline marks the file for union merges"
    );
    r.commit("baseline");
    let mut seed = 7000;
    let mut conflicts = Vec::new();
    for pair in 0..50 {
        r.git(&["checkout", "-q", "main"]);
        let base = r.rev("HEAD");
        for side in ["left", "right"] {
            r.git(&["checkout", "-q", "-B", &format!("{side}{pair}"), &base]);
            for _ in 0..=rng.below(4) {
                seed += 1;
                let name = format!("{side}{pair}-{seed}.env");
                r.write(&name, format!("T={}\n", token("ghp", seed)));
            }
            r.run(&["baseline"]).expect_code(0);
            r.commit(side);
        }
        let merge = r.try_git(&["merge", "-q", "--no-edit", &format!("left{pair}")]);
        if merge.code != 0 {
            conflicts.push(pair);
            r.git(&["merge", "--abort"]);
            continue;
        }
        r.run(&["scan", "--baseline", ".patrol-baseline"])
            .expect_code(0);
        // The next pair starts from this merge.
        r.git(&["checkout", "-q", "main"]);
        r.git(&["merge", "-q", "--ff-only", &format!("right{pair}")]);
    }
    assert!(conflicts.is_empty(), "conflicts in pairs {conflicts:?}");
}

#[test]
fn baseline_works_in_staged_history_and_range_modes() {
    let r = Sandbox::repo();
    let old = token("ghs", 50);
    r.write("ci.env", format!("T={old}\n"));
    r.commit("old token");
    r.run(&["baseline", "--git"]).expect_code(0);
    // The baseline is committed where the range starts: range scans read it from there.
    let base = r.commit("baseline");
    let file = ".patrol-baseline";
    r.run(&["scan", "--git", "--baseline", file]).expect_code(0);

    // The same old token re-added in a new commit: known, not reported by the range scan.
    r.write("other.env", format!("COPY={old}\n"));
    r.git(&["add", "other.env"]);
    r.run(&["scan", "--staged", "--baseline", file])
        .expect_code(0);
    r.run(&["scan", "--staged"]).expect_code(1);
    r.commit("again");
    let range = format!("{base}..HEAD");
    r.run(&["scan", "--range", &range, "--baseline", file])
        .expect_code(0);
    r.run(&["scan", "--range", &range]).expect_code(1);
    // A new one is reported in every mode.
    let new = token("ghs", 51);
    r.write("new.env", format!("T={new}\n"));
    r.git(&["add", "new.env"]);
    r.run(&["scan", "--staged", "--baseline", file])
        .expect_code(1);
    r.commit("new");
    r.run(&["scan", "--range", &range, "--baseline", file])
        .expect_code(1);
    r.run(&["scan", "--git", "--baseline", file]).expect_code(1);
}

#[test]
fn config_file_is_found_from_a_subdirectory_and_applies_in_every_mode() {
    let r = Sandbox::repo();
    let (vendored, allowed, real) = (token("ghp", 60), token("ghp", 61), token("ghp", 62));
    r.write("vendor/lib/x.js", format!("k='{vendored}'\n"));
    r.write("test/fixture.env", format!("T={allowed}\n"));
    r.write("src/app.env", format!("T={real}\n"));
    r.write(
        ".patrol.toml",
        format!(
            "exclude_paths = [\"vendor/**\"]\nallow_secrets = [\"{}\"]\nformat = \"json\"\n",
            fingerprint(&allowed)
        ),
    );
    let sub = r.root().join("src");
    // Walking skips excluded paths before reading them; git modes drop their findings.
    for (args, allowed) in [
        (vec!["scan", ".."], 1),
        (vec!["scan", "--staged", "--all-lines"], 2),
    ] {
        if args.contains(&"--staged") {
            r.git(&["add", "-A"]);
        }
        let run = r.run_at(&sub, &args);
        run.expect_code(1);
        let f = run.findings(); // the config's `format = "json"` applies
        assert_eq!(f.len(), 1, "{args:?}\n{run}");
        assert_eq!(f[0]["fingerprint"], fingerprint(&real));
        assert_eq!(
            run.summary()["allowed_by_config"],
            allowed,
            "{args:?}\n{run}"
        );
    }
    r.commit("all");
    let run = r.run_at(&sub, &["scan", "--git"]);
    run.expect_code(1);
    assert_eq!(run.findings().len(), 1, "{run}");
    assert_eq!(run.summary()["allowed_by_config"], 2, "{run}");
    // --format on the command line wins over the file.
    let run = r.run_at(&sub, &["scan", "--git", "--format", "jsonl"]);
    assert_eq!(run.stdout.lines().count(), 1, "{run}");
}

#[test]
fn config_file_errors_name_the_file_the_key_and_the_expectation() {
    let r = Sandbox::repo();
    for (text, want) in [
        ("colour = true\n", "unknown field `colour`"),
        ("max_file_size = \"huge\"\n", "key `max_file_size`"),
        (
            "disable_rules = [\"no.such.rule\"]\n",
            "key `disable_rules`",
        ),
        ("format = 3\n", "key `format`"),
        ("github_api = \"http://example.com\"\n", "key `github_api`"),
    ] {
        r.write(".patrol.toml", text);
        let run = r.run(&["scan"]);
        run.expect_code(2);
        assert!(run.stderr.contains(".patrol.toml"), "{text}\n{run}");
        assert!(run.stderr.contains(want), "{text}: want {want:?}\n{run}");
    }
    // --config names another file; rules can be disabled there.
    let other = r.outside("team.toml");
    std::fs::write(&other, "disable_rules = [\"github.pat.classic\"]\n").unwrap();
    std::fs::remove_file(r.root().join(".patrol.toml")).unwrap();
    r.write("a.env", format!("T={}\n", token("ghp", 70)));
    r.run(&["scan"]).expect_code(1);
    r.run(&["scan", "--config", other.to_str().unwrap()])
        .expect_code(0);
}
