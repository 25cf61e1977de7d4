//! The bottom layer: the plain data every stage shares. What a scan produces ([`Finding`]),
//! the [`Secret`] it carries (redacting by default), the secret's [`Fingerprint`], where it came
//! from ([`Origin`], [`Provenance`]), what a liveness check said ([`Verification`]) and the
//! facts a report shows about a rule ([`RuleMeta`]), and the bounded list of [`Notes`] the
//! decode stage keeps about an input it could not scan whole. Nothing here reads input, talks
//! to the network or knows a report format; every module above may name these types.
//!
//! The redacted *form* of a secret is defined here, once ([`Secret::redacted`]); the one place
//! where strings are redacted with it is `scan::redact`.

use std::fmt;
use std::path::PathBuf;

use sha2::{Digest, Sha256};

/// Notes about one input (what the decode stage could not scan whole, and why), kept in the
/// order they were made: the first [`Notes::MAX`], and a count of the rest.
///
/// Bounded because the input chooses how many there are: 62 MB of lines each holding a
/// base64'd gzip header made two million notes, 4 GiB of memory and a 440 MB report. No
/// reader of a report needs the millionth place; the first ones and the count say what
/// happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notes<T> {
    /// At most [`Notes::MAX`].
    kept: Vec<T>,
    /// Notes made after `kept` was full.
    more: u64,
}

impl<T> Default for Notes<T> {
    fn default() -> Self {
        Notes {
            kept: Vec::new(),
            more: 0,
        }
    }
}

impl<T> Notes<T> {
    /// How many notes one input keeps.
    pub const MAX: usize = 100;

    /// Keeps `note`, or counts it once [`Notes::MAX`] are kept.
    pub fn push(&mut self, note: T) {
        if self.kept.len() < Self::MAX {
            self.kept.push(note);
        } else {
            self.more = self.more.saturating_add(1);
        }
    }

    /// Adds `other`'s notes after these, as if each had been pushed, and its count.
    pub fn append(&mut self, other: Notes<T>) {
        for note in other.kept {
            self.push(note);
        }
        self.more = self.more.saturating_add(other.more);
    }

    /// The same notes, each changed by `f`.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Notes<U> {
        Notes {
            kept: self.kept.into_iter().map(f).collect(),
            more: self.more,
        }
    }

    /// The notes kept, in order.
    pub fn kept(&self) -> &[T] {
        &self.kept
    }

    /// The notes kept, to change in place.
    pub fn kept_mut(&mut self) -> &mut [T] {
        &mut self.kept
    }

    /// No note was made.
    pub fn is_empty(&self) -> bool {
        self.kept.is_empty()
    }

    /// The notes kept, and how many more there were.
    pub fn into_parts(self) -> (Vec<T>, u64) {
        (self.kept, self.more)
    }

    /// Kept notes in another order (`more` stays as it is).
    pub fn sort_by_key<K: Ord>(&mut self, f: impl FnMut(&T) -> K) {
        self.kept.sort_by_key(f);
    }
}

/// Where scanned bytes came from. Every input (files, stdin, and later git blobs and the index)
/// goes through the same scanner; only the origin differs.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Origin {
    /// A file on disk, as the walker or the command line named it.
    File(PathBuf),
    /// Standard input (`-` on the command line).
    Stdin,
    /// A staged blob (what `git commit` would record), by its path in the work tree.
    Staged { path: String },
    /// A blob in a repository's object database: its id, and the path it was first seen at
    /// (`None` for a blob no commit's tree names: a dangling `git add`).
    Blob { id: String, path: Option<String> },
    /// The message of a commit (or of an annotated tag).
    Message { id: String, kind: &'static str },
}

impl Origin {
    /// The path shown in reports: the file's path, or `<stdin>`.
    pub fn display_path(&self) -> String {
        match self {
            Origin::File(p) => p.display().to_string(),
            Origin::Stdin => "<stdin>".to_string(),
            Origin::Staged { path } => path.clone(),
            Origin::Blob { id, path } => path.clone().unwrap_or_else(|| format!("<blob {id}>")),
            Origin::Message { id, kind } => format!("<{kind} message {id}>"),
        }
    }
}

/// A matched secret. Invariant: neither `Debug` nor `Display` shows the full value; only
/// [`Secret::expose`] does, and only report code that checked `--show-secrets` calls it.
/// A secret read back from a redacted report (`patrol merge`) holds only its redacted form:
/// there is nothing more to expose, and every output shows that form.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Secret {
    value: String,
    /// How many leading bytes are a public prefix (`ghp_`, `github_pat_`) that redaction keeps.
    prefix_len: usize,
    /// `value` is already the redacted form.
    redacted_only: bool,
}

