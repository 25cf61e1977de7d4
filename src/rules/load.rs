//! Loading rules: the built-in files embedded with `include_str!`, then the user's `--rules`
//! paths (a file, or a directory whose `*.toml` files are read in name order). Every problem
//! is an error naming the file, the rule id and what is wrong.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use anyhow::{anyhow, bail, Context, Result};
use serde::Deserialize;

use super::gates::{compile_allow, Allow, Gates};
use super::import;
use super::syntax::{RuleFile, RuleSpec};
use super::{LazyRegex, Rule, RuleSet, DEFAULT_WINDOW, MAX_WINDOW};
use crate::validate::marvin::seed_from_name;
use crate::validate::{Check, Crc32Spec, CrcEncoding};

/// A rules file's text and where it came from.
pub(super) struct RuleSource {
    pub(super) name: String,
    pub(super) text: String,
}

/// Embeds rule files by name. Files load in this order, and where two rules prove the same
/// bytes the first reports them: provider-specific files come before generic ones
/// (`private-keys.toml` last). `every_rules_file_is_embedded` keeps the list complete.
macro_rules! builtin_files {
    ($($name:literal),* $(,)?) => {
        [$(($name, include_str!(concat!("../../rules/", $name)))),*]
    };
}

pub(crate) const BUILTIN_FILES: &[(&str, &str)] = &builtin_files![
    "github.toml",
    "aws.toml",
    "gcp.toml",
    "azure.toml",
    "gitlab.toml",
    "atlassian.toml",
    "slack.toml",
    "ai.toml",
    "packages.toml",
    "cloud.toml",
    "devtools.toml",
    "payments.toml",
    "messaging.toml",
    "observability.toml",
    "secrets-managers.toml",
    "crypto-keys.toml",
    "private-keys.toml",
];

