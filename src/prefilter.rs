//! Stage 3: one Aho-Corasick automaton over every rule's keywords. It finds candidate positions
//! in a buffer; only the rules owning the keyword found there run their regex (stage 4).
//!
//! Invariant (no false negatives): every match a rule can report contains one of its keywords,
//! so every reportable match contains a hit of this automaton. The matcher enforces its half by
//! keeping only matches that contain the hit that led to them.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

use crate::rules::RuleSet;

/// A keyword occurrence: where it is and which rules own that keyword.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hit {
    pub start: usize,
    pub end: usize,
    /// Index into [`Prefilter::owners`].
    pub keyword: usize,
}

pub struct Prefilter {
    automaton: AhoCorasick,
    /// For each distinct keyword (lower-cased), the indices of the rules that list it.
    owners: Vec<Vec<usize>>,
}

impl Prefilter {
    pub fn new(rules: &RuleSet) -> Prefilter {
        let mut keywords: Vec<String> = Vec::new();
        let mut owners: Vec<Vec<usize>> = Vec::new();
        for (ri, rule) in rules.rules.iter().enumerate() {
            for k in &rule.keywords {
                let k = k.to_ascii_lowercase();
                match keywords.iter().position(|x| *x == k) {
                    Some(i) if !owners[i].contains(&ri) => owners[i].push(ri),
                    Some(_) => {}
                    None => {
                        keywords.push(k);
                        owners.push(vec![ri]);
                    }
                }
            }
        }
        // Standard semantics so that overlapping keywords (one a prefix or infix of another)
        // all report. A DFA is affordable: keyword sets are small, and it is the fastest kind.
        let automaton = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .ascii_case_insensitive(true)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&keywords)
            .expect("keyword automaton within size limits");
        Prefilter { automaton, owners }
    }

    /// Calls `f` for every keyword occurrence in `haystack`, overlapping ones included, in
    /// order of their end offset.
    pub fn for_each_hit(&self, haystack: &[u8], mut f: impl FnMut(Hit)) {
        for m in self.automaton.find_overlapping_iter(haystack) {
            f(Hit {
                start: m.start(),
                end: m.end(),
                keyword: m.pattern().as_usize(),
            });
        }
    }

    /// The rules that own keyword `index`.
    pub fn owners(&self, index: usize) -> &[usize] {
        &self.owners[index]
    }
}
