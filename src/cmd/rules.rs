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
        RulesCommand::List { rules } => {
            let set = load_rule_args(&rules)?;
            let mut out = io::stdout().lock();
            for r in &set.rules {
                writeln!(
                    out,
                    "{:<36} {:<18} {:<40} {}",
                    r.id,
                    r.check.name(),
                    r.keywords.join(","),
                    r.name
                )?;
            }
            Ok(ExitStatus::Clean)
        }
        RulesCommand::Keywords { rules } => {
            let set = load_rule_args(&rules)?;
            let mut all: Vec<Vec<u8>> = set
                .rules
                .iter()
                .flat_map(|r| r.keyword_spellings())
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
