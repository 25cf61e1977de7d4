//! The CRC-32 family of token checksums beyond GitHub's classic tokens. Vendors that copied
//! GitHub's idea differ in four ways, each a field of [`Crc32Spec`] so that a rule file states
//! its variant as data (see `../shared/docs/formats.md` §A.2.1–A.2.5):
//!
//! - what the CRC covers: the body after the prefix (npm, Prefect, Cloudflare) or everything
//!   before the check, prefix included (Deno, GitLab routable, Atlassian, Grafana);
//! - how the CRC is written: base62 in either alphabet order, base36, upper or lower hex,
//!   or the CRC's little-endian bytes in hex (Grafana);
//! - how many characters the check takes (6, 7 or 8), zero-padded on the left;
//! - a separator between the covered text and the check that the CRC skips (Grafana's `_`).
//!
//! The CRC is always CRC-32/IEEE (zlib's `crc32`).

/// How a CRC-32 value is spelled at the end of a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CrcEncoding {
    /// `0-9A-Za-z`, most significant digit first (GitHub, npm, Deno).
    Base62,
    /// `0-9a-zA-Z`, the order of Go's `big.Int.Text(62)` (Prefect).
    Base62LowerFirst,
    /// `0-9a-z` (GitLab routable tokens).
    Base36,
    /// `0-9A-F`, big-endian (Atlassian, Bitbucket).
    HexUpper,
    /// `0-9a-f`, big-endian (Cloudflare).
    HexLower,
    /// `0-9a-f` of the CRC's four bytes least significant first (Grafana).
    HexLittleEndian,
}

impl CrcEncoding {
    pub(crate) const ALL: [(&'static str, CrcEncoding); 6] = [
        ("base62", CrcEncoding::Base62),
        ("base62-lower-first", CrcEncoding::Base62LowerFirst),
        ("base36", CrcEncoding::Base36),
        ("hex-upper", CrcEncoding::HexUpper),
        ("hex-lower", CrcEncoding::HexLower),
        ("hex-le", CrcEncoding::HexLittleEndian),
    ];

    pub(crate) fn name(self) -> &'static str {
        CrcEncoding::ALL
            .iter()
            .find(|(_, e)| *e == self)
            .map_or("?", |(n, _)| n)
    }

    /// The most characters a CRC-32 needs in this encoding.
    fn max_digits(self) -> usize {
        match self {
            CrcEncoding::Base62 | CrcEncoding::Base62LowerFirst => 6,
            CrcEncoding::Base36 => 7,
            _ => 8,
        }
    }
}

/// One vendor's CRC-32 variant. Invariant (checked when a rule loads, [`Crc32Spec::new`]):
/// `digits` is enough to spell any CRC-32 in `encoding`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Crc32Spec {
    /// The CRC covers the prefix (the rule keyword the token starts with) too.
    pub covers_prefix: bool,
    pub encoding: CrcEncoding,
    /// Characters of the check at the end of the token.
    pub digits: u8,
    /// A byte between the covered text and the check, not covered.
    pub separator: Option<u8>,
}

impl Crc32Spec {
    pub(crate) fn new(
        covers_prefix: bool,
        encoding: CrcEncoding,
        digits: usize,
        separator: Option<u8>,
    ) -> Result<Crc32Spec, String> {
        let max = encoding.max_digits();
        if digits < max || digits > 16 {
            return Err(format!(
                "a CRC-32 in {} takes {max} characters; digits = {digits} cannot hold it",
                encoding.name()
            ));
        }
        Ok(Crc32Spec {
            covers_prefix,
            encoding,
            digits: digits as u8,
            separator,
        })
    }

    /// Whether `token` (which starts with a `prefix_len`-byte public prefix) ends in the
    /// check of its covered text.
    pub(crate) fn verify(&self, token: &[u8], prefix_len: usize) -> bool {
        let digits = usize::from(self.digits);
        let sep = usize::from(self.separator.is_some());
        let Some(covered_end) = token.len().checked_sub(digits + sep) else {
            return false;
        };
        let start = if self.covers_prefix { 0 } else { prefix_len };
        if covered_end <= start {
            return false;
        }
        if let Some(s) = self.separator {
            if token[covered_end] != s {
                return false;
            }
        }
        let crc = crc32fast::hash(&token[start..covered_end]);
        let mut want = [0u8; 16];
        self.encode(crc, &mut want[..digits]);
        want[..digits] == token[token.len() - digits..]
    }

