//! patrol's git modes (`--staged`, `--git`, `--range`/`--since`) and `patrol hook install`,
//! driving the real binary on real repositories built with `git`.

mod history;
mod hook;
mod links;
mod memory;
mod range;
mod staged;

use serde_json::Value;

use crate::util::*;

pub(crate) const RULE: &str = "github.pat.classic";

/// Asserts the facts every finding of `token` reports, wherever it came from.
#[track_caller]
pub(crate) fn assert_token_finding(f: &Value, token: &str, path: &str, line: u64, column: u64) {
    assert_eq!(f["rule"], RULE, "{f:#}");
    assert_eq!(f["path"], path, "{f:#}");
    assert_eq!(f["line"], line, "{f:#}");
    assert_eq!(f["column"], column, "{f:#}");
    assert_eq!(f["secret"], redacted(token), "{f:#}");
    assert_eq!(f["redacted"], true, "{f:#}");
    assert_eq!(f["fingerprint"], fingerprint(token), "{f:#}");
    assert_eq!(f["validation"], "checksum-valid", "{f:#}");
}

/// The one finding of `token` among `findings`.
#[track_caller]
pub(crate) fn only<'a>(findings: &'a [Value], token: &str) -> &'a Value {
    let hits = with_token(findings, token);
    assert_eq!(
        hits.len(),
        1,
        "expected one finding of {}: {findings:#?}",
        redacted(token)
    );
    hits[0]
}
