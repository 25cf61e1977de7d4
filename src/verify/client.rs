//! The HTTP side of verification: a well-behaved client for GitHub's API.
//!
//! - Bounded concurrency (a few workers sharing one queue) and a request-rate limit.
//! - Connect and read timeouts per request and a deadline for the whole run.
//! - `Retry-After` and `x-ratelimit-remaining`/`x-ratelimit-reset` pause every worker, not just
//!   the one that was told; a wait longer than the budget leaves the rest `unknown`.
//! - The failed-login lockout ("Maximum number of login attempts exceeded") stops all further
//!   requests at once: continuing would only extend it.
//! - Redirects are never followed (the token must not travel to another host).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use super::{Endpoint, Status, Verification, VerifyConfig};
use crate::scan::Redactor;

/// Longest wait for a rate limit to lift that patrol accepts before giving up on the rest.
const MAX_WAIT: Duration = Duration::from_secs(60);
/// Attempts per token, retries for rate limits and server errors included.
const ATTEMPTS: usize = 3;

pub(super) const API_VERSION: &str = "2022-11-28";

pub(super) fn user_agent() -> String {
    format!(
        "patrol/{} (secret scanner; liveness check)",
        env!("CARGO_PKG_VERSION")
    )
}

pub(super) struct Client {
    agent: ureq::Agent,
    api: String,
    started: Instant,
    deadline: Duration,
    concurrency: usize,
    /// Earliest instant the next request may start (rate limit and server-requested pauses).
    next_slot: Mutex<Instant>,
    interval: Duration,
    lockout: AtomicBool,
}

/// What one HTTP exchange produced.
enum Reply {
    Done(Verification),
    /// Try again after this long (rate limits, server errors).
    Retry(Duration, Verification),
}

impl Client {
    pub(super) fn new(cfg: &VerifyConfig) -> Client {
        Client {
            agent: agent(cfg.timeout),
            api: cfg.api.trim_end_matches('/').to_string(),
            started: Instant::now(),
            deadline: cfg.deadline,
            concurrency: cfg.concurrency.max(1),
            next_slot: Mutex::new(Instant::now()),
            interval: Duration::from_secs_f64(1.0 / cfg.rate.max(0.01)),
            lockout: AtomicBool::new(false),
        }
    }

    /// Checks every (fingerprint, token, endpoint); returns one verdict per fingerprint.
    pub(super) fn check_all(
        &self,
        todo: Vec<(String, String, Endpoint)>,
    ) -> Vec<(String, Verification)> {
        let queue = Mutex::new(VecDeque::from(todo));
        let done = Mutex::new(Vec::new());
        std::thread::scope(|s| {
            for _ in 0..self.concurrency {
                s.spawn(|| loop {
                    let Some((fp, token, endpoint)) = queue.lock().unwrap().pop_front() else {
                        return;
                    };
                    let v = self.check(&token, endpoint);
                    done.lock().unwrap().push((fp, v));
                });
            }
        });
        done.into_inner().unwrap()
    }

    fn remaining(&self) -> Option<Duration> {
        self.deadline.checked_sub(self.started.elapsed())
    }

    /// Waits for this worker's turn under the rate limit; false if the deadline passes first.
    fn take_slot(&self) -> bool {
        let wait = {
            let mut next = self.next_slot.lock().unwrap();
            let now = Instant::now();
            let at = (*next).max(now);
            *next = at + self.interval;
            at - now
        };
        match self.remaining() {
            Some(left) if wait < left => {
                std::thread::sleep(wait);
                true
            }
            _ => false,
        }
    }

    /// Delays every worker's next request by `wait` (a server asked us to slow down).
    fn pause_all(&self, wait: Duration) {
        let mut next = self.next_slot.lock().unwrap();
        *next = (*next).max(Instant::now() + wait);
    }

    fn check(&self, token: &str, endpoint: Endpoint) -> Verification {
        let mut last = Verification::with(Status::Unknown, "not checked");
        for _ in 0..ATTEMPTS {
            if self.lockout.load(Ordering::Acquire) {
                return Verification::with(
                    Status::Unknown,
                    "not checked: GitHub locked this client out after failed logins",
                );
            }
            if !self.take_slot() {
                return Verification::with(
                    Status::Unknown,
                    "not checked: verification deadline reached",
                );
            }
            match self.exchange(token, endpoint) {
                Reply::Done(v) => return v,
                Reply::Retry(wait, v) => {
                    let fits = self.remaining().is_some_and(|left| wait < left);
                    if wait > MAX_WAIT || !fits {
                        return v;
                    }
                    self.pause_all(wait);
                    last = v;
                }
            }
        }
        last
    }

    /// One exchange, with every reason scrubbed of the token: servers (or proxies, or a
    /// redirect's `Location`) may echo what they were sent.
    fn exchange(&self, token: &str, endpoint: Endpoint) -> Reply {
        let redactor = Redactor::for_secret(token);
        let scrub = |mut v: Verification| {
            for s in [&mut v.reason, &mut v.sso, &mut v.login, &mut v.expires_at]
                .into_iter()
                .flatten()
            {
                *s = redactor.redact(s).into_owned();
            }
            v
        };
        match self.exchange_raw(token, endpoint) {
            Reply::Done(v) => Reply::Done(scrub(v)),
            Reply::Retry(d, v) => Reply::Retry(d, scrub(v)),
        }
    }