impl Secret {
    /// Bytes that are not valid UTF-8 are replaced; every built-in rule matches ASCII only.
    pub fn new(bytes: &[u8], prefix_len: usize) -> Secret {
        let value = String::from_utf8_lossy(bytes).into_owned();
        let prefix_len = prefix_len.min(value.len());
        Secret {
            value,
            prefix_len,
            redacted_only: false,
        }
    }

    /// A secret known only by its redacted form, as a redacted report shows it.
    pub fn from_redacted(shown: &str) -> Secret {
        Secret {
            value: shown.to_string(),
            prefix_len: shown.len(),
            redacted_only: true,
        }
    }

    /// Whether only the redacted form is known (read back from a redacted report): `expose`
    /// then gives that form, and its length is not the secret's.
    pub fn is_redacted_only(&self) -> bool {
        self.redacted_only
    }

    /// The full secret. Call only where the user asked to see secrets (or to hash/verify).
    pub fn expose(&self) -> &str {
        &self.value
    }

    /// The public prefix plus four characters, then `…`: enough to tell tokens apart in a
    /// report, far too little to use one. Never cuts a character: the prefix ends on a
    /// character boundary, whatever bytes the secret holds.
    pub fn redacted(&self) -> String {
        if self.redacted_only {
            return self.value.clone();
        }
        let mut cut = self.prefix_len.min(self.value.len());
        while !self.value.is_char_boundary(cut) {
            cut -= 1;
        }
        let keep: String = self.value[cut..].chars().take(4).collect();
        format!("{}{}…", &self.value[..cut], keep)
    }

    /// Length in bytes (of the secret as reported: invalid UTF-8 replaced).
    pub fn len(&self) -> usize {
        self.value.len()
    }

    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }

    /// What a report shows: the secret in full only when the user asked (`--show-secrets`),
    /// else its redacted form.
    pub fn shown(&self, show_secrets: bool) -> String {
        if show_secrets {
            self.value.clone()
        } else {
            self.redacted()
        }
    }

    pub fn fingerprint(&self) -> Fingerprint {
        Fingerprint::of(self.value.as_bytes())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({})", self.redacted())
    }
}

/// `sha256:` + lowercase hex of the secret's bytes. The identity of a secret across files,
/// commits and runs (dedup, baselines); it reveals nothing usable about the token.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fingerprint(String);

