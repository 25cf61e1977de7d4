//! The part of Betterleaks' Expr filters that real configs use, read into patrol's gates.
//!
//! A filter is "skip the finding if true". Betterleaks' published config writes almost every
//! filter as a disjunction of simple terms, each of which is one of patrol's gates:
//!
//! | term | gate |
//! |---|---|
//! | `entropy(finding["secret"]) <= N` / `< N` | `entropy = { above = N }` / `{ at_least = N }` |
//! | `matchesAny(T, [patterns])` | `[[rules.allow]]` regexes on T (`secret`, `match`, `line`) or paths |
//! | `!matchesAny(T, [patterns])` | `[[rules.require]]` |
//! | `containsAny(finding["secret"], [words])` | allow (or require, negated), the words quoted |
//! | `A && B` of positive terms | one allow table with `condition = "all"` |
//!
//! (`filter.` before a function name is the older spelling.) Anything else — `let`, slicing,
//! arithmetic, other functions or attributes — is refused with the reason, and the rule is
//! then not imported: dropping a filter would report what its author chose to hide.

use super::re2;
use crate::rules::syntax::{AllowSpec, EntropySpec, RequireSpec};

/// What one filter expression becomes.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Gates {
    pub entropy: Option<EntropySpec>,
    pub require: Vec<RequireSpec>,
    pub allow: Vec<AllowSpec>,
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Num(f64),
    Punct(&'static str),
}

fn tokens(src: &str) -> Result<Vec<Tok>, String> {
    let b: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '/' && b.get(i + 1) == Some(&'/') {
            return Err("comments and statements (`let …;`) are not supported".into());
        } else if c.is_ascii_alphabetic() || c == '_' {
            let s: String = b[i..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == '_' || **c == '.')
                .collect();
            i += s.chars().count();
            out.push(Tok::Ident(s));
        } else if c.is_ascii_digit() {
            let s: String = b[i..]
                .iter()
                .take_while(|c| c.is_ascii_digit() || **c == '.')
                .collect();
            i += s.chars().count();
            out.push(Tok::Num(s.parse().map_err(|_| format!("bad number {s}"))?));
        } else if c == '`' {
            let end = b[i + 1..]
                .iter()
                .position(|&d| d == '`')
                .ok_or("unclosed `string`")?;
            out.push(Tok::Str(b[i + 1..i + 1 + end].iter().collect()));
            i += end + 2;
        } else if c == '"' || c == '\'' {
            let mut s = String::new();
            let mut j = i + 1;
            loop {
                let d = *b.get(j).ok_or("unclosed string")?;
                if d == c {
                    break;
                }
                if d == '\\' {
                    let e = *b.get(j + 1).ok_or("unclosed string")?;
                    s.push(match e {
                        'n' => '\n',
                        't' => '\t',
                        'r' => '\r',
                        other => other,
                    });
                    j += 2;
                } else {
                    s.push(d);
                    j += 1;
                }
            }
            out.push(Tok::Str(s));
            i = j + 1;
        } else {
            let two: String = b[i..(i + 2).min(b.len())].iter().collect();
            let p = ["||", "&&", "<=", ">=", "??", "==", "!="]
                .into_iter()
                .find(|p| *p == two)
                .or_else(|| {
                    ["(", ")", "[", "]", ",", "!", "<", ">"]
                        .into_iter()
                        .find(|p| p.starts_with(c))
                })
                .ok_or_else(|| format!("unexpected character {c:?}"))?;
            i += p.len();
            out.push(Tok::Punct(p));
        }
    }
    Ok(out)
}

/// A term of the disjunction, as parsed.
#[derive(Debug, PartialEq)]
enum Term {
    /// Skip when the secret's entropy is below (`strict`: at or below) this figure.
    Entropy(f64, bool),
    /// `matchesAny`/`containsAny` on a target; `negated` with `!`.
    Matches {
        target: String,
        patterns: Vec<String>,
        negated: bool,
    },
    /// Positive terms that must all hold.
    All(Vec<Term>),
}

