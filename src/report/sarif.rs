//! SARIF 2.1.0, the format GitHub code scanning (and other tools) ingest.
//!
//! One run. The driver lists every rule that fired, with help on what to do about a leak.
//! Each result names the token type, never the token; its location is repository-relative;
//! `partialFingerprints` come from the secret's fingerprint, not from the line, so moving code
//! does not make code scanning see a new alert. History findings carry their commit in the
//! result's `properties`. Columns count Unicode code points, as patrol's do.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::{json, Value};

use super::Outcome;
use crate::config::ReportConfig;
use crate::finding::{Finding, Origin};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI: &str = "https://github.com/patrol-scanner/patrol";

/// What to do about a leaked token, for every rule's help text.
const REMEDIATION: &str = "A leaked token grants its access to anyone who reads it. \
1. Revoke it at the provider now (for GitHub tokens: `patrol revoke`, or the token's settings \
page); revoking is what ends the exposure. \
2. Create a replacement and store it in a secret manager or the CI system's secrets, not in \
the repository. \
3. Remove it from the code, and, because git history keeps every version, purge it from \
history (git filter-repo) and from forks, caches and archives if the repository is shared. \
4. Check the provider's audit log for use of the token while it was exposed.";

pub fn write(out: &mut dyn Write, outcome: &Outcome, cfg: &ReportConfig) -> io::Result<()> {
    let descriptions = rule_descriptions();
    // Rules that fired, in a stable order; results refer to them by index.
    let mut rules: BTreeMap<&str, &Finding> = BTreeMap::new();
    for f in &outcome.findings {
        rules.entry(f.rule.as_str()).or_insert(f);
    }
    let index: BTreeMap<&str, usize> = rules.keys().enumerate().map(|(i, k)| (*k, i)).collect();
    let driver_rules: Vec<Value> = rules
        .values()
        .map(|f| {
            let full = descriptions
                .get(f.rule.as_str())
                .filter(|d| !d.is_empty())
                .cloned()
                .unwrap_or_else(|| f.rule_name.clone());
            json!({
                "id": f.rule,
                "name": pascal(&f.rule),
                "shortDescription": {"text": f.rule_name},
                "fullDescription": {"text": full},
                "help": {
                    "text": REMEDIATION,
                    "markdown": format!("**{}**\n\n{}", f.rule_name, REMEDIATION),
                },
                "defaultConfiguration": {"level": "error"},
                "properties": {
                    "tags": ["security", "secret"],
                    "precision": "very-high",
                    "security-severity": "9.0",
                },
            })
        })
        .collect();
    let results: Vec<Value> = outcome
        .findings
        .iter()
        .map(|f| result(f, index[f.rule.as_str()], cfg.show_secrets))
        .collect();
    let doc = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "patrol",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": INFORMATION_URI,
                "rules": driver_rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

fn result(f: &Finding, rule_index: usize, show_secrets: bool) -> Value {
    let what = if show_secrets {
        format!(" `{}`", f.secret.expose())
    } else {
        String::new()
    };
    let mut message = format!(
        "{}{what} ({}): revoke it and remove it from the code and history.",
        f.rule_name,
        f.validation.as_str()
    );
    if let Some(v) = &f.verification {
        message.push_str(&format!(" Liveness: {}.", v.summary()));
    }
    let end_column = f.column + f.secret.expose().chars().count() as u64;
    let mut result = json!({
        "ruleId": f.rule,
        "ruleIndex": rule_index,
        "level": "error",
        "message": {"text": message},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": artifact_uri(f), "uriBaseId": "%SRCROOT%"},
            "region": {
                "startLine": f.line,
                "startColumn": f.column,
                "endLine": f.line,
                "endColumn": end_column,
                "byteOffset": f.offset,
                "byteLength": f.secret.expose().len(),
            },
        }}],
        "partialFingerprints": {
            "patrolSecretHash/v1": f.fingerprint.as_str().trim_start_matches("sha256:"),
        },
    });
    let mut props = serde_json::Map::new();
    props.insert("validation".into(), json!(f.validation.as_str()));
    if !f.details.is_empty() {
        let d: serde_json::Map<String, Value> = f
            .details
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        props.insert("details".into(), Value::Object(d));
    }
    match &f.origin {
        Origin::Blob { id, .. } => {
            props.insert("blob".into(), json!(id));
        }
        Origin::Message { id, kind } => {
            props.insert("messageOf".into(), json!({"kind": kind, "id": id}));
        }
        _ => {}
    }
    if let Some(p) = &f.provenance {
        if let Some(c) = &p.commit {
            props.insert(
                "commit".into(),
                json!({"id": c.id, "author": c.author, "date": c.date, "summary": c.summary}),
            );
        }
        props.insert("commits".into(), json!(p.commits));
        props.insert("otherPaths".into(), json!(p.other_paths));
        props.insert("unreachable".into(), json!(p.unreachable));
    }
    if let Some(v) = &f.verification {
        props.insert("verification".into(), v.to_json());
    }
    result["properties"] = Value::Object(props);
    result
}

/// A repository-relative URI reference: forward slashes, no leading `./`, percent-encoded.
/// Inputs without a path (stdin, commit messages, dangling blobs) get a placeholder under
/// `.patrol/`, which code scanning shows but cannot open.
fn artifact_uri(f: &Finding) -> String {
    let path = match &f.origin {
        Origin::File(p) => p.to_string_lossy().replace('\\', "/"),
        Origin::Staged { path } => path.clone(),
        Origin::Blob { path: Some(p), .. } => p.clone(),
        Origin::Blob { id, path: None } => format!(".patrol/blob/{id}"),
        Origin::Message { id, kind } => format!(".patrol/{kind}-message/{id}"),
        Origin::Stdin => ".patrol/stdin".to_string(),
    };
    let path = path.trim_start_matches("./").trim_start_matches('/');
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `github.pat.classic` -> `GithubPatClassic`: SARIF rule names are identifier-like.
fn pascal(id: &str) -> String {
    id.split(['.', '_', '-'])
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// Descriptions of the built-in rules, by id (user rules fall back to their name).
fn rule_descriptions() -> BTreeMap<String, String> {
    crate::rules::load_rules(true, &[] as &[&str])
        .map(|set| {
            set.rules
                .into_iter()
                .map(|r| (r.id, r.description.trim().replace('\n', " ")))
                .collect()
        })
        .unwrap_or_default()
}
