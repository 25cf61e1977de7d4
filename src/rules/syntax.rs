//! The rule file schema, as serde reads it. Unknown keys are refused (`deny_unknown_fields`) so
//! that a typo in a rule file is an error, not a silently ignored setting. Nothing here is
//! validated beyond types; [`super::load`] checks meaning and compiles.

use serde::Deserialize;

/// A rules file: `[[rules]]` tables, and `[[allow]]` tables that apply to every rule of the
/// file (an imported config's global allow lists).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RuleFile {
    #[serde(default)]
    pub rules: Vec<toml::Value>,
    #[serde(default)]
    pub allow: Vec<AllowSpec>,
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
    /// Look for the keywords in any mix of ASCII case (imported gitleaks rules). Slower: such
    /// keywords get automata of their own, without the SIMD prefilter.
    #[serde(default)]
    pub keywords_any_case: bool,
    /// A regex (Rust `regex` syntax, over bytes, ASCII classes) with a group named `secret`,
    /// or with `secret_group` saying which group is the secret.
    pub pattern: String,
    /// The capture group that is the secret, for patterns without a `secret` group: its
    /// index, or 0 for the first group that took part in the match (the whole match if the
    /// pattern has no group). gitleaks' `secretGroup`.
    #[serde(default)]
    pub secret_group: Option<usize>,
    /// The secret's Shannon entropy (bits per byte) must be `above` (strictly) or `at_least`
    /// this figure.
    #[serde(default)]
    pub entropy: Option<EntropySpec>,
    /// Conditions every reported secret must meet (all tables).
    #[serde(default)]
    pub require: Vec<RequireSpec>,
    /// Conditions under which a candidate is not reported (any table).
    #[serde(default)]
    pub allow: Vec<AllowSpec>,
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
    /// Required, except for rules translated from another tool's config at load time.
    #[serde(default)]
    pub examples: Vec<String>,
    /// Strings in which the rule must find no valid secret.
    #[serde(default)]
    pub negatives: Vec<String>,
    /// The path examples and negatives are scanned under (for rules that `require` paths).
    #[serde(default)]
    pub example_path: Option<String>,
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

/// `entropy = { above = 3.5 }` or `entropy = { at_least = 3.0 }`.
#[derive(Debug, Deserialize, serde::Serialize, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct EntropySpec {
    pub above: Option<f64>,
    pub at_least: Option<f64>,
}

/// `[[rules.require]]`: the input's path matches one of `paths`, and the `target` (`secret`,
/// `match` or `line`) matches one of `regexes`; an empty list is no condition.
#[derive(Debug, Deserialize, serde::Serialize, Clone, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct RequireSpec {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regexes: Vec<String>,
}

/// `[[rules.allow]]` / `[[allow]]`: a candidate is not reported when the input's path matches
/// one of `paths`, the `target` (`secret`, `match` or `line`) matches one of `regexes`, or the
/// secret contains one of `stopwords` (any case) — any of these (`condition = "any"`, the
/// default) or every one given (`"all"`). gitleaks' allow lists, minus commits.
#[derive(Debug, Deserialize, serde::Serialize, Clone, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct AllowSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regexes: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stopwords: Vec<String>,
}

fn default_validation() -> String {
    "none".to_string()
}
