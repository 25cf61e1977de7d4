//! `--format html`: one self-contained page to hand over after an audit. Headline counts
//! (distinct secrets, places, still present, liveness, by family), a timeline of when secrets
//! entered and left the history, a sortable and filterable table of every finding, and for
//! each secret what to do about it, with the `patrol revoke` command where GitHub can revoke it.
//!
//! The page is built for hostile content. Every string that came from a repository or a server
//! goes through [`escape::html`] (controls made visible, markup characters as references) and
//! nothing else reaches the markup; URLs are the forge links patrol built itself, and only
//! `https:` ones are linked. A Content-Security-Policy allows only the page's own script and
//! stylesheet, by hash (`default-src 'none'`): even a string that escaped the escaping could not
//! run a script, load an image or send a request. No network, no external assets: the page
//! opens from disk, in any browser, years later. Secrets are shown as every format shows them.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io::{self, Write};

use base64::Engine as _;
use sha2::{Digest, Sha256};

use super::escape::html;
use super::ReportOptions;
use crate::finding::{Finding, Origin};
use crate::scan::Outcome;

const SCRIPT: &str = include_str!("html.js");
const STYLE: &str = include_str!("html.css");

/// `'sha256-…'` of an inline script or stylesheet, for the Content-Security-Policy.
fn csp_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The page's policy: nothing but its own stylesheet and script.
pub(crate) fn content_security_policy() -> String {
    format!(
        "default-src 'none'; style-src {}; script-src {}; img-src 'none'; base-uri 'none'; \
         form-action 'none'",
        csp_hash(STYLE),
        csp_hash(SCRIPT)
    )
}

/// A secret's family: the provider of its rule (`GitHub`, `AWS`), else its rule id's first
/// part.
fn family<'a>(o: &'a Outcome, f: &'a Finding) -> &'a str {
    o.rule(&f.rule)
        .map(|m| m.provider.as_str())
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| f.rule.split('.').next().unwrap_or(&f.rule))
}

/// `2024-05-01` of `2024-05-01T10:00:00Z`.
fn day(date: &str) -> &str {
    date.get(..10).unwrap_or(date)
}

/// Where the secret is, as text: `path:line:column`, with archive members and decodings.
fn place(f: &Finding) -> String {
    let mut s = f.origin.display_path();
    for layer in &f.unpacked {
        s.push_str(" › ");
        s.push_str(layer.label());
    }
    let _ = write!(s, ":{}:{}", f.line, f.column);
    for step in &f.decoded {
        s.push_str(" › ");
        s.push_str(step);
    }
    s
}

/// `yes`, `no` or `unknown`: whether the secret is still at HEAD (history), or present (a
/// file scan: the file holds it now).
fn still_present(f: &Finding) -> &'static str {
    match f.provenance.as_deref() {
        Some(p) => match p.present_at_head {
            Some(true) => "yes",
            Some(false) => "no",
            None => "unknown",
        },
        None => match f.origin {
            Origin::File(_) | Origin::Staged { .. } => "yes",
            _ => "unknown",
        },
    }
}

/// `text` with Markdown code spans as `<code>`, everything escaped.
fn with_code(text: &str) -> String {
    text.split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                format!("<code>{}</code>", html(part))
            } else {
                html(part)
            }
        })
        .collect()
}

