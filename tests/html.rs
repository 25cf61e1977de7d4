//! `--format html`: one self-contained page, safe to open whatever the repository holds.
//! These tests read the page as text (no browser): its Content-Security-Policy allows exactly
//! its own script and stylesheet (the hashes match), it names no external resource, every
//! hostile string from the repository appears only escaped, secrets are redacted, and the
//! counts, table, timeline and advice are there. `scripts/html-chromium.sh` loads a page in
//! headless Chromium (no console errors, payloads inert, filtering works).

use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::util::*;

/// Payloads an attacker controls in a repository: file names, commit messages, authors.
const PAYLOADS: [&str; 4] = [
    "<img src=x onerror=alert(1)>",
    "<script>document.title='pwned'</script>",
    "x\" onmouseover=\"alert(2)",
    "javascript:alert(3)",
];

fn between<'a>(page: &'a str, open: &str, close: &str) -> &'a str {
    let start = page.find(open).unwrap_or_else(|| panic!("no {open}")) + open.len();
    let end = start + page[start..].find(close).unwrap();
    &page[start..end]
}

fn csp_hash(text: &str) -> String {
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(text.as_bytes()))
    )
}

/// A repository whose history holds tokens under hostile names, messages and authors.
pub fn hostile_history() -> (Sandbox, Vec<String>) {
    let r = Sandbox::repo();
    let tokens: Vec<String> = (0..3).map(|i| token("ghp", 900 + i)).collect();
    r.write(PAYLOADS[0], format!("T={}\n", tokens[0]));
    r.commit_with(
        PAYLOADS[1],
        &["--author", &format!("{} <x@example.com>", PAYLOADS[2])],
    );
    r.write("config/app.env", format!("U={}\n", tokens[1]));
    r.commit("add app config");
    std::fs::remove_file(r.path("config/app.env")).unwrap();
    r.write("later.txt", format!("{}\nV={}\n", PAYLOADS[3], tokens[2]));
    r.commit("remove the config");
    (r, tokens)
}

