//! The rule catalog: rules are data (TOML under `rules/`, embedded at build time, plus the
//! user's `--rules` files), checked and compiled once into a [`RuleSet`] that every scan shares
//! by reference. Checking rules against their examples needs the whole pipeline, so it lives
//! above, in `scan::examples`.

mod gates;
pub mod import;
mod load;
mod sample;
mod syntax;

use std::sync::OnceLock;

use regex::bytes::{Regex, RegexBuilder};

use crate::finding::RuleMeta;
use crate::validate::Check;

pub(crate) use gates::{PathView, View};
pub use load::load_rules;
pub(crate) use load::{compile_translation, load_rule_texts, read_rule_files};
pub(crate) use sample::sample;

/// A compiled rule. Invariants (checked by [`load_rules`]): `id` is unique in its set,
/// `keywords` is non-empty and every keyword is at least 3 bytes (2 for `keywords_any_case`
/// rules, as imported configs have them), `pattern` parses and has a group named `secret` or
/// the rule a `secret_group` within its groups (user rules: and compiles), `window` is at
/// most [`MAX_WINDOW`], a `context` distance is at most `window`, and every pattern of
/// `gates` compiles.
#[derive(Clone, Debug)]
pub struct Rule {
    pub id: String,
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) provider: String,
    /// How to revoke this kind of secret, for reports (SARIF `help`).
    pub(crate) help: String,
    /// SARIF level: `error`, `warning` or `note`.
    pub(crate) severity: &'static str,
    pub keywords: Vec<String>,
    /// Also match keywords in lower case, UPPER case and Capitalised spellings.
    pub(crate) keywords_ignore_case: bool,
    /// Match keywords in any mix of ASCII case (their spellings are then lower case).
    pub(crate) keywords_any_case: bool,
    /// Every spelling of every keyword, computed once at load: the matcher asks for them
    /// for each match.
    pub(crate) spellings: Vec<Vec<u8>>,
    pub(crate) pattern: LazyRegex,
    pub(crate) check: Check,
    /// A keyword within this many bytes of the secret suffices: the match itself need not
    /// hold one. `None`: every match holds a keyword (the prefilter's usual invariant).
    pub(crate) context: Option<usize>,
    pub(crate) boundary: bool,
    /// Entropy, required and allow conditions (imported configs); empty for built-ins.
    pub(crate) gates: gates::Gates,
    pub window: usize,
    pub(crate) examples: Vec<String>,
    pub(crate) negatives: Vec<String>,
    /// The path examples are scanned under (rules whose `require` names paths).
    pub(crate) example_path: Option<String>,
    /// Translated from another tool's config when loaded (its examples are not required).
    pub(crate) imported: bool,
    /// The file the rule came from (`builtin:github.toml` or a user path), for error messages.
    pub(crate) source: String,
}

/// A rule's regex, compiled when first needed: a scan of a small file, or of files where
/// most rules' keywords never occur, then pays for the few regexes it uses, not the whole
/// catalog's (parsing and compiling 120 patterns would cost every run milliseconds). User
/// rules are compiled at load time, so that their errors show at once; built-in rules are
/// compiled by `cargo test`.
#[derive(Clone, Debug)]
pub(crate) struct LazyRegex {
    source: String,
    /// The rule's `secret_group`, if it names the secret by index.
    group: Option<usize>,
    compiled: OnceLock<Compiled>,
}

/// Which part of a match is the secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SecretGroup {
    /// This capture group (0: the whole match).
    Index(usize),
    /// The first group that took part in the match, else the whole match (gitleaks'
    /// `secretGroup = 0`).
    FirstMatched,
}

/// A compiled pattern and where its `secret` group is.
#[derive(Clone, Debug)]
pub(crate) struct Compiled {
    pub(crate) regex: Regex,
    /// Where the secret is in a match.
    pub(crate) secret_group: SecretGroup,
    /// The `secret` group is the whole pattern: matches need no capture resolution (the
    /// matcher then asks the regex for match bounds only, which is several times cheaper).
    pub(crate) secret_is_whole: bool,
}

