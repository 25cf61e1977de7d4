//! Web links for history findings: where the repository's remote is on a known forge (GitHub,
//! GitHub Enterprise, GitLab, Bitbucket), the page of the commit that introduced a secret and of
//! the line that holds it, so a report reader is one click from the evidence.
//!
//! The remote URL comes from the scanned repository's own config, so it is hostile input: it
//! is parsed strictly (host and path segments from a small alphabet, userinfo dropped and never
//! shown), and anything else gives no links rather than a link that could carry markup, a
//! control character or a credential into a report.

use crate::finding::Links;

/// The forges patrol builds links for, by their URL layouts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    GitHub,
    GitLab,
    Bitbucket,
}

/// A repository's home on a forge: `https://host/owner/name`, validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Forge {
    kind: Kind,
    base: String,
}

impl Forge {
    /// The forge of the repository's remote: `origin`, else `upstream`, else the only remote.
    pub(crate) fn of(repo: &gix::Repository) -> Option<Forge> {
        let names: Vec<String> = repo.remote_names().iter().map(|n| n.to_string()).collect();
        let name = ["origin", "upstream"]
            .into_iter()
            .find(|n| names.iter().any(|m| m == n))
            .map(str::to_string)
            .or_else(|| (names.len() == 1).then(|| names[0].clone()))?;
        let key = format!("remote.{name}.url");
        let url = repo.config_snapshot().string(key.as_str())?;
        Forge::parse(&url.to_string())
    }

    /// Parses a remote URL: `https://[user@]host[:port]/path[.git]`, `ssh://[user@]host[:port]
    /// /path`, `git://host/path` or scp-like `[user@]host:path`.
    pub(crate) fn parse(url: &str) -> Option<Forge> {
        let (authority, path, keep_port) = if let Some((scheme, rest)) = url.split_once("://") {
            let (authority, path) = rest.split_once('/')?;
            let web = matches!(scheme, "https" | "http");
            if !web && !matches!(scheme, "ssh" | "git" | "git+ssh" | "ssh+git") {
                return None;
            }
            (authority, path, web)
        } else {
            // scp-like: no scheme, a colon before the first slash.
            let (authority, path) = url.split_once(':')?;
            if authority.contains('/') {
                return None;
            }
            (authority, path, false)
        };
        let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let (host, port) = match host_port.split_once(':') {
            Some((h, p)) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => (h, Some(p)),
            Some(_) => return None,
            None => (host_port, None),
        };
        let host = host.to_ascii_lowercase();
        let host_ok = !host.is_empty()
            && host.len() <= 253
            && host.contains('.')
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
        if !host_ok {
            return None;
        }
        let kind = if host == "github.com" || host.split('.').any(|l| l.starts_with("github")) {
            Kind::GitHub
        } else if host == "gitlab.com" || host.split('.').any(|l| l.starts_with("gitlab")) {
            Kind::GitLab
        } else if host == "bitbucket.org" {
            Kind::Bitbucket
        } else {
            return None;
        };
        let path = path.trim_start_matches('/').trim_end_matches('/');
        let path = path.strip_suffix(".git").unwrap_or(path);
        let segments: Vec<&str> = path.split('/').collect();
        let segment_ok = |s: &&str| {
            !s.is_empty()
                && *s != "."
                && *s != ".."
                && s.len() <= 100
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        };
        // owner/name; GitLab groups nest (group/subgroup/name).
        let depth_ok = match kind {
            Kind::GitLab => (2..=20).contains(&segments.len()),
            _ => segments.len() == 2,
        };
        if !depth_ok || !segments.iter().all(segment_ok) {
            return None;
        }
        let port = match (keep_port, port) {
            (true, Some(p)) => format!(":{p}"),
            _ => String::new(),
        };
        Some(Forge {
            kind,
            base: format!("https://{host}{port}/{}", segments.join("/")),
        })
    }

    /// `host/owner/name`: the repository's name in reports that hold several.
    pub(crate) fn name(&self) -> &str {
        self.base.strip_prefix("https://").unwrap_or(&self.base)
    }

