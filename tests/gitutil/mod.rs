//! Harness for the git-mode integration tests: real repositories built with the `git` CLI in
//! temporary directories, and the real `patrol` binary run on them.
//!
//! Every token is generated at run time (CRC-32 via `crc32fast`, our own base62 encoder); no
//! checksum-valid token is ever written into a source file. Git runs sandboxed: HOME points at
//! the temporary directory, the system config is off, and every GIT_* variable that could leak
//! in from the environment (a hook, a developer's shell) is removed.

#![allow(dead_code)]

use std::cell::Cell;
use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use tempfile::TempDir;

pub const PATROL: &str = env!("CARGO_BIN_EXE_patrol");

/// Author/committer of every commit unless a test says otherwise.
pub const USER_NAME: &str = "Pat Tester";
pub const USER_EMAIL: &str = "pat@example.com";

/// First commit time; each dated git command advances the clock by a minute.
const EPOCH: i64 = 1_700_000_000;

// ---------------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------------

#[path = "../common/tokens.rs"]
mod tokens;
pub use tokens::{fingerprint, token};

/// What reports show without --show-secrets: the prefix, four characters, an ellipsis.
pub fn redact(token: &str) -> String {
    let (prefix, rest) = token.split_once('_').unwrap();
    format!("{prefix}_{}…", &rest[..4])
}

// ---------------------------------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------------------------------

/// Environment variables that would make git or gix look somewhere else than we say.
const SCRUB: &[&str] = &[
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_CEILING_DIRECTORIES",
    "GIT_DISCOVERY_ACROSS_FILESYSTEM",
    "GIT_NAMESPACE",
    "GIT_PREFIX",
    "GIT_CONFIG",
    "GIT_CONFIG_GLOBAL",
    "GIT_CONFIG_SYSTEM",
    "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG_COUNT",
    "GIT_AUTHOR_NAME",
    "GIT_AUTHOR_EMAIL",
    "GIT_AUTHOR_DATE",
    "GIT_COMMITTER_NAME",
    "GIT_COMMITTER_EMAIL",
    "GIT_COMMITTER_DATE",
    "GIT_EDITOR",
    "GIT_SEQUENCE_EDITOR",
    "GIT_TRACE",
    "EMAIL",
    "XDG_CONFIG_HOME",
];

fn sandboxed(mut cmd: Command, home: &Path) -> Command {
    for v in SCRUB {
        cmd.env_remove(v);
    }
    cmd.env("HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("TZ", "UTC")
        .env("LC_ALL", "C")
        .env("NO_COLOR", "1");
    cmd
}

/// A finished process, its output decoded.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// stdout parsed as the JSON document of `--format json`.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{self}"))
    }

    pub fn findings(&self) -> Vec<Value> {
        self.json()["findings"]
            .as_array()
            .unwrap_or_else(|| panic!("no findings array:\n{self}"))
            .clone()
    }

    pub fn summary(&self) -> Value {
        self.json()["summary"].clone()
    }

    /// stdout and stderr together (what a user sees when git runs a hook).
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    /// Asserts the exit code, showing everything on failure.
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Run {
        assert_eq!(self.code, code, "unexpected exit code:\n{self}");
        self
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "--- exit {} ---\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Findings whose fingerprint is that of `token`.
pub fn with_token<'a>(findings: &'a [Value], token: &str) -> Vec<&'a Value> {
    let fp = fingerprint(token);
    findings.iter().filter(|f| f["fingerprint"] == fp).collect()
}

/// The set of fingerprints among `findings`.
pub fn fingerprints(findings: &[Value]) -> BTreeSet<String> {
    findings
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap().to_string())
        .collect()
}

/// The set of fingerprints of `tokens`.
pub fn fps(tokens: &[&str]) -> BTreeSet<String> {
    tokens.iter().map(|t| fingerprint(t)).collect()
}

/// A history finding reduced to the facts that must not depend on how objects are stored.
pub fn history_key(f: &Value) -> String {
    format!(
        "{} {} {} {} commits={} other={} unreachable={} line={} col={}",
        f["path"],
        f["fingerprint"],
        f["blob"],
        f["commit"]["id"],
        f["commits"],
        f["other_paths"],
        f["unreachable"],
        f["line"],
        f["column"]
    )
}

pub fn history_keys(findings: &[Value]) -> BTreeSet<String> {
    findings.iter().map(history_key).collect()
}

// ---------------------------------------------------------------------------------------------
// Repositories
// ---------------------------------------------------------------------------------------------

/// A temporary directory (which is also HOME) holding a work-tree repository at `repo/`, and
/// room for clones and plain directories beside it.
pub struct Repo {
    dir: TempDir,
    root: PathBuf,
    clock: Cell<i64>,
}

