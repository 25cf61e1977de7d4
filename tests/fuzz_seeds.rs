//! Every fuzz target's seed corpus (`fuzz/seeds/<target>/`), replayed as ordinary test cases,
//! so CI runs the targets' properties on every seed without a nightly toolchain. A crash
//! found by a long fuzzing run is added to the seeds once fixed, and stays fixed.

use std::path::Path;

/// Runs `target` on every file of `fuzz/seeds/<name>/`; fails if the directory is empty.
fn replay(name: &str, target: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/seeds")
        .join(name);
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let r = std::panic::catch_unwind(|| target(&data));
        assert!(r.is_ok(), "{name}: seed {} fails", path.display());
        // Prefixes too: truncated input is where parsers break.
        for cut in [
            1,
            data.len() / 3,
            data.len() / 2,
            data.len().saturating_sub(1),
        ] {
            let r = std::panic::catch_unwind(|| target(&data[..cut.min(data.len())]));
            assert!(
                r.is_ok(),
                "{name}: seed {} cut at {cut} fails",
                path.display()
            );
        }
        seen += 1;
    }
    assert!(seen > 0, "no seeds in {}", dir.display());
}

#[test]
fn every_fuzz_target_passes_its_seeds() {
    replay("scan", patrol::fuzz::scan);
    replay("scan_layout", patrol::fuzz::scan_layout);
    replay("rules", patrol::fuzz::rules);
    replay("config", patrol::fuzz::config);
    replay("baseline", patrol::fuzz::baseline);
    replay("merge_report", patrol::fuzz::merge_report);
    replay("token_input", patrol::fuzz::token_input);
    replay("jwt", patrol::fuzz::jwt);
    replay("checks", patrol::fuzz::checks);
    replay("git_object", patrol::fuzz::git_object);
    replay("git_delta", patrol::fuzz::git_delta);
    replay("import", patrol::fuzz::import);
    replay("decode_base64", |d| patrol::fuzz::decode("base64", d));
    replay("decode_hex", |d| patrol::fuzz::decode("hex", d));
    replay("decode_percent", |d| patrol::fuzz::decode("percent", d));
    replay("decode_escape", |d| patrol::fuzz::decode("escape", d));
    replay("decode_html_entity", |d| {
        patrol::fuzz::decode("html-entity", d)
    });
    replay("decode_utf_16le", |d| patrol::fuzz::decode("utf-16le", d));
    replay("decode_utf_16be", |d| patrol::fuzz::decode("utf-16be", d));
    replay("decode_gzip", |d| patrol::fuzz::decode("gzip", d));
    replay("decode_zlib", |d| patrol::fuzz::decode("zlib", d));
    replay("scan_decoded", patrol::fuzz::scan_decoded);
    replay("unpack_zip", |d| patrol::fuzz::unpack("zip", d));
    replay("unpack_tar", |d| patrol::fuzz::unpack("tar", d));
    replay("unpack_gzip", |d| patrol::fuzz::unpack("gzip", d));
    replay("unpack_bzip2", |d| patrol::fuzz::unpack("bzip2", d));
    replay("unpack_xz", |d| patrol::fuzz::unpack("xz", d));
    replay("unpack_zstd", |d| patrol::fuzz::unpack("zstd", d));
}

/// The replay can fail: a target whose property breaks on a seed is caught.
#[test]
fn a_failing_target_is_reported() {
    let r = std::panic::catch_unwind(|| replay("baseline", |_| panic!("broken property")));
    assert!(r.is_err());
}
