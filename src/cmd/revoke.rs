//! `patrol revoke`: report leaked tokens to GitHub's credential revocation API. Irreversible
//! (GitHub emails each owner), so it asks on a terminal and otherwise needs `--yes`.

use std::io::{self, IsTerminal};

use anyhow::Result;

use super::verify::{identify, read_token_args};
use crate::config::{api_base, local_settings};
use crate::finding::Secret;
use crate::report::escape::terminal;
use crate::scan::ExitStatus;
use crate::verify;

pub(super) fn run(
    tokens: Vec<String>,
    yes: bool,
    github_api: Option<String>,
) -> Result<ExitStatus> {
    local_settings()?;
    let api = api_base(github_api.as_deref(), None)?;
    let mut send: Vec<String> = Vec::new();
    for (t, f) in identify(&read_token_args(tokens)?)? {
        let shown = terminal(&Secret::new(t.as_bytes(), 4).redacted()).into_owned();
        match f {
            Some(f) if f.rule.starts_with("github.") && verify::revoke::revocable(&t) => {
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
            return Ok(ExitStatus::Error);
        }
    }
    let n = verify::revoke::revoke(&api, &send, std::time::Duration::from_secs(30))?;
    eprintln!("patrol: submitted {n} tokens for revocation to {api}");
    Ok(ExitStatus::Clean)
}
