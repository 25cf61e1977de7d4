//! `scan --range A..B` and `--since REV` (CI on a pull request): the commits of
//! `git rev-list A..B`, oldest first by ancestry; for each, the blobs that differ from every
//! parent at their path, and only the lines they add; plus the commit messages.

use std::collections::{HashMap, HashSet};

use anyhow::{anyhow, Context, Result};
use gix::bstr::{BString, ByteSlice};
use gix::objs::tree::EntryKind;
use gix::objs::TreeRefIter;
use gix::ObjectId;

use super::lines::added_lines;
use super::provenance::{corrected_dates, decode_commit, CommitNode, DecodedCommit};
use super::{
    added_findings_streamed, added_unpacked, contained, object_error, oversize, read_blob,
    scan_streamed, GitConfig,
};
use crate::finding::{Finding, Fingerprint, Origin, Provenance};
use crate::scan::{Scanner, Tally, WINDOW};

/// What to tell a user whose clone lacks history: CI checkouts are shallow by default.
pub(crate) const FETCH_ADVICE: &str = "fetch the history first (actions/checkout: \
    `fetch-depth: 0`; GitLab: GIT_DEPTH: \"0\"; or `git fetch --unshallow`)";

/// Resolves a revision to a commit id. In a shallow clone, a revision that is not there is
/// most likely history the clone did not fetch: the error says how to fetch it.
fn resolve_commit(repo: &gix::Repository, rev: &str) -> Result<ObjectId> {
    let shallow = repo.is_shallow();
    let advice = |e: &dyn std::fmt::Display| {
        if shallow {
            anyhow!("bad revision {rev:?}: {e}; this is a shallow clone, which may not hold it: {FETCH_ADVICE}")
        } else {
            anyhow!("bad revision {rev:?}: {e}")
        }
    };
    let id = repo.rev_parse_single(rev).map_err(|e| advice(&e))?;
    let obj = id
        .object()
        .map_err(|e| advice(&e))?
        .peel_to_kind(gix::object::Kind::Commit)
        .map_err(|e| anyhow!("revision {rev:?} is not a commit: {e}"))?;
    Ok(obj.id)
}

