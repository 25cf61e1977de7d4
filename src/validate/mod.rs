//! Offline validation (stage 5): decide, without any network, whether a candidate the matcher
//! found is a real token of its format. Checksums where the format has one ([`checksum`] for
//! GitHub, [`crc`] for the vendors that copied its idea, [`marvin`] for Microsoft's keys, Bech32
//! in [`structure`]), structure where it does not ([`structure`], [`private_key`], [`jwt`]),
//! and randomness for formats with neither ([`entropy`]).

pub(crate) mod checksum;
pub(crate) mod crc;
pub(crate) mod entropy;
pub(crate) mod jwt;
pub(crate) mod marvin;
pub(crate) mod private_key;
pub(crate) mod structure;

use crate::finding::Validation;
pub(crate) use crc::{Crc32Spec, CrcEncoding};

/// The offline check a rule asks for; named in rule files by [`Check::name`] (the `validation`
/// key), with parameters from the rule's `checksum` table where the check takes any.
#[derive(Clone, Debug, PartialEq, Eq)]
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
    /// Secrets without checksum or structure: the part after the prefix must look generated.
    Random,
    /// A vendor's CRC-32 variant (the rule's `checksum` table says which).
    Crc32(Crc32Spec),
    /// Azure identifiable keys: Marvin32 under one of the seeds the rule names.
    Marvin32(Vec<u64>),
    /// Entra ID client secrets (`8Q~`): Marvin32 in a custom alphabet.
    EntraSecret,
    /// AWS access key ids: alphabet, prefix, and the account decoded for the report.
    AwsKeyId,
    /// AWS secret access keys: mixed-case base64 of high entropy, no placeholder.
    AwsSecret,
    /// age identities: Bech32 checksum, 32-byte payload.
    AgeBech32,
    /// PyPI tokens: the binary macaroon parses.
    PypiMacaroon,
    /// Sentry organization tokens: embedded JSON with `iat`.
    SentryOrg,
    /// Grafana Cloud tokens: embedded JSON with `o`, `n`, `k`.
    GrafanaCloud,
    /// 1Password service-account tokens: embedded JSON object.
    OnePassword,
    /// Mapbox secret tokens: embedded JSON with `u` and `a`.
    MapboxSecret,
    /// Discord bot tokens: a user id and a creation time that make sense.
    DiscordBot,
    /// OpenAI keys: the `T3BlbkFJ` marker in the middle.
    OpenAi,
    /// SendGrid keys: segments of 16 and 32 bytes.
    SendGrid,
    /// Private keys: PEM/DER, OpenSSH, OpenPGP and PuTTY structure.
    PrivateKey,
}

/// The checks a rule names with `validation = "…"` alone (no parameters).
const SIMPLE: [(&str, Check); 19] = [
    ("none", Check::None),
    ("github-crc32", Check::GithubCrc32),
    ("github-pat-sha256", Check::GithubPatSha256),
    ("github-jwt", Check::GithubJwt),
    ("hex-entropy", Check::HexEntropy),
    ("random", Check::Random),
    ("entra-secret", Check::EntraSecret),
    ("aws-key-id", Check::AwsKeyId),
    ("aws-secret", Check::AwsSecret),
    ("age-bech32", Check::AgeBech32),
    ("pypi-macaroon", Check::PypiMacaroon),
    ("sentry-org", Check::SentryOrg),
    ("grafana-cloud", Check::GrafanaCloud),
    ("onepassword-service", Check::OnePassword),
    ("mapbox-secret", Check::MapboxSecret),
    ("discord-bot", Check::DiscordBot),
    ("openai", Check::OpenAi),
    ("sendgrid", Check::SendGrid),
    ("private-key", Check::PrivateKey),
];

