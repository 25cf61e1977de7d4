//! SARIF 2.1.0 output (`--format sarif`), shaped for GitHub code scanning: one run, a rule
//! descriptor for every rule that fired, one result per finding with a repository-relative
//! location and a fingerprint that survives lines moving.
//!
//! Secrets stay out of the log: no message, snippet or property holds any part of one unless
//! `--show-secrets` (then the message and `properties.secret` hold it in full). Strings from
//! the repository or a server reach this writer already redacted (`scan::redact`). A result names
//! its secret by the first 12 hex digits of its fingerprint; `properties.fingerprint` has it
//! whole, as in the JSON report and baselines.
//!
//! Locations. Artifact URIs are relative to `%SRCROOT%`, forward slashes, percent-encoded. Files
//! are named relative to the current directory (run patrol from the repository root, as CI
//! does); a file outside it gets an absolute `file:` URI. Git findings use the path in the tree,
//! which is repository-relative already. What has no path gets a placeholder path under
//! `.patrol/` (code scanning needs a location; it shows the path but cannot open it), with an
//! `artifactLocation.description` saying what it stands for: `.patrol/commit-message/ID` (or
//! `tag-message`), `.patrol/blob/ID` for a blob that no commit names, `.patrol/stdin`. The
//! region is then the line and column in that message, blob or input.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

use serde::Serialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::ReportOptions;
use crate::finding::{Finding, Origin, RuleMeta, Validation};
use crate::scan::Outcome;

/// The tool's home page, for `tool.driver.informationUri`.
const INFORMATION_URI: &str = "https://github.com/patrol-scanner/patrol";

/// The schema the log declares: the OASIS standard's (2.1.0 with errata 01).
pub(crate) const SARIF_SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The base every relative artifact URI is resolved against: the repository root.
pub(crate) const SRCROOT: &str = "%SRCROOT%";

/// Key of the result fingerprint in `partialFingerprints`. Bump the version whenever the way
/// the value is computed changes, so that old and new values are never compared.
pub(crate) const FINGERPRINT_KEY: &str = "patrolSecretHash/v1";

/// GitHub's scale (0.0 to 10.0; 9.0 and over is "critical"). A leaked credential is usable by
/// whoever reads it.
const SECURITY_SEVERITY: &str = "9.0";

