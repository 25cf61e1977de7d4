//! A rule's conditions beyond its pattern and offline check: a minimum entropy of the secret,
//! conditions every reported secret must meet (`require`), and allow lists that drop a
//! candidate (`allow`) — what gitleaks and Betterleaks configs express with `entropy`,
//! `path`, allow lists and filters, in patrol's schema so that an imported config can be
//! written out and read back unchanged.
//!
//! A candidate a gate drops is treated like one that fails its offline check: not reported,
//! counted, shown with `--show-invalid`, and still redacted in context lines.

use std::sync::Arc;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder};
use anyhow::{anyhow, bail, Result};
use regex::bytes::{Regex, RegexBuilder};

use super::syntax::{AllowSpec, EntropySpec, RequireSpec};
use super::REGEX_SIZE_LIMIT;
use crate::validate::entropy::shannon;

/// How far a `line` target reaches on each side of the match: the line of a minified file can
/// be megabytes long, and every candidate on it would otherwise read all of it again.
const LINE_REACH: usize = 4096;

/// Compiled gates of one rule. Empty for every built-in rule.
#[derive(Clone, Debug, Default)]
pub(crate) struct Gates {
    /// The secret's entropy must exceed (`strict`) or reach this figure.
    entropy: Option<(f64, bool)>,
    require: Vec<Arc<Condition>>,
    allow: Vec<Arc<Allow>>,
}

/// What a gate looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    Secret,
    Match,
    Line,
}

/// Path and text conditions; `None` is no condition.
#[derive(Debug)]
struct Condition {
    paths: Option<Regex>,
    target: Target,
    regexes: Option<Regex>,
}

/// A compiled allow table.
#[derive(Debug)]
pub(crate) struct Allow {
    all: bool,
    condition: Condition,
    /// Lower-case words; a secret containing one in any case is dropped.
    stopwords: Option<AhoCorasick>,
}

/// The path of the input a candidate is in, as far as it is known when scanning.
#[derive(Clone, Copy, Debug)]
pub(crate) enum PathView<'a> {
    /// Files, staged blobs, blobs of a range.
    Known(&'a [u8]),
    /// A blob of a history scan: its paths are known only once its commits are (then
    /// [`Gates::pass_path`] decides). Meanwhile path conditions pass and path allow lists
    /// do not drop.
    Later,
    /// Standard input, commit messages: no path condition holds.
    Absent,
}

/// One candidate, as the gates see it.
pub(crate) struct View<'a> {
    pub haystack: &'a [u8],
    pub secret: (usize, usize),
    pub whole: (usize, usize),
    pub path: PathView<'a>,
}

impl View<'_> {
    fn text(&self, target: Target) -> &[u8] {
        match target {
            Target::Secret => &self.haystack[self.secret.0..self.secret.1],
            Target::Match => &self.haystack[self.whole.0..self.whole.1],
            Target::Line => {
                let lo = self.whole.0.saturating_sub(LINE_REACH);
                let hi = (self.whole.1 + LINE_REACH).min(self.haystack.len());
                let start = memchr::memrchr(b'\n', &self.haystack[lo..self.whole.0])
                    .map_or(lo, |i| lo + i + 1);
                let end = memchr::memchr(b'\n', &self.haystack[self.whole.1..hi])
                    .map_or(hi, |i| self.whole.1 + i);
                &self.haystack[start..end]
            }
        }
    }
}

/// `(?:p1|p2|…)`, as gitleaks joins a list (a leading flag in one pattern then reaches the
/// later ones too, as it does there).
fn join(patterns: &[String], what: &str) -> Result<Option<Regex>> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let joined = format!("(?:{})", patterns.join("|"));
    RegexBuilder::new(&joined)
        .unicode(false)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map(Some)
        .map_err(|e| anyhow!("{what}: pattern does not compile: {e}"))
}

fn target(name: Option<&str>) -> Result<Target> {
    match name {
        None | Some("") | Some("secret") => Ok(Target::Secret),
        Some("match") => Ok(Target::Match),
        Some("line") => Ok(Target::Line),
        Some(other) => bail!("target {other:?}: expected \"secret\", \"match\" or \"line\""),
    }
}

impl Condition {
    /// Whether every condition given holds (`all`), or any (`!all`). `extra` is one more
    /// criterion (stop words), or `None`. A path known only later counts as `later`.
    fn holds(&self, v: &View, all: bool, extra: Option<bool>, later: bool) -> bool {
        let path = self.paths.as_ref().map(|re| match v.path {
            PathView::Known(p) => re.is_match(p),
            PathView::Later => later,
            PathView::Absent => false,
        });
        let text = self
            .regexes
            .as_ref()
            .map(|re| re.is_match(v.text(self.target)));
        let mut given = [path, text, extra].into_iter().flatten();
        if all {
            given.all(|b| b)
        } else {
            given.any(|b| b)
        }
    }
}

