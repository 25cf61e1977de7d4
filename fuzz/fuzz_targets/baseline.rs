//! Fuzz target `baseline`: baseline files. The checks live in `patrol::fuzz::baseline`, which
//! `cargo test` also runs on every seed under `seeds/baseline/`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| patrol::fuzz::baseline(data));
