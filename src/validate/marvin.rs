//! Microsoft's identifiable secrets, proved by a Marvin32 checksum (SymCrypt's Marvin hash,
//! the algorithm and seeds published in microsoft/security-utilities, MIT; see
//! `../shared/docs/formats.md` §A.2.6). Written here from that description:
//!
//! - Azure identifiable keys (Storage `+ASt`, Cosmos DB `ACDb`, Service Bus `+ASb`, …): the key
//!   is base64; its last 4 decoded bytes are Marvin32 of the bytes before them, little-endian,
//!   under a seed that depends on the kind of key. The rule file names the seeds.
//! - Entra ID (Azure AD) client secrets `xxx8Q~…` (40 characters): the last 3 characters are the
//!   first 3 of Marvin32 of the rest (seed `AadPwd00`), written in a 66-character alphabet.
//!
//! A seed is 8 ASCII characters read as a big-endian u64 (`"Default0"` is
//! `0x44656661756c7430`), which is how Microsoft's source spells them.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

/// Marvin's 64-bit result for `data` under `seed`.
pub(crate) fn marvin64(data: &[u8], seed: u64) -> u64 {
    let mut p0 = seed as u32;
    let mut p1 = (seed >> 32) as u32;
    let block = |p0: &mut u32, p1: &mut u32| {
        *p1 ^= *p0;
        *p0 = p0.rotate_left(20);
        *p0 = p0.wrapping_add(*p1);
        *p1 = p1.rotate_left(9);
        *p1 ^= *p0;
        *p0 = p0.rotate_left(27);
        *p0 = p0.wrapping_add(*p1);
        *p1 = p1.rotate_left(19);
    };
    let mut words = data.chunks_exact(4);
    for w in &mut words {
        p0 = p0.wrapping_add(u32::from_le_bytes([w[0], w[1], w[2], w[3]]));
        block(&mut p0, &mut p1);
    }
    // The last 0-3 bytes, then a 0x80 byte: one final word, mixed twice.
    let rest = words.remainder();
    let mut last = 0x80u32 << (8 * rest.len());
    for (i, &b) in rest.iter().enumerate() {
        last |= u32::from(b) << (8 * i);
    }
    p0 = p0.wrapping_add(last);
    block(&mut p0, &mut p1);
    block(&mut p0, &mut p1);
    (u64::from(p1) << 32) | u64::from(p0)
}

/// Marvin32: the two halves of [`marvin64`] folded together.
pub(crate) fn marvin32(data: &[u8], seed: u64) -> u32 {
    let h = marvin64(data, seed);
    (h as u32) ^ ((h >> 32) as u32)
}

/// A seed from its 8-character ASCII name, or `None` if it is not 8 ASCII characters.
pub(crate) fn seed_from_name(name: &str) -> Option<u64> {
    let b = name.as_bytes();
    (b.len() == 8 && b.is_ascii()).then(|| u64::from_be_bytes(b.try_into().unwrap()))
}

/// Whether `key` (standard base64) ends in the Marvin32 checksum of its decoded bytes under
/// one of `seeds`.
pub(crate) fn azure_identifiable_valid(key: &[u8], seeds: &[u64]) -> bool {
    let Ok(bytes) = STANDARD.decode(key) else {
        return false;
    };
    if bytes.len() < 8 {
        return false;
    }
    let (data, sum) = bytes.split_at(bytes.len() - 4);
    let want = u32::from_le_bytes([sum[0], sum[1], sum[2], sum[3]]);
    seeds.iter().any(|&s| marvin32(data, s) == want)
}

/// Entra ID's seed, `AadPwd00`.
const ENTRA_SEED: u64 = 0x4161_6450_7764_3030;
const ENTRA_ALPHABET: &[u8; 66] =
    b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ1234567890.-_~";

/// Whether `secret` is a current-format (`8Q~`) Entra ID client secret whose last three
/// characters are its checksum.
pub(crate) fn entra_secret_valid(secret: &[u8]) -> bool {
    if secret.len() < 10 || &secret[3..6] != b"8Q~" {
        return false;
    }
    let (text, check) = secret.split_at(secret.len() - 3);
    // Microsoft encodes the text as Latin-1; the format's alphabet is ASCII, which is the same.
    let mut n = marvin32(text, ENTRA_SEED);
    let mut digits = Vec::with_capacity(6);
    while n > 0 {
        digits.push(ENTRA_ALPHABET[(n % 66) as usize]);
        n /= 66;
    }
    while digits.len() < 6 {
        digits.push(ENTRA_ALPHABET[0]);
    }
    digits.reverse();
    digits[..3] == *check
}

#[cfg(test)]
mod tests {
    use super::*;

    // SymCrypt's Marvin test vectors, as carried by microsoft/security-utilities'
    // `marvin_tests.rs` (quoted in ../shared/docs/formats.md §A.2.6).
    #[test]
    fn marvin_known_answers() {
        assert_eq!(
            marvin64(b"abc", 0xd53c_d9ce_cd08_93b7),
            0x22c7_4339_4927_69bf
        );
        assert_eq!(
            marvin64(b"abcdefghijklmnopqrstuvwxyz", 0x0ddd_deee_efff_f000),
            0xa128_eb7e_7260_aca2
        );
        assert_eq!(seed_from_name("Default0"), Some(0x4465_6661_756c_7430));
        assert_eq!(seed_from_name("AadPwd00"), Some(ENTRA_SEED));
        assert_eq!(seed_from_name("short"), None);
    }

    // Microsoft's positive example for the current client-secret format (security-utilities'
    // test data for SEC101/156): `zzz8Q~`, 31 `z`, then the checksum `blP`.
    #[test]
    fn entra_known_answer() {
        let good = format!("zzz8Q~{}blP", "z".repeat(31));
        assert!(entra_secret_valid(good.as_bytes()));
        let bad = format!("zzz8Q~{}blQ", "z".repeat(31));
        assert!(!entra_secret_valid(bad.as_bytes()));
        let legacy = format!("zzz7Q~{}blP", "z".repeat(31));
        assert!(!entra_secret_valid(legacy.as_bytes()));
    }

    #[test]
    fn azure_key_round_trip() {
        // A key built the way the generator builds one: 60 bytes, then Marvin32 LE.
        let seed = seed_from_name("Default0").unwrap();
        let mut bytes: Vec<u8> = (0u8..60).map(|i| i.wrapping_mul(37)).collect();
        let sum = marvin32(&bytes, seed);
        bytes.extend_from_slice(&sum.to_le_bytes());
        let key = STANDARD.encode(&bytes);
        assert!(azure_identifiable_valid(key.as_bytes(), &[seed]));
        assert!(!azure_identifiable_valid(key.as_bytes(), &[seed + 1]));
        assert!(!azure_identifiable_valid(b"not base64!", &[seed]));
    }
}
