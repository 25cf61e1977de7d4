//! SARIF output through the real binary: valid against the official SARIF 2.1.0 schema, in the
//! shape GitHub code scanning needs, without secrets, with fingerprints that survive moves, and
//! with commits on history findings.

mod gitutil;

use gitutil::{fingerprint, token, Repo, Run};
use serde_json::Value;

const SCHEMA: &str = include_str!("data/sarif-schema-2.1.0.json");

fn validate(doc: &Value) {
    let errors = schema_errors(doc);
    assert!(
        errors.is_empty(),
        "SARIF does not validate:\n{}",
        errors.join("\n")
    );
}

fn schema_errors(doc: &Value) -> Vec<String> {
    let mut schema: Value = serde_json::from_str(SCHEMA).unwrap();
    // rtm.5's `language` patterns (on `run` and `toolComponent`) have a stray `]`
    // (`…-[a-zA-Z]{2}]?$`), which the validator's check of the schema itself rejects as a
    // regex. Put the pattern that was meant: two letters, optionally `-` and two more.
    for def in ["run", "toolComponent"] {
        let language = &mut schema["definitions"][def]["properties"]["language"]["pattern"];
        assert_eq!(language, "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$");
        *language = Value::from("^[a-zA-Z]{2}(-[a-zA-Z]{2})?$");
    }
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema compiles");
    validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

fn sarif(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{run}"))
}

#[test]
fn file_scan_sarif_validates_and_has_what_code_scanning_needs() {
    let r = Repo::new();
    let (a, b) = (token("ghp", 1), token("gho", 2));
    r.write(
        "config/dir with space/app.env",
        format!("# é\nTOKEN=\"{a}\"\n"),
    );
    r.write("src/x.py", format!("k = '{b}'\n"));
    let run = r.patrol(&["scan", "--format", "sarif"]);
    run.expect_code(1);
    let doc = sarif(&run);
    validate(&doc);
    assert_eq!(doc["version"], "2.1.0");
    let runs = doc["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "patrol");
    let rules: Vec<&str> = driver["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        ["github.oauth", "github.pat.classic"],
        "only rules that fired"
    );
    for rule in driver["rules"].as_array().unwrap() {
        let help = rule["help"]["text"].as_str().unwrap();
        for word in ["Revoke", "history"] {
            assert!(help.contains(word), "help lacks {word}: {help}");
        }
        assert!(!rule["fullDescription"]["text"].as_str().unwrap().is_empty());
        assert_eq!(rule["properties"]["security-severity"], "9.0");
    }
    let results = runs[0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    let env = results
        .iter()
        .find(|r| r["ruleId"] == "github.pat.classic")
        .unwrap();
    let loc = &env["locations"][0]["physicalLocation"];
    assert_eq!(
        loc["artifactLocation"]["uri"],
        "config/dir%20with%20space/app.env"
    );
    assert_eq!(loc["region"]["startLine"], 2);
    assert_eq!(loc["region"]["startColumn"], 8);
    assert_eq!(loc["region"]["endColumn"], 8 + 40);
    assert_eq!(
        env["partialFingerprints"]["patrolSecretHash/v1"],
        fingerprint(&a).trim_start_matches("sha256:")
    );
    assert!(env["message"]["text"]
        .as_str()
        .unwrap()
        .contains("GitHub personal access token (classic)"));
    for t in [&a, &b] {
        assert!(!run.stdout.contains(t.as_str()), "secret in SARIF");
        assert!(!run.stdout.contains(&t[..12]), "secret prefix in SARIF");
    }
}

#[test]
fn fingerprints_do_not_change_when_the_line_moves() {
    let r = Repo::new();
    let a = token("ghu", 3);
    r.write("a.env", format!("A={a}\n"));
    let before = sarif(&r.patrol(&["scan", "--format", "sarif"]));
    r.write("a.env", format!("# new\n# lines\n\n   A={a}\n"));
    let after = sarif(&r.patrol(&["scan", "--format", "sarif"]));
    let fp = |d: &Value| d["runs"][0]["results"][0]["partialFingerprints"].clone();
    assert_eq!(fp(&before), fp(&after));
    assert_ne!(
        before["runs"][0]["results"][0]["locations"],
        after["runs"][0]["results"][0]["locations"]
    );
}

#[test]
fn history_sarif_carries_the_commit_and_validates() {
    let r = Repo::new();
    let a = token("ghp", 4);
    r.write("deploy/.env", format!("GH_TOKEN={a}\n"));
    let c = r.commit("add deploy env");
    std::fs::remove_file(r.root().join("deploy/.env")).unwrap();
    r.commit("remove it");
    r.git(&[
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        &format!("oops {}", token("ghp", 5)),
    ]);
    let run = r.patrol(&["scan", "--git", "--format", "sarif"]);
    run.expect_code(1);
    let doc = sarif(&run);
    validate(&doc);
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "{doc:#}");
    let file = results
        .iter()
        .find(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "deploy/.env")
        .expect("the file finding");
    assert_eq!(file["properties"]["commit"]["id"], c);
    assert_eq!(file["properties"]["commit"]["summary"], "add deploy env");
    assert_eq!(file["properties"]["unreachable"], false);
    let msg = results.iter().find(|r| r != &file).unwrap();
    let uri = msg["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .unwrap();
    assert!(uri.starts_with(".patrol/commit-message/"), "{uri}");
}

#[test]
fn an_empty_scan_is_valid_sarif() {
    let r = Repo::new();
    r.write("a.txt", "nothing here\n");
    let run = r.patrol(&["scan", "--format", "sarif"]);
    run.expect_code(0);
    let doc = sarif(&run);
    validate(&doc);
    assert_eq!(doc["runs"][0]["results"].as_array().unwrap().len(), 0);

    // The validator does reject what code scanning would: a region starting at line 0, a
    // result without a message.
    let mut bad = doc.clone();
    bad["runs"][0]["results"] = serde_json::json!([{
        "ruleId": "x",
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a"}, "region": {"startLine": 0}}}]
    }]);
    assert!(schema_errors(&bad).len() >= 2, "{:?}", schema_errors(&bad));
}
