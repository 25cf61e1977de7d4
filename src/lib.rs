//! patrol finds leaked access tokens in files (and, later, git history), proves offline that
//! each hit is a real token, and reports it redacted.
//!
//! A finding passes through these stages, one module each:
//!
//! 1. [`walk`]: inputs (paths, stdin) become files to scan, walked in parallel with `ignore`;
//!    [`git`]: blobs and messages of a repository (history, a commit range, or the index);
//! 2. [`read`]: a file's bytes, read into a buffer or memory-mapped (with a SIGBUS guard);
//! 3. [`prefilter`]: one Aho-Corasick automaton over every rule's keywords finds candidates;
//! 4. [`matcher`]: the owning rule's regex runs on a bounded window around each candidate —
//!    [`matcher::Scanner::scan`] is the single entry point for bytes from any origin;
//! 5. [`validate`]: offline checks (GitHub's CRC-32 and SHA-256 checksums, JWT structure,
//!    entropy) separate real tokens from placeholders;
//! 6. [`report`]: text, JSON and JSON Lines, redacted unless asked otherwise.
//!
//! 7. [`verify`] (opt-in, the only network code): liveness checks and revocation against the
//!    GitHub API.
//!
//! Rules are data ([`rules`]): TOML files under `rules/`, embedded at build time. After a scan,
//! [`config::Filters`] apply the team's settings ([`config_file`], `.patrol.toml`) and the
//! [`baseline`]; [`hook`] installs the pre-commit hook.
//! [`config`] turns the command line ([`cli`]) into validated settings; [`finding`] holds the
//! types every stage shares.

pub mod baseline;
pub mod cli;
pub mod config;
pub mod config_file;
pub mod finding;
pub mod git;
pub mod hook;
pub mod matcher;
pub mod prefilter;
pub mod read;
pub mod report;
pub mod rules;
pub mod validate;
pub mod verify;
pub mod walk;
