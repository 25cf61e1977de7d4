//! Private keys, proved by their own structure (../shared/docs/formats.md §A.2.12): the base64
//! of a PEM block must decode to DER that parses as the key type its header names, an RSA key's
//! modulus must be the product of its primes, an unencrypted OpenSSH key's two check integers
//! must agree, and an OpenPGP block's CRC-24 must match. Test fixtures that are truncated,
//! hand-edited or made of `AAAA…` fail these checks; encrypted keys are reported (they can be
//! attacked offline) with `encrypted: yes`.
//!
//! PuTTY key files are checked for structure (line counts, base64, MAC length); their MAC is
//! not recomputed.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

type Details = Vec<(String, String)>;

fn detail(key: &str, value: &str) -> (String, String) {
    (key.to_string(), value.to_string())
}

/// Base64 text as found in files: line breaks, spaces and the two-character escapes `\n` `\r`
/// of JSON and shell strings are skipped.
fn decode_lenient(text: &[u8]) -> Option<Vec<u8>> {
    let mut clean = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'\\' if matches!(text.get(i + 1), Some(b'n' | b'r')) => i += 2,
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b => {
                clean.push(b);
                i += 1;
            }
        }
    }
    STANDARD.decode(&clean).ok()
}

/// A DER reader: tag, length, contents.
struct Der<'a> {
    bytes: &'a [u8],
}

impl<'a> Der<'a> {
    fn new(bytes: &'a [u8]) -> Der<'a> {
        Der { bytes }
    }
    /// The next element: (tag, contents).
    fn next(&mut self) -> Option<(u8, &'a [u8])> {
        let (&tag, rest) = self.bytes.split_first()?;
        let (&first, rest) = rest.split_first()?;
        let (len, rest) = if first < 0x80 {
            (usize::from(first), rest)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > 4 || rest.len() < n {
                return None;
            }
            let len = rest[..n]
                .iter()
                .fold(0usize, |a, &b| (a << 8) | usize::from(b));
            (len, &rest[n..])
        };
        if rest.len() < len {
            return None;
        }
        let (v, rest) = rest.split_at(len);
        self.bytes = rest;
        Some((tag, v))
    }
    fn expect(&mut self, tag: u8) -> Option<&'a [u8]> {
        match self.next()? {
            (t, v) if t == tag => Some(v),
            _ => None,
        }
    }
    fn sequence(&mut self) -> Option<Der<'a>> {
        self.expect(0x30).map(Der::new)
    }
    /// A non-negative INTEGER, leading zero bytes removed.
    fn uint(&mut self) -> Option<&'a [u8]> {
        let v = self.expect(0x02)?;
        if v.is_empty() || v[0] & 0x80 != 0 {
            return None;
        }
        let start = v.iter().position(|&b| b != 0).unwrap_or(v.len());
        Some(&v[start..])
    }
}

const OID_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const OID_EC: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_DSA: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01];
const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];
const OID_X25519: &[u8] = &[0x2b, 0x65, 0x6e];

/// Bytes of the largest RSA modulus checked: 16384 bits.
const MAX_MODULUS: usize = 2048;

/// Big-endian unsigned product of `a` and `b`, leading zeros removed.
fn multiply(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = vec![0u32; a.len() + b.len()];
    for (i, &x) in a.iter().rev().enumerate() {
        let mut carry = 0u32;
        for (j, &y) in b.iter().rev().enumerate() {
            let t = out[i + j] + u32::from(x) * u32::from(y) + carry;
            out[i + j] = t & 0xff;
            carry = t >> 8;
        }
        let mut k = i + b.len();
        while carry > 0 {
            let t = out[k] + carry;
            out[k] = t & 0xff;
            carry = t >> 8;
            k += 1;
        }
    }
    let mut bytes: Vec<u8> = out.iter().rev().map(|&d| d as u8).collect();
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    bytes.drain(..start);
    bytes
}

