//! GitHub's offline checksums (see ../shared/docs/tokens.md §2).
//!
//! Classic tokens (`ghp_ gho_ ghu_ ghs_ ghr_`): the last 6 characters are
//! CRC-32/IEEE(body) in base62 (`0-9A-Za-z`), most significant digit first, zero-padded to 6.
//! The body is what lies between `prefix_` and the check; the prefix is not hashed.
//!
//! Fine-grained PATs (`github_pat_`, 93 characters): characters 77..85 are the first 8
//! characters of base32 (RFC 4648, upper case) of SHA-256 over characters 0..77. Empirical
//! (23/23 real tokens, GitHub has not documented it), so the rule that uses it says so.

use sha2::{Digest, Sha256};

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Shortest classic token body + check (30 + 6) that GitHub issues.
const CLASSIC_MIN_TAIL: usize = 36;

/// The 6-character base62 check GitHub appends to a classic token's body.
pub(crate) fn github_classic_check(body: &[u8]) -> [u8; 6] {
    let mut n = crc32fast::hash(body);
    let mut out = [b'0'; 6];
    // 62^6 > 2^32, so six digits always suffice; unused leading digits stay '0'.
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    out
}

/// If some prefix of `candidate` (`prefix_` + alphanumerics) is a checksum-valid classic token,
/// its length. Tries the whole run first, then shorter ones, so that a token with text glued to
/// its end (`ghp_…` followed by more letters) is still proved. Returns `None` if no length of at
/// least 36 characters after the `_` passes.
pub(crate) fn github_classic_token_len(candidate: &[u8]) -> Option<usize> {
    let underscore = memchr::memchr(b'_', candidate)?;
    let tail = &candidate[underscore + 1..];
    if tail.len() < CLASSIC_MIN_TAIL {
        return None;
    }
    (CLASSIC_MIN_TAIL..=tail.len()).rev().find_map(|n| {
        let (body, check) = tail[..n].split_at(n - 6);
        (github_classic_check(body) == check).then_some(underscore + 1 + n)
    })
}

/// The 8-character base32 check of a fine-grained PAT, computed over its first 77 characters.
pub(crate) fn github_fine_grained_check(first77: &[u8]) -> [u8; 8] {
    let digest = Sha256::digest(first77);
    // 8 base32 characters are exactly 40 bits: the first 5 bytes of the digest.
    let mut bits = digest[..5]
        .iter()
        .fold(0u64, |acc, &b| (acc << 8) | b as u64);
    let mut out = [0u8; 8];
    for slot in out.iter_mut().rev() {
        *slot = BASE32[(bits & 31) as usize];
        bits >>= 5;
    }
    out
}

/// Whether `token` is a 93-character `github_pat_` token whose check matches.
pub(crate) fn github_fine_grained_valid(token: &[u8]) -> bool {
    token.len() == 93
        && token.starts_with(b"github_pat_")
        && github_fine_grained_check(&token[..77]) == token[77..85]
}

#[cfg(test)]
mod tests {
    use super::*;

    // Known answers computed independently with Python: zlib.crc32 + a base62 encoder, and
    // hashlib.sha256 + base64.b32encode.
    #[test]
    fn classic_known_answers() {
        assert_eq!(
            &github_classic_check(b"abcdefghijklmnopqrstuvwxyz0123"),
            b"2LolCm"
        );
        // A check that starts with '0': implementations that compare unpadded base62 miss it.
        assert_eq!(
            &github_classic_check(b"u8jzPde0IgxLd6GncfBAepfJBd0Kh8"),
            b"024xXH"
        );
        assert_eq!(&github_classic_check(b""), b"000000");
    }

    #[test]
    fn classic_token_len_handles_glued_text() {
        let body = b"abcdefghijklmnopqrstuvwxyz0123";
        let mut tok = b"ghp_".to_vec();
        tok.extend_from_slice(body);
        tok.extend_from_slice(&github_classic_check(body));
        assert_eq!(github_classic_token_len(&tok), Some(40));
        let mut glued = tok.clone();
        glued.extend_from_slice(b"nextWord");
        assert_eq!(github_classic_token_len(&glued), Some(40));
        let mut broken = tok.clone();
        broken[10] ^= 0x01;
        assert_eq!(github_classic_token_len(&broken), None);
        assert_eq!(github_classic_token_len(b"ghp_short"), None);
    }

    #[test]
    fn fine_grained_known_answer() {
        let first77 =
            b"github_pat_11ABCDEFG0abcdefghijkl_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq";
        assert_eq!(first77.len(), 77);
        assert_eq!(&github_fine_grained_check(first77), b"M3RV6JZW");
        let mut tok = first77.to_vec();
        tok.extend_from_slice(b"M3RV6JZW");
        tok.extend_from_slice(b"Tail0123");
        assert!(github_fine_grained_valid(&tok));
        tok[40] = b'Z';
        assert!(!github_fine_grained_valid(&tok));
    }
}
