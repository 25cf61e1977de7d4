//! Report formats: text, json, jsonl, csv.

use serde_json::Value;

use super::*;
use crate::util::*;

#[test]
fn json_document_shape() {
    let mut rng = Rng::new(22);
    let ghp = classic("ghp", &mut rng);
    let sl = stateless_at(3, IAT, EXP, &mut rng);
    let sb = Sandbox::new();
    let a = format!("GITHUB_TOKEN={ghp}\n");
    let b = format!("x\ny = \"{sl}\"\n");
    sb.write("a.env", &a);
    sb.write("d/b.py", &b);
    sb.write("c.txt", "clean\n");

    let out = scan_json(&sb, &["."]);
    out.expect_code(1);
    let doc = out.json();
    assert_eq!(doc["version"], 1, "{out}");
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 2);
    for f in findings {
        for (key, ok) in [
            ("rule", f["rule"].is_string()),
            ("rule_name", f["rule_name"].is_string()),
            ("path", f["path"].is_string()),
            ("line", f["line"].is_u64()),
            ("column", f["column"].is_u64()),
            ("offset", f["offset"].is_u64()),
            ("secret", f["secret"].is_string()),
            ("redacted", f["redacted"].is_boolean()),
            ("fingerprint", f["fingerprint"].is_string()),
            ("validation", f["validation"].is_string()),
            ("details", f["details"].is_object()),
            ("binary", f["binary"].is_boolean()),
        ] {
            assert!(ok, "field {key} missing or mistyped in {f}");
        }
        let fp = f["fingerprint"].as_str().unwrap();
        assert!(fp.starts_with("sha256:") && fp.len() == 7 + 64, "{fp}");
    }
    // Sorted by path then offset.
    assert_eq!(findings[0]["path"], "a.env");
    assert_eq!(findings[1]["path"], "d/b.py");
    assert_eq!(
        findings[0]["rule_name"],
        "GitHub personal access token (classic)"
    );
    assert_eq!(findings[0]["details"], serde_json::json!({}));
    assert_eq!(findings[1]["details"]["app_id"], "3");
    assert_found(findings, STATELESS, &sl, "d/b.py", (2, 6, 7));

    let s = &doc["summary"];
    assert_eq!(s["files"], 3, "{out}");
    assert_eq!(s["bytes"], (a.len() + b.len() + "clean\n".len()) as u64);
    assert_eq!(s["findings"], 2);
    assert_eq!(s["errors"], serde_json::json!([]));
}

#[test]
fn jsonl_one_object_per_finding() {
    let mut rng = Rng::new(23);
    let toks: Vec<String> = (0..3).map(|_| classic("gho", &mut rng)).collect();
    let sb = Sandbox::new();
    let text = format!("a: {}\nb: {}\nc: {}\n", toks[0], toks[1], toks[2]);
    sb.write("t.yaml", &text);
    let out = sb.run(&["scan", "--format", "jsonl", "t.yaml"]);
    out.expect_code(1);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(out.stdout.ends_with('\n'));
    for (i, l) in lines.iter().enumerate() {
        let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
        assert!(v.is_object());
        assert!(v.get("summary").is_none());
        assert_eq!(v["rule"], OAUTH);
        assert_eq!(v["line"], i as u64 + 1);
        assert_eq!(v["column"], 4);
        assert_eq!(v["offset"], locate(&text, &toks[i]).2);
        assert_eq!(v["fingerprint"], fingerprint(&toks[i]));
    }

    sb.write("clean.txt", "x\n");
    let out = sb.run(&["scan", "-f", "jsonl", "clean.txt"]);
    out.expect_code(0);
    assert_eq!(out.stdout, "");
}

#[test]
fn output_flag_writes_report_to_file() {
    let mut rng = Rng::new(24);
    let tok = classic("ghp", &mut rng);
    let sb = Sandbox::new();
    sb.write("a.env", format!("GITHUB_TOKEN={tok}\n"));
    let dest = tempfile::tempdir().unwrap();
    let report = dest.path().join("report.json");
    let out = sb.run(&[
        "scan",
        "--format",
        "json",
        "--output",
        report.to_str().unwrap(),
        "a.env",
    ]);
    out.expect_code(1);
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr, "",
        "a machine format's stderr is errors only: {out}"
    );
    let text_report = dest.path().join("report.txt");
    let text = sb.run(&["scan", "--output", text_report.to_str().unwrap(), "a.env"]);
    assert_eq!(text.stdout, "");
    assert!(
        text.stderr.contains("1 finding"),
        "the text summary still on stderr: {text}"
    );
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_found(
        doc["findings"].as_array().unwrap(),
        CLASSIC,
        &tok,
        "a.env",
        (1, 14, 13),
    );

    // -o and text format; and -q silences the summary.
    let txt = dest.path().join("report.txt");
    let out = sb.run(&["scan", "-q", "-o", txt.to_str().unwrap(), "a.env"]);
    out.expect_code(1);
    assert_eq!(out.stdout, "");
    assert_eq!(out.stderr, "");
    let written = std::fs::read_to_string(&txt).unwrap();
    assert!(written.starts_with("a.env\n  1:14  "), "{written}");

    // An unwritable report path is an error.
    let out = sb.run(&["scan", "-o", "/nonexistent-dir/x/report.txt", "a.env"]);
    out.expect_code(2);
    assert!(out.stderr.contains("cannot create report file"), "{out}");
}

/// CSV for spreadsheets: a header, one row per finding, RFC 4180 quoting, and no cell a
/// spreadsheet would run as a formula — file names and commit summaries come from the
/// repository, and `=HYPERLINK(…)` in one must stay text.
#[test]
fn csv_rows_are_quoted_and_never_formulas() {
    let r = Sandbox::repo();
    let (a, b) = (token("ghp", 950), token("gho", 951));
    r.write("=HYPERLINK(\"x\",\"a,b\").env", format!("T={a}\n"));
    r.write("plain.env", format!("T={b}\n"));
    r.commit("=cmd|' /C calc'!A0");
    let run = r.run(&["scan", "--git", "--format", "csv"]);
    run.expect_code(1);
    let out = &run.stdout;
    assert!(
        !out.contains(a.as_str()) && !out.contains(b.as_str()),
        "{run}"
    );
    let lines: Vec<&str> = out.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 3, "{run}");
    assert!(
        lines[0].starts_with("path,line,column,rule,"),
        "{}",
        lines[0]
    );
    let hostile = lines.iter().find(|l| l.contains("HYPERLINK")).unwrap();
    assert!(
        hostile.starts_with("\"'=HYPERLINK(\"\"x\"\",\"\"a,b\"\").env\","),
        "{hostile}"
    );
    // The summary cell is neutralised too, in both rows.
    for row in &lines[1..] {
        assert!(row.contains(",'=cmd|' /C calc'!A0,"), "{row}");
        assert!(!row.contains(",=cmd"), "{row}");
    }
}
