//! The human report: one line per finding, `path:line:column: rule name [id] secret (check)`,
//! with facts decoded from the token after it. Colour only when the config says so (a terminal
//! and no NO_COLOR, or --color always).

use std::io::{self, Write};

use super::Outcome;
use crate::config::ReportConfig;
use crate::finding::Finding;

const RED: &str = "\x1b[1;31m";
const MAGENTA: &str = "\x1b[35m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

pub fn write(out: &mut dyn Write, outcome: &Outcome, cfg: &ReportConfig) -> io::Result<()> {
    let paint = |code: &'static str| if cfg.color { code } else { "" };
    for f in &outcome.findings {
        let secret = render_secret(f, cfg.show_secrets);
        let mut details: Vec<String> = f.details.iter().map(|(k, v)| format!("{k}={v}")).collect();
        if f.binary {
            details.push(format!("binary file, byte offset {}", f.offset));
        }
        let details = if details.is_empty() {
            String::new()
        } else {
            format!(" {}", details.join(" "))
        };
        writeln!(
            out,
            "{m}{path}{r}:{line}:{col}: {name} [{id}] {red}{secret}{r} ({validation}){d}{details}{r}",
            m = paint(MAGENTA),
            r = paint(RESET),
            red = paint(RED),
            d = paint(DIM),
            path = f.origin.display_path(),
            line = f.line,
            col = f.column,
            name = f.rule_name,
            id = f.rule,
            validation = f.validation.as_str(),
        )?;
        if let Some(p) = &f.provenance {
            let mut parts = Vec::new();
            if let Some(c) = &p.commit {
                parts.push(format!(
                    "introduced in {} by {} on {}: {}",
                    &c.id[..c.id.len().min(12)],
                    c.author,
                    c.date,
                    c.summary
                ));
            }
            if p.commits > 1 {
                parts.push(format!("present in {} commits", p.commits));
            }
            if p.other_paths > 0 {
                parts.push(format!("same blob at {} other paths", p.other_paths));
            }
            if p.unreachable {
                parts.push("UNREACHABLE: no ref reaches it (reflog or dangling object)".into());
            }
            writeln!(
                out,
                "    {d}{}{r}",
                parts.join("; "),
                d = paint(DIM),
                r = paint(RESET)
            )?;
        }
    }
    Ok(())
}

/// The secret as a report may show it: in full only when asked.
pub fn render_secret(f: &Finding, show_secrets: bool) -> String {
    if show_secrets {
        f.secret.expose().to_string()
    } else {
        f.secret.redacted()
    }
}