/// `s` as one single-quoted shell word.
fn shell_word(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Most table rows and advice cards a page holds: a browser stays responsive, and the page
/// says how many more the JSON report has (a tree of generated fixtures can hold 100,000).
const MAX_ROWS: usize = 10_000;
const MAX_CARDS: usize = 500;

/// Token prefixes GitHub's credential revocation API takes (`patrol revoke`).
const REVOCABLE: [&str; 5] = ["ghp_", "github_pat_", "gho_", "ghu_", "ghr_"];

pub(crate) fn write(out: &mut dyn Write, o: &Outcome, cfg: &ReportOptions) -> io::Result<()> {
    let mut page = String::with_capacity(64 * 1024 + o.findings.len() * 600);
    let show = cfg.show_secrets;
    let findings = &o.findings;
    // Secrets by fingerprint, in report order.
    let mut order: Vec<&str> = Vec::new();
    let mut by_secret: HashMap<&str, Vec<&Finding>> = HashMap::new();
    for f in findings {
        let fp = f.fingerprint.as_str();
        by_secret
            .entry(fp)
            .or_insert_with(|| {
                order.push(fp);
                Vec::new()
            })
            .push(f);
    }
    // A secret's family, looked up once per rule (a rule's facts are found by a search).
    let mut families_of: HashMap<&str, &str> = HashMap::new();
    for f in findings {
        families_of
            .entry(f.rule.as_str())
            .or_insert_with(|| family(o, f));
    }
    let repos: std::collections::BTreeSet<&str> = findings
        .iter()
        .filter_map(|f| f.repository.as_deref())
        .collect();
    let several_repos = repos.len() > 1;

    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>patrol report: {} {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        content_security_policy(),
        order.len(),
        if order.len() == 1 {
            "leaked secret"
        } else {
            "leaked secrets"
        }
    );
    let _ = writeln!(page, "<h1>Leaked secrets</h1>");
    let scope = if repos.is_empty() {
        String::new()
    } else {
        format!(
            " in {}",
            if several_repos {
                format!("{} repositories", repos.len())
            } else {
                html(repos.iter().next().copied().unwrap_or_default())
            }
        )
    };
    let _ = writeln!(
        page,
        "<p class=\"meta\">patrol {} · {} inputs ({}) scanned{scope} · secrets {}</p>",
        env!("CARGO_PKG_VERSION"),
        o.files,
        super::human_bytes(o.bytes),
        if show {
            "shown in full (--show-secrets): handle this page as a secret"
        } else {
            "redacted to their public prefix and four characters"
        }
    );

    // Headline counts.
    let present = order
        .iter()
        .filter(|fp| by_secret[*fp].iter().any(|f| still_present(f) == "yes"))
        .count();
    let mut cards: Vec<(String, usize, &str)> = vec![
        (
            "distinct secrets".into(),
            order.len(),
            if order.is_empty() { "ok" } else { "bad" },
        ),
        ("places found".into(), findings.len(), ""),
        (
            "still present".into(),
            present,
            if present > 0 { "bad" } else { "ok" },
        ),
    ];
    let verified = findings.iter().any(|f| f.verification.is_some());
    if verified {
        let mut status: BTreeMap<&str, usize> = BTreeMap::new();
        for fp in &order {
            let s = by_secret[*fp]
                .iter()
                .find_map(|f| f.verification.as_ref().map(|v| v.status.as_str()))
                .unwrap_or("not checked");
            *status.entry(s).or_default() += 1;
        }
        for (s, n) in status {
            let class = match s {
                "live" | "restricted" => "bad",
                "dead" => "ok",
                _ => "",
            };
            cards.push((s.to_string(), n, class));
        }
    }
    if several_repos {
        cards.push(("repositories".into(), repos.len(), ""));
    }
    if !o.errors.is_empty() {
        cards.push(("inputs not read".into(), o.errors.len(), "bad"));
    }
    page.push_str("<div class=\"cards\">\n");
    for (label, n, class) in &cards {
        let _ = writeln!(
            page,
            "<div class=\"card {class}\"><b>{n}</b>{}</div>",
            html(label)
        );
    }
    page.push_str("</div>\n");
    let mut families: BTreeMap<&str, usize> = BTreeMap::new();
    for fp in &order {
        *families
            .entry(families_of[by_secret[*fp][0].rule.as_str()])
            .or_default() += 1;
    }
    if !families.is_empty() {
        page.push_str("<p class=\"families\">By family: ");
        for (fam, n) in &families {
            let _ = write!(page, "<span><b>{}</b> {n}</span>", html(fam));
        }
        page.push_str("</p>\n");
    }
    if !o.errors.is_empty() || !o.notices.is_empty() {
        page.push_str("<h2>Notices and errors</h2>\n<ul>\n");
        for n in &o.notices {
            let _ = writeln!(page, "<li>{}</li>", html(n));
        }
        for e in &o.errors {
            let _ = writeln!(
                page,
                "<li><b>not read:</b> <span class=\"mono\">{}</span>: {}</li>",
                html(&e.path),
                html(&e.message)
            );
        }
        page.push_str("</ul>\n");
    }

    timeline(&mut page, &order, &by_secret);
    table(&mut page, o, &families_of, several_repos, show);
    advice(
        &mut page,
        o,
        &families_of,
        &order,
        &by_secret,
        show,
        several_repos,
    );

    let suppressed = o.suppressed.len();
    let _ = writeln!(
        page,
        "<footer>{} · {suppressed} suppressed finding{} not listed (allow markers, allow list, \
         baseline; see the JSON report) · written by patrol {}; this page makes no network \
         request and runs no script but its own.</footer>",
        invalid_note(o),
        if suppressed == 1 { "" } else { "s" },
        env!("CARGO_PKG_VERSION"),
    );
    let _ = write!(page, "<script>{SCRIPT}</script>\n</body>\n</html>\n");
    out.write_all(page.as_bytes())
}

fn invalid_note(o: &Outcome) -> String {
    format!(
        "{} candidate{} that failed offline checks not listed",
        o.invalid,
        if o.invalid == 1 { "" } else { "s" }
    )
}

/// `2024-05` of a date, if it starts as report dates do (`YYYY-MM`); a merged report's dates
/// are input like the rest.
fn month(date: &str) -> Option<&str> {
    let m = date.get(..7)?;
    let b = m.as_bytes();
    (b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..].iter().all(u8::is_ascii_digit)
        && (&b"01"[..]..=&b"12"[..]).contains(&&b[5..7]))
    .then_some(m)
}

