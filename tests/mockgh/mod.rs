//! A fake GitHub API for the verification tests: a real HTTP/1.1 server on 127.0.0.1 (port 0)
//! built on `std::net::TcpListener`, plus token generators and a runner for the real binary.
//!
//! The server records every request it receives (method, target, headers, body, raw bytes and
//! arrival time) and answers through a per-test closure. It is bounded in every direction: one
//! request per connection (answers carry `Connection: close`), read timeouts, a cap on
//! connections and on its own lifetime, and it stops (joining all its threads) when dropped.
//!
//! Every token is generated at run time with our own encoders (CRC-32 via `crc32fast`, SHA-256
//! via `sha2`, our own base62 and base32); no checksum-valid token is written in a source file.

#![allow(dead_code)]

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

// =============================================================================================
// The server
// =============================================================================================

/// Longest a server lives, whatever the test does.
const SERVER_LIFETIME: Duration = Duration::from_secs(180);
/// Most connections one server accepts.
const MAX_CONNECTIONS: usize = 10_000;
/// Largest request head and body the server reads.
const MAX_HEAD: usize = 64 * 1024;
const MAX_BODY: usize = 16 * 1024 * 1024;
/// How long a connection may sit idle while the server reads a request.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// One request as the server received it.
#[derive(Clone, Debug)]
pub struct Request {
    /// 0-based arrival order on this server.
    pub seq: usize,
    pub method: String,
    /// The request target as sent (`/user`, `/installation/repositories?per_page=1`).
    pub target: String,
    pub version: String,
    /// Header names as sent (case preserved), values trimmed.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The request exactly as received: request line, headers and body.
    pub raw: Vec<u8>,
    /// When its head was complete.
    pub at: Instant,
}

impl Request {
    /// The first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// How many headers of that name (case-insensitive) the request carries.
    pub fn header_count(&self, name: &str) -> usize {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .count()
    }

    /// The token of `Authorization: Bearer TOKEN`, if that is what the request carries.
    pub fn bearer(&self) -> Option<&str> {
        let v = self.header("authorization")?;
        let (scheme, token) = v.split_once(' ')?;
        scheme
            .eq_ignore_ascii_case("bearer")
            .then_some(token.trim())
    }

    pub fn raw_text(&self) -> String {
        String::from_utf8_lossy(&self.raw).into_owned()
    }

    pub fn body_json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "request body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

/// An HTTP response to send.
#[derive(Clone, Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: u16) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// A response with a JSON body (and its content type).
    pub fn json(status: u16, body: &Value) -> Response {
        Response::new(status)
            .header("Content-Type", "application/json; charset=utf-8")
            .body(serde_json::to_vec(body).unwrap())
    }

