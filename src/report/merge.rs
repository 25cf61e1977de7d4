//! `patrol merge`: JSON reports read back ([`read`]) and combined into one outcome
//! ([`combine`]), which any format then writes. The inputs are the JSON documents of shards of
//! one scan (`--shard I/N`), of several repositories, or of earlier merges.
//!
//! A report is input like any other: it may have been edited, truncated or written by someone
//! else. Every field is checked for its type and shape (a fingerprint is `sha256:` and 64 hex
//! digits, a validation one of four names), unknown fields are ignored, and strings are data:
//! reports escape them as they escape what a scan reads. A secret marked redacted is kept only
//! in its redacted form; one that is not redacted is redacted again unless the merge itself is
//! given `--show-secrets` (the caller's job, with the rule catalog).
//!
//! How findings combine (DESIGN.md, "Shards and merge"):
//! - History findings (a blob at a path, with provenance) are one finding per (repository,
//!   secret, path), as in a single history scan: the blob shown is the one with the earliest
//!   introducing commit (reachable before unreachable, then generation number, date, id);
//!   commit counts add up (shards scan disjoint blobs, and a commit holds one blob per path);
//!   other paths are the union; the secret is present at HEAD if any shard saw it there, and
//!   otherwise removed by the latest removing commit any shard names.
//! - Every other finding is kept once per (repository, secret, place): exact repeats (a report
//!   given twice, overlapping inputs) disappear.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use serde_json::Value;

use crate::finding::{
    CommitMeta, Finding, Fingerprint, Layer, Links, Origin, Provenance, Secret, Suppression,
    Validation, Verification,
};
use crate::scan::{Outcome, Redactor, Scanner, SkipReason, ALLOW_MARKERS};

/// A report read back. `secrets_shown`: some finding holds a secret in full (the report was
/// written with `--show-secrets`).
pub(crate) struct Report {
    pub outcome: Outcome,
    pub secrets_shown: bool,
}

/// Parses one JSON report (`patrol scan --format json`, or `patrol merge --format json`).
/// `prefix_len` gives, for a rule id and a full secret, the public prefix redaction keeps.
pub(crate) fn read(text: &str, prefix_len: &dyn Fn(&str, &str) -> usize) -> Result<Report> {
    let doc: Value = serde_json::from_str(text).context("not a JSON document")?;
    let version = doc.get("version").and_then(Value::as_u64);
    let tool = doc.pointer("/tool/name").and_then(Value::as_str);
    if tool != Some("patrol") || doc.get("findings").is_none() {
        bail!("not a patrol JSON report (`patrol scan --format json` writes one)");
    }
    if version != Some(u64::from(super::json::JSON_VERSION)) {
        bail!(
            "report format version {} is not the one this patrol reads ({})",
            version.map_or_else(|| "(none)".to_string(), |v| v.to_string()),
            super::json::JSON_VERSION
        );
    }
    let mut shown = false;
    let mut list = |key: &str| -> Result<Vec<Finding>> {
        let Some(items) = doc.get(key) else {
            return Ok(Vec::new());
        };
        let items = items
            .as_array()
            .with_context(|| format!("`{key}` is not a list"))?;
        items
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let (f, full) = finding(v, prefix_len)
                    .with_context(|| format!("{key}[{i}] is not a patrol finding"))?;
                shown |= full;
                Ok(f)
            })
            .collect()
    };
    let findings = list("findings")?;
    let suppressed = list("suppressed")?;
    let s = doc.get("summary").unwrap_or(&Value::Null);
    let num = |k: &str| s.get(k).and_then(Value::as_u64).unwrap_or(0);
    let text_of = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let list_of = |k: &str| {
        s.get(k)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let outcome = Outcome {
        findings,
        suppressed,
        files: num("files"),
        bytes: num("bytes"),
        invalid: num("invalid_hidden") as usize,
        elapsed: Duration::from_millis(num("elapsed_ms")),
        lfs_pointers: num("lfs_pointers") as usize,
        skipped: list_of("skipped_paths")
            .iter()
            .filter_map(|e| {
                // The kind as written, if it is one patrol has (a report from before kinds
                // were written, or an edited one, counts it as plain "skipped").
                let kind = e.get("kind").and_then(Value::as_str).unwrap_or("");
                let kind = SkipReason::KINDS
                    .into_iter()
                    .find(|k| *k == kind)
                    .unwrap_or("skipped");
                let why = text_of(e, "reason")?;
                Some((text_of(e, "path")?, SkipReason::Reported { kind, why }))
            })
            .collect(),
        errors: list_of("errors")
            .iter()
            .filter_map(|e| {
                Some(crate::scan::Problem {
                    path: text_of(e, "path")?,
                    message: text_of(e, "error")?,
                })
            })
            .collect(),
        commits: s
            .get("commits_in_range")
            .and_then(Value::as_u64)
            .map(|n| n as usize),
        notices: list_of("notices")
            .iter()
            .filter_map(|n| n.as_str().map(str::to_string))
            .collect(),
        ..Outcome::default()
    };
    Ok(Report {
        outcome,
        secrets_shown: shown,
    })
}