/// The SARIF log for `outcome`, written as it is built.
pub(crate) fn write(out: &mut dyn Write, outcome: &Outcome, cfg: &ReportOptions) -> io::Result<()> {
    let show_secrets = cfg.show_secrets;
    // Rules that fired, by id (a stable order); a result points at its rule by index.
    // Suppressed findings are results too, carrying `suppressions`: code scanning then shows a
    // reviewer that a change suppressed its own secret.
    let all = || outcome.findings.iter().chain(&outcome.suppressed);
    let mut fired: BTreeMap<&str, &str> = BTreeMap::new();
    for f in all() {
        fired.entry(f.rule.as_str()).or_insert(f.rule_name.as_str());
    }
    let index: BTreeMap<&str, usize> = fired.keys().enumerate().map(|(i, id)| (*id, i)).collect();
    let rules: Vec<Value> = fired
        .iter()
        .map(|(id, name)| rule_descriptor(id, name, outcome.rule(id)))
        .collect();

    // The same secret more than once at one location: GitHub's convention (`hash:n`) numbers
    // the occurrences, so that each stays its own alert.
    let mut seen: std::collections::HashMap<(&str, &str), usize> = std::collections::HashMap::new();
    // Neighbours usually share an origin: its location is built once for them.
    let mut previous: Option<(&Origin, Location)> = None;
    let located: Vec<(&Finding, Location)> = all()
        .map(|f| {
            let loc = match &previous {
                Some((origin, loc)) if **origin == f.origin => loc.clone(),
                _ => artifact_location(&f.origin),
            };
            previous = Some((&f.origin, loc.clone()));
            (f, loc)
        })
        .collect();
    let occurrences: Vec<usize> = located
        .iter()
        .map(|(f, loc)| {
            let n = seen
                .entry((f.fingerprint.as_str(), loc.uri.as_str()))
                .or_insert(0);
            *n += 1;
            *n
        })
        .collect();
    // Each result is built as it is written: none is held beside the others.
    let results = Results {
        located: &located,
        occurrences: &occurrences,
        index: &index,
        show_secrets,
    };

    let notifications: Vec<Value> = outcome
        .errors
        .iter()
        .map(|p| {
            json!({
                "level": "error",
                "message": {"text": end_sentence(format!("Cannot read {}: {}", p.path, p.message))},
            })
        })
        .collect();
    let mut invocation = json!({
        "executionSuccessful": outcome.errors.is_empty(),
        "exitCode": outcome.status().code(),
    });
    if !notifications.is_empty() {
        invocation["toolExecutionNotifications"] = Value::Array(notifications);
    }
    if !outcome.notices.is_empty() {
        invocation["toolConfigurationNotifications"] = outcome
            .notices
            .iter()
            .map(|n| json!({"level": "warning", "message": {"text": end_sentence(n.clone())}}))
            .collect();
    }

    #[derive(Serialize)]
    struct Log<'a> {
        #[serde(rename = "$schema")]
        schema: &'static str,
        runs: [Run<'a>; 1],
        version: &'static str,
    }
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Run<'a> {
        column_kind: &'static str,
        invocations: [Value; 1],
        results: Results<'a>,
        tool: Value,
    }
    let log = Log {
        schema: SARIF_SCHEMA,
        runs: [Run {
            column_kind: "unicodeCodePoints",
            invocations: [invocation],
            results,
            tool: json!({"driver": driver(rules)}),
        }],
        version: "2.1.0",
    };
    // A buffer of a concrete type: serde_json writes in many small pieces, and through
    // `dyn Write` each would be a call.
    let mut buffered = io::BufWriter::with_capacity(1 << 16, &mut *out);
    serde_json::to_writer(&mut buffered, &log)?;
    buffered.flush()?;
    drop(buffered);
    writeln!(out)
}

fn driver(rules: Vec<Value>) -> Value {
    json!({
        "name": "patrol",
        "version": env!("CARGO_PKG_VERSION"),
        "semanticVersion": env!("CARGO_PKG_VERSION"),
        "informationUri": INFORMATION_URI,
        "rules": rules,
    })
}

fn rule_descriptor(id: &str, name: &str, meta: Option<&RuleMeta>) -> Value {
    let full = match meta
        .map(|m| m.description.as_str())
        .filter(|d| !d.is_empty())
    {
        Some(d) => end_sentence(d.to_string()),
        None => format!("A secret matched by the rule {id} ({name}), loaded from a rules file."),
    };
    let help = meta.map(|m| m.help.as_str()).filter(|h| !h.is_empty());
    let (text, markdown) = remediation(id, name, help);
    let level = meta.map_or("error", |m| m.severity);
    // GitHub code scanning ranks alerts by `security-severity` (CVSS-like, 0-10).
    let security_severity = match level {
        "error" => SECURITY_SEVERITY,
        "warning" => "6.0",
        _ => "3.0",
    };
    json!({
        "id": id,
        "name": pascal_case(name),
        "shortDescription": {"text": format!("Leaked {name}")},
        "fullDescription": {"text": full},
        "help": {"text": text, "markdown": markdown},
        "defaultConfiguration": {"level": level},
        "properties": {
            "tags": ["security", "secret", "external/cwe/cwe-798"],
            "security-severity": security_severity,
            "provider": meta.map_or("", |m| m.provider.as_str()),
        },
    })
}