    /// Writes `crc` into `out` (most significant digit first, zero-padded).
    pub(crate) fn encode(&self, crc: u32, out: &mut [u8]) {
        const B62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        const B62L: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        const HEXU: &[u8] = b"0123456789ABCDEF";
        let (alphabet, n): (&[u8], u64) = match self.encoding {
            CrcEncoding::Base62 => (B62, u64::from(crc)),
            CrcEncoding::Base62LowerFirst => (B62L, u64::from(crc)),
            CrcEncoding::Base36 => (&B62L[..36], u64::from(crc)),
            CrcEncoding::HexUpper => (HEXU, u64::from(crc)),
            CrcEncoding::HexLower => (&B62L[..16], u64::from(crc)),
            CrcEncoding::HexLittleEndian => (&B62L[..16], u64::from(crc.swap_bytes())),
        };
        let base = alphabet.len() as u64;
        let mut n = n;
        for slot in out.iter_mut().rev() {
            *slot = alphabet[(n % base) as usize];
            n /= base;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(
        covers_prefix: bool,
        encoding: CrcEncoding,
        digits: usize,
        sep: Option<u8>,
    ) -> Crc32Spec {
        Crc32Spec::new(covers_prefix, encoding, digits, sep).unwrap()
    }

    fn check(s: &Crc32Spec, covered: &[u8]) -> String {
        let mut out = vec![0u8; usize::from(s.digits)];
        s.encode(crc32fast::hash(covered), &mut out);
        String::from_utf8(out).unwrap()
    }

    // Known answers: the synthetic vectors of ../shared/docs/formats.md §A.2 (each recomputed
    // there from the vendor's generator source or from real tokens of the format), and the
    // vendor test vector of Grafana's satokengen package.
    #[test]
    fn vendor_variants_known_answers() {
        let body = b"TESTONLYtestonly0123456789abcd";
        // npm: GitHub's scheme over the body (A.2.1).
        assert_eq!(
            check(&spec(false, CrcEncoding::Base62, 6, None), body),
            "2GQv8P"
        );
        // Prefect: the same CRC, alphabet lower case first (A.2.1).
        assert_eq!(
            check(&spec(false, CrcEncoding::Base62LowerFirst, 6, None), body),
            "2gqV8p"
        );
        // Deno: the prefix is covered (A.2.1).
        assert_eq!(
            check(
                &spec(true, CrcEncoding::Base62, 6, None),
                b"ddp_TESTONLYtestonly0123456789abcd"
            ),
            "4c0DWj"
        );
        // Cloudflare: lower hex of the 40-character body (A.2.4).
        assert_eq!(
            check(
                &spec(false, CrcEncoding::HexLower, 8, None),
                b"TESTONLYtestonly0123456789abcdefghijklmn"
            ),
            "3c816457"
        );
        // Atlassian: upper hex over everything before the check (A.2.3).
        let mut atatt = b"ATATT3xFfGF0".to_vec();
        atatt.extend(std::iter::repeat_n(b'T', 171));
        atatt.push(b'=');
        assert_eq!(
            check(&spec(true, CrcEncoding::HexUpper, 8, None), &atatt),
            "76FA9868"
        );
        assert_eq!(
            check(
                &spec(true, CrcEncoding::HexUpper, 8, None),
                b"ATBBTESTONLYtestonly01234567"
            ),
            "DEE904FF"
        );
        // Grafana: little-endian bytes (A.2.5); the vendor's own test vector verifies whole.
        let glsa = spec(true, CrcEncoding::HexLittleEndian, 8, Some(b'_'));
        assert!(glsa.verify(b"glsa_iNValIdinValiDinvalidinvalidinva_5b582697", 5)); // patrol:allow
        assert!(!glsa.verify(b"glsa_iNValIdinValiDinvalidinvalidinvb_5b582697", 5));
        assert_eq!(
            check(&glsa, b"glsa_TESTONLYtestonly0123456789abcdef"),
            "faa4a8ea"
        );
        // GitLab routable: base36, 7 characters, prefix included (A.2.2).
        let gl = b"glpat-YWFhYWFhYWFhYWFhYWFhYWM6MQpvOjIKdTozCw.01.12";
        assert_eq!(
            check(&spec(true, CrcEncoding::Base36, 7, None), gl),
            "1dfnr4j"
        );
    }

    #[test]
    fn verify_checks_the_whole_token() {
        let s = spec(false, CrcEncoding::Base62, 6, None);
        assert!(s.verify(b"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", 4)); // patrol:allow
        assert!(!s.verify(b"npm_TESTONLYtestonly0123456789abce2GQv8P", 4));
        assert!(!s.verify(b"npm_2GQv8P", 4));
        assert!(!s.verify(b"", 0));
        assert!(Crc32Spec::new(false, CrcEncoding::HexUpper, 6, None).is_err());
    }
}
