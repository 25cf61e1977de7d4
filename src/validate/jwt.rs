//! Structure of the stateless installation tokens GitHub issues since 2026:
//! `ghs_<APPID>_<header>.<claims>.<signature>`, each part base64url. The signature is GitHub's
//! and cannot be checked offline; a token is credible when the header and the claims decode to
//! JSON objects and the header names an algorithm. The claims tell the report who issued the
//! token and when it expires.

use serde_json::Value;

use super::structure;

use crate::finding::format_unix_utc;

/// An ES256 signature (64 bytes) is 86 base64url characters; anything much shorter is not a
/// signature GitHub made.
const MIN_SIGNATURE_LEN: usize = 40;

/// Decodes a stateless `ghs_` token. Returns the details for the report (app id, expiry, issue
/// time, issuer), or `None` if the structure is not a JWT.
pub(crate) fn decode_stateless_ghs(candidate: &[u8]) -> Option<Vec<(String, String)>> {
    let rest = candidate.strip_prefix(b"ghs_")?;
    let underscore = memchr::memchr(b'_', rest)?;
    let (app_id, jwt) = (&rest[..underscore], &rest[underscore + 1..]);
    if app_id.is_empty() || !app_id.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut parts = jwt.split(|&b| b == b'.');
    let (header, claims, signature) = (parts.next()?, parts.next()?, parts.next()?);
    // GitHub signs with RSA or ECDSA: a signature is tens to hundreds of characters.
    if parts.next().is_some() || signature.len() < MIN_SIGNATURE_LEN {
        return None;
    }
    let header = decode_object(header)?;
    header.get("alg")?.as_str()?;
    let claims = decode_object(claims)?;
    if claims.is_empty() {
        return None;
    }

    let mut details = vec![(
        "app_id".to_string(),
        String::from_utf8_lossy(app_id).into_owned(),
    )];
    for (claim, key) in [("exp", "expires_at"), ("iat", "issued_at")] {
        if let Some(t) = claims.get(claim).and_then(Value::as_i64) {
            details.push((key.to_string(), format_unix_utc(t)));
        }
    }
    if let Some(iss) = claims.get("iss").and_then(Value::as_str) {
        details.push(("issuer".to_string(), iss.chars().take(80).collect()));
    }
    Some(details)
}

/// A base64url part (padding tolerated, which some encoders add despite RFC 7515) holding a
/// JSON object.
fn decode_object(part: &[u8]) -> Option<serde_json::Map<String, Value>> {
    structure::decode_json_object(&structure::decode_any_base64(part)?)
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;

    use super::*;

    const SIG: &str = "c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJl";

    fn b64(s: &str) -> String {
        URL_SAFE_NO_PAD.encode(s)
    }

    #[test]
    fn decodes_claims() {
        let tok = format!(
            "ghs_123456_{}.{}.{}",
            b64(r#"{"alg":"RS256","typ":"JWT"}"#),
            b64(r#"{"iss":"github","exp":1767225600,"iat":1767222000}"#),
            SIG
        );
        let d = decode_stateless_ghs(tok.as_bytes()).unwrap();
        assert_eq!(d[0], ("app_id".into(), "123456".into()));
        assert_eq!(d[1], ("expires_at".into(), "2026-01-01T00:00:00Z".into()));
        assert_eq!(d[2], ("issued_at".into(), "2025-12-31T23:00:00Z".into()));
    }

    #[test]
    fn rejects_non_jwt() {
        let tok = |app: &str, header: &str, claims: &str, sig: &str| {
            format!("ghs_{app}_{}.{}.{sig}", b64(header), b64(claims))
        };
        let ok = tok("1", r#"{"alg":"ES256"}"#, r#"{"exp":1}"#, SIG);
        assert!(decode_stateless_ghs(ok.as_bytes()).is_some());
        let bad = [
            tok("x", r#"{"alg":"ES256"}"#, r#"{"exp":1}"#, SIG),
            tok("1", r#"{"typ":"JWT"}"#, r#"{"exp":1}"#, SIG),
            tok("1", r#"{"alg":"ES256"}"#, "{}", SIG),
            tok("1", r#"{"alg":"ES256"}"#, r#"{"exp":1}"#, "c2ln"),
            tok("1", r#"{"alg":"ES256"}"#, "[1]", SIG),
            "ghs_1_abc.def.ghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz".to_string(),
        ];
        for b in bad {
            assert!(decode_stateless_ghs(b.as_bytes()).is_none(), "{b}");
        }
    }
}
