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

#[cfg(test)]
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Shortest classic token body + check (30 + 6) that GitHub issues.
const CLASSIC_MIN_TAIL: usize = 36;

/// The 6-character base62 check GitHub appends to a classic token's body.
#[cfg(test)]
fn github_classic_check(body: &[u8]) -> [u8; 6] {
    base62_6(crc32fast::hash(body))
}

/// `n` in base62, most significant digit first, zero-padded to 6 characters.
#[cfg(test)]
fn base62_6(mut n: u32) -> [u8; 6] {
    let mut out = [b'0'; 6];
    // 62^6 > 2^32, so six digits always suffice; unused leading digits stay '0'.
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    out
}

/// If some prefix of `candidate` (`prefix_` + alphanumerics) is a checksum-valid classic token,
/// its length: the longest that passes, so that a token with text glued to its end (`ghp_…`
/// followed by more letters) is still proved. Returns `None` if no length of at least 36
/// characters after the `_` passes.
///
/// Linear in the candidate: the CRC of each longer body extends the previous one by a byte,
/// rather than being computed afresh for every length (a 251-character run would otherwise
/// cost 216 hashes of up to 245 bytes each).
pub(crate) fn github_classic_token_len(candidate: &[u8]) -> Option<usize> {
    let underscore = memchr::memchr(b'_', candidate)?;
    let tail = &candidate[underscore + 1..];
    if tail.len() < CLASSIC_MIN_TAIL {
        return None;
    }
    // The CRC register (pre-inversion) over tail[..n - 6], the body when the token is n
    // characters long; extended one byte per length.
    let mut crc = !crc32fast::hash(&tail[..CLASSIC_MIN_TAIL - 6]);
    let mut best = None;
    for n in CLASSIC_MIN_TAIL..=tail.len() {
        if decode_base62_6(&tail[n - 6..n]) == Some(u64::from(!crc)) {
            best = Some(underscore + 1 + n);
        }
        if n < tail.len() {
            crc = crc32_byte(crc, tail[n - 6]);
        }
    }
    best
}

/// One byte into a CRC-32/IEEE register (reflected, polynomial 0xEDB88320), by table.
fn crc32_byte(crc: u32, byte: u8) -> u32 {
    CRC_TABLE[usize::from((crc as u8) ^ byte)] ^ (crc >> 8)
}

const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

/// The number six base62 characters spell, or `None` if one is not base62.
fn decode_base62_6(digits: &[u8]) -> Option<u64> {
    digits.iter().try_fold(0u64, |n, &d| {
        let v = match d {
            b'0'..=b'9' => d - b'0',
            b'A'..=b'Z' => d - b'A' + 10,
            b'a'..=b'z' => d - b'a' + 36,
            _ => return None,
        };
        Some(n * 62 + u64::from(v))
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
    fn table_crc_agrees_with_crc32fast() {
        let data = b"The quick brown fox jumps over the lazy dog 0123456789";
        for n in 0..data.len() {
            let mut crc = !crc32fast::hash(&data[..n]);
            for &b in &data[n..] {
                crc = crc32_byte(crc, b);
            }
            assert_eq!(!crc, crc32fast::hash(data), "{n}");
        }
        assert_eq!(decode_base62_6(b"000010"), Some(62));
        assert_eq!(decode_base62_6(b"zzzzzz"), Some(62u64.pow(6) - 1));
        assert_eq!(decode_base62_6(b"00-000"), None);
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
