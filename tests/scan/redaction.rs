//! Redaction and fingerprints: no output holds a secret unless asked.

use serde_json::Value;

use super::*;
use crate::util::*;

#[test]
fn secrets_are_redacted_in_every_format_unless_show_secrets() {
    let mut rng = Rng::new(10);
    let ghp = classic("ghp", &mut rng);
    let ghr = refresh(&mut rng);
    let fg = fine_grained(&mut rng);
    let sl = stateless_at(99, IAT, EXP, &mut rng);
    let hex = legacy_hex(&mut rng);
    let secrets = [
        (ghp.as_str(), 4),
        (ghr.as_str(), 4),
        (fg.as_str(), 11),
        (sl.as_str(), 4),
        (hex.as_str(), 0),
    ];
    let sb = Sandbox::new();
    sb.write(
        "secrets.env",
        format!("A={ghp}\nB={ghr}\nC={fg}\nD={sl}\nGITHUB_TOKEN={hex}\n"),
    );
    let report_dir = tempfile::tempdir().unwrap();

    for format in ["text", "json", "jsonl"] {
        for show in [false, true] {
            let report = report_dir.path().join(format!("r-{format}-{show}"));
            let report_s = report.to_str().unwrap().to_string();
            let mut args = vec!["scan", "--format", format, "secrets.env"];
            if show {
                args.push("--show-secrets");
            }
            let out = sb.run(&args);
            out.expect_code(1);
            args.extend_from_slice(&["--output", &report_s]);
            let to_file = sb.run(&args);
            to_file.expect_code(1);
            assert_eq!(to_file.stdout, "", "{to_file}");
            let file_text = std::fs::read_to_string(&report).unwrap();
            if format == "json" {
                // The summary has a timing in it; the findings must be the same.
                let doc: Value = serde_json::from_str(&file_text).unwrap();
                assert_eq!(doc["findings"], out.json()["findings"]);
            } else {
                assert_eq!(
                    file_text, out.stdout,
                    "--output writes what stdout would get"
                );
            }

            for (secret, prefix) in secrets {
                // Not even the secret minus its first characters may leak.
                let tail = &secret[prefix + 4..];
                let everything = format!("{}{}{}", out.all(), to_file.stderr, file_text);
                if show {
                    assert!(everything.contains(secret), "{format}: {out}");
                } else {
                    assert!(
                        !everything.contains(tail),
                        "{format}: secret leaked without --show-secrets: {out}"
                    );
                    assert!(
                        everything.contains(&redacted_n(secret, prefix)),
                        "{format}: redacted form missing: {out}"
                    );
                }
            }
        }
    }

    let out = scan_json(&sb, &["secrets.env"]);
    for f in out.findings() {
        assert_eq!(f["redacted"], true);
    }
    let shown = scan_json(&sb, &["--show-secrets", "secrets.env"]);
    let f = shown.findings();
    assert_eq!(f.len(), 5, "{shown}");
    for (secret, prefix) in secrets {
        let fd = f
            .iter()
            .find(|x| x["secret"] == secret)
            .unwrap_or_else(|| panic!("secret shown in full: {shown}"));
        assert_eq!(fd["redacted"], false);
        assert_eq!(fd["fingerprint"], fingerprint(secret), "{fd}");
        // Same fingerprint whether redacted or not.
        let red = out.findings();
        let rd = red
            .iter()
            .find(|x| x["fingerprint"] == fingerprint(secret))
            .unwrap();
        assert_eq!(rd["secret"], redacted_n(secret, prefix));
    }
}