/// Bound on a compiled pattern's size: generous for token shapes, small enough that a hostile
/// rule file cannot make patrol build a huge automaton.
pub(crate) const REGEX_SIZE_LIMIT: usize = 1 << 22;

impl LazyRegex {
    pub(crate) fn new(source: String, group: Option<usize>) -> LazyRegex {
        LazyRegex {
            source,
            group,
            compiled: OnceLock::new(),
        }
    }

    fn build(source: &str, group: Option<usize>) -> Result<Compiled, String> {
        let hir = regex_syntax::ParserBuilder::new()
            .unicode(false)
            .utf8(false)
            .build()
            .parse(source)
            .map_err(|e| format!("pattern does not compile: {e}"))?;
        // Bytes, not text: files may hold any bytes. Unicode off makes \w, \b and \d ASCII,
        // which is what token alphabets are, and keeps the automata small.
        let regex = RegexBuilder::new(source)
            .unicode(false)
            .size_limit(REGEX_SIZE_LIMIT)
            .build()
            .map_err(|e| format!("pattern does not compile: {e}"))?;
        let named = regex.capture_names().position(|n| n == Some("secret"));
        let groups = regex.captures_len() - 1;
        let secret_group = match (named, group) {
            (Some(_), Some(_)) => {
                return Err("pattern has a 'secret' group and the rule a secret_group: \
                            give one of them"
                    .into())
            }
            (Some(i), None) => SecretGroup::Index(i),
            (None, None) => {
                return Err("pattern has no group named 'secret' (?P<secret>...)".into())
            }
            (None, Some(0)) if groups == 0 => SecretGroup::Index(0),
            (None, Some(0)) => SecretGroup::FirstMatched,
            (None, Some(n)) if n <= groups => SecretGroup::Index(n),
            (None, Some(n)) => {
                return Err(format!(
                    "secret_group {n}, but the pattern has {groups} groups"
                ))
            }
        };
        let secret_is_whole = secret_group == SecretGroup::Index(0)
            || matches!(
                hir.kind(),
                regex_syntax::hir::HirKind::Capture(c) if c.name.as_deref() == Some("secret")
            );
        Ok(Compiled {
            regex,
            secret_group,
            secret_is_whole,
        })
    }

    /// The pattern as the rule file spells it.
    pub(crate) fn source(&self) -> &str {
        &self.source
    }

    /// Compiles now (for rules whose errors must surface at load time).
    pub(crate) fn compile(&self) -> Result<&Compiled, String> {
        if let Some(c) = self.compiled.get() {
            return Ok(c);
        }
        let c = LazyRegex::build(&self.source, self.group)?;
        Ok(self.compiled.get_or_init(|| c))
    }

    /// The compiled pattern. Built-in rules are compiled by `cargo test` and user rules at
    /// load time, so this cannot fail for a loaded rule.
    pub(crate) fn get(&self) -> &Compiled {
        self.compiled.get_or_init(|| {
            LazyRegex::build(&self.source, self.group)
                .expect("rule patterns are compiled and tested at load")
        })
    }
}

/// The spellings of `keywords`: each as written and, with `ignore_case`, also in lower case,
/// UPPER case and Capitalised; with `any_case`, each in lower case only (the prefilter then
/// folds case); without repeats.
pub(crate) fn spellings(keywords: &[String], ignore_case: bool, any_case: bool) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    for k in keywords {
        if any_case {
            let lower = k.to_ascii_lowercase().into_bytes();
            if !out.contains(&lower) {
                out.push(lower);
            }
            continue;
        }
        let mut forms = vec![k.clone().into_bytes()];
        if ignore_case {
            let lower = k.to_ascii_lowercase();
            let mut cap = lower.clone().into_bytes();
            if let Some(c) = cap.iter_mut().find(|c| c.is_ascii_alphabetic()) {
                c.make_ascii_uppercase();
            }
            forms.extend([lower.into_bytes(), k.to_ascii_uppercase().into_bytes(), cap]);
        }
        for f in forms {
            if !out.contains(&f) {
                out.push(f);
            }
        }
    }
    out
}

