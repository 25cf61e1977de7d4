//! The catalog beyond GitHub, through the real binary: tokens of other providers in the files
//! where they usually leak, each proved by its offline check; what fails a check is hidden
//! unless asked; facts decoded offline are shown; nothing prints more than the redacted form;
//! SARIF rule metadata comes from the rule file. Every token here is built at run time by an
//! implementation independent of patrol's (the formats of ../shared/docs/formats.md §A.2).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::Value;

use super::*;
use crate::util::*;

/// A GitLab routable token: prefix, base64url(random ‖ payload ‖ payload length), `.01.`, the
/// base64 part's length in 2 base36 digits, then CRC-32 of everything before in 7 base36 digits.
fn gitlab_routable(rng: &mut Rng) -> String {
    let payload = b"c:1\no:2s\nu:9ix";
    let mut raw = rng.alnum(16).into_bytes();
    raw.extend_from_slice(payload);
    raw.push(payload.len() as u8);
    let b64 = URL_SAFE_NO_PAD.encode(&raw);
    let base36 = |mut n: u64, digits: usize| {
        let mut s = vec![b'0'; digits];
        for slot in s.iter_mut().rev() {
            *slot = b"0123456789abcdefghijklmnopqrstuvwxyz"[(n % 36) as usize];
            n /= 36;
        }
        String::from_utf8(s).unwrap()
    };
    let head = format!("glpat-{b64}.01.{}", base36(b64.len() as u64, 2));
    let crc = crc32fast::hash(head.as_bytes());
    format!("{head}{}", base36(u64::from(crc), 7))
}

/// An unencrypted OpenSSH private key file (PROTOCOL.key); `agree` false makes its two check
/// integers differ, as in a corrupted or hand-made key.
fn openssh_key(rng: &mut Rng, agree: bool) -> String {
    let string = |out: &mut Vec<u8>, s: &[u8]| {
        out.extend_from_slice(&(s.len() as u32).to_be_bytes());
        out.extend_from_slice(s);
    };
    let mut public = Vec::new();
    string(&mut public, b"ssh-ed25519");
    string(&mut public, rng.alnum(32).as_bytes());
    let mut private = Vec::new();
    private.extend_from_slice(&0x1234_5678u32.to_be_bytes());
    private.extend_from_slice(&(if agree { 0x1234_5678u32 } else { 0x1234_5679 }).to_be_bytes());
    string(&mut private, b"ssh-ed25519");
    string(&mut private, rng.alnum(32).as_bytes());
    string(&mut private, rng.alnum(64).as_bytes());
    string(&mut private, b"patrol-test");
    private.extend_from_slice(&[1, 2, 3, 4, 5, 6, 7]);
    let mut blob = b"openssh-key-v1\0".to_vec();
    for s in [&b"none"[..], b"none", b""] {
        string(&mut blob, s);
    }
    blob.extend_from_slice(&1u32.to_be_bytes());
    string(&mut blob, &public);
    string(&mut blob, &private);
    let b64 = base64::engine::general_purpose::STANDARD.encode(&blob);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(70)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN OPENSSH PRIVATE KEY-----\n{}\n-----END OPENSSH PRIVATE KEY-----\n",
        lines.join("\n")
    )
}

/// An STS key id whose account (609629065308) is a known answer of the decoding; spelled in two
/// parts so that patrol's scan of its own tree does not report this file.
const STS_ID: &str = concat!("ASIA", "Y34FZKBOKMUTVV7A");

fn by_rule<'a>(findings: &'a [Value], rule: &str) -> Vec<&'a Value> {
    findings.iter().filter(|f| f["rule"] == rule).collect()
}

