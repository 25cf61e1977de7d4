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

/// The checked settings, as written: paths relative to [`FileConfig::base`]. Whether they may
/// be followed (and whether `github_api` counts) depends on where the file came from, which
/// [`super`] decides.
#[derive(Debug, Default)]
pub(crate) struct FileConfig {
    /// How the file is named in messages (`None`: no file).
    pub name: Option<String>,
    /// The directory relative paths in the file are relative to.
    pub base: PathBuf,
    pub rules: Vec<String>,
    pub disable_rules: Vec<String>,
    pub exclude_paths: Option<PathFilter>,
    /// Fingerprints (`sha256:` + 64 hex) of secrets accepted as not secret.
    pub allow_secrets: Vec<String>,
    pub max_file_size: Option<u64>,
    pub format: Option<Format>,
    pub baseline: Option<String>,
    /// Honoured only from a file outside the scanned tree (see `config`).
    pub github_api: Option<String>,
}

impl FileConfig {
    /// The repository's settings file for a scan starting at `start`: `.patrol.toml` at the
    /// root of the repository holding it (walking up to the directory with `.git`), else in
    /// `start` itself. Returns the directory searched too.
    pub(crate) fn find(start: &Path) -> (Option<PathBuf>, PathBuf) {
        let start = std::path::absolute(start).unwrap_or_else(|_| start.to_path_buf());
        let start = if start.is_dir() {
            start
        } else {
            start.parent().map_or(start.clone(), Path::to_path_buf)
        };
        let root = start
            .ancestors()
            .find(|d| d.join(".git").exists())
            .unwrap_or(&start)
            .to_path_buf();
        let candidate = root.join(FILE_NAME);
        (candidate.is_file().then_some(candidate), root)
    }

    pub(crate) fn read(path: &Path) -> Result<FileConfig> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow!("cannot read config file {}: {e}", path.display()))?;
        let base = std::path::absolute(path)
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .unwrap_or_default();
        FileConfig::parse(&text, &path.display().to_string(), &base)
    }

    /// Parses the text of a settings file called `name` whose relative paths are relative to
    /// `base`. Errors name the file, the line or key and what was expected; they never quote
    /// the file's text (it may hold anything).
    pub(crate) fn parse(text: &str, name: &str, base: &Path) -> Result<FileConfig> {
        let raw: Raw =
            toml::from_str(text).map_err(|e| anyhow!("{name}: {}", describe(&e, text)))?;
        let base = base.to_path_buf();
        let bad = |key: &str, what: String| anyhow!("{name}: key `{key}`: {what}");

        let mut exclude = None;
        if !raw.exclude_paths.is_empty() {
            let mut b = GlobSetBuilder::new();
            for (i, g) in raw.exclude_paths.iter().enumerate() {
                let g = &exclude_glob(g)
                    .map_err(|what| bad("exclude_paths", format!("entry {} {what}", i + 1)))?;
                let glob = Glob::new(g).map_err(|e| {
                    bad(
                        "exclude_paths",
                        format!("entry {} is not a glob: {}", i + 1, glob_problem(&e)),
                    )
                })?;
                b.add(glob);
            }
            exclude = Some(PathFilter {
                set: b
                    .build()
                    .map_err(|e| bad("exclude_paths", glob_problem(&e)))?,
                base: base.clone(),
                cwd: std::env::current_dir().unwrap_or_default(),
            });
        }
        for (i, fp) in raw.allow_secrets.iter().enumerate() {
            let ok = fp
                .strip_prefix("sha256:")
                .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()));
            if !ok {
                return Err(bad(
                    "allow_secrets",
                    format!(
                        "entry {} is not a fingerprint: expected \"sha256:<64 hex>\"",
                        i + 1
                    ),
                ));
            }
        }
        let size_error = || {
            bad(
                "max_file_size",
                "expected a size like 1048576 or \"10M\"".to_string(),
            )
        };
        let max_file_size = match &raw.max_file_size {
            None => None,
            Some(toml::Value::Integer(n)) if *n >= 0 => Some(*n as u64),
            Some(toml::Value::String(s)) => Some(parse_size(s).map_err(|_| size_error())?),
            Some(_) => return Err(size_error()),
        };
        let format = match raw.format.as_deref() {
            None => None,
            Some(f) => Some(Format::from_name(f).ok_or_else(|| {
                let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
                bad("format", format!("expected one of {}", names.join(", ")))
            })?),
        };
        if let Some(api) = &raw.github_api {
            check_api_base(api).map_err(|e| bad("github_api", e.to_string()))?;
        }
        if raw.disable_rules.iter().any(String::is_empty) {
            return Err(bad(
                "disable_rules",
                "expected rule ids, got an empty one".into(),
            ));
        }
        for (key, paths) in [
            ("rules", &raw.rules),
            ("baseline", &raw.baseline.iter().cloned().collect()),
        ] {
            if paths.iter().any(String::is_empty) {
                return Err(bad(key, "expected a path, got an empty one".into()));
            }
        }
        Ok(FileConfig {
            name: Some(name.to_string()),
            base,
            rules: raw.rules,
            baseline: raw.baseline,
            disable_rules: raw.disable_rules,
            exclude_paths: exclude,
            allow_secrets: raw.allow_secrets,
            max_file_size,
            format,
            github_api: raw.github_api,
        })
    }
}

