//! Reading the rule configs teams already keep — gitleaks (8.x) and Betterleaks (1.x, 2.x) TOML
//! — as patrol rules. Each peer rule becomes a rule in patrol's own schema (so that `patrol
//! rules import --write` can save it and patrol reads it back the same), or is listed with the
//! reason it cannot be: nothing is dropped silently.
//!
//! What carries over, and how (the semantics are gitleaks 8.30's; `../shared/docs/formats.md`
//! Part B is the specification):
//!
//! - `regex` and every pattern of an allow list or filter: Go RE2, rewritten by [`re2`];
//! - `secretGroup` (Betterleaks also `valueGroup`): `secret_group`, 0 or unset meaning the
//!   first group that took part in the match, else the whole match;
//! - `keywords`: matched in any ASCII case (gitleaks lowercases them and the text); patrol
//!   asks that one occur within [`WINDOW`] bytes of the match, not anywhere in a 100 kB
//!   fragment — the one deliberate narrowing, which keeps the work per keyword hit bounded;
//! - `entropy`: `entropy = { above = X }` (gitleaks skips a secret whose entropy is `<= X`);
//! - `path` (with a regex): `[[rules.require]] paths`;
//! - allow lists (`[[rules.allowlists]]`, legacy `[rules.allowlist]`, global `[[allowlists]]`
//!   with or without `targetRules`, legacy `[allowlist]`): `paths`, `regexes` with
//!   `regexTarget`, `stopwords`, `condition`; global ones apply to every rule of the file only;
//! - Betterleaks `filter` / `prefilter` expressions: the subset [`expr`] reads.
//!
//! What does not, with the reason in the report: path-only rules (they report a file name,
//! not a secret), composite rules (`[[rules.required]]`) and their components
//! (`skipReport`), filters beyond the supported subset, patterns that do not translate.
//! Noted but not applied: `commits` in allow lists (patrol scans each blob once, whatever
//! commit holds it; a baseline does that job), Betterleaks' `validate` (liveness checks are
//! GitHub-only), `tokenEfficiency`, `[extend]`.

pub(crate) mod expr;
pub(crate) mod re2;

use std::fmt;

use toml::{Table, Value};

use super::gates::{compile_allow, Gates};
use super::syntax::{AllowSpec, EntropySpec, RequireSpec};
use super::LazyRegex;

/// How near the match a keyword must be, and the least an imported rule searches around a
/// keyword hit.
pub(crate) const WINDOW: usize = 1024;

/// Bytes searched around a keyword hit for a pattern whose matches have no length bound (a
/// PEM block `[\s\S-]{64,}?` up to its END line): enough for a 4096-bit RSA key.
const UNBOUNDED_WINDOW: usize = 8 * 1024;

/// The window an imported rule needs: its longest match, at least [`WINDOW`], at most
/// [`super::MAX_WINDOW`]. (The matcher extends a window only for a match that reaches its
/// edge; a pattern that needs its terminator finds no match at all in a window too short.)
fn window_for(pattern: &str) -> usize {
    let longest = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(pattern)
        .ok()
        .and_then(|h| h.properties().maximum_len());
    longest
        .unwrap_or(UNBOUNDED_WINDOW)
        .clamp(WINDOW, super::MAX_WINDOW)
}

/// Which tool a config is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Gitleaks,
    Betterleaks,
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Dialect::Gitleaks => "gitleaks",
            Dialect::Betterleaks => "Betterleaks",
        })
    }
}

/// A config, translated.
#[derive(Debug)]
pub struct Translation {
    pub dialect: Dialect,
    /// Rules in the config.
    pub total: usize,
    /// Rule tables in patrol's schema, in the config's order.
    pub(crate) rules: Vec<Table>,
    /// Allow tables for every rule of the file (the config's global allow lists).
    pub(crate) allow: Vec<AllowSpec>,
    /// Rules not translated: (id, reason).
    pub skipped: Vec<(String, String)>,
    /// What was translated with a difference, or ignored: (scope, what).
    pub notes: Vec<(String, String)>,
}

/// Looks a key up the way gitleaks (Viper) does: in any case.
fn get<'a>(t: &'a Table, key: &str) -> Option<&'a Value> {
    t.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

