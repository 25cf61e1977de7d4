//! The `patrol` binary: parse arguments, run the command, and turn the result into the process
//! exit code in one place (0 clean, 1 findings, 2 error). A closed stdout (`patrol … | head`) is
//! not an error.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;

use patrol::baseline::Baseline;
use patrol::cli::Format;
use patrol::cli::{Cli, Command, HookCommand, RulesCommand};
use patrol::config::{load_rule_args, ScanConfig};
use patrol::git::{scan_git, GitMode};
use patrol::matcher::Scanner;
use patrol::report::Outcome;
use patrol::report::{write_report, write_summary};
use patrol::rules::{check_examples, load_rules};
use patrol::verify;
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
        Command::Verify {
            tokens,
            verify,
            output,
        } => verify_tokens(tokens, &verify, output),
        Command::Revoke {
            tokens,
            yes,
            github_api,
        } => revoke_tokens(tokens, yes, github_api),
        Command::Baseline(args) => write_baseline(&args.file, ScanConfig::from_args(args.scan)?),
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

/// Scans as configured; the config file's allowances apply, the baseline only if `baseline`.
fn run_scan(cfg: &mut ScanConfig, baseline: bool) -> Result<Outcome> {
    let scanner = Scanner::new(std::mem::take(&mut cfg.rules), cfg.options);
    let mut outcome = match &cfg.git {
        Some(git) => scan_git(git, &scanner)?,
        None => scan_inputs(&cfg.inputs, &cfg.walk, &scanner),
    };
    if !baseline {
        cfg.filters.baseline = None;
    }
    cfg.filters.apply(&mut outcome);
    Ok(outcome)
}

/// `--verify`: each unique offline-valid token once; results attached by fingerprint.
fn attach_verifications(outcome: &mut Outcome, cfg: &verify::VerifyConfig) {
    let tokens: Vec<(String, String)> = outcome
        .findings
        .iter()
        .filter(|f| f.validation.is_valid())
        .map(|f| (f.fingerprint.to_string(), f.secret.expose().to_string()))
        .collect();
    if tokens.is_empty() {
        return;
    }
    let results = verify::verify_all(&tokens, cfg);
    for f in &mut outcome.findings {
        f.verification = results.get(f.fingerprint.as_str()).cloned();
    }
}

/// Token arguments, or stdin for `-`.
fn read_token_args(tokens: Vec<String>) -> Result<Vec<String>> {
    if tokens.iter().any(|t| t == "-") {
        let mut text = String::new();
        io::stdin()
            .read_to_string(&mut text)
            .context("cannot read tokens from stdin")?;
        let mut out = verify::parse_token_input(&text)?;
        out.extend(tokens.into_iter().filter(|t| t != "-"));
        return Ok(out);
    }
    if tokens.is_empty() {
        anyhow::bail!("no tokens given (pass them as arguments, or `-` to read stdin)");
    }
    Ok(tokens)
}

/// Each token as the built-in rules see it: its finding if it is an offline-valid token.
fn identify(tokens: &[String]) -> Result<Vec<(String, Option<patrol::finding::Finding>)>> {
    let scanner = Scanner::new(
        patrol::rules::load_rules(true, &[] as &[&str])?,
        patrol::matcher::ScanOptions {
            show_invalid: false,
            ignore_allow_markers: true,
        },
    );
    Ok(tokens
        .iter()
        .map(|t| {
            let f = scanner
                .scan(t.as_bytes(), &patrol::finding::Origin::Stdin)
                .findings
                .into_iter()
                .find(|f| f.secret.expose() == t.as_str())
                .or_else(|| legacy_token(&scanner, t));
            (t.clone(), f)
        })
        .collect())
}

/// A bare legacy token (40 hex, or `v1.` + 40 hex) given to `verify`/`revoke`: the rule needs a
/// GitHub context in files, and the user's naming it as a token is that context.
fn legacy_token(scanner: &Scanner, t: &str) -> Option<patrol::finding::Finding> {
    let hex = t.strip_prefix("v1.").unwrap_or(t);
    if hex.len() != 40 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    scanner
        .scan(
            format!("GITHUB_TOKEN={t}").as_bytes(),
            &patrol::finding::Origin::Stdin,
        )
        .findings
        .into_iter()
        .find(|f| f.secret.expose() == t)
}