/// Scans what the commits of `from..to` introduced; returns how many commits the range holds.
pub(super) fn range(
    repo: &gix::Repository,
    from: &str,
    to: &str,
    all_lines: bool,
    cfg: &GitConfig,
    scanner: &Scanner,
    tally: &Tally,
) -> Result<usize> {
    let from_id = resolve_commit(repo, from)?;
    let to_id = resolve_commit(repo, to)?;
    // A shallow clone's boundary commits name parents it does not hold: like git, the walk
    // treats them as roots.
    let shallow: HashSet<ObjectId> = match repo.shallow_commits() {
        Ok(Some(c)) => c.iter().copied().collect(),
        Ok(None) => HashSet::new(),
        Err(e) => return Err(anyhow!("cannot read the shallow file: {e}")),
    };
    let parents = |c: &DecodedCommit| -> Vec<ObjectId> {
        if shallow.contains(&c.node.id) {
            Vec::new()
        } else {
            c.node.parents.clone()
        }
    };
    // Commits reachable from `to` but not from `from`, as in `git rev-list from..to`.
    let mut hidden = HashSet::new();
    let mut stack = vec![from_id];
    while let Some(id) = stack.pop() {
        if hidden.insert(id) {
            stack.extend(parents(&decode_commit(repo, id, scanner)?));
        }
    }
    let mut commits = Vec::new();
    let mut seen = HashSet::new();
    let mut stack = vec![to_id];
    while let Some(id) = stack.pop() {
        if hidden.contains(&id) || !seen.insert(id) {
            continue;
        }
        let commit = decode_commit(repo, id, scanner)?;
        stack.extend(parents(&commit));
        commits.push(commit);
    }
    // Oldest first by ancestry (corrected date), then time: the first commit in the range to
    // carry a secret is the one that introduced it, whatever the commit dates say.
    let nodes: Vec<&CommitNode> = commits.iter().map(|c| &c.node).collect();
    let index: HashMap<ObjectId, usize> =
        nodes.iter().enumerate().map(|(i, n)| (n.id, i)).collect();
    let generation = corrected_dates(
        nodes.len(),
        |i| nodes[i].time,
        |i, out| {
            out.extend(
                nodes[i]
                    .parents
                    .iter()
                    .filter_map(|p| index.get(p).copied()),
            )
        },
    );
    let mut order: Vec<usize> = (0..commits.len()).collect();
    order.sort_by_key(|&i| (generation[i], nodes[i].time, nodes[i].id));
    let mut outcome_findings: HashMap<(Fingerprint, String), Finding> = HashMap::new();
    let mut blob_cache: HashMap<ObjectId, Vec<Finding>> = HashMap::new();
    let mut buf = Vec::new();
    for &i in &order {
        let DecodedCommit {
            node,
            message,
            meta,
        } = &commits[i];
        let id = &node.id;
        let origin = Origin::Message {
            id: id.to_string(),
            kind: "commit",
        };
        let mut found = tally.scan(scanner, message, &origin);
        if shallow.contains(id) && !node.parents.is_empty() {
            // What this commit changed cannot be told without its parents: never a silent
            // pass over it.
            object_error(
                tally,
                id,
                format!(
                    "the range reaches the shallow clone's boundary here: this commit's parents \
                     are not in the clone, so what it changed cannot be scanned; {FETCH_ADVICE}"
                ),
            );
            for f in found {
                record(&mut outcome_findings, f, meta);
            }
            continue;
        }
        let parent_trees = node
            .parents
            .iter()
            .map(|p| match index.get(p) {
                Some(&j) => Ok(commits[j].node.tree),
                None => decode_commit(repo, *p, scanner).map(|d| d.node.tree),
            })
            .collect::<Result<Vec<_>>>()?;
        let mut introduced = Vec::new();
        diff_trees(
            repo,
            Some(node.tree),
            &parent_trees,
            &mut BString::default(),
            &mut introduced,
        )?;
        if let Some(spec) = &cfg.pathspec {
            // Limited to files at the given paths: messages are not files (as in history).
            introduced.retain(|(path, _, _)| spec.matches(&path.to_str_lossy()));
            found.clear();
        }
        for (path, blob, olds) in introduced {
            let size = contained(|| repo.find_header(blob)).map_or(0, |h| h.size());
            if cfg.max_blob_size.is_some_and(|max| size > max) {
                oversize(tally, blob, Some(path.as_bstr()), size);
                continue;
            }
            let path_s = path.to_str_lossy().into_owned();
            let origin = Origin::Blob {
                id: blob.to_string(),
                path: Some(path_s.clone()),
            };
            let big = size > WINDOW as u64;
            // Each blob is scanned once, however many commits of the range carry it.
            let all = match blob_cache.get(&blob) {
                Some(a) => a.clone(),
                None => {
                    let streamed = if big {
                        scan_streamed(repo, blob, scanner, tally, &origin, &mut buf)
                    } else {
                        None
                    };
                    let a = match streamed {
                        Some(a) => a,
                        None => match read_blob(repo, blob) {
                            Ok(data) => tally.scan(scanner, &data, &origin),
                            Err(e) => {
                                object_error(tally, blob, format!("{path}: {e:#}"));
                                continue;
                            }
                        },
                    };
                    blob_cache.insert(blob, a.clone());
                    a
                }
            };
            if all.is_empty() {
                continue;
            }
            let mut all = all;
            let mut kept = if all_lines {
                Vec::new()
            } else {
                added_unpacked(repo, scanner, &olds, &mut all)
            };
            let by_line = if all_lines || all.is_empty() {
                all
            } else if big {
                match added_findings_streamed(repo, blob, &olds, all) {
                    Ok(k) => k,
                    Err(e) => {
                        object_error(tally, blob, format!("{path}: {e:#}"));
                        continue;
                    }
                }
            } else {
                let data = match read_blob(repo, blob) {
                    Ok(d) => d,
                    Err(e) => {
                        object_error(tally, blob, format!("{path}: {e:#}"));
                        continue;
                    }
                };
                let old_data: Vec<Vec<u8>> = olds
                    .iter()
                    .filter_map(|o| read_blob(repo, *o).ok())
                    .collect();
                let olds: Vec<&[u8]> = old_data.iter().map(Vec::as_slice).collect();
                let added = added_lines(&olds, &data);
                all.into_iter()
                    .filter(|f| added.contains(&f.line))
                    .collect()
            };
            kept.extend(by_line);
            for f in kept {
                let mut f = f;
                f.origin = Origin::Blob {
                    id: blob.to_string(),
                    path: Some(path_s.clone()),
                };
                found.push(f);
            }
        }
        for f in found {
            record(&mut outcome_findings, f, meta);
        }
    }
    tally.keep(outcome_findings.into_values().collect());
    Ok(commits.len())
}

