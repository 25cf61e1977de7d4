//! Organisation audits on the engines people run: `--shard I/N`, `patrol merge`, and the two
//! recipes in docs/audit/ run as written. The GitHub Actions matrix's scan step runs once per
//! matrix entry with the environment the runner gives it (`matrix.shard`, `strategy.job-total`)
//! and its merge step on the artifacts; the Kubernetes Indexed Job's container script runs once
//! per pod with `JOB_COMPLETION_INDEX`, then the merge job's. Each merged report must equal one
//! unsharded run, for N = 1, 3 and 7. Clones come from local repositories (`file://`); nothing
//! reaches the network.

use std::path::{Path, PathBuf};

use serde_json::Value;
use yaml_rust2::{Yaml, YamlLoader};

use crate::util::*;

fn recipe(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("docs/audit")
            .join(name),
    )
    .unwrap()
}

/// Runs `script` with bash as `shell: bash` does (`-eo pipefail`), patrol first on PATH.
fn bash(sb: &Sandbox, cwd: &Path, script: &str, env: &[(String, String)]) -> Run {
    let bin = PathBuf::from(PATROL);
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = sb.command_at("bash", cwd);
    cmd.args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
        .env("PATH", path);
    for (k, v) in env {
        cmd.env(k, v);
    }
    run_command(cmd, None, RUN_LIMIT)
}

/// What must be equal between a merged and an unsharded report: the findings, and the summary
/// but for the elapsed time.
fn comparable(doc: &Value) -> (Value, Value) {
    let mut summary = doc["summary"].clone();
    summary.as_object_mut().unwrap().remove("elapsed_ms");
    (doc["findings"].clone(), summary)
}

/// A repository at `dir` whose history moves, keeps, copies and removes tokens, so that one
/// secret at one path lives in many blobs (which shards split), and one in a commit message.
fn history(sb: &Sandbox, dir: &Path, seed: u64, commits: u64) {
    sb.init_repo_at(dir);
    let t = |k: u64| token("ghp", seed * 100 + k);
    for i in 0..commits {
        let mut kept = format!("version = {i}\n");
        if i < commits - 2 {
            // Kept while the rest of the file changes: a new blob every commit.
            kept += &format!("token = {}\n", t(1));
        }
        std::fs::write(dir.join("settings.ini"), kept).unwrap();
        if i % 3 == 0 {
            std::fs::write(
                dir.join(format!("notes-{}.md", i % 6)),
                format!("deploy with {}\nrev {i}\n", t(2 + i % 2)),
            )
            .unwrap();
        }
        if i == 2 {
            std::fs::create_dir_all(dir.join("copy")).unwrap();
            std::fs::write(dir.join("copy/settings.ini"), format!("token = {}\n", t(1))).unwrap();
        }
        std::fs::write(dir.join("src.txt"), format!("clean {i}\n")).unwrap();
        sb.git_at(dir, &["add", "-A"]);
        let message = if i == 1 {
            format!("rotate creds (old: {})", t(9))
        } else {
            format!("change {i}")
        };
        sb.git_at(dir, &["commit", "-q", "-m", &message]);
    }
    sb.git_at(dir, &["branch", "side", "HEAD~1"]);
}

/// The environment GitHub gives a `run:` step: the workflow's `env`, then the step's, with
/// `${{ … }}` expressions resolved from `ctx`.
fn step_env(doc: &Yaml, step: &Yaml, ctx: &[(&str, String)]) -> Vec<(String, String)> {
    let mut env = Vec::new();
    for map in [&doc["env"], &step["env"]] {
        let Some(h) = map.as_hash() else { continue };
        for (k, v) in h {
            let raw = match v {
                Yaml::String(s) => s.clone(),
                Yaml::Integer(n) => n.to_string(),
                other => panic!("env value {other:?}"),
            };
            let value = match raw.strip_prefix("${{").and_then(|r| r.strip_suffix("}}")) {
                Some(expr) => {
                    let expr = expr.trim();
                    ctx.iter()
                        .find(|(name, _)| *name == expr)
                        .map(|(_, v)| v.clone())
                        .unwrap_or_else(|| panic!("no value for ${{{{ {expr} }}}}"))
                }
                None => raw,
            };
            env.push((k.as_str().unwrap().to_string(), value));
        }
    }
    env
}

