//! What a scan produces: [`Finding`], the [`Secret`] it carries (redacting by default) and the
//! secret's [`Fingerprint`]. Every report format renders these types and nothing else, so the
//! rule "a secret never reaches an output unredacted unless the user asked" lives here.

use std::fmt;
use std::path::PathBuf;

use sha2::{Digest, Sha256};

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
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Secret {
    value: String,
    /// How many leading bytes are a public prefix (`ghp_`, `github_pat_`) that redaction keeps.
    prefix_len: usize,
}

impl Secret {
    /// Bytes that are not valid UTF-8 are replaced; every built-in rule matches ASCII only.
    pub fn new(bytes: &[u8], prefix_len: usize) -> Secret {
        let value = String::from_utf8_lossy(bytes).into_owned();
        let prefix_len = prefix_len.min(value.len());
        Secret { value, prefix_len }
    }

    /// The full secret. Call only where the user asked to see secrets (or to hash/verify).
    pub fn expose(&self) -> &str {
        &self.value
    }

    /// The public prefix plus four characters, then `…`: enough to tell tokens apart in a
    /// report, far too little to use one.
    pub fn redacted(&self) -> String {
        let keep: String = self.value[self.prefix_len..].chars().take(4).collect();
        format!("{}{}…", &self.value[..self.prefix_len], keep)
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
        let digest = Sha256::digest(bytes);
        let mut s = String::with_capacity(7 + 64);
        s.push_str("sha256:");
        for b in digest {
            s.push_str(&format!("{b:02x}"));
        }
        Fingerprint(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
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
    /// History scans: where the secret entered the repository.
    pub provenance: Option<Provenance>,
    /// With `--verify`: what the provider's API said about the token.
    pub verification: Option<crate::verify::Verification>,
    /// The secret's line, clipped around it, with every secret found on it redacted; control
    /// characters replaced. For people reading the text report.
    pub context: String,
}

/// Where a secret found in git history came from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Provenance {
    /// The earliest commit (by commit time) that carries the secret at this path; `None` for
    /// a blob that no commit names (a dangling `git add`).
    pub commit: Option<CommitMeta>,
    /// Number of commits whose tree carries this secret at this path.
    pub commits: usize,
    /// Number of other paths at which the same blob appears.
    pub other_paths: usize,
    /// No ref reaches the object: only the reflog, or nothing, keeps it alive. Such objects
    /// leak whenever the repository directory is copied or archived.
    pub unreachable: bool,
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
}