/// PKCS#1 RSAPrivateKey: version, n, e, d, p, q, … with n = p·q. Returns the modulus bits.
fn rsa_pkcs1(der: &[u8]) -> Option<usize> {
    let mut s = Der::new(der).sequence()?;
    let version = s.uint()?;
    if version.len() > 1 {
        return None;
    }
    let n = s.uint()?;
    let (_e, _d) = (s.uint()?, s.uint()?);
    let (p, q) = (s.uint()?, s.uint()?);
    // The product is quadratic in the primes' length: bound it by the largest RSA keys in use
    // (16384 bits), so that a hostile block cannot make the check slow.
    if n.len() > MAX_MODULUS || p.len() + q.len() > n.len() + 1 {
        return None;
    }
    if n.len() < 32 || p.is_empty() || q.is_empty() || multiply(p, q) != n {
        return None;
    }
    Some(n.len() * 8 - n[0].leading_zeros() as usize)
}

/// SEC 1 ECPrivateKey: version 1, the private key as an OCTET STRING of a plausible size.
fn ec_sec1(der: &[u8]) -> bool {
    (|| {
        let mut s = Der::new(der).sequence()?;
        let v = s.uint()?;
        let k = s.expect(0x04)?;
        (v == [1] && (16..=66).contains(&k.len()) && k.iter().any(|&b| b != 0)).then_some(())
    })()
    .is_some()
}

/// DSA: version 0 and five integers.
fn dsa(der: &[u8]) -> bool {
    (|| {
        let mut s = Der::new(der).sequence()?;
        if !s.uint()?.is_empty() {
            return None;
        }
        for _ in 0..5 {
            if s.uint()?.is_empty() {
                return None;
            }
        }
        Some(())
    })()
    .is_some()
}

/// PKCS#8 PrivateKeyInfo: version, algorithm, the key; the key checked as its algorithm says.
fn pkcs8(der: &[u8]) -> Option<Details> {
    let mut s = Der::new(der).sequence()?;
    if s.uint()?.len() > 1 {
        return None;
    }
    let mut alg = s.sequence()?;
    let oid = alg.expect(0x06)?;
    let key = s.expect(0x04)?;
    let kind = if oid == OID_RSA {
        let bits = rsa_pkcs1(key)?;
        return Some(vec![detail("key_type", &format!("RSA {bits}"))]);
    } else if oid == OID_EC {
        ec_sec1(key).then_some("EC")?
    } else if oid == OID_ED25519 || oid == OID_X25519 {
        let inner = Der::new(key).expect(0x04)?;
        (inner.len() == 32).then_some(if oid == OID_ED25519 {
            "Ed25519"
        } else {
            "X25519"
        })?
    } else if oid == OID_DSA {
        (!key.is_empty()).then_some("DSA")?
    } else {
        (key.len() >= 16).then_some("other")?
    };
    Some(vec![detail("key_type", kind)])
}

/// PKCS#8 EncryptedPrivateKeyInfo: an algorithm and the encrypted bytes.
fn pkcs8_encrypted(der: &[u8]) -> bool {
    (|| {
        let mut s = Der::new(der).sequence()?;
        let mut alg = s.sequence()?;
        alg.expect(0x06)?;
        let data = s.expect(0x04)?;
        (data.len() >= 16).then_some(())
    })()
    .is_some()
}

/// An SSH wire-format reader (big-endian u32 lengths).
struct Ssh<'a> {
    bytes: &'a [u8],
}

impl<'a> Ssh<'a> {
    fn u32(&mut self) -> Option<u32> {
        let (head, rest) = self.bytes.split_at_checked(4)?;
        self.bytes = rest;
        Some(u32::from_be_bytes(head.try_into().ok()?))
    }
    fn string(&mut self) -> Option<&'a [u8]> {
        let n = self.u32()? as usize;
        let (head, rest) = self.bytes.split_at_checked(n)?;
        self.bytes = rest;
        Some(head)
    }
}

