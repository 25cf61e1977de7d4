//! `.patrol.toml`: a team's settings, kept in the repository. Found at the repository root
//! from any subdirectory (or given with `--config FILE`), checked once here, then merged into
//! the scan's configuration by [`super`]; command-line flags win over the file.
//!
//! Every key is documented in docs/config.md. An unknown key, or a value of the wrong type or
//! form, is an error that names the file, the key and what was expected.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Result};
use globset::{Glob, GlobSetBuilder};
use serde::Deserialize;

use super::parse_size;
use crate::report::Format;
use crate::scan::PathFilter;
use crate::verify::check_api_base;

/// The file's name at a repository root.
pub(super) const FILE_NAME: &str = ".patrol.toml";

/// The raw file, as serde reads it.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(default)]
    rules: Vec<String>,
    #[serde(default)]
    disable_rules: Vec<String>,
    #[serde(default)]
    exclude_paths: Vec<String>,
    #[serde(default)]
    allow_secrets: Vec<String>,
    max_file_size: Option<toml::Value>,
    format: Option<String>,
    baseline: Option<String>,
    github_api: Option<String>,
}

/// The checked settings. Paths in the file are relative to the directory holding it.
#[derive(Debug, Default)]
pub(crate) struct FileConfig {
    /// Where the file was read from (`None`: no file).
    pub source: Option<PathBuf>,
    pub rules: Vec<PathBuf>,
    pub disable_rules: Vec<String>,
    pub exclude_paths: Option<PathFilter>,
    /// Fingerprints (`sha256:` + 64 hex) of secrets accepted as not secret.
    pub allow_secrets: Vec<String>,
    pub max_file_size: Option<u64>,
    pub format: Option<Format>,
    pub baseline: Option<PathBuf>,
    pub github_api: Option<String>,
}

impl FileConfig {
    /// Reads `explicit` if given; otherwise looks for `.patrol.toml` at the root of the
    /// repository holding `start` (walking up to the directory with `.git`), else in `start`.
    pub(crate) fn discover(explicit: Option<&Path>, start: &Path) -> Result<FileConfig> {
        if let Some(p) = explicit {
            return FileConfig::read(p);
        }
        let start = std::path::absolute(start).unwrap_or_else(|_| start.to_path_buf());
        let start = if start.is_dir() {
            start
        } else {
            start.parent().map_or(start.clone(), Path::to_path_buf)
        };
        let root = start
            .ancestors()
            .find(|d| d.join(".git").exists())
            .unwrap_or(&start);
        let candidate = root.join(FILE_NAME);
        if candidate.is_file() {
            FileConfig::read(&candidate)
        } else {
            Ok(FileConfig::default())
        }
    }