/// Compiles allow tables; the caller shares them (`Arc`) between the rules of a file.
pub(super) fn compile_allow(spec: &AllowSpec) -> Result<Arc<Allow>> {
    let all = match spec
        .condition
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("") | Some("any") => false,
        Some("all") => true,
        Some(other) => bail!("allow.condition {other:?}: expected \"any\" or \"all\""),
    };
    if spec.paths.is_empty() && spec.regexes.is_empty() && spec.stopwords.is_empty() {
        bail!("an allow table needs paths, regexes or stopwords");
    }
    let stopwords = if spec.stopwords.is_empty() {
        None
    } else {
        let words: Vec<String> = spec.stopwords.iter().map(|w| w.to_lowercase()).collect();
        Some(
            AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .build(&words)
                .map_err(|e| anyhow!("allow.stopwords: {e}"))?,
        )
    };
    Ok(Arc::new(Allow {
        all,
        condition: Condition {
            paths: join(&spec.paths, "allow.paths")?,
            target: target(spec.target.as_deref())?,
            regexes: join(&spec.regexes, "allow.regexes")?,
        },
        stopwords,
    }))
}

impl Gates {
    /// Compiles a rule's gates; `file_allow` are the allow tables of its file, shared.
    pub(super) fn compile(
        entropy: Option<&EntropySpec>,
        require: &[RequireSpec],
        allow: &[AllowSpec],
        file_allow: &[Arc<Allow>],
    ) -> Result<Gates> {
        let entropy = match entropy {
            None => None,
            Some(EntropySpec {
                above: Some(x),
                at_least: None,
            }) => Some((*x, true)),
            Some(EntropySpec {
                above: None,
                at_least: Some(x),
            }) => Some((*x, false)),
            Some(_) => bail!("entropy takes one of `above` or `at_least`"),
        };
        if let Some((x, _)) = entropy {
            if !(0.0..=8.0).contains(&x) {
                bail!("entropy {x} is out of range 0..=8 (bits per byte)");
            }
        }
        let require = require
            .iter()
            .map(|r| {
                if r.paths.is_empty() && r.regexes.is_empty() {
                    bail!("a require table needs paths or regexes");
                }
                Ok(Arc::new(Condition {
                    paths: join(&r.paths, "require.paths")?,
                    target: target(r.target.as_deref())?,
                    regexes: join(&r.regexes, "require.regexes")?,
                }))
            })
            .collect::<Result<Vec<_>>>()?;
        let mut all_allow: Vec<Arc<Allow>> = file_allow.to_vec();
        for a in allow {
            all_allow.push(compile_allow(a)?);
        }
        Ok(Gates {
            entropy,
            require,
            allow: all_allow,
        })
    }

    /// The first path condition the rule requires, if any (examples need a path it matches).
    pub(crate) fn required_paths(&self) -> Option<&Regex> {
        self.require.iter().find_map(|c| c.paths.as_ref())
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.entropy.is_none() && self.require.is_empty() && self.allow.is_empty()
    }

    /// Whether the candidate passes every gate.
    pub(crate) fn pass(&self, v: &View) -> bool {
        let secret = v.text(Target::Secret);
        if secret.is_empty() {
            return false;
        }
        if let Some((x, strict)) = self.entropy {
            let e = shannon(secret);
            if (strict && e <= x) || (!strict && e < x) {
                return false;
            }
        }
        if !self.require.iter().all(|c| c.holds(v, true, None, true)) {
            return false;
        }
        !self.allow.iter().any(|a| {
            let stop = a.stopwords.as_ref().map(|ac| ac.is_match(secret));
            a.condition.holds(v, a.all, stop, false)
        })
    }

    /// For a finding of a history scan, once its path is known: whether the path conditions
    /// the scan could not apply let it through. Required paths must match; an allow list
    /// whose path alone decides (any-of, or all-of with nothing else) drops it. An all-of
    /// list that also looks at the text is not applied (its other half was not kept): more
    /// findings, never fewer.
    pub(crate) fn pass_path(&self, path: &[u8]) -> bool {
        let required = self
            .require
            .iter()
            .filter_map(|c| c.paths.as_ref())
            .all(|re| re.is_match(path));
        let allowed = self.allow.iter().any(|a| {
            let alone = a.condition.regexes.is_none() && a.stopwords.is_none();
            (!a.all || alone)
                && a.condition
                    .paths
                    .as_ref()
                    .is_some_and(|re| re.is_match(path))
        });
        required && !allowed
    }