/// When secrets entered the history and left it: per month (per year over ten years), bars
/// up for secrets introduced (by their earliest commit), down for removals from HEAD's history.
fn timeline(page: &mut String, order: &[&str], by_secret: &HashMap<&str, Vec<&Finding>>) {
    page.push_str("<h2>Timeline</h2>\n");
    let mut added: BTreeMap<String, usize> = BTreeMap::new();
    let mut removed: BTreeMap<String, usize> = BTreeMap::new();
    for fp in order {
        let list = &by_secret[*fp];
        let first = list
            .iter()
            .filter_map(|f| f.provenance.as_deref()?.commit.as_ref())
            .filter_map(|c| month(&c.date))
            .min();
        if let Some(m) = first {
            *added.entry(m.to_string()).or_default() += 1;
        }
        for f in list {
            if let Some(c) = f.provenance.as_deref().and_then(|p| p.removed_in.as_ref()) {
                if let Some(m) = month(&c.date) {
                    *removed.entry(m.to_string()).or_default() += 1;
                }
            }
        }
    }
    let months: Vec<&String> = added.keys().chain(removed.keys()).collect();
    let (Some(lo), Some(hi)) = (months.iter().min(), months.iter().max()) else {
        page.push_str(
            "<p class=\"dim\">No dates: these findings do not come from git history.</p>\n",
        );
        return;
    };
    let month_index = |m: &str| -> i64 {
        let y: i64 = m[..4].parse().unwrap_or(1970);
        let mo: i64 = m[5..7].parse().unwrap_or(1);
        y * 12 + mo - 1
    };
    let (start, end) = (month_index(lo), month_index(hi));
    let yearly = end - start >= 120;
    let bucket = |m: &str| {
        let i = month_index(m);
        if yearly {
            i / 12 - start / 12
        } else {
            i - start
        }
    };
    let n = (if yearly {
        end / 12 - start / 12
    } else {
        end - start
    } + 1) as usize;
    let mut up = vec![0usize; n];
    let mut down = vec![0usize; n];
    for (m, c) in &added {
        up[bucket(m) as usize] += c;
    }
    for (m, c) in &removed {
        down[bucket(m) as usize] += c;
    }
    let peak = up.iter().chain(&down).copied().max().unwrap_or(1).max(1) as f64;
    let (width, half, left) = (960.0f64, 80.0f64, 30.0f64);
    let slot = (width - left) / n as f64;
    let bar = (slot * 0.7).clamp(1.0, 24.0);
    let _ = writeln!(
        page,
        "<svg role=\"img\" aria-label=\"secrets introduced and removed over time\" \
         width=\"100%\" viewBox=\"0 0 {width} {}\">",
        2.0 * half + 30.0
    );
    let _ = writeln!(
        page,
        "<line x1=\"{left}\" y1=\"{half}\" x2=\"{width}\" y2=\"{half}\" stroke=\"#d1d9e0\"/>"
    );
    for i in 0..n {
        let x = left + i as f64 * slot;
        if up[i] > 0 {
            let h = (up[i] as f64 / peak) * (half - 8.0);
            let _ = writeln!(
                page,
                "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{bar:.1}\" height=\"{h:.1}\" \
                 fill=\"#cf222e\"><title>{} introduced</title></rect>",
                half - h,
                up[i]
            );
        }
        if down[i] > 0 {
            let h = (down[i] as f64 / peak) * (half - 8.0);
            let _ = writeln!(
                page,
                "<rect x=\"{x:.1}\" y=\"{half}\" width=\"{bar:.1}\" height=\"{h:.1}\" \
                 fill=\"#1a7f37\"><title>{} removed</title></rect>",
                down[i]
            );
        }
    }
    // Labels: the first and last period, and each year's start between them.
    let label = |i: i64| -> String {
        if yearly {
            format!("{}", start / 12 + i)
        } else {
            let m = start + i;
            format!("{}-{:02}", m / 12, m % 12 + 1)
        }
    };
    let mut last_x = -100.0;
    for i in 0..n as i64 {
        let is_year = yearly || (start + i) % 12 == 0;
        if !(i == 0 || i == n as i64 - 1 || is_year) {
            continue;
        }
        let x = left + i as f64 * slot;
        if x - last_x < 60.0 && i != 0 {
            continue;
        }
        last_x = x;
        let _ = writeln!(
            page,
            "<text x=\"{x:.1}\" y=\"{}\">{}</text>",
            2.0 * half + 20.0,
            label(i)
        );
    }
    let _ = writeln!(
        page,
        "<text x=\"0\" y=\"12\">{}</text></svg>",
        peak as usize
    );
    page.push_str(
        "<p class=\"legend\"><span><i class=\"in\"></i>secrets introduced (earliest commit)\
         </span><span><i class=\"out\"></i>removed from HEAD's history (the secret may still be \
         in older commits, clones and forks)</span></p>\n",
    );
}

