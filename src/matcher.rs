//! Stage 4: the regex confirms prefilter hits. A rule's regex runs only near the rule's keyword
//! hits: each hit opens a window of `rule.window` bytes on each side, overlapping windows of
//! one rule merge into a region, and each region is searched once. Only matches that contain a
//! keyword of the rule count (the prefilter's invariant: every reported match holds a hit) —
//! or, for a rule with a `context` distance, matches with a keyword that near them.
//!
//! Merging is what keeps the time linear in the input: a flood of keywords (a megabyte of
//! `ghs_ghs_…`) is one region searched once, not a window searched again for every hit.
//!
//! The pipeline that feeds hits in, then validates and locates each match, is `scan::Scanner`.

use std::collections::HashSet;

use crate::prefilter::Hit;
use crate::rules::{Rule, SecretGroup, MAX_WINDOW};

/// A match of a rule: where its secret is, and where the whole match is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Found {
    pub secret: (usize, usize),
    pub whole: (usize, usize),
}

/// One rule's search over one input. Hits must arrive in increasing start order, give or take a
/// keyword's length (the prefilter's order); call [`RuleMatcher::finish`] after the last.
pub(crate) struct RuleMatcher<'r> {
    rule: &'r Rule,
    region: Option<Region>,
    /// Secret starts already reported: two matches (through different alternatives of the
    /// pattern) can hold the same secret.
    reported: HashSet<usize>,
}

/// Bytes to search: from `start`, for matches starting no later than `last_hit_start`, and
/// reaching at least `end` (the last hit's end) plus the rule's window.
#[derive(Clone, Copy)]
struct Region {
    start: usize,
    end: usize,
    last_hit_start: usize,
}

impl<'r> RuleMatcher<'r> {
    pub(crate) fn new(rule: &'r Rule) -> RuleMatcher<'r> {
        RuleMatcher {
            rule,
            region: None,
            reported: HashSet::new(),
        }
    }

    /// A keyword hit of this rule. `f` is called for the matches of every region that this
    /// hit closes.
    pub(crate) fn hit(&mut self, haystack: &[u8], hit: Hit, f: &mut impl FnMut(Found)) {
        let from = hit.start.saturating_sub(self.rule.window);
        match &mut self.region {
            Some(r) if from <= r.end.saturating_add(self.rule.window) => {
                r.start = r.start.min(from);
                r.end = r.end.max(hit.end);
                r.last_hit_start = r.last_hit_start.max(hit.start);
            }
            _ => {
                self.flush(haystack, f);
                self.region = Some(Region {
                    start: from,
                    end: hit.end,
                    last_hit_start: hit.start,
                });
            }
        }
    }

    /// Searches the last open region.
    pub(crate) fn finish(&mut self, haystack: &[u8], f: &mut impl FnMut(Found)) {
        self.flush(haystack, f);
    }

    /// Every match of the rule in the region that starts no later than its last hit and holds
    /// a keyword. A match that reaches the searched end may be cut short, so the end grows (up
    /// to [`MAX_WINDOW`] past the last hit) until no match does; matches already reported are
    /// final (a regex match does not depend on bytes past its end and the byte after it).
    fn flush(&mut self, haystack: &[u8], f: &mut impl FnMut(Found)) {
        let Some(region) = self.region.take() else {
            return;
        };
        let rule = self.rule;
        let compiled = rule.pattern.get();
        let regex = &compiled.regex;
        // Where a match may start: at or before the last hit, or, for a rule whose keyword
        // is context rather than part of the token, up to `within` bytes past it.
        let last_start = region.last_hit_start + rule.context.unwrap_or(0);
        let mut reach = rule.window;
        let mut at = region.start;
        loop {
            let to = haystack.len().min(region.end.saturating_add(reach));
            let window = &haystack[..to];
            let mut truncated = false;
            // `find_at` searches from `at` but lets `\b` and friends see the bytes before.
            while let Some(m) = regex.find_at(window, at) {
                if m.start() > last_start {
                    break;
                }
                if m.end() == to && to < haystack.len() && reach < MAX_WINDOW {
                    truncated = true;
                    break;
                }
                let keyword_ok = match rule.context {
                    None => rule.text_has_keyword(m.as_bytes()),
                    // Bounded by the rule's window, so the look costs at most a few KiB.
                    Some(w) => {
                        let lo = m.start().saturating_sub(w);
                        let hi = m.end().saturating_add(w).min(haystack.len());
                        rule.text_has_keyword(&haystack[lo..hi])
                    }
                };
                if keyword_ok {
                    let secret = if compiled.secret_is_whole {
                        Some((m.start(), m.end()))
                    } else {
                        // The same search, anchored where the match starts: capture groups.
                        regex.captures_at(window, m.start()).and_then(|c| {
                            let group = match compiled.secret_group {
                                SecretGroup::Index(i) => c.get(i),
                                SecretGroup::FirstMatched => c
                                    .iter()
                                    .skip(1)
                                    .flatten()
                                    .find(|g| !g.is_empty())
                                    .or_else(|| c.get(0)),
                            };
                            group.map(|s| (s.start(), s.end()))
                        })
                    };
                    if let Some((s, e)) = secret.filter(|(s, e)| s < e) {
                        if self.reported.insert(s) {
                            f(Found {
                                secret: (s, e),
                                whole: (m.start(), m.end()),
                            });
                        }
                    }
                }
                // Resume just after this match's start, not its end: a match that holds no
                // keyword may overlap one that does (`ghp_<36>ghp_<36>`, two tokens pasted).
                at = m.start() + 1;
                if at > to {
                    break;
                }
            }
            if truncated {
                reach = reach.saturating_mul(4).min(MAX_WINDOW);
                continue;
            }
            return;
        }
    }
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// No word character touches `haystack[start..end]` on either side.
pub(crate) fn has_boundaries(haystack: &[u8], start: usize, end: usize) -> bool {
    let before = start == 0 || !is_word(haystack[start - 1]);
    let after = end == haystack.len() || !is_word(haystack[end]);
    before && after
}