    pub fn header(mut self, name: &str, value: &str) -> Response {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Response {
        self.body = body.into();
        self
    }

    fn bytes(&self) -> Vec<u8> {
        let mut out = format!(
            "HTTP/1.1 {} {}\r\n",
            self.status,
            reason_phrase(self.status)
        );
        for (n, v) in &self.headers {
            out.push_str(&format!("{n}: {v}\r\n"));
        }
        out.push_str(&format!("Content-Length: {}\r\n", self.body.len()));
        out.push_str("Connection: close\r\n\r\n");
        let mut bytes = out.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        307 => "Temporary Redirect",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// What the server does with one request.
#[derive(Clone, Debug)]
pub enum Reply {
    Respond(Response),
    /// Waits (stopping early if the server stops), then responds.
    SleepThen(Duration, Response),
    /// Closes the connection without a response.
    Close,
}

impl Reply {
    pub fn respond(r: Response) -> Reply {
        Reply::Respond(r)
    }

    /// `302 Found` to `location`.
    pub fn redirect(location: &str) -> Reply {
        Reply::Respond(Response::new(302).header("Location", location))
    }
}

impl From<Response> for Reply {
    fn from(r: Response) -> Reply {
        Reply::Respond(r)
    }
}

type Handler = dyn Fn(&Request) -> Reply + Send + Sync + 'static;

struct Shared {
    requests: Mutex<Vec<Request>>,
    connections: AtomicUsize,
    /// Next request's `seq`.
    seq: AtomicUsize,
    stop: AtomicBool,
    /// Drop each connection as soon as it is accepted, before reading anything.
    drop_on_accept: bool,
    handler: Box<Handler>,
}

/// A running fake API; stops when dropped.
pub struct Server {
    port: u16,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

impl Server {
    /// Starts a server answering each request with `handler`.
    pub fn start(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Server {
        Server::spawn(false, Box::new(handler))
    }

    /// A server that accepts each connection and drops it at once, reading nothing (the
    /// client sees its connection closed or reset).
    pub fn drop_on_accept() -> Server {
        Server::spawn(true, Box::new(|_| Reply::Close))
    }

    fn spawn(drop_on_accept: bool, handler: Box<Handler>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener
            .set_nonblocking(true)
            .expect("nonblocking listener");
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared {
            requests: Mutex::new(Vec::new()),
            connections: AtomicUsize::new(0),
            seq: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
            drop_on_accept,
            handler,
        });
        let s = Arc::clone(&shared);
        let accept = std::thread::spawn(move || accept_loop(&listener, &s));
        Server {
            port,
            shared,
            accept: Some(accept),
        }
    }

    /// Answers every request with the same response.
    pub fn always(response: Response) -> Server {
        Server::start(move |_| Reply::Respond(response.clone()))
    }

    /// `http://127.0.0.1:PORT`, the value for `--github-api`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<Request> {
        let mut v = self.shared.requests.lock().unwrap().clone();
        v.sort_by_key(|r| r.seq);
        v
    }

    /// How many connections were accepted so far (with or without a request on them).
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// The requests whose bearer token is `token`.
    pub fn requests_with(&self, token: &str) -> Vec<Request> {
        self.requests()
            .into_iter()
            .filter(|r| r.bearer() == Some(token))
            .collect()
    }

    /// Lets connections that the kernel already completed reach the accept loop (used before
    /// asserting that nothing connected).
    pub fn settle(&self) {
        std::thread::sleep(Duration::from_millis(150));
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
    }
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    let started = Instant::now();
    let mut workers: Vec<JoinHandle<()>> = Vec::new();
    while !shared.stop.load(Ordering::SeqCst)
        && started.elapsed() < SERVER_LIFETIME
        && shared.connections.load(Ordering::SeqCst) < MAX_CONNECTIONS
    {
        match listener.accept() {
            Ok((stream, _)) => {
                shared.connections.fetch_add(1, Ordering::SeqCst);
                if shared.drop_on_accept {
                    drop(stream);
                    continue;
                }
                let s = Arc::clone(shared);
                workers.push(std::thread::spawn(move || serve(stream, &s)));
                workers.retain(|w| !w.is_finished());
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(5)),
        }
    }
    // Every worker is bounded (read timeouts, interruptible sleeps), so joining ends.
    for w in workers {
        let _ = w.join();
    }
}

/// Reads one request from `stream`, records it, and answers as the handler says.
fn serve(mut stream: TcpStream, shared: &Shared) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(READ_TIMEOUT));
    let _ = stream.set_write_timeout(Some(READ_TIMEOUT));
    let Some(req) = read_request(&mut stream, shared) else {
        return;
    };
    let reply = (shared.handler)(&req);
    shared.requests.lock().unwrap().push(req);
    match reply {
        Reply::Respond(r) => {
            let _ = stream.write_all(&r.bytes());
            let _ = stream.flush();
            let _ = stream.shutdown(Shutdown::Write);
            drain_briefly(&mut stream);
        }
        Reply::SleepThen(d, r) => {
            let until = Instant::now() + d;
            while Instant::now() < until && !shared.stop.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(10));
            }
            let _ = stream.write_all(&r.bytes());
            let _ = stream.flush();
            let _ = stream.shutdown(Shutdown::Write);
            drain_briefly(&mut stream);
        }
        Reply::Close => {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

/// After answering: reads whatever the client still sends for a moment, so that closing does
/// not turn into a reset that could destroy the response before the client reads it.
fn drain_briefly(stream: &mut TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
    let mut buf = [0u8; 4096];
    for _ in 0..64 {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

fn read_request(stream: &mut TcpStream, shared: &Shared) -> Option<Request> {
    let mut raw = Vec::new();
    let mut buf = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = find(&raw, b"\r\n\r\n") {
            break i + 4;
        }
        if raw.len() > MAX_HEAD {
            return None;
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return None,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
        }
    };
    let at = Instant::now();
    let head = String::from_utf8_lossy(&raw[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.splitn(3, ' ');
    let method = first.next()?.to_string();
    let target = first.next()?.to_string();
    let version = first.next().unwrap_or("").to_string();
    let headers: Vec<(String, String)> = lines
        .filter(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.to_string(), v.trim().to_string()))
        .collect();
    let length = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0)
        .min(MAX_BODY);
    while raw.len() < head_end + length {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
        }
    }
    let body = raw[head_end..raw.len().min(head_end + length)].to_vec();
    let seq = shared.seq.fetch_add(1, Ordering::SeqCst);
    Some(Request {
        seq,
        method,
        target,
        version,
        headers,
        body,
        raw,
        at,
    })
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A listener nobody answers on: only counts the connections made to it. After the client has
/// finished, `connections()` accepts (without blocking) whatever the kernel completed, so a
/// connection cannot go unseen.
pub struct Tripwire {
    listener: TcpListener,
    seen: usize,
}

impl Tripwire {
    pub fn new() -> Tripwire {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener
            .set_nonblocking(true)
            .expect("nonblocking listener");
        Tripwire { listener, seen: 0 }
    }

    pub fn url(&self) -> String {
        format!(
            "http://127.0.0.1:{}",
            self.listener.local_addr().unwrap().port()
        )
    }

    /// Connections made so far (each accepted and closed at once).
    pub fn connections(&mut self) -> usize {
        for _ in 0..1000 {
            match self.listener.accept() {
                Ok(_) => self.seen += 1,
                Err(_) => break,
            }
        }
        self.seen
    }
}

impl Default for Tripwire {
    fn default() -> Self {
        Self::new()
    }
}

// =============================================================================================
// Tokens (our own generators, independent of patrol's)
// =============================================================================================

#[path = "../common/tokens.rs"]
mod tokens;
pub use tokens::{
    b64url, classic, fine_grained, fingerprint, legacy_hex, refresh, sha256_hex, Rng,
};

pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// A stateless installation token, valid for another hour.
pub fn stateless(app_id: u64, rng: &mut Rng) -> String {
    let now = unix_now();
    let header = br#"{"alg":"RS256","typ":"JWT"}"#;
    let claims = format!(
        r#"{{"iss":"github","exp":{},"iat":{}}}"#,
        now + 3600,
        now - 60
    );
    format!(
        "ghs_{app_id}_{}.{}.{}",
        b64url(header),
        b64url(claims.as_bytes()),
        b64url(&rng.bytes(64))
    )
}

/// The token with one character after the prefix changed: same shape, checksum broken.
pub fn corrupt(token: &str) -> String {
    let at = token.len() / 2;
    let mut b = token.as_bytes().to_vec();
    b[at] = if b[at] == b'A' { b'B' } else { b'A' };
    let t = String::from_utf8(b).unwrap();
    assert_ne!(t, token);
    t
}

/// patrol's redaction: the public prefix, 4 more characters, `…`.
pub fn redacted(token: &str) -> String {
    let prefix = if token.starts_with("github_pat_") {
        "github_pat_".len()
    } else {
        4
    };
    format!("{}…", &token[..prefix + 4])
}

// =============================================================================================
// Running patrol
// =============================================================================================

/// What one run of patrol produced.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Run {
    #[track_caller]
    pub fn expect_code(&self, want: i32) -> &Run {
        assert_eq!(self.code, Some(want), "unexpected exit code\n{self}");
        self
    }

    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e})\n{self}"))
    }

    /// `findings` of a `--format json` report.
    #[track_caller]
    pub fn findings(&self) -> Vec<Value> {
        self.json()["findings"]
            .as_array()
            .unwrap_or_else(|| panic!("no findings array\n{self}"))
            .clone()
    }

    /// `results` of `patrol verify --format json`.
    #[track_caller]
    pub fn results(&self) -> Vec<Value> {
        self.json()["results"]
            .as_array()
            .unwrap_or_else(|| panic!("no results array\n{self}"))
            .clone()
    }

    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit: {:?} after {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code, self.elapsed, self.stdout, self.stderr
        )
    }
}

