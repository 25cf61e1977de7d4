//! What a prefilter for the encoded spellings of every keyword would cost (issue #10's
//! suggestion, which DESIGN.md's decode stage turns down in favour of the structural run pass).
//!
//! ```text
//! target/release/patrol rules keywords > target/keywords.txt
//! KEYWORDS=target/keywords.txt INPUT=target/bench-trees/stdlib-proper \
//!     cargo bench --bench encoded_keywords
//! ```
//!
//! Reads every file under `INPUT` into one buffer, then times (best of 5, one thread) one
//! Aho-Corasick pass over the plain spellings, one over plain and encoded together, and the
//! encoded ones alone in groups small enough for Teddy. Encoded spellings: the characters of
//! base64 (both alphabets) that do not depend on the neighbouring bytes, at each of the three
//! alignments; hex in lower and upper case; UTF-16 LE and BE. Without `KEYWORDS` it says how
//! to run it and exits (so `cargo bench` with no set-up stays quiet).

use std::path::Path;
use std::time::Instant;

use aho_corasick::{AhoCorasick, MatchKind};

/// Base64 of `bytes`, unpadded, in the standard or the URL-safe alphabet.
fn base64(bytes: &[u8], url: bool) -> Vec<u8> {
    let mut alphabet: Vec<u8> = (b'A'..=b'Z')
        .chain(b'a'..=b'z')
        .chain(b'0'..=b'9')
        .collect();
    alphabet.extend_from_slice(if url { b"-_" } else { b"+/" });
    let mut out = Vec::new();
    for group in bytes.chunks(3) {
        let mut n = 0u32;
        for (i, b) in group.iter().enumerate() {
            n |= u32::from(*b) << (16 - 8 * i);
        }
        for i in 0..=group.len() {
            out.push(alphabet[(n >> (18 - 6 * i) & 63) as usize]);
        }
    }
    out
}

/// The characters of base64(`keyword`) fixed by the keyword alone, placed at offset 0, 1 and
/// 2 of a 3-byte group (the characters that also take bits of unknown bytes are left out).
fn base64_spellings(keyword: &[u8], url: bool) -> Vec<Vec<u8>> {
    (0..3)
        .filter_map(|offset| {
            let mut bytes = vec![0u8; offset];
            bytes.extend_from_slice(keyword);
            let encoded = base64(&bytes, url);
            // The first character holding only keyword bits, and the end of those whose six
            // bits all lie in the known bytes.
            let start = [0, 2, 3][offset];
            let end = (bytes.len() * 8 / 6).min(encoded.len());
            (end > start + 2).then(|| encoded[start..end].to_vec())
        })
        .collect()
}

fn read_tree(dir: &Path, out: &mut Vec<u8>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        if path.is_symlink() {
            continue;
        }
        if path.is_dir() {
            read_tree(&path, out);
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.extend_from_slice(&bytes);
        }
    }
}

/// Best of `runs` timings of `count` over `data`, in seconds, and its hits.
fn best_of(runs: usize, mut count: impl FnMut() -> usize) -> (f64, usize) {
    let mut best = f64::MAX;
    let mut hits = 0;
    for _ in 0..runs {
        let t = Instant::now();
        hits = count();
        best = best.min(t.elapsed().as_secs_f64());
    }
    (best, hits)
}

fn main() {
    let (Some(keywords), Some(input)) = (std::env::var_os("KEYWORDS"), std::env::var_os("INPUT"))
    else {
        eprintln!("encoded_keywords: set KEYWORDS and INPUT (see the file's header); skipped");
        return;
    };
    let plain: Vec<Vec<u8>> = std::fs::read_to_string(keywords)
        .expect("KEYWORDS: a file of keyword spellings, one a line")
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| l.as_bytes().to_vec())
        .collect();
    let mut encoded: Vec<Vec<u8>> = Vec::new();
    for k in &plain {
        encoded.extend(base64_spellings(k, false));
        encoded.extend(base64_spellings(k, true));
        let hex: String = k.iter().map(|b| format!("{b:02x}")).collect();
        encoded.push(hex.to_uppercase().into_bytes());
        encoded.push(hex.into_bytes());
        encoded.push(k.iter().flat_map(|&b| [b, 0]).collect());
        encoded.push(k.iter().flat_map(|&b| [0, b]).collect());
    }
    encoded.sort();
    encoded.dedup();
    let mut data = Vec::new();
    read_tree(Path::new(&input), &mut data);
    let ns_per_byte = |s: f64| s * 1e9 / data.len().max(1) as f64;
    println!(
        "{} plain spellings, {} encoded, {} bytes",
        plain.len(),
        encoded.len(),
        data.len()
    );
    let automaton = |patterns: &[Vec<u8>]| {
        AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(patterns)
            .expect("an automaton over a few thousand literals builds")
    };
    let both: Vec<Vec<u8>> = plain.iter().chain(&encoded).cloned().collect();
    for (name, patterns) in [("plain", &plain), ("plain and encoded", &both)] {
        let ac = automaton(patterns);
        let (s, hits) = best_of(5, || ac.find_iter(&data).count());
        println!("{name}: {s:.3} s, {:.2} ns/B, {hits} hits", ns_per_byte(s));
    }
    for size in [64, 32] {
        let groups: Vec<AhoCorasick> = encoded.chunks(size).map(automaton).collect();
        let (s, hits) = best_of(3, || {
            groups.iter().map(|g| g.find_iter(&data).count()).sum()
        });
        println!(
            "encoded alone, {} groups of {size}: {s:.3} s, {:.2} ns/B, {hits} hits",
            groups.len(),
            ns_per_byte(s)
        );
    }
}
