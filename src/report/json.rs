//! Machine-readable reports: `json` (one document: findings and summary) and `jsonl` (one
//! finding per line). Field names are documented in README.md and stable.

use std::io::{self, Write};

use serde_json::{json, Map, Value};

use super::ReportOptions;
use crate::finding::{Finding, Origin};
use crate::scan::Outcome;

/// Format version of the JSON document; bumped only on incompatible changes.
pub(crate) const JSON_VERSION: u32 = 1;

pub(crate) fn finding_value(f: &Finding, show_secrets: bool) -> Value {
    let details: Map<String, Value> = f
        .details
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let mut v = json!({
        "rule": f.rule,
        "rule_name": f.rule_name,
        "path": f.origin.display_path(),
        "line": f.line,
        "column": f.column,
        "offset": f.offset,
        "secret": f.secret.shown(show_secrets),
        "redacted": !show_secrets,
        "fingerprint": f.fingerprint.as_str(),
        "validation": f.validation.as_str(),
        "details": details,
        "binary": f.binary,
    });
    let obj = v.as_object_mut().expect("an object");
    match &f.origin {
        Origin::Blob { id, .. } => {
            obj.insert("blob".into(), json!(id));
        }
        Origin::Message { id, kind } => {
            obj.insert("message_of".into(), json!({ "kind": kind, "id": id }));
        }
        _ => {}
    }
    if let Some(v) = &f.verification {
        obj.insert("verification".into(), v.to_json());
    }
    if let Some(p) = &f.provenance {
        obj.insert(
            "commit".into(),
            p.commit.as_ref().map_or(
                Value::Null,
                |c| json!({"id": c.id, "author": c.author, "date": c.date, "summary": c.summary}),
            ),
        );
        obj.insert("commits".into(), json!(p.commits));
        obj.insert("other_paths".into(), json!(p.other_paths));
        obj.insert("unreachable".into(), json!(p.unreachable));
    }
    v
}

fn summary_value(o: &Outcome) -> Value {
    let skipped: Map<String, Value> = o
        .skip_counts()
        .into_iter()
        .map(|(k, n)| (k.to_string(), json!(n)))
        .collect();
    json!({
        "files": o.files,
        "bytes": o.bytes,
        "elapsed_ms": o.elapsed.as_millis() as u64,
        "findings": o.findings.len(),
        "invalid_hidden": o.invalid,
        "suppressed": o.suppressed,
        "skipped": skipped,
        "skipped_paths": o.skipped.iter().map(|(p, r)| json!({"path": p, "reason": r.to_string()})).collect::<Vec<_>>(),
        "errors": o.errors.iter().map(|p| json!({"path": p.path, "error": p.message})).collect::<Vec<_>>(),
        "lfs_pointers": o.lfs_pointers,
        "allowed_by_config": o.allowed,
        "baselined": o.baselined,
        "baseline_unused": o.baseline_unused.as_ref().map(|u| u.iter().map(|e| json!({"fingerprint": e.fingerprint, "rule": e.rule, "path": e.path})).collect::<Vec<_>>()),
        "commits_in_range": o.commits,
        "exit_code": o.status().code(),
    })
}

pub(crate) fn write_document(
    out: &mut dyn Write,
    o: &Outcome,
    cfg: &ReportOptions,
) -> io::Result<()> {
    let doc = json!({
        "version": JSON_VERSION,
        "tool": {"name": "patrol", "version": env!("CARGO_PKG_VERSION")},
        "findings": o.findings.iter().map(|f| finding_value(f, cfg.show_secrets)).collect::<Vec<_>>(),
        "summary": summary_value(o),
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

pub(crate) fn write_lines(out: &mut dyn Write, o: &Outcome, cfg: &ReportOptions) -> io::Result<()> {
    for f in &o.findings {
        serde_json::to_writer(&mut *out, &finding_value(f, cfg.show_secrets))?;
        writeln!(out)?;
    }
    Ok(())
}
