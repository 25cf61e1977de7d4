//! Fuzz target `checks`: every offline check of the rule catalog on arbitrary bytes. The checks
//! live in `patrol::fuzz::checks`, which `cargo test` also runs on every seed under
//! `seeds/checks/`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| patrol::fuzz::checks(data));
