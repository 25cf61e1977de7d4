//! Checking rules against their own examples, through the whole pipeline: every example is
//! found (as a valid finding of that rule) and contains one of its keywords; every negative is
//! not found. Run by `cargo test` for the built-in rules, by `patrol rules check`, and on every
//! user rule at load time.

use super::scanner::{ScanOptions, Scanner};
use crate::finding::Origin;
use crate::rules::{Rule, RuleSet};

/// Problems found in the rules selected by `select`, each naming the rule's file and id.
pub(crate) fn check_examples(set: &RuleSet, select: impl Fn(&Rule) -> bool) -> Vec<String> {
    // Scan with every rule loaded, as a real scan would, so that keyword sharing between rules
    // is exercised too. Allow markers are ignored: examples are raw strings.
    let scanner = Scanner::new(
        set.clone(),
        ScanOptions {
            show_invalid: false,
            ignore_allow_markers: true,
        },
    );
    let origin = Origin::Stdin;
    let mut problems = Vec::new();
    for rule in set.rules.iter().filter(|r| select(r)) {
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
