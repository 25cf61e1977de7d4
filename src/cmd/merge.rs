//! `patrol merge`: the JSON reports of shards (or of several repositories) read back,
//! combined (`report::merge`), redacted again and written in any format. A report that cannot
//! be read is an error of the merge, named with its path: the others are still merged and
//! the result written (exit 2, as for a scan that could not read everything).

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};

use anyhow::{Context, Result};

use crate::cli::MergeArgs;
use crate::config::report_options;
use crate::report::merge::{combine, read, redact};
use crate::report::{write_errors, write_report, write_summary, Format};
use crate::rules::load_rules;
use crate::scan::{ExitStatus, Outcome, Problem, ScanOptions, Scanner};

/// Largest report read: a report is findings, not content; this is far beyond any real one.
const MAX_REPORT: u64 = 4 << 30;

pub(super) fn run(args: MergeArgs) -> Result<ExitStatus> {
    let report = report_options(args.output, None);
    // The built-in catalog: the public prefix a redacted secret keeps, the rules' descriptions
    // (SARIF), and the redactor that checks every string of the inputs again.
    let rules = load_rules(true, &[] as &[std::path::PathBuf])?;
    let metas = rules.metas();
    let prefix = |id: &str, secret: &str| {
        rules
            .get(id)
            .map_or(0, |r| r.public_prefix_len(secret.as_bytes()))
    };
    let mut parts = Vec::new();
    let mut unreadable = Vec::new();
    let mut shown = false;
    let stdin_once = args.reports.iter().filter(|p| p.as_os_str() == "-").count();
    if stdin_once > 1 {
        anyhow::bail!("`-` (stdin) given more than once");
    }
    for path in &args.reports {
        let name = path.display().to_string();
        let text = if path.as_os_str() == "-" {
            let mut s = String::new();
            io::stdin()
                .lock()
                .take(MAX_REPORT)
                .read_to_string(&mut s)
                .map(|_| s)
        } else {
            File::open(path).and_then(|f| {
                let mut s = String::new();
                f.take(MAX_REPORT).read_to_string(&mut s).map(|_| s)
            })
        };
        let parsed = text
            .context("cannot read it")
            .and_then(|t| read(&t, &prefix));
        match parsed {
            Ok(r) => {
                shown |= r.secrets_shown;
                parts.push(r.outcome);
            }
            Err(e) => unreadable.push(Problem {
                path: name,
                message: format!("cannot merge this report: {e:#}"),
            }),
        }
    }
    let mut outcome: Outcome = combine(parts);
    outcome.errors.extend(unreadable);
    outcome.rules = metas;
    let scanner = Scanner::new(rules, ScanOptions::default());
    redact(&mut outcome, &scanner, report.show_secrets);
    if report.show_secrets && !shown {
        outcome.notices.push(
            "--show-secrets: the reports merged hold redacted secrets only; they stay redacted"
                .to_string(),
        );
    }
    match &report.output {
        Some(path) => {
            let file = File::create(path)
                .with_context(|| format!("cannot create report file {}", path.display()))?;
            let mut w = BufWriter::new(file);
            write_report(&mut w, &outcome, &report)
                .and_then(|()| w.flush())
                .with_context(|| format!("cannot write report file {}", path.display()))?;
        }
        None => {
            let mut w = BufWriter::new(io::stdout().lock());
            write_report(&mut w, &outcome, &report).and_then(|()| w.flush())?;
        }
    }
    if !report.quiet && report.format == Format::Text {
        let _ = write_summary(&mut io::stderr().lock(), &outcome);
    } else {
        let _ = write_errors(&mut io::stderr().lock(), &outcome);
    }
    Ok(outcome.status())
}