/// OpenSSH's own format (PROTOCOL.key).
fn openssh(blob: &[u8]) -> Option<Details> {
    let rest = blob.strip_prefix(b"openssh-key-v1\0")?;
    let mut r = Ssh { bytes: rest };
    let cipher = r.string()?;
    let _kdf = r.string()?;
    let _kdf_options = r.string()?;
    let keys = r.u32()?;
    if keys == 0 || keys > 64 {
        return None;
    }
    let mut kind = String::new();
    for _ in 0..keys {
        let public = r.string()?;
        let mut p = Ssh { bytes: public };
        kind = String::from_utf8_lossy(p.string()?)
            .chars()
            .take(40)
            .collect();
    }
    let private = r.string()?;
    if cipher == b"none" {
        let mut p = Ssh { bytes: private };
        if p.u32()? != p.u32()? {
            return None;
        }
        Some(vec![detail("key_type", &kind)])
    } else {
        (private.len() >= 16).then(|| vec![detail("key_type", &kind), detail("encrypted", "yes")])
    }
}

/// OpenPGP's CRC-24 (RFC 4880 §6.1).
fn crc24(data: &[u8]) -> u32 {
    let mut crc: u32 = 0x00b7_04ce;
    for &b in data {
        crc ^= u32::from(b) << 16;
        for _ in 0..8 {
            crc <<= 1;
            if crc & 0x0100_0000 != 0 {
                crc ^= 0x0186_4cfb;
            }
        }
    }
    crc & 0x00ff_ffff
}

/// An ASCII-armoured OpenPGP secret key: headers, a blank line, base64, an optional `=` CRC-24
/// line; the first packet is a secret key (tag 5).
fn pgp(body: &[u8]) -> Option<Details> {
    let text = std::str::from_utf8(body)
        .ok()?
        .replace("\\n", "\n")
        .replace("\\r", "");
    let mut lines = text.lines().map(str::trim).peekable();
    // Armor headers (`Version: …`, `Comment: …`) end at a blank line.
    while let Some(l) = lines.peek() {
        if l.contains(':') {
            lines.next();
        } else {
            break;
        }
    }
    let mut b64 = String::new();
    let mut crc = None;
    for l in lines {
        if let Some(c) = l.strip_prefix('=') {
            crc = Some(c.to_string());
            break;
        }
        b64.push_str(l);
    }
    let data = STANDARD.decode(b64.as_bytes()).ok()?;
    if let Some(c) = crc {
        let want = STANDARD.decode(c.as_bytes()).ok()?;
        if want.len() != 3 || crc24(&data).to_be_bytes()[1..] != want[..] {
            return None;
        }
    }
    let first = *data.first()?;
    let tag = if first & 0x40 != 0 {
        first & 0x3f
    } else {
        (first >> 2) & 0x0f
    };
    (first & 0x80 != 0 && tag == 5 && data.len() >= 32).then(|| vec![detail("key_type", "OpenPGP")])
}

/// A PuTTY key file (`PuTTY-User-Key-File-N: algorithm` …): the counted public and private
/// lines decode, and the MAC has the length of the file version's hash.
fn putty(text: &[u8]) -> Option<Details> {
    let text = std::str::from_utf8(text).ok()?;
    let mut lines = text.lines().map(str::trim_end);
    let head = lines.next()?;
    let (version, algorithm) = head
        .strip_prefix("PuTTY-User-Key-File-")?
        .split_once(": ")?;
    let mac_len = match version {
        "2" => 40,
        "3" => 64,
        _ => return None,
    };
    let mut encrypted = false;
    let mut read_block = |lines: &mut dyn Iterator<Item = &str>, header: &str| -> Option<()> {
        let n: usize = loop {
            let l = lines.next()?;
            if let Some(v) = l.strip_prefix("Encryption: ") {
                encrypted = v != "none";
            }
            if let Some(n) = l.strip_prefix(header) {
                break n.trim().parse().ok()?;
            }
        };
        if n == 0 || n > 256 {
            return None;
        }
        let b64: String = (0..n)
            .map(|_| lines.next())
            .collect::<Option<Vec<_>>>()?
            .concat();
        STANDARD
            .decode(b64.as_bytes())
            .ok()
            .filter(|b| b.len() >= 16)
            .map(|_| ())
    };
    read_block(&mut lines, "Public-Lines: ")?;
    read_block(&mut lines, "Private-Lines: ")?;
    let mac = lines.find_map(|l| l.strip_prefix("Private-MAC: "))?.trim();
    if mac.len() != mac_len || !mac.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut d = vec![detail(
        "key_type",
        &algorithm.chars().take(40).collect::<String>(),
    )];
    if encrypted {
        d.push(detail("encrypted", "yes"));
    }
    Some(d)
}

