//! The suppression stage: what a team has said is not to be reported, in one place.
//!
//! - **Inline markers** (`patrol:allow` and the markers of the tools teams switch from): the
//!   scanner drops a finding whose line carries one, while the line is at hand.
//! - **`exclude_paths`**: every input mode asks [`Suppressor::excludes_file`] before reading a
//!   file, so an excluded file is never read; git modes learn a blob's path from a tree, and
//!   [`Suppressor::apply`] drops findings at excluded tree paths once the paths are known.
//! - **`allow_secrets`** (fingerprints) and the **baseline**: [`Suppressor::apply`], after the
//!   scan, in every mode.

use std::path::{Component, Path, PathBuf};

use globset::GlobSet;

use super::outcome::Outcome;
use crate::baseline::Baseline;
use crate::finding::{Finding, Origin, Suppression};

/// Inline markers that suppress findings on their line. `patrol:allow` is ours; the others
/// are honoured so that teams switching tools keep their existing annotations.
pub(crate) const ALLOW_MARKERS: [&str; 6] = [
    "patrol:allow",
    "gitleaks:allow",
    "betterleaks:allow",
    "pragma: allowlist secret",
    "trufflehog:ignore",
    "kingfisher:ignore",
];

/// The allow marker `line` carries, if any.
pub(crate) fn marker_on_line(line: &[u8]) -> Option<&'static str> {
    ALLOW_MARKERS
        .iter()
        .find(|m| memchr::memmem::find(line, m.as_bytes()).is_some())
        .copied()
}

/// `exclude_paths` globs, relative to the directory of the file that set them.
#[derive(Clone, Debug)]
pub(crate) struct PathFilter {
    pub set: GlobSet,
    /// The directory the globs are relative to (the config file's).
    pub base: PathBuf,
    /// The working directory when the settings were read: file paths in reports are relative
    /// to it (kept so that matching a path does not ask the OS for it every time).
    pub cwd: PathBuf,
}

impl PathFilter {
    /// Whether a file path (as the walker or the command line names it: relative to the
    /// working directory, or absolute) matches.
    pub(crate) fn matches_file(&self, path: &Path) -> bool {
        let abs: PathBuf = self
            .cwd
            .join(path)
            .components()
            .filter(|c| !matches!(c, Component::CurDir))
            .collect();
        let rel = abs.strip_prefix(&self.base).unwrap_or(&abs);
        self.set.is_match(rel)
    }

    /// Whether a path in a git tree (relative to the repository root) matches.
    pub(crate) fn matches_tree_path(&self, path: &str) -> bool {
        self.set.is_match(Path::new(path))
    }
}

/// The team's suppressions, applied to every mode's outcome (see the module docs).
#[derive(Debug, Default)]
pub(crate) struct Suppressor {
    /// Fingerprints (`sha256:` + 64 hex) of secrets accepted as not secret.
    pub allow_secrets: Vec<String>,
    pub exclude: Option<PathFilter>,
    pub baseline: Option<Baseline>,
    /// Record the baseline entries that matched nothing (`--baseline-unused`).
    pub list_unused: bool,
}

impl Suppressor {
    /// Whether the file at `path` is excluded and must not be read.
    pub(crate) fn excludes_file(&self, path: &Path) -> bool {
        self.exclude.as_ref().is_some_and(|f| f.matches_file(path))
    }

    /// Moves allowed, excluded and baselined findings of `outcome` to its suppressed list,
    /// each with its reason.
    pub(crate) fn apply(&self, outcome: &mut Outcome) {
        let findings = std::mem::take(&mut outcome.findings);
        let mut kept = Vec::with_capacity(findings.len());
        for mut f in findings {
            match self.reason(&f) {
                Some(why) => {
                    f.suppression = Some(why);
                    outcome.suppressed.push(f);
                }
                None => kept.push(f),
            }
        }
        outcome.findings = kept;
        if let Some(b) = &self.baseline {
            let (baselined, unused) = b.filter(&mut outcome.findings);
            outcome
                .suppressed
                .extend(baselined.into_iter().map(|mut f| {
                    f.suppression = Some(Suppression::Baseline);
                    f
                }));
            if self.list_unused {
                outcome.baseline_unused = Some(unused);
            }
        }
        outcome.sort();
    }

    /// Why the config file suppresses `f`, if it does.
    fn reason(&self, f: &Finding) -> Option<Suppression> {
        if self
            .allow_secrets
            .iter()
            .any(|a| a == f.fingerprint.as_str())
        {
            return Some(Suppression::AllowList);
        }
        // Files were filtered before they were read; tree paths are known only now.
        let excluded = match &f.origin {
            Origin::Staged { path }
            | Origin::Blob {
                path: Some(path), ..
            } => self
                .exclude
                .as_ref()
                .is_some_and(|x| x.matches_tree_path(path)),
            _ => false,
        };
        excluded.then_some(Suppression::ExcludedPath)
    }
}
