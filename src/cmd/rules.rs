//! `patrol rules list | keywords | import | check`: the rule catalog, the prefilter's keywords
//! (for benchmarks), gitleaks and Betterleaks configs translated, and a rule author's test
//! loop.

use std::io::{self, Write};
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};

use crate::cli::RulesCommand;
use crate::config::load_rule_args;
use crate::read::replace_file;
use crate::report::escape::terminal;
use crate::rules::import::{is_foreign, translate, Translation};
use crate::rules::{compile_translation, load_rule_texts, load_rules};
use crate::scan::{check_examples, make_examples, redact_message, ExitStatus};

pub(super) fn run(command: RulesCommand) -> Result<ExitStatus> {
    match command {
        RulesCommand::List { rules, format } => {
            let set = load_rule_args(&rules)?;
            let mut out = io::stdout().lock();
            if format == "json" {
                let list: Vec<_> = set
                    .rules
                    .iter()
                    .map(|r| {
                        serde_json::json!({
                            "id": r.id,
                            "name": r.name,
                            "provider": r.provider,
                            "validation": r.check.name(),
                            "grade": r.check.grade(),
                            "context": r.context,
                            "severity": r.severity,
                            "keywords": r.keywords,
                            "keywords_ignore_case": r.keywords_ignore_case,
                            "source": r.source,
                        })
                    })
                    .collect();
                serde_json::to_writer_pretty(&mut out, &list)?;
                writeln!(out)?;
                return Ok(ExitStatus::Clean);
            }
            writeln!(
                out,
                "{:<34} {:<14} {:<20} {:<13} {:<8} NAME",
                "ID", "PROVIDER", "CHECK", "GRADE", "CONTEXT"
            )?;
            for r in &set.rules {
                let context = r.context.map_or("-".to_string(), |w| format!("{w} B"));
                writeln!(
                    out,
                    "{:<34} {:<14} {:<20} {:<13} {:<8} {}",
                    terminal(&r.id),
                    terminal(&r.provider),
                    r.check.name(),
                    r.check.grade(),
                    context,
                    terminal(&r.name)
                )?;
            }
            Ok(ExitStatus::Clean)
        }
        RulesCommand::Keywords { rules } => {
            let set = load_rule_args(&rules)?;
            let mut all: Vec<Vec<u8>> = set
                .rules
                .iter()
                .flat_map(|r| r.keyword_spellings().to_vec())
                .collect();
            all.sort();
            all.dedup();
            let mut out = io::stdout().lock();
            for k in all {
                out.write_all(&k)?;
                out.write_all(b"\n")?;
            }
            Ok(ExitStatus::Clean)
        }
        RulesCommand::Import {
            file,
            write,
            format,
        } => import(&file, write.as_deref(), &format),
        RulesCommand::Check { paths } => {
            let set = load_rules(true, &paths)?;
            let problems = check_examples(&set, |r| !r.source.starts_with("builtin:"));
            let checked = set
                .rules
                .iter()
                .filter(|r| !r.source.starts_with("builtin:"))
                .count();
            for p in &problems {
                eprintln!("patrol: {}", terminal(&redact_message(p)));
            }
            println!("{} rules checked, {} problems", checked, problems.len());
            Ok(if problems.is_empty() {
                ExitStatus::Clean
            } else {
                ExitStatus::Error
            })
        }
    }
}

