//! `patrol scan`: files, stdin or a git mode, through the scan layer, then the suppression
//! stage, optional liveness checks, redaction and the report.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::sync::Arc;

use anyhow::{Context, Result};

use super::hook::BLOCKED_HELP;
use super::progress::Display;
use crate::cli::ScanArgs;
use crate::config::ScanConfig;
use crate::git::{scan_git, GitMode};
use crate::report::{write_errors, write_report, write_summary, Format};
use crate::scan::{ExitStatus, Outcome, Progress, Redactor, Scanner};
use crate::verify::{self, VerifyConfig};
use crate::walk::scan_inputs;

pub(super) fn run(args: ScanArgs) -> Result<ExitStatus> {
    let mut cfg = ScanConfig::from_args(args, true)?;
    // A live progress line only where a person watches: a terminal, text, not --quiet.
    let watched = !cfg.report.quiet
        && cfg.report.format == Format::Text
        && io::stderr().is_terminal()
        && std::env::var_os("TERM").is_none_or(|t| t != "dumb");
    let (scanner, mut outcome) = scan(&mut cfg, watched)?;
    outcome.notices = std::mem::take(&mut cfg.notices);
    if let Some(v) = &cfg.verify {
        attach_verifications(&mut outcome, v);
    }
    if !cfg.report.show_secrets {
        redact(&scanner, &mut outcome);
    }
    match &cfg.report.output {
        Some(path) => {
            let file = File::create(path)
                .with_context(|| format!("cannot create report file {}", path.display()))?;
            let mut w = BufWriter::new(file);
            write_report(&mut w, &outcome, &cfg.report)
                .and_then(|()| w.flush())
                .with_context(|| format!("cannot write report file {}", path.display()))?;
        }
        None => {
            let mut w = BufWriter::new(io::stdout().lock());
            write_report(&mut w, &outcome, &cfg.report).and_then(|()| w.flush())?;
        }
    }
    // With -q, or a machine format (whose report is read by a program and whose stderr lands
    // in logs), stderr carries nothing but errors: no summary, no advice.
    let chatty = !cfg.report.quiet && cfg.report.format == Format::Text;
    if chatty {
        // Best effort: a closed stderr must not turn a finished scan into an error.
        let _ = write_summary(&mut io::stderr().lock(), &outcome);
    } else {
        let _ = write_errors(&mut io::stderr().lock(), &outcome);
    }
    let staged = matches!(&cfg.git, Some(g) if matches!(g.mode, GitMode::Staged { .. } | GitMode::PreCommit { .. }));
    if chatty && staged && !outcome.findings.is_empty() {
        eprintln!("{BLOCKED_HELP}");
    }
    Ok(outcome.status())
}

/// Scans as configured and applies the suppression stage. Returns the scanner too: what
/// reports show is redacted with it. With `watched`, a progress line is drawn on stderr while
/// the scan runs (and cleared before anything else is written).
pub(super) fn scan(cfg: &mut ScanConfig, watched: bool) -> Result<(Scanner, Outcome)> {
    let rules = std::mem::take(&mut cfg.rules);
    let metas = rules.metas();
    let scanner = Scanner::new(rules, cfg.options);
    let progress = Arc::new(Progress::default());
    let display = watched.then(|| Display::start(progress.clone()));
    let from_git = match &cfg.git {
        Some(git) => scan_git(git, &scanner, progress.clone()),
        None => Ok(None),
    };
    let from_git = match from_git {
        Ok(f) => f,
        Err(e) => {
            if let Some(d) = display {
                d.stop();
            }
            return Err(e);
        }
    };
    let mut outcome = match from_git {
        Some(outcome) => outcome,
        None => {
            // No git scan, or `--pre-commit` with nothing staged: the files themselves.
            cfg.git = None;
            scan_inputs(&cfg.inputs, &cfg.walk, &scanner, progress)
        }
    };
    if let Some(d) = display {
        d.stop();
    }
    cfg.suppress.apply(&mut outcome);
    outcome.rules = metas;
    Ok((scanner, outcome))
}

/// Every string of `outcome` that reports show beside findings, redacted (see `scan::redact`).
pub(super) fn redact(scanner: &Scanner, outcome: &mut Outcome) {
    Redactor::new(scanner)
        .with_findings(outcome.findings.iter().chain(&outcome.suppressed))
        .apply(outcome);
}

/// `--verify`: each unique offline-valid token once; results attached by fingerprint.
fn attach_verifications(outcome: &mut Outcome, cfg: &VerifyConfig) {
    let tokens: Vec<(String, String, String)> = outcome
        .findings
        .iter()
        .filter(|f| f.validation.is_valid())
        .map(|f| {
            (
                f.fingerprint.to_string(),
                f.rule.clone(),
                f.secret.expose().to_string(),
            )
        })
        .collect();
    if tokens.is_empty() {
        return;
    }
    let results = verify::verify_all(&tokens, cfg);
    for f in &mut outcome.findings {
        f.verification = results.get(f.fingerprint.as_str()).cloned().map(Box::new);
    }
}