#[test]
fn html_page_is_self_contained_escaped_and_redacted() {
    let (r, tokens) = hostile_history();
    let run = r.run(&["scan", "--git", "-f", "html"]);
    run.expect_code(1);
    let page = &run.stdout;
    assert!(page.starts_with("<!DOCTYPE html>"));
    // The policy: nothing but the page's own stylesheet and script, by hash.
    let csp = between(
        page,
        "http-equiv=\"Content-Security-Policy\" content=\"",
        "\"",
    );
    assert!(csp.starts_with("default-src 'none';"), "{csp}");
    let style = between(page, "<style>", "</style>");
    let script = between(page, "<script>", "</script>");
    assert!(
        csp.contains(&format!("style-src {};", csp_hash(style))),
        "{csp}"
    );
    assert!(
        csp.contains(&format!("script-src {};", csp_hash(script))),
        "{csp}"
    );
    assert!(!csp.contains("unsafe"), "{csp}");
    assert_eq!(page.matches("<script").count(), 1, "one script: ours");
    assert_eq!(page.matches("<style").count(), 1);
    // No external resource and no event handler: the markup alone (the page's own stylesheet
    // and script taken out), tag by tag, holds only the elements the writer uses and no
    // attribute that loads or runs anything; links go only to https pages.
    assert!(
        !style.contains("@import") && !style.contains("url("),
        "{style}"
    );
    let markup = page.replace(style, "").replace(script, "");
    let tag = regex::Regex::new(r"<([A-Za-z][A-Za-z0-9]*)[^>]*>").unwrap();
    let loads = regex::Regex::new(
        r"(?i)\s(on[a-z]+|src|srcset|formaction|action|background|poster|data|xlink:href)\s*=",
    )
    .unwrap();
    let href = regex::Regex::new(r#"\shref\s*=\s*"([^"]*)""#).unwrap();
    const ELEMENTS: [&str; 37] = [
        "html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "div", "span", "b", "i",
        "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td", "button", "input", "select",
        "option", "svg", "line", "rect", "text", "details", "summary", "code", "pre", "footer",
        "a", "script",
    ];
    let mut tags = 0;
    for t in tag.captures_iter(&markup) {
        tags += 1;
        let whole = t.get(0).unwrap().as_str();
        assert!(ELEMENTS.contains(&&t[1]), "unexpected element {whole}");
        assert!(
            !loads.is_match(whole),
            "an attribute that loads or runs: {whole}"
        );
        for h in href.captures_iter(whole) {
            assert!(h[1].starts_with("https://"), "{whole}");
        }
    }
    assert!(tags > 50, "the tag scan saw the page");
    // Hostile strings appear, escaped, and never as markup.
    for p in PAYLOADS {
        assert!(!page.contains(p), "raw payload {p:?} in the page");
    }
    assert!(
        page.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "the file name, escaped"
    );
    assert!(page.contains("&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;"));
    assert!(
        page.contains("x&quot; onmouseover=&quot;alert(2)"),
        "the author, escaped"
    );
    assert_eq!(page.matches("<svg").count(), 1, "one svg: the timeline");
    // Secrets: redacted everywhere, the redacted form shown.
    for t in &tokens {
        assert!(!page.contains(&t[8..]), "{t} leaked");
        assert!(page.contains(&t[..8]), "{t}'s redacted form");
    }
    // Counts, timeline, table, advice.
    assert!(page.contains("<b>3</b>distinct secrets"), "{page}");
    assert!(page.contains("<b>2</b>still present"), "{page}");
    assert!(page.contains("<b>GitHub</b> 3"));
    assert!(page.contains("secrets introduced and removed over time"));
    assert_eq!(
        between(page, "<tbody>", "</tbody>").matches("<tr").count(),
        3
    );
    assert!(page.contains("data-present=\"no\""), "the removed config");
    assert_eq!(page.matches("<details").count(), 3);
    assert_eq!(
        page.matches("<details open>").count(),
        1,
        "the most urgent one open"
    );
    assert!(page.contains("git filter-repo"), "purge advice");
    let fp = run_fingerprint(&r, &tokens[1]);
    assert!(
        page.contains(&format!(
            "| grep -F &#39;&quot;fingerprint&quot;:&quot;{fp}&quot;&#39; | patrol revoke -"
        )),
        "the revoke command, by fingerprint"
    );
}

fn run_fingerprint(r: &Sandbox, token: &str) -> String {
    let run = r.run(&["scan", "--git", "-f", "json"]);
    run.findings()
        .iter()
        .find(|f| f["secret"].as_str().unwrap().starts_with(&token[..8]))
        .unwrap()["fingerprint"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn html_with_show_secrets_says_so_and_merge_writes_html() {
    let (r, tokens) = hostile_history();
    let run = r.run(&["scan", "--git", "-f", "html", "--show-secrets"]);
    run.expect_code(1);
    assert!(run.stdout.contains(&tokens[0]), "asked for");
    assert!(run.stdout.contains("handle this page as a secret"));
    // Nothing found: a page that says so.
    let clean = Sandbox::new();
    clean.write("a.txt", "nothing\n");
    let run = clean.run(&["scan", "-f", "html"]);
    run.expect_code(0);
    assert!(run.stdout.contains("<b>0</b>distinct secrets"));
    assert!(run.stdout.contains("Nothing was found."));
    // merge writes the same page from JSON reports.
    let json = r.outside("r.json");
    r.run(&["scan", "--git", "-f", "json", "-o", json.to_str().unwrap()])
        .expect_code(1);
    let merged = r.run(&["merge", json.to_str().unwrap(), "-f", "html"]);
    merged.expect_code(1);
    let direct = r.run(&["scan", "--git", "-f", "html"]);
    // The same findings table (the header line differs: counts of inputs are the same, the
    // rest is built from the same fields).
    assert_eq!(
        between(&merged.stdout, "<tbody>", "</tbody>"),
        between(&direct.stdout, "<tbody>", "</tbody>")
    );
}
