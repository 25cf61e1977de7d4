//! The human report, for people reading a terminal. Findings are grouped by path: the path on a
//! line of its own, then per finding an indented `LINE:COL  Rule name [rule.id]  secret
//! (validation)` line, the facts decoded from the token, the secret's line (redacted) after a
//! `│`, and for git findings where the blob came from. A per-rule count closes the report.
//! Nothing at all is written when there are no findings (the stderr summary says so).
//! Colour only when the config says so (a terminal and no NO_COLOR, or --color always).
//!
//! ```text
//! config/deploy.env
//!   2:14  GitHub personal access token (classic) [github.pat.classic]  ghp_Ab3d…  (checksum-valid)
//!         │ GITHUB_TOKEN=ghp_Ab3d…
//!
//! 1 × GitHub personal access token (classic) [github.pat.classic]
//! ```

use std::collections::HashMap;
use std::io::{self, Write};

use super::escape::terminal;
use super::ReportOptions;
use crate::finding::{Finding, Origin};
use crate::scan::Outcome;

const RED: &str = "\x1b[1;31m";
const HEADER: &str = "\x1b[1;35m";
const GREEN: &str = "\x1b[32m";
const CYAN: &str = "\x1b[36m";
const YELLOW: &str = "\x1b[33m";
const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

/// How many hex digits of a commit or blob id are shown.
const SHORT_ID: usize = 12;

/// ANSI codes, or nothing when colour is off.
struct Paint(bool);

impl Paint {
    fn code(&self, code: &'static str) -> &'static str {
        if self.0 {
            code
        } else {
            ""
        }
    }

    /// `text` in `code`, reset after.
    fn wrap(&self, code: &'static str, text: &str) -> String {
        if self.0 {
            format!("{code}{text}{RESET}")
        } else {
            text.to_string()
        }
    }
}

pub(crate) fn write(out: &mut dyn Write, outcome: &Outcome, cfg: &ReportOptions) -> io::Result<()> {
    let paint = Paint(cfg.color);
    for (i, (path, findings)) in group_by_path(&outcome.findings).iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        writeln!(out, "{}", paint.wrap(HEADER, &terminal(path)))?;
        let width = findings
            .iter()
            .map(|f| location(f).len())
            .filter(|&w| w <= ALIGN_MAX)
            .max()
            .unwrap_or(0);
        for f in findings {
            write_finding(out, f, width, cfg.show_secrets, &paint)?;
        }
    }
    write_rule_counts(out, &outcome.findings, &paint)?;
    write_suppressed(out, outcome, &paint)?;
    for n in &outcome.notices {
        writeln!(
            out,
            "{}",
            paint.wrap(YELLOW, &format!("notice: {}", terminal(n)))
        )?;
    }
    Ok(())
}

/// Suppressed findings are never silent: how many, and why, after the findings.
fn write_suppressed(out: &mut dyn Write, outcome: &Outcome, paint: &Paint) -> io::Result<()> {
    if outcome.suppressed.is_empty() {
        return Ok(());
    }
    let mut by: Vec<(String, usize)> = Vec::new();
    for f in &outcome.suppressed {
        let why = f
            .suppression
            .as_ref()
            .map_or_else(String::new, |s| s.reason());
        match by.iter_mut().find(|(w, _)| *w == why) {
            Some((_, n)) => *n += 1,
            None => by.push((why, 1)),
        }
    }
    by.sort();
    let parts: Vec<String> = by.iter().map(|(w, n)| format!("{n} by {w}")).collect();
    if !outcome.findings.is_empty() {
        writeln!(out)?;
    }
    writeln!(
        out,
        "{}",
        paint.wrap(
            DIM,
            &format!(
                "{} suppressed (not reported): {}",
                outcome.suppressed.len(),
                parts.join(", ")
            )
        )
    )
}

/// Findings by the path a person knows them by, groups in order of first appearance (the
/// outcome's order), findings in outcome order within a group. A git path whose content
/// changed over time is held by several blobs; their findings still share one group.
/// When the findings come from more than one repository (`patrol merge`), a group's name is
/// `[repository] path`.
fn group_by_path(findings: &[Finding]) -> Vec<(String, Vec<&Finding>)> {
    let mut groups: Vec<(String, Vec<&Finding>)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut previous: Option<(&Origin, usize)> = None;
    let first_repo = findings.first().and_then(|f| f.repository.as_deref());
    let several = findings
        .iter()
        .any(|f| f.repository.as_deref() != first_repo);
    for f in findings {
        // Neighbours usually share an origin, hence a path: no new string for them.
        let g = match previous {
            Some((origin, g)) if *origin == f.origin && !several => g,
            _ => {
                let path = match (several, f.repository.as_deref()) {
                    (true, Some(repo)) => format!("[{repo}] {}", f.origin.display_path()),
                    _ => f.origin.display_path(),
                };
                match index.get(&path) {
                    Some(&g) => g,
                    None => {
                        index.insert(path.clone(), groups.len());
                        groups.push((path, Vec::new()));
                        groups.len() - 1
                    }
                }
            }
        };
        groups[g].1.push(f);
        previous = Some((&f.origin, g));
    }
    groups
}

