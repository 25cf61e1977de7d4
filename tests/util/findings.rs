//! Assertions on the findings of patrol's JSON reports.

use std::collections::BTreeSet;

use serde_json::Value;

use super::tokens::{fingerprint, redacted_n};

/// The finding of `rule` whose fingerprint is that of `secret`; panics unless exactly one.
#[track_caller]
pub fn finding_for<'a>(findings: &'a [Value], rule: &str, secret: &str) -> &'a Value {
    let fp = fingerprint(secret);
    let hits: Vec<&Value> = findings
        .iter()
        .filter(|f| f["rule"] == rule && f["fingerprint"] == fp.as_str())
        .collect();
    assert_eq!(
        hits.len(),
        1,
        "want exactly one {rule} finding for {}; findings: {}",
        redacted_n(secret, 4),
        serde_json::to_string_pretty(findings).unwrap()
    );
    hits[0]
}

/// Asserts that `secret` was found by `rule` in `path` at (line, column, offset), exactly once.
#[track_caller]
pub fn assert_found(
    findings: &[Value],
    rule: &str,
    secret: &str,
    path: &str,
    (line, column, offset): (u64, u64, u64),
) {
    let fp = fingerprint(secret);
    let hits: Vec<&Value> = findings
        .iter()
        .filter(|f| f["rule"] == rule && f["fingerprint"] == fp.as_str() && f["path"] == path)
        .collect();
    assert_eq!(
        hits.len(),
        1,
        "want exactly one {rule} finding in {path} for {}; findings: {}",
        redacted_n(secret, 4),
        serde_json::to_string_pretty(findings).unwrap()
    );
    let f = hits[0];
    assert_eq!(f["line"], line, "line of {rule} finding: {f}");
    assert_eq!(f["column"], column, "column of {rule} finding: {f}");
    assert_eq!(f["offset"], offset, "offset of {rule} finding: {f}");
}

/// Findings whose fingerprint is that of `token`.
pub fn with_token<'a>(findings: &'a [Value], token: &str) -> Vec<&'a Value> {
    let fp = fingerprint(token);
    findings.iter().filter(|f| f["fingerprint"] == fp).collect()
}

/// The set of fingerprints among `findings`.
pub fn fingerprints(findings: &[Value]) -> BTreeSet<String> {
    findings
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap().to_string())
        .collect()
}

/// The set of fingerprints of `tokens`.
pub fn fps(tokens: &[&str]) -> BTreeSet<String> {
    tokens.iter().map(|t| fingerprint(t)).collect()
}

/// A history finding reduced to the facts that must not depend on how objects are stored.
pub fn history_key(f: &Value) -> String {
    format!(
        "{} {} {} {} commits={} other={} unreachable={} line={} col={}",
        f["path"],
        f["fingerprint"],
        f["blob"],
        f["commit"]["id"],
        f["commits"],
        f["other_paths"],
        f["unreachable"],
        f["line"],
        f["column"]
    )
}

pub fn history_keys(findings: &[Value]) -> BTreeSet<String> {
    findings.iter().map(history_key).collect()
}