/// `patrol rules import FILE [--write OUT]`.
fn import(file: &Path, write: Option<&Path>, format: &str) -> Result<ExitStatus> {
    let name = file.display().to_string();
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read config {name}"))?;
    let table: toml::Table =
        toml::from_str(&text).map_err(|e| anyhow!("{name}: invalid TOML: {}", e.message()))?;
    if !is_foreign(&table) {
        bail!(
            "{name} is not a gitleaks or Betterleaks config (a patrol rules file loads as it is)"
        );
    }
    let mut t = translate(&table).map_err(|e| anyhow!("{name}: cannot import: {e}"))?;
    // Ids, reasons and notes quote the config: text like any other, shown redacted.
    for (a, b) in t.skipped.iter_mut().chain(t.notes.iter_mut()) {
        *a = redact_message(a);
        *b = redact_message(b);
    }
    let set = compile_translation(&t, &name)?;
    let examples = make_examples(&set);
    let missing: Vec<&str> = examples
        .iter()
        .filter(|(_, e)| e.is_none())
        .map(|(id, _)| id.as_str())
        .collect();
    let found = examples.len() - missing.len();
    let missing: Vec<String> = missing.iter().map(|s| s.to_string()).collect();
    for (id, e) in examples {
        if let Some((example, path)) = e {
            t.set_examples(&id, vec![example], path);
        }
    }
    let mut written = None;
    if let Some(out) = write {
        let body = written_file(&t, &name, &missing);
        // What is written must load as it is, examples and all.
        let out_name = out.display().to_string();
        load_rule_texts(false, vec![(out_name.clone(), body.clone())])
            .context("the translation does not load back (a patrol bug; please report it)")?;
        replace_file(out, body.as_bytes(), 0o644)
            .with_context(|| format!("cannot write {out_name}"))?;
        written = Some(out_name);
    }
    let mut out = io::stdout().lock();
    if format == "json" {
        let pairs = |v: &[(String, String)], a: &str, b: &str| -> Vec<serde_json::Value> {
            v.iter()
                .map(|(x, y)| serde_json::json!({ a: x, b: y }))
                .collect()
        };
        let report = serde_json::json!({
            "config": name,
            "dialect": t.dialect.to_string(),
            "rules": t.total,
            "translated": t.translated(),
            "not_translated": pairs(&t.skipped, "id", "reason"),
            "notes": pairs(&t.notes, "scope", "note"),
            "examples_found": found,
            "examples_missing": missing,
            "written": written,
        });
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
        return Ok(ExitStatus::Clean);
    }
    writeln!(
        out,
        "{}: {} config, {} rules: {} translated, {} not translated, {} {}",
        terminal(&name),
        t.dialect,
        t.total,
        t.translated(),
        t.skipped.len(),
        t.notes.len(),
        if t.notes.len() == 1 { "note" } else { "notes" }
    )?;
    if !t.skipped.is_empty() {
        writeln!(out, "\nNot translated:")?;
        for (id, why) in &t.skipped {
            writeln!(out, "  {}: {}", terminal(id), terminal(why))?;
        }
    }
    if !t.notes.is_empty() {
        // The same note for many rules (a liveness check not imported) is one line.
        writeln!(out, "\nNotes:")?;
        let mut grouped: Vec<(&str, Vec<&str>)> = Vec::new();
        for (scope, note) in &t.notes {
            match grouped.iter_mut().find(|(n, _)| n == note) {
                Some((_, scopes)) => scopes.push(scope),
                None => grouped.push((note, vec![scope])),
            }
        }
        for (note, scopes) in grouped {
            let who = if scopes.len() > 3 {
                format!("{} rules ({}, …)", scopes.len(), scopes[..3].join(", "))
            } else {
                scopes.join(", ")
            };
            writeln!(out, "  {}: {}", terminal(&who), terminal(note))?;
        }
    }
    writeln!(
        out,
        "\nExamples: {found} of {} translated rules find an example made from their own pattern",
        t.translated()
    )?;
    if !missing.is_empty() {
        writeln!(out, "  none found for: {}", terminal(&missing.join(", ")))?;
    }
    if let Some(w) = written {
        writeln!(
            out,
            "\nWrote {} rules to {} (`patrol scan --rules {}`)",
            t.translated() - missing.len(),
            terminal(&w),
            terminal(&w)
        )?;
    }
    Ok(ExitStatus::Clean)
}

/// The translation as a patrol rules file, with a header saying where it came from. Rules
/// without an example are left out of the file (patrol's schema asks every rule for one) and
/// listed in the header; `--rules` on the original config still loads them.
fn written_file(t: &Translation, name: &str, missing: &[String]) -> String {
    let mut kept = Translation {
        rules: t
            .rules
            .iter()
            .filter(|r| {
                let id = r.get("id").and_then(|v| v.as_str()).unwrap_or("");
                !missing.iter().any(|m| m == id)
            })
            .cloned()
            .collect(),
        allow: t.allow.clone(),
        skipped: Vec::new(),
        notes: Vec::new(),
        ..*t
    };
    kept.total = t.total;
    // Text from the config goes into comments: no control character may end one early.
    let one_line = |s: &str| -> String {
        s.chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect()
    };
    let mut head = format!(
        "# Translated by `patrol rules import` from {} ({} config): {} of {} rules.\n",
        one_line(name),
        t.dialect,
        kept.rules.len(),
        t.total
    );
    for (id, why) in &t.skipped {
        head.push_str(&format!(
            "# not translated: {}: {}\n",
            one_line(id),
            one_line(why)
        ));
    }
    for id in missing {
        head.push_str(&format!("# left out, no example found: {id}\n"));
    }
    head.push('\n');
    head + &kept.to_toml()
}
