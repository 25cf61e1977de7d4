//! Machine-readable reports: `json` (one document: findings and summary) and `jsonl` (one
//! finding per line). Field names are documented in README.md and stable.

use std::io::{self, Write};

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{json, Map, Value};

use super::ReportOptions;
use crate::finding::{Finding, Layer, Origin, Suppression};
use crate::scan::Outcome;

/// Format version of the JSON document; bumped only on incompatible changes.
pub(crate) const JSON_VERSION: u32 = 1;

/// One finding as the JSON formats write it. Fields are declared in alphabetical order (the
/// order the format has always had) and borrowed from the finding: serialising tens of
/// thousands of findings builds no intermediate tree.
#[derive(Serialize)]
struct FindingJson<'a> {
    binary: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    blob: Option<&'a str>,
    column: u64,
    /// The secret's line, clipped around it, every candidate on it redacted.
    context: &'a str,
    /// Found in decoded content: the encodings undone, outermost first.
    #[serde(skip_serializing_if = "<[&str]>::is_empty")]
    decoded: &'a [&'static str],
    /// `Some(None)`: a history finding whose blob no commit names (`"commit": null`).
    #[serde(skip_serializing_if = "Option::is_none")]
    commit: Option<Option<CommitJson<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    commits: Option<usize>,
    details: BTreeMap<&'a str, &'a str>,
    fingerprint: &'a str,
    line: u64,
    /// Web pages of the introducing commit and of the line, on the remote's forge.
    #[serde(skip_serializing_if = "Option::is_none")]
    links: Option<LinksJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message_of: Option<MessageOf<'a>>,
    offset: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    other_paths: Option<usize>,
    /// The other paths themselves (`other_paths` stays their count, as it always was).
    #[serde(skip_serializing_if = "Option::is_none")]
    other_path_list: Option<&'a [String]>,
    /// Whether the secret is still at this path in HEAD's commit.
    #[serde(skip_serializing_if = "Option::is_none")]
    present_at_head: Option<bool>,
    /// `Some(None)`: known, and no commit of HEAD's history removed it (`"removed_in": null`).
    #[serde(skip_serializing_if = "Option::is_none")]
    removed_in: Option<Option<CommitJson<'a>>>,
    path: String,
    redacted: bool,
    /// Git modes: the repository (forge `host/owner/name`, else its directory's name).
    #[serde(skip_serializing_if = "Option::is_none")]
    repository: Option<&'a str>,
    rule: &'a str,
    rule_name: &'a str,
    secret: String,
    /// Found inside a container: the streams and members unpacked, outermost first; `line`,
    /// `column` and `offset` are then in the innermost one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    unpacked: Vec<LayerJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppression: Option<SuppressionJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unreachable: Option<bool>,
    validation: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    verification: Option<Value>,
}

#[derive(Serialize)]
struct CommitJson<'a> {
    author: &'a str,
    date: &'a str,
    /// Generation number v2, the corrected commit date (ancestors have smaller ones); absent
    /// when unknown.
    #[serde(skip_serializing_if = "is_zero")]
    generation: u64,
    id: &'a str,
    summary: &'a str,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

fn commit_json(c: &crate::finding::CommitMeta) -> CommitJson<'_> {
    CommitJson {
        author: &c.author,
        date: &c.date,
        generation: c.generation,
        id: &c.id,
        summary: &c.summary,
    }
}

#[derive(Serialize)]
pub(super) struct LinksJson<'a> {
    commit: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<&'a str>,
}

pub(super) fn links_json(p: Option<&crate::finding::Provenance>) -> Option<LinksJson<'_>> {
    p.and_then(|p| p.links.as_ref()).map(|l| LinksJson {
        commit: &l.commit,
        line: l.line.as_deref(),
    })
}

#[derive(Serialize)]
struct MessageOf<'a> {
    id: &'a str,
    kind: &'a str,
}

#[derive(Serialize)]
struct SuppressionJson<'a> {
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    marker: Option<&'a str>,
    reason: String,
}

/// A container a finding was unpacked from: `{"stream": "gzip"}`, `{"member": "a/b.yml"}`.
#[derive(Serialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum LayerJson<'a> {
    Stream(&'a str),
    Member(&'a str),
}

pub(super) fn layers_json(layers: &[Layer]) -> Vec<LayerJson<'_>> {
    layers
        .iter()
        .map(|l| match l {
            Layer::Stream(kind) => LayerJson::Stream(kind),
            Layer::Member(path) => LayerJson::Member(path),
        })
        .collect()
}

