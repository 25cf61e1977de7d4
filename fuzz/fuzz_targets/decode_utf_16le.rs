//! Fuzz target `decode_utf_16le`: the decode stage's utf-16le decoder alone. The checks live in
//! `patrol::fuzz::decode`, which `cargo test` also runs on every seed under `seeds/decode_utf_16le/`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| patrol::fuzz::decode("utf-16le", data));