/// One finding of a report, and whether its secret is there in full.
fn finding(v: &Value, prefix_len: &dyn Fn(&str, &str) -> usize) -> Result<(Finding, bool)> {
    let text = |k: &str| -> Result<String> {
        v.get(k)
            .and_then(Value::as_str)
            .map(str::to_string)
            .with_context(|| format!("`{k}` missing or not a string"))
    };
    let num = |k: &str| -> Result<u64> {
        v.get(k)
            .and_then(Value::as_u64)
            .with_context(|| format!("`{k}` missing or not a number"))
    };
    let flag = |k: &str| v.get(k).and_then(Value::as_bool);
    let rule = text("rule")?;
    let fingerprint = text("fingerprint")?;
    let hex = fingerprint.strip_prefix("sha256:").unwrap_or("");
    if hex.len() != 64 || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        bail!("`fingerprint` is not sha256: and 64 hex digits");
    }
    let validation = text("validation")?;
    let validation = [
        Validation::ChecksumValid,
        Validation::ChecksumInvalid,
        Validation::StructureValid,
        Validation::StructureInvalid,
    ]
    .into_iter()
    .find(|x| x.as_str() == validation)
    .context("`validation` is not one of patrol's four verdicts")?;
    let shown = text("secret")?;
    // A secret the report says is redacted is kept as it is shown; one in full is kept in
    // full (the merge's own `--show-secrets` decides what is written).
    let full = flag("redacted") == Some(false);
    let secret = if full {
        let p = prefix_len(&rule, &shown);
        Secret::new(shown.as_bytes(), p)
    } else {
        // Said to be redacted: believed only if it has the redacted form's shape (the public
        // prefix, at most four characters, `…`). An edited report's full token is cut down.
        let body = shown.strip_suffix('…').unwrap_or(&shown);
        let p = prefix_len(&rule, body);
        if shown.ends_with('…') && body.chars().count() <= p + 4 {
            Secret::from_redacted(&shown)
        } else {
            Secret::from_redacted(&Secret::new(body.as_bytes(), p).redacted())
        }
    };
    let path = text("path")?;
    let hex_id = |id: &str| -> Result<String> {
        if matches!(id.len(), 40 | 64) && id.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(id.to_ascii_lowercase())
        } else {
            bail!("an object id is not 40 or 64 hex digits")
        }
    };
    let origin = match (v.get("blob").and_then(Value::as_str), v.get("message_of")) {
        (Some(id), _) => Origin::Blob {
            id: hex_id(id)?,
            path: (path != format!("<blob {id}>")).then_some(path),
        },
        (None, Some(m)) => Origin::Message {
            id: hex_id(
                m.get("id")
                    .and_then(Value::as_str)
                    .context("`message_of.id` missing")?,
            )?,
            kind: match m.get("kind").and_then(Value::as_str) {
                Some("tag") => "tag",
                _ => "commit",
            },
        },
        (None, None) if path == "<stdin>" => Origin::Stdin,
        (None, None) => Origin::File(PathBuf::from(path)),
    };
    let decoded = match v.get("decoded").and_then(Value::as_array) {
        None => Vec::new(),
        Some(steps) => steps
            .iter()
            .map(|s| step_name(s.as_str().unwrap_or("")))
            .collect(),
    };
    let unpacked = match v.get("unpacked").and_then(Value::as_array) {
        None => Vec::new(),
        Some(layers) => layers
            .iter()
            .filter_map(|l| {
                if let Some(kind) = l.get("stream").and_then(Value::as_str) {
                    Some(Layer::Stream(step_name(kind)))
                } else {
                    l.get("member")
                        .and_then(Value::as_str)
                        .map(|m| Layer::Member(m.to_string()))
                }
            })
            .collect(),
    };
    let details = v
        .get("details")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default();
    let suppression = v.get("suppression").and_then(|s| {
        Some(match s.get("kind")?.as_str()? {
            "inline-marker" => {
                let m = s.get("marker").and_then(Value::as_str).unwrap_or("");
                let marker = ALLOW_MARKERS
                    .iter()
                    .find(|k| **k == m)
                    .copied()
                    .unwrap_or(ALLOW_MARKERS[0]);
                Suppression::Marker { marker }
            }
            "allow-list" => Suppression::AllowList,
            "excluded-path" => Suppression::ExcludedPath,
            "baseline" => Suppression::Baseline,
            _ => return None,
        })
    });
    let repository: Option<std::sync::Arc<str>> =
        v.get("repository").and_then(Value::as_str).map(Into::into);
    let mut provenance = provenance(v);
    // Links are kept only where they lead to the finding's own repository on its forge (a
    // scan builds them from the remote: `https://` + the repository's name + `/…`): an edited
    // report cannot turn the HTML report's links into links elsewhere.
    if let Some(p) = provenance.as_mut() {
        let home = repository.as_deref().map(|r| format!("https://{r}/"));
        let ok = |u: &str| {
            home.as_deref().is_some_and(|h| u.starts_with(h))
                && u.bytes()
                    .all(|b| b.is_ascii_graphic() && !b"\"'<>\\`".contains(&b))
        };
        if p.links
            .as_ref()
            .is_some_and(|l| !ok(&l.commit) || l.line.as_deref().is_some_and(|u| !ok(u)))
        {
            p.links = None;
        }
    }
    let f = Finding {
        rule_name: text("rule_name").unwrap_or_else(|_| rule.clone()),
        rule,
        origin,
        line: num("line")?,
        column: num("column")?,
        offset: num("offset").unwrap_or(0),
        secret,
        fingerprint: Fingerprint::from_hex_string(fingerprint),
        validation,
        details,
        binary: flag("binary").unwrap_or(false),
        provenance: provenance.map(Box::new),
        verification: v
            .get("verification")
            .and_then(Verification::from_json)
            .map(Box::new),
        context: v
            .get("context")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        suppression,
        decoded,
        unpacked,
        repository,
    };
    Ok((f, full))
}