/// `line:column`, and for a secret found in decoded content the encodings undone to reach it:
/// `12:14 › base64 › base64`. Inside a container, the streams and members unpacked come
/// first: `BOOT-INF/application.yml:3:1`, `gzip › home/.netrc:2:10`, `gzip:120:5`.
fn location(f: &Finding) -> String {
    let mut loc = String::new();
    for (i, layer) in f.unpacked.iter().enumerate() {
        if i > 0 {
            loc.push_str(" › ");
        }
        loc.push_str(&terminal(layer.label()));
    }
    if !loc.is_empty() {
        loc.push(':');
    }
    loc.push_str(&format!("{}:{}", f.line, f.column));
    for step in &f.decoded {
        loc.push_str(" › ");
        loc.push_str(step);
    }
    loc
}

/// The widest location that aligns the rule names of a group: a long member path gets a
/// line of its own width rather than pushing every other line right.
const ALIGN_MAX: usize = 40;

/// One finding: its line, then its indented details, context and provenance. `width` aligns
/// the rule names of a group.
fn write_finding(
    out: &mut dyn Write,
    f: &Finding,
    width: usize,
    show_secrets: bool,
    paint: &Paint,
) -> io::Result<()> {
    let loc = location(f);
    let pad = " ".repeat(width.saturating_sub(loc.len()));
    writeln!(
        out,
        "  {}{pad}  {} {}  {}  ({})",
        paint.wrap(GREEN, &loc),
        terminal(&f.rule_name),
        paint.wrap(CYAN, &format!("[{}]", terminal(&f.rule))),
        paint.wrap(RED, &terminal(&f.secret.shown(show_secrets))),
        f.validation.as_str(),
    )?;
    // Everything under the finding lines up with its rule name.
    let indent = " ".repeat(2 + width + 2);

    let mut facts: Vec<String> = Vec::new();
    if !f.details.is_empty() {
        let pairs: Vec<String> = f
            .details
            .iter()
            .map(|(k, v)| format!("{}={}", terminal(k), terminal(v)))
            .collect();
        facts.push(pairs.join(" "));
    }
    if f.binary {
        facts.push(format!("binary file, byte offset {}", f.offset));
    }
    if !facts.is_empty() {
        writeln!(out, "{indent}{}", paint.wrap(DIM, &facts.join("; ")))?;
    }

    // The context is redacted by the scanner (every secret on the line), whatever
    // --show-secrets says: it is there to recognise the line, not to copy the token.
    let context = terminal(f.context.trim());
    let context = context.as_ref();
    if !context.is_empty() {
        writeln!(
            out,
            "{indent}{} {}",
            paint.wrap(DIM, "│"),
            highlight(context, &f.secret.redacted(), paint)
        )?;
    }

    if let Some(line) = provenance_line(f) {
        writeln!(out, "{indent}{}", paint.wrap(YELLOW, &terminal(&line)))?;
    }
    if let Some(l) = f.provenance.as_ref().and_then(|p| p.links.as_ref()) {
        // The line's page where there is one, else the commit's: one link to click.
        let url = l.line.as_deref().unwrap_or(&l.commit);
        writeln!(out, "{indent}{}", paint.wrap(DIM, &terminal(url)))?;
    }
    if let Some(v) = &f.verification {
        let colour = if v.status == crate::finding::Status::Live {
            RED
        } else {
            DIM
        };
        writeln!(
            out,
            "{indent}{}",
            paint.wrap(colour, &format!("verified: {}", terminal(&v.summary())))
        )?;
    }
    Ok(())
}

/// The context with this finding's (redacted) secret in the secret colour.
fn highlight(context: &str, redacted: &str, paint: &Paint) -> String {
    match context.find(redacted) {
        Some(at) if paint.0 => format!(
            "{}{}{}",
            &context[..at],
            paint.wrap(RED, redacted),
            &context[at + redacted.len()..]
        ),
        _ => context.to_string(),
    }
}

