//! The GitHub Action (`action.yml`): its shell steps run exactly as written — the `${{ }}`
//! expressions of their `env:` resolved as GitHub would, the script run by
//! `bash --noprofile --norc -eo pipefail` as GitHub's `shell: bash` does — on temporary
//! repositories, for each mode. The install step uses the patrol under test
//! (`PATROL_USE_INSTALLED=1`), the documented way to use an installed patrol.

use std::collections::HashMap;
use std::path::Path;

use yaml_rust2::{Yaml, YamlLoader};

use crate::util::*;

/// One `run:` step of the action.
struct Step {
    name: String,
    id: Option<String>,
    env: Vec<(String, String)>,
    script: String,
}

fn steps() -> Vec<Step> {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml")).unwrap();
    let doc = &YamlLoader::load_from_str(&text).unwrap()[0];
    assert_eq!(doc["runs"]["using"].as_str(), Some("composite"));
    doc["runs"]["steps"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|s| {
            assert_eq!(s["shell"].as_str(), Some("bash"), "every step runs in bash");
            let env = match &s["env"] {
                Yaml::Hash(h) => h
                    .iter()
                    .map(|(k, v)| {
                        (
                            k.as_str().unwrap().to_string(),
                            v.as_str().unwrap().to_string(),
                        )
                    })
                    .collect(),
                _ => Vec::new(),
            };
            Step {
                name: s["name"].as_str().unwrap().to_string(),
                id: s["id"].as_str().map(str::to_string),
                env,
                script: s["run"].as_str().unwrap().to_string(),
            }
        })
        .collect()
}

