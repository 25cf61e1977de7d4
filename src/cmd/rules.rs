//! `patrol rules list | keywords | check`: the rule catalog, the prefilter's keywords (for
//! benchmarks), and a rule author's test loop.

use std::io::{self, Write};

use anyhow::Result;

use crate::cli::RulesCommand;
use crate::config::load_rule_args;
use crate::report::escape::terminal;
use crate::rules::load_rules;
use crate::scan::{check_examples, redact_message, ExitStatus};

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