impl Fingerprint {
    pub fn of(bytes: &[u8]) -> Fingerprint {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let digest = Sha256::digest(bytes);
        let mut s = String::with_capacity(7 + 64);
        s.push_str("sha256:");
        for b in digest {
            s.push(HEX[usize::from(b >> 4)] as char);
            s.push(HEX[usize::from(b & 15)] as char);
        }
        Fingerprint(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A fingerprint as reports write it, read back; the caller has checked its form
    /// (`sha256:` and 64 lowercase hex digits).
    pub(crate) fn from_hex_string(s: String) -> Fingerprint {
        Fingerprint(s)
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The offline verdict on a candidate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Validation {
    /// The token's embedded checksum matches: it is a real token format, not a placeholder.
    ChecksumValid,
    /// The token has the right shape but its checksum fails: a placeholder, a dummy or a typo.
    ChecksumInvalid,
    /// No checksum exists for this format; its structure (JWT parts, entropy) is credible.
    StructureValid,
    /// No checksum exists and the structure is not credible (e.g. `0000…`, undecodable JWT).
    StructureInvalid,
}

impl Validation {
    /// Stable names used in every output format.
    pub fn as_str(self) -> &'static str {
        match self {
            Validation::ChecksumValid => "checksum-valid",
            Validation::ChecksumInvalid => "checksum-invalid",
            Validation::StructureValid => "structure-valid",
            Validation::StructureInvalid => "structure-invalid",
        }
    }

    /// Valid candidates are findings; invalid ones are shown only with `--show-invalid`.
    pub fn is_valid(self) -> bool {
        matches!(self, Validation::ChecksumValid | Validation::StructureValid)
    }
}

/// One reported secret at one place.
#[derive(Clone, Debug)]
pub struct Finding {
    /// Stable rule id, e.g. `github.pat.classic`.
    pub rule: String,
    pub rule_name: String,
    pub origin: Origin,
    /// 1-based line number.
    pub line: u64,
    /// 1-based column, counted in characters (each invalid UTF-8 byte counts as one).
    pub column: u64,
    /// Byte offset of the secret's first byte in the scanned input.
    pub offset: u64,
    pub secret: Secret,
    pub fingerprint: Fingerprint,
    pub validation: Validation,
    /// Facts decoded offline from the token itself (e.g. a stateless `ghs_` token's app id and
    /// expiry), as ordered (key, value) pairs. Never contains the secret.
    pub details: Vec<(String, String)>,
    /// The scanned input looked binary (it has a NUL byte near the start).
    pub binary: bool,
    /// History scans: where the secret entered the repository. (Boxed, as is
    /// `verification`: most findings have neither, and a finding-dense input holds hundreds
    /// of thousands of findings that are moved and sorted.)
    pub provenance: Option<Box<Provenance>>,
    /// With `--verify`: what the provider's API said about the token.
    pub verification: Option<Box<Verification>>,
    /// The secret's line, clipped around it, with every candidate on it redacted (its own
    /// secret included, whatever `--show-secrets` says), otherwise exact: terminal writers
    /// escape it, machine formats escape it as their syntax requires.
    pub context: String,
    /// Why the finding is not reported, if it is suppressed: suppressed findings are kept and
    /// shown as such in every format, so that no suppression is silent.
    pub suppression: Option<Suppression>,
    /// Found in decoded content: the encodings undone to reach it, outermost first
    /// (`["base64", "gzip"]`); empty for a secret written as it is. Its place (line, column,
    /// offset) is the encoded text's in the input.
    pub decoded: Vec<&'static str>,
    /// Found inside a container: the compressed streams and archive members unpacked to reach
    /// it, outermost first (`[Stream("gzip"), Member("home/.netrc")]` for a `.tar.gz`). Its
    /// place (line, column, offset) and context are then in the innermost unpacked content;
    /// `decoded` lists the encodings undone within it.
    pub unpacked: Vec<Layer>,
    /// Git modes: which repository holds it (its forge page, else its directory's name), so
    /// that the reports of several repositories can be merged into one. `None` for files.
    pub repository: Option<std::sync::Arc<str>>,
}

/// A container a finding was unpacked from.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Layer {
    /// A compressed stream filling what held it: `gzip`, `bzip2`, `xz` or `zstd`.
    Stream(&'static str),
    /// A member of an archive (zip family, tar), by its path in the archive: text from the
    /// scanned input, escaped and redacted like any path.
    Member(String),
}

impl Layer {
    /// How a report names it: the stream's format, or the member's path.
    pub fn label(&self) -> &str {
        match self {
            Layer::Stream(kind) => kind,
            Layer::Member(path) => path,
        }
    }
}

/// Why a finding is suppressed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Suppression {
    /// An inline allow marker on the finding's line (`patrol:allow`, ...): in the source.
    Marker { marker: &'static str },
    /// The config file's `allow_secrets` lists its fingerprint.
    AllowList,
    /// The config file's `exclude_paths` matches its path (git tree paths: files matching it
    /// are not read at all).
    ExcludedPath,
    /// The baseline records it.
    Baseline,
}

impl Suppression {
    /// A stable name for machine formats.
    pub fn kind(&self) -> &'static str {
        match self {
            Suppression::Marker { .. } => "inline-marker",
            Suppression::AllowList => "allow-list",
            Suppression::ExcludedPath => "excluded-path",
            Suppression::Baseline => "baseline",
        }
    }

    /// Whether the suppression is written in the scanned source itself (SARIF `inSource`),
    /// rather than kept outside it (`external`: config file, baseline).
    pub fn in_source(&self) -> bool {
        matches!(self, Suppression::Marker { .. })
    }

    /// For people: why it is not reported.
    pub fn reason(&self) -> String {
        match self {
            Suppression::Marker { marker } => format!("allow marker `{marker}` on its line"),
            Suppression::AllowList => "allow_secrets in the config file".to_string(),
            Suppression::ExcludedPath => "exclude_paths in the config file".to_string(),
            Suppression::Baseline => "recorded in the baseline".to_string(),
        }
    }
}

/// Where a secret found in git history came from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Provenance {
    /// The earliest commit (by commit time) that carries the secret at this path; `None` for
    /// a blob that no commit names (a dangling `git add`).
    pub commit: Option<CommitMeta>,
    /// Number of commits whose tree carries this secret at this path.
    pub commits: usize,
    /// The other paths at which the same blob appears, sorted.
    pub other_paths: Vec<String>,
    /// No ref reaches the object: only the reflog, or nothing, keeps it alive. Such objects
    /// leak whenever the repository directory is copied or archived.
    pub unreachable: bool,
    /// Whether the secret is still at this path in HEAD's commit (`None`: not known, e.g. a
    /// repository without HEAD, or a finding in a message).
    pub present_at_head: Option<bool>,
    /// The first commit of HEAD's first-parent history whose tree no longer holds the secret
    /// at this path, after one that did (`None` while it is present, or if HEAD's history
    /// never held it there).
    pub removed_in: Option<CommitMeta>,
    /// Web pages of the introducing commit and of the line, where the repository's remote is
    /// on a known forge (and `--no-links` was not given).
    pub links: Option<Links>,
}

/// A finding's pages on the repository's forge.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Links {
    /// The introducing commit.
    pub commit: String,
    /// The secret's line in that commit's version of the file (`None` for a commit message).
    pub line: Option<String>,
}

