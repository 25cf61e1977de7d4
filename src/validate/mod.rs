//! Offline validation (stage 5): decide, without any network, whether a candidate the matcher
//! found is a real token of its format. Checksums where the format has one
//! ([`checksum`]), structure and entropy where it does not ([`jwt`], [`entropy`]).

pub(crate) mod checksum;
pub(crate) mod entropy;
pub(crate) mod jwt;

use crate::finding::Validation;

/// The offline check a rule asks for; named in rule files by [`Check::name`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Check {
    /// No offline check: every match is reported as `structure-valid`.
    None,
    /// GitHub classic tokens: CRC-32 of the body, base62, 6 characters at the end.
    GithubCrc32,
    /// GitHub fine-grained PATs: SHA-256 of the first 77 characters, base32, 8 characters.
    GithubPatSha256,
    /// Stateless `ghs_<APPID>_<JWT>` installation tokens: JWT header and claims must decode.
    GithubJwt,
    /// Hex secrets without a checksum: reject placeholders and low-entropy strings.
    HexEntropy,
}

impl Check {
    pub(crate) const ALL: [Check; 5] = [
        Check::None,
        Check::GithubCrc32,
        Check::GithubPatSha256,
        Check::GithubJwt,
        Check::HexEntropy,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Check::None => "none",
            Check::GithubCrc32 => "github-crc32",
            Check::GithubPatSha256 => "github-pat-sha256",
            Check::GithubJwt => "github-jwt",
            Check::HexEntropy => "hex-entropy",
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<Check> {
        Check::ALL.into_iter().find(|c| c.name() == name)
    }

    /// Whether a passing check proves the token by itself. Where it does, the matcher needs no
    /// word boundary around the token: text glued to a checksum-valid token does not make it
    /// any less a leak.
    pub(crate) fn is_checksum(self) -> bool {
        matches!(self, Check::GithubCrc32 | Check::GithubPatSha256)
    }
}

/// The result of validating one candidate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Verdict {
    pub validation: Validation,
    /// Length of the token within the candidate. A checksum can prove that only a prefix of the
    /// matched run is the token (text glued to its end); the finding then covers that prefix.
    pub len: usize,
    /// Facts decoded from the token (never the token itself).
    pub details: Vec<(String, String)>,
}

/// Validates `candidate` (the bytes of the rule's `secret` group) with `check`.
pub(crate) fn validate(check: Check, candidate: &[u8]) -> Verdict {
    let plain = |validation| Verdict {
        validation,
        len: candidate.len(),
        details: Vec::new(),
    };
    match check {
        Check::None => plain(Validation::StructureValid),
        Check::GithubCrc32 => match checksum::github_classic_token_len(candidate) {
            Some(len) => Verdict {
                validation: Validation::ChecksumValid,
                len,
                details: Vec::new(),
            },
            None => plain(Validation::ChecksumInvalid),
        },
        Check::GithubPatSha256 => plain(if checksum::github_fine_grained_valid(candidate) {
            Validation::ChecksumValid
        } else {
            Validation::ChecksumInvalid
        }),
        Check::GithubJwt => match jwt::decode_stateless_ghs(candidate) {
            Some(details) => Verdict {
                validation: Validation::StructureValid,
                len: candidate.len(),
                details,
            },
            None => plain(Validation::StructureInvalid),
        },
        Check::HexEntropy => plain(if entropy::credible_hex(candidate) {
            Validation::StructureValid
        } else {
            Validation::StructureInvalid
        }),
    }
}
