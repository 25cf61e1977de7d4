//! Offline checks from a token's structure where its format has no checksum but does carry
//! something a placeholder or a typo would not: an AWS key id's embedded account, a PyPI
//! macaroon's fields, the JSON inside Sentry, Grafana Cloud, 1Password and Mapbox tokens, a
//! Discord bot token's user id and creation time, OpenAI's centred marker, SendGrid's segment
//! sizes, age's Bech32 checksum. Each returns the facts worth showing (never the secret), or
//! `None` when the structure does not hold. Formats and evidence: ../shared/docs/formats.md §A.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use serde_json::{Map, Value};

use crate::finding::format_unix_utc;

type Details = Vec<(String, String)>;

fn detail(key: &str, value: impl Into<String>) -> (String, String) {
    (key.to_string(), value.into())
}

/// Text that documentation and tests put where a real value goes. A random token spells one
/// of these by chance with negligible probability.
pub(crate) fn looks_like_placeholder(s: &[u8]) -> bool {
    const WORDS: [&[u8]; 8] = [
        b"example",
        b"xxxxx",
        b"placeholder",
        b"dummy",
        b"sample",
        b"fake",
        b"00000",
        b"12345678",
    ];
    let lower = s.to_ascii_lowercase();
    WORDS
        .iter()
        .any(|w| memchr::memmem::find(&lower, w).is_some())
}

