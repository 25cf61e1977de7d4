//! gitleaks and Betterleaks configs as patrol rules, through the real binary: the published
//! default configs of both tools (tests/data/peer-configs, MIT) translate, and every rule
//! that translates finds an example made from its own pattern; the translation written out
//! loads back and finds the same; `--rules` reads such a config directly, its semantics
//! (keywords in any case, secretGroup, entropy, allow lists, filters, Go regex quirks) hold,
//! what does not translate is said, and patrol's own checksums still decide for the tokens
//! both know.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::*;
use crate::util::*;

fn peer(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/peer-configs")
        .join(name)
}

fn import_report(sb: &Sandbox, config: &Path, write: Option<&Path>) -> Value {
    let mut args = vec!["rules", "import", s(config), "--format", "json"];
    if let Some(w) = write {
        args.extend(["--write", s(w)]);
    }
    let out = sb.run(&args);
    out.expect_code(0);
    out.json()
}

/// `patrol scan --format json` of the sandbox with `config`'s rules and no built-in rules.
fn scan_with_only(sb: &Sandbox, config: &Path) -> Run {
    sb.run(&[
        "scan",
        "--format",
        "json",
        "--no-builtin-rules",
        "--rules",
        s(config),
        ".",
    ])
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect()
}

/// The published configs: counts, reasons, and every translated rule finding its own example
/// — except a rule whose pattern repeats an earlier rule's (patrol reports a secret once).
#[test]
fn published_configs_translate_and_find_their_examples() {
    let sb = Sandbox::new();
    for (file, dialect, total, at_least) in [
        ("gitleaks-8.30.toml", "gitleaks", 222, 221),
        ("betterleaks-2.0.toml", "Betterleaks", 412, 356),
    ] {
        let out = sb.path(&format!("{file}.patrol.toml"));
        let r = import_report(&sb, &peer(file), Some(out.as_path()));
        assert_eq!(r["dialect"], dialect, "{r:#}");
        assert_eq!(r["rules"], total, "{r:#}");
        let translated = r["translated"].as_u64().unwrap() as usize;
        let skipped = r["not_translated"].as_array().unwrap();
        assert!(translated >= at_least, "{file}: {translated} translated");
        assert_eq!(
            translated + skipped.len(),
            total,
            "{file}: nothing dropped silently"
        );
        for s in skipped {
            assert!(!s["reason"].as_str().unwrap().is_empty(), "{s}");
        }
        let pkcs = skipped.iter().find(|s| s["id"] == "pkcs12-file").unwrap();
        assert!(
            pkcs["reason"].as_str().unwrap().contains("path-only"),
            "{pkcs}"
        );
        // Every rule finds an example of its own pattern, unless it repeats another's.
        let duplicates: BTreeSet<String> = r["notes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["note"].as_str().unwrap().contains("the same pattern as"))
            .map(|n| n["scope"].as_str().unwrap().to_string())
            .collect();
        let missing: BTreeSet<String> = strings(&r["examples_missing"]).into_iter().collect();
        assert_eq!(missing, duplicates, "{file}");
        assert_eq!(
            r["examples_found"].as_u64().unwrap() as usize,
            translated - missing.len()
        );

        // The written file loads as patrol rules and each rule finds its example as a file.
        let written = std::fs::read_to_string(&out).unwrap();
        let doc: toml::Table = toml::from_str(&written).unwrap();
        let rules = doc["rules"].as_array().unwrap();
        assert_eq!(rules.len(), translated - missing.len());
        let dir = sb.mkdir(&format!("examples-{dialect}"));
        let mut want = BTreeSet::new();
        for (i, rule) in rules.iter().enumerate() {
            let id = rule["id"].as_str().unwrap();
            let example = rule["examples"][0].as_str().unwrap();
            let name = rule
                .get("example_path")
                .and_then(|p| p.as_str())
                .map(|p| p.trim_start_matches('/').to_string())
                .unwrap_or_else(|| "example.txt".into());
            let sub = dir.join(format!("{i}"));
            std::fs::create_dir_all(sub.join(&name).parent().unwrap()).unwrap();
            std::fs::write(sub.join(&name), example).unwrap();
            want.insert(id.to_string());
        }
        let scan = sb.run_at(
            &dir,
            &[
                "scan",
                "--format",
                "json",
                "--no-builtin-rules",
                "--rules",
                s(&out),
                ".",
            ],
        );
        scan.expect_code(1);
        let got: BTreeSet<String> = scan
            .findings()
            .iter()
            .map(|f| f["rule"].as_str().unwrap().to_string())
            .collect();
        let lost: Vec<_> = want.difference(&got).collect();
        assert!(lost.is_empty(), "{file}: examples not found: {lost:?}");
        // And beside the built-in rules, as `rules import` says to run it: a built-in rule
        // that reports an example's bytes first (1Password's `ops_` tokens) does not make the
        // file fail to load.
        let beside = sb.run_at(&dir, &["scan", "--format", "json", "--rules", s(&out), "."]);
        beside.expect_code(1);
        // Every example is still reported, by its rule or by the built-in rule that took it.
        let reported: BTreeSet<String> = beside
            .findings()
            .iter()
            .map(|f| f["path"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(reported.len(), rules.len(), "{file}: {beside}");
    }
}

/// A config of our own that exercises each translated feature, read directly by `--rules`.
const CONFIG: &str = r#"
title = "team rules"

[allowlist]
paths = ['''(?:^|/)fixtures/''']
stopwords = ["notreal"]

[[rules]]
id = "acme-key"
description = "Acme API key"
regex = '''\b(acme_[a-z0-9]{24})\b'''
keywords = ["ACME_"]
entropy = 3.0

[[rules]]
id = "Widget.Token"
description = "Widget token, its value in the second group"
regex = '''(?i)(widget)[_-]token\s*[:=]\s*"([A-Za-z0-9]{20})"'''
secretGroup = 2
keywords = ["widget"]

[[rules.allowlists]]
regexTarget = "line"
regexes = ['''#\s*test-only$''']

[[rules]]
id = "templ"
description = "Go's bare { is a literal"
regex = '''tmpl{(T[0-9A-F]{16})}'''
keywords = ["tmpl{"]

[[rules]]
id = "only-in-env"
description = "a rule with a path"
regex = '''ENVKEY=([a-z0-9]{16})'''
path = '''\.env$'''
keywords = ["envkey"]

[[rules]]
id = "tf-file"
description = "a path-only rule"
path = '''\.tfstate$'''
"#;

#[test]
fn rules_flag_reads_a_gitleaks_config() {
    let sb = Sandbox::new();
    let config = sb.write("gitleaks.toml", CONFIG);
    let mut rng = Rng::new(5);
    let acme = format!(
        "acme_{}",
        rng.pick(b"abcdefghijklmnopqrstuvwxyz0123456789", 24)
    );
    let widget = rng.alnum(20);
    let templ = format!("T{}", rng.pick(b"0123456789ABCDEF", 16));
    let envkey = rng.pick(b"abcdefghijklmnopqrstuvwxyz0123456789", 16);
    sb.mkdir("src");
    sb.write(
        "src/app.py",
        format!(
            "# keyword in upper case in the match: ACME_ is 'acme_' in any case\n\
             A = \"{acme}\"\n\
             WIDGET_TOKEN = \"{widget}\"\n\
             low = \"acme_aaaaaaaaaaaaaaaaaaaaaaaa\"\n\
             stop = \"acme_notreal{}\"\n\
             x = 'tmpl{{{templ}}}'\n\
             ENVKEY={envkey}\n",
            rng.pick(b"abcdefghij0123456789", 17)
        ),
    );
    sb.write(
        "src/test_app.py",
        format!("widget_token = \"{}\"  # test-only\n", rng.alnum(20)),
    );
    sb.write("fixtures/keys.py", format!("A = \"{acme}\"\n"));
    sb.write("deploy/.env", format!("ENVKEY={envkey}\n"));

    let out = scan_with_only(&sb, &config);
    out.expect_code(1);
    let f = out.findings();
    let seen: BTreeSet<(String, String)> = f
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want: BTreeSet<(String, String)> = [
        ("acme-key", "src/app.py"),
        ("widget.token", "src/app.py"),
        ("templ", "src/app.py"),
        ("only-in-env", "deploy/.env"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(seen, want, "{out}");
    // secretGroup 2: the value, not the word "widget".
    let w = f.iter().find(|f| f["rule"] == "widget.token").unwrap();
    assert_eq!(w["line"], 3);
    assert!(out.stdout.contains(&widget[..4]) && !out.stdout.contains(&widget));
    // Dropped, and counted: low entropy, a stop word, the global path allow list, the line
    // allow list, the path condition.
    assert_eq!(out.summary()["invalid_hidden"], 5, "{out}");
    // What did not translate is said, with a pointer to the reasons.
    assert!(
        out.stderr.contains("4 of 5 gitleaks rules translated"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("tf-file"), "{}", out.stderr);
    // The same config named in .patrol.toml.
    sb.write(".patrol.toml", "rules = [\"gitleaks.toml\"]\n");
    let again = sb.run(&["scan", "--format", "json", "--no-builtin-rules", "."]);
    again.expect_code(1);
    assert_eq!(again.findings().len(), 4, "{again}");
    let report = sb.run(&["rules", "import", s(&config)]);
    report.expect_code(0);
    assert!(
        report.stdout.contains("tf-file: a path-only rule"),
        "{report}"
    );
    assert!(report.stdout.contains("Widget.Token"), "{report}");
}

/// Betterleaks filters: entropy and required patterns (`!matchesAny`), path allow lists.
#[test]
fn betterleaks_filters_become_gates() {
    let sb = Sandbox::new();
    let config = sb.write(
        "betterleaks.toml",
        r#"
[[rules]]
id = "zed-key"
description = "Zed key"
regex = '''\b(zed_[A-Za-z0-9]{20})\b'''
keywords = ["zed_"]
filter = '''
filter.entropy(finding["secret"]) < 3.0
|| !filter.matchesAny(finding["secret"], ["[0-9]"])
|| matchesAny((attributes["path"] ?? ""), [`(?:^|/)docs/`])
'''
validate = '''http.get("https://example.invalid")'''
"#,
    );
    let mut rng = Rng::new(8);
    let good = format!("zed_{}7", rng.alnum(19));
    let no_digit = format!(
        "zed_{}",
        rng.pick(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJ", 20)
    );
    sb.write(
        "a.txt",
        format!("k = {good}\nn = {no_digit}\nlow = zed_aaaaaaaaaaaaaaaaaaaa\n"),
    );
    sb.write("docs/a.txt", format!("k = {good}\n"));
    let out = scan_with_only(&sb, &config);
    out.expect_code(1);
    let f = out.findings();
    assert_eq!(f.len(), 1, "{out}");
    assert_eq!(f[0]["path"], "a.txt");
    assert_eq!(f[0]["line"], 1);
    let report = sb.run(&["rules", "import", s(&config), "--format", "json"]);
    let r = report.json();
    assert_eq!(r["dialect"], "Betterleaks");
    assert!(r["notes"][0]["note"].as_str().unwrap().contains("validate"));
}

/// A gitleaks rule for GitHub tokens next to patrol's own: a token whose checksum fails is
/// still not reported (patrol's check decides), a real one is reported once, by patrol's rule.
#[test]
fn patrol_checksums_decide_for_tokens_both_know() {
    let sb = Sandbox::new();
    let real = token("ghp", 41);
    let fake = corrupt(&token("ghp", 42));
    sb.write("a.env", format!("GH={real}\nFAKE={fake}\n"));
    let out = scan_json(
        &sb,
        &[
            "--rules",
            s(&peer("gitleaks-8.30.toml")),
            s(&sb.path("a.env")),
        ],
    );
    out.expect_code(1);
    let f = out.findings();
    let rules: Vec<&str> = f.iter().map(|f| f["rule"].as_str().unwrap()).collect();
    assert_eq!(rules, vec!["github.pat.classic"], "{out}");
}

#[test]
fn configs_that_cannot_load_are_errors() {
    let sb = Sandbox::new();
    let only_path = sb.write(
        "only.toml",
        "title = \"x\"\n[[rules]]\nid = \"p\"\npath = '''\\.p12$'''\n",
    );
    let out = sb.run(&["scan", "--rules", s(&only_path), "."]);
    out.expect_code(2);
    assert!(
        out.stderr
            .contains("no rule of this gitleaks config could be translated"),
        "{out}"
    );
    let patrol_file = sb.write(
        "mine.toml",
        "[[rules]]\nid = \"x.y\"\nname = \"x\"\nkeywords = [\"xyz_\"]\npattern = '(?P<secret>xyz_[a-z]{8})'\nexamples = [\"xyz_abcdefgh\"]\n",
    );
    let out = sb.run(&["rules", "import", s(&patrol_file)]);
    out.expect_code(2);
    assert!(
        out.stderr.contains("not a gitleaks or Betterleaks config"),
        "{out}"
    );
}

/// In a history scan a blob's paths are known only after the scan: path conditions and path
/// allow lists of an imported config still decide, once they are.
#[test]
fn path_conditions_hold_in_history() {
    let sb = Sandbox::repo();
    let config = sb.outside("gitleaks.toml");
    std::fs::write(&config, CONFIG).unwrap();
    let mut rng = Rng::new(12);
    let acme = format!(
        "acme_{}",
        rng.pick(b"abcdefghijklmnopqrstuvwxyz0123456789", 24)
    );
    let envkey = rng.pick(b"abcdefghijklmnopqrstuvwxyz0123456789", 16);
    let other = rng.pick(b"abcdefghijklmnopqrstuvwxyz0123456789", 16);
    sb.write("deploy/.env", format!("ENVKEY={envkey}\n"));
    sb.write("src/settings.py", format!("ENVKEY={other}\n"));
    sb.write("fixtures/keys.py", format!("A = \"{acme}\"\n"));
    sb.commit("add files");
    let out = sb.run(&[
        "scan",
        "--git",
        "--format",
        "json",
        "--no-builtin-rules",
        "--rules",
        s(&config),
        ".",
    ]);
    out.expect_code(1);
    let got: Vec<(String, String)> = out
        .findings()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![("only-in-env".to_string(), "deploy/.env".to_string())],
        "{out}"
    );
}

/// A config is text from wherever the user got it (or from the scanned repository, through
/// its settings): a rule id holding a token is redacted in the warning that names it.
#[test]
fn warnings_about_a_config_do_not_leak_what_it_holds() {
    let sb = Sandbox::new();
    let t = token("ghp", 61);
    let config = sb.write(
        "gitleaks.toml",
        format!(
            "title = \"x\"\n[[rules]]\nid = \"p-{t}\"\npath = '''\\.p12$'''\n\n\
             [[rules]]\nid = \"ok\"\nregex = '''okk_[a-z]{{8}}'''\nkeywords = [\"okk_\"]\n"
        ),
    );
    sb.write("a.txt", "nothing\n");
    let out = sb.run(&["scan", "--rules", s(&config), "a.txt"]);
    out.expect_code(0);
    assert!(
        out.stderr.contains("1 of 2 gitleaks rules translated"),
        "{out}"
    );
    assert!(!out.all().contains(&t), "{out}");
    for format in ["text", "json"] {
        let report = sb.run(&["rules", "import", s(&config), "--format", format]);
        report.expect_code(0);
        assert!(report.all().contains("path-only"), "{report}");
        assert!(!report.all().contains(&t), "{format}: {report}");
    }
}