/// Whether a parsed rules file is a gitleaks or Betterleaks config rather than patrol's own
/// schema: its rules have `regex` (patrol's have `pattern`), or it has their top-level keys.
pub(crate) fn is_foreign(t: &Table) -> bool {
    let top = [
        "allowlist",
        "allowlists",
        "extend",
        "prefilter",
        "filter",
        "minversion",
        "title",
    ];
    if t.keys()
        .any(|k| top.contains(&k.to_ascii_lowercase().as_str()))
    {
        return true;
    }
    let Some(Value::Array(rules)) = t.get("rules") else {
        return false;
    };
    rules.iter().any(|r| {
        r.as_table()
            .is_some_and(|r| get(r, "regex").is_some() && r.get("pattern").is_none())
    })
}

fn strings(v: Option<&Value>, what: &str) -> Result<Vec<String>, String> {
    match v {
        None => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| {
                x.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| format!("{what} must be a list of strings"))
            })
            .collect(),
        Some(_) => Err(format!("{what} must be a list of strings")),
    }
}

fn patterns(v: Option<&Value>, what: &str) -> Result<Vec<String>, String> {
    strings(v, what)?
        .iter()
        .map(|p| re2::translate(p).map_err(|e| format!("{what}: {e}")))
        .collect()
}

/// One gitleaks allow list, or `None` (with a note) when nothing of it can apply.
fn allowlist(
    t: &Table,
    scope: &str,
    notes: &mut Vec<(String, String)>,
) -> Result<Option<AllowSpec>, String> {
    let condition = match get(t, "condition")
        .and_then(Value::as_str)
        .map(str::to_ascii_uppercase)
    {
        None => None,
        Some(c) if c.is_empty() || c == "OR" || c == "||" => None,
        Some(c) if c == "AND" || c == "&&" => Some("all".to_string()),
        Some(c) => return Err(format!("allowlist condition {c:?}: expected OR or AND")),
    };
    let commits = strings(get(t, "commits"), "allowlist commits")?;
    let target = match get(t, "regexTarget").and_then(Value::as_str) {
        None | Some("") | Some("secret") => None,
        Some(x @ ("match" | "line")) => Some(x.to_string()),
        Some(other) => return Err(format!("allowlist regexTarget {other:?}")),
    };
    let spec = AllowSpec {
        description: get(t, "description")
            .and_then(Value::as_str)
            .map(str::to_string),
        condition: condition.clone(),
        paths: patterns(get(t, "paths"), "allowlist paths")?,
        target,
        regexes: patterns(get(t, "regexes"), "allowlist regexes")?,
        stopwords: strings(get(t, "stopwords"), "allowlist stopwords")?,
    };
    let empty = spec.paths.is_empty() && spec.regexes.is_empty() && spec.stopwords.is_empty();
    if !commits.is_empty() {
        let what = if condition.is_some() || empty {
            "an allow list that needs commits is not applied"
        } else {
            "allow list commits are not applied (the rest of the list is)"
        };
        notes.push((
            scope.to_string(),
            format!(
                "{what}: patrol scans each blob once, whatever commit holds it; use a baseline"
            ),
        ));
        if condition.is_some() || empty {
            return Ok(None);
        }
    }
    if empty {
        return Err("an allowlist needs commits, paths, regexes or stopwords".into());
    }
    Ok(Some(spec))
}

/// The allow lists a table holds under `many` (array) and the legacy `one` (table), each
/// translated or with the reason it cannot be.
#[allow(clippy::type_complexity)]
fn allowlists(
    t: &Table,
    many: &str,
    one: &str,
    scope: &str,
    notes: &mut Vec<(String, String)>,
) -> Result<Vec<Result<(Table, AllowSpec), String>>, String> {
    let mut tables: Vec<&Table> = Vec::new();
    match get(t, many) {
        None => {}
        Some(Value::Array(a)) => {
            for x in a {
                tables.push(x.as_table().ok_or(format!("[[{many}]] must be tables"))?);
            }
        }
        Some(_) => return Err(format!("{many} must be an array of tables")),
    }
    if let Some(v) = get(t, one) {
        if !tables.is_empty() {
            return Err(format!("[{one}] and [[{many}]] together"));
        }
        tables.push(v.as_table().ok_or(format!("[{one}] must be a table"))?);
    }
    let mut out = Vec::new();
    for table in tables {
        match allowlist(table, scope, notes) {
            Ok(Some(spec)) => out.push(Ok((table.clone(), spec))),
            Ok(None) => {}
            Err(e) => out.push(Err(e)),
        }
    }
    Ok(out)
}