/// Git findings: the blob (when the header shows its path rather than its id), the commit that
/// introduced it, how far it spread, and whether anything still references it.
fn provenance_line(f: &Finding) -> Option<String> {
    let p = f.provenance.as_ref()?;
    let mut first = String::new();
    if let Origin::Blob { id, path: Some(_) } = &f.origin {
        first = format!("blob {}", short(id));
    }
    if let Some(c) = &p.commit {
        if !first.is_empty() {
            first.push(' ');
        }
        first += &format!(
            "introduced in {} by {} on {}: {}",
            short(&c.id),
            c.author,
            c.date,
            c.summary
        );
    }
    let mut parts = Vec::new();
    if !first.is_empty() {
        parts.push(first);
    }
    if p.commits > 1 {
        parts.push(format!("present in {} commits", p.commits));
    }
    if !p.other_paths.is_empty() {
        // A few by name (escaped: paths come from the repository), then a count.
        let shown: Vec<&str> = p.other_paths.iter().take(3).map(String::as_str).collect();
        let more = p.other_paths.len() - shown.len();
        let tail = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        parts.push(format!("same blob also at {}{tail}", shown.join(", ")));
    }
    match (p.present_at_head, &p.removed_in) {
        (Some(true), _) => parts.push("still present at HEAD".into()),
        (Some(false), Some(c)) => parts.push(format!(
            "removed in {} by {} on {}: {}",
            short(&c.id),
            c.author,
            c.date,
            c.summary
        )),
        (Some(false), None) => parts.push("not in HEAD's history".into()),
        (None, _) => {}
    }
    if p.unreachable {
        parts.push("UNREACHABLE: no ref reaches it (reflog or dangling object)".into());
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

fn short(id: &str) -> &str {
    &id[..id.len().min(SHORT_ID)]
}

/// The closing tally: `N × Rule name [rule.id]`, most frequent rule first, then by id.
fn write_rule_counts(out: &mut dyn Write, findings: &[Finding], paint: &Paint) -> io::Result<()> {
    if findings.is_empty() {
        return Ok(());
    }
    let mut counts: Vec<(usize, &str, &str)> = Vec::new();
    for f in findings {
        match counts.iter_mut().find(|(_, id, _)| *id == f.rule) {
            Some((n, _, _)) => *n += 1,
            None => counts.push((1, &f.rule, &f.rule_name)),
        }
    }
    counts.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    let width = counts[0].0.to_string().len();
    writeln!(out)?;
    for (n, id, name) in counts {
        writeln!(
            out,
            "{}{n:>width$}{} × {} [{}]",
            paint.code(BOLD),
            paint.code(RESET),
            terminal(name),
            terminal(id),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{CommitMeta, Provenance, Secret, Validation};
    use crate::report::Format;

    fn cfg(color: bool, show_secrets: bool) -> ReportOptions {
        ReportOptions {
            format: Format::Text,
            output: None,
            show_secrets,
            color,
            quiet: false,
        }
    }

    fn finding(rule: &str, name: &str, origin: Origin, line: u64, secret: &str) -> Finding {
        let secret = Secret::new(secret.as_bytes(), 4);
        Finding {
            rule: rule.into(),
            rule_name: name.into(),
            origin,
            line,
            column: 7,
            offset: 6,
            fingerprint: secret.fingerprint(),
            context: format!("TOKEN={}", secret.redacted()),
            secret,
            validation: Validation::ChecksumValid,
            decoded: Vec::new(),
            unpacked: Vec::new(),
            repository: None,
            details: Vec::new(),
            binary: false,
            provenance: None,
            verification: None,
            suppression: None,
        }
    }

    fn render(outcome: &Outcome, cfg: &ReportOptions) -> String {
        let mut buf = Vec::new();
        write(&mut buf, outcome, cfg).unwrap();
        String::from_utf8(buf).unwrap()
    }

    const TOKEN_A: &str = "ghp_AAAAbbbbccccddddeeeeffffgggghhhhiiii";
    const TOKEN_B: &str = "ghp_BBBBbbbbccccddddeeeeffffgggghhhhiiii";

    #[test]
    fn nothing_at_all_without_findings() {
        assert_eq!(render(&Outcome::default(), &cfg(true, false)), "");
    }

    #[test]
    fn git_findings_grouped_by_path_across_blobs_with_provenance() {
        let blob = |id: &str| Origin::Blob {
            id: id.repeat(40),
            path: Some("app.cfg".into()),
        };
        let commit = CommitMeta {
            id: "c".repeat(40),
            author: "Ada <ada@example.com>".into(),
            date: "2025-01-02T03:04:05Z".into(),
            summary: "add key".into(),
            generation: 1,
        };
        let mut a = finding("github.pat.classic", "Classic", blob("1"), 12, TOKEN_A);
        a.provenance = Some(Box::new(Provenance {
            commit: Some(commit.clone()),
            commits: 3,
            other_paths: vec!["lib/app.cfg".into()],
            unreachable: false,
            ..Provenance::default()
        }));
        let mut other = finding("github.oauth", "OAuth", blob("2"), 1, TOKEN_B);
        other.origin = Origin::Blob {
            id: "2".repeat(40),
            path: Some("other.txt".into()),
        };
        other.provenance = Some(Box::new(Provenance {
            commit: Some(commit),
            commits: 1,
            other_paths: Vec::new(),
            unreachable: true,
            ..Provenance::default()
        }));
        let mut b = finding("github.pat.classic", "Classic", blob("3"), 2, TOKEN_B);
        b.provenance = Some(Box::default());
        let dangling = Origin::Blob {
            id: "4".repeat(40),
            path: None,
        };
        let mut d = finding("github.oauth", "OAuth", dangling, 1, TOKEN_A);
        d.provenance = Some(Box::new(Provenance {
            commit: None,
            commits: 0,
            other_paths: Vec::new(),
            unreachable: true,
            ..Provenance::default()
        }));
        let outcome = Outcome {
            findings: vec![a, other, b, d],
            ..Outcome::default()
        };
        let want = "\
app.cfg
  12:7  Classic [github.pat.classic]  ghp_AAAA…  (checksum-valid)
        │ TOKEN=ghp_AAAA…
        blob 111111111111 introduced in cccccccccccc by Ada <ada@example.com> on \
2025-01-02T03:04:05Z: add key; present in 3 commits; same blob also at lib/app.cfg
  2:7   Classic [github.pat.classic]  ghp_BBBB…  (checksum-valid)
        │ TOKEN=ghp_BBBB…
        blob 333333333333

other.txt
  1:7  OAuth [github.oauth]  ghp_BBBB…  (checksum-valid)
       │ TOKEN=ghp_BBBB…
       blob 222222222222 introduced in cccccccccccc by Ada <ada@example.com> on \
2025-01-02T03:04:05Z: add key; UNREACHABLE: no ref reaches it (reflog or dangling object)

<blob 4444444444444444444444444444444444444444>
  1:7  OAuth [github.oauth]  ghp_AAAA…  (checksum-valid)
       │ TOKEN=ghp_AAAA…
       UNREACHABLE: no ref reaches it (reflog or dangling object)

2 × OAuth [github.oauth]
2 × Classic [github.pat.classic]
";
        assert_eq!(render(&outcome, &cfg(false, false)), want);
    }

    #[test]
    fn details_binary_offset_show_secrets_and_rule_counts() {
        let path = |p: &str| Origin::File(p.into());
        let mut s = finding(
            "github.app.installation.stateless",
            "Stateless",
            path("b"),
            1,
            TOKEN_A,
        );
        s.details = vec![("app_id".into(), "7".into()), ("issuer".into(), "x".into())];
        s.binary = true;
        s.offset = 3000;
        let mut findings = vec![s];
        for i in 0..11 {
            findings.push(finding(
                "github.pat.classic",
                "Classic",
                path("a"),
                i + 1,
                TOKEN_B,
            ));
        }
        findings.push(finding("a.first", "First", path("a"), 99, TOKEN_B));
        findings.push(finding("z.last", "Last", path("a"), 100, TOKEN_B));
        let outcome = Outcome {
            findings,
            ..Outcome::default()
        };
        let text = render(&outcome, &cfg(false, true));
        assert!(
            text.starts_with(
                "b\n  1:7  Stateless [github.app.installation.stateless]  \
             ghp_AAAAbbbbccccddddeeeeffffgggghhhhiiii  (checksum-valid)\n       \
             app_id=7 issuer=x; binary file, byte offset 3000\n       │ TOKEN=ghp_AAAA…\n\na\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("\n  9:7    Classic [github.pat.classic]"),
            "{text}"
        );
        assert!(text.contains("\n  100:7  Last [z.last]"), "{text}");
        // By count, then by rule id.
        assert!(
            text.ends_with(
                "\n\n11 × Classic [github.pat.classic]\n 1 × First [a.first]\n \
                 1 × Stateless [github.app.installation.stateless]\n 1 × Last [z.last]\n"
            ),
            "{text}"
        );
        assert!(!text.contains('\u{1b}'));
    }

    #[test]
    fn colour_marks_the_secret_in_the_line_and_the_context() {
        let f = finding("r", "R", Origin::Stdin, 1, TOKEN_A);
        let outcome = Outcome {
            findings: vec![f],
            ..Outcome::default()
        };
        let text = render(&outcome, &cfg(true, false));
        assert!(text.starts_with("\x1b[1;35m<stdin>\x1b[0m\n"), "{text:?}");
        assert!(
            text.contains("  \x1b[1;31mghp_AAAA…\x1b[0m  (checksum-valid)"),
            "{text:?}"
        );
        assert!(
            text.contains("│\x1b[0m TOKEN=\x1b[1;31mghp_AAAA…\x1b[0m\n"),
            "{text:?}"
        );
    }
}
