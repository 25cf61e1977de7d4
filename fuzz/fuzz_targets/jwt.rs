//! Fuzz target `jwt`: stateless ghs_ JWT decoding. The checks live in `patrol::fuzz::jwt`, which
//! `cargo test` also runs on every seed under `seeds/jwt/`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| patrol::fuzz::jwt(data));