/// AWS access key ids (`AKIA`, `ASIA`, `ABIA`, `ACCA` + 16 base32 characters): the account id
/// is bits 7..47 of the base32-decoded body (TruffleHog's `GetAccountNumFromID`, credited to
/// Tal Be'ery). Ids whose fifth character is `I` or `J` predate that layout.
pub(crate) fn aws_key_id(id: &[u8]) -> Option<Details> {
    if id.len() != 20 || looks_like_placeholder(id) {
        return None;
    }
    let kind = match &id[..4] {
        b"AKIA" => "long-term (IAM user)",
        b"ASIA" => "temporary (STS)",
        b"ABIA" => "AWS STS service bearer",
        b"ACCA" => "context-specific",
        _ => return None,
    };
    let body = &id[4..];
    if !body
        .iter()
        .all(|&b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
    {
        return None;
    }
    let mut details = vec![detail("key_type", kind)];
    if !matches!(body[0], b'I' | b'J') {
        // Base32: 16 characters are 80 bits; the first 48 hold the account.
        let mut bits: u128 = 0;
        for &c in body {
            let v = if c.is_ascii_uppercase() {
                c - b'A'
            } else {
                c - b'2' + 26
            };
            bits = (bits << 5) | u128::from(v);
        }
        let z = (bits >> 32) as u64;
        let account = (z & 0x7fff_ffff_ff80) >> 7;
        details.push(detail("account", format!("{account:012}")));
    }
    Some(details)
}

/// AWS secret access keys: 40 base64 characters with no structure; a random one mixes upper
/// case, lower case and digits and is not hex. Documentation examples say EXAMPLE.
pub(crate) fn aws_secret(s: &[u8]) -> bool {
    s.len() == 40
        && s.iter().any(u8::is_ascii_uppercase)
        && s.iter().any(u8::is_ascii_lowercase)
        && s.iter().any(u8::is_ascii_digit)
        && !looks_like_placeholder(s)
        && super::entropy::shannon(s) >= 4.0
}

const BECH32: &[u8; 32] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";

/// BIP-173 Bech32: whether `s` (any case, not mixed) has a valid checksum (constant 1).
/// Returns the human-readable part and the data length in 5-bit groups, checksum excluded.
pub(crate) fn bech32(s: &[u8]) -> Option<(String, usize)> {
    let lower = s.to_ascii_lowercase();
    if s.iter().any(u8::is_ascii_lowercase) && s.iter().any(u8::is_ascii_uppercase) {
        return None;
    }
    let sep = lower.iter().rposition(|&b| b == b'1')?;
    let (hrp, data) = (&lower[..sep], &lower[sep + 1..]);
    if hrp.is_empty() || data.len() < 6 {
        return None;
    }
    let mut values = Vec::with_capacity(hrp.len() * 2 + 1 + data.len());
    values.extend(hrp.iter().map(|&c| c >> 5));
    values.push(0);
    values.extend(hrp.iter().map(|&c| c & 31));
    for &c in data {
        values.push(BECH32.iter().position(|&x| x == c)? as u8);
    }
    let mut chk: u32 = 1;
    for v in values {
        let top = chk >> 25;
        chk = ((chk & 0x1ff_ffff) << 5) ^ u32::from(v);
        for (i, g) in [
            0x3b6a_57b2,
            0x2650_8e6d,
            0x1ea1_19fa,
            0x3d42_33dd,
            0x2a14_62b3,
        ]
        .into_iter()
        .enumerate()
        {
            if (top >> i) & 1 == 1 {
                chk ^= g;
            }
        }
    }
    (chk == 1).then(|| (String::from_utf8_lossy(hrp).into_owned(), data.len() - 6))
}

/// age identities: Bech32 with the `age-secret-key-` (or post-quantum `age-secret-key-pq-`)
/// part and a 32-byte payload (52 groups of 5 bits).
pub(crate) fn age_secret_key(s: &[u8]) -> Option<Details> {
    let (hrp, groups) = bech32(s)?;
    let kind = match hrp.as_str() {
        "age-secret-key-" => "X25519",
        "age-secret-key-pq-" => "post-quantum hybrid",
        _ => return None,
    };
    (groups == 52).then(|| vec![detail("key_type", kind)])
}

/// PyPI tokens: `pypi-` + base64url of a version-2 binary macaroon whose location is PyPI or
/// TestPyPI, whose identifier is a UUID, and whose signature is 32 bytes (Warehouse's
/// `macaroons/services.py`; libmacaroons' v2 serialisation).
pub(crate) fn pypi_macaroon(token: &[u8]) -> Option<Details> {
    let body = token.strip_prefix(b"pypi-")?;
    let end = body.iter().rposition(|&b| b != b'=').map_or(0, |i| i + 1);
    let bytes = URL_SAFE_NO_PAD.decode(&body[..end]).ok()?;
    let mut p = Packet {
        bytes: &bytes,
        at: 0,
    };
    if p.byte()? != 2 {
        return None;
    }
    let (t, location) = p.field()?;
    let host = match (t, location) {
        (1, b"pypi.org") => "pypi.org",
        (1, b"test.pypi.org") => "test.pypi.org",
        _ => return None,
    };
    let (t, id) = p.field()?;
    let uuid_like = id.len() == 36
        && id.iter().enumerate().all(|(i, &c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        });
    if t != 2 || !uuid_like || p.byte()? != 0 {
        return None;
    }
    let mut caveats = 0;
    loop {
        match p.peek()? {
            0 => {
                p.byte()?;
                break;
            }
            _ => {
                // One caveat: fields until its end-of-section byte.
                while p.peek()? != 0 {
                    p.field()?;
                }
                p.byte()?;
                caveats += 1;
            }
        }
    }
    let (t, sig) = p.field()?;
    if t != 6 || sig.len() != 32 || p.at != bytes.len() {
        return None;
    }
    Some(vec![
        detail("index", host),
        detail("caveats", caveats.to_string()),
    ])
}

/// A cursor over libmacaroons' v2 fields: a type byte, a varint length, the bytes.
struct Packet<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Packet<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }
    fn byte(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.at += 1;
        Some(b)
    }
    fn field(&mut self) -> Option<(u8, &'a [u8])> {
        let t = self.byte()?;
        let mut len: usize = 0;
        for shift in (0..35).step_by(7) {
            let b = self.byte()?;
            len |= usize::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                let end = self.at.checked_add(len)?;
                let v = self.bytes.get(self.at..end)?;
                self.at = end;
                return Some((t, v));
            }
        }
        None
    }
}

pub(super) fn decode_json_object(bytes: &[u8]) -> Option<Map<String, Value>> {
    match serde_json::from_slice(bytes).ok()? {
        Value::Object(m) => Some(m),
        _ => None,
    }
}

/// Base64 in either alphabet, padded or not.
pub(super) fn decode_any_base64(s: &[u8]) -> Option<Vec<u8>> {
    let end = s.iter().rposition(|&b| b != b'=').map_or(0, |i| i + 1);
    let s = &s[..end];
    if s.iter().any(|&b| b == b'-' || b == b'_') {
        URL_SAFE_NO_PAD.decode(s).ok()
    } else {
        base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(s)
            .ok()
    }
}

fn short(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    s.chars().take(80).collect()
}

