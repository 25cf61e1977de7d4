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

/// A string made of one short block repeated (`0123456789abcdef0123…`, `abcabc…`).
fn is_periodic(s: &[u8]) -> bool {
    (1..=16).any(|p| p < s.len() && s.iter().skip(p).zip(s).all(|(a, b)| a == b))
}

#[cfg(test)]
mod tests {
    use super::credible_hex;

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
