//! `patrol revoke`: report leaked tokens to GitHub's credential revocation API
//! (`POST /credentials/revoke`, unauthenticated). Irreversible, and GitHub emails each token's
//! owner, so it runs only after confirmation on a terminal or with `--yes`. At most 1,000
//! tokens per request and 60 requests per hour, as the API allows.

use std::time::Duration;

use anyhow::{bail, Context, Result};
use serde_json::json;

use super::client::{agent, API_VERSION};
use crate::scan::Redactor;

pub(crate) const BATCH: usize = 1000;
pub(crate) const REQUESTS_PER_HOUR: usize = 60;

/// Which tokens the API accepts: user tokens and refresh tokens, not installation tokens.
pub(crate) fn revocable(token: &str) -> bool {
    ["ghp_", "github_pat_", "gho_", "ghu_", "ghr_"]
        .iter()
        .any(|p| token.starts_with(p))
}

/// Sends `tokens` in batches; returns how many were accepted by the API.
pub(crate) fn revoke(api: &str, tokens: &[String], timeout: Duration) -> Result<usize> {
    let agent = agent(timeout);
    let url = format!("{}/credentials/revoke", api.trim_end_matches('/'));
    let batches: Vec<&[String]> = tokens.chunks(BATCH).collect();
    if batches.len() > REQUESTS_PER_HOUR {
        bail!(
            "{} tokens need {} requests; the API allows {REQUESTS_PER_HOUR} an hour: revoke at most {} at a time",
            tokens.len(),
            batches.len(),
            BATCH * REQUESTS_PER_HOUR
        );
    }
    let mut sent = 0;
    for batch in batches {
        let body = serde_json::to_vec(&json!({ "credentials": batch }))?;
        let mut resp = agent
            .post(&url)
            .header("Accept", "application/vnd.github+json")
            .header("X-GitHub-Api-Version", API_VERSION)
            .header("Content-Type", "application/json")
            .send(&body[..])
            .with_context(|| format!("cannot reach {url}"))?;
        let status = resp.status().as_u16();
        if !(200..300).contains(&status) {
            let text: String = resp
                .body_mut()
                .read_to_string()
                .unwrap_or_default()
                .chars()
                .take(300)
                .collect();
            // The server may echo what it got, whole, in another case or cut short.
            let text = batch.iter().fold(text, |t, token| {
                Redactor::for_secret(token).redact(&t).into_owned()
            });
            bail!("{url} answered {status} after {sent} tokens were submitted: {text}");
        }
        sent += batch.len();
    }
    Ok(sent)
}
