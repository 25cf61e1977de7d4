//! Credibility of secrets that carry no checksum (legacy 40-hex GitHub tokens, `v1.` tokens).
//! A random 40-hex string almost always uses 12 or more distinct digits and both letters and
//! numbers; placeholders (`0000…`, `1234567890abcdef…`, `deadbeef…`) do not.

/// Whether a hex secret (optionally `v1.`-prefixed) looks randomly generated.
pub(crate) fn credible_hex(candidate: &[u8]) -> bool {
    let hex = candidate.strip_prefix(b"v1.").unwrap_or(candidate);
    if hex.is_empty() || !hex.iter().all(u8::is_ascii_hexdigit) {
        return false;
    }
    let mut seen = [false; 256];
    for &b in hex {
        seen[b.to_ascii_lowercase() as usize] = true;
    }
    let distinct = seen.iter().filter(|&&s| s).count();
    let has_digit = hex.iter().any(u8::is_ascii_digit);
    let has_letter = hex.iter().any(u8::is_ascii_alphabetic);
    // For 40 random hex digits: P(distinct < 10) < 1e-6, P(no letter) ≈ 7e-9.
    distinct >= 10 && has_digit && has_letter && !is_periodic(hex)
}

/// Shannon entropy of `s` in bits per byte.
pub(crate) fn shannon(s: &[u8]) -> f64 {
    if s.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in s {
        counts[b as usize] += 1;
    }
    let n = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// Whether the random part of a token without checksum (`body`, the token after its public
/// prefix) looks generated: no placeholder words, no block repeated, no run of one character,
/// and enough distinct characters for its length. Calibrated so that random strings of 16 or
/// more characters from a 16-character alphabet or larger pass with probability > 1 - 1e-6.
pub(crate) fn credible_random(body: &[u8]) -> bool {
    if body.len() < 8 || super::structure::looks_like_placeholder(body) || is_periodic(body) {
        return false;
    }
    let longest_run = body
        .chunk_by(|a, b| a == b)
        .map(<[u8]>::len)
        .max()
        .unwrap_or(0);
    let mut seen = [false; 256];
    for &b in body {
        seen[b as usize] = true;
    }
    let distinct = seen.iter().filter(|&&s| s).count();
    // A random 16-character string of hex has about 10 distinct characters; a placeholder
    // like `abcabcabcabc` or `aaaaaaaa1` has few.
    let want = (body.len() / 3).clamp(4, 10);
    longest_run < 5 && distinct >= want
}

/// A string made of one short block repeated (`0123456789abcdef0123…`, `abcabc…`).
fn is_periodic(s: &[u8]) -> bool {
    (1..=16).any(|p| p < s.len() && s.iter().skip(p).zip(s).all(|(a, b)| a == b))
}

#[cfg(test)]
mod tests {
    use super::{credible_hex, credible_random, shannon};

    #[test]
    fn random_bodies_pass_placeholders_fail() {
        assert!(credible_random(b"Xq7fK2pLm9Rt4vBw8ZcN3hJd"));
        assert!(credible_random(b"3f9a1c0be7d24658"));
        for p in [
            &b"xxxxxxxxxxxxxxxxxxxxxxxx"[..],
            b"your_api_key_goes_here_EXAMPLE",
            b"abcabcabcabcabcabcabcabc",
            b"aaaaaaa1bbbbbbb2",
            b"1234567890123456",
            b"short",
        ] {
            assert!(!credible_random(p), "{}", String::from_utf8_lossy(p));
        }
        assert!((shannon(b"abcd") - 2.0).abs() < 1e-9);
        assert_eq!(shannon(b""), 0.0);
    }

    #[test]
    fn random_hex_is_credible() {
        assert!(credible_hex(b"3f9a1c0be7d24658a9b0c1d2e3f4a5b6c7d8e9f0"));
        assert!(credible_hex(b"v1.3f9a1c0be7d24658a9b0c1d2e3f4a5b6c7d8e9f0"));
    }

    #[test]
    fn placeholders_are_not() {
        assert!(!credible_hex(b"0000000000000000000000000000000000000000"));
        assert!(!credible_hex(b"0123456789abcdef0123456789abcdef01234567"));
        assert!(!credible_hex(b"1234567890123456789012345678901234567890"));
        assert!(!credible_hex(b"deadbeefdeadbeefdeadbeefdeadbeefdeadbeef"));
        assert!(!credible_hex(b"not hex at all, not hex at all, not hex!"));
    }
}