fn table(
    page: &mut String,
    o: &Outcome,
    families_of: &HashMap<&str, &str>,
    several_repos: bool,
    show: bool,
) {
    page.push_str("<h2>Findings</h2>\n");
    let mut families: Vec<&str> = families_of.values().copied().collect();
    families.sort_unstable();
    families.dedup();
    page.push_str(
        "<div class=\"controls\"><input id=\"q\" type=\"search\" placeholder=\"Filter: path, \
         rule, commit, author…\" aria-label=\"filter\">\n<select id=\"family\" \
         aria-label=\"family\"><option value=\"\">every family</option>",
    );
    for fam in &families {
        let _ = write!(page, "<option value=\"{0}\">{0}</option>", html(fam));
    }
    page.push_str(
        "</select>\n<select id=\"present\" aria-label=\"still present\"><option value=\"\">\
         present or not</option><option value=\"yes\">still present</option><option \
         value=\"no\">removed</option><option value=\"unknown\">unknown</option></select>\n\
         <span id=\"shown\"></span></div>\n",
    );
    page.push_str("<table id=\"findings\">\n<thead><tr>");
    let mut heads = vec![];
    if several_repos {
        heads.push(("Repository", false));
    }
    heads.extend([
        ("Path", false),
        ("Family", false),
        ("Rule", false),
        ("Secret", false),
        ("Commit", false),
        ("Author", false),
        ("Introduced", false),
        ("Still present", false),
        ("Removed", false),
        ("Verification", false),
    ]);
    for (h, numeric) in heads {
        let _ = write!(
            page,
            "<th{}><button type=\"button\">{h}</button></th>",
            if numeric { " data-numeric" } else { "" }
        );
    }
    page.push_str("</tr></thead>\n<tbody>\n");
    for f in o.findings.iter().take(MAX_ROWS) {
        let p = f.provenance.as_deref();
        let commit = p.and_then(|p| p.commit.as_ref());
        let present = still_present(f);
        let family = html(families_of[f.rule.as_str()]);
        let _ = write!(
            page,
            "<tr data-family=\"{family}\" data-present=\"{present}\">"
        );
        if several_repos {
            let _ = write!(
                page,
                "<td>{}</td>",
                html(f.repository.as_deref().unwrap_or(""))
            );
        }
        let line_link = p
            .and_then(|p| p.links.as_ref())
            .and_then(|l| l.line.as_deref())
            .filter(|u| u.starts_with("https://"));
        let where_ = html(&place(f));
        match line_link {
            Some(u) => {
                let _ = write!(
                    page,
                    "<td class=\"path mono\"><a href=\"{}\" rel=\"noopener noreferrer\">{where_}</a></td>",
                    html(u)
                );
            }
            None => {
                let _ = write!(page, "<td class=\"path mono\">{where_}</td>");
            }
        }
        let _ = write!(
            page,
            "<td>{family}</td><td>{}</td><td class=\"mono\">{}</td>",
            html(&f.rule_name),
            html(&f.secret.shown(show))
        );
        match commit {
            Some(c) => {
                let short = html(c.id.get(..12).unwrap_or(&c.id));
                let link = p
                    .and_then(|p| p.links.as_ref())
                    .map(|l| l.commit.as_str())
                    .filter(|u| u.starts_with("https://"));
                match link {
                    Some(u) => {
                        let _ = write!(
                            page,
                            "<td class=\"mono\" title=\"{}\"><a href=\"{}\" rel=\"noopener noreferrer\">{short}</a></td>",
                            html(&c.summary),
                            html(u)
                        );
                    }
                    None => {
                        let _ = write!(
                            page,
                            "<td class=\"mono\" title=\"{}\">{short}</td>",
                            html(&c.summary)
                        );
                    }
                }
                let _ = write!(
                    page,
                    "<td>{}</td><td class=\"date\" data-sort=\"{}\">{}</td>",
                    html(&c.author),
                    html(&c.date),
                    html(day(&c.date))
                );
            }
            None => page.push_str("<td></td><td></td><td></td>"),
        }
        let _ = write!(page, "<td class=\"{present}\">{present}</td>");
        match p.and_then(|p| p.removed_in.as_ref()) {
            Some(c) => {
                let _ = write!(
                    page,
                    "<td class=\"date\" data-sort=\"{}\" title=\"{} {}\">{}</td>",
                    html(&c.date),
                    html(c.id.get(..12).unwrap_or(&c.id)),
                    html(&c.summary),
                    html(day(&c.date))
                );
            }
            None => page.push_str("<td></td>"),
        }
        match &f.verification {
            Some(v) => {
                let s = v.status.as_str();
                let _ = write!(
                    page,
                    "<td class=\"{s}\" title=\"{}\">{s}</td>",
                    html(&v.summary())
                );
            }
            None => page.push_str("<td class=\"dim\">not checked</td>"),
        }
        page.push_str("</tr>\n");
    }
    page.push_str("</tbody>\n</table>\n");
    if o.findings.len() > MAX_ROWS {
        let _ = writeln!(
            page,
            "<p><b>{} more findings are not in this table</b> (it holds the first {MAX_ROWS} by \
             path); the JSON or CSV report has every one.</p>",
            o.findings.len() - MAX_ROWS
        );
    }
}

