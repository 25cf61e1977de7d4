//! `scan --range A..B` and `--since REV`: what a pull request's commits introduced.

use serde_json::json;
use serde_json::Value;

use super::*;
use crate::util::*;

/// c1 adds old.env; A: README; c3 adds new.env; c4 edits old.env (unrelated line) and has a
/// token in its message; B: README; c6 (after B) adds late.env.
struct RangeRepo {
    r: Sandbox,
    old: String,
    new: String,
    msg: String,
    late: String,
    a: String,
    c3: String,
    c4: String,
    b: String,
    c6: String,
}

fn range_repo(seed: u64) -> RangeRepo {
    let r = Sandbox::repo();
    let old = token("ghp", seed);
    let new = token("ghp", seed + 1);
    let msg = token("ghp", seed + 2);
    let late = token("ghp", seed + 3);
    r.write("old.env", format!("OLD={old}\n"));
    r.commit("c1 old");
    r.write("README.md", "a\n");
    let a = r.commit("A");
    r.write("new.env", format!("# new\nNEW={new}\n"));
    let c3 = r.commit("c3 add new");
    r.write("old.env", format!("OLD={old}\nDEBUG=1\n"));
    let c4 = r.commit(&format!("c4 debug\n\nrotated: {msg}"));
    r.write("README.md", "b\n");
    let b = r.commit("B");
    r.write("late.env", format!("LATE={late}\n"));
    let c6 = r.commit("c6 late");
    RangeRepo {
        r,
        old,
        new,
        msg,
        late,
        a,
        c3,
        c4,
        b,
        c6,
    }
}