#[test]
fn provider_tokens_are_found_where_they_leak_and_proved_offline() {
    let sb = Sandbox::new();
    let mut rng = Rng::new(91);
    let npm = classic("npm", &mut rng);
    let gitlab = gitlab_routable(&mut rng);
    let aws_secret = rng.alnum(40);
    let key = openssh_key(&mut rng, true);
    let bad_key = openssh_key(&mut rng, false);
    sb.write(
        ".npmrc",
        format!("//registry.npmjs.org/:_authToken={npm}\n"),
    );
    sb.write(
        ".aws/credentials",
        format!("[default]\naws_access_key_id = {STS_ID}\naws_secret_access_key = {aws_secret}\n"),
    );
    sb.write("ci/gitlab.env", format!("GITLAB_TOKEN={gitlab}\n"));
    sb.write("keys/id_ed25519", &key);
    sb.write("keys/broken_ed25519", &bad_key);
    // Look-alikes that a shape-only scanner reports: AWS's documented example pair, a
    // placeholder npm token, a GitLab token one character off, an example secret key.
    sb.write(
        "docs/example.md",
        format!(
            "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n\
             //registry.npmjs.org/:_authToken=npm_abcdefghijklmnopqrstuvwxyz0123456789\n\
             GITLAB_TOKEN={}\n",
            corrupt(&gitlab)
        ),
    );

    let out = scan_json(&sb, &["."]);
    out.expect_code(1);
    let f = out.findings();
    let rules: Vec<&str> = f.iter().map(|f| f["rule"].as_str().unwrap()).collect();
    assert_eq!(f.len(), 5, "{rules:?}\n{out}");
    for (rule, path, validation) in [
        ("npm.access-token", ".npmrc", "checksum-valid"),
        ("gitlab.routable-token", "ci/gitlab.env", "checksum-valid"),
        ("aws.access-key-id", ".aws/credentials", "structure-valid"),
        (
            "aws.secret-access-key",
            ".aws/credentials",
            "structure-valid",
        ),
        ("private-key.pem", "keys/id_ed25519", "structure-valid"),
    ] {
        let hits = by_rule(&f, rule);
        assert_eq!(hits.len(), 1, "{rule}\n{out}");
        assert_eq!(hits[0]["path"], path, "{rule}");
        assert_eq!(hits[0]["validation"], validation, "{rule}");
    }
    // Facts decoded offline: the AWS account, the key type.
    let id = by_rule(&f, "aws.access-key-id")[0];
    assert_eq!(id["details"]["account"], "609629065308", "{id:#}");
    assert_eq!(id["details"]["key_type"], "temporary (STS)", "{id:#}");
    let k = by_rule(&f, "private-key.pem")[0];
    assert_eq!(k["details"]["key_type"], "ssh-ed25519", "{k:#}");
    // Redacted: the public prefix and four characters.
    assert_eq!(
        by_rule(&f, "npm.access-token")[0]["secret"],
        redacted_n(&npm, 4)
    );
    assert_eq!(
        by_rule(&f, "gitlab.routable-token")[0]["secret"],
        redacted_n(&gitlab, 6)
    );
    for secret in [&npm, &gitlab, &aws_secret] {
        for w in secret.as_bytes()[6..].windows(12) {
            let w = std::str::from_utf8(w).unwrap();
            assert!(!out.all().contains(w), "{w} leaked\n{out}");
        }
    }
    // The failures are counted, and shown only when asked, marked invalid.
    assert!(
        out.summary()["invalid_hidden"].as_u64().unwrap() >= 3,
        "{out}"
    );
    let shown = scan_json(&sb, &["--show-invalid", "."]);
    let all = shown.findings();
    let invalid: Vec<(&str, &str)> = all
        .iter()
        .filter(|f| f["validation"].as_str().unwrap().ends_with("-invalid"))
        .map(|f| (f["rule"].as_str().unwrap(), f["path"].as_str().unwrap()))
        .collect();
    for want in [
        ("npm.access-token", "docs/example.md"),
        ("gitlab.routable-token", "docs/example.md"),
        ("private-key.pem", "keys/broken_ed25519"),
    ] {
        assert!(invalid.contains(&want), "{want:?} not shown: {invalid:?}");
    }
}

#[test]
fn sarif_rule_metadata_comes_from_the_rule_file() {
    let sb = Sandbox::new();
    sb.write(
        ".env",
        format!("AWS_ACCESS_KEY_ID={STS_ID}\nNPM_TOKEN=")
            + &classic("npm", &mut Rng::new(92))
            + "\n",
    );
    let out = sb.run(&["scan", "--format", "sarif", "."]);
    out.expect_code(1);
    let log = out.sarif();
    let rules = sarif_run(&log)["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .clone();
    let rule = |id: &str| rules.iter().find(|r| r["id"] == id).unwrap().clone();
    let aws = rule("aws.access-key-id");
    assert_eq!(aws["defaultConfiguration"]["level"], "warning", "{aws:#}");
    assert_eq!(aws["properties"]["provider"], "AWS");
    assert!(
        aws["help"]["text"]
            .as_str()
            .unwrap()
            .contains("Deactivate and delete the access key in IAM"),
        "{aws:#}"
    );
    let npm = rule("npm.access-token");
    assert_eq!(npm["defaultConfiguration"]["level"], "error");
    assert!(npm["fullDescription"]["text"]
        .as_str()
        .unwrap()
        .contains("CRC-32"));
    assert!(npm["help"]["text"].as_str().unwrap().contains("npmjs.com"));
}

/// patrol's own tree holds hundreds of example tokens (rule files, tests, fuzz seeds), each on
/// a line with `patrol:allow` or spelled so that no rule matches: a scan of the tree finds
/// nothing, so a rule or test that forgets the marker fails here rather than in users' CI.
#[test]
fn patrols_own_tree_is_clean() {
    let sb = Sandbox::new();
    let out = sb.run(&["scan", "--format", "json", env!("CARGO_MANIFEST_DIR")]);
    out.expect_code(0);
    assert!(out.json()["suppressed"].as_array().unwrap().len() > 100);
}
