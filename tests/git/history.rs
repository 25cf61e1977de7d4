//! `scan --git`: every blob and message of a repository once, with where each finding came from.

use std::os::unix::fs::PermissionsExt;

use serde_json::json;
use serde_json::Value;

use super::*;
use crate::util::*;

#[test]
fn history_attributes_a_token_to_the_commit_that_introduced_it() {
    let r = Sandbox::repo();
    let t = token("ghp", 301);
    r.write("README.md", "v1\n");
    r.commit("first");
    r.write("secrets.env", format!("TOKEN={t}\n"));
    let c2 = r.commit_with(
        "add deploy key\n\nbody text",
        &["--author", "Ada Lovelace <ada@example.com>"],
    );
    let blob = r.rev(&format!("{c2}:secrets.env"));
    r.write("README.md", "v2\n");
    r.commit("third");
    r.write("README.md", "v3\n");
    r.commit("fourth");
    std::fs::remove_file(r.root().join("secrets.env")).unwrap();
    r.commit("remove the key");
    r.write("README.md", "v4\n");
    r.commit("sixth");

    let run = r.run(&["scan", "--git", "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    assert_eq!(findings.len(), 1, "{run}");
    let f = &findings[0];
    assert_token_finding(f, &t, "secrets.env", 1, 7);
    assert_eq!(f["blob"], blob);
    assert_eq!(
        f["commit"],
        json!({
            "id": c2,
            "author": "Ada Lovelace <ada@example.com>",
            "date": r.author_date(&c2),
            "summary": "add deploy key",
            // The corrected commit date: here, as no clock skewed, the committer time.
            "generation": r.git(&["show", "-s", "--format=%ct", &c2]).parse::<u64>().unwrap(),
        })
    );
    assert_ne!(
        r.author_date(&c2),
        r.author_date("HEAD"),
        "dates are distinct"
    );
    assert_eq!(f["commits"], 3, "commits 2, 3 and 4 carry it");
    assert_eq!(f["other_paths"], 0);
    assert_eq!(f["unreachable"], false);
    let summary = run.summary();
    assert_eq!(summary["findings"], 1);
    assert_eq!(summary["errors"], json!([]));
    assert_eq!(summary["commits_in_range"], Value::Null);
    assert!(!run.stderr.contains("commit blocked"), "{run}");

    // The same with one thread.
    let one = r.run(&["scan", "--git", "-j", "1", "--format", "json"]);
    assert_eq!(one.findings(), findings);
}

/// Clocks skew: the commit that introduced a token can carry a later date than its children.
/// The earliest commit is the earliest by ancestry.
#[test]
fn history_attribution_follows_ancestry_not_commit_dates() {
    let r = Sandbox::repo();
    let t = token("ghp", 305);
    r.write("README.md", "v1\n");
    r.commit("first");
    r.set_clock(1_800_000_000); // far in the future
    r.write("key.env", format!("{t}\n"));
    let introduced = r.commit("introduce");
    r.set_clock(1_600_000_000); // children dated before their parent
    r.write("README.md", "v2\n");
    r.commit("child one");
    r.write("README.md", "v3\n");
    r.commit("child two");

    let run = r.run(&["scan", "--git", "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    let f = only(&findings, &t);
    assert_eq!(f["commit"]["id"], introduced, "{f:#}");
    assert_eq!(f["commit"]["summary"], "introduce");
    assert_eq!(f["commit"]["date"], r.author_date(&introduced));
    assert!(
        f["commit"]["date"]
            .as_str()
            .unwrap()
            .starts_with("2027-01-15T"),
        "{f:#}"
    );
    assert_eq!(f["commits"], 3);
}

/// Unrelated histories compare by date: a root commit pushed years later (an orphan branch,
/// a pull request's head with no parent) that holds the same file did not introduce it, though
/// it has no ancestors and the first commit of the main line has many.
#[test]
fn history_attribution_prefers_the_older_commit_over_a_later_unrelated_root() {
    let r = Sandbox::repo();
    let t = token("ghp", 306);
    r.set_clock(1_400_000_000);
    for i in 0..5 {
        r.write("README.md", format!("v{i}\n"));
        r.commit(&format!("early {i}"));
    }
    r.write("keys/deploy.env", format!("{t}\n"));
    let introduced = r.commit("add the deploy key");
    r.write("README.md", "later\n");
    r.commit("later");
    let main = r.git(&["branch", "--show-current"]);
    r.set_clock(1_700_000_000);
    r.git(&["checkout", "-q", "--orphan", "import"]);
    let orphan = r.commit("import a copy of the tree");
    r.git(&["checkout", "-q", &main]);

    let run = r.run(&["scan", "--git", "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    let f = only(&findings, &t);
    assert_eq!(
        f["commit"]["id"], introduced,
        "not the orphan {orphan}: {f:#}"
    );
    assert_eq!(f["commits"], 3, "{f:#}");
    assert_eq!(f["unreachable"], false);
    assert_eq!(f["present_at_head"], true);
}

/// An octopus merge's third and later parents are parents too: a token introduced on the
/// fourth branch of one, whose branch was then deleted, is reachable through the merge, and
/// its commit is the one named.
#[test]
fn history_octopus_merge_reaches_its_later_parents() {
    let r = Sandbox::repo();
    let t = token("ghp", 307);
    r.write("README.md", "v1\n");
    r.commit("first");
    let main = r.git(&["branch", "--show-current"]);
    let mut introduced = String::new();
    for b in ["one", "two", "three"] {
        r.git(&["checkout", "-q", "-b", b, &main]);
        r.write(&format!("{b}.txt"), "x\n");
        if b == "three" {
            r.write("three.env", format!("{t}\n"));
        }
        let c = r.commit(&format!("on {b}"));
        if b == "three" {
            introduced = c;
        }
    }
    r.git(&["checkout", "-q", &main]);
    r.write("README.md", "v2\n");
    r.commit("on main");
    r.git(&["merge", "-q", "--no-edit", "one", "two", "three"]);
    assert_eq!(
        r.git(&["rev-list", "--parents", "-n", "1", "HEAD"])
            .split(' ')
            .count(),
        5,
        "an octopus merge of four parents"
    );
    for b in ["one", "two", "three"] {
        r.git(&["branch", "-q", "-D", b]);
    }

    let run = r.run(&["scan", "--git", "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    let f = only(&findings, &t);
    assert_eq!(f["commit"]["id"], introduced, "{f:#}");
    assert_eq!(f["unreachable"], false, "{f:#}");
    assert_eq!(f["present_at_head"], true, "{f:#}");
    assert_eq!(f["commits"], 2, "the branch commit and the merge: {f:#}");
}

#[test]
fn history_token_kept_over_fifty_commits_is_one_finding() {
    let r = Sandbox::repo();
    let kept = token("ghp", 311);
    let rolling = token("gho", 312);
    r.write("keep.env", format!("TOKEN={kept}\n"));
    r.write("rolling.env", format!("TOKEN={rolling}\nBUILD=0\n"));
    r.write("counter.txt", "0\n");
    let first = r.commit("commit 1");
    for i in 2..=50 {
        // keep.env's blob never changes; rolling.env's changes every commit, token kept.
        r.write("counter.txt", format!("{i}\n"));
        r.write("rolling.env", format!("TOKEN={rolling}\nBUILD={i}\n"));
        r.commit(&format!("commit {i}"));
    }
    assert_eq!(r.commit_count(), 50);

    let run = r.run(&["scan", "--git", "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    assert_eq!(findings.len(), 2, "{run}");
    for (t, path) in [(&kept, "keep.env"), (&rolling, "rolling.env")] {
        let f = only(&findings, t);
        assert_eq!(f["path"], path, "{f:#}");
        assert_eq!(f["commits"], 50, "{f:#}");
        assert_eq!(f["commit"]["id"], first, "{f:#}");
        assert_eq!(f["commit"]["summary"], "commit 1", "{f:#}");
        assert_eq!(f["unreachable"], false, "{f:#}");
        assert_eq!(f["other_paths"], 0, "{f:#}");
        // What a finding names agrees: its blob is the one its introducing commit holds
        // (rolling.env had 50 blobs, all holding the token).
        assert_eq!(f["blob"], r.rev(&format!("{first}:{path}")), "{f:#}");
    }
}

#[test]
fn history_same_blob_at_two_paths_is_reported_per_path() {
    let r = Sandbox::repo();
    let t = token("ghp", 321);
    let content = format!("# creds\nkey: {t}\n");
    r.write("a/creds.yml", &content);
    r.write("b/creds-copy.yml", &content);
    let c1 = r.commit("two copies");
    let blob = r.rev("HEAD:a/creds.yml");
    assert_eq!(blob, r.rev("HEAD:b/creds-copy.yml"));

    let run = r.run(&["scan", "--git", "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    assert_eq!(findings.len(), 2, "{run}");
    // Ordered by path; each names the other.
    let paths: Vec<&str> = findings
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["a/creds.yml", "b/creds-copy.yml"]);
    for (f, other) in findings.iter().zip(["b/creds-copy.yml", "a/creds.yml"]) {
        assert_token_finding(f, &t, f["path"].as_str().unwrap(), 2, 6);
        assert_eq!(f["blob"], blob);
        assert_eq!(f["other_paths"], 1);
        assert_eq!(f["other_path_list"], json!([other]), "{f:#}");
        assert_eq!(f["commits"], 1);
        assert_eq!(f["commit"]["id"], c1);
        assert_eq!(f["unreachable"], false);
    }
}

#[test]
fn history_finds_tokens_in_commit_and_tag_messages() {
    let r = Sandbox::repo();
    let in_commit = token("ghp", 331);
    let in_tag = token("ghp", 332);
    r.write("README.md", "x\n");
    let c1 = r.commit(&format!("initial\n\nci token: {in_commit}"));
    r.git(&[
        "tag",
        "-a",
        "v1.0",
        "-m",
        &format!("release 1.0\n\nsigned with {in_tag}"),
    ]);
    let tag = r.rev("refs/tags/v1.0");
    assert_ne!(tag, c1, "an annotated tag is its own object");

    let run = r.run(&["scan", "--git", "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    assert_eq!(findings.len(), 2, "{run}");

    let f = only(&findings, &in_commit);
    assert_token_finding(f, &in_commit, &format!("<commit message {c1}>"), 3, 11);
    assert_eq!(f["message_of"], json!({"kind": "commit", "id": c1}));
    assert!(f.get("blob").is_none(), "{f:#}");
    assert_eq!(f["commit"]["id"], c1);
    assert_eq!(f["commit"]["summary"], "initial");
    assert_eq!(f["commits"], 1);
    assert_eq!(f["unreachable"], false);

    let f = only(&findings, &in_tag);
    assert_token_finding(f, &in_tag, &format!("<tag message {tag}>"), 3, 13);
    assert_eq!(f["message_of"], json!({"kind": "tag", "id": tag}));
    assert!(f.get("blob").is_none(), "{f:#}");
}

/// The tag above is reachable from refs/tags/v1.0; it must not be reported as unreachable.
#[test]
fn history_tag_message_reachable_from_a_ref_is_not_unreachable() {
    let r = Sandbox::repo();
    let in_tag = token("ghp", 341);
    r.write("README.md", "x\n");
    r.commit("initial");
    r.git(&["tag", "-a", "v1.0", "-m", &format!("release\n\n{in_tag}")]);
    let run = r.run(&["scan", "--git", "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    let f = only(&findings, &in_tag);
    assert_eq!(f["unreachable"], false, "{f:#}");
}

#[test]
fn history_amended_away_commit_is_unreachable() {
    let r = Sandbox::repo();
    r.write("README.md", "x\n");
    r.commit("init");
    let t = token("ghp", 351);
    r.write("leak.txt", format!("oops {t}\n"));
    let bad = r.commit("oops");
    r.write("leak.txt", "fixed\n");
    let good = r.commit_with("fixed", &["--amend"]);
    assert_ne!(bad, good);
    assert_eq!(r.commit_count(), 2);

    let run = r.run(&["scan", "--git", "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    assert_eq!(findings.len(), 1, "{run}");
    let f = &findings[0];
    assert_token_finding(f, &t, "leak.txt", 1, 6);
    assert_eq!(f["unreachable"], true);
    assert_eq!(f["commit"]["id"], bad);
    assert_eq!(f["commit"]["summary"], "oops");
    assert_eq!(f["commits"], 1);
    assert!(run.stdout.contains(&bad));
}

#[test]
fn history_dangling_blob_has_no_commit_and_is_unreachable() {
    let r = Sandbox::repo();
    r.write("README.md", "x\n");
    r.commit("init");
    let t = token("ghp", 361);
    let outside = r.outside("scratch.txt");
    std::fs::write(&outside, format!("line one\nsecret={t}\n")).unwrap();
    let id = r.git(&["hash-object", "-w", s(&outside)]);

    let run = r.run(&["scan", "--git", "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    assert_eq!(findings.len(), 1, "{run}");
    let f = &findings[0];
    assert_token_finding(f, &t, &format!("<blob {id}>"), 2, 8);
    assert_eq!(f["blob"], id);
    assert_eq!(f["commit"], Value::Null);
    assert_eq!(f["unreachable"], true);
    assert_eq!(f["commits"], 0);
    assert_eq!(f["other_paths"], 0);
}

/// A repository whose tokens are all reachable: c1 adds old.env, c2 deletes it, c3 adds
/// new.env, c4 touches README. Returns (repo, old token, new token, c3, c4).
fn two_token_history(seed: u64) -> (Sandbox, String, String, String, String) {
    let r = Sandbox::repo();
    let old = token("ghp", seed);
    let new = token("ghp", seed + 1);
    r.write("README.md", "v1\n");
    r.write("old.env", format!("OLD={old}\n"));
    r.commit("c1 add old");
    std::fs::remove_file(r.root().join("old.env")).unwrap();
    r.commit("c2 remove old");
    r.write("new.env", format!("NEW={new}\n"));
    let c3 = r.commit("c3 add new");
    r.write("README.md", "v2\n");
    let c4 = r.commit("c4 readme");
    (r, old, new, c3, c4)
}

#[test]
fn history_bare_clone_matches_the_original() {
    let (r, old, new, c3, _) = two_token_history(371);
    let original = r.run(&["scan", "--git", "--format", "json"]);
    original.expect_code(1);
    let want = original.findings();
    assert_eq!(fingerprints(&want), fps(&[&old, &new]));
    assert_eq!(only(&want, &new)["commit"]["id"], c3);

    let bare = r.outside("bare.git");
    r.git_at(r.home(), &["clone", "-q", "--bare", s(r.root()), s(&bare)]);
    for (cwd, args) in [
        (
            r.home().to_path_buf(),
            vec!["scan", "--git", s(&bare), "--format", "json"],
        ),
        (bare.clone(), vec!["scan", "--git", "--format", "json"]),
    ] {
        let run = r.run_at(&cwd, &args);
        run.expect_code(1);
        assert_eq!(history_keys(&run.findings()), history_keys(&want), "{run}");
    }
}

#[test]
fn history_shallow_clone_lacks_older_history() {
    let (r, old, new, _, c4) = two_token_history(381);
    let shallow = r.outside("shallow");
    let url = format!("file://{}", s(r.root()));
    r.git_at(
        r.home(),
        &["clone", "-q", "--depth", "1", &url, s(&shallow)],
    );
    assert!(shallow.join(".git/shallow").exists());

    let run = r.run_at(&shallow, &["scan", "--git", "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    assert_eq!(fingerprints(&findings), fps(&[&new]), "{run}");
    assert!(with_token(&findings, &old).is_empty());
    let f = only(&findings, &new);
    assert_eq!(f["path"], "new.env");
    // Only the tip exists here, so it is the earliest commit carrying the token.
    assert_eq!(f["commit"]["id"], c4);
    assert_eq!(f["commits"], 1);
    assert_eq!(f["unreachable"], false);
    assert_eq!(run.summary()["errors"], json!([]));
}

fn count_files(dir: &std::path::Path, pred: &dyn Fn(&std::path::Path) -> bool) -> usize {
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            n += count_files(&p, pred);
        } else if pred(&p) {
            n += 1;
        }
    }
    n
}

#[test]
fn history_packed_repository_with_several_packs_and_loose_objects() {
    let r = Sandbox::repo();
    let t1 = token("ghp", 391);
    let t2 = token("ghp", 392);
    let t3 = token("ghp", 393);
    let t4 = token("ghp", 394);
    r.write("one.env", format!("{t1}\n"));
    r.commit("c1");
    r.write("two.env", format!("{t2}\n"));
    std::fs::remove_file(r.root().join("one.env")).unwrap();
    r.commit("c2");
    r.git(&["tag", "-a", "v1", "-m", "v1"]);
    let loose = r.run(&["scan", "--git", "--format", "json"]);
    loose.expect_code(1);
    let before = history_keys(&loose.findings());
    assert_eq!(before.len(), 2, "{loose}");

    {
        let out = r
            .command_at("git", r.root())
            .args(["gc", "-q"])
            .env("GIT_TRACE", "1")
            .output()
            .unwrap();
        eprintln!(
            "GCTRACE rc={:?}\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let objects = r.root().join(".git/objects");
    let packs =
        |dir: &std::path::Path| count_files(dir, &|p| p.extension().is_some_and(|e| e == "pack"));
    assert_eq!(packs(&objects.join("pack")), 1);
    let after_gc = r.run(&["scan", "--git", "--format", "json"]);
    after_gc.expect_code(1);
    assert_eq!(history_keys(&after_gc.findings()), before, "{after_gc}");

    // A second pack (repack without -a packs only the loose objects, without -d keeps them
    // loose too: every new object is then both packed and loose).
    r.write("three.env", format!("{t3}\n"));
    r.commit("c3");
    r.git(&["repack", "-q"]);
    // And loose objects on top.
    r.write("four.env", format!("{t4}\n"));
    r.commit("c4");
    assert!(packs(&objects.join("pack")) >= 2, "expected several packs");
    let loose_objects = std::fs::read_dir(&objects)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().len() == 2)
        .map(|e| count_files(&e.path(), &|_| true))
        .sum::<usize>();
    assert!(loose_objects > 0, "expected loose objects");

    let run = r.run(&["scan", "--git", "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    assert_eq!(
        findings.len(),
        4,
        "each token once, however many copies: {run}"
    );
    assert_eq!(fingerprints(&findings), fps(&[&t1, &t2, &t3, &t4]));
    assert_eq!(run.summary()["errors"], json!([]));
    let c3 = r.rev("HEAD~1");
    assert_eq!(only(&findings, &t3)["commit"]["id"], c3);
    assert_eq!(only(&findings, &t3)["commits"], 2);
    assert_eq!(only(&findings, &t4)["commits"], 1);
    assert_eq!(only(&findings, &t2)["commits"], 3);
    assert_eq!(only(&findings, &t1)["commits"], 1);
    let keys = history_keys(&findings);

    // Everything in one pack again: the same report.
    r.git(&["repack", "-a", "-d", "-q"]);
    assert_eq!(packs(&objects.join("pack")), 1);
    let one_pack = r.run(&["scan", "--git", "--format", "json"]);
    one_pack.expect_code(1);
    assert_eq!(history_keys(&one_pack.findings()), keys, "{one_pack}");
}

#[test]
fn history_stash_only_token_is_unreachable_unless_stash() {
    let r = Sandbox::repo();
    r.write("app.cfg", "x = 1\n");
    r.commit("init");
    let t = token("ghp", 401);
    r.write("app.cfg", format!("x = 1\ntoken = {t}\n"));
    r.git(&["stash", "-q"]);
    assert_eq!(
        std::fs::read_to_string(r.root().join("app.cfg")).unwrap(),
        "x = 1\n"
    );

    let run = r.run(&["scan", "--git", "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    assert_eq!(findings.len(), 1, "{run}");
    let f = &findings[0];
    assert_token_finding(f, &t, "app.cfg", 2, 9);
    assert_eq!(f["unreachable"], true);
    let stash = r.rev("refs/stash");
    assert_eq!(f["commit"]["id"], stash);
    assert!(
        f["commit"]["summary"]
            .as_str()
            .unwrap()
            .starts_with("WIP on main"),
        "{f:#}"
    );

    let run = r.run(&["scan", "--git", "--stash", "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    assert_eq!(findings.len(), 1, "{run}");
    assert_eq!(findings[0]["unreachable"], false);
    assert_eq!(findings[0]["commit"]["id"], stash);
}

#[test]
fn history_counts_lfs_pointers() {
    let r = Sandbox::repo();
    let oid = "4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393";
    r.write(
        "model.bin",
        format!("version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize 123\n"),
    );
    r.write(
        "README.md",
        "see version https://git-lfs.github.com/spec/v1\n",
    );
    r.commit("lfs");
    let run = r.run(&["scan", "--git", "--format", "json"]);
    run.expect_code(0);
    assert_eq!(run.findings(), Vec::<Value>::new());
    // README.md mentions the spec but is not a pointer.
    assert_eq!(run.summary()["lfs_pointers"], 1, "{run}");
    // A machine format's stderr is errors only; the text summary says it.
    assert_eq!(run.stderr, "", "{run}");
    let run = r.run(&["scan", "--git"]);
    assert!(run.stderr.contains("Git LFS pointer"), "{run}");
}

#[test]
fn history_skips_blobs_over_max_file_size() {
    let r = Sandbox::repo();
    let t = token("ghp", 411);
    let mut big = "x".repeat(1500);
    big.push('\n');
    big.push_str(&format!("token={t}\n"));
    big.push_str(&"y".repeat(600));
    assert!(big.len() > 2048);
    r.write("big.txt", &big);
    r.write("small.txt", "tiny\n");
    r.commit("big");

    let run = r.run(&["scan", "--git", "--max-file-size", "1K", "--format", "json"]);
    run.expect_code(0);
    assert_eq!(run.findings(), Vec::<Value>::new(), "{run}");
    let summary = run.summary();
    assert_eq!(summary["skipped"], json!({"too large": 1}), "{run}");
    let listed = summary["skipped_paths"].as_array().unwrap();
    assert_eq!(listed.len(), 1, "{run}");
    assert!(
        listed[0]["path"].as_str().unwrap().starts_with("<blob "),
        "{run}"
    );
    assert_eq!(summary["exit_code"], 0);
    let text = r.run(&["scan", "--git", "--max-file-size", "1K"]);
    assert!(text.stderr.contains("skipped"), "{text}");

    // Without the cap it is found.
    let run = r.run(&["scan", "--git", "--format", "json"]);
    run.expect_code(1);
    assert_eq!(fingerprints(&run.findings()), fps(&[&t]));
}

#[test]
fn history_corrupt_loose_object_is_an_error_and_the_scan_goes_on() {
    let r = Sandbox::repo();
    let good = token("ghp", 421);
    let lost = token("ghp", 422);
    r.write("good.env", format!("{good}\n"));
    r.commit("good");
    let scratch = r.outside("lost.txt");
    std::fs::write(&scratch, format!("{lost}\n")).unwrap();
    let id = r.git(&["hash-object", "-w", s(&scratch)]);
    let file = r.root().join(".git/objects").join(&id[..2]).join(&id[2..]);
    let mut perms = std::fs::metadata(&file).unwrap().permissions();
    perms.set_mode(perms.mode() | 0o200);
    std::fs::set_permissions(&file, perms).unwrap();
    std::fs::write(&file, b"this is not a zlib stream at all").unwrap();

    let run = r.run(&["scan", "--git", "--format", "json"]);
    run.expect_code(2);
    assert!(
        run.stderr.contains(&id),
        "stderr does not name {id}:\n{run}"
    );
    let findings = run.findings();
    assert_eq!(fingerprints(&findings), fps(&[&good]), "{run}");
    let summary = run.summary();
    let errors = summary["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{run}");
    assert_eq!(errors[0]["path"], format!("<object {id}>"));
    assert_eq!(summary["exit_code"], 2);
}

#[test]
fn git_modes_outside_a_repository_fail_clearly() {
    let r = Sandbox::repo();
    let plain = r.outside("plain");
    std::fs::create_dir(&plain).unwrap();
    std::fs::write(plain.join("a.env"), format!("{}\n", token("ghp", 431))).unwrap();
    for args in [
        vec!["scan", "--git", s(&plain)],
        vec!["scan", "--staged", s(&plain)],
        vec!["scan", "--since", "HEAD", s(&plain)],
        vec!["scan", "--range", "HEAD~1..HEAD", s(&plain)],
        vec!["hook", "install", s(&plain)],
    ] {
        let run = r.run_at(r.home(), &args);
        run.expect_code(2);
        assert!(
            run.stderr.contains("not in a git repository"),
            "{args:?}: {run}"
        );
        assert!(run.stderr.contains(s(&plain)), "{args:?}: {run}");
        assert_eq!(run.stdout, "", "{args:?}: {run}");
    }
    // Without a path argument, from inside the plain directory.
    let run = r.run_at(&plain, &["scan", "--git"]);
    run.expect_code(2);
    assert!(run.stderr.contains("not in a git repository"), "{run}");
}

/// A repository gix cannot read (SHA-256 object names) is named as one, not called "not a
/// repository"; every git mode fails closed (exit 2), so a pre-commit hook blocks rather than
/// passing a commit it never looked at. The same files still scan as files.
#[test]
fn a_sha256_repository_is_named_as_such_and_every_git_mode_fails_closed() {
    let r = Sandbox::new();
    let repo = r.outside("sha256");
    std::fs::create_dir(&repo).unwrap();
    r.git_at(
        &repo,
        &["init", "-q", "--object-format=sha256", "-b", "main"],
    );
    r.configure(&repo);
    std::fs::write(repo.join("a.env"), format!("T={}\n", token("ghp", 432))).unwrap();
    r.git_at(&repo, &["add", "a.env"]);
    r.git_at(&repo, &["commit", "-q", "-m", "one"]);
    for args in [
        vec!["scan", "--git"],
        vec!["scan", "--staged"],
        vec!["scan", "--pre-commit"],
        vec!["scan", "--since", "HEAD"],
        vec!["scan", "--range", "HEAD~1..HEAD"],
    ] {
        let run = r.run_at(&repo, &args);
        run.expect_code(2);
        assert!(run.stderr.contains("SHA-256 repository"), "{args:?}: {run}");
        assert!(
            !run.stderr.contains("not in a git repository"),
            "{args:?}: {run}"
        );
        assert_eq!(run.stdout, "", "{args:?}: {run}");
    }
    let run = r.run_at(&repo, &["scan", "."]);
    run.expect_code(1);
}

/// A token deep inside a 70 MB blob is found by every git mode, the blob loose and packed;
/// such a blob is inflated as it is scanned, in bounded windows.
#[test]
fn a_token_in_a_70_mb_blob_is_found_in_every_mode() {
    let r = Sandbox::repo();
    r.write("README.md", "hello\n");
    let base = r.commit("first");
    let t = token("ghp", 5001);
    let line = "0123456789abcdefghijklmnopqrstuvwxyz ".repeat(3) + "\n";
    let mut big = line.repeat((50 << 20) / line.len()).into_bytes();
    big.extend_from_slice(format!("export GITHUB_TOKEN={t}\n").as_bytes());
    big.extend(line.repeat((21 << 20) / line.len()).into_bytes());
    assert!(big.len() > 70 << 20);
    r.write("data/big.txt", &big);
    r.git(&["add", "-A"]);
    let run = r.run(&["scan", "--staged", "--format", "json"]);
    run.expect_code(1);
    assert_eq!(with_token(&run.findings(), &t).len(), 1, "staged: {run}");
    let line_no = big[..big.len() - (21 << 20) / line.len() * line.len()]
        .iter()
        .filter(|&&b| b == b'\n')
        .count();
    assert_eq!(with_token(&run.findings(), &t)[0]["line"], line_no as u64);
    r.commit("big");
    let run = r.run(&["scan", "--since", &base, "--format", "json"]);
    run.expect_code(1);
    assert_eq!(with_token(&run.findings(), &t).len(), 1, "range: {run}");
    let run = r.run(&["scan", "--git", "--format", "json"]);
    run.expect_code(1);
    assert_eq!(
        with_token(&run.findings(), &t).len(),
        1,
        "history, loose: {run}"
    );
    r.git(&["gc", "-q"]);
    let run = r.run(&["scan", "--git", "--format", "json"]);
    run.expect_code(1);
    let all = run.findings();
    let f = with_token(&all, &t);
    assert_eq!(f.len(), 1, "history, packed: {run}");
    assert_eq!(f[0]["path"], "data/big.txt");
    assert_eq!(f[0]["line"], line_no as u64);
    // Only an explicit cap skips it, and says so.
    let run = r.run(&[
        "scan",
        "--git",
        "--max-file-size",
        "10M",
        "--format",
        "json",
    ]);
    run.expect_code(0);
    assert_eq!(run.summary()["skipped"]["too large"], 1, "{run}");
}

/// Where each leak stands today: still at HEAD, or removed — and by which commit of HEAD's
/// first-parent history — or never on that history at all (another branch).
#[test]
fn history_says_whether_a_secret_is_still_at_head_and_what_removed_it() {
    let r = Sandbox::repo();
    let (kept, gone, edited, side) = (
        token("ghp", 401),
        token("ghp", 402),
        token("ghp", 403),
        token("ghp", 404),
    );
    r.write("kept.env", format!("T={kept}\n"));
    r.write("gone.env", format!("T={gone}\n"));
    r.write("edited.env", format!("T={edited}\nX=1\n"));
    r.commit("add three");
    r.write("edited.env", format!("T={edited}\nX=2\n"));
    r.commit("touch edited");
    r.git(&["rm", "-q", "gone.env"]);
    let removed_gone = r.commit("remove gone");
    r.write("edited.env", "X=3\n");
    let removed_edited = r.commit("rotate edited");
    r.git(&["checkout", "-q", "-b", "side"]);
    r.write("side.env", format!("T={side}\n"));
    r.commit("side branch");
    r.git(&["checkout", "-q", "-"]);
    r.write("later.txt", "nothing\n");
    r.commit("later");

    let run = r.run(&["scan", "--git", "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    let f = |t: &str| only(&findings, t).clone();
    assert_eq!(f(&kept)["present_at_head"], true, "{run}");
    assert_eq!(f(&kept)["removed_in"], Value::Null);
    assert_eq!(f(&gone)["present_at_head"], false);
    assert_eq!(f(&gone)["removed_in"]["id"], removed_gone);
    assert_eq!(f(&gone)["removed_in"]["summary"], "remove gone");
    // Two blobs held it (the file changed in between); the commit that dropped the line.
    assert_eq!(f(&edited)["present_at_head"], false);
    assert_eq!(f(&edited)["removed_in"]["id"], removed_edited);
    assert_eq!(f(&side)["present_at_head"], false);
    assert_eq!(f(&side)["removed_in"], Value::Null);

    let text = r.run(&["scan", "--git"]);
    assert!(text.stdout.contains("still present at HEAD"), "{text}");
    assert!(
        text.stdout
            .contains(&format!("removed in {}", &removed_gone[..12])),
        "{text}"
    );
    assert!(text.stdout.contains("not in HEAD's history"), "{text}");
}

#[test]
fn history_counts_a_blob_once_however_often_it_holds_the_secret() {
    let r = Sandbox::repo();
    let t = token("ghp", 77);
    r.write("twice.env", format!("A={t}\nB={t}\n"));
    r.commit("one");
    r.write("other.txt", "x\n");
    r.commit("two");
    let run = r.run(&["scan", "--git", "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    assert_eq!(findings.len(), 1, "{run}");
    assert_eq!(findings[0]["commits"], 2, "two commits carry the blob");
    assert_eq!(findings[0]["line"], 1, "the first place is shown");
}

#[test]
fn history_of_delta_chains_reads_as_loose_objects_do() {
    // One file in 40 versions under nested directories: repacked, its blobs and the trees
    // above it are chains of deltas, which the scan walks in pack order. The report must be
    // the one loose objects give, and name the version that introduced the token.
    let r = Sandbox::repo();
    let t = token("ghp", 396);
    let mut lines: Vec<String> = (0..200)
        .map(|i| format!("setting_{i} = a value that stays the same\n"))
        .collect();
    for v in 0..40 {
        lines[v * 4] = format!("version = {v}\n");
        if v == 17 {
            lines[101] = format!("token = {t}\n");
        }
        if v == 18 {
            lines[101] = "token = (kept in the vault now)\n".into();
        }
        r.write("conf/prod/app.cfg", lines.concat());
        r.write(&format!("conf/notes/{v}.txt"), format!("note {v}\n"));
        r.commit(&format!("v{v}"));
    }
    let loose = r.run(&["scan", "--git", "--format", "json"]);
    loose.expect_code(1);
    r.git(&[
        "repack",
        "-a",
        "-d",
        "-f",
        "-q",
        "--depth=50",
        "--window=50",
    ]);
    // The token's blob is in a delta chain (git chooses which way deltas go: either the
    // token's version is built from another or another from it; either is checked).
    let blob = r.rev("HEAD~22:conf/prod/app.cfg");
    let idx = std::fs::read_dir(r.path(".git/objects/pack"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "idx"))
        .unwrap();
    let listing = r.git(&["verify-pack", "-v", idx.to_str().unwrap()]);
    let deltas = listing
        .lines()
        .filter(|l| l.split_whitespace().count() == 7)
        .count();
    assert!(deltas > 40, "expected chains of deltas:\n{listing}");
    // `verify-pack -v`: a delta's line is `id type size packed offset depth base`.
    assert!(
        listing.lines().any(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            f.len() == 7 && (f[0] == blob || f[6] == blob)
        }),
        "the token's blob {blob} is a delta or a delta's base:\n{listing}"
    );
    let packed = r.run(&["scan", "--git", "--format", "json"]);
    packed.expect_code(1);
    assert_eq!(
        history_keys(&packed.findings()),
        history_keys(&loose.findings())
    );
    let found = packed.findings();
    let f = only(&found, &t);
    assert_eq!(f["path"], "conf/prod/app.cfg");
    assert_eq!(f["line"], 102);
    assert_eq!(f["commit"]["id"], r.rev("HEAD~22"));
    assert_eq!(f["commits"], 1);
    assert_eq!(f["blob"], blob);
    assert_eq!(packed.summary()["errors"], json!([]));
    assert_eq!(packed.summary()["files"], loose.summary()["files"]);
}
