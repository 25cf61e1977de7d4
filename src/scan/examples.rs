//! Checking rules against their own examples, through the whole pipeline: every example is
//! found (as a valid finding of that rule) and contains one of its keywords; every negative is
//! not found. Run by `cargo test` for the built-in rules, by `patrol rules check`, and on every
//! user rule at load time.

use super::scanner::{ScanOptions, Scanner};
use crate::finding::Origin;
use crate::rules::{sample, Rule, RuleSet};

/// A scanner as examples are checked with: every rule loaded, as a real scan would (so that
/// keyword sharing between rules is exercised too), allow markers ignored (examples are raw
/// strings).
fn example_scanner(set: &RuleSet) -> Scanner {
    Scanner::new(
        set.clone(),
        ScanOptions {
            show_invalid: false,
            ignore_allow_markers: true,
            decode_depth: 0,
        },
    )
}

/// Seeds tried per rule before giving up on an example.
const TRIES: u64 = 400;

/// An example made for a rule, and the path it must be scanned under (if the rule requires
/// paths).
pub(crate) type MadeExample = (String, Option<String>);

/// For rules that arrive without examples (an imported config): an example each, made from
/// the rule's own pattern and found by the whole pipeline with every rule of `set` loaded,
/// and the path it must be scanned under (rules that require paths); `None` where no seed
/// gave one.
pub(crate) fn make_examples(set: &RuleSet) -> Vec<(String, Option<MadeExample>)> {
    let scanner = example_scanner(set);
    let printable = |s: &str| s.chars().all(|c| !c.is_control() || c == '\n' || c == '\t');
    set.rules
        .iter()
        .map(|rule| {
            let path = match rule.gates.required_paths() {
                None => None,
                Some(re) => {
                    let made = (1..TRIES).find_map(|seed| {
                        let p = String::from_utf8(sample(re.as_str(), seed)?).ok()?;
                        (!p.is_empty() && printable(&p) && re.is_match(p.as_bytes())).then_some(p)
                    });
                    match made {
                        Some(p) => Some(p),
                        None => return (rule.id.clone(), None),
                    }
                }
            };
            let origin = path
                .as_ref()
                .map_or(Origin::Stdin, |p| Origin::File(p.into()));
            let example = (1..TRIES).find_map(|seed| {
                let s = String::from_utf8(sample(rule.pattern.source(), seed)?).ok()?;
                if s.is_empty() || !printable(&s) {
                    return None;
                }
                let text = if rule.text_has_keyword(s.as_bytes()) {
                    s
                } else {
                    format!("{} = {s}", rule.keywords.first()?)
                };
                let found = scanner
                    .scan(text.as_bytes(), &origin)
                    .findings
                    .iter()
                    .any(|f| f.rule == rule.id);
                found.then_some(text)
            });
            (rule.id.clone(), example.map(|e| (e, path)))
        })
        .collect()
}

/// Problems found in the rules selected by `select`, each naming the rule's file and id.
pub(crate) fn check_examples(set: &RuleSet, select: impl Fn(&Rule) -> bool) -> Vec<String> {
    // Where two rules prove the same bytes the first loaded reports them, and built-in rules
    // load first (an imported rule also gives way to a built-in one whose check rejects the
    // bytes): a built-in rule may hide a user rule's example, and then covers those bytes
    // itself. User rules are checked without the built-in ones, as `rules import` made its
    // examples; otherwise a file that `rules import --write` saved would not load beside them.
    // Each scanner is built only if a rule of its kind is checked: a load checks user rules.
    let builtin = |r: &Rule| r.source.starts_with("builtin:");
    let all = std::cell::OnceCell::new();
    let user_only = std::cell::OnceCell::new();
    let mut problems = Vec::new();
    for rule in set.rules.iter().filter(|r| select(r)) {
        let scanner = if builtin(rule) {
            all.get_or_init(|| example_scanner(set))
        } else {
            user_only.get_or_init(|| {
                example_scanner(&RuleSet {
                    rules: set.rules.iter().filter(|r| !builtin(r)).cloned().collect(),
                    notices: Vec::new(),
                })
            })
        };
        let origin = rule
            .example_path
            .as_ref()
            .map_or(Origin::Stdin, |p| Origin::File(p.into()));
        let mut fail = |what: String| {
            problems.push(format!("{}: rule '{}': {}", rule.source, rule.id, what));
        };
        let found = |text: &str| {
            scanner
                .scan(text.as_bytes(), &origin)
                .findings
                .into_iter()
                .any(|f| f.rule == rule.id)
        };
        for (i, ex) in rule.examples.iter().enumerate() {
            if !rule.text_has_keyword(ex.as_bytes()) {
                fail(format!("example {} contains none of the keywords", i + 1));
            } else if !found(ex) {
                fail(format!("example {} is not found", i + 1));
            }
        }
        for (i, neg) in rule.negatives.iter().enumerate() {
            if found(neg) {
                fail(format!("negative example {} is found", i + 1));
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::load_rules;

    /// Every built-in rule: each example found, each negative not, each example holds a
    /// keyword; and the set loads (unique ids, patterns compile, `secret` groups exist).
    #[test]
    fn builtin_rules_pass_their_examples() {
        let set = load_rules(true, &[] as &[&str]).unwrap();
        assert!(set.rules.len() >= 8);
        let problems = check_examples(&set, |_| true);
        assert!(problems.is_empty(), "{}", problems.join("\n"));
        for r in &set.rules {
            assert!(
                !r.negatives.is_empty(),
                "built-in rule {} has no negatives",
                r.id
            );
        }
    }

    /// SARIF's rule descriptions come from the rule files.
    #[test]
    fn every_builtin_rule_has_a_description() {
        let set = load_rules(true, &[] as &[&str]).unwrap();
        for r in &set.rules {
            assert!(
                !r.meta().description.is_empty(),
                "built-in rule {} has no description",
                r.id
            );
        }
    }

    #[test]
    fn a_rule_whose_example_does_not_match_is_reported() {
        let mut set = load_rules(true, &[] as &[&str]).unwrap();
        set.rules[0]
            .examples
            .push("ghp_placeholder_that_fails".into());
        let first = set.rules[0].examples[0].clone();
        set.rules[0].negatives.push(first);
        let id = set.rules[0].id.clone();
        let problems = check_examples(&set, |r| r.id == id);
        assert_eq!(problems.len(), 2, "{problems:?}");
    }
}
