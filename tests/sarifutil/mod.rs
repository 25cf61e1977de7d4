//! Harness for the SARIF tests: generated tokens, the real `patrol` binary run in temporary
//! directories and git repositories with an isolated environment, and the official SARIF
//! 2.1.0 schema (tests/data/sarif-schema-2.1.0.json) compiled once.
//!
//! Every token is generated at run time (CRC-32 via `crc32fast`, our own base62 encoder); no
//! checksum-valid token is ever written into a source file.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;
use tempfile::TempDir;

pub const PATROL: &str = env!("CARGO_BIN_EXE_patrol");

// ---------------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------------

#[path = "../common/tokens.rs"]
mod tokens;
pub use tokens::{fingerprint, locate, token};

// ---------------------------------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------------------------------

/// Variables that would make git (or gix) look elsewhere than we say.
const SCRUB: &[&str] = &[
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_CEILING_DIRECTORIES",
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
    "EMAIL",
    "XDG_CONFIG_HOME",
];

fn sandboxed(program: &str, cwd: &Path, home: &Path) -> Command {
    let mut cmd = Command::new(program);
    for v in SCRUB {
        cmd.env_remove(v);
    }
    cmd.current_dir(cwd)
        .env("HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("TZ", "UTC")
        .env("LC_ALL", "C")
        .env("NO_COLOR", "1");
    cmd
}

/// A finished patrol run.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Run {
        assert_eq!(self.code, code, "unexpected exit code:\n{self}");
        self
    }

    /// stdout as JSON (the SARIF log).
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{self}"))
    }

    /// The SARIF log, after checking it against the official schema.
    #[track_caller]
    pub fn sarif(&self) -> Value {
        let v = self.json();
        assert_schema_valid(&v);
        v
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

/// A temporary directory (also HOME) with a work area `work/` that commands run in.
pub struct Sandbox {
    dir: TempDir,
    root: PathBuf,
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
        std::fs::create_dir(&root).unwrap();
        Sandbox { dir, root }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// A path beside the work area (outside it).
    pub fn outside(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Writes `contents` at `rel` under the work area, creating directories.
    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, contents).unwrap();
        p
    }

    /// Runs patrol with `args` in the work area.
    pub fn patrol(&self, args: &[&str]) -> Run {
        self.patrol_in(&self.root, args)
    }

    pub fn patrol_in(&self, cwd: &Path, args: &[&str]) -> Run {
        let out = sandboxed(PATROL, cwd, self.dir.path())
            .args(args)
            .stdin(std::process::Stdio::null())
            .output()
            .expect("patrol runs");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Runs patrol with `input` on standard input.
    pub fn patrol_stdin(&self, args: &[&str], input: &[u8]) -> Run {
        use std::io::Write;
        let mut child = sandboxed(PATROL, &self.root, self.dir.path())
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("patrol runs");
        child.stdin.take().unwrap().write_all(input).unwrap();
        let out = child.wait_with_output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Runs git in the work area with a fixed identity and date; panics unless it succeeds;
    /// returns trimmed stdout.
    #[track_caller]
    pub fn git(&self, args: &[&str]) -> String {
        let date = "@1700000000 +0000";
        let out = sandboxed("git", &self.root, self.dir.path())
            .args(args)
            .env("GIT_AUTHOR_NAME", "Pat Tester")
            .env("GIT_AUTHOR_EMAIL", "pat@example.com")
            .env("GIT_COMMITTER_NAME", "Pat Tester")
            .env("GIT_COMMITTER_EMAIL", "pat@example.com")
            .env("GIT_AUTHOR_DATE", date)
            .env("GIT_COMMITTER_DATE", date)
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?} failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim_end().to_string()
    }

    /// `git init` in the work area, with settings that keep tests deterministic.
    pub fn git_init(&self) {
        self.git(&["init", "-q", "-b", "main"]);
        for (k, v) in [
            ("commit.gpgsign", "false"),
            ("gc.auto", "0"),
            ("core.autocrlf", "false"),
        ] {
            self.git(&["config", k, v]);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// SARIF
// ---------------------------------------------------------------------------------------------

/// The schema compiled twice: under draft-04, the draft it declares; and under draft-07,
/// whose `uri-reference` format (new in draft 6, ignored by a draft-04 validator) checks
/// `artifactLocation.uri`. The schema's other keywords mean the same in both drafts.
fn validators() -> &'static [jsonschema::Validator; 2] {
    static V: OnceLock<[jsonschema::Validator; 2]> = OnceLock::new();
    V.get_or_init(|| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sarif-schema-2.1.0.json");
        let text = std::fs::read_to_string(&path).expect("the SARIF schema file");
        let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
        assert_eq!(schema["$schema"], "http://json-schema.org/draft-04/schema#");
        [
            jsonschema::draft4::options()
                .should_validate_formats(true)
                .build(&schema)
                .expect("the SARIF schema compiles (draft-04)"),
            jsonschema::draft7::options()
                .should_validate_formats(true)
                .build(&schema)
                .expect("the SARIF schema compiles (draft-07)"),
        ]
    })
}

/// Panics with every schema violation, each with its JSON pointer.
#[track_caller]
pub fn assert_schema_valid(log: &Value) {
    let mut errors: Vec<String> = Vec::new();
    for (draft, v) in ["draft-04", "draft-07"].iter().zip(validators()) {
        errors.extend(
            v.iter_errors(log)
                .map(|e| format!("{draft}: {} at {}", e, e.instance_path())),
        );
    }
    assert!(
        errors.is_empty(),
        "SARIF log violates the 2.1.0 schema:\n{}\n{}",
        errors.join("\n"),
        serde_json::to_string_pretty(log).unwrap()
    );
}

/// Every string in `v`, keys included, as parsed (escapes decoded).
pub fn all_strings(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            Value::String(s) => out.push(s.clone()),
            Value::Array(a) => stack.extend(a),
            Value::Object(o) => {
                for (k, v) in o {
                    out.push(k.clone());
                    stack.push(v);
                }
            }
            _ => {}
        }
    }
    out
}

/// The one run of a log.
#[track_caller]
pub fn run(log: &Value) -> &Value {
    let runs = log["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1, "one run");
    &runs[0]
}

pub fn results(log: &Value) -> Vec<Value> {
    run(log)["results"].as_array().expect("results").clone()
}

pub fn rule_ids(log: &Value) -> Vec<String> {
    run(log)["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

/// The result whose secret is `secret` (by its fingerprint property).
#[track_caller]
pub fn result_for(log: &Value, secret: &str) -> Value {
    let fp = fingerprint(secret);
    let found: Vec<Value> = results(log)
        .into_iter()
        .filter(|r| r["properties"]["fingerprint"] == fp.as_str())
        .collect();
    assert_eq!(found.len(), 1, "one result for the secret in\n{log:#}");
    found[0].clone()
}

pub fn location(result: &Value) -> &Value {
    &result["locations"][0]["physicalLocation"]
}

pub fn uri(result: &Value) -> String {
    location(result)["artifactLocation"]["uri"]
        .as_str()
        .expect("uri")
        .to_string()
}

pub fn partial_fingerprint(result: &Value) -> String {
    result["partialFingerprints"]["patrolSecretHash/v1"]
        .as_str()
        .expect("partial fingerprint")
        .to_string()
}
