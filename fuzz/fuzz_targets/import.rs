//! Fuzz target `import`: gitleaks and Betterleaks configs, Go patterns and Expr filters. The
//! checks live in `patrol::fuzz::import`, which `cargo test` also runs on every seed under
//! `seeds/import/`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| patrol::fuzz::import(data));
