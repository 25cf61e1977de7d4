//! Fuzz target `scan_layout`: several tokens laid out by the input (gaps, glue, filler). The checks live in `patrol::fuzz::scan_layout`, which
//! `cargo test` also runs on every seed under `seeds/scan_layout/`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| patrol::fuzz::scan_layout(data));
