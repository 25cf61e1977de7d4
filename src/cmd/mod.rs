//! The subcommands, one file each. [`run`] dispatches a parsed command line; every command
//! returns the [`ExitStatus`] the process ends with (`main` turns it into the exit code).

mod baseline;
mod hook;
mod revoke;
mod rules;
mod scan;
mod verify;

use anyhow::Result;

use crate::cli::{Cli, Command, HookCommand};
use crate::scan::ExitStatus;

/// Runs the command; errors are the caller's to print (exit 2).
pub fn run(cli: Cli) -> Result<ExitStatus> {
    match cli.command {
        Command::Scan(args) => scan::run(args),
        Command::Baseline(args) => baseline::run(args),
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
