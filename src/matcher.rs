//! Stage 4: the regex confirms a prefilter hit. For each keyword hit, the owning rule's regex
//! runs on a bounded window around the hit, and only matches that contain the hit count. The
//! pipeline that calls this for every hit, then validates and locates each match, is
//! `scan::Scanner`.

use crate::prefilter::Hit;
use crate::rules::{Rule, MAX_WINDOW};

/// Calls `f(secret_start, secret_end)` for each match of `rule` that contains `hit`, searching
/// a window of `rule.window` bytes on each side. A match that reaches the window's end may be
/// cut short, so the window grows (up to [`MAX_WINDOW`] past the hit) until it does not.
pub(crate) fn for_each_match(
    rule: &Rule,
    haystack: &[u8],
    hit: Hit,
    mut f: impl FnMut(usize, usize),
) {
    let from = hit.start.saturating_sub(rule.window);
    let mut reach = rule.window;
    loop {
        let to = haystack.len().min(hit.end + reach);
        let window = &haystack[..to];
        let mut at = from;
        let mut truncated = false;
        let mut found = Vec::new();
        // `captures_at` searches from `at` but lets `\b` and friends see the bytes before it.
        while let Some(caps) = rule.pattern.captures_at(window, at) {
            let m = caps.get(0).expect("group 0 always matches");
            if m.start() > hit.start {
                break;
            }
            if m.end() == to && to < haystack.len() && reach < MAX_WINDOW {
                truncated = true;
                break;
            }
            if m.end() >= hit.end {
                if let Some(s) = caps.get(rule.secret_group) {
                    found.push((s.start(), s.end()));
                }
            }
            // Resume just after this match's start, not its end: a match that does not contain
            // the hit may overlap one that does (`ghp_<36>ghp_<36>`, two tokens pasted).
            at = m.start() + 1;
            if at > to {
                break;
            }
        }
        if truncated {
            reach = (reach * 4).min(MAX_WINDOW);
            continue;
        }
        for (s, e) in found {
            f(s, e);
        }
        return;
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