    fn exchange_raw(&self, token: &str, endpoint: Endpoint) -> Reply {
        let url = format!("{}{}", self.api, endpoint.path());
        let result = self
            .agent
            .get(&url)
            .header("Authorization", &format!("Bearer {token}"))
            .header("Accept", "application/vnd.github+json")
            .header("X-GitHub-Api-Version", API_VERSION)
            .call();
        let mut resp = match result {
            Ok(r) => r,
            Err(e) => {
                return Reply::Done(Verification::with(Status::Unknown, transport_reason(&e)))
            }
        };
        let status = resp.status().as_u16();
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(|s| s.trim().to_string())
        };
        let sso = header("x-github-sso");
        let scopes = header("x-oauth-scopes").map(|s| {
            s.split(',')
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty())
                .collect::<Vec<_>>()
        });
        let expires = header("github-authentication-token-expiration");
        let retry_after = header("retry-after").and_then(|s| s.parse::<u64>().ok());
        let remaining = header("x-ratelimit-remaining");
        let reset = header("x-ratelimit-reset").and_then(|s| s.parse::<u64>().ok());
        let location = header("location");
        let body = resp
            .body_mut()
            .with_config()
            .limit(1 << 20)
            .read_to_string();
        let message = body
            .as_ref()
            .ok()
            .and_then(|b| serde_json::from_str::<Value>(b).ok())
            .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_string))
            .unwrap_or_default();
        let unknown = |why: String| Verification::with(Status::Unknown, why);

        match status {
            200 => {
                let Ok(text) = body else {
                    return Reply::Done(unknown("200 with an unreadable body".into()));
                };
                let Ok(v) = serde_json::from_str::<Value>(&text) else {
                    return Reply::Done(unknown("200 with a body that is not JSON".into()));
                };
                let mut out = Verification::with(Status::Live, "");
                out.reason = None;
                match endpoint {
                    Endpoint::User => {
                        let Some(login) = v.get("login").and_then(Value::as_str) else {
                            return Reply::Done(unknown("200 without a login in the body".into()));
                        };
                        out.login = Some(login.to_string());
                        out.user_id = v.get("id").and_then(Value::as_u64);
                        out.account_type =
                            v.get("type").and_then(Value::as_str).map(str::to_string);
                    }
                    Endpoint::Installation => {
                        if v.get("total_count").is_none() && v.get("repositories").is_none() {
                            return Reply::Done(unknown(
                                "200 without an installation's repository list".into(),
                            ));
                        }
                        out.account_type = Some("installation".into());
                    }
                }
                out.scopes = scopes;
                out.expires_at = expires;
                out.sso = sso;
                Reply::Done(out)
            }
            401 => {
                let mut v =
                    Verification::with(Status::Dead, "401: revoked, expired or never valid");
                v.sso = sso;
                Reply::Done(v)
            }
            403 | 429 => {
                let lower = message.to_ascii_lowercase();
                if lower.contains("maximum number of login attempts") {
                    self.lockout.store(true, Ordering::Release);
                    return Reply::Done(unknown(format!(
                        "login lockout: {message} (stopped sending tokens)"
                    )));
                }
                if remaining.as_deref() == Some("0") {
                    let now = SystemTime::now()
                        .duration_since(UNIX_EPOCH)
                        .map_or(0, |d| d.as_secs());
                    let wait =
                        Duration::from_secs(reset.unwrap_or(now + 3600).saturating_sub(now) + 1);
                    return Reply::Retry(
                        wait,
                        unknown(format!(
                            "rate limit exhausted until x-ratelimit-reset {}",
                            reset.unwrap_or(0)
                        )),
                    );
                }
                if retry_after.is_some() || lower.contains("secondary rate limit") || status == 429
                {
                    let wait = Duration::from_secs(retry_after.unwrap_or(60));
                    return Reply::Retry(
                        wait,
                        unknown(format!(
                            "{status}: rate limited (retry after {}s)",
                            wait.as_secs()
                        )),
                    );
                }
                let restricted = |why: String| {
                    let mut v = Verification::with(Status::Restricted, why);
                    v.sso = sso.clone();
                    Reply::Done(v)
                };
                if sso.is_some() {
                    return restricted(format!(
                        "live, but the organisation requires SSO authorisation: {message}"
                    ));
                }
                if lower.contains("suspended") {
                    return restricted(format!("live, but suspended: {message}"));
                }
                if lower.contains("resource not accessible") {
                    return restricted(format!("live, but lacks permission: {message}"));
                }
                Reply::Done(unknown(format!("{status}: {message}")))
            }
            300..=399 => Reply::Done(unknown(format!(
                "{status} redirect to {} not followed",
                location.unwrap_or_default()
            ))),
            500..=599 => Reply::Retry(
                Duration::from_secs(1),
                unknown(format!("server error {status}")),
            ),
            _ => Reply::Done(unknown(format!("unexpected status {status}: {message}"))),
        }
    }
}

pub(super) fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .timeout_connect(Some(timeout))
        .timeout_recv_response(Some(timeout))
        .timeout_recv_body(Some(timeout))
        .user_agent(user_agent())
        .build()
        .into()
}

fn transport_reason(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(_) => "timeout waiting for the API".to_string(),
        ureq::Error::Io(io) => format!("network error: {io}"),
        other => format!("network error: {other}"),
    }
}
