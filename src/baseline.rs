//! Baselines: today's findings recorded so that CI fails only on new ones.
//!
//! The file holds no secret: one line per entry, `FINGERPRINT RULE PATH`, sorted and unique,
//! after a fixed header; no timestamps, no line numbers. Two branches that each add entries
//! therefore merge without conflict unless they add the very same line, and a secret that moves
//! (another line, another file) stays baselined: a finding matches an entry when its
//! fingerprint and rule match. The path is kept for people reading the file and for listing
//! entries that no longer match anything. A different secret on a baselined line has another
//! fingerprint and is reported.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};

use crate::finding::Finding;

/// The first line of every baseline file.
pub(crate) const HEADER: &str = "# patrol baseline: FINGERPRINT RULE PATH, one per line, sorted; no secrets. Regenerate with `patrol baseline`.";

/// One accepted secret.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Entry {
    pub fingerprint: String,
    pub rule: String,
    pub path: String,
}

impl Entry {
    pub(crate) fn of(f: &Finding) -> Entry {
        Entry {
            fingerprint: f.fingerprint.as_str().to_string(),
            rule: f.rule.clone(),
            // Newlines in a path would break the one-entry-per-line format.
            path: f.origin.display_path().replace(['\n', '\r'], " "),
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct Baseline {
    pub entries: BTreeSet<Entry>,
}

impl Baseline {
    pub(crate) fn read(path: &Path) -> Result<Baseline> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read baseline {}", path.display()))?;
        Baseline::parse(&text, &path.display().to_string())
    }

    /// Parses a baseline file called `name`. Lines may come in any order and repeat (a union
    /// merge of two branches appends both sides' new lines). Errors name the file and line and
    /// what was expected, never the line itself.
    pub(crate) fn parse(text: &str, name: &str) -> Result<Baseline> {
        let mut entries = BTreeSet::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim_end();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut parts = line.splitn(3, ' ');
            let (fp, rule, p) = (parts.next(), parts.next(), parts.next());
            let (Some(fp), Some(rule), Some(p)) = (fp, rule, p) else {
                bail!(
                    "{name}:{}: expected `FINGERPRINT RULE PATH` (three fields separated by \
                     spaces)",
                    i + 1
                );
            };
            let ok = fp
                .strip_prefix("sha256:")
                .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()));
            if !ok {
                return Err(anyhow!(
                    "{name}:{}: the first field is not a fingerprint (expected sha256:<64 hex>)",
                    i + 1
                ));
            }
            entries.insert(Entry {
                fingerprint: fp.to_string(),
                rule: rule.to_string(),
                path: p.to_string(),
            });
        }
        Ok(Baseline { entries })
    }

    pub(crate) fn from_findings(findings: &[Finding]) -> Baseline {
        Baseline {
            entries: findings.iter().map(Entry::of).collect(),
        }
    }

    /// The file's text: header, then the sorted entries.
    pub(crate) fn render(&self) -> String {
        let mut s = String::from(HEADER);
        s.push('\n');
        for e in &self.entries {
            s.push_str(&format!("{} {} {}\n", e.fingerprint, e.rule, e.path));
        }
        s
    }

    /// Removes baselined findings from `findings` and returns them, with the entries that
    /// matched none. Linear in findings plus entries.
    pub(crate) fn filter(&self, findings: &mut Vec<Finding>) -> (Vec<Finding>, Vec<Entry>) {
        let mut index: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
        let entries: Vec<&Entry> = self.entries.iter().collect();
        for (i, e) in entries.iter().enumerate() {
            index
                .entry((e.fingerprint.as_str(), e.rule.as_str()))
                .or_default()
                .push(i);
        }
        let mut used = vec![false; entries.len()];
        let mut removed = Vec::new();
        let all = std::mem::take(findings);
        for f in all {
            match index.get(&(f.fingerprint.as_str(), f.rule.as_str())) {
                Some(hits) => {
                    for &i in hits {
                        used[i] = true;
                    }
                    removed.push(f);
                }
                None => findings.push(f),
            }
        }
        let unused = entries
            .iter()
            .zip(used)
            .filter(|(_, u)| !u)
            .map(|(e, _)| (*e).clone())
            .collect();
        (removed, unused)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_then_read_round_trips_sorted() {
        let fp = |c: char| format!("sha256:{}", c.to_string().repeat(64));
        let mut b = Baseline::default();
        for (f, r, p) in [('b', "x.y", "z path.txt"), ('a', "x.y", "a.txt")] {
            b.entries.insert(Entry {
                fingerprint: fp(f),
                rule: r.into(),
                path: p.into(),
            });
        }
        let text = b.render();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], HEADER);
        assert!(lines[1].starts_with("sha256:aaaa") && lines[2].ends_with("z path.txt"));
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("b");
        std::fs::write(&p, &text).unwrap();
        assert_eq!(Baseline::read(&p).unwrap().entries, b.entries);
        std::fs::write(&p, "sha256:abc rule path\n").unwrap();
        assert!(Baseline::read(&p).unwrap_err().to_string().contains(":1:"));
    }
}
