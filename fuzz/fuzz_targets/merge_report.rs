//! Fuzz target `merge_report`: JSON reports as `patrol merge` reads them. The checks live in
//! `patrol::fuzz::merge_report`, which `cargo test` also runs on every seed under
//! `seeds/merge_report/`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| patrol::fuzz::merge_report(data));