/// Checks a private key block as matched: a PEM block (`-----BEGIN … PRIVATE KEY-----` …
/// `-----END …-----`) or a PuTTY key file. Returns the details, or `None` if its structure
/// does not hold.
pub(crate) fn private_key(block: &[u8]) -> Option<Details> {
    if block.starts_with(b"PuTTY-User-Key-File-") {
        return putty(block);
    }
    let rest = block.strip_prefix(b"-----BEGIN ")?;
    let label_end = memchr::memmem::find(rest, b"-----")?;
    let label = &rest[..label_end];
    let body_start = label_end + 5;
    let body_end = memchr::memmem::rfind(rest, b"-----END ")?;
    let body = rest.get(body_start..body_end)?;
    if label == b"PGP PRIVATE KEY BLOCK" {
        return pgp(body);
    }
    // Legacy OpenSSL encryption: `Proc-Type: 4,ENCRYPTED` and `DEK-Info:` headers.
    if memchr::memmem::find(body, b"Proc-Type: 4,ENCRYPTED").is_some() {
        let dek = memchr::memmem::find(body, b"DEK-Info:")?;
        let after = &body[dek..];
        let nl = after.iter().position(|&b| b == b'\n' || b == b'\\')?;
        let data = decode_lenient(&after[nl..])?;
        return (data.len() >= 64 && data.len() % 8 == 0).then(|| vec![detail("encrypted", "yes")]);
    }
    let der = decode_lenient(body)?;
    match label {
        b"RSA PRIVATE KEY" => {
            rsa_pkcs1(&der).map(|bits| vec![detail("key_type", &format!("RSA {bits}"))])
        }
        b"EC PRIVATE KEY" => ec_sec1(&der).then(|| vec![detail("key_type", "EC")]),
        b"DSA PRIVATE KEY" => dsa(&der).then(|| vec![detail("key_type", "DSA")]),
        b"PRIVATE KEY" => pkcs8(&der),
        b"ENCRYPTED PRIVATE KEY" => pkcs8_encrypted(&der).then(|| vec![detail("encrypted", "yes")]),
        b"OPENSSH PRIVATE KEY" => openssh(&der),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multiply_is_exact() {
        assert_eq!(
            multiply(&[0x01, 0x00], &[0x01, 0x00]),
            vec![0x01, 0x00, 0x00]
        );
        assert_eq!(multiply(&[0xff, 0xff], &[0xff]), vec![0xfe, 0xff, 0x01]);
        assert_eq!(multiply(&[0x00, 0x07], &[0x06]), vec![42]);
    }

    // RFC 4880 §6.1 defines CRC-24 with init 0xB704CE and polynomial 0x864CFB; the check value
    // of "123456789" for that parameter set (CRC-24/OPENPGP in the CRC catalogue) is 0x21CF02.
    #[test]
    fn crc24_known_answer() {
        assert_eq!(crc24(b"123456789"), 0x21_cf02);
    }

    #[test]
    fn lenient_base64_skips_escapes() {
        assert_eq!(decode_lenient(b"aGVs\\nbG8=\n").unwrap(), b"hello");
        assert!(decode_lenient(b"aGVs*bG8=").is_none());
    }
}
