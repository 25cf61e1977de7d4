//! The `patrol` binary: parse arguments, run the command, and turn the result into the process
//! exit code in one place (0 clean, 1 findings, 2 error). A closed stdout (`patrol … | head`) is
//! not an error.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;

use patrol::cli::{Cli, Command, HookCommand, RulesCommand};
use patrol::config::{load_rule_args, ScanConfig};
use patrol::git::{scan_git, GitMode};
use patrol::matcher::Scanner;
use patrol::report::{write_report, write_summary};
use patrol::rules::{check_examples, load_rules};
use patrol::walk::scan_inputs;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            eprintln!("patrol: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Scan(args) => scan(ScanConfig::from_args(args)?),
        Command::Hook {
            command: HookCommand::Install { force, repo },
        } => {
            let path = patrol::hook::install(&repo.unwrap_or_else(|| ".".into()), force)?;
            println!("patrol: installed pre-commit hook at {}", path.display());
            Ok(0)
        }
        Command::Rules { command } => match command {
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
                Ok(0)
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
                Ok(0)
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
                    eprintln!("patrol: {p}");
                }
                println!("{} rules checked, {} problems", checked, problems.len());
                Ok(if problems.is_empty() { 0 } else { 2 })
            }
        },
    }
}

fn scan(cfg: ScanConfig) -> Result<u8> {
    let scanner = Scanner::new(cfg.rules, cfg.options);
    let outcome = match &cfg.git {
        Some(git) => scan_git(git, &scanner)?,
        None => scan_inputs(&cfg.inputs, &cfg.walk, &scanner),
    };
    match &cfg.report.output {
        Some(path) => {
            let file = File::create(path)
                .with_context(|| format!("cannot create report file {}", path.display()))?;
            let mut w = BufWriter::new(file);
            write_report(&mut w, &outcome, &cfg.report)
                .and_then(|()| w.flush())
                .with_context(|| format!("cannot write report file {}", path.display()))?;
        }
        None => {
            let mut w = BufWriter::new(io::stdout().lock());
            write_report(&mut w, &outcome, &cfg.report).and_then(|()| w.flush())?;
        }
    }
    if !cfg.report.quiet {
        // Best effort: a closed stderr must not turn a finished scan into an error.
        let _ = write_summary(&mut io::stderr().lock(), &outcome);
    }
    let staged = matches!(&cfg.git, Some(g) if matches!(g.mode, GitMode::Staged { .. }));
    if staged && !outcome.findings.is_empty() {
        eprintln!("{}", patrol::hook::BLOCKED_HELP);
    }
    Ok(outcome.exit_code())
}
