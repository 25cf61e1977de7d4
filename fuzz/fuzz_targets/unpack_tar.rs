//! Fuzz target `unpack_tar`: the decode stage's tar walker alone. The checks live in
//! `patrol::fuzz::unpack`, which `cargo test` also runs on every seed under `seeds/unpack_tar/`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| patrol::fuzz::unpack("tar", data));
