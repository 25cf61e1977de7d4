//! The harness's own generators, against known answers (so that a wrong generator cannot agree with a wrong patrol).

use crate::util::*;

#[test]
fn harness_encoders_known_answers() {
    assert_eq!(base62_6(0), "000000");
    assert_eq!(base62_6(61), "00000z");
    assert_eq!(base62_6(62), "000010");
    assert_eq!(base62_6(u32::MAX), "4gfFC3");
    // CRC-32/IEEE check value, base62-encoded.
    assert_eq!(crc32fast::hash(b"123456789"), 0xCBF4_3926);
    assert_eq!(base62_6(0xCBF4_3926), "3jZRME");
    // RFC 4648 §10 test vectors.
    for (input, want) in [
        ("", ""),
        ("f", "MY======"),
        ("fo", "MZXQ===="),
        ("foo", "MZXW6==="),
        ("foob", "MZXW6YQ="),
        ("fooba", "MZXW6YTB"),
        ("foobar", "MZXW6YTBOI======"),
    ] {
        assert_eq!(base32(input.as_bytes()), want, "{input}");
    }
    let mut rng = Rng::new(33);
    let fg = fine_grained(&mut rng);
    assert!(fg.starts_with("github_pat_11"));
    assert_eq!(&fg[33..34], "_");
    assert_eq!(
        &fg[77..85],
        &base32(&<sha2::Sha256 as sha2::Digest>::digest(
            &fg.as_bytes()[..77]
        ))[..8]
    );
    let t = classic("ghp", &mut rng);
    assert_eq!(&t[34..], base62_6(crc32fast::hash(&t.as_bytes()[4..34])));
    assert_ne!(corrupt_at(&t, 10), t);
    assert_eq!(
        fingerprint("abc"),
        "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}
