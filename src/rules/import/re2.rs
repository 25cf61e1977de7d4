//! Go RE2 patterns (gitleaks, Betterleaks) rewritten into Rust `regex` syntax with the same
//! meaning, for patrol's byte regexes with Unicode off (`\d \w \b` ASCII, as in Go):
//!
//! - a `{` that does not open a valid repeat is a literal in Go, an error in Rust: escaped;
//! - `\Q…\E` quotes a literal in Go: its text is escaped;
//! - `\<` and `\>` are literal `<` `>` in Go, word assertions in Rust: made literal;
//! - octal escapes `\123` become `\x{53}`;
//! - `\s` is `[\t\n\f\r ]` in Go, and also `\v` in ASCII Rust: spelled out;
//! - `[` inside a class is a literal in Go, a nested class in Rust; so are `&&` and `~~`
//!   (set operations in Rust): escaped;
//! - `\p{…}` classes need Unicode: wrapped in `(?u:…)` outside classes, refused inside.
//!
//! What Go refuses (possessive `*+`, repeats over 1000) is left to Rust, which is more
//! lenient; see `../shared/docs/formats.md` B.12 for the whole comparison.

use std::fmt::Write;

/// The Rust spelling of Go pattern `go`, or why it has none.
pub(crate) fn translate(go: &str) -> Result<String, String> {
    let chars: Vec<char> = go.chars().collect();
    let mut out = String::with_capacity(go.len() + 8);
    let mut i = 0;
    // Inside a bracket class: the index just past its `[` (and `^`), to know whether a `]`
    // is the class's first character (a literal then, in both dialects).
    let mut class_start: Option<usize> = None;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            let Some(&n) = chars.get(i + 1) else {
                return Err("pattern ends with a lone backslash".into());
            };
            match n {
                'Q' => {
                    if class_start.is_some() {
                        return Err("\\Q…\\E inside a character class".into());
                    }
                    let rest: String = chars[i + 2..].iter().collect();
                    let (quoted, len) = match rest.find("\\E") {
                        Some(end) => (&rest[..end], end + 2),
                        None => (rest.as_str(), rest.len()),
                    };
                    out.push_str(&regex_syntax::escape(quoted));
                    i += 2 + quoted.chars().count() + (len - quoted.len()).min(2);
                    continue;
                }
                '<' | '>' => {
                    out.push(n);
                    i += 2;
                    continue;
                }
                '0'..='7' => {
                    let digits: String = chars[i + 1..]
                        .iter()
                        .take(3)
                        .take_while(|d| ('0'..='7').contains(d))
                        .collect();
                    let value = u32::from_str_radix(&digits, 8).map_err(|e| e.to_string())?;
                    let _ = write!(out, "\\x{{{value:X}}}");
                    i += 1 + digits.len();
                    continue;
                }
                's' => {
                    out.push_str(if class_start.is_some() {
                        "\\t\\n\\x0C\\r "
                    } else {
                        "[\\t\\n\\x0C\\r ]"
                    });
                    i += 2;
                    continue;
                }
                'S' if class_start.is_none() => {
                    out.push_str("[^\\t\\n\\x0C\\r ]");
                    i += 2;
                    continue;
                }
                'p' | 'P' => {
                    if class_start.is_some() {
                        return Err("a Unicode class \\p inside a character class".into());
                    }
                    let end = if chars.get(i + 2) == Some(&'{') {
                        chars[i + 2..]
                            .iter()
                            .position(|&d| d == '}')
                            .map(|p| i + 2 + p + 1)
                            .ok_or("unclosed \\p{")?
                    } else {
                        i + 3
                    };
                    let class: String = chars[i..end.min(chars.len())].iter().collect();
                    let _ = write!(out, "(?u:{class})");
                    i = end;
                    continue;
                }
                _ => {
                    out.push(c);
                    out.push(n);
                    i += 2;
                    continue;
                }
            }
        }
        match class_start {
            Some(start) => {
                if c == '[' && chars.get(i + 1) == Some(&':') {
                    // A POSIX class `[:alpha:]`: the same in both dialects.
                    let rest: String = chars[i..].iter().collect();
                    if let Some(end) = rest.find(":]") {
                        out.push_str(&rest[..end + 2]);
                        i += rest[..end + 2].chars().count();
                        continue;
                    }
                }
                match c {
                    ']' if i > start => {
                        class_start = None;
                        out.push(']');
                    }
                    '[' => out.push_str("\\["),
                    '&' | '~' if chars.get(i + 1) == Some(&c) => {
                        out.extend(['\\', c, '\\', c]);
                        i += 2;
                        continue;
                    }
                    '-' if chars.get(i + 1) == Some(&'-') => {
                        out.push_str("-\\-");
                        i += 2;
                        continue;
                    }
                    _ => out.push(c),
                }
                i += 1;
            }
            None => {
                match c {
                    '[' => {
                        out.push('[');
                        let mut j = i + 1;
                        if chars.get(j) == Some(&'^') {
                            out.push('^');
                            j += 1;
                        }
                        class_start = Some(j);
                        i = j;
                        continue;
                    }
                    '{' if !opens_repeat(&chars[i..]) => out.push_str("\\{"),
                    '}' => out.push_str("\\}"),
                    _ => out.push(c),
                }
                if c == '{' && opens_repeat(&chars[i..]) {
                    // Copy the whole repeat, so that its `}` is not escaped.
                    let len = chars[i..].iter().position(|&d| d == '}').unwrap_or(0);
                    out.extend(&chars[i + 1..=i + len]);
                    i += len + 1;
                    continue;
                }
                i += 1;
            }
        }
    }
    if class_start.is_some() {
        return Err("unclosed character class".into());
    }
    Ok(out)
}

