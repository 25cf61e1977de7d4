//! The subcommands, one file each. [`run`] dispatches a parsed command line; every command
//! returns the [`ExitStatus`] the process ends with (`main` turns it into the exit code).

mod baseline;
mod hook;
mod merge;
mod progress;
mod revoke;
mod rules;
mod scan;
mod verify;

use anyhow::Result;

use crate::cli::{Cli, Command, HookCommand};
use crate::report::escape::terminal;
use crate::scan::{redact_message, ExitStatus};

/// An error as patrol prints it on stderr: every cause, redacted (an error may quote an input),
/// with control characters made visible.
pub fn error_text(e: &anyhow::Error) -> String {
    terminal(&redact_message(&format!("{e:#}"))).into_owned()
}

/// Replaces the default panic message (which may quote the data being processed) with a
/// redacted, escaped one. A panic while scanning one input is caught at that input and
/// reported as an error for it; one anywhere else ends the run with exit 2.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        if crate::scan::panic_is_contained() {
            return; // the input's boundary reports it
        }
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".to_string());
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!(
            "patrol: internal error{at}: {} (this is a bug in patrol; please report it)",
            terminal(&redact_message(&what))
        );
    }));
}

/// Runs the command; errors are the caller's to print (exit 2).
pub fn run(cli: Cli) -> Result<ExitStatus> {
    match cli.command {
        Command::Scan(args) => scan::run(args),
        Command::Baseline(args) => baseline::run(args),
        Command::Merge(args) => merge::run(args),
        Command::Verify {
            tokens,
            verify,
            output,
        } => verify::run(tokens, &verify, output),
        Command::Revoke {
            tokens,
            yes,
            github_api,
        } => revoke::run(tokens, yes, github_api),
        Command::Hook {
            command: HookCommand::Install { force, repo },
        } => hook::run(repo, force),
        Command::Rules { command } => rules::run(command),
    }
}
