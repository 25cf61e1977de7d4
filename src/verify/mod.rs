//! Stage 6, opt-in: is a token still live? The only module that talks to the network, and only
//! when the user asked (`--verify`, `patrol verify`, `patrol revoke`). Tokens go to the
//! configured GitHub API base and nowhere else: https, or plain http to a loopback address.
//!
//! One read-only request per unique token, chosen by family: `GET /user` for user tokens,
//! `GET /installation/repositories?per_page=1` for installation tokens (a live one gets 403 on
//! `/user`), nothing for `ghr_` refresh tokens (the only check would rotate them). Reporting a
//! live token as dead is the worst error, so only a 401 means dead; anything doubtful is
//! `unknown`, with the reason.

mod cache;
mod client;
pub mod revoke;

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{json, Value};

pub use cache::Cache;
pub use client::Client;

/// What the user configured for verification.
#[derive(Clone, Debug)]
pub struct VerifyConfig {
    /// API base without a trailing slash, already checked by `config_file::check_api_base`.
    pub api: String,
    /// Connect and read timeout of one request.
    pub timeout: Duration,
    /// Time budget of the whole verification; what is left when it runs out is `unknown`.
    pub deadline: Duration,
    /// Requests in flight at once (to one host: there is one host).
    pub concurrency: usize,
    /// Requests per second at most.
    pub rate: f64,
    /// Results kept between runs, keyed by fingerprint.
    pub cache: Option<std::path::PathBuf>,
    pub cache_ttl: Duration,
}

pub const DEFAULT_API: &str = "https://api.github.com";

/// The verdict on one token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    Live,
    Dead,
    /// Live, but suspended, SSO-blocked or lacking permission.
    Restricted,
    Unknown,
    /// No check exists that leaves the token intact (`ghr_`), or the format is not GitHub's.
    NotVerifiable,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Live => "live",
            Status::Dead => "dead",
            Status::Restricted => "restricted",
            Status::Unknown => "unknown",
            Status::NotVerifiable => "not-verifiable",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        [
            Status::Live,
            Status::Dead,
            Status::Restricted,
            Status::Unknown,
            Status::NotVerifiable,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// The outcome of checking one token, with what the API said about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verification {
    pub status: Status,
    pub login: Option<String>,
    pub user_id: Option<u64>,
    pub account_type: Option<String>,
    /// `X-OAuth-Scopes`, split (classic tokens; fine-grained ones have none).
    pub scopes: Option<Vec<String>>,
    /// `GitHub-Authentication-Token-Expiration`, as sent.
    pub expires_at: Option<String>,
    /// `X-GitHub-SSO`: the organisation requires SSO authorisation for this token.
    pub sso: Option<String>,
    pub reason: Option<String>,
}

impl Verification {
    pub fn with(status: Status, reason: impl Into<String>) -> Verification {
        Verification {
            status,
            login: None,
            user_id: None,
            account_type: None,
            scopes: None,
            expires_at: None,
            sso: None,
            reason: Some(reason.into()),
        }
    }

    pub fn to_json(&self) -> Value {
        json!({
            "status": self.status.as_str(),
            "login": self.login,
            "user_id": self.user_id,
            "account_type": self.account_type,
            "scopes": self.scopes,
            "expires_at": self.expires_at,
            "sso": self.sso,
            "reason": self.reason,
        })
    }

    pub fn from_json(v: &Value) -> Option<Verification> {
        let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        Some(Verification {
            status: Status::parse(v.get("status")?.as_str()?)?,
            login: s("login"),
            user_id: v.get("user_id").and_then(Value::as_u64),
            account_type: s("account_type"),
            scopes: v.get("scopes").and_then(Value::as_array).map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            }),
            expires_at: s("expires_at"),
            sso: s("sso"),
            reason: s("reason"),
        })
    }

    /// One line for people: `live: octocat (User), scopes repo, read:org, expires …`.
    pub fn summary(&self) -> String {
        let mut parts = vec![self.status.as_str().to_string()];
        if let Some(l) = &self.login {
            let kind = self.account_type.as_deref().unwrap_or("account");
            parts.push(format!("{l} ({kind}, id {})", self.user_id.unwrap_or(0)));
        }
        if let Some(s) = &self.scopes {
            parts.push(if s.is_empty() {
                "no scopes".to_string()
            } else {
                format!("scopes {}", s.join(", "))
            });
        }
        if let Some(e) = &self.expires_at {
            parts.push(format!("expires {e}"));
        }
        if let Some(s) = &self.sso {
            parts.push(format!("SSO: {s}"));
        }
        if let Some(r) = &self.reason {
            parts.push(r.clone());
        }
        parts.join("; ")
    }
}

