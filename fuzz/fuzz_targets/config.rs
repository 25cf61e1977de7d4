//! Fuzz target `config`: .patrol.toml files. The checks live in `patrol::fuzz::config`, which
//! `cargo test` also runs on every seed under `seeds/config/`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| patrol::fuzz::config(data));
