//! `patrol baseline`: scan with any scan options, then write every finding's entry (replacing
//! the file). The baseline being written does not filter the scan that writes it.

use std::io;

use anyhow::{Context, Result};

use crate::baseline::Baseline;
use crate::cli::BaselineArgs;
use crate::config::ScanConfig;
use crate::report::write_summary;
use crate::scan::ExitStatus;

pub(super) fn run(args: BaselineArgs) -> Result<ExitStatus> {
    let file = args.file;
    let mut cfg = ScanConfig::from_args(args.scan, false)?;
    let (_, outcome) = super::scan::scan(&mut cfg)?;
    let baseline = Baseline::from_findings(&outcome.findings);
    std::fs::write(&file, baseline.render())
        .with_context(|| format!("cannot write baseline {}", file.display()))?;
    if !cfg.report.quiet {
        let _ = write_summary(&mut io::stderr().lock(), &outcome);
    }
    eprintln!(
        "patrol: wrote {} baseline {} to {}",
        baseline.entries.len(),
        if baseline.entries.len() == 1 {
            "entry"
        } else {
            "entries"
        },
        file.display()
    );
    // A scan that could not read everything records an incomplete baseline: say so.
    Ok(if outcome.errors.is_empty() {
        ExitStatus::Clean
    } else {
        ExitStatus::Error
    })
}