impl Repo {
    /// `git init` with a configured identity and no automatic gc.
    pub fn new() -> Repo {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().join("repo");
        std::fs::create_dir(&root).unwrap();
        let r = Repo {
            dir,
            root,
            clock: Cell::new(EPOCH),
        };
        r.git(&["init", "-q", "-b", "main"]);
        r.configure(&r.root.clone());
        r
    }

    /// Identity and safety settings for a repository (a clone gets them too).
    pub fn configure(&self, dir: &Path) {
        for (k, v) in [
            ("user.name", USER_NAME),
            ("user.email", USER_EMAIL),
            ("commit.gpgsign", "false"),
            ("tag.gpgsign", "false"),
            ("gc.auto", "0"),
            ("core.autocrlf", "false"),
            ("advice.detachedHead", "false"),
        ] {
            self.git_at(dir, &["config", k, v]);
        }
    }

    /// Sets the date of the next dated git command (Unix seconds); later ones follow it.
    pub fn set_clock(&self, unix: i64) {
        self.clock.set(unix);
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The temporary directory that holds the repository (and is HOME).
    pub fn home(&self) -> &Path {
        self.dir.path()
    }

    /// A path beside the repository, for clones and plain directories.
    pub fn sibling(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn command_at(&self, program: impl AsRef<OsStr>, cwd: &Path) -> Command {
        let mut cmd = sandboxed(Command::new(program), self.home());
        cmd.current_dir(cwd);
        cmd
    }

    /// Runs git in `cwd` with the next fixed date; returns the outcome, whatever it is.
    pub fn try_git_at(&self, cwd: &Path, args: &[&str]) -> Run {
        let t = self.clock.get();
        self.clock.set(t + 60);
        let date = format!("@{t} +0000");
        let out = self
            .command_at("git", cwd)
            .args(args)
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date)
            .output()
            .expect("git runs");
        Run::from(out)
    }

    /// Runs git in `cwd`; panics unless it succeeds; returns trimmed stdout.
    #[track_caller]
    pub fn git_at(&self, cwd: &Path, args: &[&str]) -> String {
        let run = self.try_git_at(cwd, args);
        assert_eq!(
            run.code,
            0,
            "git {args:?} failed in {}:\n{run}",
            cwd.display()
        );
        run.stdout.trim_end().to_string()
    }

    #[track_caller]
    pub fn git(&self, args: &[&str]) -> String {
        self.git_at(&self.root.clone(), args)
    }

    pub fn try_git(&self, args: &[&str]) -> Run {
        self.try_git_at(&self.root.clone(), args)
    }

    /// Writes a file in the work tree, creating its directories.
    pub fn write(&self, rel: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let p = self.root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, content).unwrap();
        p
    }

    /// `git add -A` then a commit with `message` (and any extra arguments); returns its id.
    #[track_caller]
    pub fn commit(&self, message: &str) -> String {
        self.commit_with(message, &[])
    }

    #[track_caller]
    pub fn commit_with(&self, message: &str, extra: &[&str]) -> String {
        self.git(&["add", "-A"]);
        let mut args = vec!["commit", "-q", "--allow-empty", "-m", message];
        args.extend_from_slice(extra);
        self.git(&args);
        self.rev("HEAD")
    }

    /// `git rev-parse --verify` of `rev`.
    #[track_caller]
    pub fn rev(&self, rev: &str) -> String {
        self.git(&["rev-parse", "--verify", "-q", rev])
    }

    /// The author date of `rev` as patrol prints it, computed by git (TZ=UTC).
    pub fn author_date(&self, rev: &str) -> String {
        self.git(&[
            "show",
            "-s",
            "--format=%ad",
            "--date=format-local:%Y-%m-%dT%H:%M:%SZ",
            rev,
        ])
    }

    /// Runs patrol in `cwd` with `args`.
    pub fn patrol_at(&self, cwd: &Path, args: &[&str]) -> Run {
        let out = self
            .command_at(PATROL, cwd)
            .args(args)
            .output()
            .expect("patrol runs");
        Run::from(out)
    }

    /// Runs patrol in the repository root.
    pub fn patrol(&self, args: &[&str]) -> Run {
        self.patrol_at(&self.root.clone(), args)
    }

    /// The number of commits reachable from HEAD.
    pub fn commit_count(&self) -> usize {
        self.git(&["rev-list", "--count", "HEAD"]).parse().unwrap()
    }
}

impl Default for Repo {
    fn default() -> Self {
        Repo::new()
    }
}

/// `path` as a &str (test paths are ASCII).
pub fn s(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}