    /// The pages of `commit`, and of `line` of `path` as that commit has it.
    pub(crate) fn links(&self, commit: &str, path: Option<&str>, line: u64) -> Links {
        let b = &self.base;
        let commit_url = match self.kind {
            Kind::GitHub => format!("{b}/commit/{commit}"),
            Kind::GitLab => format!("{b}/-/commit/{commit}"),
            Kind::Bitbucket => format!("{b}/commits/{commit}"),
        };
        let line_url = path.map(|p| {
            let p = encode_path(p);
            match self.kind {
                Kind::GitHub => format!("{b}/blob/{commit}/{p}#L{line}"),
                Kind::GitLab => format!("{b}/-/blob/{commit}/{p}#L{line}"),
                Kind::Bitbucket => format!("{b}/src/{commit}/{p}#lines-{line}"),
            }
        });
        Links {
            commit: commit_url,
            line: line_url,
        }
    }
}

/// A repository path as a URL path: every byte outside RFC 3986's unreserved set and `/`
/// percent-encoded, so no path can end the URL, start a query or carry markup or controls.
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for &b in path.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(url: &str) -> Option<String> {
        Forge::parse(url).map(|f| f.base)
    }

    #[test]
    fn remote_urls_of_every_shape() {
        for url in [
            "https://github.com/octo/repo.git",
            "https://github.com/octo/repo",
            "https://github.com/octo/repo/",
            "https://x-access-token:ghp_secret@github.com/octo/repo.git",
            "git@github.com:octo/repo.git",
            "ssh://git@github.com/octo/repo.git",
            "ssh://git@github.com:22/octo/repo",
            "git://github.com/octo/repo.git",
        ] {
            assert_eq!(
                base(url).as_deref(),
                Some("https://github.com/octo/repo"),
                "{url}"
            );
        }
        assert_eq!(
            base("https://github.example.com:8443/team/app.git").as_deref(),
            Some("https://github.example.com:8443/team/app")
        );
        assert_eq!(
            base("git@gitlab.com:group/sub/project.git").as_deref(),
            Some("https://gitlab.com/group/sub/project")
        );
        assert_eq!(
            base("https://bitbucket.org/team/repo.git").as_deref(),
            Some("https://bitbucket.org/team/repo")
        );
    }

    #[test]
    fn hostile_or_unknown_remotes_give_no_links() {
        for url in [
            "https://example.com/octo/repo.git",
            "/srv/git/repo.git",
            "file:///srv/git/repo.git",
            "https://github.com/octo/repo\"><script>alert(1)</script>",
            "https://github.com/octo/re po",
            "https://github.com/octo/../../evil",
            "https://github.com/octo/repo?x=1",
            "https://github.com/octo/repo#frag",
            "https://github.com/a/b/c",
            "https://github.com:/octo/repo",
            "https://git\u{1b}hub.com/octo/repo",
            "javascript:alert(1)",
            "https://github.com/octo/repo\u{202e}",
        ] {
            assert_eq!(base(url), None, "{url:?}");
        }
    }

    #[test]
    fn links_per_forge_with_encoded_paths() {
        let gh = Forge::parse("git@github.com:octo/repo.git").unwrap();
        let l = gh.links("abc123", Some("src/a b/#x?.env"), 12);
        assert_eq!(l.commit, "https://github.com/octo/repo/commit/abc123");
        assert_eq!(
            l.line.as_deref(),
            Some("https://github.com/octo/repo/blob/abc123/src/a%20b/%23x%3F.env#L12")
        );
        let gl = Forge::parse("https://gitlab.com/g/p.git").unwrap();
        assert_eq!(
            gl.links("c1", Some("x.txt"), 3).line.as_deref(),
            Some("https://gitlab.com/g/p/-/blob/c1/x.txt#L3")
        );
        let bb = Forge::parse("https://bitbucket.org/t/r").unwrap();
        let l = bb.links("c2", None, 1);
        assert_eq!(l.commit, "https://bitbucket.org/t/r/commits/c2");
        assert_eq!(l.line, None);
    }
}
