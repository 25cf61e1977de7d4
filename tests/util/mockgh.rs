//! A fake GitHub API for the verification tests: a real HTTP/1.1 server on 127.0.0.1 (port 0)
//! built on `std::net::TcpListener`.
//!
//! The server records every request it receives (method, target, headers, body, raw bytes and
//! arrival time) and answers through a per-test closure. It is bounded in every direction: one
//! request per connection (answers carry `Connection: close`), read timeouts, a cap on
//! connections and on its own lifetime, and it stops (joining all its threads) when dropped.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::Value;

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
