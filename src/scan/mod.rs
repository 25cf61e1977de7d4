//! The scan layer: what every input passes through, whatever mode produced it.
//!
//! - [`scanner`]: the per-input pipeline ([`Scanner`]): prefilter → matcher → validate →
//!   inline markers → line and column → redacted context. Files, stdin, git blobs, commit and
//!   tag messages and staged blobs all enter here.
//! - [`outcome`]: the result of a scan: [`Tally`], the one accumulator the walk and the git
//!   modes add to; [`Outcome`], what it becomes; [`ExitStatus`], decided once.
//! - [`suppress`]: the suppression stage: inline markers, the config file's allow and exclude
//!   lists, the baseline ([`Suppressor`]).
//! - [`redact`]: redaction in one place ([`Redactor`]).
//! - [`examples`]: rules checked against their own examples through this pipeline.
//! - [`progress`]: how far a running scan has got, for a display on another thread.
//! - `shard`: which share of the inputs one of N processes takes (`--shard I/N`).

mod examples;
mod outcome;
pub mod progress;
mod redact;
mod scanner;
mod shard;
mod suppress;

pub use outcome::{panic_is_contained, ExitStatus};
pub(crate) use scanner::WINDOW;
pub use scanner::{ScanOptions, ScanResult, Scanner, DEFAULT_DECODE_DEPTH};
pub use shard::Shard;

pub(crate) use examples::{check_examples, make_examples};
pub(crate) use outcome::{contain, Outcome, Problem, SkipReason, Tally};
pub use progress::{Progress, Snapshot};
pub(crate) use redact::{redact_message, Redactor};
pub(crate) use suppress::{PathFilter, Suppressor, ALLOW_MARKERS};
