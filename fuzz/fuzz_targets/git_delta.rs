//! Fuzz target `git_delta`: git pack deltas applied to a base, as the pack walk applies them.
//! The checks live in `patrol::fuzz::git_delta`, which `cargo test` also runs on every seed
//! under `seeds/git_delta/`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| patrol::fuzz::git_delta(data));