/// A decode step's or stream's name as the scanner spells it (names are `&'static`); an
/// unknown one (a newer patrol's, or an edited report's) reads as `unknown`.
fn step_name(s: &str) -> &'static str {
    crate::decode::Kind::ALL
        .iter()
        .map(|k| k.name())
        .chain(["gzip", "bzip2", "xz", "zstd", "zip", "tar"])
        .find(|n| *n == s)
        .unwrap_or("unknown")
}

/// A commit as reports write it; `None` unless its id is 40 or 64 hex digits.
fn commit(v: &Value) -> Option<CommitMeta> {
    let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let id = v.get("id")?.as_str()?;
    if !matches!(id.len(), 40 | 64) || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let id = id.to_ascii_lowercase();
    Some(CommitMeta {
        id,
        author: s("author"),
        date: s("date"),
        summary: s("summary"),
        generation: v.get("generation").and_then(Value::as_u64).unwrap_or(0),
    })
}

fn provenance(v: &Value) -> Option<Provenance> {
    // Only history findings carry `commits` (with or without a commit).
    let commits = v.get("commits")?.as_u64()? as usize;
    Some(Provenance {
        commit: v.get("commit").and_then(commit),
        commits,
        other_paths: v
            .get("other_path_list")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|p| p.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
        unreachable: v
            .get("unreachable")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        present_at_head: v.get("present_at_head").and_then(Value::as_bool),
        removed_in: v.get("removed_in").and_then(commit),
        links: v.get("links").and_then(|l| {
            Some(Links {
                commit: l.get("commit")?.as_str()?.to_string(),
                line: l.get("line").and_then(Value::as_str).map(str::to_string),
            })
        }),
    })
}