    pub(crate) fn read(path: &Path) -> Result<FileConfig> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow!("cannot read config file {}: {e}", path.display()))?;
        let name = path.display().to_string();
        let raw: Raw =
            toml::from_str(&text).map_err(|e| anyhow!("{name}: {}", describe(&e, &text)))?;
        let base = std::path::absolute(path)
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .unwrap_or_default();
        let bad = |key: &str, what: String| anyhow!("{name}: key `{key}`: {what}");

        let mut exclude = None;
        if !raw.exclude_paths.is_empty() {
            let mut b = GlobSetBuilder::new();
            for g in &raw.exclude_paths {
                let glob = Glob::new(g).map_err(|e| {
                    bad("exclude_paths", format!("expected a glob, got {g:?}: {e}"))
                })?;
                b.add(glob);
            }
            exclude = Some(PathFilter {
                set: b.build().map_err(|e| bad("exclude_paths", e.to_string()))?,
                base: base.clone(),
                cwd: std::env::current_dir().unwrap_or_default(),
            });
        }
        for fp in &raw.allow_secrets {
            let ok = fp
                .strip_prefix("sha256:")
                .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()));
            if !ok {
                return Err(bad(
                    "allow_secrets",
                    format!("expected fingerprints like \"sha256:<64 hex>\", got {fp:?}"),
                ));
            }
        }
        let max_file_size = match &raw.max_file_size {
            None => None,
            Some(toml::Value::Integer(n)) if *n >= 0 => Some(*n as u64),
            Some(toml::Value::String(s)) => Some(parse_size(s).map_err(|_| {
                bad(
                    "max_file_size",
                    format!("expected a size like 1048576 or \"10M\", got {s:?}"),
                )
            })?),
            Some(v) => {
                return Err(bad(
                    "max_file_size",
                    format!("expected a size like 1048576 or \"10M\", got {v}"),
                ))
            }
        };
        let format = match raw.format.as_deref() {
            None => None,
            Some(f) => Some(Format::from_name(f).ok_or_else(|| {
                let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
                bad(
                    "format",
                    format!("expected one of {}, got {f:?}", names.join(", ")),
                )
            })?),
        };
        if let Some(api) = &raw.github_api {
            check_api_base(api).map_err(|e| bad("github_api", e.to_string()))?;
        }
        for r in &raw.disable_rules {
            if r.is_empty() {
                return Err(bad("disable_rules", "expected rule ids, got \"\"".into()));
            }
        }
        Ok(FileConfig {
            source: Some(path.to_path_buf()),
            rules: raw.rules.iter().map(|r| base.join(r)).collect(),
            baseline: raw.baseline.as_ref().map(|b| base.join(b)),
            disable_rules: raw.disable_rules,
            exclude_paths: exclude,
            allow_secrets: raw.allow_secrets,
            max_file_size,
            format,
            github_api: raw.github_api,
        })
    }
}

/// A TOML error with its line and, where the span points into `key = value`, the key's name
/// (serde's type errors say what was expected but not for which key).
fn describe(e: &toml::de::Error, text: &str) -> String {
    let Some(span) = e.span() else {
        return e.message().to_string();
    };
    let line_no = text[..span.start].matches('\n').count() + 1;
    let line = text.lines().nth(line_no - 1).unwrap_or("");
    match line.split_once('=') {
        Some((key, _)) if !e.message().contains('`') || e.message().starts_with("invalid") => {
            format!("line {line_no}: key `{}`: {}", key.trim(), e.message())
        }
        _ => format!("line {line_no}: {}", e.message()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<FileConfig> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(FILE_NAME);
        std::fs::write(&p, text).unwrap();
        FileConfig::read(&p)
    }

    #[test]
    fn good_file() {
        let c = read(
            r#"
rules = ["my-rules.toml"]
disable_rules = ["github.legacy.token"]
exclude_paths = ["vendor/**", "**/*.min.js"]
allow_secrets = ["sha256:0000000000000000000000000000000000000000000000000000000000000000"]
max_file_size = "10M"
format = "sarif"
baseline = ".patrol-baseline"
github_api = "https://ghe.example.com/api/v3"
"#,
        )
        .unwrap();
        assert_eq!(c.max_file_size, Some(10 << 20));
        assert_eq!(c.format, Some(Format::Sarif));
        let x = c.exclude_paths.as_ref().unwrap();
        assert!(x.matches_tree_path("vendor/a/b.rs"));
        assert!(x.matches_tree_path("web/app.min.js"));
        assert!(!x.matches_tree_path("src/main.rs"));
    }

    #[test]
    fn errors_name_file_key_and_expectation() {
        let cases = [
            ("colour = true", "unknown field `colour`"),
            (
                "max_file_size = \"ten\"",
                "key `max_file_size`: expected a size",
            ),
            (
                "format = \"xml\"",
                "key `format`: expected one of text, json, jsonl, sarif",
            ),
            (
                "allow_secrets = [\"abc\"]",
                "key `allow_secrets`: expected fingerprints",
            ),
            (
                "exclude_paths = [\"a[\"]",
                "key `exclude_paths`: expected a glob",
            ),
            (
                "github_api = \"http://example.com\"",
                "key `github_api`: plain http://",
            ),
            ("disable_rules = \"x\"", "disable_rules"),
        ];
        for (text, want) in cases {
            let e = read(text).unwrap_err().to_string();
            assert!(e.contains(FILE_NAME), "{e}");
            assert!(e.contains(want), "{e:?} should contain {want:?}");
        }
    }
}
