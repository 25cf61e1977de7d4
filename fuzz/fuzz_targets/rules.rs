//! Fuzz target `rules`: rule files. The checks live in `patrol::fuzz::rules`, which
//! `cargo test` also runs on every seed under `seeds/rules/`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| patrol::fuzz::rules(data));