/// A peer's rule id as a patrol id (lower case; `a-z 0-9 . _ -`).
fn patrol_id(id: &str) -> String {
    id.chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// Rule keys that are metadata patrol does not use.
const IGNORED: [&str; 4] = ["tags", "specificity", "confidence", "betterleaksminversion"];

/// A schema table as a TOML value.
fn to_value(x: &impl serde::Serialize) -> Value {
    Value::try_from(x).expect("schema tables serialise")
}

/// Translates one `[[rules]]` table, or says why not.
fn rule(
    r: &Table,
    dialect: Dialect,
    id: &str,
    notes: &mut Vec<(String, String)>,
) -> Result<Table, String> {
    let known = [
        "id",
        "description",
        "regex",
        "secretgroup",
        "valuegroup",
        "entropy",
        "path",
        "keywords",
        "allowlists",
        "allowlist",
        "filter",
        "validate",
        "tokenefficiency",
        "required",
        "skipreport",
        "components",
    ];
    for k in r.keys() {
        let lower = k.to_ascii_lowercase();
        if !known.contains(&lower.as_str()) && !IGNORED.contains(&lower.as_str()) {
            notes.push((
                id.into(),
                format!("key `{k}` is not understood and was ignored"),
            ));
        }
    }
    if get(r, "skipReport").and_then(Value::as_bool) == Some(true) {
        return Err(
            "a component of composite rules only (skipReport): patrol has no composite rules"
                .into(),
        );
    }
    if let Some(req) = get(r, "required").or_else(|| get(r, "components")) {
        let ids: Vec<&str> = req
            .as_array()
            .map(|a| a.iter().filter_map(|x| x.get("id")?.as_str()).collect())
            .unwrap_or_default();
        return Err(format!(
            "a composite rule (needs {} nearby): patrol has no composite rules",
            ids.join(", ")
        ));
    }
    let path = match get(r, "path") {
        None => None,
        Some(v) => {
            let p = v.as_str().ok_or("path must be a string")?;
            Some(re2::translate(p).map_err(|e| format!("path: {e}"))?)
        }
    };
    let Some(regex) = get(r, "regex") else {
        return Err(if path.is_some() {
            "a path-only rule (it reports a file by its name, not a secret in it)".into()
        } else {
            "no regex".into()
        });
    };
    let regex = regex.as_str().ok_or("regex must be a string")?;
    let pattern = re2::translate(regex).map_err(|e| format!("regex: {e}"))?;
    let group = match get(r, "secretGroup").or_else(|| get(r, "valueGroup")) {
        None => 0,
        Some(v) => v
            .as_integer()
            .and_then(|n| usize::try_from(n).ok())
            .ok_or("secretGroup must be a non-negative integer")?,
    };
    LazyRegex::new(pattern.clone(), Some(group))
        .compile()
        .map_err(|e| format!("regex: {e}"))?;
    let mut keywords: Vec<String> = Vec::new();
    for k in strings(get(r, "keywords"), "keywords")? {
        let k = k.to_lowercase();
        if !keywords.contains(&k) {
            keywords.push(k);
        }
    }
    if keywords.is_empty() {
        return Err("no keywords: patrol runs a rule's regex only near one of its literals".into());
    }
    if let Some(k) = keywords.iter().find(|k| k.len() < 2) {
        return Err(format!(
            "keyword {k:?} is a single byte: every file would be a candidate"
        ));
    }
    let mut entropy = match get(r, "entropy") {
        None => None,
        Some(v) => {
            let x = v
                .as_float()
                .or_else(|| v.as_integer().map(|i| i as f64))
                .ok_or("entropy must be a number")?;
            (x > 0.0).then_some(EntropySpec {
                above: Some(x),
                at_least: None,
            })
        }
    };
    let mut require: Vec<RequireSpec> = Vec::new();
    if let Some(p) = path {
        require.push(RequireSpec {
            paths: vec![p],
            ..RequireSpec::default()
        });
    }
    let mut allow: Vec<AllowSpec> = allowlists(r, "allowlists", "allowlist", id, notes)?
        .into_iter()
        .map(|a| a.map(|(_, a)| a))
        .collect::<Result<_, _>>()?;
    if let Some(f) = get(r, "filter") {
        let f = f.as_str().ok_or("filter must be a string")?;
        let g = expr::translate(f).map_err(|e| format!("filter: {e}"))?;
        if g.entropy.is_some() {
            if entropy.is_some() {
                return Err("filter: an entropy condition and an `entropy` key".into());
            }
            entropy = g.entropy;
        }
        require.extend(g.require);
        allow.extend(g.allow);
    }
    // Every pattern compiles, or the rule is not imported (rather than the whole config
    // failing to load).
    Gates::compile(entropy.as_ref(), &require, &allow, &[]).map_err(|e| e.to_string())?;
    if get(r, "validate").is_some() {
        notes.push((
            id.into(),
            "its liveness check (validate) is not imported: patrol verifies GitHub tokens only"
                .into(),
        ));
    }
    if get(r, "tokenEfficiency").and_then(Value::as_bool) == Some(true) {
        notes.push((
            id.into(),
            "tokenEfficiency is not applied: expect more findings than Betterleaks reports".into(),
        ));
    }
    let description = get(r, "description")
        .and_then(Value::as_str)
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let name = if description.is_empty() {
        id.to_string()
    } else {
        description.chars().take(100).collect()
    };
    let mut t = Table::new();
    let s = |x: &str| Value::String(x.to_string());
    t.insert("id".into(), s(&patrol_id(id)));
    t.insert("name".into(), s(&name));
    t.insert("description".into(), s(&description));
    t.insert(
        "provider".into(),
        s(patrol_id(id).split(['-', '.', '_']).next().unwrap_or(id)),
    );
    t.insert(
        "help".into(),
        s(&format!(
            "Imported from a {dialect} config (rule {id}). Revoke the secret where it was issued, then remove it from history."
        )),
    );
    t.insert(
        "keywords".into(),
        Value::Array(keywords.iter().map(|k| s(k)).collect()),
    );
    t.insert("keywords_any_case".into(), Value::Boolean(true));
    t.insert("pattern".into(), s(&pattern));
    t.insert("secret_group".into(), Value::Integer(group as i64));
    t.insert("boundary".into(), Value::Boolean(false));
    t.insert("window".into(), Value::Integer(window_for(&pattern) as i64));
    let mut within = Table::new();
    within.insert("within".into(), Value::Integer(WINDOW as i64));
    t.insert("context".into(), Value::Table(within));
    if let Some(e) = entropy {
        t.insert("entropy".into(), to_value(&e));
    }
    if !require.is_empty() {
        t.insert(
            "require".into(),
            Value::Array(require.iter().map(to_value).collect()),
        );
    }
    if !allow.is_empty() {
        t.insert(
            "allow".into(),
            Value::Array(allow.iter().map(to_value).collect()),
        );
    }
    Ok(t)
}

/// Translates a gitleaks or Betterleaks config. Errors are for a config whose shape is wrong
/// as a whole; a rule that cannot be translated is listed in `skipped`.
pub fn translate(t: &Table) -> Result<Translation, String> {
    let betterleaks_keys = ["prefilter", "filter", "betterleaksminversion"];
    let mut dialect = if t
        .keys()
        .any(|k| betterleaks_keys.contains(&k.to_ascii_lowercase().as_str()))
    {
        Dialect::Betterleaks
    } else {
        Dialect::Gitleaks
    };
    let rules: Vec<&Table> = match t.get("rules") {
        None => Vec::new(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|r| r.as_table().ok_or("[[rules]] must be tables"))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err("rules must be an array of tables".into()),
    };
    let rule_keys = ["filter", "validate", "skipreport", "tokenefficiency"];
    if rules.iter().any(|r| {
        r.keys()
            .any(|k| rule_keys.contains(&k.to_ascii_lowercase().as_str()))
    }) {
        dialect = Dialect::Betterleaks;
    }
    let mut out = Translation {
        dialect,
        total: rules.len(),
        rules: Vec::new(),
        allow: Vec::new(),
        skipped: Vec::new(),
        notes: Vec::new(),
    };
    if get(t, "extend").is_some() {
        out.notes.push((
            "[extend]".into(),
            "not followed: import the base config as well (`--rules` is repeatable)".into(),
        ));
    }
    // Global allow lists: for every rule of the file, or for the rules they target.
    let mut targeted: Vec<(Vec<String>, AllowSpec)> = Vec::new();
    for list in allowlists(t, "allowlists", "allowlist", "[allowlist]", &mut out.notes)? {
        // A global list that cannot be read is left out (more findings, never fewer).
        let (table, spec) = match list {
            Ok(x) => x,
            Err(e) => {
                out.notes
                    .push(("[allowlist]".into(), format!("not applied: {e}")));
                continue;
            }
        };
        let targets = strings(get(&table, "targetRules"), "targetRules")?;
        if let Err(e) = compile_allow(&spec) {
            out.notes
                .push(("[allowlist]".into(), format!("not applied: {e}")));
            continue;
        }
        if targets.is_empty() {
            out.allow.push(spec);
        } else {
            targeted.push((targets, spec));
        }
    }
    for key in ["prefilter", "filter"] {
        if let Some(f) = get(t, key) {
            let f = f.as_str().ok_or(format!("{key} must be a string"))?;
            match expr::translate(f) {
                Ok(g) if g.entropy.is_none() && g.require.is_empty() => {
                    for a in g.allow {
                        match compile_allow(&a) {
                            Ok(_) => out.allow.push(a),
                            Err(e) => out
                                .notes
                                .push((format!("global {key}"), format!("not applied: {e}"))),
                        }
                    }
                }
                Ok(_) => out.notes.push((
                    format!("global {key}"),
                    "not applied: only allow conditions are supported at the top level".into(),
                )),
                Err(e) => out
                    .notes
                    .push((format!("global {key}"), format!("not applied: {e}"))),
            }
        }
    }
    let mut ids: Vec<String> = Vec::new();
    for r in rules {
        let id = get(r, "id")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if id.is_empty() {
            out.skipped
                .push(("(no id)".into(), "a rule without an id".into()));
            continue;
        }
        if ids.contains(&id) {
            out.skipped.push((id, "a second rule with this id".into()));
            continue;
        }
        ids.push(id.clone());
        if patrol_id(&id) != id {
            out.notes.push((
                id.clone(),
                format!(
                    "id spelled {} (lower case; `-` for other characters)",
                    patrol_id(&id)
                ),
            ));
        }
        match rule(r, dialect, &id, &mut out.notes) {
            Ok(mut table) => {
                let same = out.rules.iter().find(|r| {
                    r.get("pattern") == table.get("pattern")
                        && r.get("keywords") == table.get("keywords")
                        && r.get("require") == table.get("require")
                });
                if let Some(first) = same.and_then(|r| r.get("id")?.as_str()) {
                    out.notes.push((
                        id.clone(),
                        format!(
                            "the same pattern as {first}: patrol reports each secret once, under {first}"
                        ),
                    ));
                }
                let extra: Vec<Value> = targeted
                    .iter()
                    .filter(|(targets, _)| targets.contains(&id))
                    .map(|(_, a)| to_value(a))
                    .collect();
                if !extra.is_empty() {
                    let list = table
                        .entry("allow")
                        .or_insert_with(|| Value::Array(Vec::new()));
                    if let Value::Array(a) = list {
                        a.extend(extra);
                    }
                }
                out.rules.push(table);
            }
            Err(why) => out.skipped.push((id, why)),
        }
    }
    for (targets, _) in &targeted {
        for t in targets {
            if !ids.contains(t) {
                return Err(format!(
                    "an allowlist targets rule {t:?}, which the config does not define"
                ));
            }
        }
    }
    Ok(out)
}

impl Translation {
    /// How many rules translated.
    pub fn translated(&self) -> usize {
        self.rules.len()
    }

    /// The warnings a scan prints when it loads this config: a count, and the rules left out.
    pub(crate) fn notice(&self, source: &str) -> Vec<String> {
        let mut out = Vec::new();
        if !self.skipped.is_empty() || !self.notes.is_empty() {
            let ids: Vec<&str> = self.skipped.iter().map(|(i, _)| i.as_str()).collect();
            let left = if ids.is_empty() {
                String::new()
            } else {
                format!("; not translated: {}", ids.join(", "))
            };
            out.push(format!(
                "{source}: {} of {} {} rules translated{left}; {} {} (`patrol rules import {source}` lists the reasons)",
                self.translated(),
                self.total,
                self.dialect,
                self.notes.len(),
                if self.notes.len() == 1 { "note" } else { "notes" }
            ));
        }
        out
    }

    /// Sets a translated rule's examples (and the path they are scanned under).
    pub(crate) fn set_examples(&mut self, id: &str, examples: Vec<String>, path: Option<String>) {
        if let Some(t) = self
            .rules
            .iter_mut()
            .find(|r| r.get("id").and_then(Value::as_str) == Some(id))
        {
            t.insert(
                "examples".into(),
                Value::Array(examples.into_iter().map(Value::String).collect()),
            );
            if let Some(p) = path {
                t.insert("example_path".into(), Value::String(p));
            }
        }
    }

    /// The translated rules as a patrol rules file.
    pub fn to_toml(&self) -> String {
        let mut doc = Table::new();
        if !self.allow.is_empty() {
            doc.insert(
                "allow".into(),
                Value::Array(self.allow.iter().map(to_value).collect()),
            );
        }
        doc.insert(
            "rules".into(),
            Value::Array(self.rules.iter().cloned().map(Value::Table).collect()),
        );
        toml::to_string(&doc).expect("a TOML table serialises")
    }
}