/// The rule files compiled into the binary.
pub(super) fn builtin_sources() -> Vec<RuleSource> {
    BUILTIN_FILES
        .iter()
        .map(|(name, text)| RuleSource {
            name: format!("builtin:{name}"),
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

/// Parses and compiles sources into one set; ids must be unique across all of them. A
/// gitleaks or Betterleaks config is translated first (`import`); what it cannot translate
/// becomes a notice on the set.
pub(super) fn compile_sources(sources: &[RuleSource]) -> Result<RuleSet> {
    let mut set = RuleSet::default();
    let mut ids = HashSet::new();
    for src in sources {
        let invalid =
            |e: toml::de::Error| anyhow!("{}: invalid rules file: {}", src.name, e.message());
        // Built-in files are patrol's schema: parsed straight into it (going through a
        // generic table first costs every run a millisecond).
        if src.name.starts_with("builtin:") {
            let file: RuleFile = toml::from_str(&src.text).map_err(invalid)?;
            compile_file(&mut set, &mut ids, file, &src.name, false)?;
            continue;
        }
        let table: toml::Table = toml::from_str(&src.text).map_err(invalid)?;
        let imported = import::is_foreign(&table);
        let file: RuleFile = if imported {
            let t = import::translate(&table)
                .map_err(|e| anyhow!("{}: cannot import: {e}", src.name))?;
            set.notices.extend(t.notice(&src.name));
            if t.rules.is_empty() {
                bail!(
                    "{}: no rule of this {} config could be translated (see `patrol rules import`)",
                    src.name,
                    t.dialect
                );
            }
            RuleFile {
                rules: t.rules.into_iter().map(toml::Value::Table).collect(),
                allow: t.allow,
            }
        } else {
            RuleFile::deserialize(toml::Value::Table(table)).map_err(invalid)?
        };
        if file.rules.is_empty() {
            bail!("{}: no [[rules]] in file", src.name);
        }
        compile_file(&mut set, &mut ids, file, &src.name, imported)?;
    }
    Ok(set)
}

/// Compiles one file's rules into `set`; `ids` are those already taken.
fn compile_file(
    set: &mut RuleSet,
    ids: &mut HashSet<String>,
    file: RuleFile,
    name: &str,
    imported: bool,
) -> Result<()> {
    let file_allow = file
        .allow
        .iter()
        .map(compile_allow)
        .collect::<Result<Vec<_>>>()
        .map_err(|e| anyhow!("{}: [[allow]]: {e}", name))?;
    for (i, value) in file.rules.into_iter().enumerate() {
        let label = value
            .get("id")
            .and_then(|v| v.as_str())
            .map_or_else(|| format!("#{} (no id)", i + 1), |s| format!("'{s}'"));
        let spec = RuleSpec::deserialize(value)
            .map_err(|e| anyhow!("{}: rule {}: {}", name, label, e.message()))?;
        let origin = Origin {
            source: name,
            builtin: name.starts_with("builtin:"),
            imported,
            file_allow: &file_allow,
        };
        let rule =
            compile_rule(spec, origin).map_err(|e| anyhow!("{}: rule {}: {}", name, label, e))?;
        if !ids.insert(rule.id.clone()) {
            bail!(
                "{}: rule '{}': duplicate id (already defined)",
                name,
                rule.id
            );
        }
        set.rules.push(rule);
    }
    Ok(())
}

/// Compiles a translated config (`patrol rules import`), without the built-in rules.
pub(crate) fn compile_translation(t: &import::Translation, name: &str) -> Result<RuleSet> {
    let mut set = RuleSet::default();
    let file = RuleFile {
        rules: t.rules.iter().cloned().map(toml::Value::Table).collect(),
        allow: t.allow.clone(),
    };
    compile_file(&mut set, &mut HashSet::new(), file, name, true)?;
    Ok(set)
}

/// Where a rule comes from, and what its file gives every rule.
struct Origin<'a> {
    source: &'a str,
    builtin: bool,
    /// Translated from a gitleaks or Betterleaks config.
    imported: bool,
    file_allow: &'a [Arc<Allow>],
}

fn compile_rule(spec: RuleSpec, origin: Origin) -> Result<Rule> {
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
    // gitleaks configs hold a few 2-byte keywords (`sk`, `ey`): rules in their style (any
    // case) may use them; patrol's own rules need 3.
    let shortest = if origin.imported || spec.keywords_any_case {
        2
    } else {
        3
    };
    if let Some(k) = spec.keywords.iter().find(|k| k.len() < shortest) {
        bail!(
            "keyword {k:?} is shorter than {shortest} bytes: it would make every file a candidate"
        );
    }
    if spec.keywords_any_case && spec.keywords_ignore_case {
        bail!("keywords_any_case already covers keywords_ignore_case: give one of them");
    }
    let check = compile_check(&spec)?;
    let window = spec.window.unwrap_or(DEFAULT_WINDOW);
    if window == 0 || window > MAX_WINDOW {
        bail!("window {window} is out of range 1..={MAX_WINDOW}");
    }
    let context = match &spec.context {
        None => None,
        Some(c) if c.within == 0 || c.within > window => {
            bail!(
                "context.within {} is out of range 1..={window} (the rule's window)",
                c.within
            )
        }
        Some(c) => Some(c.within),
    };
    let severity = match spec.severity.as_deref() {
        None | Some("error") => "error",
        Some("warning") => "warning",
        Some("note") => "note",
        Some(other) => bail!("unknown severity {other:?} (expected error, warning or note)"),
    };
    // Compiled when a keyword first hits (built-ins; `cargo test` compiles them all) or now
    // (user rules, whose errors must surface at load time; an imported rule's pattern was
    // compiled once already, to decide whether it translates).
    let pattern = LazyRegex::new(spec.pattern, spec.secret_group);
    if !origin.builtin && !origin.imported {
        pattern.compile().map_err(|e| anyhow!("{e}"))?;
    }
    if spec.examples.is_empty() && !origin.imported {
        bail!("examples is empty: every rule needs at least one string it must find");
    }
    let gates = Gates::compile(
        spec.entropy.as_ref(),
        &spec.require,
        &spec.allow,
        origin.file_allow,
    )?;
    let provider = spec
        .provider
        .filter(|p| !p.trim().is_empty())
        .unwrap_or_else(|| spec.id.split('.').next().unwrap_or("").to_string());
    Ok(Rule {
        boundary: spec.boundary.unwrap_or(!check.is_checksum()),
        id: spec.id,
        name: spec.name,
        description: spec.description,
        provider,
        help: spec.help,
        severity,
        spellings: super::spellings(
            &spec.keywords,
            spec.keywords_ignore_case,
            spec.keywords_any_case,
        ),
        keywords: spec.keywords,
        keywords_ignore_case: spec.keywords_ignore_case,
        keywords_any_case: spec.keywords_any_case,
        gates,
        pattern,
        check,
        context,
        window,
        examples: spec.examples,
        negatives: spec.negatives,
        example_path: spec.example_path,
        imported: origin.imported,
        source: origin.source.to_string(),
    })
}

/// The rule's offline check, with the parameters of its `checksum` table.
fn compile_check(spec: &RuleSpec) -> Result<Check> {
    let name = spec.validation.as_str();
    let table = spec.checksum.as_ref();
    match name {
        "crc32" => {
            let t = table.ok_or_else(|| {
                anyhow!("validation \"crc32\" needs a [rules.checksum] table (covers, encoding, digits)")
            })?;
            let covers_prefix = match t.covers.as_deref() {
                Some("body") => false,
                Some("token") => true,
                other => bail!("checksum.covers is {other:?}; expected \"body\" or \"token\""),
            };
            let encoding = t
                .encoding
                .as_deref()
                .and_then(|e| {
                    CrcEncoding::ALL
                        .iter()
                        .find(|(n, _)| *n == e)
                        .map(|(_, e)| *e)
                })
                .ok_or_else(|| {
                    let names: Vec<_> = CrcEncoding::ALL.iter().map(|(n, _)| *n).collect();
                    anyhow!("checksum.encoding must be one of: {}", names.join(", "))
                })?;
            let digits = t
                .digits
                .ok_or_else(|| anyhow!("checksum.digits is missing"))?;
            let separator = match t.separator.as_deref() {
                None => None,
                Some(s) if s.len() == 1 => Some(s.as_bytes()[0]),
                Some(s) => bail!("checksum.separator {s:?} must be one byte"),
            };
            if !t.seeds.is_empty() {
                bail!("checksum.seeds belongs to marvin32, not crc32");
            }
            Crc32Spec::new(covers_prefix, encoding, digits, separator)
                .map(Check::Crc32)
                .map_err(|e| anyhow!("checksum: {e}"))
        }
        "marvin32" => {
            let t = table.ok_or_else(|| {
                anyhow!("validation \"marvin32\" needs a [rules.checksum] table with seeds")
            })?;
            if t.seeds.is_empty()
                || t.covers.is_some()
                || t.encoding.is_some()
                || t.digits.is_some()
            {
                bail!("marvin32 takes checksum.seeds (8-character names) and nothing else");
            }
            let seeds = t
                .seeds
                .iter()
                .map(|s| {
                    seed_from_name(s)
                        .ok_or_else(|| anyhow!("checksum seed {s:?} is not 8 ASCII characters"))
                })
                .collect::<Result<Vec<_>>>()?;
            Ok(Check::Marvin32(seeds))
        }
        _ => {
            if table.is_some() {
                bail!("a [rules.checksum] table needs validation \"crc32\" or \"marvin32\"");
            }
            Check::simple(name).ok_or_else(|| {
                anyhow!(
                    "unknown validation {:?} (expected one of: {})",
                    name,
                    Check::names().join(", ")
                )
            })
        }
    }
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
    fn every_rules_file_is_embedded() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".toml"))
            .collect();
        on_disk.sort();
        let mut embedded: Vec<String> = BUILTIN_FILES.iter().map(|(n, _)| n.to_string()).collect();
        embedded.sort();
        assert_eq!(on_disk, embedded);
    }

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
