//! `.patrol.toml`: a team's settings, kept in the repository. Found at the repository root
//! from any subdirectory (or given with `--config FILE`), checked once here, then merged into
//! the scan's configuration by [`crate::config`]; command-line flags win over the file.
//!
//! Every key is documented in docs/config.md. An unknown key, or a value of the wrong type or
//! form, is an error that names the file, the key and what was expected.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Result};
use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;

use crate::cli::Format;
use crate::config::parse_size;

/// The file's name at a repository root.
pub const FILE_NAME: &str = ".patrol.toml";

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
pub struct FileConfig {
    /// Where the file was read from (`None`: no file).
    pub source: Option<PathBuf>,
    /// The directory that `exclude_paths` and relative paths are relative to.
    pub base: PathBuf,
    /// The working directory when the file was read: relative paths in reports are relative to
    /// it (kept so that matching a path does not ask the OS for it every time).
    cwd: PathBuf,
    pub rules: Vec<PathBuf>,
    pub disable_rules: Vec<String>,
    pub exclude_paths: Option<GlobSet>,
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
    pub fn discover(explicit: Option<&Path>, start: &Path) -> Result<FileConfig> {
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
            Ok(FileConfig {
                base: root.to_path_buf(),
                cwd: std::env::current_dir().unwrap_or_default(),
                ..FileConfig::default()
            })
        }
    }

    pub fn read(path: &Path) -> Result<FileConfig> {
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
            exclude = Some(b.build().map_err(|e| bad("exclude_paths", e.to_string()))?);
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
            Some(f) => Some(
                <Format as clap::ValueEnum>::from_str(f, false).map_err(|_| {
                    bad(
                        "format",
                        format!("expected one of text, json, jsonl, sarif, got {f:?}"),
                    )
                })?,
            ),
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
            cwd: std::env::current_dir().unwrap_or_default(),
            source: Some(path.to_path_buf()),
            rules: raw.rules.iter().map(|r| base.join(r)).collect(),
            baseline: raw.baseline.as_ref().map(|b| base.join(b)),
            base,
            disable_rules: raw.disable_rules,
            exclude_paths: exclude,
            allow_secrets: raw.allow_secrets,
            max_file_size,
            format,
            github_api: raw.github_api,
        })
    }

    /// Whether `path` (as a report shows it: relative to where patrol runs, or to the
    /// repository root in git modes) matches `exclude_paths`, taken relative to the file.
    pub fn is_excluded(&self, path: &str, git_relative: bool) -> bool {
        let Some(set) = &self.exclude_paths else {
            return false;
        };
        let p = Path::new(path);
        let rel: PathBuf = if git_relative {
            p.to_path_buf()
        } else {
            let abs: PathBuf = self
                .cwd
                .join(p)
                .components()
                .filter(|c| !matches!(c, std::path::Component::CurDir))
                .collect();
            abs.strip_prefix(&self.base)
                .map_or(abs.clone(), Path::to_path_buf)
        };
        set.is_match(&rel)
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

/// The API base for `--verify`: https, or plain http only to a loopback address (tests).
pub fn check_api_base(url: &str) -> Result<()> {
    if let Some(rest) = url.strip_prefix("https://") {
        if rest.is_empty() || rest.starts_with('/') {
            bail!("expected a URL like https://api.github.com, got {url:?}");
        }
        return Ok(());
    }
    if let Some(rest) = url.strip_prefix("http://") {
        let host = rest.split(['/', ':']).next().unwrap_or("");
        let host = if rest.starts_with('[') {
            rest.split(']').next().unwrap_or("").trim_start_matches('[')
        } else {
            host
        };
        let loopback = host == "localhost"
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        if loopback {
            return Ok(());
        }
        bail!("plain http:// is allowed only to a loopback address, got {url:?}");
    }
    bail!("expected an https:// URL, got {url:?}")
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
        assert!(c.is_excluded("vendor/a/b.rs", true));
        assert!(c.is_excluded("web/app.min.js", true));
        assert!(!c.is_excluded("src/main.rs", true));
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

    #[test]
    fn api_bases() {
        assert!(check_api_base("https://api.github.com").is_ok());
        assert!(check_api_base("https://api.acme.ghe.com").is_ok());
        assert!(check_api_base("http://127.0.0.1:8080").is_ok());
        assert!(check_api_base("http://[::1]:9/api").is_ok());
        assert!(check_api_base("http://localhost:1").is_ok());
        assert!(check_api_base("http://10.0.0.1").is_err());
        assert!(check_api_base("ftp://x").is_err());
    }
}
