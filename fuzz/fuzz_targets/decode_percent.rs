//! Fuzz target `decode_percent`: the decode stage's percent decoder alone. The checks live in
//! `patrol::fuzz::decode`, which `cargo test` also runs on every seed under `seeds/decode_percent/`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| patrol::fuzz::decode("percent", data));
