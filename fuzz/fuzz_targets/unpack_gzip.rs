//! Fuzz target `unpack_gzip`: the decode stage's gzip walker alone. The checks live in
//! `patrol::fuzz::unpack`, which `cargo test` also runs on every seed under `seeds/unpack_gzip/`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| patrol::fuzz::unpack("gzip", data));