/// Combines the outcomes of several reports into one (see the module doc). Counts add up,
/// the elapsed time is the longest input's (shards run side by side), skips, errors and
/// notices are kept once each.
pub(crate) fn combine(parts: Vec<Outcome>) -> Outcome {
    let mut out = Outcome::default();
    let mut findings = Vec::new();
    let mut suppressed = Vec::new();
    for p in parts {
        // Saturating: the counts come from reports, which may say anything.
        out.files = out.files.saturating_add(p.files);
        out.bytes = out.bytes.saturating_add(p.bytes);
        out.invalid = out.invalid.saturating_add(p.invalid);
        out.lfs_pointers = out.lfs_pointers.saturating_add(p.lfs_pointers);
        out.elapsed = out.elapsed.max(p.elapsed);
        out.commits = match (out.commits, p.commits) {
            (Some(a), Some(b)) => Some(a.saturating_add(b)),
            (a, b) => a.or(b),
        };
        out.skipped.extend(p.skipped);
        out.errors.extend(p.errors);
        for n in p.notices {
            if !out.notices.contains(&n) {
                out.notices.push(n);
            }
        }
        findings.extend(p.findings);
        suppressed.extend(p.suppressed);
    }
    out.findings = dedup(findings);
    out.suppressed = dedup(suppressed);
    out.sort();
    out.skipped.dedup();
    out.errors
        .sort_by(|a, b| (&a.path, &a.message).cmp(&(&b.path, &b.message)));
    out.errors.dedup();
    out
}

/// Redacts a merged outcome as a scan's is redacted: context lines always (whatever
/// `show_secrets` says, as a scan writes them), and without `show_secrets` every other string
/// beside the findings (paths, summaries, authors, the repository label, errors). `scanner`'s rules find candidates;
/// the findings' own secrets are masked exactly.
pub(crate) fn redact(outcome: &mut Outcome, scanner: &Scanner, show_secrets: bool) {
    let redactor =
        Redactor::new(scanner).with_findings(outcome.findings.iter().chain(&outcome.suppressed));
    let contexts: Vec<Option<String>> = outcome
        .findings
        .iter()
        .chain(&outcome.suppressed)
        .map(|f| match redactor.redact(&f.context) {
            std::borrow::Cow::Owned(c) => Some(c),
            std::borrow::Cow::Borrowed(_) => None,
        })
        .collect();
    if !show_secrets {
        redactor.apply(outcome);
        // What a scan takes from its own rules and a server, a report could have edited:
        // rule names, detail keys, verification facts, notices.
        let r = |s: &mut String| {
            if let std::borrow::Cow::Owned(x) = redactor.redact(s) {
                *s = x;
            }
        };
        for f in outcome.findings.iter_mut().chain(&mut outcome.suppressed) {
            r(&mut f.rule);
            r(&mut f.rule_name);
            for (k, _) in &mut f.details {
                r(k);
            }
            if let Some(v) = f.verification.as_mut() {
                for s in v
                    .account_type
                    .iter_mut()
                    .chain(v.scopes.iter_mut().flatten())
                {
                    r(s);
                }
            }
        }
        for n in &mut outcome.notices {
            r(n);
        }
    }
    drop(redactor);
    for (f, c) in outcome
        .findings
        .iter_mut()
        .chain(&mut outcome.suppressed)
        .zip(contexts)
    {
        if let Some(c) = c {
            f.context = c;
        }
    }
}