/// How to deal with a leaked secret, as plain text and as Markdown.
fn remediation(id: &str, name: &str, help: Option<&str>) -> (String, String) {
    let steps = super::remediation_steps(id, help);
    let intro = format!(
        "{name} found in the repository: anyone who can read the repository, or any copy of \
         it, can use it."
    );
    let text = format!(
        "{intro}\n\n{}",
        steps
            .iter()
            .enumerate()
            .map(|(i, s)| format!("{}. {}", i + 1, s.replace('`', "")))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let markdown = format!(
        "{intro}\n\n{}\n\nA finding that is not a secret (a test fixture, a documented example) \
         can be allowed with a `patrol:allow` comment on its line.",
        steps
            .iter()
            .enumerate()
            .map(|(i, s)| format!("{}. {s}", i + 1))
            .collect::<Vec<_>>()
            .join("\n")
    );
    (text, markdown)
}

/// `GitHub personal access token (classic)` → `GitHubPersonalAccessTokenClassic`: SARIF's
/// convention for a rule's friendly name.
fn pascal_case(name: &str) -> String {
    let mut out = String::new();
    for word in name.split(|c: char| !c.is_alphanumeric()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.push_str(chars.as_str());
        }
    }
    if out.is_empty() {
        "Secret".to_string()
    } else {
        out
    }
}

/// The results of a run, each built from its finding while it is serialised.
struct Results<'a> {
    located: &'a [(&'a Finding, Location)],
    occurrences: &'a [usize],
    index: &'a BTreeMap<&'a str, usize>,
    show_secrets: bool,
}

impl Serialize for Results<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(
            self.located
                .iter()
                .zip(self.occurrences)
                .map(|((f, loc), n)| {
                    result(f, self.index[f.rule.as_str()], loc, *n, self.show_secrets)
                }),
        )
    }
}

/// A SARIF result, borrowed from its finding. Fields in alphabetical order (as the format has
/// always written them); built and written without an intermediate JSON tree, so that tens of
/// thousands of results cost time linear in their number and little memory.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultJson<'a> {
    level: &'static str,
    locations: [LocationJson<'a>; 1],
    message: Text,
    partial_fingerprints: BTreeMap<&'static str, String>,
    properties: PropertiesJson<'a>,
    rule_id: &'a str,
    rule_index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressions: Option<[SuppressionJson; 1]>,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LocationJson<'a> {
    physical_location: PhysicalJson<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalJson<'a> {
    artifact_location: ArtifactJson<'a>,
    /// None for a secret unpacked from a container: its line is in the member, not the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<RegionJson>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactJson<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<Text>,
    uri: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RegionJson {
    /// Not for a secret found decoded: its encoded text is longer, and the finding gives only
    /// where that starts.
    #[serde(skip_serializing_if = "Option::is_none")]
    byte_length: Option<usize>,
    byte_offset: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<u64>,
    end_line: u64,
    start_column: u64,
    start_line: u64,
}

#[derive(Serialize)]
struct PropertiesJson<'a> {
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    binary: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    blob: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    commit: Option<Option<CommitJson<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    commits: Option<usize>,
    #[serde(skip_serializing_if = "<[&str]>::is_empty")]
    decoded: &'a [&'static str],
    /// Git modes: the repository (forge `host/owner/name`, else its directory's name).
    #[serde(skip_serializing_if = "Option::is_none")]
    repository: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    unpacked: Vec<super::json::LayerJson<'a>>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    details: BTreeMap<&'a str, &'a str>,
    fingerprint: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    links: Option<super::json::LinksJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message_of: Option<MessageOfJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    other_paths: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
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
    id: &'a str,
    summary: &'a str,
}

#[derive(Serialize)]
struct MessageOfJson<'a> {
    id: &'a str,
    kind: &'a str,
}

#[derive(Serialize)]
struct SuppressionJson {
    justification: String,
    kind: &'static str,
    status: &'static str,
}

