//! patrol finds leaked access tokens in files, staged changes and git history, proves offline
//! that each hit is a real token, and reports it redacted.
//!
//! # The pipeline
//!
//! Every input, whatever produced it, passes through one scan layer:
//!
//! ```text
//! walk (files, stdin) ─┐
//! git (history, range, ┼─> read ─> scan::Scanner: prefilter ─> matcher ─> validate
//!      staged)        ─┘        ─> suppress (markers) ─> locate ─> redacted context
//!                               ─> scan::Suppressor (allow list, exclusions, baseline)
//!                               ─> [verify, opt-in] ─> scan::Redactor ─> report
//! ```
//!
//! # Modules, bottom to top
//!
//! | layer | modules | owns |
//! |---|---|---|
//! | 0 | [`finding`] | plain data every stage shares: `Finding`, `Secret`, `Fingerprint`, `Origin`, `Verification`, `RuleMeta` |
//! | 1 | `validate`, `read`, `decode`, `unpack` | offline checks (checksums, structure, entropy); opening files (read in windows, never mapped) and replacing the few patrol writes (never through a link); undoing encodings (base64, hex, percent, escapes, UTF-16, gzip/zlib); unpacking streams and archives (gzip, bzip2, xz, zstd, zip, tar) |
//! | 2 | [`rules`] | rule files: schema, loading, compiling |
//! | 3 | `prefilter`, `baseline` | the Aho-Corasick keyword automaton; baseline files |
//! | 4 | `matcher` | the regex around each keyword hit |
//! | 5 | [`scan`] | the per-input pipeline, the scan's result and exit status, suppression, redaction |
//! | 6 | `walk`, `git` | input modes: files and stdin; history, range, staged |
//! | 7 | `verify`, `report` | liveness checks (the only network code); report formats, and JSON reports read back and merged |
//! | 8 | [`cli`] | the command line as clap sees it |
//! | 9 | `config` | raw arguments and `.patrol.toml` → typed settings for each stage |
//! | 10 | [`cmd`], `fuzz` | one file per subcommand; entry points of the fuzz targets |
//!
//! **The layering rule**: a module may name only modules of a lower layer (and its own
//! submodules). So no stage names `config` or `cli`, and the offline core (`finding`, `rules`,
//! `validate`, `prefilter`, `matcher`, `scan`) never names `verify`. `tests/layering.rs`
//! reads every `use crate::…` and `crate::…` path under `src/` and fails, naming the file and
//! line, when a module reaches above its layer.

#![forbid(unsafe_code)]
#![deny(unreachable_pub)]

pub mod finding;

mod validate;
// Base64, hex, percent, escapes, UTF-16, compressed streams: plain bytes out, with a map back.
mod decode;
// Gzip, bzip2, xz, zstd streams and zip/tar archives: members handed to the scanner as readers.
mod unpack;
// Files are read, not mapped: no module needs `unsafe` (see read.rs for why).
mod read;

pub mod rules;

mod baseline;
mod prefilter;

mod matcher;

pub mod scan;

mod git;
mod walk;

mod report;
mod verify;

pub mod cli;

mod config;

pub mod cmd;
#[doc(hidden)]
pub mod fuzz;
