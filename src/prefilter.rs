//! Stage 3: Aho-Corasick automata over every rule's keywords (one per group of up to
//! [`GROUP_SIZE`] keywords). They find candidate positions in a buffer; only the rules owning
//! the keyword found there run their regex (stage 4).
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

use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Input, MatchKind};

/// Hits at most this many bytes apart count as close (or the longest keyword, if longer: a
/// dense stretch ends only past a gap no keyword spans).
const DENSE_GAP: usize = 64;
/// Close hits in a row after which the dense automaton takes over.
const DENSE_RUN: usize = 16;
/// Keywords per automaton. Teddy, aho-corasick's SIMD prefilter, takes at most 128 patterns
/// and slows as buckets fill; past the limit the automaton searches byte by byte, several times
/// slower again (measured on 1.5 GB of git/git objects with 182 keywords: one automaton
/// 12.9 s of CPU, groups of 16: 6.8 s, 32: 5.1 s, 48: 3.6 s, 64: 5.0 s, 96: 7.7 s; see
/// benches/README.md). So a large catalog is split into groups that each keep Teddy, searched
/// one after another over the same bytes; how they are split is [`split_groups`]'s business.
const GROUP_SIZE: usize = 48;
/// Teddy fingerprints a candidate by the first `min(4, shortest keyword)` bytes of its group's
/// keywords: one 3-byte keyword in a group makes every keyword of it match on three bytes, and
/// the candidates it must then check are several times as many.
const TEDDY_MASK: usize = 4;
/// With more than one group, the input is searched a chunk at a time, and each chunk's hits
/// are sorted before they are reported: memory stays bounded, and order is exact.
const CHUNK: usize = 256 * 1024;

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
    groups: Vec<Group>,
    /// For each distinct keyword spelling, the indices of the rules that list it.
    owners: Vec<Vec<usize>>,
    /// The longest keyword: how far past a chunk a hit that starts in it can reach.
    longest: usize,
}

/// Up to [`GROUP_SIZE`] keywords and their automata.
struct Group {
    automaton: AhoCorasick,
    /// The same keywords without the SIMD prefilter: for stretches dense with hits, where a
    /// prefilter call per hit (Teddy's set-up cost) would dominate. A DFA walks such a stretch
    /// at a steady byte rate instead. Built the first time a dense stretch is met: most scans
    /// never meet one, and building every group's DFA would cost each run a few milliseconds.
    dense: OnceLock<AhoCorasick>,
    /// Keywords (lower case) match in any ASCII case.
    any_case: bool,
    keywords: Vec<Vec<u8>>,
    /// [`DENSE_GAP`], or more than the longest keyword.
    dense_gap: usize,
    /// The global index (into `owners`) of each keyword of the group.
    global: Vec<usize>,
    /// For each keyword, the other keywords of the group that are proper prefixes of it
    /// (hidden by leftmost-longest semantics when both start at the same position), with their
    /// lengths, as global indices.
    prefixes: Vec<Vec<(usize, usize)>>,
}