    /// Whether any condition looks at paths (history findings are then checked again).
    pub(crate) fn has_paths(&self) -> bool {
        self.require.iter().any(|c| c.paths.is_some())
            || self.allow.iter().any(|a| a.condition.paths.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view<'a>(hay: &'a [u8], secret: &str, path: Option<&'a str>) -> View<'a> {
        let s = memchr::memmem::find(hay, secret.as_bytes()).unwrap();
        View {
            haystack: hay,
            secret: (s, s + secret.len()),
            whole: (s.saturating_sub(4), s + secret.len()),
            path: path.map_or(PathView::Absent, |p| PathView::Known(p.as_bytes())),
        }
    }

    fn allow(spec: AllowSpec) -> Gates {
        Gates::compile(None, &[], &[spec], &[]).unwrap()
    }

    #[test]
    fn entropy_above_is_strict_and_at_least_is_not() {
        // "aabb": exactly 1 bit per byte.
        let hay = b"key=aabb\n";
        let above = EntropySpec {
            above: Some(1.0),
            at_least: None,
        };
        let at_least = EntropySpec {
            above: None,
            at_least: Some(1.0),
        };
        let g = |e: &EntropySpec| Gates::compile(Some(e), &[], &[], &[]).unwrap();
        assert!(!g(&above).pass(&view(hay, "aabb", None)));
        assert!(g(&at_least).pass(&view(hay, "aabb", None)));
    }

    #[test]
    fn allow_any_and_all() {
        let hay = b"x = token_EXAMPLE_123\n";
        let v = view(hay, "token_EXAMPLE_123", Some("src/test/a.py"));
        let any = AllowSpec {
            paths: vec!["^docs/".into()],
            stopwords: vec!["Example".into()],
            ..AllowSpec::default()
        };
        assert!(
            !allow(any.clone()).pass(&v),
            "a stop word in any case drops it"
        );
        let all = AllowSpec {
            condition: Some("all".into()),
            ..any
        };
        assert!(allow(all.clone()).pass(&v), "the path does not match");
        let all_path = AllowSpec {
            paths: vec!["/test/".into()],
            ..all
        };
        assert!(!allow(all_path).pass(&v));
    }

    #[test]
    fn targets_and_requirements() {
        let hay = b"first line\nexport KEY=abcdef0123 # nosec\nlast\n";
        let line = AllowSpec {
            target: Some("line".into()),
            regexes: vec!["# nosec$".into()],
            ..AllowSpec::default()
        };
        assert!(!allow(line).pass(&view(hay, "abcdef0123", None)));
        let secret = AllowSpec {
            regexes: vec!["# nosec$".into()],
            ..AllowSpec::default()
        };
        assert!(allow(secret).pass(&view(hay, "abcdef0123", None)));
        let req = RequireSpec {
            paths: vec![r"\.env$".into()],
            ..RequireSpec::default()
        };
        let g = Gates::compile(None, &[req], &[], &[]).unwrap();
        assert!(g.pass(&view(hay, "abcdef0123", Some("app/.env"))));
        assert!(!g.pass(&view(hay, "abcdef0123", Some("app/env.py"))));
        assert!(!g.pass(&view(hay, "abcdef0123", None)), "no path: no match");
        // A history blob: decided once its path is known.
        let later = View {
            path: PathView::Later,
            ..view(hay, "abcdef0123", None)
        };
        assert!(g.pass(&later));
        assert!(g.pass_path(b"app/.env") && !g.pass_path(b"app/env.py"));
    }

    #[test]
    fn path_allow_lists_apply_later_unless_they_need_the_text() {
        let paths = AllowSpec {
            paths: vec!["(^|/)vendor/".into()],
            ..AllowSpec::default()
        };
        let g = allow(paths.clone());
        assert!(!g.pass_path(b"vendor/x.py") && g.pass_path(b"src/x.py"));
        let with_text = AllowSpec {
            condition: Some("all".into()),
            regexes: vec!["EXAMPLE".into()],
            ..paths
        };
        assert!(allow(with_text).pass_path(b"vendor/x.py"));
    }

    #[test]
    fn bad_tables_are_errors() {
        assert!(compile_allow(&AllowSpec::default()).is_err());
        let bad = AllowSpec {
            condition: Some("XOR".into()),
            stopwords: vec!["x".into()],
            ..AllowSpec::default()
        };
        assert!(compile_allow(&bad).is_err());
        let bad_re = AllowSpec {
            regexes: vec!["a{".into()],
            ..AllowSpec::default()
        };
        assert!(compile_allow(&bad_re).is_err());
    }
}