fn result<'a>(
    f: &'a Finding,
    rule_index: usize,
    loc: &'a Location,
    occurrence: usize,
    show_secrets: bool,
) -> ResultJson<'a> {
    let level = if f.validation.is_valid() {
        "error"
    } else {
        // Only with --show-invalid: a placeholder or a typo, most likely.
        "note"
    };
    let (blob, message_of) = match &f.origin {
        Origin::Blob { id, .. } => (Some(id.as_str()), None),
        Origin::Message { id, kind } => (None, Some(MessageOfJson { id, kind })),
        _ => (None, None),
    };
    let p = f.provenance.as_deref();
    let properties = PropertiesJson {
        binary: f.binary,
        blob,
        commit: p.map(|p| {
            p.commit.as_ref().map(|c| CommitJson {
                author: &c.author,
                date: &c.date,
                id: &c.id,
                summary: &c.summary,
            })
        }),
        commits: p.map(|p| p.commits),
        decoded: &f.decoded,
        repository: f.repository.as_deref(),
        unpacked: super::json::layers_json(&f.unpacked),
        details: f
            .details
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect(),
        fingerprint: f.fingerprint.as_str(),
        links: super::json::links_json(p),
        message_of,
        other_paths: p.map(|p| p.other_paths.len()),
        secret: show_secrets.then(|| f.secret.shown(true)),
        unreachable: p.map(|p| p.unreachable),
        validation: f.validation.as_str(),
        verification: f.verification.as_ref().map(|v| v.to_json()),
    };
    ResultJson {
        level,
        locations: [LocationJson {
            physical_location: PhysicalJson {
                artifact_location: ArtifactJson {
                    description: loc.description.clone().map(|text| Text { text }),
                    uri: &loc.uri,
                    uri_base_id: loc.relative.then_some(SRCROOT),
                },
                region: f.unpacked.is_empty().then(|| region(f)),
            },
        }],
        message: Text {
            text: message(f, show_secrets),
        },
        partial_fingerprints: BTreeMap::from([(
            FINGERPRINT_KEY,
            result_fingerprint(f, &loc.uri, occurrence),
        )]),
        properties,
        rule_id: &f.rule,
        rule_index,
        suppressions: f.suppression.as_ref().map(|s| {
            [SuppressionJson {
                justification: end_sentence(format!("Not reported: {}", s.reason())),
                kind: if s.in_source() {
                    "inSource"
                } else {
                    "external"
                },
                status: "accepted",
            }]
        }),
    }
}

/// Names the token type, the offline verdict and where in history it came from; never the
/// secret, unless asked.
fn message(f: &Finding, show_secrets: bool) -> String {
    let verdict = match f.validation {
        Validation::ChecksumValid => {
            "its checksum matches, so it is a real token, not a placeholder"
        }
        Validation::StructureValid => {
            "no checksum exists for this format; its structure is credible"
        }
        Validation::ChecksumInvalid => {
            "its checksum does not match: probably a placeholder or a typo"
        }
        Validation::StructureInvalid => "its structure is not credible: probably a placeholder",
    };
    let mut m = format!(
        "{} ({}: {verdict}). Secret fingerprint {}.",
        f.rule_name,
        f.validation.as_str(),
        short_fingerprint(f)
    );
    if !f.unpacked.is_empty() {
        let layers: Vec<&str> = f.unpacked.iter().map(|l| l.label()).collect();
        let _ = write!(
            m,
            " Found inside {}, line {}, column {}.",
            layers.join(" › "),
            f.line,
            f.column
        );
    }
    if !f.decoded.is_empty() {
        let _ = write!(
            m,
            " Found encoded ({}); the location is the encoded text's.",
            f.decoded.join(" › ")
        );
    }
    match &f.origin {
        Origin::Message { id, kind } => {
            let _ = write!(m, " Found in the message of {kind} {id}.");
        }
        Origin::Blob { id, path: None } => {
            let _ = write!(m, " Found in blob {id}, which no commit names.");
        }
        _ => {}
    }
    if let Some(p) = &f.provenance {
        let in_message = matches!(f.origin, Origin::Message { .. });
        if let Some(c) = p.commit.as_ref().filter(|_| !in_message) {
            let _ = write!(
                m,
                " Introduced in commit {} on {}.",
                &c.id[..c.id.len().min(12)],
                c.date
            );
        }
        if p.commits > 1 {
            let _ = write!(m, " Present in {} commits.", p.commits);
        }
        if p.unreachable {
            m.push_str(" No ref reaches it (reflog or dangling object): it leaks with every copy of the repository.");
        }
    }
    if let Some(v) = &f.verification {
        let _ = write!(m, " Liveness: {}.", v.summary());
    }
    if show_secrets {
        let _ = write!(m, " Secret: {}", f.secret.shown(true));
    }
    m
}