/// The inputs' defaults, overridden by `given`.
fn inputs(given: &[(&str, &str)]) -> HashMap<String, String> {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml")).unwrap();
    let doc = &YamlLoader::load_from_str(&text).unwrap()[0];
    let mut out: HashMap<String, String> = doc["inputs"]
        .as_hash()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().unwrap().to_string(),
                v["default"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    for (k, v) in given {
        assert!(out.contains_key(*k), "no input {k}");
        out.insert(k.to_string(), v.to_string());
    }
    out
}

/// `${{ inputs.x }}` and `${{ github.a.b }}` in `value`, resolved; anything else is an error
/// (an expression this test does not know would go untested).
fn resolve(value: &str, inputs: &HashMap<String, String>, github: &HashMap<&str, &str>) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(at) = rest.find("${{") {
        out.push_str(&rest[..at]);
        let end = rest[at..].find("}}").expect("closed expression") + at;
        let expr = rest[at + 3..end].trim();
        let v = if let Some(name) = expr.strip_prefix("inputs.") {
            inputs[name].clone()
        } else if let Some(path) = expr.strip_prefix("github.") {
            github.get(path).copied().unwrap_or("").to_string()
        } else {
            panic!("unknown expression {expr}")
        };
        out.push_str(&v);
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

/// Runs every step like a runner: the outputs of the `scan` step and the last step's exit code.
pub(crate) fn run_action(
    sb: &Sandbox,
    given: &[(&str, &str)],
    github: &HashMap<&str, &str>,
) -> (HashMap<String, String>, i32) {
    let inputs = inputs(given);
    let bin = Path::new(PATROL).parent().unwrap().to_path_buf();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut outputs = HashMap::new();
    let mut code = 0;
    for step in steps() {
        let out_file = sb.outside(&format!("github-output-{}", step.name.replace(' ', "-")));
        std::fs::write(&out_file, "").unwrap();
        let mut c = sb.command_at("bash", sb.root());
        c.args([
            "--noprofile",
            "--norc",
            "-eo",
            "pipefail",
            "-c",
            &step.script,
        ])
        .env("PATH", &path)
        .env("PATROL_USE_INSTALLED", "1")
        .env("GITHUB_OUTPUT", &out_file)
        .env("GITHUB_PATH", sb.outside("github-path"))
        .env("RUNNER_TEMP", sb.outside("runner-temp"));
        for (k, v) in &step.env {
            c.env(k, resolve(v, &inputs, github));
        }
        let run = run_command(c, None, RUN_LIMIT);
        code = run.code;
        if step.id.as_deref() == Some("scan") {
            for line in std::fs::read_to_string(&out_file).unwrap().lines() {
                let (k, v) = line.split_once('=').unwrap();
                outputs.insert(k.to_string(), v.to_string());
            }
        } else {
            assert_eq!(run.code, 0, "step {}: {run}", step.name);
        }
    }
    (outputs, code)
}

fn pull_request(sb: &Sandbox, add_token: bool) -> (String, String) {
    sb.write("src/lib.rs", "pub fn f() {}\n");
    let base = sb.commit("main");
    sb.git(&["checkout", "-q", "-b", "feature"]);
    if add_token {
        sb.write("deploy/ci.env", format!("T={}\n", token("ghp", 9100)));
    } else {
        sb.write("src/lib.rs", "pub fn f() {}\npub fn g() {}\n");
    }
    let head = sb.commit("feature");
    (base, head)
}

#[test]
fn the_action_scans_a_pull_request_and_writes_sarif() {
    for add_token in [true, false] {
        let sb = Sandbox::repo();
        let (base, head) = pull_request(&sb, add_token);
        let github = HashMap::from([
            ("event_name", "pull_request"),
            ("event.pull_request.base.sha", base.as_str()),
            ("event.pull_request.head.sha", head.as_str()),
        ]);
        let (outputs, code) = run_action(&sb, &[], &github);
        let want = if add_token { 1 } else { 0 };
        assert_eq!(code, want, "the step fails exactly on findings");
        assert_eq!(outputs["exit-code"], want.to_string());
        assert_eq!(outputs["report"], "patrol.sarif");
        let log: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(sb.path("patrol.sarif")).unwrap())
                .unwrap();
        assert_schema_valid(&log);
        assert_eq!(results(&log).len(), usize::from(add_token));
    }
}

#[test]
fn the_action_reports_without_failing_when_asked_and_scans_other_modes() {
    let sb = Sandbox::repo();
    let (_, _) = pull_request(&sb, true);
    let push = HashMap::from([("event_name", "push")]);
    // `auto` outside a pull request: the checkout.
    let (outputs, code) = run_action(
        &sb,
        &[
            ("format", "json"),
            ("output", "r.json"),
            ("fail-on-findings", "false"),
        ],
        &push,
    );
    assert_eq!(code, 0);
    assert_eq!(outputs["exit-code"], "1");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sb.path("r.json")).unwrap()).unwrap();
    assert_eq!(doc["findings"].as_array().unwrap().len(), 1);
    let (outputs, code) = run_action(&sb, &[("mode", "history"), ("args", "--stash")], &push);
    assert_eq!((code, outputs["exit-code"].as_str()), (1, "1"));
    // A pull-request scan outside a pull request is an error, not a silent pass.
    let (_, code) = run_action(&sb, &[("mode", "pull-request")], &push);
    assert_eq!(code, 2);
    // An input is data, not shell code.
    let (_, code) = run_action(&sb, &[("output", "x.sarif; touch pwned")], &push);
    assert_eq!(code, 1);
    assert!(!sb.path("pwned").exists());
}

#[test]
fn the_action_and_the_readme_install_this_version() {
    let version = env!("CARGO_PKG_VERSION");
    let pin = format!("patrol-scan=={version}");
    assert_eq!(
        inputs(&[])["package"],
        pin,
        "action.yml installs another version"
    );
    // Every pin in the README names this version (RELEASING.md: bumped together).
    let readme = include_str!("../README.md");
    for (at, _) in readme.match_indices("patrol-scan==") {
        assert!(
            readme[at..].starts_with(&pin),
            "README: {}",
            &readme[at..at + 30]
        );
    }
    for (at, _) in readme.match_indices("rev: v") {
        let rest = &readme[at + "rev: v".len()..];
        assert!(
            rest.starts_with(&format!("{version}\n")),
            "README: rev: v{}",
            &rest[..10]
        );
    }
}
