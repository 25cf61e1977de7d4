//! `patrol verify`: are these tokens live? Tokens come from the arguments or stdin (raw, or
//! patrol's own JSON/JSONL findings made with `--show-secrets`); only offline-valid tokens of
//! a known format are sent, each once.

use std::io::{self, Read};

use anyhow::{Context, Result};

use crate::cli::{OutputArgs, VerifyArgs};
use crate::config::{format, local_settings, verify_config};
use crate::finding::{Finding, Secret, Status, Verification};
use crate::report::csv::cell;
use crate::report::escape::terminal;
use crate::report::Format;
use crate::rules::load_rules;
use crate::scan::{ExitStatus, ScanOptions, Scanner};
use crate::verify;

pub(super) fn run(
    tokens: Vec<String>,
    args: &VerifyArgs,
    output: OutputArgs,
) -> Result<ExitStatus> {
    let settings = local_settings()?;
    let cfg = verify_config(args, None)?;
    let show = output.show_secrets;
    if output.format.map(format) == Some(Format::Html) {
        anyhow::bail!("`patrol verify` writes text, json, jsonl, sarif or csv, not html");
    }
    // A settings file's `format = "html"` is for scans: verify then writes text.
    let format = output
        .format
        .map(format)
        .or(settings.format.filter(|f| *f != Format::Html))
        .unwrap_or(Format::Text);
    let identified = identify(&read_token_args(tokens)?)?;
    let valid: Vec<(String, String, String)> = identified
        .iter()
        .filter_map(|(t, f)| {
            f.as_ref()
                .map(|f| (f.fingerprint.to_string(), f.rule.clone(), t.clone()))
        })
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
                    .unwrap_or_else(|| Verification::with(Status::Unknown, "not checked")),
            ),
            None => {
                let s = Secret::new(t.as_bytes(), 0);
                (
                    String::new(),
                    s.redacted(),
                    s.fingerprint().to_string(),
                    Verification::with(
                        Status::NotVerifiable,
                        "not an offline-valid token of a known format: not sent",
                    ),
                )
            }
        };
        live |= v.status == Status::Live;
        let secret = if show { t.clone() } else { redacted };
        rows.push(serde_json::json!({
            "rule": rule, "secret": secret, "redacted": !show, "fingerprint": fp,
            "verification": v.to_json(),
        }));
        if format == Format::Text {
            println!(
                "{}  {}  {}",
                terminal(&secret),
                if rule.is_empty() { "-" } else { &rule },
                terminal(&v.summary())
            );
        }
    }
    match format {
        Format::Text | Format::Html => {}
        Format::Jsonl => {
            for r in &rows {
                println!("{r}");
            }
        }
        Format::Json | Format::Sarif => {
            let doc = serde_json::json!({"version": 1, "results": rows});
            println!("{}", serde_json::to_string_pretty(&doc)?);
        }
        Format::Csv => {
            print!("rule,secret,fingerprint,status,reason\r\n");
            for r in &rows {
                let field = |v: &serde_json::Value| cell(v.as_str().unwrap_or(""));
                let v = &r["verification"];
                print!(
                    "{},{},{},{},{}\r\n",
                    field(&r["rule"]),
                    field(&r["secret"]),
                    field(&r["fingerprint"]),
                    field(&v["status"]),
                    field(&v["reason"])
                );
            }
        }
    }
    Ok(if live {
        ExitStatus::Live
    } else {
        ExitStatus::Clean
    })
}

/// Token arguments, or stdin for `-`.
pub(super) fn read_token_args(tokens: Vec<String>) -> Result<Vec<String>> {
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
pub(super) fn identify(tokens: &[String]) -> Result<Vec<(String, Option<Finding>)>> {
    let scanner = Scanner::new(load_rules(true, &[] as &[&str])?, ScanOptions::default());
    Ok(tokens
        .iter()
        .map(|t| (t.clone(), scanner.identify(t)))
        .collect())
}
