//! SARIF checks: the official SARIF 2.1.0 schema (tests/data/sarif-schema-2.1.0.json),
//! compiled once, and accessors for the parts of a log the tests look at.

use std::path::Path;
use std::sync::OnceLock;

use serde_json::Value;

use super::tokens::fingerprint;

/// The schema compiled twice: under draft-04, the draft it declares; and under draft-07,
/// whose `uri-reference` format (new in draft 6, ignored by a draft-04 validator) checks
/// `artifactLocation.uri`. The schema's other keywords mean the same in both drafts.
fn validators() -> &'static [jsonschema::Validator; 2] {
    static V: OnceLock<[jsonschema::Validator; 2]> = OnceLock::new();
    V.get_or_init(|| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sarif-schema-2.1.0.json");
        let text = std::fs::read_to_string(&path).expect("the SARIF schema file");
        let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
        assert_eq!(schema["$schema"], "http://json-schema.org/draft-04/schema#");
        [
            jsonschema::draft4::options()
                .should_validate_formats(true)
                .build(&schema)
                .expect("the SARIF schema compiles (draft-04)"),
            jsonschema::draft7::options()
                .should_validate_formats(true)
                .build(&schema)
                .expect("the SARIF schema compiles (draft-07)"),
        ]
    })
}

/// Panics with every schema violation, each with its JSON pointer.
#[track_caller]
pub fn assert_schema_valid(log: &Value) {
    let mut errors: Vec<String> = Vec::new();
    for (draft, v) in ["draft-04", "draft-07"].iter().zip(validators()) {
        errors.extend(
            v.iter_errors(log)
                .map(|e| format!("{draft}: {} at {}", e, e.instance_path())),
        );
    }
    assert!(
        errors.is_empty(),
        "SARIF log violates the 2.1.0 schema:\n{}\n{}",
        errors.join("\n"),
        serde_json::to_string_pretty(log).unwrap()
    );
}

/// Every string in `v`, keys included, as parsed (escapes decoded).
pub fn all_strings(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            Value::String(s) => out.push(s.clone()),
            Value::Array(a) => stack.extend(a),
            Value::Object(o) => {
                for (k, v) in o {
                    out.push(k.clone());
                    stack.push(v);
                }
            }
            _ => {}
        }
    }
    out
}

/// The one run of a log.
#[track_caller]
pub fn sarif_run(log: &Value) -> &Value {
    let runs = log["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1, "one run");
    &runs[0]
}

pub fn results(log: &Value) -> Vec<Value> {
    sarif_run(log)["results"]
        .as_array()
        .expect("results")
        .clone()
}

pub fn rule_ids(log: &Value) -> Vec<String> {
    sarif_run(log)["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

/// The result whose secret is `secret` (by its fingerprint property).
#[track_caller]
pub fn result_for(log: &Value, secret: &str) -> Value {
    let fp = fingerprint(secret);
    let found: Vec<Value> = results(log)
        .into_iter()
        .filter(|r| r["properties"]["fingerprint"] == fp.as_str())
        .collect();
    assert_eq!(found.len(), 1, "one result for the secret in\n{log:#}");
    found[0].clone()
}

pub fn location(result: &Value) -> &Value {
    &result["locations"][0]["physicalLocation"]
}

pub fn uri(result: &Value) -> String {
    location(result)["artifactLocation"]["uri"]
        .as_str()
        .expect("uri")
        .to_string()
}

pub fn partial_fingerprint(result: &Value) -> String {
    result["partialFingerprints"]["patrolSecretHash/v1"]
        .as_str()
        .expect("partial fingerprint")
        .to_string()
}
