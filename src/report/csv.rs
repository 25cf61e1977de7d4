//! `--format csv`: one row per finding, for spreadsheets (RFC 4180: comma-separated, CRLF
//! line ends, a header row, fields quoted when they hold a comma, a quote or a line break).
//!
//! Every string from a scanned repository is data, and a spreadsheet would run a cell that
//! starts with `=`, `+`, `-`, `@`, a tab or a carriage return as a formula (CSV injection:
//! a file named `=HYPERLINK(…)` or a commit summary `=cmd|…` would execute when the report is
//! opened). Such cells get a leading `'`, which spreadsheets show as text and hide.

use std::io::{self, Write};

use super::ReportOptions;
use crate::finding::{Finding, Origin};
use crate::scan::Outcome;

/// The header row; one column per field, stable (new columns are only ever appended).
const COLUMNS: [&str; 25] = [
    "path",
    "line",
    "column",
    "rule",
    "rule_name",
    "validation",
    "secret",
    "fingerprint",
    "verification",
    "commit",
    "author",
    "date",
    "commit_summary",
    "commits",
    "other_paths",
    "unreachable",
    "blob",
    "other_path_list",
    "present_at_head",
    "removed_in",
    "decoded",
    "commit_url",
    "line_url",
    "unpacked",
    "repository",
];

/// A field as a CSV cell: neutralised against formulas, quoted when it must be.
pub(crate) fn cell(value: &str) -> String {
    // Control characters made visible, as on a terminal: a CSV is read on one as often as in
    // a spreadsheet, and a path or member name from the scanned input may carry ESC.
    let value = super::escape::terminal(value);
    let guarded = match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}"),
        _ => value.to_string(),
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

fn row(f: &Finding, show_secrets: bool) -> Vec<String> {
    let p = f.provenance.as_ref();
    let c = p.and_then(|p| p.commit.as_ref());
    let blob = match &f.origin {
        Origin::Blob { id, .. } => id.clone(),
        _ => String::new(),
    };
    let opt = |v: Option<String>| v.unwrap_or_default();
    vec![
        f.origin.display_path(),
        f.line.to_string(),
        f.column.to_string(),
        f.rule.clone(),
        f.rule_name.clone(),
        f.validation.as_str().to_string(),
        f.secret.shown(show_secrets),
        f.fingerprint.as_str().to_string(),
        opt(f
            .verification
            .as_ref()
            .map(|v| v.status.as_str().to_string())),
        opt(c.map(|c| c.id.clone())),
        opt(c.map(|c| c.author.clone())),
        opt(c.map(|c| c.date.clone())),
        opt(c.map(|c| c.summary.clone())),
        opt(p.map(|p| p.commits.to_string())),
        opt(p.map(|p| p.other_paths.len().to_string())),
        opt(p.map(|p| p.unreachable.to_string())),
        blob,
        opt(p.map(|p| p.other_paths.join("; "))),
        opt(p.and_then(|p| p.present_at_head).map(|b| b.to_string())),
        opt(p.and_then(|p| p.removed_in.as_ref()).map(|c| c.id.clone())),
        f.decoded.join(" > "),
        opt(p.and_then(|p| p.links.as_ref()).map(|l| l.commit.clone())),
        opt(p
            .and_then(|p| p.links.as_ref())
            .and_then(|l| l.line.clone())),
        f.unpacked
            .iter()
            .map(|l| l.label())
            .collect::<Vec<_>>()
            .join(" > "),
        opt(f.repository.as_deref().map(str::to_string)),
    ]
}

pub(crate) fn write(out: &mut dyn Write, o: &Outcome, cfg: &ReportOptions) -> io::Result<()> {
    write!(out, "{}\r\n", COLUMNS.join(","))?;
    for f in &o.findings {
        let cells: Vec<String> = row(f, cfg.show_secrets).iter().map(|v| cell(v)).collect();
        write!(out, "{}\r\n", cells.join(","))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_never_formulas() {
        assert_eq!(cell("src/a.py"), "src/a.py");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        // Controls are made visible (one row per line, nothing for a terminal to obey).
        assert_eq!(cell("two\nlines"), "two\\nlines");
        assert_eq!(cell("a\x1b[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(cell("\tx"), "\\tx");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        for start in ["+1", "-1", "@SUM(A1)"] {
            assert!(
                cell(start).trim_start_matches('"').starts_with('\''),
                "{start:?}"
            );
        }
    }
}
