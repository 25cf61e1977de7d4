//! The one sandbox and the one way to run a process.
//!
//! A [`Sandbox`] is a temporary directory holding `work/` (where files are written and commands
//! run; a git repository when made with [`Sandbox::repo`]) and `home/` (HOME and the XDG
//! directories), with room beside them for clones and files outside the work area.
//!
//! Every process — patrol, git, a shell running a recipe — runs through [`run_command`]: with
//! one environment scrub (every `GIT_*` variable, proxies, tokens, HOME, XDG, colour), stdin
//! closed unless given, both pipes drained by threads, and a timeout after which it is killed
//! and the test fails.

use std::cell::Cell;
use std::ffi::OsStr;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub const PATROL: &str = env!("CARGO_BIN_EXE_patrol");

/// Longest any process may run before the test kills it and fails.
pub const RUN_LIMIT: Duration = Duration::from_secs(120);

/// Author and committer of every commit.
pub const USER_NAME: &str = "Pat Tester";
pub const USER_EMAIL: &str = "pat@example.com";

/// The date of the first dated git command; each one advances the clock by a minute.
const EPOCH: i64 = 1_700_000_000;

/// Variables removed from every process besides all `GIT_*` ones: they would send requests
/// through a proxy, hand a real token to a test, or change git's identity or patrol's colours.
const SCRUB: &[&str] = &[
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "EMAIL",
    "XDG_CONFIG_HOME",
    "XDG_CACHE_HOME",
    "XDG_DATA_HOME",
    "XDG_STATE_HOME",
    "CLICOLOR_FORCE",
    "TERM",
    "PRE_COMMIT_FROM_REF",
    "PRE_COMMIT_TO_REF",
];

/// `program` with the environment scrubbed and HOME at `home`.
pub fn scrubbed(program: impl AsRef<OsStr>, cwd: &Path, home: &Path) -> Command {
    let mut cmd = Command::new(program);
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("GIT_") {
            cmd.env_remove(&k);
        }
    }
    for v in SCRUB {
        cmd.env_remove(v);
    }
    cmd.current_dir(cwd)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("TZ", "UTC")
        .env("LC_ALL", "C")
        .env("NO_COLOR", "1");
    cmd
}

/// Runs `cmd` with `stdin` (closed when `None`), killing it and failing the test after
/// `limit`. Output pipes are drained by threads so that a large report cannot block it.
pub fn run_command(mut cmd: Command, stdin: Option<&[u8]>, limit: Duration) -> Run {
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    let writer = match (stdin, child.stdin.take()) {
        (Some(input), Some(mut pipe)) => {
            let input = input.to_vec();
            Some(std::thread::spawn(move || {
                let _ = pipe.write_all(&input);
            }))
        }
        _ => None,
    };
    let mut out_pipe = child.stdout.take().unwrap();
    let mut err_pipe = child.stderr.take().unwrap();
    let out_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out_pipe.read_to_end(&mut v);
        v
    });
    let err_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err_pipe.read_to_end(&mut v);
        v
    });
    let status = loop {
        match child.try_wait().expect("try_wait") {
            Some(s) => break s,
            None if started.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{cmd:?} did not finish within {limit:?}; killed");
            }
            None => std::thread::sleep(Duration::from_millis(5)),
        }
    };
    let elapsed = started.elapsed();
    if let Some(w) = writer {
        let _ = w.join();
    }
    use std::os::unix::process::ExitStatusExt;
    Run {
        code: status.code().unwrap_or(-1),
        signal: status.signal(),
        stdout: String::from_utf8_lossy(&out_t.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&err_t.join().unwrap()).into_owned(),
        elapsed,
    }
}

/// What one process produced.
#[derive(Debug)]
pub struct Run {
    /// The exit code; -1 when killed by a signal.
    pub code: i32,
    pub signal: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Run {
    /// Asserts the exit code, showing everything when it is wrong.
    #[track_caller]
    pub fn expect_code(&self, want: i32) -> &Run {
        assert_eq!(self.code, want, "unexpected exit code\n{self}");
        self
    }

    /// stdout parsed as one JSON document.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e})\n{self}"))
    }

    /// The `findings` array of a `--format json` document.
    #[track_caller]
    pub fn findings(&self) -> Vec<Value> {
        self.json()["findings"]
            .as_array()
            .unwrap_or_else(|| panic!("no findings array\n{self}"))
            .clone()
    }

    /// The `summary` of a `--format json` document.
    #[track_caller]
    pub fn summary(&self) -> Value {
        self.json()["summary"].clone()
    }

    /// `results` of `patrol verify --format json`.
    #[track_caller]
    pub fn results(&self) -> Vec<Value> {
        self.json()["results"]
            .as_array()
            .unwrap_or_else(|| panic!("no results array\n{self}"))
            .clone()
    }

    /// stdout as a SARIF log, after checking it against the official schema.
    #[track_caller]
    pub fn sarif(&self) -> Value {
        let v = self.json();
        crate::util::assert_schema_valid(&v);
        v
    }

    /// The JSON summary's skipped paths, each as `path reason`.
    #[track_caller]
    pub fn skipped(&self) -> Vec<String> {
        self.summary()["skipped_paths"]
            .as_array()
            .unwrap_or_else(|| panic!("no skipped_paths\n{self}"))
            .iter()
            .map(|s| {
                format!(
                    "{} {}",
                    s["path"].as_str().unwrap(),
                    s["reason"].as_str().unwrap()
                )
            })
            .collect()
    }