/// What identifies a finding across reports.
#[derive(Hash, PartialEq, Eq)]
enum Key {
    /// A history finding: one per (repository, secret, path).
    History(Option<String>, Fingerprint, String),
    /// Anything else: one per (repository, secret, exact place).
    Place(
        Option<String>,
        Fingerprint,
        Origin,
        u64,
        String,
        Vec<String>,
    ),
}

fn key(f: &Finding) -> Key {
    let repo = f.repository.as_deref().map(str::to_string);
    match (&f.origin, &f.provenance) {
        (Origin::Blob { path: Some(p), .. }, Some(_)) => {
            Key::History(repo, f.fingerprint.clone(), p.clone())
        }
        _ => Key::Place(
            repo,
            f.fingerprint.clone(),
            f.origin.clone(),
            f.offset,
            f.rule.clone(),
            f.unpacked.iter().map(|l| l.label().to_string()).collect(),
        ),
    }
}

fn dedup(list: Vec<Finding>) -> Vec<Finding> {
    let mut index: HashMap<Key, usize> = HashMap::new();
    let mut kept: Vec<Finding> = Vec::new();
    for f in list {
        let k = key(&f);
        match index.get(&k) {
            None => {
                index.insert(k, kept.len());
                kept.push(f);
            }
            Some(&i) => {
                if let Key::History(..) = k {
                    fold_history(&mut kept[i], f);
                }
                // An exact repeat of a place: the first one stays.
            }
        }
    }
    kept
}

/// Orders history findings by their introducing commit: reachable first, then generation,
/// date and id (generation 0, unknown, last).
fn rank(f: &Finding) -> (bool, u64, String, String) {
    let p = f.provenance.as_deref();
    let c = p.and_then(|p| p.commit.as_ref());
    (
        p.is_none_or(|p| p.unreachable),
        c.map_or(u64::MAX, |c| {
            if c.generation == 0 {
                u64::MAX
            } else {
                c.generation
            }
        }),
        c.map_or_else(String::new, |c| c.date.clone()),
        c.map_or_else(String::new, |c| c.id.clone()),
    )
}

/// Folds `other` (the same secret at the same path, from other blobs) into `kept`.
fn fold_history(kept: &mut Finding, mut other: Finding) {
    let earlier_is_other = rank(&other) < rank(kept);
    let (Some(a), Some(b)) = (kept.provenance.take(), other.provenance.take()) else {
        return;
    };
    let (a, b) = (*a, *b);
    let mut p = if earlier_is_other {
        b.clone()
    } else {
        a.clone()
    };
    p.commits = a.commits.saturating_add(b.commits);
    p.unreachable = a.unreachable && b.unreachable;
    let mut paths: Vec<String> = a.other_paths.into_iter().chain(b.other_paths).collect();
    paths.sort();
    paths.dedup();
    p.other_paths = paths;
    // Present at HEAD if any blob is; else removed by the last removal on HEAD's history
    // (removing commits lie on one first-parent chain: a larger generation is later).
    p.present_at_head = match (a.present_at_head, b.present_at_head) {
        (Some(x), Some(y)) => Some(x || y),
        (x, y) => x.or(y),
    };
    p.removed_in = if p.present_at_head == Some(true) {
        None
    } else {
        [a.removed_in, b.removed_in]
            .into_iter()
            .flatten()
            .max_by(|x, y| (x.generation, &x.date).cmp(&(y.generation, &y.date)))
    };
    if earlier_is_other {
        *kept = other;
    }
    kept.provenance = Some(Box::new(p));
}
