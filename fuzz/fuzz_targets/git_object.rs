//! Fuzz target `git_object`: git commit, tag and tree bodies, and added-line hashing. The checks live in `patrol::fuzz::git_object`, which
//! `cargo test` also runs on every seed under `seeds/git_object/`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| patrol::fuzz::git_object(data));
