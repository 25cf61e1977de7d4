//! patrol's integration tests: one binary (`autotests = false` in Cargo.toml), one harness
//! (`util`), topic modules. Every test drives the real `patrol` binary on real files and real
//! git repositories in temporary directories, with a fake GitHub API on 127.0.0.1 for
//! liveness checks; nothing reaches the network beyond loopback.

mod util;

mod action;
mod audit;
mod cli;
mod fuzz_seeds;
mod git;
mod hostile;
mod html;
mod layering;
mod redaction;
mod sarif;
mod scan;
mod trust;
mod verify;
mod workflow;
