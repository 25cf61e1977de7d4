//! `patrol scan` on files and stdin: the real binary on real files in temporary directories.
//! Tokens are generated at run time by the harness (an independent implementation of GitHub's
//! checksums); no checksum-valid token appears in these files.

mod allow_markers;
mod archives;
mod bytes;
mod catalog;
mod decode;
mod edges;
mod exit_codes;
mod families;
mod formats;
mod generators;
mod import;
mod lookalikes;
mod redaction;
mod rules;
mod special_files;
mod walking;

use serde_json::Value;

use crate::util::*;

pub(crate) const CLASSIC: &str = "github.pat.classic";
pub(crate) const OAUTH: &str = "github.oauth";
pub(crate) const USER: &str = "github.app.user";
pub(crate) const INSTALLATION: &str = "github.app.installation";
pub(crate) const REFRESH: &str = "github.app.refresh";
pub(crate) const FINE: &str = "github.pat.fine_grained";
pub(crate) const STATELESS: &str = "github.app.installation.stateless";
pub(crate) const LEGACY: &str = "github.legacy.token";

pub(crate) const ALL_RULES: [&str; 8] = [
    CLASSIC,
    OAUTH,
    USER,
    INSTALLATION,
    REFRESH,
    FINE,
    STATELESS,
    LEGACY,
];

/// 2026-01-01T00:00:00Z and one hour before it.
pub(crate) const EXP: i64 = 1_767_225_600;
pub(crate) const IAT: i64 = 1_767_222_000;

pub(crate) fn scan_json(sb: &Sandbox, extra: &[&str]) -> Run {
    let mut args = vec!["scan", "--format", "json"];
    args.extend_from_slice(extra);
    sb.run(&args)
}

pub(crate) fn count_rule(findings: &[Value], rule: &str) -> usize {
    findings.iter().filter(|f| f["rule"] == rule).count()
}
