//! Stage 3: one Aho-Corasick automaton over every rule's keywords. It finds candidate positions
//! in a buffer; only the rules owning the keyword found there run their regex (stage 4).
//!
//! Invariant (no false negatives): every match a rule can report contains one of its keywords,
//! so every reportable match contains a hit of this automaton. The matcher enforces its half by
//! keeping only matches that contain the hit that led to them.
//!
//! Speed: keywords are matched case-sensitively, in the spellings a rule lists (plus upper case
//! and capitalised forms when the rule asks for `keywords_ignore_case`). That keeps the
//! automaton eligible for the SIMD "Teddy" prefilter, which an ASCII-case-insensitive automaton
//! is not (measured: about 1.4x slower over a tree; see benches/README.md). Leftmost-longest
//! search reports one keyword per start position; the search resumes one byte after each hit's
//! start, and keywords that are prefixes of the hit are reported too, so every occurrence of
//! every keyword is seen.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Input, MatchKind};

/// Hits at most this many bytes apart count as close (or the longest keyword, if longer: a
/// dense stretch ends only past a gap no keyword spans).
const DENSE_GAP: usize = 64;
/// Close hits in a row after which the dense automaton takes over.
const DENSE_RUN: usize = 16;

use crate::rules::RuleSet;

/// A keyword occurrence: where it is and which rules own that keyword.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Hit {
    pub start: usize,
    pub end: usize,
    /// Index into [`Prefilter::owners`].
    pub keyword: usize,
}

pub(crate) struct Prefilter {
    automaton: AhoCorasick,
    /// The same keywords without the SIMD prefilter: for stretches dense with hits, where a
    /// prefilter call per hit (Teddy's set-up cost) would dominate. A DFA walks such a stretch
    /// at a steady byte rate instead.
    dense: AhoCorasick,
    /// [`DENSE_GAP`], or more than the longest keyword.
    dense_gap: usize,
    /// For each distinct keyword spelling, the indices of the rules that list it.
    owners: Vec<Vec<usize>>,
    /// For each keyword, the other keywords that are proper prefixes of it (hidden by
    /// leftmost-longest semantics when both start at the same position), with their lengths.
    prefixes: Vec<Vec<(usize, usize)>>,
}

impl Prefilter {
    pub(crate) fn new(rules: &RuleSet) -> Prefilter {
        let mut keywords: Vec<Vec<u8>> = Vec::new();
        let mut owners: Vec<Vec<usize>> = Vec::new();
        for (ri, rule) in rules.rules.iter().enumerate() {
            for k in rule.keyword_spellings() {
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
        let prefixes = keywords
            .iter()
            .map(|k| {
                keywords
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| p.len() < k.len() && k.starts_with(p))
                    .map(|(i, p)| (i, p.len()))
                    .collect()
            })
            .collect();
        let automaton = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&keywords)
            .expect("keyword automaton within size limits");
        let dense = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .prefilter(false)
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .build(&keywords)
            .expect("keyword automaton within size limits");
        let dense_gap = DENSE_GAP.max(keywords.iter().map(Vec::len).max().unwrap_or(0) + 1);
        Prefilter {
            automaton,
            dense,
            dense_gap,
            owners,
            prefixes,
        }
    }

    /// Calls `f` for every keyword occurrence in `haystack`, overlapping ones included, in
    /// order of their start offset — except that within a stretch dense with hits, a hit may
    /// come after one that starts up to a keyword's length later (occurrences are found in
    /// order of their end there).
    pub(crate) fn for_each_hit(&self, haystack: &[u8], mut f: impl FnMut(Hit)) {
        let mut at = 0;
        // Hits in a row that were close together: past DENSE_RUN of them, the DFA searches
        // until a hit is far from the last again.
        let mut close = 0usize;
        let mut last = 0usize;
        while at < haystack.len() {
            let input = Input::new(haystack).span(at..haystack.len());
            if close >= DENSE_RUN {
                // One pass of the overlapping automaton reports every occurrence (prefixes
                // included) until a hit is far from the last again; Teddy resumes after the
                // last start reported, so nothing is reported twice or missed.
                let mut furthest = last;
                let mut sparse = false;
                for m in self.dense.find_overlapping_iter(input) {
                    if m.start() > furthest + self.dense_gap {
                        sparse = true;
                        break;
                    }
                    furthest = furthest.max(m.start());
                    f(Hit {
                        start: m.start(),
                        end: m.end(),
                        keyword: m.pattern().as_usize(),
                    });
                }
                if !sparse {
                    return;
                }
                at = furthest + 1;
                last = furthest;
                close = 0;
                continue;
            }
            let Some(m) = self.automaton.find(input) else {
                return;
            };
            close = if m.start() - last <= self.dense_gap {
                close + 1
            } else {
                0
            };
            last = m.start();
            let keyword = m.pattern().as_usize();
            for &(p, len) in &self.prefixes[keyword] {
                f(Hit {
                    start: m.start(),
                    end: m.start() + len,
                    keyword: p,
                });
            }
            f(Hit {
                start: m.start(),
                end: m.end(),
                keyword,
            });
            at = m.start() + 1;
        }
    }

    /// The rules that own keyword `index`.
    pub(crate) fn owners(&self, index: usize) -> &[usize] {
        &self.owners[index]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::load_rules;

    #[test]
    fn overlapping_and_prefix_keywords_all_hit() {
        let set = load_rules(true, &[] as &[&str]).unwrap();
        let pre = Prefilter::new(&set);
        let mut hits = Vec::new();
        // "github_pat_" hides "github_" at the same start; "gh_" overlaps "ghp_" nowhere but
        // "GH_TOKEN" must hit in upper case.
        pre.for_each_hit(b"x github_pat_ GH_TOKEN ghp_ghp_", |h| {
            hits.push((h.start, h.end))
        });
        assert!(hits.contains(&(2, 13)), "{hits:?}");
        assert!(hits.contains(&(2, 9)), "{hits:?}");
        assert!(hits.contains(&(14, 17)), "{hits:?}");
        assert!(
            hits.contains(&(23, 27)) && hits.contains(&(27, 31)),
            "{hits:?}"
        );
    }
}
