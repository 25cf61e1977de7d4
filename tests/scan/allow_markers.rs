//! Inline allow markers.

use super::*;
use crate::util::*;

#[test]
fn allow_markers_suppress_and_no_allow_markers_reports() {
    let mut rng = Rng::new(25);
    let a = classic("ghp", &mut rng);
    let b = classic("gho", &mut rng);
    let c = fine_grained(&mut rng);
    let d = classic("ghu", &mut rng);
    let sb = Sandbox::new();
    let text = format!(
        "GITHUB_TOKEN={a}  # patrol:allow\n\
         const t = \"{b}\"; // gitleaks:allow\n\
         token: {c}  # pragma: allowlist secret\n\
         # patrol:allow (applies to this line only)\n\
         next: {d}\n"
    );
    sb.write("allowed.txt", &text);

    let out = scan_json(&sb, &["allowed.txt"]);
    out.expect_code(1);
    let f = out.findings();
    assert_eq!(f.len(), 1, "{out}");
    assert_found(&f, USER, &d, "allowed.txt", (5, 7, locate(&text, &d).2));
    assert_eq!(out.json()["summary"]["suppressed"], 3);

    let out = sb.run(&["scan", "allowed.txt"]);
    assert!(
        out.stderr.contains("; 3 suppressed by allow markers"),
        "{out}"
    );

    let out = scan_json(&sb, &["--no-allow-markers", "allowed.txt"]);
    out.expect_code(1);
    let f = out.findings();
    assert_eq!(f.len(), 4, "{out}");
    assert_found(&f, CLASSIC, &a, "allowed.txt", (1, 14, 13));
    assert_found(&f, OAUTH, &b, "allowed.txt", locate(&text, &b));
    assert_found(&f, FINE, &c, "allowed.txt", locate(&text, &c));
    let out = sb.run(&["scan", "--no-allow-markers", "allowed.txt"]);
    assert!(!out.stderr.contains("suppressed"), "{out}");

    // Only suppressed tokens: exit 0.
    sb.write("only.txt", format!("{a} # patrol:allow\n"));
    sb.run(&["scan", "only.txt"]).expect_code(0);
}