impl Group {
    fn new(keywords: &[Vec<u8>], global: Vec<usize>, any_case: bool) -> Group {
        let prefixes = keywords
            .iter()
            .map(|k| {
                keywords
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| p.len() < k.len() && k.starts_with(p))
                    .map(|(i, p)| (global[i], p.len()))
                    .collect()
            })
            .collect();
        // A contiguous NFA, not the DFA the builder would pick for so few keywords: Teddy
        // finds the candidates and the automaton only confirms them, and the DFA's
        // construction cost every run a millisecond per group. Keywords in any case have no
        // SIMD prefilter: the automaton walks every byte, and a DFA walks them fastest.
        let kind = if any_case {
            aho_corasick::AhoCorasickKind::DFA
        } else {
            aho_corasick::AhoCorasickKind::ContiguousNFA
        };
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(any_case)
            .match_kind(MatchKind::LeftmostLongest)
            .kind(Some(kind))
            .build(keywords)
            .expect("keyword automaton within size limits");
        let dense_gap = DENSE_GAP.max(keywords.iter().map(Vec::len).max().unwrap_or(0) + 1);
        Group {
            automaton,
            dense: OnceLock::new(),
            any_case,
            keywords: keywords.to_vec(),
            dense_gap,
            global,
            prefixes,
        }
    }

    fn dense(&self) -> &AhoCorasick {
        self.dense.get_or_init(|| {
            AhoCorasickBuilder::new()
                .ascii_case_insensitive(self.any_case)
                .match_kind(MatchKind::Standard)
                .prefilter(false)
                .kind(Some(aho_corasick::AhoCorasickKind::DFA))
                .build(&self.keywords)
                .expect("keyword automaton within size limits")
        })
    }

    /// Every occurrence of the group's keywords in `haystack` that starts in `from..until`, in
    /// order of start (give or take a keyword's length in dense stretches).
    fn for_each_hit(&self, haystack: &[u8], from: usize, until: usize, f: &mut impl FnMut(Hit)) {
        let mut at = from;
        // Hits in a row that were close together: past DENSE_RUN of them, the DFA searches
        // until a hit is far from the last again.
        let mut close = 0usize;
        let mut last = from;
        while at < until {
            let input = Input::new(haystack).span(at..haystack.len());
            if close >= DENSE_RUN {
                // One pass of the overlapping automaton reports every occurrence (prefixes
                // included) until a hit is far from the last again; Teddy resumes after the
                // last start reported, so nothing is reported twice or missed.
                let mut furthest = last;
                let mut sparse = false;
                for m in self.dense().find_overlapping_iter(input) {
                    if m.start() > furthest + self.dense_gap {
                        sparse = true;
                        break;
                    }
                    if m.start() >= until {
                        return;
                    }
                    furthest = furthest.max(m.start());
                    f(Hit {
                        start: m.start(),
                        end: m.end(),
                        keyword: self.global[m.pattern().as_usize()],
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
            if m.start() >= until {
                return;
            }
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
                keyword: self.global[keyword],
            });
            at = m.start() + 1;
        }
    }
}

/// Splits keywords matched as spelled into Teddy groups. Every split finds the same hits; this
/// one keeps the passes few and each pass fast (measured on 1 GB of git/git blobs with the
/// built-in 147 keywords: 2.6 ns/B cut in rule order, 0.93 ns/B this way; benches/README.md):
/// - a catalog that fits one group is one group: a second pass would cost more than a coarser
///   fingerprint;
/// - otherwise keywords shorter than [`TEDDY_MASK`] go to groups of their own length, so
///   that they do not coarsen the fingerprint of the longer ones;
/// - within a length, keywords are sorted, which puts shared prefixes in the same group, where
///   Teddy gives them one bucket, and are spread evenly over as few groups as
///   [`GROUP_SIZE`] allows.
fn split_groups<'k>(
    mut indices: Vec<usize>,
    keyword: impl Fn(usize) -> &'k [u8],
) -> Vec<Vec<usize>> {
    if indices.len() <= GROUP_SIZE {
        return vec![indices];
    }
    indices.sort_by(|&a, &b| {
        let (a, b) = (keyword(a), keyword(b));
        (a.len().min(TEDDY_MASK), a).cmp(&(b.len().min(TEDDY_MASK), b))
    });
    let mut groups = Vec::new();
    let mut rest = indices.as_slice();
    while let Some(&first) = rest.first() {
        let class = keyword(first).len().min(TEDDY_MASK);
        let n = rest
            .iter()
            .position(|&i| keyword(i).len().min(TEDDY_MASK) != class)
            .unwrap_or(rest.len());
        let (same, tail) = rest.split_at(n);
        let per = n.div_ceil(n.div_ceil(GROUP_SIZE));
        groups.extend(same.chunks(per).map(<[usize]>::to_vec));
        rest = tail;
    }
    groups
}

