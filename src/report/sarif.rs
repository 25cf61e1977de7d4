//! SARIF 2.1.0 output (in progress).

use std::io::{self, Write};

use super::Outcome;
use crate::config::ReportConfig;

pub fn write(_out: &mut dyn Write, _outcome: &Outcome, _cfg: &ReportConfig) -> io::Result<()> {
    Err(io::Error::other("SARIF output is not implemented yet"))
}