/// An `exclude_paths` entry as people write it, made into a glob relative to the settings
/// file's directory: `./x` and `/x` (anchored at that directory, as in .gitignore) mean `x`,
/// and Windows separators (`vendor\lib\*.py`) are read as `/`. An entry that could never
/// match — one leaving the directory, or naming nothing — is refused rather than ignored.
fn exclude_glob(entry: &str) -> std::result::Result<String, &'static str> {
    let mut g = entry.trim().replace('\\', "/");
    while let Some(rest) = g.strip_prefix("./") {
        g = rest.to_string();
    }
    let g = g.trim_start_matches('/').to_string();
    if g.is_empty() || g == "." {
        return Err("names nothing (an empty path, or the directory itself)");
    }
    if g == ".." || g.starts_with("../") || g.contains("/../") {
        return Err("leaves the directory of the settings file: it could never match");
    }
    // `dir/` (as in .gitignore) means everything under it.
    Ok(match g.strip_suffix('/') {
        Some(dir) => format!("{dir}/**"),
        None => g,
    })
}

/// What is wrong with a glob, without quoting it.
fn glob_problem(e: &globset::Error) -> String {
    e.kind().to_string()
}

/// A TOML error with its line and, where the span points into `key = value`, the key's name
/// (serde's type errors say what was expected but not for which key). Quoted values in the
/// message are elided: the file's content is not repeated back.
fn describe(e: &toml::de::Error, text: &str) -> String {
    let message = elide_quoted(e.message());
    let Some(span) = e.span() else {
        return message;
    };
    let start = span.start.min(text.len());
    let line_no = text.as_bytes()[..start]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1;
    let line = text.lines().nth(line_no - 1).unwrap_or("");
    let key = line.split_once('=').map(|(k, _)| k.trim()).filter(|k| {
        !k.is_empty()
            && k.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    });
    match key {
        Some(key) if !message.contains('`') || message.starts_with("invalid") => {
            format!("line {line_no}: key `{key}`: {message}")
        }
        _ => format!("line {line_no}: {message}"),
    }
}

/// `message` with every `"…"` string literal in it replaced by `"…"`.
fn elide_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut parts = message.split('"');
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    let rest: Vec<&str> = parts.collect();
    for (i, part) in rest.iter().enumerate() {
        if i % 2 == 0 {
            // Inside a literal; an unterminated one runs to the end.
            out.push_str(if i + 1 < rest.len() {
                "\"…\""
            } else {
                "\"…"
            });
        } else {
            out.push_str(part);
        }
    }
    out
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
                "key `allow_secrets`: entry 1 is not a fingerprint",
            ),
            (
                "exclude_paths = [\"a[\"]",
                "key `exclude_paths`: entry 1 is not a glob",
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

    /// The spellings people write for a path all work; one that could never match is refused.
    #[test]
    fn exclude_paths_spellings() {
        let c = read(
            "exclude_paths = [\"./vendor/**\", \"/build/**\", \"docs\\\\gen\\\\*.md\", \"tmp/\"]",
        )
        .unwrap();
        let x = c.exclude_paths.as_ref().unwrap();
        for path in ["vendor/a/b.js", "build/out.txt", "docs/gen/x.md", "tmp/a/b"] {
            assert!(x.matches_tree_path(path), "{path}");
        }
        assert!(!x.matches_tree_path("src/vendor/a.js"));
        for bad in ["\"../x/**\"", "\"./\"", "\"\"", "\"a/../../b\""] {
            let e = read(&format!("exclude_paths = [{bad}]"))
                .unwrap_err()
                .to_string();
            assert!(e.contains("key `exclude_paths`: entry 1"), "{bad}: {e}");
        }
    }

    /// A parse error names the file, the line and what was expected, never the value.
    #[test]
    fn errors_never_quote_the_file() {
        for text in [
            "max_file_size = \"HUSH-value-1234567\"",
            "format = \"HUSH-value-1234567\"",
            "allow_secrets = [\"HUSH-value-1234567\"]",
            "exclude_paths = [\"HUSH-value-1234567[\"]",
            "rules = \"HUSH-value-1234567\"",
            "\n\nbaseline = [\"HUSH-value-1234567\"]",
            "format = \"HUSH-value-1234567",
            "x = \"HUSH-value-1234567\"",
        ] {
            let e = read(text).unwrap_err().to_string();
            assert!(!e.contains("HUSH"), "{text:?} -> {e}");
            assert!(e.contains(FILE_NAME), "{e}");
        }
    }
}
