//! `patrol baseline`: scan with any scan options, then write every finding's entry (replacing
//! the file). The baseline being written does not filter the scan that writes it.

use std::io;
use std::path::Path;

use anyhow::{Context, Result};

use crate::baseline::Baseline;
use crate::cli::BaselineArgs;
use crate::config::ScanConfig;
use crate::report::escape::terminal;
use crate::report::write_summary;
use crate::scan::ExitStatus;

pub(super) fn run(args: BaselineArgs) -> Result<ExitStatus> {
    let file = args.file;
    let mut cfg = ScanConfig::from_args(args.scan, false)?;
    let (scanner, mut outcome) = super::scan::scan(&mut cfg, false)?;
    // The file is committed and its paths shown: a path holding a secret is redacted there too
    // (entries match by fingerprint and rule, never by path).
    super::scan::redact(&scanner, &mut outcome);
    let baseline = Baseline::from_findings(&outcome.findings);
    std::fs::write(&file, baseline.render())
        .with_context(|| format!("cannot write baseline {}", file.display()))?;
    if let Some(note) = mark_union_merge(&file)? {
        eprintln!("patrol: {}", terminal(&note));
    }
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

/// Makes git merge the baseline by union: `merge=union` for it in the repository's
/// `.gitattributes`. Two branches that each add entries then merge without a conflict
/// (without it, new lines next to each other conflicted most of the time); lines may end up
/// unsorted or repeated, which the reader accepts and the next `patrol baseline` tidies.
/// Returns what was done, if anything; nothing outside a git work tree.
fn mark_union_merge(file: &Path) -> Result<Option<String>> {
    let abs = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
    let Some(dir) = abs.parent() else {
        return Ok(None);
    };
    let Ok(repo) = gix::discover(dir) else {
        return Ok(None);
    };
    let Some(root) = repo.workdir() else {
        return Ok(None);
    };
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let Ok(rel_dir) = dir.strip_prefix(&root) else {
        return Ok(None);
    };
    let rel = rel_dir.join(abs.file_name().unwrap_or_default());
    let rel = rel.to_string_lossy().replace('\\', "/");
    // Patterns with spaces would need quoting in .gitattributes; such a name keeps git's default.
    if rel.contains(|c: char| c.is_whitespace() || c == '"') {
        return Ok(None);
    }
    let attributes = root.join(".gitattributes");
    let existing = match std::fs::read_to_string(&attributes) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", attributes.display())),
    };
    let line = format!("/{rel} merge=union");
    if existing.lines().any(|l| l.trim() == line) {
        return Ok(None);
    }
    let mut text = existing;
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str("# patrol baseline: branches that each add entries merge without conflicts\n");
    text.push_str(&line);
    text.push('\n');
    std::fs::write(&attributes, text)
        .with_context(|| format!("cannot write {}", attributes.display()))?;
    Ok(Some(format!(
        "marked {rel} for union merges in .gitattributes (commit it with the baseline)"
    )))
}
