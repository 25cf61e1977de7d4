//! Fuzz target `unpack_bzip2`: the decode stage's bzip2 walker alone. The checks live in
//! `patrol::fuzz::unpack`, which `cargo test` also runs on every seed under `seeds/unpack_bzip2/`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| patrol::fuzz::unpack("bzip2", data));