fn step<'a>(doc: &'a Yaml, job: &str, name: &str) -> &'a Yaml {
    doc["jobs"][job]["steps"]
        .as_vec()
        .unwrap()
        .iter()
        .find(|s| s["name"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("no step {name:?} in job {job}"))
}

#[test]
fn github_actions_matrix_merges_to_one_unsharded_audit() {
    let sb = Sandbox::new();
    let text = recipe("github-actions.yml");
    let doc = &YamlLoader::load_from_str(&text).unwrap()[0];
    let matrix = doc["jobs"]["scan"]["strategy"]["matrix"]["shard"]
        .as_vec()
        .unwrap();
    assert!(matrix.len() > 1, "the recipe's matrix has shards");
    assert_eq!(
        doc["jobs"]["merge"]["if"].as_str(),
        Some("always()"),
        "the merge runs even when a shard job fails"
    );
    let scan = step(doc, "scan", "Scan this shard's repositories");
    let merge = step(doc, "merge", "Merge the reports");
    assert_eq!(
        scan["env"]["SHARD"].as_str(),
        Some("${{ matrix.shard }}"),
        "each job takes its matrix entry"
    );

    // The organisation: five repositories, served from disk.
    let base = sb.outside("forge");
    let names = [
        "acme/api",
        "acme/web",
        "acme/infra",
        "acme/tools",
        "acme/empty",
    ];
    for (i, name) in names.iter().enumerate() {
        let dir = base.join(format!("{name}.git"));
        if name.ends_with("empty") {
            sb.init_repo_at(&dir);
            std::fs::write(dir.join("README"), "nothing here\n").unwrap();
            sb.git_at(&dir, &["add", "-A"]);
            sb.git_at(&dir, &["commit", "-q", "-m", "init"]);
        } else {
            history(&sb, &dir, i as u64 + 1, 8);
        }
    }
    let clone_base = format!("file://{}", base.display());
    let repos: String = names.iter().map(|n| format!("{n}\n")).collect();

    // One unsharded run: every repository cloned as the recipe clones it, scanned, merged.
    let reference = sb.outside("reference");
    std::fs::create_dir_all(&reference).unwrap();
    let mut reports = Vec::new();
    for name in names {
        let flat = name.replace('/', "_");
        let mirror = reference.join(format!("{flat}.git"));
        sb.git_at(
            &reference,
            &[
                "clone",
                "-q",
                "--mirror",
                &format!("{clone_base}/{name}.git"),
                mirror.to_str().unwrap(),
            ],
        );
        let out = reference.join(format!("{flat}.json"));
        sb.run(&[
            "scan",
            "--git",
            mirror.to_str().unwrap(),
            "-f",
            "json",
            "-o",
            out.to_str().unwrap(),
        ]);
        reports.push(out.to_str().unwrap().to_string());
    }
    let mut args = vec!["merge", "-f", "json"];
    args.extend(reports.iter().map(String::as_str));
    let run = sb.run(&args);
    run.expect_code(1);
    let want = comparable(&run.json());
    assert!(want.0.as_array().unwrap().len() >= 12, "{:#}", want.0);
    let repos_seen: std::collections::BTreeSet<&str> = want
        .0
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["repository"].as_str().unwrap())
        .collect();
    assert_eq!(
        repos_seen.into_iter().collect::<Vec<_>>(),
        ["acme_api", "acme_infra", "acme_tools", "acme_web"]
    );

    for n in [1usize, 3, 7] {
        let artifacts = sb.outside(&format!("artifacts-{n}"));
        std::fs::create_dir_all(&artifacts).unwrap();
        let mut scanned = Vec::new();
        for shard in 1..=n {
            // Each job runs on a fresh runner, in its own workspace.
            let ws = sb.outside(&format!("runner-{n}-{shard}"));
            std::fs::create_dir_all(&ws).unwrap();
            std::fs::write(ws.join("repos.txt"), &repos).unwrap();
            let mut env = step_env(
                doc,
                scan,
                &[
                    ("matrix.shard", shard.to_string()),
                    ("strategy.job-total", n.to_string()),
                    ("secrets.AUDIT_TOKEN", String::new()),
                ],
            );
            // No network: the forge is the directory above.
            for (k, v) in &mut env {
                if k == "CLONE_BASE" {
                    *v = clone_base.clone();
                }
            }
            let run = bash(&sb, &ws, scan["run"].as_str().unwrap(), &env);
            assert_eq!(run.code, 0, "shard {shard}/{n}:\n{run}");
            // upload-artifact, then download-artifact with merge-multiple.
            if let Ok(entries) = std::fs::read_dir(ws.join("reports")) {
                for e in entries {
                    let e = e.unwrap();
                    scanned.push(e.file_name().to_string_lossy().into_owned());
                    std::fs::copy(e.path(), artifacts.join(e.file_name())).unwrap();
                }
            }
        }
        scanned.sort();
        assert_eq!(
            scanned,
            [
                "acme_api.json",
                "acme_empty.json",
                "acme_infra.json",
                "acme_tools.json",
                "acme_web.json"
            ],
            "with {n} shards every repository is scanned exactly once"
        );
        let ws = sb.outside(&format!("merge-{n}"));
        std::fs::create_dir_all(&ws).unwrap();
        std::fs::rename(&artifacts, ws.join("reports")).unwrap();
        let env = step_env(doc, merge, &[]);
        let run = bash(&sb, &ws, merge["run"].as_str().unwrap(), &env);
        assert_eq!(run.code, 1, "findings fail the merge job:\n{run}");
        let got = comparable(&read_json(&ws.join("audit.json")));
        assert_eq!(got, want, "{n} shards merged differ from the unsharded run");
        let sarif = read_json(&ws.join("audit.sarif"));
        assert_eq!(
            sarif["runs"][0]["results"].as_array().unwrap().len(),
            want.0.as_array().unwrap().len()
        );
        let page = std::fs::read_to_string(ws.join("audit.html")).unwrap();
        let places = format!("<b>{}</b>places found", want.0.as_array().unwrap().len());
        assert!(page.contains(&places), "the page to hand over");
        let csv = std::fs::read_to_string(ws.join("audit.csv")).unwrap();
        assert_eq!(csv.lines().count(), 1 + want.0.as_array().unwrap().len());
    }
}