/// Sentry organization tokens: `sntrys_` + base64(JSON with a truthy `iat`) + `_` + 43
/// characters (getsentry's `orgauthtoken_token.py`). Shows the organization and its URL.
pub(crate) fn sentry_org_token(token: &[u8]) -> Option<Details> {
    let rest = token.strip_prefix(b"sntrys_")?;
    let mut parts = rest.split(|&b| b == b'_');
    let (payload, secret) = (parts.next()?, parts.next()?);
    if parts.next().is_some() || secret.len() != 43 {
        return None;
    }
    let json = decode_json_object(&STANDARD.decode(payload).ok()?)?;
    let iat = json.get("iat")?;
    if iat.is_null() || iat == &Value::Bool(false) || iat.as_f64() == Some(0.0) {
        return None;
    }
    let mut d = Vec::new();
    for (k, name) in [("org", "organization"), ("url", "url")] {
        if let Some(v) = json.get(k) {
            d.push(detail(name, short(v)));
        }
    }
    Some(d)
}

/// Grafana Cloud access policy tokens: `glc_` + base64(JSON `{"o":…, "n":…, "k":…, "m":{"r":…}}`).
pub(crate) fn grafana_cloud_token(token: &[u8]) -> Option<Details> {
    let json = decode_json_object(&decode_any_base64(token.strip_prefix(b"glc_")?)?)?;
    let k = json.get("k")?.as_str()?;
    if k.len() < 16 || !json.contains_key("o") || !json.contains_key("n") {
        return None;
    }
    let mut d = vec![detail("org", short(json.get("o")?))];
    if let Some(r) = json.get("m").and_then(|m| m.get("r")) {
        d.push(detail("region", short(r)));
    }
    Some(d)
}

/// 1Password service-account tokens: `ops_` + base64(JSON object). The object's fields are
/// not documented; a JSON object of several fields is what a placeholder is not.
pub(crate) fn onepassword_service_token(token: &[u8]) -> Option<Details> {
    let json = decode_json_object(&decode_any_base64(token.strip_prefix(b"ops_")?)?)?;
    if json.len() < 3 {
        return None;
    }
    let mut d = Vec::new();
    if let Some(v) = json.get("signInAddress") {
        d.push(detail("sign_in_address", short(v)));
    }
    Some(d)
}

/// Mapbox secret tokens: `sk.` + base64url(JSON with `u`, the user, and `a`) + `.` + signature.
pub(crate) fn mapbox_secret_token(token: &[u8]) -> Option<Details> {
    let rest = token.strip_prefix(b"sk.")?;
    let mut parts = rest.split(|&b| b == b'.');
    let (payload, sig) = (parts.next()?, parts.next()?);
    if parts.next().is_some() || sig.len() < 20 {
        return None;
    }
    let json = decode_json_object(&decode_any_base64(payload)?)?;
    let user = json.get("u")?;
    json.get("a")?;
    Some(vec![detail("user", short(user))])
}

/// Discord bot tokens: the first segment is base64 of the bot's user id (17-20 digits), whose
/// snowflake timestamp must fall between Discord's epoch (2015) and the scan; the second is 6
/// characters; the third at least 27.
pub(crate) fn discord_bot_token(token: &[u8]) -> Option<Details> {
    let mut parts = token.split(|&b| b == b'.');
    let (id, ts, mac) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || ts.len() != 6 || mac.len() < 27 {
        return None;
    }
    let digits = decode_any_base64(id)?;
    if !(17..=20).contains(&digits.len()) || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let id: u64 = std::str::from_utf8(&digits).ok()?.parse().ok()?;
    let created_ms = (id >> 22) + 1_420_070_400_000;
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(u64::MAX, |d| d.as_millis() as u64);
    if created_ms > now_ms {
        return None;
    }
    Some(vec![
        detail("bot_id", id.to_string()),
        detail("created_at", format_unix_utc((created_ms / 1000) as i64)),
    ])
}

/// OpenAI keys: `T3BlbkFJ` (base64 of "OpenAI") sits exactly in the middle of the part after
/// the prefix (`sk-`, `sk-proj-`, `sk-svcacct-`, `sk-admin-`).
pub(crate) fn openai_key(token: &[u8]) -> bool {
    let Some(m) = memchr::memmem::find(token, b"T3BlbkFJ") else {
        return false;
    };
    let after = token.len() - m - 8;
    let Some(start) = m.checked_sub(after) else {
        return false;
    };
    let prefix = &token[..start];
    prefix.starts_with(b"sk-") && prefix.ends_with(b"-") && !looks_like_placeholder(&token[start..])
}

