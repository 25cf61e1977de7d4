//! Redaction is total, checked as a property: many random layouts — several tokens of every
//! family per line at random gaps (glued too), tokens in file names, commit authors, commit
//! and tag messages — scanned as files and as history, in every format, plus the baseline file
//! and everything on stderr. No output may hold 12 characters in a row of any token's random
//! part.

use crate::util::*;

/// A generated token and the part of it that is random (what must never show).
struct Secret {
    token: String,
    random: String,
}

fn secret(kind: u64, rng: &mut Rng) -> Secret {
    let (token, prefix_len) = match kind % 7 {
        0 => (classic("ghp", rng), 4),
        1 => (classic("gho", rng), 4),
        2 => (classic("ghs", rng), 4),
        3 => (refresh(rng), 4),
        4 => (fine_grained(rng), 11),
        5 => {
            let t = stateless_at(rng.below(9_000_000) + 1, 1_767_222_000, 1_767_225_600, rng);
            // The header and claims are base64 of predictable JSON; the signature is random.
            let sig = t.rsplit('.').next().unwrap().to_string();
            return Secret {
                token: t,
                random: sig,
            };
        }
        _ => {
            let hex = legacy_hex(rng);
            return Secret {
                token: hex.clone(),
                random: hex,
            };
        }
    };
    let random = token[prefix_len..].to_string();
    Secret { token, random }
}

/// How a token sits in a line: legacy hex needs a GitHub-token context to be a secret.
fn placed(s: &Secret) -> String {
    if s.token.len() == 40 && s.token.bytes().all(|b| b.is_ascii_hexdigit()) {
        format!("GITHUB_TOKEN={}", s.token)
    } else {
        s.token.clone()
    }
}

fn filler(rng: &mut Rng, n: usize) -> String {
    const A: &[u8] = b"abcdefghijklmnopqrstuvwxyz ABCDEFG0123456789 ,;:=\"'{}[]()-_./";
    rng.pick(A, n)
}

/// Asserts no 12-character run of any secret's random part in `text` (one automaton over
/// every run, one pass over the text).
#[track_caller]
fn assert_redacted(text: &str, secrets: &[Secret], what: &str) {
    let runs: Vec<&[u8]> = secrets
        .iter()
        .flat_map(|s| s.random.as_bytes().windows(12))
        .collect();
    let ac = aho_corasick::AhoCorasick::new(&runs).unwrap();
    if let Some(m) = ac.find(text) {
        panic!(
            "{what}: {:?} of a secret is in the output:\n{text}",
            String::from_utf8_lossy(runs[m.pattern().as_usize()])
        );
    }
}

#[test]
fn no_output_holds_any_part_of_any_secret() {
    for case in 0..12u64 {
        let mut rng = Rng::new(9000 + case);
        let sb = Sandbox::repo();
        let mut secrets = Vec::new();
        let mut kind = case;
        let mut next = |rng: &mut Rng, secrets: &mut Vec<Secret>| -> String {
            kind += 1 + rng.below(3);
            let s = secret(kind, rng);
            let p = placed(&s);
            secrets.push(s);
            p
        };
        // Files: lines of 1–4 tokens, 0–80 characters apart (0: glued), JSON-ish filler.
        for f in 0..3 {
            let mut text = String::new();
            for _ in 0..(2 + rng.below(5)) {
                for _ in 0..(1 + rng.below(4)) {
                    let gap = rng.below(81) as usize;
                    text.push_str(&filler(&mut rng, gap));
                    if gap > 0 && rng.below(2) == 0 {
                        text.push(' ');
                    }
                    text.push_str(&next(&mut rng, &mut secrets));
                }
                let tail = rng.below(40) as usize;
                text.push_str(&filler(&mut rng, tail));
                text.push('\n');
            }
            sb.write(&format!("dir{f}/config-{f}.json"), text);
        }
        // A token in a file name (checksum tokens only: a bare 40-hex name is no secret).
        let named = secret(case % 2, &mut rng);
        sb.write(&format!("leak-{}.txt", named.token), "x\n");
        secrets.push(named);
        // In the author, the commit message and a tag message.
        let author = next(&mut rng, &mut secrets);
        let summary = next(&mut rng, &mut secrets);
        let body = next(&mut rng, &mut secrets);
        let tag_message = next(&mut rng, &mut secrets);
        sb.git(&["add", "-A"]);
        sb.git(&[
            "-c",
            &format!("user.name=Dev {author}"),
            "commit",
            "-q",
            "-m",
            &format!("rotate {summary} now\n\nold: {body}"),
        ]);
        sb.git(&["tag", "-a", "v1", "-m", &format!("release {tag_message}")]);

        let mut outputs = Vec::new();
        for mode in [vec!["scan", "."], vec!["scan", "--git"]] {
            for format in ["text", "json", "jsonl", "sarif", "csv"] {
                let mut args = mode.clone();
                args.extend(["--format", format, "--show-invalid", "--color", "always"]);
                let run = sb.run(&args);
                assert!(matches!(run.code, 1 | 2), "{args:?}: {run}");
                outputs.push((format!("{args:?}"), run.all()));
            }
        }
        let run = sb.run(&["baseline", "--git", "--file", "../baseline.txt"]);
        run.expect_code(0);
        outputs.push(("baseline stderr".into(), run.all()));
        let file = std::fs::read_to_string(sb.outside("baseline.txt")).unwrap();
        outputs.push(("baseline file".into(), file));
        for (what, text) in &outputs {
            assert_redacted(text, &secrets, &format!("case {case}, {what}"));
        }
        // And something was found: the property is not vacuous.
        assert!(outputs[1].1.contains("\"findings\""), "{}", outputs[1].1);
    }
}

/// Past 20,000 distinct candidates in one input, a context line masks the fragments of the
/// candidates near it rather than of all of them. A file of 20,500 distinct tokens, one a line,
/// where some lines also hold a copy, cut short (no candidate), of the token 40 lines after
/// or 5 before: every token is reported and no output holds 12 characters of any.
#[test]
fn finding_dense_input_keeps_nearby_fragments_masked() {
    const N: usize = 20_500;
    let mut rng = Rng::new(4242);
    let secrets: Vec<Secret> = (0..N).map(|_| secret(0, &mut rng)).collect();
    let mut text = String::with_capacity(N * 60);
    for (i, s) in secrets.iter().enumerate() {
        text.push_str("token = ");
        text.push_str(&s.token);
        if i % 37 == 5 {
            let near = if i % 2 == 0 { i + 40 } else { i - 5 };
            let copy = &secrets[near.min(N - 1)].random;
            text.push_str(" # was ");
            text.push_str(&copy[..24]);
        }
        text.push('\n');
    }
    let sb = Sandbox::new();
    sb.write("dense.txt", &text);
    for format in ["json", "text"] {
        let run = sb.run(&["scan", "dense.txt", "--format", format]);
        run.expect_code(1);
        if format == "json" {
            assert_eq!(run.findings().len(), N);
        }
        assert_redacted(&run.all(), &secrets, format);
    }
}
