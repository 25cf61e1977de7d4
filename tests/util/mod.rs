//! Test harness for driving the real `patrol` binary on real files.
//!
//! Every token used by the tests is generated here at run time by an implementation that is
//! independent of patrol's own (CRC-32 via `crc32fast`, SHA-256 via `sha2`, our own base62 and
//! base32 encoders). No checksum-valid token is ever written into a source file.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

#[path = "../common/tokens.rs"]
mod tokens;
pub use tokens::*;

/// A stateless installation token: `ghs_<app>_<header>.<claims>.<signature>`.
pub fn stateless(app_id: u64, iat: i64, exp: i64, rng: &mut Rng) -> String {
    let header = br#"{"alg":"RS256","typ":"JWT"}"#;
    let claims = format!(
        r#"{{"iss":"https://github.com","sub":"installation:{}","app_id":{app_id},"iat":{iat},"exp":{exp}}}"#,
        rng.below(1_000_000_000)
    );
    format!(
        "ghs_{app_id}_{}.{}.{}",
        b64url(header),
        b64url(claims.as_bytes()),
        b64url(&rng.bytes(96))
    )
}

/// The same token with one body character changed, so its checksum no longer matches.
pub fn corrupt(token: &str, at: usize) -> String {
    let mut b = token.as_bytes().to_vec();
    b[at] = if b[at] == b'A' { b'B' } else { b'A' };
    String::from_utf8(b).unwrap()
}

/// The redaction patrol prints: public prefix + 4 characters + `…`.
pub fn redacted(secret: &str, prefix_len: usize) -> String {
    format!(
        "{}{}…",
        &secret[..prefix_len],
        &secret[prefix_len..prefix_len + 4]
    )
}

// ---------------------------------------------------------------------------------------------
// Sandbox and process running
// ---------------------------------------------------------------------------------------------

/// A temporary directory tree to scan, plus a separate empty HOME so that the user's global
/// git configuration (global excludes file) cannot change what is scanned.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
    home: tempfile::TempDir,
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new()
    }
}

impl Sandbox {
    pub fn new() -> Sandbox {
        Sandbox {
            dir: tempfile::tempdir().expect("tempdir"),
            home: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Writes `contents` at `rel`, creating parent directories. Returns the full path.
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

    /// A `patrol` command running in the sandbox root, isolated from the user's environment.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_patrol"));
        c.args(args)
            .current_dir(self.root())
            .env("HOME", self.home.path())
            .env("XDG_CONFIG_HOME", self.home.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    }

    /// Runs `patrol ARGS` in the sandbox root (with a timeout) and returns what it printed.
    pub fn run(&self, args: &[&str]) -> Output {
        let child = self.command(args).spawn().expect("spawn patrol");
        wait_with_timeout(child, Duration::from_secs(120), args)
    }

    /// Runs `patrol ARGS` with `input` on its standard input.
    pub fn run_stdin(&self, args: &[&str], input: &[u8]) -> Output {
        let mut cmd = self.command(args);
        cmd.stdin(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn patrol");
        let mut stdin = child.stdin.take().unwrap();
        let input = input.to_vec();
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
        let out = wait_with_timeout(child, Duration::from_secs(120), args);
        writer.join().unwrap();
        out
    }

    /// Runs `patrol ARGS`, failing the test if it does not finish within `limit`.
    pub fn run_within(&self, args: &[&str], limit: Duration) -> Output {
        let child = self.command(args).spawn().expect("spawn patrol");
        wait_with_timeout(child, limit, args)
    }
}

/// Polls `try_wait` until the child exits; kills it and panics after `limit`. Output pipes are
/// drained by threads so that a large report cannot block the child.
pub fn wait_with_timeout(mut child: Child, limit: Duration, args: &[&str]) -> Output {
    let mut out_pipe = child.stdout.take().unwrap();
    let mut err_pipe = child.stderr.take().unwrap();
    let out_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = std::io::Read::read_to_end(&mut out_pipe, &mut v);
        v
    });
    let err_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = std::io::Read::read_to_end(&mut err_pipe, &mut v);
        v
    });
    let started = Instant::now();
    let status: ExitStatus = loop {
        match child.try_wait().expect("try_wait") {
            Some(s) => break s,
            None if started.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("patrol {args:?} did not finish within {limit:?}; killed");
            }
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    };
    let stdout = out_t.join().unwrap();
    let stderr = err_t.join().unwrap();
    Output {
        code: status.code(),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// What one run of patrol produced.
#[derive(Debug)]
pub struct Output {
    /// `None` if killed by a signal.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    pub fn code(&self) -> i32 {
        self.code
            .unwrap_or_else(|| panic!("patrol was killed by a signal\n{self}"))
    }

    /// Asserts the exit code, showing the whole output when it is wrong.
    pub fn expect_code(&self, want: i32) -> &Self {
        assert_eq!(self.code, Some(want), "unexpected exit code\n{self}");
        self
    }

    /// The stdout parsed as one JSON document.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e})\n{self}"))
    }

    /// The `findings` array of a `--format json` document.
    pub fn findings(&self) -> Vec<Value> {
        self.json()["findings"]
            .as_array()
            .unwrap_or_else(|| panic!("no findings array\n{self}"))
            .clone()
    }

    /// Everything patrol printed, both streams.
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

impl std::fmt::Display for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Assertions on findings
// ---------------------------------------------------------------------------------------------

/// The finding of `rule` whose fingerprint is that of `secret`; panics unless exactly one.
pub fn finding_for<'a>(findings: &'a [Value], rule: &str, secret: &str) -> &'a Value {
    let fp = fingerprint(secret);
    let hits: Vec<&Value> = findings
        .iter()
        .filter(|f| f["rule"] == rule && f["fingerprint"] == fp.as_str())
        .collect();
    assert_eq!(
        hits.len(),
        1,
        "want exactly one {rule} finding for {}; findings: {}",
        redacted(secret, 4),
        serde_json::to_string_pretty(findings).unwrap()
    );
    hits[0]
}

/// Asserts that `secret` was found by `rule` in `path` at (line, column, offset), exactly once.
pub fn assert_found(
    findings: &[Value],
    rule: &str,
    secret: &str,
    path: &str,
    (line, column, offset): (u64, u64, u64),
) {
    let fp = fingerprint(secret);
    let hits: Vec<&Value> = findings
        .iter()
        .filter(|f| f["rule"] == rule && f["fingerprint"] == fp.as_str() && f["path"] == path)
        .collect();
    assert_eq!(
        hits.len(),
        1,
        "want exactly one {rule} finding in {path} for {}; findings: {}",
        redacted(secret, 4),
        serde_json::to_string_pretty(findings).unwrap()
    );
    let f = hits[0];
    assert_eq!(f["line"], line, "line of {rule} finding: {f}");
    assert_eq!(f["column"], column, "column of {rule} finding: {f}");
    assert_eq!(f["offset"], offset, "offset of {rule} finding: {f}");
}

/// Whether a process running as this user can read a file the mode bits forbid (root can).
pub fn mode_bits_are_bypassed(path: &Path) -> bool {
    std::fs::File::open(path).is_ok()
}