/// `sha256:` and the first 12 hex digits of the secret's fingerprint: enough to tell secrets
/// apart and to find one in the JSON report, nothing usable.
fn short_fingerprint(f: &Finding) -> String {
    let fp = f.fingerprint.as_str();
    let hex = fp.strip_prefix("sha256:").unwrap_or(fp);
    format!("sha256:{}", &hex[..hex.len().min(12)])
}

/// Where the secret is: 1-based lines, 1-based columns in characters (the run's `columnKind`),
/// the end column just past the secret; and the byte range.
fn region(f: &Finding) -> RegionJson {
    let secret = f.secret.expose();
    let line = f.line.max(1);
    let column = f.column.max(1);
    let (end_line, end_column) = match secret.rfind('\n') {
        None => (line, column + secret.chars().count() as u64),
        Some(i) => (
            line + secret.matches('\n').count() as u64,
            secret[i + 1..].chars().count() as u64 + 1,
        ),
    };
    // A secret read back from a redacted report (`patrol merge`) has lost its length.
    let plain = f.decoded.is_empty() && !f.secret.is_redacted_only();
    RegionJson {
        byte_length: plain.then_some(secret.len()),
        byte_offset: f.offset,
        end_column: plain.then_some(end_column),
        end_line: if plain { end_line } else { line },
        start_column: column,
        start_line: line,
    }
}

/// `hex(SHA-256(key, secret fingerprint, location)):n`. Built from what the secret is and which
/// file holds it, not from line numbers: a secret that moves within its file keeps its value,
/// so GitHub keeps its alert. `n` numbers repeats of one secret in one file.
fn result_fingerprint(f: &Finding, uri: &str, occurrence: usize) -> String {
    let mut h = Sha256::new();
    h.update(FINGERPRINT_KEY.as_bytes());
    h.update([0]);
    h.update(f.fingerprint.as_str().as_bytes());
    h.update([0]);
    h.update(uri.as_bytes());
    let mut s = String::with_capacity(72);
    for b in h.finalize() {
        let _ = write!(s, "{b:02x}");
    }
    let _ = write!(s, ":{occurrence}");
    s
}

#[derive(Clone)]
struct Location {
    /// A valid URI reference.
    uri: String,
    /// Relative to `%SRCROOT%` (else absolute, or standard input).
    relative: bool,
    /// For placeholders: what the location really is.
    description: Option<String>,
}

fn artifact_location(origin: &Origin) -> Location {
    let rel = |uri: String| Location {
        uri,
        relative: true,
        description: None,
    };
    match origin {
        Origin::File(p) => file_location(p),
        Origin::Stdin => Location {
            description: Some("standard input".to_string()),
            ..rel(".patrol/stdin".to_string())
        },
        Origin::Staged { path }
        | Origin::Blob {
            path: Some(path), ..
        } => rel(encode_segments(path.split('/').map(str::as_bytes))),
        Origin::Blob { id, path: None } => Location {
            description: Some(format!("blob {id}, which no commit names")),
            ..rel(placeholder("blob", id))
        },
        Origin::Message { id, kind } => Location {
            description: Some(format!("the message of {kind} {id}")),
            ..rel(placeholder(&format!("{kind}-message"), id))
        },
    }
}

/// `.patrol/KIND/ID`: a path for what has none.
fn placeholder(kind: &str, id: &str) -> String {
    encode_segments([".patrol".as_bytes(), kind.as_bytes(), id.as_bytes()].into_iter())
}

