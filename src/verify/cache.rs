//! A cache of verification results between runs (`--verify-cache FILE`), so that a repeated CI
//! run does not ask the API again. Keyed by the token's fingerprint (SHA-256), never the token;
//! entries expire after a TTL, because a live token can be revoked at any time.
//!
//! The file is private and hard to poison: it is written 0600 through a temporary file created
//! exclusively in the same directory and renamed over it, and read without following a
//! symbolic link; an entry dated in the future or older than the TTL is ignored; `unknown` is
//! never reused. And whatever it says, a cached verdict can only add to what a scan reports
//! (a `live` raises the exit code to 3); it cannot hide a finding or lower the exit code.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use super::Verification;

pub(super) struct Cache {
    ttl: Duration,
    /// fingerprint -> (checked at, unix seconds; verdict)
    entries: BTreeMap<String, (u64, Verification)>,
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Cache {
    /// Loads `path`; a missing or unreadable file (or a symbolic link) is an empty cache (it
    /// is only a cache).
    pub(super) fn load(path: &Path, ttl: Duration) -> Cache {
        let mut entries = BTreeMap::new();
        let read = || -> Option<Vec<u8>> {
            use std::io::Read;
            use std::os::unix::fs::OpenOptionsExt;
            let mut f = std::fs::File::options()
                .read(true)
                .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
                .open(path)
                .ok()?;
            if !f.metadata().ok()?.is_file() {
                return None;
            }
            let mut b = Vec::new();
            // A cache is small; a huge file is not one of ours.
            (&mut f).take(64 << 20).read_to_end(&mut b).ok()?;
            Some(b)
        };
        if let Some(Value::Object(map)) = read()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            .and_then(|v| v.get("entries").cloned())
        {
            for (fp, e) in map {
                let at = e.get("checked_at").and_then(Value::as_u64);
                let v = e.get("verification").and_then(Verification::from_json);
                if let (Some(at), Some(v)) = (at, v) {
                    entries.insert(fp, (at, v));
                }
            }
        }
        Cache { ttl, entries }
    }

    /// A fresh verdict for `fingerprint`. `unknown` verdicts are never reused: the next run
    /// should try again.
    pub(super) fn get(&self, fingerprint: &str) -> Option<Verification> {
        let (at, v) = self.entries.get(fingerprint)?;
        let now = now();
        // Dated in the future (beyond a little clock skew): not an entry this cache wrote.
        let plausible = *at <= now + 300;
        let fresh = now.saturating_sub(*at) < self.ttl.as_secs();
        (plausible && fresh && v.status != super::Status::Unknown).then(|| v.clone())
    }

    pub(super) fn put(&mut self, fingerprint: &str, v: &Verification) {
        self.entries
            .insert(fingerprint.to_string(), (now(), v.clone()));
    }

    /// Writes the cache, dropping expired entries.
    pub(super) fn save(&self, path: &Path) -> std::io::Result<()> {
        let limit = now().saturating_sub(self.ttl.as_secs());
        let entries: serde_json::Map<String, Value> = self
            .entries
            .iter()
            .filter(|(_, (at, _))| *at >= limit)
            .map(|(fp, (at, v))| {
                (
                    fp.clone(),
                    json!({"checked_at": at, "verification": v.to_json()}),
                )
            })
            .collect();
        let doc = json!({"patrol_verify_cache": 1, "entries": entries});
        // Readable by its owner only (0600), never written through a link.
        crate::read::replace_file(path, &serde_json::to_vec_pretty(&doc)?, 0o600)
    }
}
