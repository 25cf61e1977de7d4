//! The `patrol` binary: parse the arguments, run the command, and turn its typed exit status
//! into the process exit code. A closed stdout (`patrol … | head`) is not an error.

#![forbid(unsafe_code)]

use std::io;
use std::process::ExitCode;

use clap::Parser;

use patrol::cli::Cli;
use patrol::cmd;
use patrol::scan::ExitStatus;

fn main() -> ExitCode {
    let status = match cmd::run(Cli::parse()) {
        Ok(status) => status,
        Err(e) if is_broken_pipe(&e) => ExitStatus::Clean,
        Err(e) => {
            eprintln!("patrol: error: {e:#}");
            ExitStatus::Error
        }
    };
    ExitCode::from(status.code())
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}
