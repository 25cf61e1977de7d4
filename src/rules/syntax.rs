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
    /// Literals the prefilter looks for, case-sensitively. Every match of `pattern` must
    /// contain one of them.
    pub keywords: Vec<String>,
    /// Also look for each keyword in lower case, UPPER case and Capitalised.
    #[serde(default)]
    pub keywords_ignore_case: bool,
    /// A regex (Rust `regex` syntax, over bytes, ASCII classes) with a group named `secret`.
    pub pattern: String,
    /// Offline check: `none`, `github-crc32`, `github-pat-sha256`, `github-jwt`, `hex-entropy`.
    #[serde(default = "default_validation")]
    pub validation: String,
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

fn default_validation() -> String {
    "none".to_string()
}
