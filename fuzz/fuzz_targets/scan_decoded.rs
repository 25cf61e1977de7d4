//! Fuzz target `scan_decoded`: the whole decode stage through the scanner (every decoder,
//! nested to depth 3). The checks live in `patrol::fuzz::scan_decoded`, which `cargo test` also
//! runs on every seed under `seeds/scan_decoded/`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| patrol::fuzz::scan_decoded(data));