/// The read-only request that answers "is it live?" for a token, by its family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    User,
    Installation,
}

impl Endpoint {
    pub fn for_token(token: &str) -> Option<Endpoint> {
        let is_hex40 = |s: &str| s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit());
        if token.starts_with("ghr_") {
            None
        } else if token.starts_with("ghs_") || token.starts_with("v1.") {
            Some(Endpoint::Installation)
        } else if ["ghp_", "gho_", "ghu_", "github_pat_"]
            .iter()
            .any(|p| token.starts_with(p))
            || is_hex40(token)
        {
            Some(Endpoint::User)
        } else {
            None
        }
    }

    pub fn path(self) -> &'static str {
        match self {
            Endpoint::User => "/user",
            Endpoint::Installation => "/installation/repositories?per_page=1",
        }
    }
}

/// Verifies each distinct token once; keys of the result are the tokens' fingerprints.
/// `tokens` holds (fingerprint, token) pairs, duplicates allowed.
pub fn verify_all(
    tokens: &[(String, String)],
    cfg: &VerifyConfig,
) -> HashMap<String, Verification> {
    let mut results: HashMap<String, Verification> = HashMap::new();
    let mut cache = cfg.cache.as_deref().map(|p| Cache::load(p, cfg.cache_ttl));
    let mut todo: Vec<(String, String, Endpoint)> = Vec::new();
    for (fp, token) in tokens {
        if results.contains_key(fp) || todo.iter().any(|(f, _, _)| f == fp) {
            continue;
        }
        if let Some(v) = cache.as_ref().and_then(|c| c.get(fp)) {
            results.insert(fp.clone(), v);
            continue;
        }
        match Endpoint::for_token(token) {
            Some(e) => todo.push((fp.clone(), token.clone(), e)),
            None => {
                let why = if token.starts_with("ghr_") {
                    "refresh tokens cannot be checked without rotating them"
                } else {
                    "no read-only liveness check for this token type"
                };
                results.insert(fp.clone(), Verification::with(Status::NotVerifiable, why));
            }
        }
    }
    if !todo.is_empty() {
        let client = Client::new(cfg);
        for (fp, v) in client.check_all(todo) {
            if let Some(c) = cache.as_mut() {
                c.put(&fp, &v);
            }
            results.insert(fp, v);
        }
    }
    if let (Some(c), Some(path)) = (cache, cfg.cache.as_deref()) {
        if let Err(e) = c.save(path) {
            eprintln!(
                "patrol: warning: cannot write verify cache {}: {e}",
                path.display()
            );
        }
    }
    results
}

/// Tokens from `patrol verify`/`revoke` input: patrol's JSON document or JSON Lines findings
/// (their `secret`, which must not be redacted), or one token per line.
pub fn parse_token_input(text: &str) -> anyhow::Result<Vec<String>> {
    let from_finding = |f: &Value| -> anyhow::Result<Option<String>> {
        if f.get("redacted").and_then(Value::as_bool) == Some(true) {
            anyhow::bail!(
                "these findings are redacted: produce them with `patrol scan --show-secrets`"
            );
        }
        Ok(f.get("secret").and_then(Value::as_str).map(str::to_string))
    };
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') {
        if let Ok(doc) = serde_json::from_str::<Value>(trimmed) {
            if let Some(findings) = doc.get("findings").and_then(Value::as_array) {
                return findings
                    .iter()
                    .filter_map(|f| from_finding(f).transpose())
                    .collect();
            }
        }
        let mut out = Vec::new();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let v: Value = serde_json::from_str(line)
                .map_err(|e| anyhow::anyhow!("input is neither tokens nor patrol JSON: {e}"))?;
            if let Some(t) = from_finding(&v)? {
                out.push(t);
            }
        }
        return Ok(out);
    }
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect())
}
