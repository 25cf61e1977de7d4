//! Look-alikes, placeholders and glued text: what must not be reported, and tokens with text glued to them that must.

use super::*;
use crate::util::*;

#[test]
fn checksum_invalid_look_alikes_hidden_but_shown_with_show_invalid() {
    let mut rng = Rng::new(5);
    let bad_ghp = corrupt_at(&classic("ghp", &mut rng), 10);
    let bad_gho = corrupt_at(&classic("gho", &mut rng), 20);
    let bad_ghu = corrupt_at(&classic("ghu", &mut rng), 5);
    let bad_ghs = corrupt_at(&classic("ghs", &mut rng), 33);
    let bad_ghr = corrupt_at(&refresh(&mut rng), 50);
    let bad_fg = corrupt_at(&fine_grained(&mut rng), 40);
    let placeholder = format!("ghp_{}", "x".repeat(36));
    let sb = Sandbox::new();
    let text = format!(
        "GITHUB_TOKEN={placeholder}\nt1={bad_ghp}\nt2={bad_gho}\nt3={bad_ghu}\nt4={bad_ghs}\n\
         t5={bad_ghr}\nt6={bad_fg}\n"
    );
    sb.write("fake.env", &text);

    let out = sb.run(&["scan", "fake.env"]);
    out.expect_code(0);
    assert_eq!(out.stdout, "", "{out}");
    assert!(
        out.stderr
            .contains("7 checksum/structure-invalid candidates not shown (--show-invalid)"),
        "{out}"
    );

    let out = scan_json(&sb, &["--show-invalid", "fake.env"]);
    out.expect_code(1);
    let f = out.findings();
    assert_eq!(f.len(), 7, "{out}");
    for (rule, tok) in [
        (CLASSIC, &placeholder),
        (CLASSIC, &bad_ghp),
        (OAUTH, &bad_gho),
        (USER, &bad_ghu),
        (INSTALLATION, &bad_ghs),
        (REFRESH, &bad_ghr),
        (FINE, &bad_fg),
    ] {
        let fd = finding_for(&f, rule, tok);
        assert_eq!(fd["validation"], "checksum-invalid", "{fd}");
        let (line, col, off) = locate(&text, tok);
        assert_eq!(
            (fd["line"].as_u64(), fd["column"].as_u64()),
            (Some(line), Some(col))
        );
        assert_eq!(fd["offset"], off);
    }
    let text_out = sb.run(&["scan", "--show-invalid", "fake.env"]);
    assert_eq!(
        text_out
            .stdout
            .lines()
            .filter(|l| l.ends_with("(checksum-invalid)"))
            .count(),
        7,
        "{text_out}"
    );
}

#[test]
fn structure_invalid_placeholders_hidden_but_shown_with_show_invalid() {
    let mut rng = Rng::new(6);
    let empty_claims = format!(
        "ghs_77_{}.{}.{}",
        b64url(br#"{"alg":"RS256"}"#),
        b64url(b"{}"),
        b64url(&rng.bytes(64))
    );
    let short_sig = format!(
        "ghs_77_{}.{}.{}",
        b64url(br#"{"alg":"RS256"}"#),
        b64url(br#"{"exp":1767225600}"#),
        "c2ln"
    );
    let sb = Sandbox::new();
    sb.write(
        "ph.env",
        format!(
            "GITHUB_TOKEN={}\nGH_TOKEN={}\nA={empty_claims}\nB={short_sig}\n",
            "0".repeat(40),
            "deadbeef".repeat(5)
        ),
    );
    let out = sb.run(&["scan", "ph.env"]);
    out.expect_code(0);
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr
            .contains("4 checksum/structure-invalid candidates not shown"),
        "{out}"
    );
    let out = scan_json(&sb, &["--show-invalid", "ph.env"]);
    let f = out.findings();
    assert_eq!(f.len(), 4, "{out}");
    assert!(
        f.iter().all(|x| x["validation"] == "structure-invalid"),
        "{out}"
    );
    assert_eq!(count_rule(&f, LEGACY), 2);
    assert_eq!(count_rule(&f, STATELESS), 2);
}

#[test]
fn tokens_glued_to_escapes_ansi_quoted_printable_and_each_other() {
    let mut rng = Rng::new(7);
    let in_json = classic("ghp", &mut rng);
    let in_ansi = classic("gho", &mut rng);
    let in_qp = classic("ghu", &mut rng);
    let pair_a = classic("ghp", &mut rng);
    let pair_b = classic("ghp", &mut rng);
    let fg_a = fine_grained(&mut rng);
    let fg_b = fine_grained(&mut rng);
    let trailing = classic("ghs", &mut rng);
    let ghr_a = refresh(&mut rng);
    let ghr_b = refresh(&mut rng);
    let text = format!(
        "{{\"log\":\"starting\\n{in_json}\\ndone\"}}\n\
         \u{1b}[32m{in_ansi}\u{1b}[0m\n\
         token=3D{in_qp}=\n\
         {pair_a}{pair_b}\n\
         {fg_a}{fg_b}\n\
         id:{trailing}ThenSomeWordsGlued\n\
         {ghr_a}{ghr_b}\n"
    );
    let sb = Sandbox::new();
    sb.write("glued.log", &text);
    let out = scan_json(&sb, &["glued.log"]);
    out.expect_code(1);
    let f = out.findings();
    let p = "glued.log";
    assert_found(&f, CLASSIC, &in_json, p, locate(&text, &in_json));
    assert_eq!(locate(&text, &in_json).1, 19);
    assert_found(&f, OAUTH, &in_ansi, p, locate(&text, &in_ansi));
    assert_eq!(locate(&text, &in_ansi).1, 6);
    assert_found(&f, USER, &in_qp, p, (3, 9, locate(&text, &in_qp).2));
    assert_found(&f, CLASSIC, &pair_a, p, locate(&text, &pair_a));
    assert_found(&f, CLASSIC, &pair_b, p, locate(&text, &pair_b));
    assert_eq!(locate(&text, &pair_b).1, 41);
    assert_found(&f, FINE, &fg_a, p, locate(&text, &fg_a));
    assert_found(&f, FINE, &fg_b, p, (5, 94, locate(&text, &fg_b).2));
    // The finding is the 40-character token, not the letters glued after it.
    assert_found(&f, INSTALLATION, &trailing, p, locate(&text, &trailing));
    assert_found(&f, REFRESH, &ghr_a, p, locate(&text, &ghr_a));
    assert_found(&f, REFRESH, &ghr_b, p, (7, 81, locate(&text, &ghr_b).2));
    assert_eq!(f.len(), 10, "{out}");
}
