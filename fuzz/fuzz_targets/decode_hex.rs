//! Fuzz target `decode_hex`: the decode stage's hex decoder alone. The checks live in
//! `patrol::fuzz::decode`, which `cargo test` also runs on every seed under `seeds/decode_hex/`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| patrol::fuzz::decode("hex", data));
