//! Tokens for the tests, generated at run time by our own implementations (never patrol's):
//! CRC-32 via `crc32fast`, SHA-256 via `sha2`, our own base62 and base32 encoders, checked
//! against known answers in `generators.rs`. No checksum-valid token is ever written into a
//! source file. Also what patrol must print for them (redacted forms, fingerprints) and where
//! they sit in a text (an independent locator).

use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

/// xorshift64* — deterministic per seed, good enough for token bodies.
pub struct Rng(u64);

const ALNUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const HEX: &[u8] = b"0123456789abcdef";

impl Rng {
    pub fn new(seed: u64) -> Rng {
        // Never zero; mix the seed a little so that small seeds differ a lot.
        Rng((seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    pub fn pick(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n)
            .map(|_| alphabet[self.below(alphabet.len() as u64) as usize] as char)
            .collect()
    }

    pub fn alnum(&mut self, n: usize) -> String {
        self.pick(ALNUM, n)
    }

    pub fn hex(&mut self, n: usize) -> String {
        self.pick(HEX, n)
    }

    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next_u64() as u8).collect()
    }
}

/// Base62 over `0-9A-Za-z`, most significant digit first, zero-padded to 6 characters.
pub fn base62_6(mut n: u32) -> String {
    let mut digits = Vec::new();
    while n > 0 {
        digits.push(ALNUM[(n % 62) as usize]);
        n /= 62;
    }
    while digits.len() < 6 {
        digits.push(b'0');
    }
    digits.reverse();
    String::from_utf8(digits).unwrap()
}

/// RFC 4648 base32, upper case, with padding.
pub fn base32(data: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    for chunk in data.chunks(5) {
        let mut buf = [0u8; 5];
        buf[..chunk.len()].copy_from_slice(chunk);
        let v = buf.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        let chars = match chunk.len() {
            1 => 2,
            2 => 4,
            3 => 5,
            4 => 7,
            _ => 8,
        };
        for i in 0..8 {
            if i < chars {
                out.push(A[((v >> (35 - 5 * i)) & 31) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What patrol must print as a secret's fingerprint.
pub fn fingerprint(secret: &str) -> String {
    format!("sha256:{}", sha256_hex(secret.as_bytes()))
}

/// A checksum-valid classic token: `prefix_` + body + base62(CRC32(body)).
pub fn classic_with_body(prefix: &str, body: &str) -> String {
    format!(
        "{prefix}_{body}{}",
        base62_6(crc32fast::hash(body.as_bytes()))
    )
}

/// `ghp`, `gho`, `ghu`, `ghs`: 30 random + 6 check (40 characters).
pub fn classic(prefix: &str, rng: &mut Rng) -> String {
    let body = rng.alnum(30);
    let t = classic_with_body(prefix, &body);
    assert_eq!(t.len(), 40);
    t
}

/// `ghr_` + 70 random + 6 check (80 characters).
pub fn refresh(rng: &mut Rng) -> String {
    let body = rng.alnum(70);
    let t = classic_with_body("ghr", &body);
    assert_eq!(t.len(), 80);
    t
}

/// A checksum-valid fine-grained PAT (93 characters).
pub fn fine_grained(rng: &mut Rng) -> String {
    let b32 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let first77 = format!(
        "github_pat_11{}0{}_{}",
        rng.pick(b32, 7),
        rng.alnum(12),
        rng.alnum(43)
    );
    assert_eq!(first77.len(), 77);
    let check = &base32(&Sha256::digest(first77.as_bytes()))[..8];
    let t = format!("{first77}{check}{}", rng.alnum(8));
    assert_eq!(t.len(), 93);
    t
}

pub fn b64url(data: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(data)
}

/// 40 random lowercase hex digits that look random (many distinct digits, letters and digits).
pub fn legacy_hex(rng: &mut Rng) -> String {
    loop {
        let h = rng.hex(40);
        let mut distinct: Vec<char> = h.chars().collect();
        distinct.sort();
        distinct.dedup();
        let has_digit = h.chars().any(|c| c.is_ascii_digit());
        let has_letter = h.chars().any(|c| c.is_ascii_alphabetic());
        if distinct.len() >= 12 && has_digit && has_letter {
            return h;
        }
    }
}

/// A checksum-valid classic token from a seed alone, e.g. `token("ghp", 7)`.
pub fn token(prefix: &str, seed: u64) -> String {
    classic(prefix, &mut Rng::new(seed))
}

/// 1-based (line, column in characters) and byte offset of the first occurrence of `needle`
/// in UTF-8 `text`.
pub fn locate(text: &str, needle: &str) -> (u64, u64, u64) {
    let offset = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not in text"));
    let before = &text[..offset];
    let line = before.matches('\n').count() as u64 + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..offset].chars().count() as u64 + 1;
    (line, column, offset as u64)
}

/// A stateless installation token: `ghs_<app>_<header>.<claims>.<signature>`, with the given
/// issue and expiry times.
pub fn stateless_at(app_id: u64, iat: i64, exp: i64, rng: &mut Rng) -> String {
    let header = br#"{"alg":"RS256","typ":"JWT"}"#;
    let claims = format!(
        r#"{{"iss":"https://github.com","sub":"installation:{}","app_id":{app_id},"iat":{iat},"exp":{exp}}}"#,
        rng.below(1_000_000_000)
    );
    format!(
        "ghs_{app_id}_{}.{}.{}",
        b64url(header),
        b64url(claims.as_bytes()),
        b64url(&rng.bytes(96))
    )
}

pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// A stateless installation token, valid for another hour.
pub fn stateless(app_id: u64, rng: &mut Rng) -> String {
    let now = unix_now();
    let header = br#"{"alg":"RS256","typ":"JWT"}"#;
    let claims = format!(
        r#"{{"iss":"github","exp":{},"iat":{}}}"#,
        now + 3600,
        now - 60
    );
    format!(
        "ghs_{app_id}_{}.{}.{}",
        b64url(header),
        b64url(claims.as_bytes()),
        b64url(&rng.bytes(64))
    )
}

/// The same token with the character at `at` changed, so its checksum no longer matches.
pub fn corrupt_at(token: &str, at: usize) -> String {
    let mut b = token.as_bytes().to_vec();
    b[at] = if b[at] == b'A' { b'B' } else { b'A' };
    String::from_utf8(b).unwrap()
}

/// The token with one character in its middle changed: same shape, checksum broken.
pub fn corrupt(token: &str) -> String {
    let t = corrupt_at(token, token.len() / 2);
    assert_ne!(t, token);
    t
}

/// patrol's redaction with an explicit public prefix: `prefix_len` bytes, 4 characters, `…`.
pub fn redacted_n(secret: &str, prefix_len: usize) -> String {
    format!(
        "{}{}…",
        &secret[..prefix_len],
        &secret[prefix_len..prefix_len + 4]
    )
}

/// patrol's redaction of a GitHub token: the public prefix (`github_pat_`, or `ghX_`), 4 more
/// characters, `…`.
pub fn redacted(token: &str) -> String {
    let prefix = if token.starts_with("github_pat_") {
        "github_pat_".len()
    } else {
        4
    };
    redacted_n(token, prefix)
}
