//! Fuzz target `scan`: the scan pipeline on arbitrary bytes. The checks live in `patrol::fuzz::scan`, which
//! `cargo test` also runs on every seed under `seeds/scan/`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| patrol::fuzz::scan(data));
