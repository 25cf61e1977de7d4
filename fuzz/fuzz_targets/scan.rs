//! Fuzz target `scan`: feeds arbitrary bytes to `Scanner::scan` over the built-in rules, with
//! `show_invalid` (so invalid candidates are reported and checked too) and
//! `ignore_allow_markers` (so no finding is suppressed), and checks for every input:
//!
//! (a) the scan does not panic;
//! (b) every finding's secret lies within the input (`offset + len(secret) <= len(input)`, and
//!     those bytes are the secret), and the input contains, within the rule's `window` bytes on
//!     either side of the secret, one of that rule's keyword spellings (as the prefilter sees them): the
//!     keyword prefilter has no false negatives with respect to what is reported;
//! (c) `line >= 1` and `column >= 1`;
//! (d) a finding whose validation is checksum-valid has a secret that starts with one of its
//!     rule's keyword spellings, exactly.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use patrol::finding::{Origin, Validation};
use patrol::scan::{ScanOptions, Scanner};

fn scanner() -> &'static Scanner {
    static SCANNER: OnceLock<Scanner> = OnceLock::new();
    SCANNER.get_or_init(|| {
        let rules = patrol::rules::load_rules(true, &[] as &[&str]).expect("built-in rules load");
        Scanner::new(
            rules,
            ScanOptions {
                show_invalid: true,
                ignore_allow_markers: true,
            },
        )
    })
}

fuzz_target!(|data: &[u8]| {
    let scanner = scanner();
    // (a): a panic here is a crash libFuzzer reports.
    let result = scanner.scan(data, &Origin::Stdin);

    for f in &result.findings {
        let rule = scanner
            .rules()
            .get(&f.rule)
            .unwrap_or_else(|| panic!("finding names unknown rule {:?}", f.rule));
        let secret = f.secret.expose().as_bytes();

        // (b) the secret lies within the input.
        let start = usize::try_from(f.offset).expect("offset fits usize");
        let end = start
            .checked_add(secret.len())
            .expect("offset + secret length overflows");
        assert!(
            end <= data.len(),
            "rule {}: secret [{start}, {end}) lies outside the input (len {})",
            f.rule,
            data.len()
        );
        assert_eq!(
            &data[start..end],
            secret,
            "rule {}: the input bytes at the reported offset {start} are not the secret",
            f.rule
        );

        // (b) a keyword of the rule within `window` bytes around the secret.
        let lo = start.saturating_sub(rule.window);
        let hi = end.saturating_add(rule.window).min(data.len());
        let around = &data[lo..hi];
        assert!(
            rule.text_has_keyword(around),
            "rule {}: no keyword of {:?} within {} bytes around the secret at [{start}, {end}) \
             (searched [{lo}, {hi}) of {})",
            f.rule,
            rule.keywords,
            rule.window,
            data.len()
        );

        // (c) positions are 1-based.
        assert!(f.line >= 1, "rule {}: line {} < 1", f.rule, f.line);
        assert!(f.column >= 1, "rule {}: column {} < 1", f.rule, f.column);

        // (d) a checksum-valid secret starts with one of its rule's keywords.
        if f.validation == Validation::ChecksumValid {
            assert!(
                rule.keyword_spellings().iter().any(|k| secret.starts_with(k)),
                "rule {}: checksum-valid secret at offset {start} does not start with any of {:?}",
                f.rule,
                rule.keywords
            );
        }
    }
});