struct Parser {
    toks: Vec<Tok>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at)
    }
    fn punct(&mut self, p: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Punct(x)) if *x == p) {
            self.at += 1;
            true
        } else {
            false
        }
    }
    fn expect(&mut self, p: &str) -> Result<(), String> {
        if self.punct(p) {
            Ok(())
        } else {
            Err(format!("expected `{p}`"))
        }
    }

    /// `or := and ("||" and)*`, flattened into terms.
    fn or(&mut self) -> Result<Vec<Term>, String> {
        let mut terms = self.and()?;
        while self.punct("||") {
            terms.extend(self.and()?);
        }
        Ok(terms)
    }

    /// `and := unary ("&&" unary)*`; a conjunction must be of single positive terms.
    fn and(&mut self) -> Result<Vec<Term>, String> {
        let mut parts = vec![self.unary()?];
        while self.punct("&&") {
            parts.push(self.unary()?);
        }
        if parts.len() == 1 {
            return Ok(parts.pop().unwrap_or_default());
        }
        let mut all = Vec::new();
        for p in parts {
            match <[Term; 1]>::try_from(p) {
                Ok([t @ Term::Matches { negated: false, .. }]) => all.push(t),
                _ => return Err("`&&` is supported between matchesAny/containsAny terms".into()),
            }
        }
        Ok(vec![Term::All(all)])
    }

    fn unary(&mut self) -> Result<Vec<Term>, String> {
        if self.punct("!") {
            let inner = self.unary()?;
            return match <[Term; 1]>::try_from(inner) {
                Ok(
                    [Term::Matches {
                        target,
                        patterns,
                        negated,
                    }],
                ) => Ok(vec![Term::Matches {
                    target,
                    patterns,
                    negated: !negated,
                }]),
                _ => Err("`!` is supported before matchesAny/containsAny only".into()),
            };
        }
        if self.punct("(") {
            // A parenthesised expression or a target such as `(attributes["path"] ?? "")`.
            let save = self.at;
            if let Ok(t) = self.target_inner() {
                if self.punct(")") {
                    return Err(format!("a bare value ({t}) is not a condition"));
                }
            }
            self.at = save;
            let terms = self.or()?;
            self.expect(")")?;
            return Ok(terms);
        }
        let Some(Tok::Ident(name)) = self.peek().cloned() else {
            return Err("expected a function call".into());
        };
        self.at += 1;
        let name = name.strip_prefix("filter.").unwrap_or(&name).to_string();
        self.expect("(")?;
        match name.as_str() {
            "entropy" => {
                let t = self.target()?;
                self.expect(")")?;
                if t != "secret" {
                    return Err(format!("entropy of {t}: only the secret's is supported"));
                }
                let strict = if self.punct("<=") {
                    true
                } else if self.punct("<") {
                    false
                } else {
                    return Err("entropy(…) must be compared with `<` or `<=`".into());
                };
                let Some(Tok::Num(n)) = self.peek().cloned() else {
                    return Err("entropy(…) must be compared with a number".into());
                };
                self.at += 1;
                Ok(vec![Term::Entropy(n, strict)])
            }
            "matchesAny" | "containsAny" => {
                let target = self.target()?;
                self.expect(",")?;
                self.expect("[")?;
                let mut items = Vec::new();
                while !self.punct("]") {
                    let Some(Tok::Str(s)) = self.peek().cloned() else {
                        return Err(format!("{name}: expected a string in the list"));
                    };
                    self.at += 1;
                    items.push(s);
                    if !self.punct(",") {
                        self.expect("]")?;
                        break;
                    }
                }
                self.expect(")")?;
                let patterns = if name == "containsAny" {
                    items.iter().map(|w| regex_syntax::escape(w)).collect()
                } else {
                    items
                        .iter()
                        .map(|p| re2::translate(p))
                        .collect::<Result<_, _>>()?
                };
                Ok(vec![Term::Matches {
                    target,
                    patterns,
                    negated: false,
                }])
            }
            other => Err(format!("function {other}() is not supported")),
        }
    }

    /// `finding["secret"|"match"|"line"]`, `(attributes["path"] ?? "")`,
    /// `get(attributes, "path", "")`: the target's name.
    fn target(&mut self) -> Result<String, String> {
        if self.punct("(") {
            let t = self.target_inner()?;
            self.expect(")")?;
            return Ok(t);
        }
        self.target_inner()
    }

    fn target_inner(&mut self) -> Result<String, String> {
        let Some(Tok::Ident(name)) = self.peek().cloned() else {
            return Err("expected finding[…] or attributes[…]".into());
        };
        self.at += 1;
        let key = if name == "get" {
            self.expect("(")?;
            if self.peek() != Some(&Tok::Ident("attributes".into())) {
                return Err("get() is supported on attributes only".into());
            }
            self.at += 1;
            self.expect(",")?;
            let Some(Tok::Str(k)) = self.peek().cloned() else {
                return Err("get(attributes, KEY, …): KEY must be a string".into());
            };
            self.at += 1;
            self.expect(",")?;
            self.at += 1; // the default
            self.expect(")")?;
            format!("attributes.{k}")
        } else {
            self.expect("[")?;
            let Some(Tok::Str(k)) = self.peek().cloned() else {
                return Err("expected a string key".into());
            };
            self.at += 1;
            self.expect("]")?;
            if self.punct("??") {
                self.at += 1; // the default
            }
            format!("{name}.{k}")
        };
        match key.as_str() {
            "finding.secret" => Ok("secret".into()),
            "finding.match" => Ok("match".into()),
            "finding.line" => Ok("line".into()),
            "attributes.path" => Ok("path".into()),
            other => Err(format!("{other} is not supported")),
        }
    }
}