impl Check {
    /// Every name `validation` accepts (`crc32` and `marvin32` need a `checksum` table).
    pub(crate) fn names() -> Vec<&'static str> {
        let mut v: Vec<_> = SIMPLE.iter().map(|(n, _)| *n).collect();
        v.extend(["crc32", "marvin32"]);
        v
    }

    /// The check named `name`, if it takes no parameters.
    pub(crate) fn simple(name: &str) -> Option<Check> {
        SIMPLE
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, c)| c.clone())
    }

    pub(crate) fn name(&self) -> &'static str {
        match self {
            Check::Crc32(_) => "crc32",
            Check::Marvin32(_) => "marvin32",
            other => SIMPLE
                .iter()
                .find(|(_, c)| c == other)
                .map_or("none", |(n, _)| n),
        }
    }

    /// Whether a passing check proves the token by itself. Where it does, the matcher needs no
    /// word boundary around the token: text glued to a checksum-valid token does not make it
    /// any less a leak.
    pub(crate) fn is_checksum(&self) -> bool {
        matches!(
            self,
            Check::GithubCrc32
                | Check::GithubPatSha256
                | Check::Crc32(_)
                | Check::Marvin32(_)
                | Check::EntraSecret
                | Check::AgeBech32
        )
    }

    /// How strong the proof is, for `patrol rules list` and the rules documentation.
    pub(crate) fn grade(&self) -> &'static str {
        match self {
            c if c.is_checksum() => "checksum",
            Check::None => "shape",
            Check::Random | Check::HexEntropy | Check::AwsSecret => "shape+entropy",
            _ => "structure",
        }
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

/// Validates `candidate` (the bytes of the rule's `secret` group, whose first `prefix_len`
/// bytes are its public prefix) with `check`.
pub(crate) fn validate(check: &Check, candidate: &[u8], prefix_len: usize) -> Verdict {
    let plain = |validation| Verdict {
        validation,
        len: candidate.len(),
        details: Vec::new(),
    };
    let sum = |ok: bool| {
        plain(if ok {
            Validation::ChecksumValid
        } else {
            Validation::ChecksumInvalid
        })
    };
    let shape = |ok: bool| {
        plain(if ok {
            Validation::StructureValid
        } else {
            Validation::StructureInvalid
        })
    };
    // A structure that decodes gives facts for the report; one that does not is invalid.
    let structured = |details: Option<Vec<(String, String)>>| match details {
        Some(details) => Verdict {
            validation: Validation::StructureValid,
            len: candidate.len(),
            details,
        },
        None => shape(false),
    };
    let body = &candidate[prefix_len.min(candidate.len())..];
    match check {
        Check::None => shape(true),
        Check::GithubCrc32 => match checksum::github_classic_token_len(candidate) {
            Some(len) => Verdict {
                validation: Validation::ChecksumValid,
                len,
                details: Vec::new(),
            },
            None => sum(false),
        },
        Check::GithubPatSha256 => sum(checksum::github_fine_grained_valid(candidate)),
        Check::GithubJwt => structured(jwt::decode_stateless_ghs(candidate)),
        Check::HexEntropy => shape(entropy::credible_hex(candidate)),
        Check::Random => shape(entropy::credible_random(body)),
        Check::Crc32(spec) => sum(spec.verify(candidate, prefix_len)),
        Check::Marvin32(seeds) => sum(marvin::azure_identifiable_valid(candidate, seeds)),
        Check::EntraSecret => sum(marvin::entra_secret_valid(candidate)),
        Check::AwsKeyId => structured(structure::aws_key_id(candidate)),
        Check::AwsSecret => shape(structure::aws_secret(candidate)),
        Check::AgeBech32 => match structure::age_secret_key(candidate) {
            Some(details) => Verdict {
                validation: Validation::ChecksumValid,
                len: candidate.len(),
                details,
            },
            None => sum(false),
        },
        Check::PypiMacaroon => structured(structure::pypi_macaroon(candidate)),
        Check::SentryOrg => structured(structure::sentry_org_token(candidate)),
        Check::GrafanaCloud => structured(structure::grafana_cloud_token(candidate)),
        Check::OnePassword => structured(structure::onepassword_service_token(candidate)),
        Check::MapboxSecret => structured(structure::mapbox_secret_token(candidate)),
        Check::DiscordBot => structured(structure::discord_bot_token(candidate)),
        Check::OpenAi => shape(structure::openai_key(candidate)),
        Check::SendGrid => shape(structure::sendgrid_key(candidate)),
        Check::PrivateKey => structured(private_key::private_key(candidate)),
    }
}
