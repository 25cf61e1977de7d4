//! Loading rules: the built-in files embedded with `include_str!`, then the user's `--rules`
//! paths (a file, or a directory whose `*.toml` files are read in name order). Every problem
//! is an error naming the file, the rule id and what is wrong.

use std::collections::HashSet;
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use regex::bytes::RegexBuilder;
use serde::Deserialize;

use super::syntax::{RuleFile, RuleSpec};
use super::{Rule, RuleSet, DEFAULT_WINDOW, MAX_WINDOW};
use crate::validate::Check;

/// A rules file's text and where it came from.
pub(super) struct RuleSource {
    pub(super) name: String,
    pub(super) text: String,
}

/// The rule files compiled into the binary.
pub(super) fn builtin_sources() -> Vec<RuleSource> {
    [(
        "builtin:github.toml",
        include_str!("../../rules/github.toml"),
    )]
    .into_iter()
    .map(|(name, text)| RuleSource {
        name: name.to_string(),
        text: text.to_string(),
    })
    .collect()
}

/// Reads `path` (a file, or a directory of `*.toml`) into sources.
fn read_user_sources(path: &Path) -> Result<Vec<RuleSource>> {
    let read = |p: &Path| -> Result<RuleSource> {
        let text = std::fs::read_to_string(p)
            .with_context(|| format!("cannot read rules file {}", p.display()))?;
        Ok(RuleSource {
            name: p.display().to_string(),
            text,
        })
    };
    let meta = std::fs::metadata(path)
        .with_context(|| format!("cannot read rules path {}", path.display()))?;
    if !meta.is_dir() {
        return Ok(vec![read(path)?]);
    }
    let mut files: Vec<_> = std::fs::read_dir(path)
        .with_context(|| format!("cannot list rules directory {}", path.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    if files.is_empty() {
        bail!("rules directory {} holds no *.toml file", path.display());
    }
    files.iter().map(|p| read(p)).collect()
}

/// Reads `path` (a rules file, or a directory of `*.toml`) as (name, text) pairs.
pub(crate) fn read_rule_files(path: &Path) -> Result<Vec<(String, String)>> {
    Ok(read_user_sources(path)?
        .into_iter()
        .map(|s| (s.name, s.text))
        .collect())
}

/// Compiles the built-in rules (unless `builtins` is false) and the rule files given as
/// (name, text) pairs.
pub(crate) fn load_rule_texts(builtins: bool, texts: Vec<(String, String)>) -> Result<RuleSet> {
    let mut sources = if builtins {
        builtin_sources()
    } else {
        Vec::new()
    };
    sources.extend(
        texts
            .into_iter()
            .map(|(name, text)| RuleSource { name, text }),
    );
    compile_sources(&sources)
}

/// Compiles the built-in rules (unless `builtins` is false) and every file under `user_paths`.
pub fn load_rules(builtins: bool, user_paths: &[impl AsRef<Path>]) -> Result<RuleSet> {
    let mut sources = if builtins {
        builtin_sources()
    } else {
        Vec::new()
    };
    for p in user_paths {
        sources.extend(read_user_sources(p.as_ref())?);
    }
    compile_sources(&sources)
}

/// Parses and compiles sources into one set; ids must be unique across all of them.
pub(super) fn compile_sources(sources: &[RuleSource]) -> Result<RuleSet> {
    let mut set = RuleSet::default();
    let mut ids = HashSet::new();
    for src in sources {
        let file: RuleFile = toml::from_str(&src.text)
            .map_err(|e| anyhow!("{}: invalid rules file: {}", src.name, e.message()))?;
        if file.rules.is_empty() {
            bail!("{}: no [[rules]] in file", src.name);
        }
        for (i, value) in file.rules.into_iter().enumerate() {
            let label = value
                .get("id")
                .and_then(|v| v.as_str())
                .map_or_else(|| format!("#{} (no id)", i + 1), |s| format!("'{s}'"));
            let spec = RuleSpec::deserialize(value)
                .map_err(|e| anyhow!("{}: rule {}: {}", src.name, label, e.message()))?;
            let rule = compile_rule(spec, &src.name)
                .map_err(|e| anyhow!("{}: rule {}: {}", src.name, label, e))?;
            if !ids.insert(rule.id.clone()) {
                bail!(
                    "{}: rule '{}': duplicate id (already defined)",
                    src.name,
                    rule.id
                );
            }
            set.rules.push(rule);
        }
    }
    Ok(set)
}

fn compile_rule(spec: RuleSpec, source: &str) -> Result<Rule> {
    let id_ok = !spec.id.is_empty()
        && spec
            .id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if !id_ok {
        bail!("id must be non-empty and use only a-z, 0-9, '.', '_', '-'");
    }
    if spec.name.trim().is_empty() {
        bail!("name is empty");
    }
    if spec.keywords.is_empty() {
        bail!("keywords is empty: the prefilter needs at least one literal");
    }
    if let Some(k) = spec.keywords.iter().find(|k| k.len() < 3) {
        bail!("keyword {k:?} is shorter than 3 bytes: it would make every file a candidate");
    }
    let check = Check::from_name(&spec.validation).ok_or_else(|| {
        let names: Vec<_> = Check::ALL.iter().map(|c| c.name()).collect();
        anyhow!(
            "unknown validation {:?} (expected one of: {})",
            spec.validation,
            names.join(", ")
        )
    })?;
    let window = spec.window.unwrap_or(DEFAULT_WINDOW);
    if window == 0 || window > MAX_WINDOW {
        bail!("window {window} is out of range 1..={MAX_WINDOW}");
    }
    // Bytes, not text: files may hold any bytes. Unicode off makes \w, \b and \d ASCII, which is
    // what token alphabets are, and keeps the automata small.
    let pattern = RegexBuilder::new(&spec.pattern)
        .unicode(false)
        .size_limit(1 << 22)
        .build()
        .map_err(|e| anyhow!("pattern does not compile: {e}"))?;
    let secret_group = pattern
        .capture_names()
        .position(|n| n == Some("secret"))
        .ok_or_else(|| anyhow!("pattern has no group named 'secret' (?P<secret>...)"))?;
    let secret_is_whole = matches!(
        regex_syntax::ParserBuilder::new()
            .unicode(false)
            .utf8(false)
            .build()
            .parse(&spec.pattern)
            .map(|h| h.into_kind()),
        Ok(regex_syntax::hir::HirKind::Capture(c)) if c.name.as_deref() == Some("secret")
    );
    if spec.examples.is_empty() {
        bail!("examples is empty: every rule needs at least one string it must find");
    }
    Ok(Rule {
        id: spec.id,
        name: spec.name,
        description: spec.description,
        keywords: spec.keywords,
        keywords_ignore_case: spec.keywords_ignore_case,
        pattern,
        secret_group,
        secret_is_whole,
        check,
        boundary: spec.boundary.unwrap_or(!check.is_checksum()),
        window,
        examples: spec.examples,
        negatives: spec.negatives,
        source: source.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compile(text: &str) -> Result<RuleSet> {
        compile_sources(&[RuleSource {
            name: "t.toml".into(),
            text: text.into(),
        }])
    }

    const GOOD: &str = r#"
[[rules]]
id = "x.token"
name = "X token"
keywords = ["xtok_"]
pattern = '(?P<secret>xtok_[a-z]{8})'
examples = ["xtok_abcdefgh"]
"#;

    #[test]
    fn good_rule_compiles() {
        let set = compile(GOOD).unwrap();
        assert_eq!(set.rules[0].id, "x.token");
        assert!(set.rules[0].boundary);
    }

    #[test]
    fn errors_name_file_rule_and_problem() {
        let cases = [
            (GOOD.replace("(?P<secret>", "("), "group named 'secret'"),
            (GOOD.replace("[a-z]{8}", "[a-z{8}"), "does not compile"),
            (
                GOOD.replace("keywords = [\"xtok_\"]", "keywords = []"),
                "keywords is empty",
            ),
            (GOOD.replace("name = ", "nmae = "), "unknown field"),
            (
                format!("{GOOD}validation = \"crc64\"\n"),
                "unknown validation",
            ),
            (format!("{GOOD}{GOOD}"), "duplicate id"),
        ];
        for (text, want) in cases {
            let err = compile(&text).unwrap_err().to_string();
            assert!(err.contains("t.toml"), "{err}");
            assert!(err.contains("'x.token'"), "{err}");
            assert!(err.contains(want), "{err} should contain {want}");
        }
    }
}