/// A scanned file's path relative to the current directory (no `./`, `..` resolved), or an
/// absolute `file:` URI for a file outside it.
fn file_location(p: &Path) -> Location {
    let needs_base = p.is_absolute() || p.components().any(|c| c == Component::ParentDir);
    let cwd = if needs_base {
        std::env::current_dir().ok()
    } else {
        None
    };
    let full = match &cwd {
        Some(c) if !p.is_absolute() => normalize(&c.join(p)),
        _ => normalize(p),
    };
    if let Some(c) = &cwd {
        if let Ok(rel) = full.strip_prefix(normalize(c)) {
            if rel.components().next().is_some() {
                return Location {
                    uri: encode_path(rel),
                    relative: true,
                    description: None,
                };
            }
        }
    }
    if full.is_absolute() {
        Location {
            uri: format!("file://{}", encode_path(&full)),
            relative: false,
            description: None,
        }
    } else {
        Location {
            uri: encode_path(&full),
            relative: true,
            description: None,
        }
    }
}

/// Drops `.` components and resolves `..` lexically.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// A path as URI path segments joined by `/` (a leading `/` kept for an absolute path).
fn encode_path(p: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let mut segments: Vec<&[u8]> = Vec::new();
    for c in p.components() {
        match c {
            Component::RootDir => segments.push(b""),
            Component::Normal(s) => segments.push(s.as_bytes()),
            Component::ParentDir => segments.push(b".."),
            Component::CurDir | Component::Prefix(_) => {}
        }
    }
    let s = encode_segments(segments.into_iter());
    if s.is_empty() {
        ".".to_string()
    } else {
        s
    }
}

/// Joins segments with `/`, percent-encoding every byte but RFC 3986's unreserved characters
/// and the sub-delimiters and `@` that a path segment may hold. `:` is encoded too (in a first
/// segment it would read as a scheme), and so are `%`, spaces, `#`, `?` and non-ASCII bytes.
fn encode_segments<'a>(segments: impl Iterator<Item = &'a [u8]>) -> String {
    let mut out = String::new();
    for (i, seg) in segments.enumerate() {
        if i > 0 {
            out.push('/');
        }
        for &b in seg {
            if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=@".contains(&b) {
                out.push(b as char);
            } else {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

fn end_sentence(mut s: String) -> String {
    let t = s.trim_end().len();
    s.truncate(t);
    if !s.ends_with(['.', '!', '?']) {
        s.push('.');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_paths() {
        assert_eq!(
            encode_path(Path::new("dir/a b:c#%é.env")),
            "dir/a%20b%3Ac%23%25%C3%A9.env"
        );
        assert_eq!(encode_path(Path::new("/tmp/x y")), "/tmp/x%20y");
        assert_eq!(normalize(Path::new("./a/./b/../c")), PathBuf::from("a/c"));
        assert_eq!(normalize(Path::new("../a")), PathBuf::from("../a"));
    }

    #[test]
    fn file_locations() {
        let l = file_location(Path::new("./src/x.rs"));
        assert_eq!((l.uri.as_str(), l.relative), ("src/x.rs", true));
        let cwd = std::env::current_dir().unwrap();
        let l = file_location(&cwd.join("src").join("a b.rs"));
        assert_eq!((l.uri.as_str(), l.relative), ("src/a%20b.rs", true));
        let l = file_location(Path::new("/definitely/elsewhere/f"));
        assert_eq!(
            (l.uri.as_str(), l.relative),
            ("file:///definitely/elsewhere/f", false)
        );
    }

    #[test]
    fn names() {
        assert_eq!(
            pascal_case("GitHub personal access token (classic)"),
            "GitHubPersonalAccessTokenClassic"
        );
        assert_eq!(pascal_case("--"), "Secret");
        assert_eq!(
            placeholder("commit-message", "0123456789abcdef"),
            ".patrol/commit-message/0123456789abcdef"
        );
    }
}