impl Prefilter {
    pub(crate) fn new(rules: &RuleSet) -> Prefilter {
        // Keywords matched as spelled, and (imported rules) in any ASCII case: the two kinds
        // go to separate automata, so the first keeps its SIMD prefilter.
        let mut keywords: Vec<(Vec<u8>, bool)> = Vec::new();
        let mut owners: Vec<Vec<usize>> = Vec::new();
        for (ri, rule) in rules.rules.iter().enumerate() {
            for k in rule.keyword_spellings() {
                let key = (k.clone(), rule.keywords_any_case);
                match keywords.iter().position(|x| *x == key) {
                    Some(i) if !owners[i].contains(&ri) => owners[i].push(ri),
                    Some(_) => {}
                    None => {
                        keywords.push(key);
                        owners.push(vec![ri]);
                    }
                }
            }
        }
        // Any split is correct: leftmost-longest search can hide a keyword only behind a
        // longer one of its own group, and each group reports those itself (`prefixes`);
        // a keyword in another group is found by that group's own pass.
        let mut groups = Vec::new();
        // Keywords in any case (imported configs) make one automaton whatever their number:
        // without Teddy, splitting them would only add passes over the input.
        for any_case in [false, true] {
            let indices: Vec<usize> = (0..keywords.len())
                .filter(|&i| keywords[i].1 == any_case)
                .collect();
            let split = if any_case {
                vec![indices]
            } else {
                split_groups(indices, |i| &keywords[i].0)
            };
            groups.extend(split.into_iter().filter(|g| !g.is_empty()).map(|g| {
                let ks: Vec<Vec<u8>> = g.iter().map(|&i| keywords[i].0.clone()).collect();
                Group::new(&ks, g, any_case)
            }));
        }
        let keywords: Vec<Vec<u8>> = keywords.into_iter().map(|(k, _)| k).collect();
        let longest = keywords.iter().map(Vec::len).max().unwrap_or(0);
        Prefilter {
            groups,
            owners,
            longest,
        }
    }

    /// Calls `f` for every keyword occurrence in `haystack`, overlapping ones included, in
    /// order of their start offset — except that within a stretch dense with hits, a hit may
    /// come after one that starts up to a keyword's length later (occurrences are found in
    /// order of their end there).
    pub(crate) fn for_each_hit(&self, haystack: &[u8], mut f: impl FnMut(Hit)) {
        match self.groups.as_slice() {
            [] => {}
            [one] => one.for_each_hit(haystack, 0, haystack.len(), &mut f),
            groups => {
                let mut hits: Vec<Hit> = Vec::new();
                let mut lo = 0;
                while lo < haystack.len() {
                    let hi = haystack.len().min(lo + CHUNK);
                    // A hit that starts before `hi` may end up to a keyword later.
                    let reach = haystack.len().min(hi + self.longest);
                    let chunk = &haystack[..reach];
                    hits.clear();
                    for g in groups {
                        g.for_each_hit(chunk, lo, hi, &mut |h| hits.push(h));
                    }
                    hits.sort_unstable_by_key(|h| (h.start, h.end, h.keyword));
                    hits.iter().for_each(|&h| f(h));
                    lo = hi;
                }
            }
        }
    }

    /// The rules that own keyword `index`.
    pub(crate) fn owners(&self, index: usize) -> &[usize] {
        &self.owners[index]
    }