    /// Whether a skipped path starting with `path` has a reason containing `why`.
    pub fn has_skip(&self, path: &str, why: &str) -> bool {
        self.skipped()
            .iter()
            .any(|s| s.starts_with(path) && s.contains(why))
    }

    /// Everything the process printed, both streams (what a user sees).
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit: {} (signal {:?}) after {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code, self.signal, self.elapsed, self.stdout, self.stderr
        )
    }
}

/// A temporary directory with a work area, a HOME, and room for more; see the module docs.
pub struct Sandbox {
    dir: tempfile::TempDir,
    root: PathBuf,
    home: PathBuf,
    clock: Cell<i64>,
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new()
    }
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().join("work");
        let home = dir.path().join("home");
        std::fs::create_dir(&root).unwrap();
        std::fs::create_dir(&home).unwrap();
        Sandbox {
            dir,
            root,
            home,
            clock: Cell::new(EPOCH),
        }
    }

    /// A sandbox whose work area is a git repository (branch `main`, a fixed identity, no
    /// automatic gc, no signing).
    pub fn repo() -> Sandbox {
        let sb = Sandbox::new();
        sb.init_repo();
        sb
    }

    /// Makes the work area a git repository (see [`Sandbox::repo`]).
    pub fn init_repo(&self) {
        self.init_repo_at(&self.root.clone());
    }

    /// Makes `dir` (created if missing) a git repository set up as [`Sandbox::repo`]'s is.
    pub fn init_repo_at(&self, dir: &Path) {
        std::fs::create_dir_all(dir).unwrap();
        self.git_at(dir, &["init", "-q", "-b", "main"]);
        self.configure(dir);
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

    /// The work area: files are written, and commands run, here.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// HOME (and the XDG directories) of every process.
    pub fn home(&self) -> &Path {
        &self.home
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// A path beside the work area (outside it): for clones and files that must not be in it.
    pub fn outside(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Writes `contents` at `rel` under the work area, creating directories; returns the path.
    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&p, contents).unwrap();
        p
    }

    pub fn mkdir(&self, rel: &str) -> PathBuf {
        let p = self.path(rel);
        std::fs::create_dir_all(&p).unwrap();
        p
    }

    /// `program`, scrubbed, in `cwd`, with this sandbox's HOME.
    pub fn command_at(&self, program: impl AsRef<OsStr>, cwd: &Path) -> Command {
        scrubbed(program, cwd, &self.home)
    }

    /// A `patrol ARGS` command in the work area, for tests that add to its environment.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = self.command_at(PATROL, &self.root);
        c.args(args);
        c
    }

    /// Runs `patrol ARGS` in the work area.
    pub fn run(&self, args: &[&str]) -> Run {
        run_command(self.command(args), None, RUN_LIMIT)
    }

    /// Runs `patrol ARGS` in `cwd`.
    pub fn run_at(&self, cwd: &Path, args: &[&str]) -> Run {
        let mut c = self.command_at(PATROL, cwd);
        c.args(args);
        run_command(c, None, RUN_LIMIT)
    }

    /// Runs `patrol ARGS` with `input` on its standard input.
    pub fn run_stdin(&self, args: &[&str], input: &[u8]) -> Run {
        run_command(self.command(args), Some(input), RUN_LIMIT)
    }

    /// Runs `patrol ARGS`, failing the test if it does not finish within `limit`.
    pub fn run_within(&self, args: &[&str], limit: Duration) -> Run {
        run_command(self.command(args), None, limit)
    }

    /// Sets the date of the next dated git command (Unix seconds); later ones follow it.
    pub fn set_clock(&self, unix: i64) {
        self.clock.set(unix);
    }

    /// Runs git in `cwd` with the next date of the clock; returns the outcome, whatever it is.
    pub fn try_git_at(&self, cwd: &Path, args: &[&str]) -> Run {
        let t = self.clock.get();
        self.clock.set(t + 60);
        let date = format!("@{t} +0000");
        let mut c = self.command_at("git", cwd);
        c.args(args)
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date);
        run_command(c, None, RUN_LIMIT)
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

    /// Runs git in the work area; panics unless it succeeds; returns trimmed stdout.
    #[track_caller]
    pub fn git(&self, args: &[&str]) -> String {
        self.git_at(&self.root.clone(), args)
    }

    pub fn try_git(&self, args: &[&str]) -> Run {
        self.try_git_at(&self.root.clone(), args)
    }

    /// `git add -A` then a commit with `message`; returns its id.
    #[track_caller]
    pub fn commit(&self, message: &str) -> String {
        self.commit_with(message, &[])
    }

    /// `git add -A` then a commit with `message` and extra arguments; returns its id.
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

    /// The number of commits reachable from HEAD.
    pub fn commit_count(&self) -> usize {
        self.git(&["rev-list", "--count", "HEAD"]).parse().unwrap()
    }
}

/// `path` as a &str (test paths are ASCII).
pub fn s(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

/// Whether a process running as this user can read a file the mode bits forbid (root can).
pub fn mode_bits_are_bypassed(path: &Path) -> bool {
    std::fs::File::open(path).is_ok()
}

/// A JSON file a command wrote (a report, SARIF), parsed; panics naming the file if it is
/// missing or not JSON.
#[track_caller]
pub fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{} not written: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
