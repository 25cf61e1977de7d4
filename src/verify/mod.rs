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
pub(crate) mod revoke;

use std::collections::HashMap;
use std::time::Duration;

use serde_json::Value;

pub(crate) use crate::finding::{Status, Verification};
use cache::Cache;
use client::Client;

/// What the user configured for verification.
#[derive(Clone, Debug)]
pub(crate) struct VerifyConfig {
    /// API base without a trailing slash, already checked by [`check_api_base`].
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

pub(crate) const DEFAULT_API: &str = "https://api.github.com";

/// The API base for `--verify` and `revoke`, parsed as a URI (RFC 3986, the `http` crate's
/// parser): `https://` to any host, plain `http://` only to a loopback address (`127.0.0.0/8`,
/// `::1`, `localhost`: tests and local proxies), never with user information (`user:pass@`),
/// a query or a fragment. Tokens are sent there and nowhere else.
pub(crate) fn check_api_base(url: &str) -> anyhow::Result<()> {
    use anyhow::bail;
    let uri: http::Uri = match url.parse() {
        Ok(u) => u,
        Err(_) => bail!("expected a URL like https://api.github.com, got {url:?}"),
    };
    let Some(authority) = uri.authority() else {
        bail!("expected a URL like https://api.github.com, got {url:?}");
    };
    if authority.as_str().contains('@') {
        bail!("the API base must not carry user information (user:password@), got {url:?}");
    }
    if uri.query().is_some() || url.contains('#') {
        bail!("the API base must not carry a query or a fragment, got {url:?}");
    }
    let host = authority.host();
    if host.is_empty() {
        bail!("expected a URL with a host, got {url:?}");
    }
    match uri.scheme_str() {
        Some("https") => Ok(()),
        Some("http") => {
            let bare = host.trim_start_matches('[').trim_end_matches(']');
            let loopback = bare.eq_ignore_ascii_case("localhost")
                || bare
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback());
            if loopback {
                Ok(())
            } else {
                bail!("plain http:// is allowed only to a loopback address, got {url:?}")
            }
        }
        _ => bail!("expected an https:// URL, got {url:?}"),
    }
}

/// The read-only request that answers "is it live?" for a token, by its family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Endpoint {
    User,
    Installation,
}

/// Which findings have a liveness check, by rule id: the only place that decides what may be
/// sent where. GitHub's API is the only provider today; another provider is another entry
/// (and its request and answer reading in `Endpoint`/`client`), never a token guessed from
/// its shape — a 40-hex secret of some other service must not reach GitHub.
const LIVENESS: &[(&str, Liveness)] = &[
    ("github.pat.classic", Liveness::Check(Endpoint::User)),
    ("github.oauth", Liveness::Check(Endpoint::User)),
    ("github.app.user", Liveness::Check(Endpoint::User)),
    ("github.pat.fine_grained", Liveness::Check(Endpoint::User)),
    (
        "github.app.installation",
        Liveness::Check(Endpoint::Installation),
    ),
    (
        "github.app.installation.stateless",
        Liveness::Check(Endpoint::Installation),
    ),
    (
        "github.legacy.installation",
        Liveness::Check(Endpoint::Installation),
    ),
    // Legacy rules find both 40-hex user tokens and `v1.` installation tokens.
    ("github.legacy.token", Liveness::Legacy),
    ("github.legacy.client", Liveness::Legacy),
    (
        "github.app.refresh",
        Liveness::Never("refresh tokens cannot be checked without rotating them"),
    ),
];

#[derive(Clone, Copy, Debug)]
enum Liveness {
    Check(Endpoint),
    /// `v1.` + 40 hex: an installation token; 40 hex: a user token.
    Legacy,
    Never(&'static str),
}

impl Endpoint {
    /// The check for a finding of rule `rule`, or why there is none.
    pub(crate) fn for_finding(rule: &str, token: &str) -> Result<Endpoint, &'static str> {
        match LIVENESS.iter().find(|(id, _)| *id == rule).map(|(_, l)| *l) {
            Some(Liveness::Check(e)) => Ok(e),
            Some(Liveness::Legacy) if token.starts_with("v1.") => Ok(Endpoint::Installation),
            Some(Liveness::Legacy) => Ok(Endpoint::User),
            Some(Liveness::Never(why)) => Err(why),
            None => Err("no read-only liveness check for this token type"),
        }
    }

    pub(crate) fn path(self) -> &'static str {
        match self {
            Endpoint::User => "/user",
            Endpoint::Installation => "/installation/repositories?per_page=1",
        }
    }
}

/// Verifies each distinct token once; keys of the result are the tokens' fingerprints.
/// `tokens` holds (fingerprint, rule id, token) triples, duplicates allowed.
pub(crate) fn verify_all(
    tokens: &[(String, String, String)],
    cfg: &VerifyConfig,
) -> HashMap<String, Verification> {
    let mut results: HashMap<String, Verification> = HashMap::new();
    let mut cache = cfg.cache.as_deref().map(|p| Cache::load(p, cfg.cache_ttl));
    let mut todo: Vec<(String, String, Endpoint)> = Vec::new();
    for (fp, rule, token) in tokens {
        if results.contains_key(fp) || todo.iter().any(|(f, _, _)| f == fp) {
            continue;
        }
        if let Some(v) = cache.as_ref().and_then(|c| c.get(fp)) {
            results.insert(fp.clone(), v);
            continue;
        }
        match Endpoint::for_finding(rule, token) {
            Ok(e) => todo.push((fp.clone(), token.clone(), e)),
            Err(why) => {
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
pub(crate) fn parse_token_input(text: &str) -> anyhow::Result<Vec<String>> {
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

#[cfg(test)]
mod tests {
    use super::check_api_base;

    #[test]
    fn api_bases() {
        assert!(check_api_base("https://api.github.com").is_ok());
        assert!(check_api_base("https://api.acme.ghe.com").is_ok());
        assert!(check_api_base("http://127.0.0.1:8080").is_ok());
        assert!(check_api_base("http://[::1]:9/api").is_ok());
        assert!(check_api_base("http://localhost:1").is_ok());
        assert!(check_api_base("http://127.1.2.3:80/x").is_ok());
        assert!(check_api_base("https://ghe.example.com/api/v3").is_ok());
        assert!(check_api_base("http://10.0.0.1").is_err());
        assert!(check_api_base("ftp://x").is_err());
        // Userinfo, in every disguise, and hosts that only look like loopback.
        assert!(check_api_base("https://user:pass@api.github.com").is_err());
        assert!(check_api_base("https://ghp_x@api.github.com").is_err());
        assert!(check_api_base("http://127.0.0.1@evil.example").is_err());
        assert!(check_api_base("http://localhost.evil.example").is_err());
        assert!(check_api_base("http://127.0.0.1.nip.io").is_err());
        assert!(check_api_base("http://[::ffff:10.0.0.1]").is_err());
        assert!(check_api_base("https://api.github.com?x=1").is_err());
        assert!(check_api_base("https://api.github.com#x").is_err());
        assert!(check_api_base("https://").is_err());
        assert!(check_api_base("api.github.com").is_err());
        assert!(check_api_base("https:///path").is_err());
    }
}
