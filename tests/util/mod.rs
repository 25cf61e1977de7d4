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

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::Value;
use sha2::{Digest, Sha256};

// ---------------------------------------------------------------------------------------------
// Deterministic randomness
// ---------------------------------------------------------------------------------------------

/// xorshift64* — deterministic per seed, good enough for token bodies.
pub struct Rng(u64);

const ALNUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const HEX: &[u8] = b"0123456789abcdef";

impl Rng {
    pub fn new(seed: u64) -> Rng {
        // Never zero; mix the seed a little so that small seeds differ a lot.
        Rng((seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    pub fn pick(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n)
            .map(|_| alphabet[self.below(alphabet.len() as u64) as usize] as char)
            .collect()
    }

    pub fn alnum(&mut self, n: usize) -> String {
        self.pick(ALNUM, n)
    }

    pub fn hex(&mut self, n: usize) -> String {
        self.pick(HEX, n)
    }

    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next_u64() as u8).collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Encoders (our own, not patrol's)
// ---------------------------------------------------------------------------------------------

/// Base62 over `0-9A-Za-z`, most significant digit first, zero-padded to 6 characters.
pub fn base62_6(mut n: u32) -> String {
    let mut digits = Vec::new();
    while n > 0 {
        digits.push(ALNUM[(n % 62) as usize]);
        n /= 62;
    }
    while digits.len() < 6 {
        digits.push(b'0');
    }
    digits.reverse();
    String::from_utf8(digits).unwrap()
}

/// RFC 4648 base32, upper case, with padding.
pub fn base32(data: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    for chunk in data.chunks(5) {
        let mut buf = [0u8; 5];
        buf[..chunk.len()].copy_from_slice(chunk);
        let v = buf.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        let chars = match chunk.len() {
            1 => 2,
            2 => 4,
            3 => 5,
            4 => 7,
            _ => 8,
        };
        for i in 0..8 {
            if i < chars {
                out.push(A[((v >> (35 - 5 * i)) & 31) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What patrol must print as a secret's fingerprint.
pub fn fingerprint(secret: &str) -> String {
    format!("sha256:{}", sha256_hex(secret.as_bytes()))
}

// ---------------------------------------------------------------------------------------------
// Token generators
// ---------------------------------------------------------------------------------------------

/// A checksum-valid classic token: `prefix_` + body + base62(CRC32(body)).
pub fn classic_with_body(prefix: &str, body: &str) -> String {
    format!(
        "{prefix}_{body}{}",
        base62_6(crc32fast::hash(body.as_bytes()))
    )
}

/// `ghp`, `gho`, `ghu`, `ghs`: 30 random + 6 check (40 characters).
pub fn classic(prefix: &str, rng: &mut Rng) -> String {
    let body = rng.alnum(30);
    let t = classic_with_body(prefix, &body);
    assert_eq!(t.len(), 40);
    t
}

/// `ghr_` + 70 random + 6 check (80 characters).
pub fn refresh(rng: &mut Rng) -> String {
    let body = rng.alnum(70);
    let t = classic_with_body("ghr", &body);
    assert_eq!(t.len(), 80);
    t
}

/// A checksum-valid fine-grained PAT (93 characters).
pub fn fine_grained(rng: &mut Rng) -> String {
    let b32 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let first77 = format!(
        "github_pat_11{}0{}_{}",
        rng.pick(b32, 7),
        rng.alnum(12),
        rng.alnum(43)
    );
    assert_eq!(first77.len(), 77);
    let check = &base32(&Sha256::digest(first77.as_bytes()))[..8];
    let t = format!("{first77}{check}{}", rng.alnum(8));
    assert_eq!(t.len(), 93);
    t
}

pub fn b64url(data: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(data)
}

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

/// 40 random lowercase hex digits that look random (many distinct digits, letters and digits).
pub fn legacy_hex(rng: &mut Rng) -> String {
    loop {
        let h = rng.hex(40);
        let mut distinct: Vec<char> = h.chars().collect();
        distinct.sort();
        distinct.dedup();
        let has_digit = h.chars().any(|c| c.is_ascii_digit());
        let has_letter = h.chars().any(|c| c.is_ascii_alphabetic());
        if distinct.len() >= 12 && has_digit && has_letter {
            return h;
        }
    }
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
// Locating (independent of patrol's locator)
// ---------------------------------------------------------------------------------------------

/// 1-based (line, column in characters) and byte offset of the first occurrence of `needle`
/// in UTF-8 `text`.
pub fn locate(text: &str, needle: &str) -> (u64, u64, u64) {
    let offset = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not in text"));
    let before = &text[..offset];
    let line = before.matches('\n').count() as u64 + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..offset].chars().count() as u64 + 1;
    (line, column, offset as u64)
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
