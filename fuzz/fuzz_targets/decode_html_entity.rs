//! Fuzz target `decode_html_entity`: the decode stage's html-entity decoder alone. The checks live in
//! `patrol::fuzz::decode`, which `cargo test` also runs on every seed under `seeds/decode_html_entity/`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| patrol::fuzz::decode("html-entity", data));