/// One target's conditions as an allow or require table.
fn condition(target: &str, patterns: Vec<String>) -> (AllowSpec, RequireSpec) {
    let (paths, regexes, target) = if target == "path" {
        (patterns, Vec::new(), None)
    } else {
        let t = (target != "secret").then(|| target.to_string());
        (Vec::new(), patterns, t)
    };
    (
        AllowSpec {
            paths: paths.clone(),
            regexes: regexes.clone(),
            target: target.clone(),
            ..AllowSpec::default()
        },
        RequireSpec {
            paths,
            regexes,
            target,
        },
    )
}

/// Reads `filter` into gates, or says why it cannot.
pub(crate) fn translate(filter: &str) -> Result<Gates, String> {
    let mut p = Parser {
        toks: tokens(filter)?,
        at: 0,
    };
    let terms = p.or()?;
    if p.at != p.toks.len() {
        return Err("unexpected text after the expression".into());
    }
    let mut out = Gates::default();
    for t in terms {
        match t {
            Term::Entropy(n, strict) => {
                if out.entropy.is_some() {
                    return Err("two entropy conditions".into());
                }
                out.entropy = Some(if strict {
                    EntropySpec {
                        above: Some(n),
                        at_least: None,
                    }
                } else {
                    EntropySpec {
                        above: None,
                        at_least: Some(n),
                    }
                });
            }
            Term::Matches {
                target,
                patterns,
                negated,
            } => {
                let (allow, require) = condition(&target, patterns);
                if negated {
                    out.require.push(require);
                } else {
                    out.allow.push(allow);
                }
            }
            Term::All(parts) => {
                let mut a = AllowSpec {
                    condition: Some("all".into()),
                    ..AllowSpec::default()
                };
                for part in parts {
                    let Term::Matches {
                        target, patterns, ..
                    } = part
                    else {
                        return Err("`&&` of unsupported terms".into());
                    };
                    let (one, _) = condition(&target, patterns);
                    let clash = (!one.paths.is_empty() && !a.paths.is_empty())
                        || (!one.regexes.is_empty() && !a.regexes.is_empty());
                    if clash {
                        return Err("`&&` of two conditions on the same target".into());
                    }
                    a.paths.extend(one.paths);
                    if !one.regexes.is_empty() {
                        a.regexes = one.regexes;
                        a.target = one.target;
                    }
                }
                out.allow.push(a);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_filter_shapes() {
        let g = translate(
            r#"entropy(finding["secret"]) <= 3.0 || matchesAny(finding["secret"], [`.+EXAMPLE$`])"#,
        )
        .unwrap();
        assert_eq!(g.entropy.unwrap().above, Some(3.0));
        assert_eq!(g.allow[0].regexes, vec![".+EXAMPLE$".to_string()]);
        let g = translate(
            "filter.entropy(finding[\"secret\"]) < 3.5\n|| !filter.matchesAny(finding[\"secret\"], [\"[0-9]\"])\n|| !filter.matchesAny(finding[\"secret\"], [\"[A-Z]\"])",
        )
        .unwrap();
        assert_eq!(g.entropy.unwrap().at_least, Some(3.5));
        assert_eq!(g.require.len(), 2);
        let g = translate(r#"matchesAny((attributes["path"] ?? ""), [`(?:^|/)README\.md$`]) || containsAny(finding["secret"], ["a.b"])"#)
            .unwrap();
        assert_eq!(g.allow[0].paths, vec![r"(?:^|/)README\.md$".to_string()]);
        assert_eq!(g.allow[1].regexes, vec![r"a\.b".to_string()]);
        let g = translate(r#"matchesAny(get(attributes, "path", ""), [`x`]) && matchesAny(finding["line"], [`y{`])"#)
            .unwrap();
        assert_eq!(g.allow[0].condition.as_deref(), Some("all"));
        assert_eq!(g.allow[0].regexes, vec![r"y\{".to_string()]);
        assert_eq!(g.allow[0].target.as_deref(), Some("line"));
    }

    #[test]
    fn unsupported_filters_say_why() {
        for (f, why) in [
            ("// note\nlet x = 1; x > 0", "comments"),
            (r#"size(finding["secret"]) > 3"#, "size"),
            (r#"entropy(finding["match"]) < 3"#, "secret's"),
            (r#"!(entropy(finding["secret"]) < 3)"#, "`!`"),
            (
                r#"matchesAny(finding["fragment_raw"], [`x`])"#,
                "fragment_raw",
            ),
            (r#"entropy(finding["secret"]) < 3 x"#, "after"),
        ] {
            let err = translate(f).unwrap_err();
            assert!(err.contains(why), "{f}: {err}");
        }
    }
}
