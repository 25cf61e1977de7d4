//! Fuzz target `unpack_xz`: the decode stage's xz walker alone. The checks live in
//! `patrol::fuzz::unpack`, which `cargo test` also runs on every seed under `seeds/unpack_xz/`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| patrol::fuzz::unpack("xz", data));