fn finding_json(f: &Finding, show_secrets: bool) -> FindingJson<'_> {
    let (blob, message_of) = match &f.origin {
        Origin::Blob { id, .. } => (Some(id.as_str()), None),
        Origin::Message { id, kind } => (None, Some(MessageOf { id, kind })),
        _ => (None, None),
    };
    let p = f.provenance.as_deref();
    FindingJson {
        binary: f.binary,
        blob,
        column: f.column,
        commit: p.map(|p| p.commit.as_ref().map(commit_json)),
        context: &f.context,
        commits: p.map(|p| p.commits),
        decoded: &f.decoded,
        unpacked: layers_json(&f.unpacked),
        details: f
            .details
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect(),
        fingerprint: f.fingerprint.as_str(),
        line: f.line,
        links: links_json(p),
        message_of,
        offset: f.offset,
        other_paths: p.map(|p| p.other_paths.len()),
        other_path_list: p.map(|p| p.other_paths.as_slice()),
        present_at_head: p.and_then(|p| p.present_at_head),
        removed_in: p
            .filter(|p| p.present_at_head.is_some())
            .map(|p| p.removed_in.as_ref().map(commit_json)),
        path: f.origin.display_path(),
        redacted: !show_secrets || f.secret.is_redacted_only(),
        repository: f.repository.as_deref(),
        rule: &f.rule,
        rule_name: &f.rule_name,
        secret: f.secret.shown(show_secrets),
        suppression: f.suppression.as_ref().map(|s| SuppressionJson {
            kind: s.kind(),
            marker: match s {
                Suppression::Marker { marker } => Some(marker),
                _ => None,
            },
            reason: s.reason(),
        }),
        unreachable: p.map(|p| p.unreachable),
        validation: f.validation.as_str(),
        verification: f.verification.as_ref().map(|v| v.to_json()),
    }
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
        "distinct_secrets": o.distinct_secrets(),
        "invalid_hidden": o.invalid,
        "suppressed": o.suppressed_by("inline-marker"),
        "skipped": skipped,
        "skipped_paths": o.skipped.iter().map(|(p, r)| json!({"path": p, "kind": r.kind(), "reason": r.to_string()})).collect::<Vec<_>>(),
        "errors": o.errors.iter().map(|p| json!({"path": p.path, "error": p.message})).collect::<Vec<_>>(),
        "lfs_pointers": o.lfs_pointers,
        "allowed_by_config": o.suppressed_by("allow-list") + o.suppressed_by("excluded-path"),
        "baselined": o.suppressed_by("baseline"),
        "baseline_unused": o.baseline_unused.as_ref().map(|u| u.iter().map(|e| json!({"fingerprint": e.fingerprint, "rule": e.rule, "path": e.path})).collect::<Vec<_>>()),
        "commits_in_range": o.commits,
        "notices": o.notices,
        "exit_code": o.status().code(),
    })
}

pub(crate) fn write_document(
    out: &mut dyn Write,
    o: &Outcome,
    cfg: &ReportOptions,
) -> io::Result<()> {
    #[derive(Serialize)]
    struct Document<'a> {
        findings: Vec<FindingJson<'a>>,
        summary: Value,
        suppressed: Vec<FindingJson<'a>>,
        tool: Value,
        version: u32,
    }
    let doc = Document {
        findings: o
            .findings
            .iter()
            .map(|f| finding_json(f, cfg.show_secrets))
            .collect(),
        summary: summary_value(o),
        suppressed: o
            .suppressed
            .iter()
            .map(|f| finding_json(f, cfg.show_secrets))
            .collect(),
        tool: json!({"name": "patrol", "version": env!("CARGO_PKG_VERSION")}),
        version: JSON_VERSION,
    };
    // A buffer of a concrete type: serde_json writes in many small pieces, and through
    // `dyn Write` each would be a call.
    let mut buffered = io::BufWriter::with_capacity(1 << 16, &mut *out);
    serde_json::to_writer_pretty(&mut buffered, &doc)?;
    buffered.flush()?;
    drop(buffered);
    writeln!(out)
}

pub(crate) fn write_lines(out: &mut dyn Write, o: &Outcome, cfg: &ReportOptions) -> io::Result<()> {
    let mut buffered = io::BufWriter::with_capacity(1 << 16, &mut *out);
    for f in &o.findings {
        serde_json::to_writer(&mut buffered, &finding_json(f, cfg.show_secrets))?;
        writeln!(buffered)?;
    }
    buffered.flush()?;
    Ok(())
}