#[test]
fn range_reports_only_what_the_range_introduced() {
    let x = range_repo(501);
    let range = format!("{}..{}", x.a, x.b);
    let run = x.r.run(&["scan", "--range", &range, "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    assert_eq!(
        fingerprints(&findings),
        fps(&[&x.new, &x.msg]),
        "old (before A) and late (after B) must not be reported: {run}"
    );
    assert_eq!(findings.len(), 2, "{run}");
    let f = only(&findings, &x.new);
    assert_token_finding(f, &x.new, "new.env", 2, 5);
    assert_eq!(f["blob"], x.r.rev(&format!("{}:new.env", x.c3)));
    assert_eq!(f["commit"]["id"], x.c3);
    assert_eq!(f["commit"]["summary"], "c3 add new");
    assert_eq!(
        f["commit"]["author"],
        format!("{} <{}>", USER_NAME, USER_EMAIL)
    );
    assert_eq!(f["commit"]["date"], x.r.author_date(&x.c3));
    assert_eq!(f["commits"], 1);
    assert_eq!(f["unreachable"], false);
    let f = only(&findings, &x.msg);
    assert_eq!(f["message_of"], json!({"kind": "commit", "id": x.c4}));
    assert_eq!(f["commit"]["id"], x.c4);
    assert_eq!(f["line"], 3);
    let summary = run.summary();
    assert_eq!(summary["commits_in_range"], 3);
    assert_eq!(summary["errors"], json!([]));
    let text = x.r.run(&["scan", "--range", &range]);
    assert!(text.stderr.contains("3 commits in range"), "{text}");

    // Symbolic ends work too.
    x.r.git(&["tag", "A", &x.a]);
    let run =
        x.r.run(&["scan", "--range", "A..HEAD~1", "--format", "json"]);
    run.expect_code(1);
    assert_eq!(fingerprints(&run.findings()), fps(&[&x.new, &x.msg]));
}

#[test]
fn since_reports_what_came_after_rev() {
    let x = range_repo(511);
    let run = x.r.run(&["scan", "--since", &x.a, "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    assert_eq!(
        fingerprints(&findings),
        fps(&[&x.new, &x.msg, &x.late]),
        "{run}"
    );
    assert_eq!(run.summary()["commits_in_range"], 4);
    assert_eq!(only(&findings, &x.late)["commit"]["id"], x.c6);
    assert_eq!(only(&findings, &x.late)["path"], "late.env");

    // The boundary commit itself is excluded.
    let run = x.r.run(&["scan", "--since", &x.c3, "--format", "json"]);
    run.expect_code(1);
    assert_eq!(
        fingerprints(&run.findings()),
        fps(&[&x.msg, &x.late]),
        "{run}"
    );
    assert_eq!(run.summary()["commits_in_range"], 3);

    // Nothing new since B but c6's token; since c6, nothing at all.
    let run = x.r.run(&["scan", "--since", &x.b, "--format", "json"]);
    assert_eq!(fingerprints(&run.findings()), fps(&[&x.late]));
    let run = x.r.run(&["scan", "--since", &x.c6, "--format", "json"]);
    run.expect_code(0);
    assert!(with_token(&run.findings(), &x.old).is_empty());
}

#[test]
fn range_token_reintroduced_in_the_range_is_one_finding_attributed_to_the_first() {
    let r = Sandbox::repo();
    let t = token("ghp", 551);
    r.write("README.md", "x\n");
    let a = r.commit("A");
    r.write("key.env", format!("{t}\n"));
    let first = r.commit("add");
    std::fs::remove_file(r.root().join("key.env")).unwrap();
    r.commit("remove");
    r.write("key.env", format!("{t}\n"));
    let again = r.commit("add again");
    assert_ne!(first, again);

    let run = r.run(&["scan", "--since", &a, "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    assert_eq!(findings.len(), 1, "{run}");
    let f = &findings[0];
    assert_token_finding(f, &t, "key.env", 1, 1);
    assert_eq!(f["commit"]["id"], first, "{f:#}");
    assert_eq!(f["commits"], 2, "two commits in the range introduce it");
    assert_eq!(run.summary()["commits_in_range"], 3);
}

/// Same as above with the first introduction dated after the second (skewed clocks); history
/// mode orders by ancestry (see history_attribution_follows_ancestry_not_commit_dates).
#[test]
fn range_attribution_follows_ancestry_not_commit_dates() {
    let r = Sandbox::repo();
    let t = token("ghp", 561);
    r.write("README.md", "x\n");
    let a = r.commit("A");
    r.set_clock(1_800_000_000);
    r.write("key.env", format!("{t}\n"));
    let first = r.commit("add");
    r.set_clock(1_600_000_000);
    std::fs::remove_file(r.root().join("key.env")).unwrap();
    r.commit("remove");
    r.write("key.env", format!("{t}\n"));
    r.commit("add again");

    let run = r.run(&["scan", "--since", &a, "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    assert_eq!(only(&findings, &t)["commit"]["id"], first);
}

/// The help text says --all-lines works "with --staged or a range".
#[test]
fn range_all_lines_reports_old_tokens_in_changed_files() {
    let x = range_repo(521);
    let range = format!("{}..{}", x.a, x.b);
    let run =
        x.r.run(&["scan", "--range", &range, "--all-lines", "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    let f = only(&findings, &x.old);
    assert_eq!(f["path"], "old.env");
    assert_eq!(f["commit"]["id"], x.c4);
}

#[test]
fn empty_range_has_nothing_to_scan() {
    let x = range_repo(531);
    for args in [
        vec!["scan", "--range", "HEAD..HEAD", "--format", "json"],
        vec!["scan", "--since", "HEAD", "--format", "json"],
    ] {
        let run = x.r.run(&args);
        run.expect_code(0);
        assert_eq!(run.findings(), Vec::<Value>::new(), "{run}");
        assert_eq!(run.summary()["commits_in_range"], 0);
        let text = x.r.run(&args[..args.len() - 2]);
        assert!(text.stderr.contains("nothing to scan"), "{args:?}: {text}");
    }
}

#[test]
fn bad_revisions_are_errors() {
    let x = range_repo(541);
    for args in [
        vec!["scan", "--range", "no-such-rev..HEAD"],
        vec!["scan", "--range", "HEAD..no-such-rev"],
        vec!["scan", "--since", "no-such-rev"],
    ] {
        let run = x.r.run(&args);
        run.expect_code(2);
        assert!(run.stderr.contains("no-such-rev"), "{args:?}: {run}");
        assert!(run.stderr.contains("bad revision"), "{args:?}: {run}");
        assert_eq!(run.stdout, "", "{args:?}: {run}");
    }
    // Not a range at all.
    let run = x.r.run(&["scan", "--range", "HEAD"]);
    run.expect_code(2);
    assert!(run.stderr.contains("A..B"), "{run}");
    // A blob is not a commit.
    let blob = x.r.rev("HEAD:old.env");
    let run = x.r.run(&["scan", "--since", &blob]);
    run.expect_code(2);
    assert!(run.stderr.contains("not a commit"), "{run}");
}

/// A token in a commit's first line is a finding of its own; the same summary, shown as the
/// provenance of other findings from that commit, must not print it in any format.
#[test]
fn a_token_in_a_commit_summary_is_redacted_wherever_the_summary_is_shown() {
    let r = Sandbox::repo();
    let (in_file, in_summary) = (token("ghp", 900), token("gho", 901));
    r.write("a.env", format!("T={in_file}\n"));
    r.commit(&format!("rotate: old was {in_summary}"));
    for format in ["json", "jsonl", "text", "sarif", "csv"] {
        let run = r.run(&["scan", "--git", "--format", format]);
        run.expect_code(1);
        for t in [&in_file, &in_summary] {
            assert!(
                !run.all().contains(t.as_str()),
                "{format} leaks a token:\n{run}"
            );
        }
    }
    let run = r.run(&["scan", "--git", "--format", "json"]);
    let f = run.findings();
    let file = f
        .iter()
        .find(|f| f["path"] == "a.env")
        .expect("file finding");
    let summary = file["commit"]["summary"].as_str().unwrap();
    assert!(summary.starts_with("rotate: old was gho_"), "{summary}");
    assert!(summary.ends_with('…'), "{summary}");
}

/// A CI checkout is shallow: a base it does not hold is an error that says how to fetch it,
/// a range inside the fetched history works, and one that reaches the shallow boundary is
/// never a silent pass.
#[test]
fn ranges_in_shallow_clones() {
    let origin = Sandbox::repo();
    origin.write("a.txt", "one\n");
    let first = origin.commit("one");
    origin.git(&["tag", "v1"]);
    origin.write("b.txt", "two\n");
    origin.commit("two");
    let (t1, t2) = (token("ghp", 5101), token("ghp", 5102));
    origin.write("c.env", format!("T={t1}\n"));
    origin.commit("three");
    origin.write("d.env", format!("T={t2}\n"));
    origin.commit("four");
    let url = format!("file://{}", s(origin.root()));
    let clone = origin.outside("clone");
    origin.git(&["clone", "-q", "--depth", "2", &url, s(&clone)]);
    origin.configure(&clone);
    let run = origin.run_at(&clone, &["scan", "--range", &format!("{first}..HEAD")]);
    run.expect_code(2);
    assert!(run.stderr.contains("fetch-depth: 0"), "{run}");
    assert!(run.stderr.contains("shallow"), "{run}");
    // Inside what was fetched: as in a full clone.
    let run = origin.run_at(
        &clone,
        &["scan", "--range", "HEAD~1..HEAD", "--format", "json"],
    );
    run.expect_code(1);
    assert_eq!(fingerprints(&run.findings()), fps(&[&t2]), "{run}");
    // The base fetched on its own, as CI fetches a pull request's base: the range now runs
    // into the boundary. Findings above it are reported, and the scan says it is incomplete.
    origin.git_at(
        &clone,
        &["fetch", "-q", "--depth", "1", "origin", "tag", "v1"],
    );
    let run = origin.run_at(&clone, &["scan", "--range", "v1..HEAD", "--format", "json"]);
    run.expect_code(2);
    assert!(with_token(&run.findings(), &t2).len() == 1, "{run}");
    let errors = run.summary()["errors"].as_array().unwrap().clone();
    assert!(
        errors.iter().any(|e| e["error"]
            .as_str()
            .unwrap()
            .contains("shallow clone's boundary")),
        "{run}"
    );
}
