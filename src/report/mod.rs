//! The last stage: rendering a scan's [`Outcome`]. Formats are push-style: the whole outcome is known
//! when a report is written (findings are few, and sorting them makes output stable across runs
//! and thread counts). Every format redacts secrets unless `show_secrets`.

pub(crate) mod csv;
pub(crate) mod escape;
pub(crate) mod html;
pub(crate) mod json;
pub(crate) mod merge;
pub(crate) mod sarif;
pub(crate) mod text;

use std::io::{self, Write};

use crate::scan::Outcome;
use escape::terminal;

/// A report format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    Text,
    Json,
    Jsonl,
    Sarif,
    Csv,
    Html,
}

impl Format {
    pub(crate) const ALL: [Format; 6] = [
        Format::Text,
        Format::Json,
        Format::Jsonl,
        Format::Sarif,
        Format::Csv,
        Format::Html,
    ];

    /// The name used on the command line and in `.patrol.toml`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Jsonl => "jsonl",
            Format::Sarif => "sarif",
            Format::Csv => "csv",
            Format::Html => "html",
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// How to report.
#[derive(Clone, Debug)]
pub(crate) struct ReportOptions {
    pub format: Format,
    pub output: Option<std::path::PathBuf>,
    pub show_secrets: bool,
    /// Resolved: true only when colour was asked for or stdout is a terminal.
    pub color: bool,
    pub quiet: bool,
}

/// What to do about a leaked secret of rule `id`, step by step (Markdown code spans): revoke
/// (the rule's own `help` when it has one), rotate, remove, purge history, check the audit
/// log. The one text of remediation: SARIF's rule help and the HTML report's cards.
pub(crate) fn remediation_steps(id: &str, help: Option<&str>) -> [String; 5] {
    let revoke = if let Some(h) = help {
        h.split_whitespace().collect::<Vec<_>>().join(" ")
    } else if id.starts_with("github.") {
        "Revoke it now at GitHub: a personal access token under Settings > Developer settings > \
         Personal access tokens (an organization owner can revoke one that has access to the \
         organization); an OAuth or GitHub App token by revoking the app's authorization or \
         resetting its credentials. If it is not yours to revoke, `patrol revoke` reports it to \
         GitHub's credential revocation API, which revokes it and tells its owner."
            .to_string()
    } else {
        "Revoke it now at the service that issued it.".to_string()
    };
    [
        revoke,
        "Rotate: issue a replacement with the least access needed and keep it out of the code \
         (an environment variable, a CI secret or a secret manager)."
            .to_string(),
        "Remove the secret from the code.".to_string(),
        "Purge it from git history, e.g. `git filter-repo --replace-text FILE` (a line \
         `SECRET==>REMOVED` per secret), then force-push every branch and tag and have \
         clones re-cloned. Deleting the line in a new commit is not enough: history, forks, \
         clones and caches keep the secret. Revoking is what makes it harmless."
            .to_string(),
        "Check the provider's audit log for use of the secret since it leaked.".to_string(),
    ]
}

/// Writes the report in the configured format to `out`.
pub(crate) fn write_report(
    out: &mut dyn Write,
    outcome: &Outcome,
    cfg: &ReportOptions,
) -> io::Result<()> {
    match cfg.format {
        Format::Text => text::write(out, outcome, cfg),
        Format::Json => json::write_document(out, outcome, cfg),
        Format::Jsonl => json::write_lines(out, outcome, cfg),
        Format::Sarif => sarif::write(out, outcome, cfg),
        Format::Csv => csv::write(out, outcome, cfg),
        Format::Html => html::write(out, outcome, cfg),
    }
}

/// The errors alone, for stderr when the summary is not wanted (`-q`, machine formats): an
/// incomplete scan is never silent.
pub(crate) fn write_errors(err: &mut dyn Write, outcome: &Outcome) -> io::Result<()> {
    for p in &outcome.errors {
        writeln!(
            err,
            "patrol: error: {}: {}",
            terminal(&p.path),
            terminal(&p.message)
        )?;
    }
    Ok(())
}

/// The human summary for stderr: per-path skips worth knowing and errors, then one line.
pub(crate) fn write_summary(err: &mut dyn Write, outcome: &Outcome) -> io::Result<()> {
    for (path, reason) in &outcome.skipped {
        // Symlinks are common (node_modules/.bin): counted in the summary, not listed.
        if reason.kind() != "symlink" {
            // A reason can name an archive member: text from the scanned input.
            writeln!(
                err,
                "patrol: skipped {}: {}",
                terminal(path),
                terminal(&reason.to_string())
            )?;
        }
    }
    write_errors(err, outcome)?;
    if let Some(unused) = &outcome.baseline_unused {
        for e in unused {
            writeln!(
                err,
                "patrol: baseline entry matched nothing: {} {} {}",
                e.fingerprint,
                terminal(&e.rule),
                terminal(&e.path)
            )?;
        }
    }
    for n in &outcome.notices {
        writeln!(err, "patrol: notice: {}", terminal(n))?;
    }
    if outcome.commits == Some(0) {
        writeln!(err, "patrol: the range holds no commits; nothing to scan")?;
    }
    let mut line = format!(
        "patrol: scanned {} {} ({}) in {:.2}s: {} {}",
        outcome.files,
        plural(outcome.files, "file", "files"),
        human_bytes(outcome.bytes),
        outcome.elapsed.as_secs_f64(),
        outcome.findings.len(),
        plural(outcome.findings.len() as u64, "finding", "findings"),
    );
    let distinct = outcome.distinct_secrets();
    if distinct < outcome.findings.len() {
        line += &format!(
            " of {distinct} distinct {}",
            plural(distinct as u64, "secret", "secrets")
        );
    }
    if outcome.invalid > 0 {
        line += &format!(
            "; {} checksum/structure-invalid {} not shown (--show-invalid)",
            outcome.invalid,
            plural(outcome.invalid as u64, "candidate", "candidates")
        );
    }
    if let Some(n) = outcome.commits {
        line += &format!("; {n} {} in range", plural(n as u64, "commit", "commits"));
    }
    if outcome.lfs_pointers > 0 {
        line += &format!(
            "; {} Git LFS pointer {} (content not fetched)",
            outcome.lfs_pointers,
            plural(outcome.lfs_pointers as u64, "file", "files")
        );
    }
    let markers = outcome.suppressed_by("inline-marker");
    if markers > 0 {
        line += &format!("; {markers} suppressed by allow markers");
    }
    let allowed = outcome.suppressed_by("allow-list") + outcome.suppressed_by("excluded-path");
    if allowed > 0 {
        line += &format!("; {allowed} allowed by the config file");
    }
    let baselined = outcome.suppressed_by("baseline");
    if baselined > 0 {
        line += &format!("; {baselined} in the baseline");
    }
    let skips = outcome.skip_counts();
    if !skips.is_empty() {
        let parts: Vec<String> = skips.iter().map(|(k, n)| format!("{n} {k}")).collect();
        line += &format!("; skipped {}", parts.join(", "));
    }
    if !outcome.errors.is_empty() {
        line += &format!(
            "; {} {} (scan incomplete)",
            outcome.errors.len(),
            plural(outcome.errors.len() as u64, "error", "errors")
        );
    }
    writeln!(err, "{line}")
}

fn plural(n: u64, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 {
        one
    } else {
        many
    }
}

pub(crate) fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}