/// Longest a single patrol run may take before the test kills it and fails.
pub const RUN_LIMIT: Duration = Duration::from_secs(90);

/// A directory to scan and run in, with a separate empty HOME so that the user's own settings
/// (git's global excludes, config files) cannot change a run.
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

    /// Writes `contents` at `rel` (creating directories) and returns the path as a string.
    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> String {
        let p = self.path(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&p, contents).unwrap();
        p.to_str().expect("a UTF-8 temporary path").to_string()
    }

    /// Runs `patrol ARGS` in the sandbox, stdin empty and not a terminal.
    pub fn run(&self, args: &[&str]) -> Run {
        run_patrol(self.root(), self.home.path(), args, None)
    }

    /// Runs `patrol ARGS` with `input` on stdin.
    pub fn run_stdin(&self, args: &[&str], input: &[u8]) -> Run {
        run_patrol(self.root(), self.home.path(), args, Some(input))
    }
}

/// Runs the real binary in `dir` with `args` (and `stdin`, if any), isolated from the user's
/// configuration and from proxy settings; kills it and panics after [`RUN_LIMIT`].
fn run_patrol(dir: &Path, home: &Path, args: &[&str], stdin: Option<&[u8]>) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_patrol"));
    cmd.args(args)
        .current_dir(dir)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("NO_COLOR", "1")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for var in [
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
    ] {
        cmd.env_remove(var);
    }
    let started = Instant::now();
    let mut child = cmd.spawn().expect("spawn patrol");
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
            None if started.elapsed() > RUN_LIMIT => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("patrol {args:?} did not finish within {RUN_LIMIT:?}; killed");
            }
            None => std::thread::sleep(Duration::from_millis(10)),
        }
    };
    let elapsed = started.elapsed();
    if let Some(w) = writer {
        let _ = w.join();
    }
    Run {
        code: status.code(),
        stdout: String::from_utf8_lossy(&out_t.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&err_t.join().unwrap()).into_owned(),
        elapsed,
    }
}
