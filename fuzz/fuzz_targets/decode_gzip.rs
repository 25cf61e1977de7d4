//! Fuzz target `decode_gzip`: the decode stage's gzip decoder alone. The checks live in
//! `patrol::fuzz::decode`, which `cargo test` also runs on every seed under `seeds/decode_gzip/`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| patrol::fuzz::decode("gzip", data));