/// Whether `s` (starting at a `{`) is a repeat Go accepts: `{n}`, `{n,}` or `{n,m}`.
fn opens_repeat(s: &[char]) -> bool {
    let Some(close) = s.iter().position(|&c| c == '}') else {
        return false;
    };
    let inner: String = s[1..close].iter().collect();
    let digits = |t: &str| !t.is_empty() && t.len() <= 4 && t.bytes().all(|b| b.is_ascii_digit());
    match inner.split_once(',') {
        None => digits(&inner),
        Some((lo, hi)) => digits(lo) && (hi.is_empty() || digits(hi)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex::bytes::RegexBuilder;

    fn compiles(p: &str) -> regex::bytes::Regex {
        RegexBuilder::new(p)
            .unicode(false)
            .build()
            .unwrap_or_else(|e| panic!("{p}: {e}"))
    }

    /// Each case: the Go pattern, its Rust spelling, a text Go matches, one it does not.
    #[test]
    fn go_semantics_kept() {
        let cases = [
            (r"^\$(?:\d+|{\d+})$", r"^\$(?:\d+|\{\d+\})$", "${12}", "$x"),
            (
                r"import[ \t]+{[ \t\w,]+}[ \t]+from",
                r"import[ \t]+\{[ \t\w,]+\}[ \t]+from",
                "import { a, b } from",
                "import a from",
            ),
            (r"a{2,3}b", r"a{2,3}b", "aab", "ab"),
            (r"x{,3}", r"x\{,3\}", "x{,3}", "xxx"),
            (r"\Qa.b*\E+", r"a\.b\*+", "a.b**", "axb*"),
            (r"\<tag\>", r"<tag>", "<tag>", "tag"),
            (r"\101\0", r"\x{41}\x{0}", "A\0", "A0"),
            (r"a\sb", r"a[\t\n\x0C\r ]b", "a b", "a\x0Bb"),
            (r"[\s,]", r"[\t\n\x0C\r ,]", ",", "\x0B"),
            (r"[a[]", r"[a\[]", "[", "b"),
            (r"[]a]", r"[]a]", "]", "b"),
            (r"[&&x]", r"[\&\&x]", "&", "y"),
            (r"[[:digit:]x]", r"[[:digit:]x]", "7", "y"),
            (r"[^]]", r"[^]]", "a", "]"),
        ];
        for (go, rust, yes, no) in cases {
            let got = translate(go).unwrap();
            assert_eq!(got, rust, "{go}");
            let re = compiles(&got);
            assert!(re.is_match(yes.as_bytes()), "{go} should match {yes:?}");
            assert!(!re.is_match(no.as_bytes()), "{go} should not match {no:?}");
        }
    }

    #[test]
    fn unicode_classes_are_scoped() {
        let got = translate(r"\pL+\p{Greek}").unwrap();
        assert_eq!(got, r"(?u:\pL)+(?u:\p{Greek})");
        assert!(compiles(&got).is_match("éα".as_bytes()));
        assert!(translate(r"[\pL]").is_err());
    }

    #[test]
    fn broken_patterns_are_errors() {
        for p in [r"[abc", "abc\\"] {
            assert!(translate(p).is_err(), "{p}");
        }
    }
}
