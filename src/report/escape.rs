//! Terminal safety, in one place. Every string that came from scanned content or a server —
//! a path, a context line, a commit's author and summary, a tag or ref name, facts decoded
//! from a token, a login, a server's reason, an error about an input — is written to a
//! terminal or a text log through [`terminal`], with its control characters made visible: C0
//! and C1 controls (ESC starts colour, OSC 8 links, title changes, screen clears; CR and
//! newlines fake report lines), DEL, and the Unicode bidirectional controls that reorder what
//! is shown (Trojan Source). JSON, JSON Lines and SARIF keep the exact text, escaped as their
//! syntax requires (serde_json escapes every control character); the HTML report escapes
//! through [`html`].

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` must not reach a terminal as itself.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// `s` with every unsafe character written as an escape: `\n`, `\r`, `\t`, else `\u{…}`.
pub(crate) fn terminal(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_unsafe(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// `s` for HTML text or a quoted attribute value: controls made visible as on a terminal
/// (a bidi control reorders a web page as it does a terminal line), then `&`, `<`, `>`, `"`
/// and `'` as character references. The one HTML escape of the HTML report: nothing from a
/// scanned repository reaches its markup any other way.
pub(crate) fn html(s: &str) -> String {
    let visible = terminal(s);
    let mut out = String::with_capacity(visible.len() + 8);
    for c in visible.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{html, terminal};

    #[test]
    fn html_escapes_markup_quotes_and_controls() {
        assert_eq!(
            html("<img src=x onerror=\"alert('1')\">&amp;"),
            "&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;amp;"
        );
        assert_eq!(html("a\u{202e}b\nc"), "a\\u{202e}b\\nc");
    }

    #[test]
    fn controls_and_bidi_are_made_visible() {
        assert_eq!(terminal("plain é"), "plain é");
        assert_eq!(
            terminal("a\x1b[2J\x1b]8;;http://x\x07b"),
            "a\\u{1b}[2J\\u{1b}]8;;http://x\\u{7}b"
        );
        assert_eq!(terminal("x\r\ny\tz\u{7f}"), "x\\r\\ny\\tz\\u{7f}");
        assert_eq!(terminal("\u{9b}31m"), "\\u{9b}31m");
        assert_eq!(
            terminal("if admin \u{202e} \u{2066}end\u{2069}"),
            "if admin \\u{202e} \\u{2066}end\\u{2069}"
        );
    }
}
