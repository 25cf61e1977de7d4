//! Fuzz target `unpack_zip`: the decode stage's zip walker alone. The checks live in
//! `patrol::fuzz::unpack`, which `cargo test` also runs on every seed under `seeds/unpack_zip/`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| patrol::fuzz::unpack("zip", data));
