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
    cmd::install_panic_hook();
    let status = match std::panic::catch_unwind(|| cmd::run(Cli::parse())) {
        Ok(Ok(status)) => status,
        Ok(Err(e)) if is_broken_pipe(&e) => ExitStatus::Clean,
        Ok(Err(e)) => {
            eprintln!("patrol: error: {}", cmd::error_text(&e));
            ExitStatus::Error
        }
        // The hook has said what happened; the run is incomplete.
        Err(_) => ExitStatus::Error,
    };
    ExitCode::from(status.code())
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}