/// For each secret: what it is, where, and the steps; live ones first.
#[allow(clippy::too_many_arguments)]
fn advice(
    page: &mut String,
    o: &Outcome,
    families_of: &HashMap<&str, &str>,
    order: &[&str],
    by_secret: &HashMap<&str, Vec<&Finding>>,
    show: bool,
    several_repos: bool,
) {
    page.push_str("<h2>What to do</h2>\n");
    if order.is_empty() {
        page.push_str("<p>Nothing was found.</p>\n");
        return;
    }
    let mut secrets: Vec<&str> = order.to_vec();
    let rank = |fp: &&str| {
        let status = by_secret[*fp]
            .iter()
            .find_map(|f| f.verification.as_ref().map(|v| v.status.as_str()));
        match status {
            Some("live") => 0,
            Some("restricted") => 1,
            _ if by_secret[*fp].iter().any(|f| still_present(f) == "yes") => 2,
            _ => 3,
        }
    };
    secrets.sort_by_key(rank);
    if secrets.len() > MAX_CARDS {
        let _ = writeln!(
            page,
            "<p>The {MAX_CARDS} most urgent of {} secrets; the steps are the same for each \
             family.</p>",
            secrets.len()
        );
    }
    for (i, fp) in secrets.into_iter().take(MAX_CARDS).enumerate() {
        let list = &by_secret[fp];
        let f = list[0];
        let meta = o.rule(&f.rule);
        let status = list
            .iter()
            .find_map(|f| f.verification.as_ref().map(|v| v.status.as_str()))
            .unwrap_or("not checked");
        let _ = writeln!(
            page,
            "<details{}><summary><b>{}</b> <code>{}</code> · {} · {} place{} · {} · {}</summary>",
            // The most urgent one open: the page shows what to do without a click.
            if i == 0 { " open" } else { "" },
            html(&f.rule_name),
            html(&f.secret.shown(show)),
            html(families_of[f.rule.as_str()]),
            list.len(),
            if list.len() == 1 { "" } else { "s" },
            status,
            match list.iter().any(|f| still_present(f) == "yes") {
                true => "still present",
                false => "removed",
            }
        );
        page.push_str("<ul>\n");
        for g in list.iter().take(10) {
            let repo = match (several_repos, g.repository.as_deref()) {
                (true, Some(r)) => format!("[{}] ", html(r)),
                _ => String::new(),
            };
            let _ = writeln!(page, "<li class=\"mono\">{repo}{}</li>", html(&place(g)));
        }
        if list.len() > 10 {
            let _ = writeln!(page, "<li>and {} more</li>", list.len() - 10);
        }
        page.push_str("</ul>\n<ol>\n");
        let help = meta
            .map(|m| m.help.as_str())
            .filter(|h| !h.trim().is_empty());
        for step in super::remediation_steps(&f.rule, help) {
            let _ = writeln!(page, "<li>{}</li>", with_code(&step));
        }
        page.push_str("</ol>\n");
        let shown = f.secret.shown(false);
        if REVOCABLE.iter().any(|p| shown.starts_with(p)) {
            // The token itself is never written here: the command finds it again by its
            // fingerprint in a fresh scan of the same place.
            let scan = match &f.origin {
                Origin::Blob { .. } | Origin::Message { .. } => {
                    "patrol scan --git . --show-secrets --format jsonl --quiet".to_string()
                }
                Origin::File(p) => format!(
                    "patrol scan {} --show-secrets --format jsonl --quiet",
                    shell_word(&p.display().to_string())
                ),
                Origin::Staged { .. } | Origin::Stdin => String::new(),
            };
            if !scan.is_empty() {
                let where_ = match f.repository.as_deref() {
                    Some(r) => format!(" in a clone of {}", html(r)),
                    None => String::new(),
                };
                let _ = writeln!(
                    page,
                    "<p>Have GitHub revoke it (irreversible; GitHub also tells its owner), \
                     run{where_}:</p>\n<pre>{} \\\n  | grep -F {} | patrol revoke -</pre>",
                    html(&scan),
                    html(&shell_word(&format!("\"fingerprint\":\"{fp}\"")))
                );
            }
        }
        page.push_str("</details>\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_of_report_dates_only() {
        assert_eq!(month("2024-05-01T10:00:00Z"), Some("2024-05"));
        for bad in [
            "",
            "2024",
            "2024-13-01",
            "2024-00",
            "20é4-05",
            "2024-0é",
            "<script>x",
        ] {
            assert_eq!(month(bad), None, "{bad}");
        }
    }

    #[test]
    fn shell_words_and_code_spans_are_escaped() {
        assert_eq!(shell_word("it's"), "'it'\\''s'");
        assert_eq!(
            with_code("run `a<b` now & <i>"),
            "run <code>a&lt;b</code> now &amp; &lt;i&gt;"
        );
    }
}