/// Adds a finding of the commit `meta`: the first commit (oldest first) to carry a secret at
/// a path introduced it; later ones only count.
fn record(
    findings: &mut HashMap<(Fingerprint, String), Finding>,
    mut f: Finding,
    meta: &crate::finding::CommitMeta,
) {
    let key = (f.fingerprint.clone(), f.origin.display_path());
    if let Some(prev) = findings.get_mut(&key) {
        if let Some(p) = prev.provenance.as_mut() {
            p.commits += 1;
        }
        return;
    }
    f.provenance = Some(Box::new(Provenance {
        commit: Some(meta.clone()),
        commits: 1,
        other_paths: Vec::new(),
        unreachable: false,
        ..Provenance::default()
    }));
    findings.insert(key, f);
}

/// Blobs under `new` that differ from every parent tree at their path: (path, blob, the
/// parents' blobs at that path).
fn diff_trees(
    repo: &gix::Repository,
    new: Option<ObjectId>,
    olds: &[ObjectId],
    prefix: &mut BString,
    out: &mut Vec<(BString, ObjectId, Vec<ObjectId>)>,
) -> Result<()> {
    let Some(new) = new else { return Ok(()) };
    let load = |id: ObjectId| -> Result<HashMap<BString, (EntryKind, ObjectId)>> {
        let data = contained(|| repo.find_object(id).map(|o| o.detach().data))
            .map_err(|e| anyhow!("cannot read tree {id}: {e}"))?;
        let mut m = HashMap::new();
        for e in TreeRefIter::from_bytes(&data) {
            let e = e.with_context(|| format!("corrupt tree {id}"))?;
            m.insert(e.filename.to_owned(), (e.mode.kind(), e.oid.to_owned()));
        }
        Ok(m)
    };
    let new_entries = load(new)?;
    let old_entries: Vec<_> = olds.iter().map(|o| load(*o)).collect::<Result<_>>()?;
    for (name, (kind, id)) in new_entries {
        if old_entries
            .iter()
            .any(|o| o.get(&name).is_some_and(|(_, oid)| *oid == id))
        {
            continue;
        }
        let len = prefix.len();
        if !prefix.is_empty() {
            prefix.push(b'/');
        }
        prefix.extend_from_slice(&name);
        match kind {
            EntryKind::Tree => {
                let subs: Vec<ObjectId> = old_entries
                    .iter()
                    .filter_map(|o| o.get(&name))
                    .filter(|(k, _)| *k == EntryKind::Tree)
                    .map(|(_, id)| *id)
                    .collect();
                diff_trees(repo, Some(id), &subs, prefix, out)?;
            }
            EntryKind::Blob | EntryKind::BlobExecutable | EntryKind::Link => {
                let olds: Vec<ObjectId> = old_entries
                    .iter()
                    .filter_map(|o| o.get(&name))
                    .filter(|(k, _)| *k != EntryKind::Tree && *k != EntryKind::Commit)
                    .map(|(_, id)| *id)
                    .collect();
                out.push((prefix.clone(), id, olds));
            }
            EntryKind::Commit => {}
        }
        prefix.truncate(len);
    }
    Ok(())
}