/// The `bash -c` script of the container of the Job named `job`, and its environment.
fn container(docs: &[Yaml], job: &str) -> (String, Vec<(String, String)>) {
    let doc = docs
        .iter()
        .find(|d| d["metadata"]["name"].as_str() == Some(job))
        .unwrap_or_else(|| panic!("no Job {job}"));
    let c = &doc["spec"]["template"]["spec"]["containers"][0];
    let command: Vec<&str> = c["command"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(command, ["bash", "-c"]);
    let env = c["env"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap().to_string(),
                e["value"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (c["args"][0].as_str().unwrap().to_string(), env)
}

fn set(env: &mut Vec<(String, String)>, key: &str, value: String) {
    match env.iter_mut().find(|(k, _)| k == key) {
        Some((_, v)) => *v = value,
        None => env.push((key.to_string(), value)),
    }
}

#[test]
fn kubernetes_indexed_job_merges_to_one_unsharded_history_scan() {
    let sb = Sandbox::new();
    let text = recipe("k8s-indexed-job.yaml");
    let docs = YamlLoader::load_from_str(&text).unwrap();
    let scan_job = docs
        .iter()
        .find(|d| d["metadata"]["name"].as_str() == Some("patrol-audit"))
        .unwrap();
    assert_eq!(scan_job["spec"]["completionMode"].as_str(), Some("Indexed"));
    let (scan, scan_env) = container(&docs, "patrol-audit");
    let (merge, merge_env) = container(&docs, "patrol-audit-merge");
    assert!(scan.contains("--shard \"$((JOB_COMPLETION_INDEX + 1))/$SHARDS\""));

    // One repository with a long history: its secrets' blobs fall in many shards.
    let origin = sb.outside("origin/monorepo");
    history(&sb, &origin, 7, 24);
    let url = format!("file://{}", origin.display());

    // One unsharded scan of the same clone.
    let mirror = sb.outside("reference/repo.git");
    sb.git_at(
        sb.root(),
        &["clone", "-q", "--mirror", &url, mirror.to_str().unwrap()],
    );
    let run = sb.run(&["scan", "--git", mirror.to_str().unwrap(), "-f", "json"]);
    run.expect_code(1);
    let want = comparable(&run.json());
    let findings = want.0.as_array().unwrap();
    let kept = findings
        .iter()
        .find(|f| f["path"] == "settings.ini")
        .expect("the kept token");
    assert!(kept["commits"].as_u64().unwrap() >= 20, "{kept:#}");
    assert_eq!(kept["present_at_head"], false);
    assert!(kept["removed_in"]["id"].is_string());

    for n in [1usize, 3, 7] {
        let reports = sb.outside(&format!("pvc-{n}"));
        std::fs::create_dir_all(&reports).unwrap();
        let mut with_findings = 0;
        for index in 0..n {
            let mut env = scan_env.clone();
            set(&mut env, "SHARDS", n.to_string());
            set(&mut env, "REPO_URL", url.clone());
            set(&mut env, "REPORTS", reports.display().to_string());
            set(&mut env, "JOB_COMPLETION_INDEX", index.to_string());
            set(&mut env, "TMPDIR", sb.outside("tmp").display().to_string());
            std::fs::create_dir_all(sb.outside("tmp")).unwrap();
            let run = bash(&sb, sb.root(), &scan, &env);
            assert_eq!(run.code, 0, "pod {index} of {n}:\n{run}");
            let shard = read_json(&reports.join(format!("shard-{index}.json")));
            if !shard["findings"].as_array().unwrap().is_empty() {
                with_findings += 1;
            }
        }
        if n == 7 {
            assert!(with_findings >= 3, "the secrets' blobs spread over shards");
        }
        let mut env = merge_env.clone();
        set(&mut env, "SHARDS", n.to_string());
        set(&mut env, "REPORTS", reports.display().to_string());
        let run = bash(&sb, sb.root(), &merge, &env);
        assert_eq!(run.code, 0, "findings do not fail the merge job:\n{run}");
        let got = comparable(&read_json(&reports.join("audit.json")));
        assert_eq!(
            got, want,
            "{n} shards merged differ from the unsharded scan"
        );
        assert!(reports.join("audit.html").exists(), "the page to hand over");
    }

    // A missing shard fails the merge job rather than shrinking the audit.
    let reports = sb.outside("pvc-7");
    std::fs::remove_file(reports.join("shard-4.json")).unwrap();
    let mut env = merge_env;
    set(&mut env, "SHARDS", "7".to_string());
    set(&mut env, "REPORTS", reports.display().to_string());
    let run = bash(&sb, sb.root(), &merge, &env);
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.contains("shard 4 has no report"), "{run}");
}

/// A tree scan's JSON report of `files` (path, contents) written in a fresh sandbox, with
/// `extra` arguments.
fn tree_report(sb: &Sandbox, name: &str, files: &[(&str, String)], extra: &[&str]) -> PathBuf {
    let dir = sb.outside(name);
    for (path, text) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let out = sb.outside(&format!("{name}.json"));
    let mut args = vec![
        "scan",
        dir.to_str().unwrap(),
        "-f",
        "json",
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    sb.run(&args).expect_code(1);
    out
}

#[test]
fn merge_reports_bad_reports_by_path_and_still_merges_the_rest() {
    let sb = Sandbox::new();
    let t = token("ghp", 41);
    let good = tree_report(&sb, "good", &[("a.env", format!("T={t}\n"))], &[]);
    let not_json = sb.write("garbage.json", "{ this is not json");
    let other_tool = sb.write("gitleaks.json", "[{\"RuleID\": \"github-pat\"}]");
    let text = std::fs::read_to_string(&good).unwrap();
    let cut = sb.write("cut.json", &text[..text.len() / 2]);
    let mut bad_finding: Value = serde_json::from_str(&text).unwrap();
    bad_finding["findings"][0]["fingerprint"] = Value::from("sha256:<script>");
    let bad = sb.write("bad.json", bad_finding.to_string());
    let missing = sb.path("missing.json");
    let out = sb.path("merged.json");
    let run = sb.run(&[
        "merge",
        good.to_str().unwrap(),
        not_json.to_str().unwrap(),
        other_tool.to_str().unwrap(),
        cut.to_str().unwrap(),
        bad.to_str().unwrap(),
        missing.to_str().unwrap(),
        "-f",
        "json",
        "-o",
        out.to_str().unwrap(),
    ]);
    run.expect_code(2);
    let doc = read_json(&out);
    assert_eq!(doc["findings"].as_array().unwrap().len(), 1, "{doc:#}");
    let errors: Vec<&str> = doc["summary"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    for p in [&not_json, &other_tool, &cut, &bad, &missing] {
        let p = p.to_str().unwrap();
        assert!(errors.contains(&p), "{p} not reported: {errors:?}");
        assert!(run.stderr.contains(p), "{p} not on stderr:\n{run}");
    }
    assert!(run.stderr.contains("fingerprint"), "{run}");
    assert!(!run.stderr.contains("<script>"), "{run}");
}

#[test]
fn merge_never_shows_more_of_a_secret_than_asked() {
    let sb = Sandbox::new();
    let t = token("ghp", 42);
    let u = token("ghp", 43);
    // Written with --show-secrets: the full tokens are in the report.
    let full = tree_report(
        &sb,
        "full",
        &[("a.env", format!("T={t}\n")), ("b.env", format!("U={u}\n"))],
        &["--show-secrets"],
    );
    for format in ["json", "text", "csv", "sarif", "jsonl"] {
        let run = sb.run(&["merge", full.to_str().unwrap(), "-f", format]);
        run.expect_code(1);
        assert!(
            !run.all().contains(&t[4..]) && !run.all().contains(&u[4..]),
            "{format}:\n{run}"
        );
        // SARIF names a secret by its fingerprint only; the others show the redacted form.
        if format != "sarif" {
            assert!(
                run.stdout.contains(&t[..8]),
                "{format}: the redacted form\n{run}"
            );
        }
    }
    let run = sb.run(&[
        "merge",
        full.to_str().unwrap(),
        "-f",
        "json",
        "--show-secrets",
    ]);
    assert!(run.stdout.contains(&t), "asked for, shown:\n{run}");

    // Edited: a full token claimed redacted, and one in a context line.
    let redacted = tree_report(&sb, "redacted", &[("a.env", format!("T={t}\n"))], &[]);
    let mut doc = read_json(&redacted);
    doc["findings"][0]["secret"] = Value::from(format!("{t}…"));
    doc["findings"][0]["context"] = Value::from(format!("T={u}"));
    doc["findings"][0]["path"] = Value::from(format!("leak-{u}.env"));
    let edited = sb.write("edited.json", doc.to_string());
    for show in [false, true] {
        let mut args = vec!["merge", edited.to_str().unwrap(), "-f", "json"];
        if show {
            args.push("--show-secrets");
        }
        let run = sb.run(&args);
        run.expect_code(1);
        assert!(!run.all().contains(&t[4..]), "show={show}:\n{run}");
        if !show {
            assert!(!run.all().contains(&u[4..]), "{run}");
        }
        assert_eq!(run.findings()[0]["redacted"], true);
    }
}

#[test]
fn merge_keeps_repositories_apart() {
    let sb = Sandbox::new();
    let t = token("ghp", 44);
    let mut reports = Vec::new();
    for name in ["alpha", "beta"] {
        let dir = sb.outside(name);
        sb.init_repo_at(&dir);
        std::fs::write(dir.join("config.yml"), format!("token: {t}\n")).unwrap();
        sb.git_at(&dir, &["add", "-A"]);
        sb.git_at(&dir, &["commit", "-q", "-m", "add config"]);
        let out = sb.outside(&format!("{name}.json"));
        sb.run(&[
            "scan",
            "--git",
            dir.to_str().unwrap(),
            "-f",
            "json",
            "-o",
            out.to_str().unwrap(),
        ])
        .expect_code(1);
        reports.push(out);
    }
    let a = reports[0].to_str().unwrap();
    let b = reports[1].to_str().unwrap();
    // The same secret at the same path in two repositories: two findings; a report given twice
    // adds nothing.
    let run = sb.run(&["merge", a, b, a, "-f", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    let repos: Vec<&str> = findings
        .iter()
        .map(|f| f["repository"].as_str().unwrap())
        .collect();
    assert_eq!(repos, ["alpha", "beta"]);
    assert_eq!(run.summary()["distinct_secrets"], 1);
    let text = sb.run(&["merge", a, b]);
    assert!(text.stdout.contains("[alpha] config.yml"), "{text}");
    assert!(text.stdout.contains("[beta] config.yml"), "{text}");
    assert!(
        text.stderr.contains("2 findings of 1 distinct secret"),
        "{text}"
    );
}

#[test]
fn tree_shards_are_disjoint_and_cover_the_tree() {
    let sb = Sandbox::new();
    let mut want = std::collections::BTreeSet::new();
    for i in 0..40u64 {
        let t = token("ghp", 500 + i);
        sb.write(&format!("d{}/f{i}.env", i % 4), format!("T={t}\n"));
        want.insert(format!("d{}/f{i}.env", i % 4));
    }
    sb.write("clean.txt", "nothing\n");
    let run = sb.run(&["scan", "-f", "json"]);
    run.expect_code(1);
    let whole = run.json();
    assert_eq!(whole["findings"].as_array().unwrap().len(), 40);
    for n in [1u32, 3, 7] {
        let mut seen = std::collections::BTreeSet::new();
        let mut files = 0;
        let mut reports = Vec::new();
        for i in 1..=n {
            let out = sb.outside(&format!("tree-{i}-of-{n}.json"));
            let run = sb.run(&[
                "scan",
                ".",
                "missing.txt",
                "--shard",
                &format!("{i}/{n}"),
                "-f",
                "json",
                "-o",
                out.to_str().unwrap(),
            ]);
            assert!(run.code <= 2, "{run}");
            let doc = read_json(&out);
            files += doc["summary"]["files"].as_u64().unwrap();
            for f in doc["findings"].as_array().unwrap() {
                let path = f["path"].as_str().unwrap().to_string();
                assert!(seen.insert(path.clone()), "{path} in two shards of {n}");
            }
            reports.push(out.to_str().unwrap().to_string());
        }
        assert_eq!(seen, want, "{n} shards cover the tree");
        assert_eq!(files, 41, "every file is scanned once over {n} shards");
        let mut args = vec!["merge", "-f", "json"];
        args.extend(reports.iter().map(String::as_str));
        let merged = sb.run(&args);
        merged.expect_code(2);
        assert_eq!(
            merged.findings(),
            whole["findings"].as_array().unwrap().clone()
        );
        // The missing file is one shard's error, reported once.
        let errors = merged.summary()["errors"].as_array().unwrap().clone();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0]["path"], "missing.txt");
    }
    for bad in [
        vec!["scan", "--shard", "0/3"],
        vec!["scan", "--shard", "4/3"],
        vec!["scan", "--shard", "x"],
        vec!["scan", "--staged", "--shard", "1/2"],
        vec!["scan", "--range", "a..b", "--shard", "1/2"],
    ] {
        let run = sb.run(&bad);
        run.expect_code(2);
        assert!(run.stderr.contains("--shard"), "{bad:?}: {run}");
    }
}

#[test]
fn merge_distrusts_edited_reports() {
    let sb = Sandbox::repo();
    let t = token("ghp", 45);
    let u = token("ghp", 46);
    sb.git(&["remote", "add", "origin", "https://github.com/acme/app.git"]);
    sb.write("deploy.env", format!("T={t}\n"));
    sb.commit("add deploy env");
    let out = sb.outside("h.json");
    sb.run(&["scan", "--git", "-f", "json", "-o", out.to_str().unwrap()])
        .expect_code(1);
    let doc = read_json(&out);
    let f = &doc["findings"][0];
    assert_eq!(f["repository"], "github.com/acme/app");
    assert!(f["links"]["commit"]
        .as_str()
        .unwrap()
        .starts_with("https://github.com/acme/app/commit/"));
    // As written, the links survive a merge.
    let run = sb.run(&["merge", out.to_str().unwrap(), "-f", "json"]);
    assert_eq!(run.findings()[0]["links"], f["links"]);

    let mut edited = doc.clone();
    let g = &mut edited["findings"][0];
    g["links"]["commit"] = Value::from("https://evil.example/phish");
    g["rule_name"] = Value::from(format!("leaked {u}"));
    g["details"] = serde_json::json!({ format!("k{u}"): "v" });
    let edited_path = sb.write("edited.json", edited.to_string());
    let run = sb.run(&["merge", edited_path.to_str().unwrap(), "-f", "html"]);
    run.expect_code(1);
    assert!(
        !run.stdout.contains("evil.example"),
        "a link elsewhere is dropped"
    );
    assert!(
        !run.all().contains(&u[4..]),
        "tokens in any field are masked"
    );
    let run = sb.run(&["merge", edited_path.to_str().unwrap(), "-f", "json"]);
    assert!(run.findings()[0].get("links").is_none(), "{run}");

    let mut bad_id = doc;
    bad_id["findings"][0]["blob"] = Value::from("not-an-id");
    let bad = sb.write("bad-id.json", bad_id.to_string());
    let run = sb.run(&["merge", bad.to_str().unwrap(), "-f", "json"]);
    run.expect_code(2);
    assert!(run.stderr.contains("object id"), "{run}");
}

#[test]
fn a_token_in_the_remote_is_not_in_the_repository_label() {
    let sb = Sandbox::repo();
    let t = token("ghp", 47);
    let remote = format!("https://github.com/acme/{t}.git");
    sb.git(&["remote", "add", "origin", &remote]);
    sb.write("a.env", format!("X={}\n", token("ghp", 48)));
    sb.commit("add");
    for format in ["json", "text", "csv", "sarif", "html"] {
        let run = sb.run(&["scan", "--git", "-f", format]);
        run.expect_code(1);
        assert!(!run.all().contains(&t[4..]), "{format}:\n{run}");
    }
    let run = sb.run(&["scan", "--git", "-f", "json"]);
    let label = run.findings()[0]["repository"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(label.starts_with("github.com/acme/ghp_"), "{label}");
}

#[test]
fn merge_keeps_skips_by_kind() {
    let sb = Sandbox::new();
    sb.write("big.txt", "x".repeat(5000));
    sb.write("a.env", format!("T={}\n", token("ghp", 49)));
    std::os::unix::fs::symlink("a.env", sb.path("link.env")).unwrap();
    let out = sb.outside("skips.json");
    sb.run(&[
        "scan",
        "--max-file-size",
        "1K",
        "-f",
        "json",
        "-o",
        out.to_str().unwrap(),
    ])
    .expect_code(1);
    let scanned = read_json(&out);
    let kinds = &scanned["summary"]["skipped"];
    assert_eq!(kinds["too large"], 1, "{kinds}");
    assert_eq!(kinds["symlink"], 1, "{kinds}");
    let run = sb.run(&["merge", out.to_str().unwrap(), "-f", "json"]);
    assert_eq!(&run.summary()["skipped"], kinds);
    assert_eq!(
        run.summary()["skipped_paths"],
        scanned["summary"]["skipped_paths"]
    );
}
