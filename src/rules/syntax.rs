//! The rule file schema, as serde reads it. Unknown keys are refused (`deny_unknown_fields`) so
//! that a typo in a rule file is an error, not a silently ignored setting. Nothing here is
//! validated beyond types; [`super::load`] checks meaning and compiles.

use serde::Deserialize;

/// A rules file: `[[rules]]` tables and nothing else.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RuleFile {
    #[serde(default)]
    pub rules: Vec<toml::Value>,
}

/// One `[[rules]]` table. See rules/README.md for what each key means.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RuleSpec {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Who issues the token (`AWS`, `GitLab`); default: the id's first part.
    #[serde(default)]
    pub provider: Option<String>,
    /// How to revoke such a secret (SARIF `help`, reports).
    #[serde(default)]
    pub help: String,
    /// SARIF level: `error` (default), `warning` or `note`.
    #[serde(default)]
    pub severity: Option<String>,
    /// Literals the prefilter looks for, case-sensitively. Every match of `pattern` must
    /// contain one of them.
    pub keywords: Vec<String>,
    /// Also look for each keyword in lower case, UPPER case and Capitalised.
    #[serde(default)]
    pub keywords_ignore_case: bool,
    /// A regex (Rust `regex` syntax, over bytes, ASCII classes) with a group named `secret`.
    pub pattern: String,
    /// Offline check by name (rules/README.md lists them).
    #[serde(default = "default_validation")]
    pub validation: String,
    /// Parameters of a `crc32` or `marvin32` validation.
    #[serde(default)]
    pub checksum: Option<ChecksumSpec>,
    /// The secret needs a keyword nearby, not inside the match (shapes too weak alone).
    #[serde(default)]
    pub context: Option<ContextSpec>,
    /// Demand a word boundary on both sides of the secret. Default: yes, unless the validation
    /// is a checksum (a checksum proves the token even with text glued to it).
    pub boundary: Option<bool>,
    /// Bytes searched on each side of a keyword hit (default 256).
    pub window: Option<usize>,
    /// Strings in which the rule must find a valid secret (`cargo test`, `patrol rules check`).
    pub examples: Vec<String>,
    /// Strings in which the rule must find no valid secret.
    #[serde(default)]
    pub negatives: Vec<String>,
}

/// `[rules.checksum]`: which CRC-32 variant (`covers`, `encoding`, `digits`, `separator`), or
/// which Marvin32 seeds (`seeds`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ChecksumSpec {
    /// `body` (after the prefix) or `token` (everything before the check).
    pub covers: Option<String>,
    pub encoding: Option<String>,
    pub digits: Option<usize>,
    pub separator: Option<String>,
    #[serde(default)]
    pub seeds: Vec<String>,
}

/// `[rules.context]`: a keyword of the rule must occur within `within` bytes of the secret.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ContextSpec {
    pub within: usize,
}

fn default_validation() -> String {
    "none".to_string()
}
