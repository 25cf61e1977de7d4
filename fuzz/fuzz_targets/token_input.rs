//! Fuzz target `token_input`: patrol verify / revoke input (raw tokens, JSON, JSON Lines). The checks live in `patrol::fuzz::token_input`, which
//! `cargo test` also runs on every seed under `seeds/token_input/`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| patrol::fuzz::token_input(data));