    /// How many automata the keywords are split into.
    #[cfg(test)]
    fn group_count(&self) -> usize {
        self.groups.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::load_rules;

    #[test]
    fn overlapping_and_prefix_keywords_all_hit() {
        // A user rule whose keyword extends a built-in one.
        let user = r#"
[[rules]]
id = "x.sentry-like"
name = "x"
keywords = ["sntrys_"]
pattern = '(?P<secret>sntrys_[a-z]{8})'
examples = ["sntrys_abcdefgh"]
"#;
        let set =
            crate::rules::load_rule_texts(true, vec![("t.toml".into(), user.into())]).unwrap();
        let pre = Prefilter::new(&set);
        let mut hits = Vec::new();
        // "sntrys_" hides "sntry" at the same start; "gh_" overlaps "ghp_" nowhere but
        // "GH_TOKEN" must hit in upper case.
        pre.for_each_hit(b"x sntrys_ GH_TOKEN ghp_ghp_", |h| {
            hits.push((h.start, h.end))
        });
        assert!(hits.contains(&(2, 9)), "{hits:?}");
        assert!(hits.contains(&(2, 7)), "{hits:?}");
        assert!(hits.contains(&(10, 13)), "{hits:?}");
        assert!(
            hits.contains(&(19, 23)) && hits.contains(&(23, 27)),
            "{hits:?}"
        );
    }

    /// The split keeps each keyword once, short keywords out of longer ones' groups (their
    /// fingerprint would coarsen), groups within [`GROUP_SIZE`] and evenly filled, and a catalog
    /// that fits one group in one.
    #[test]
    fn split_groups_by_length_and_evenly() {
        let mut words: Vec<Vec<u8>> = (0..20).map(|i| format!("s{i:02}").into_bytes()).collect();
        words.extend((0..100).map(|i| format!("long{i:03}_").into_bytes()));
        words.extend((0..3).map(|i| format!("l{i}").into_bytes()));
        let groups = split_groups((0..words.len()).collect(), |i| &words[i]);
        let sizes: Vec<usize> = groups.iter().map(Vec::len).collect();
        assert_eq!(sizes, [3, 20, 34, 34, 32], "{groups:?}");
        for g in &groups {
            let classes: std::collections::BTreeSet<usize> =
                g.iter().map(|&i| words[i].len().min(TEDDY_MASK)).collect();
            assert_eq!(classes.len(), 1, "{g:?}");
        }
        let mut all: Vec<usize> = groups.concat();
        all.sort();
        assert_eq!(all, (0..words.len()).collect::<Vec<_>>());
        let few = split_groups((0..GROUP_SIZE).collect(), |i| &words[i + 60]);
        assert_eq!(few.len(), 1);
        // The built-in catalog: no group mixes lengths under Teddy's mask with longer ones.
        let set = load_rules(true, &[] as &[&str]).unwrap();
        let pre = Prefilter::new(&set);
        for g in &pre.groups {
            let short = g.keywords.iter().filter(|k| k.len() < TEDDY_MASK).count();
            assert!(short == 0 || short == g.keywords.len(), "{:?}", g.keywords);
            assert!(g.keywords.len() <= GROUP_SIZE);
        }
    }

    /// With the catalog split into several automata, every occurrence of every keyword is
    /// reported once and in order of start, across chunk edges too.
    #[test]
    fn groups_report_every_occurrence_in_order() {
        let set = load_rules(true, &[] as &[&str]).unwrap();
        let pre = Prefilter::new(&set);
        assert!(pre.group_count() > 1);
        let mut spellings: Vec<Vec<u8>> = set
            .rules
            .iter()
            .flat_map(|r| r.keyword_spellings().iter().cloned())
            .collect();
        spellings.sort();
        spellings.dedup();
        let mut hay = vec![b'.'; 2 * CHUNK + 4096];
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut at = 0;
        while at < hay.len() - 64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let k = &spellings[(x % spellings.len() as u64) as usize];
            hay[at..at + k.len()].copy_from_slice(k);
            at += 1 + (x >> 40) as usize % 4000;
        }
        // One keyword across each chunk edge.
        for edge in [CHUNK, 2 * CHUNK] {
            hay[edge - 2..edge + 3].copy_from_slice(b"ghp_x");
        }
        let mut want: Vec<(usize, usize)> = spellings
            .iter()
            .flat_map(|k| memchr::memmem::find_iter(&hay, k).map(move |s| (s, s + k.len())))
            .collect();
        want.sort();
        let mut got = Vec::new();
        pre.for_each_hit(&hay, |h| got.push((h.start, h.end)));
        assert!(got.windows(2).all(|w| w[0].0 <= w[1].0), "out of order");
        got.sort();
        assert_eq!(got, want);
    }
}