impl Rule {
    /// The byte strings the prefilter looks for: each keyword as written and, with
    /// `keywords_ignore_case`, also in lower case, UPPER case and Capitalised.
    pub fn keyword_spellings(&self) -> &[Vec<u8>] {
        &self.spellings
    }

    /// The facts a report shows about this rule.
    pub(crate) fn meta(&self) -> RuleMeta {
        RuleMeta {
            id: self.id.clone(),
            name: self.name.clone(),
            description: self
                .description
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            severity: self.severity,
            provider: self.provider.clone(),
            help: self.help.clone(),
        }
    }

    /// Whether `text` holds one of the keyword spellings (the prefilter's view).
    pub fn text_has_keyword(&self, text: &[u8]) -> bool {
        if self.keywords_any_case {
            return self.spellings.iter().any(|k| holds_any_case(text, k));
        }
        self.spellings
            .iter()
            .any(|k| memchr::memmem::find(text, k).is_some())
    }

    /// Length of the public prefix that redaction may keep: the keyword the secret starts
    /// with, if any (`ghp_`, `github_pat_`), else nothing.
    pub(crate) fn public_prefix_len(&self, secret: &[u8]) -> usize {
        self.keywords
            .iter()
            .map(String::as_bytes)
            .filter(|k| secret.len() > k.len() && secret[..k.len()].eq_ignore_ascii_case(k))
            .map(<[u8]>::len)
            .max()
            .unwrap_or(0)
    }
}

/// Whether `text` holds `keyword` in any mix of ASCII case. Only the places where its first
/// byte occurs, in either case, are compared (comparing at every byte made this check 40% of
/// a scan of finding-dense text under gitleaks' rules).
fn holds_any_case(text: &[u8], keyword: &[u8]) -> bool {
    let Some((&first, rest)) = keyword.split_first() else {
        return false;
    };
    let (lower, upper) = (first.to_ascii_lowercase(), first.to_ascii_uppercase());
    memchr::memchr2_iter(lower, upper, text).any(|i| {
        text.get(i + 1..i + keyword.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(rest))
    })
}

/// Largest `window` a rule may ask for: keeps the work per keyword hit bounded.
pub(crate) const MAX_WINDOW: usize = 64 * 1024;

/// Default bytes searched on each side of a keyword hit.
pub(crate) const DEFAULT_WINDOW: usize = 256;

/// All rules of one run, in load order (built-ins first).
#[derive(Clone, Debug, Default)]
pub struct RuleSet {
    pub(crate) rules: Vec<Rule>,
    /// What loading has to say without failing: rules of an imported config that could not
    /// be translated, settings it ignored.
    pub(crate) notices: Vec<String>,
}

impl RuleSet {
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// Every rule's report facts, in load order.
    pub(crate) fn metas(&self) -> Vec<RuleMeta> {
        self.rules.iter().map(Rule::meta).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::holds_any_case;

    /// The fast any-case search agrees with comparing at every position: keywords at the
    /// start, the end, cut off by the end, in mixed case, next to non-letters and UTF-8.
    #[test]
    fn any_case_keyword_search_agrees_with_every_position() {
        let slow = |text: &[u8], k: &[u8]| {
            !k.is_empty() && text.windows(k.len()).any(|w| w.eq_ignore_ascii_case(k))
        };
        let texts: [&[u8]; 9] = [
            b"",
            b"t",
            b"tok",
            b"TOKEN=1",
            b"my_ToKeN",
            b"my_toke",
            b"x-api-key: 1",
            "clé_API_Key_é".as_bytes(),
            b"ttttoken tok en",
        ];
        for text in texts {
            for k in [
                &b"token"[..],
                b"api-key",
                b"api_key",
                b"t",
                b"_",
                b"",
                b"\xc3\xa9",
            ] {
                assert_eq!(holds_any_case(text, k), slow(text, k), "{text:?} {k:?}");
            }
        }
        assert!(holds_any_case(b"my_ToKeN", b"token"));
        assert!(!holds_any_case(b"my_toke", b"token"));
    }
}
