//! Strings a pattern describes, for rules that arrive without examples (imported configs):
//! a random walk of the pattern's syntax tree that prefers letters and digits, so that a
//! secret it makes has the entropy a real one would. The caller checks what it gets (with
//! the regex, and through the whole pipeline): assertions such as `\b` are not planned for,
//! only retried with another seed.

use regex_syntax::hir::{Class, Hir, HirKind};

/// A small deterministic generator (xorshift64*): the same seed gives the same sample.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// A string `pattern` (Rust syntax, as patrol compiles it) may match, or `None` if the
/// pattern does not parse.
pub(crate) fn sample(pattern: &str, seed: u64) -> Option<Vec<u8>> {
    let hir = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(pattern)
        .ok()?;
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut out = Vec::new();
    walk(&hir, &mut rng, &mut out);
    Some(out)
}

fn walk(h: &Hir, rng: &mut Rng, out: &mut Vec<u8>) {
    match h.kind() {
        HirKind::Empty | HirKind::Look(_) => {}
        HirKind::Literal(l) => out.extend_from_slice(&l.0),
        HirKind::Class(Class::Bytes(c)) => {
            let all: Vec<u8> = c.iter().flat_map(|r| r.start()..=r.end()).collect();
            let pick = |f: fn(&u8) -> bool| all.iter().copied().filter(f).collect::<Vec<_>>();
            let alnum = pick(u8::is_ascii_alphanumeric);
            let graphic = pick(u8::is_ascii_graphic);
            let space = pick(|b| *b == b' ');
            // A broad class (`.`, `[^"]`) sometimes gives a space, so that the text around a
            // secret can break words (`\bcurl\b.*-u`); whitespace classes give a plain space,
            // not a form feed.
            if !alnum.is_empty() && !space.is_empty() && rng.below(8) == 0 {
                out.push(b' ');
                return;
            }
            let pool = [alnum, graphic, space, all]
                .into_iter()
                .find(|p| !p.is_empty())
                .unwrap_or_default();
            if !pool.is_empty() {
                out.push(pool[rng.below(pool.len())]);
            }
        }
        HirKind::Class(Class::Unicode(c)) => {
            let ranges: Vec<_> = c.iter().collect();
            if let Some(r) = ranges.get(rng.below(ranges.len())) {
                let span = r.end() as u32 - r.start() as u32;
                let ch =
                    char::from_u32(r.start() as u32 + rng.below(span.min(64) as usize + 1) as u32)
                        .unwrap_or(r.start());
                let mut buf = [0; 4];
                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
            }
        }
        HirKind::Repetition(r) => {
            let min = r.min as usize;
            let max = r.max.map_or(min + 32, |m| m as usize);
            // Greedy runs long enough to look random (a secret part), lazy ones short (the
            // filler between a key name and its value).
            let n = if r.greedy {
                let hi = max.min(min.max(24));
                hi - rng.below(hi.saturating_sub(min).min(4) + 1)
            } else {
                // Mostly the shortest, sometimes one more: a `\b` after a lazy gap needs it.
                (min + usize::from(rng.below(3) == 0)).min(max)
            };
            for _ in 0..n {
                walk(&r.sub, rng, out);
            }
        }
        HirKind::Capture(c) => walk(&c.sub, rng, out),
        HirKind::Concat(v) => v.iter().for_each(|x| walk(x, rng, out)),
        HirKind::Alternation(v) => walk(&v[rng.below(v.len())], rng, out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_match_their_pattern() {
        for p in [
            r"(?i)[\w.-]{0,50}?(?:key|token)(?:[ \t\w.-]{0,20})[\s'`]{0,5}(?:=|:)\s*([A-Za-z0-9]{32})\b",
            r"xoxb-[0-9]{10,13}-[a-zA-Z0-9-]*",
            r"(?:AKIA|ASIA)[A-Z2-7]{16}",
        ] {
            let re = regex::bytes::RegexBuilder::new(p)
                .unicode(false)
                .build()
                .unwrap();
            let hits = (0..20)
                .filter(|&seed| re.is_match(&sample(p, seed).unwrap()))
                .count();
            assert!(hits >= 15, "{p}: {hits}/20");
        }
        assert_eq!(sample("a{2}", 1), sample("a{2}", 1));
        assert!(sample("(", 1).is_none());
    }
}