/// The commit facts a history finding reports.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommitMeta {
    pub id: String,
    /// `Name <email>`.
    pub author: String,
    /// Author date, `YYYY-MM-DDTHH:MM:SSZ`.
    pub date: String,
    /// First line of the message.
    pub summary: String,
    /// The commit's generation number v2 in its repository, as git's commit-graph defines it:
    /// the corrected commit date (committer time in Unix seconds, at least 1, raised to one
    /// past its parents' largest where a clock skewed; 0: unknown). Every ancestor has a
    /// smaller one and unrelated histories compare by date. What orders commits, across
    /// shards too (`patrol merge`), where dates alone cannot (clocks skew, rebases keep author
    /// dates) and plain generation numbers cannot (a root pushed last would rank first).
    pub generation: u64,
}

/// The facts about a rule that reports show: they travel with the rules (rule files carry
/// them), so a user's rule is described as well as a built-in one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RuleMeta {
    pub id: String,
    pub name: String,
    /// What the token is and what it grants; may be empty for a user's rule.
    pub description: String,
    /// SARIF level: `error`, `warning` or `note`.
    pub severity: &'static str,
    pub provider: String,
    /// How to revoke this kind of secret (the rule file's `help`); may be empty.
    pub help: String,
}

/// The verdict of a liveness check on one token.
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
    pub const ALL: [Status; 5] = [
        Status::Live,
        Status::Dead,
        Status::Restricted,
        Status::Unknown,
        Status::NotVerifiable,
    ];

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
        Status::ALL.into_iter().find(|x| x.as_str() == s)
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

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
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

    pub fn from_json(v: &serde_json::Value) -> Option<Verification> {
        use serde_json::Value;
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

/// `YYYY-MM-DDTHH:MM:SSZ` for a Unix time, the one date form every report uses (commit dates,
/// token expiry). No date library: the days-to-civil algorithm from Howard Hinnant's date
/// paper.
pub(crate) fn format_unix_utc(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_keep_the_first_and_count_the_rest() {
        let max = Notes::<usize>::MAX;
        let mut a = Notes::default();
        assert!(a.is_empty());
        for i in 0..max - 2 {
            a.push(i);
        }
        let mut b = Notes::default();
        for i in 0..max + 5 {
            b.push(1000 + i);
        }
        assert_eq!((b.kept().len(), b.more), (max, 5));
        // Appended as if pushed one by one: two of b's fit, the other max - 2 + 5 are counted.
        a.append(b);
        assert_eq!(a.kept().len(), max);
        assert_eq!(a.kept()[max - 3..], [max - 3, 1000, 1001]);
        assert_eq!(a.more, (max - 2 + 5) as u64);
        let (kept, more) = a.map(|n| n * 2).into_parts();
        assert_eq!((kept[max - 1], more), (2002, (max + 3) as u64));
    }

    #[test]
    fn dates() {
        assert_eq!(format_unix_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_unix_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(format_unix_utc(1_767_225_600), "2026-01-01T00:00:00Z");
    }

    #[test]
    fn secrets_never_print_whole() {
        let s = Secret::new(b"ghp_abcdefghijklmnop", 4);
        assert_eq!(s.redacted(), "ghp_abcd…");
        assert_eq!(format!("{s:?}"), "Secret(ghp_abcd…)");
    }
}