fn verify_tokens(
    tokens: Vec<String>,
    args: &patrol::cli::VerifyArgs,
    output: patrol::cli::OutputArgs,
) -> Result<u8> {
    let settings = patrol::config_file::FileConfig::discover(None, std::path::Path::new("."))?;
    let cfg = patrol::config::verify_config(args, &settings)?;
    let show = output.show_secrets;
    let format = output.format.or(settings.format).unwrap_or(Format::Text);
    let identified = identify(&read_token_args(tokens)?)?;
    let valid: Vec<(String, String)> = identified
        .iter()
        .filter_map(|(t, f)| f.as_ref().map(|f| (f.fingerprint.to_string(), t.clone())))
        .collect();
    let results = verify::verify_all(&valid, &cfg);
    let mut live = false;
    let mut rows = Vec::new();
    for (t, f) in &identified {
        let (rule, redacted, fp, v) = match f {
            Some(f) => (
                f.rule.clone(),
                f.secret.redacted(),
                f.fingerprint.to_string(),
                results
                    .get(f.fingerprint.as_str())
                    .cloned()
                    .unwrap_or_else(|| {
                        verify::Verification::with(verify::Status::Unknown, "not checked")
                    }),
            ),
            None => {
                let s = patrol::finding::Secret::new(t.as_bytes(), 0);
                (
                    String::new(),
                    s.redacted(),
                    s.fingerprint().to_string(),
                    verify::Verification::with(
                        verify::Status::NotVerifiable,
                        "not an offline-valid token of a known format: not sent",
                    ),
                )
            }
        };
        live |= v.status == verify::Status::Live;
        let secret = if show { t.clone() } else { redacted };
        rows.push(serde_json::json!({
            "rule": rule, "secret": secret, "redacted": !show, "fingerprint": fp,
            "verification": v.to_json(),
        }));
        if format == Format::Text {
            println!(
                "{secret}  {}  {}",
                if rule.is_empty() { "-" } else { &rule },
                v.summary()
            );
        }
    }
    match format {
        Format::Text => {}
        Format::Jsonl => {
            for r in &rows {
                println!("{r}");
            }
        }
        Format::Json | Format::Sarif => {
            let doc = serde_json::json!({"version": 1, "results": rows});
            println!("{}", serde_json::to_string_pretty(&doc)?);
        }
    }
    Ok(if live { 3 } else { 0 })
}

fn revoke_tokens(tokens: Vec<String>, yes: bool, github_api: Option<String>) -> Result<u8> {
    let settings = patrol::config_file::FileConfig::discover(None, std::path::Path::new("."))?;
    let api = github_api
        .or(settings.github_api)
        .unwrap_or_else(|| verify::DEFAULT_API.to_string());
    patrol::config_file::check_api_base(&api).context("invalid --github-api")?;
    let mut send: Vec<String> = Vec::new();
    for (t, f) in identify(&read_token_args(tokens)?)? {
        let shown = patrol::finding::Secret::new(t.as_bytes(), 4).redacted();
        match f {
            Some(f) if verify::revoke::revocable(&t) => {
                let token = f.secret.expose().to_string();
                if !send.contains(&token) {
                    send.push(token);
                }
            }
            Some(_) if t.starts_with("ghs_") => eprintln!(
                "patrol: {shown}: refused: installation tokens (ghs_) cannot be revoked by this API; they expire within an hour, or the app's owner can revoke them"
            ),
            _ => eprintln!("patrol: {shown}: skipped: not a checksum-valid GitHub user or refresh token"),
        }
    }
    if send.is_empty() {
        anyhow::bail!("nothing to revoke");
    }
    if !yes {
        use std::io::IsTerminal;
        if !io::stdin().is_terminal() || !io::stderr().is_terminal() {
            anyhow::bail!(
                "refusing to revoke {} tokens without confirmation: rerun with --yes (revocation is irreversible and GitHub emails each owner)",
                send.len()
            );
        }
        eprint!(
            "Revoke {} tokens at {api}? This cannot be undone, and GitHub emails each token's owner. Type yes: ",
            send.len()
        );
        let mut answer = String::new();
        io::stdin().read_line(&mut answer)?;
        if answer.trim() != "yes" {
            eprintln!("patrol: nothing revoked");
            return Ok(2);
        }
    }
    let n = verify::revoke::revoke(&api, &send, std::time::Duration::from_secs(30))?;
    eprintln!("patrol: submitted {n} tokens for revocation to {api}");
    Ok(0)
}

/// `patrol baseline`: scan, then write every finding's entry (replacing the file).
fn write_baseline(file: &std::path::Path, mut cfg: ScanConfig) -> Result<u8> {
    let outcome = run_scan(&mut cfg, false)?;
    let baseline = Baseline::from_findings(&outcome.findings);
    std::fs::write(file, baseline.render())
        .with_context(|| format!("cannot write baseline {}", file.display()))?;
    if !cfg.report.quiet {
        let _ = write_summary(&mut io::stderr().lock(), &outcome);
    }
    eprintln!(
        "patrol: wrote {} baseline {} to {}",
        baseline.entries.len(),
        if baseline.entries.len() == 1 {
            "entry"
        } else {
            "entries"
        },
        file.display()
    );
    // A scan that could not read everything records an incomplete baseline: say so.
    Ok(if outcome.errors.is_empty() { 0 } else { 2 })
}

fn scan(mut cfg: ScanConfig) -> Result<u8> {
    let mut outcome = run_scan(&mut cfg, true)?;
    if let Some(v) = &cfg.verify {
        attach_verifications(&mut outcome, v);
    }
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
