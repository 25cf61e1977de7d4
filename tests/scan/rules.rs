//! Rule files: loading, errors, user rules, `patrol rules`.

use super::*;
use crate::util::*;

#[test]
fn rules_list_shows_the_catalog() {
    let sb = Sandbox::new();
    let out = sb.run(&["rules", "list", "--format", "json"]);
    out.expect_code(0);
    let list: Vec<serde_json::Value> = serde_json::from_str(&out.stdout).unwrap();
    let field = |id: &str, key: &str| {
        list.iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("{id} not listed"))[key]
            .clone()
    };
    for id in ALL_RULES {
        assert_eq!(field(id, "provider"), "GitHub", "{id}");
    }
    // The catalog beyond GitHub: at least 60 formats, most with a proof beyond their shape.
    let beyond: Vec<_> = list.iter().filter(|r| r["provider"] != "GitHub").collect();
    assert!(beyond.len() >= 60, "{} rules beyond GitHub", beyond.len());
    let providers: std::collections::BTreeSet<_> = beyond
        .iter()
        .map(|r| r["provider"].as_str().unwrap())
        .collect();
    assert!(providers.len() >= 40, "{providers:?}");
    assert_eq!(field("npm.access-token", "validation"), "crc32");
    assert_eq!(field("npm.access-token", "grade"), "checksum");
    assert_eq!(field("azure.storage-key", "validation"), "marvin32");
    assert_eq!(field("private-key.pem", "grade"), "structure");
    assert_eq!(field("aws.secret-access-key", "context"), 160);
    assert!(field("npm.access-token", "context").is_null());
    assert!(field("npm.access-token", "keywords")
        .as_array()
        .unwrap()
        .contains(&"npm_".into()));

    // The table: a header, then one line per rule with its provider, check and grade.
    let out = sb.run(&["rules", "list"]);
    out.expect_code(0);
    assert_eq!(out.stdout.lines().count(), list.len() + 1, "{out}");
    let classic_line = out
        .stdout
        .lines()
        .find(|l| l.starts_with("github.pat.classic "))
        .unwrap();
    for want in ["GitHub", "github-crc32", "checksum"] {
        assert!(classic_line.contains(want), "{classic_line}");
    }
    let aws_line = out
        .stdout
        .lines()
        .find(|l| l.starts_with("aws.secret-access-key "))
        .unwrap();
    assert!(aws_line.contains("160 B"), "{aws_line}");
}

const ACME_RULE: &str = r#"
[[rules]]
id = "acme.api_key"
name = "Acme API key"
keywords = ["acme_"]
pattern = '(?P<secret>acme_[a-z0-9]{24})'
examples = ["ACME_KEY=acme_0123456789abcdefghijklmn"]
negatives = ["acme_short"]
"#;

#[test]
fn rules_check_passes_good_file_and_fails_bad_example() {
    let sb = Sandbox::new();
    let good = sb.write("good.toml", ACME_RULE);
    let out = sb.run(&["rules", "check", good.to_str().unwrap()]);
    out.expect_code(0);
    assert_eq!(out.stdout, "1 rules checked, 0 problems\n", "{out}");

    let bad = sb.write(
        "bad.toml",
        ACME_RULE.replace("acme_0123456789abcdefghijklmn", "acme_TOO_SHORT"),
    );
    let out = sb.run(&["rules", "check", bad.to_str().unwrap()]);
    out.expect_code(2);
    assert!(out.stdout.contains("1 rules checked, 1 problems"), "{out}");
    assert!(out.stderr.contains("bad.toml"), "{out}");
    assert!(out.stderr.contains("'acme.api_key'"), "{out}");
    assert!(out.stderr.contains("example 1 is not found"), "{out}");

    let neg = sb.write(
        "neg.toml",
        ACME_RULE.replace("\"acme_short\"", "\"x acme_abcdefghijklmnopqrstuvwx\""),
    );
    let out = sb.run(&["rules", "check", neg.to_str().unwrap()]);
    out.expect_code(2);
    assert!(out.stderr.contains("negative example 1 is found"), "{out}");

    // A clash with a built-in id.
    let clash = sb.write("clash.toml", ACME_RULE.replace("acme.api_key", CLASSIC));
    let out = sb.run(&["rules", "check", clash.to_str().unwrap()]);
    out.expect_code(2);
    assert!(out.stderr.contains("duplicate id"), "{out}");

    sb.run(&["rules", "check"]).expect_code(2);
}

#[test]
fn custom_rule_from_rules_flag_finds_its_token() {
    let mut rng = Rng::new(26);
    let key = format!(
        "acme_{}",
        rng.pick(b"abcdefghijklmnopqrstuvwxyz0123456789", 24)
    );
    let ghp = classic("ghp", &mut rng);
    let sb = Sandbox::new();
    let rules = sb.write("rules/acme.toml", ACME_RULE);
    let env = format!("ACME_KEY={key}\nGITHUB_TOKEN={ghp}\n");
    sb.write("src/app.env", &env);
    let rules = rules.to_str().unwrap();

    let out = scan_json(&sb, &["--rules", rules, "src"]);
    out.expect_code(1);
    let f = out.findings();
    assert_eq!(f.len(), 2, "{out}");
    let a = finding_for(&f, "acme.api_key", &key);
    assert_eq!(a["line"], 1);
    assert_eq!(a["column"], 10);
    assert_eq!(a["offset"], 9);
    assert_eq!(a["rule_name"], "Acme API key");
    assert_eq!(a["validation"], "structure-valid");
    assert_found(&f, CLASSIC, &ghp, "src/app.env", (2, 14, 52));
    assert_eq!(locate(&env, &ghp), (2, 14, 52));

    // A directory of rule files works too; --no-builtin-rules drops the GitHub rules.
    let out = scan_json(
        &sb,
        &[
            "--rules",
            sb.path("rules").to_str().unwrap(),
            "--no-builtin-rules",
            "src",
        ],
    );
    out.expect_code(1);
    let f = out.findings();
    assert_eq!(f.len(), 1, "{out}");
    assert_eq!(f[0]["rule"], "acme.api_key");

    let builtin = sb.run(&["rules", "list"]).stdout.lines().count();
    let out = sb.run(&["rules", "list", "--rules", rules]);
    out.expect_code(0);
    assert_eq!(out.stdout.lines().count(), builtin + 1, "{out}");
    assert!(out.stdout.contains("acme.api_key"), "{out}");

    // Without --rules the key is not a finding.
    let out = scan_json(&sb, &["src"]);
    assert_eq!(out.findings().len(), 1, "{out}");
}

#[test]
fn user_rule_whose_example_fails_is_refused_at_scan_time() {
    let sb = Sandbox::new();
    sb.write("a.txt", "x\n");
    let bad = sb.write(
        "bad.toml",
        ACME_RULE.replace("acme_0123456789abcdefghijklmn", "acme_TOO_SHORT"),
    );
    let out = sb.run(&["scan", "--rules", bad.to_str().unwrap(), "a.txt"]);
    out.expect_code(2);
    assert!(out.stderr.contains("bad.toml"), "{out}");
    assert!(out.stderr.contains("'acme.api_key'"), "{out}");
    assert!(out.stderr.contains("example 1 is not found"), "{out}");
}