/// SendGrid keys: `SG.` + 22 + `.` + 43 base64url characters: a 16-byte id and a 32-byte
/// secret, so the bits past the last whole byte of each segment are zero.
pub(crate) fn sendgrid_key(token: &[u8]) -> bool {
    let Some(rest) = token.strip_prefix(b"SG.") else {
        return false;
    };
    let mut parts = rest.split(|&b| b == b'.');
    let (Some(id), Some(secret), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let decodes = |s: &[u8], n: usize| URL_SAFE_NO_PAD.decode(s).is_ok_and(|b| b.len() == n);
    decodes(id, 16) && decodes(secret, 32) && !looks_like_placeholder(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    // The account decoding of ../shared/docs/formats.md §A.2.10, recomputed independently with
    // Python's base64.b32decode: `ASIAY34FZKBOKMUTVV7A` belongs to 609629065308. // patrol:allow
    #[test]
    fn aws_account_known_answer() {
        let d = aws_key_id(b"ASIAY34FZKBOKMUTVV7A").unwrap(); // patrol:allow
        assert!(d.contains(&detail("account", "609629065308")), "{d:?}");
        // AWS's documentation example is a placeholder, and an old-layout id.
        assert!(aws_key_id(b"AKIAIOSFODNN7EXAMPLE").is_none());
        let old = aws_key_id(b"AKIAI44QH8DHBKEYRQ2A");
        assert!(old.is_none(), "8 is not base32");
        assert!(aws_key_id(b"AKIAJ44QHZDHBKEYRQ2A").unwrap().len() == 1); // patrol:allow
    }

    // BIP-173's valid test strings, and one with a broken checksum.
    #[test]
    fn bech32_known_answers() {
        assert!(bech32(b"A12UEL5L").is_some());
        assert!(bech32(b"a12uel5l").is_some());
        assert!(bech32(b"abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw").is_some());
        assert!(bech32(b"split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w").is_some());
        assert!(bech32(b"a12uel5m").is_none());
        assert!(bech32(b"A12uEL5L").is_none());
    }

    #[test]
    fn pypi_macaroon_structure() {
        // Built field by field as Warehouse builds one.
        let mut m = vec![2u8, 1, 8];
        m.extend_from_slice(b"pypi.org");
        m.extend_from_slice(&[2, 36]);
        m.extend_from_slice(b"0f7b6e3c-6a59-4d2b-9a3e-1c2d3e4f5a6b");
        m.push(0);
        let caveat = br#"[1,["patrol"]]"#;
        m.extend_from_slice(&[2, caveat.len() as u8]);
        m.extend_from_slice(caveat);
        m.extend_from_slice(&[0, 0, 6, 32]);
        m.extend_from_slice(&[7u8; 32]);
        let tok = format!("pypi-{}", URL_SAFE_NO_PAD.encode(&m));
        assert!(tok.starts_with("pypi-AgEIcHlwaS5vcmc"));
        let d = pypi_macaroon(tok.as_bytes()).unwrap();
        assert!(d.contains(&detail("caveats", "1")));
        m.pop();
        let cut = format!("pypi-{}", URL_SAFE_NO_PAD.encode(&m));
        assert!(pypi_macaroon(cut.as_bytes()).is_none());
    }

    #[test]
    fn discord_and_openai_and_sendgrid() {
        // Bot id 1313131313131313131 (19 digits, 2024) encodes to 26 characters.
        let id = URL_SAFE_NO_PAD.encode("1313131313131313131");
        assert_eq!(id.len(), 26);
        let tok = format!("{id}.GabcdE.{}", "q".repeat(38));
        assert!(discord_bot_token(tok.as_bytes()).is_some());
        let not_digits = format!(
            "{}.GabcdE.{}",
            URL_SAFE_NO_PAD.encode("13131313131313131x3"),
            "q".repeat(38)
        );
        assert!(discord_bot_token(not_digits.as_bytes()).is_none());

        let half = "Ab3dE6gH9jK2mN5pQ8sT";
        assert!(openai_key(format!("sk-{half}T3BlbkFJ{half}").as_bytes()));
        assert!(!openai_key(format!("sk-{half}T3BlbkFJ{half}x").as_bytes()));
        assert!(openai_key(
            format!("sk-proj-{half}-{half}T3BlbkFJ{half}_{half}").as_bytes()
        ));

        let sg = format!(
            "SG.{}.{}",
            URL_SAFE_NO_PAD.encode([9u8; 16]),
            URL_SAFE_NO_PAD.encode([3u8; 32])
        );
        assert!(sendgrid_key(sg.as_bytes()));
        assert!(!sendgrid_key(
            b"SG.xxxxxxxxxxxxxxxxxxxxxx.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
        ));
    }
}
