//! `scan --staged`: the index against HEAD, what `git commit` would record (the pre-commit
//! hook). Only the lines the staged change adds produce findings, unless `--all-lines`.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use anyhow::{Context, Result};
use gix::bstr::{BStr, BString, ByteSlice};
use gix::objs::tree::EntryKind;
use gix::objs::TreeRefIter;
use gix::ObjectId;

use super::lines::added_lines;
use super::{
    added_findings_streamed, added_unpacked, contained, object_error, oversize, read_blob,
    scan_streamed, GitConfig,
};
use crate::finding::Origin;
use crate::scan::{Scanner, Tally, WINDOW};

/// Scans the staged change; with `only_if_staged`, only when there is one (`false`: the index
/// records no change against HEAD, and nothing was scanned).
pub(super) fn staged(
    repo: &gix::Repository,
    all_lines: bool,
    only_if_staged: bool,
    cfg: &GitConfig,
    scanner: &Scanner,
    tally: &Tally,
) -> Result<bool> {
    let index = load_index(repo)?;
    let head = head_files(repo)?;
    if only_if_staged && !has_staged_changes(&index, &head) {
        return Ok(false);
    }
    let staged_paths: HashSet<&BStr> = index.entries().iter().map(|e| e.path(&index)).collect();
    let head_blobs: HashSet<ObjectId> = head.values().copied().collect();
    // Content of files the change removes or renames away: a renamed file's old lines are not
    // new lines.
    let mut removed: Option<Vec<Vec<u8>>> = None;
    let removed_ids: Vec<ObjectId> = head
        .iter()
        .filter(|(p, _)| !staged_paths.contains(p.as_bstr()))
        .map(|(_, id)| *id)
        .collect();
    let mut findings = Vec::new();
    let mut buf = Vec::new();
    for entry in index.entries() {
        if entry.stage_raw() != 0 || entry.mode.is_submodule() || entry.mode.is_sparse() {
            continue;
        }
        let path = entry.path(&index);
        if let Some(spec) = &cfg.pathspec {
            if !spec.matches(&path.to_str_lossy()) {
                continue;
            }
        }
        let old = head.get(path);
        if old == Some(&entry.id) {
            continue;
        }
        if old.is_none() && head_blobs.contains(&entry.id) && !all_lines {
            continue; // a pure rename or copy adds no content
        }
        let header = match contained(|| repo.find_header(entry.id)) {
            Ok(h) => h,
            Err(e) => {
                object_error(
                    tally,
                    entry.id,
                    format!("{path}: cannot read staged blob: {e}"),
                );
                continue;
            }
        };
        if cfg.max_blob_size.is_some_and(|max| header.size() > max) {
            oversize(tally, entry.id, Some(path), header.size());
            continue;
        }
        let origin = Origin::Staged {
            path: path.to_str_lossy().into_owned(),
        };
        if header.size() > WINDOW as u64 {
            if let Some(found) = scan_streamed(repo, entry.id, scanner, tally, &origin, &mut buf) {
                if found.is_empty() || all_lines {
                    findings.extend(found);
                    continue;
                }
                let olds: Vec<ObjectId> = match old {
                    Some(id) => vec![*id],
                    None => removed_ids.clone(),
                };
                let mut found = found;
                findings.extend(added_unpacked(repo, scanner, &olds, &mut found));
                if found.is_empty() {
                    continue;
                }
                match added_findings_streamed(repo, entry.id, &olds, found) {
                    Ok(kept) => findings.extend(kept),
                    Err(e) => object_error(tally, entry.id, format!("{path}: {e:#}")),
                }
                continue;
            }
        }
        let data = match read_blob(repo, entry.id) {
            Ok(d) => d,
            Err(e) => {
                object_error(tally, entry.id, format!("{path}: {e:#}"));
                continue;
            }
        };
        let mut found = tally.scan(scanner, &data, &origin);
        if found.is_empty() || all_lines {
            findings.extend(found);
            continue;
        }
        let old_ids: Vec<ObjectId> = match old {
            Some(id) => vec![*id],
            None => removed_ids.clone(),
        };
        findings.extend(added_unpacked(repo, scanner, &old_ids, &mut found));
        if found.is_empty() {
            continue;
        }
        let old_data: Vec<Vec<u8>> = match old {
            Some(id) => vec![read_blob(repo, *id)?],
            None => removed
                .get_or_insert_with(|| {
                    removed_ids
                        .iter()
                        .filter_map(|id| read_blob(repo, *id).ok())
                        .collect()
                })
                .clone(),
        };
        let olds: Vec<&[u8]> = old_data.iter().map(Vec::as_slice).collect();
        let added = added_lines(&olds, &data);
        found.retain(|f| added.contains(&f.line));
        findings.extend(found);
    }
    tally.keep(findings);
    Ok(true)
}

/// The index `git commit` would record: the one named by GIT_INDEX_FILE if set (`git commit
/// -a` and `git commit PATH` run the hook against a temporary index, relative to the hook's
/// working directory), else the repository's.
fn load_index(repo: &gix::Repository) -> Result<gix::index::File> {
    Ok(match std::env::var_os("GIT_INDEX_FILE") {
        Some(p) if !p.is_empty() => {
            gix::index::File::at(&p, repo.object_hash(), false, Default::default())
                .with_context(|| format!("cannot read the index {}", Path::new(&p).display()))?
        }
        _ => {
            let snapshot = repo.index_or_empty().context("cannot read the index")?;
            (**snapshot).clone()
        }
    })
}

/// HEAD's files by path; none before the first commit (everything staged is then new).
fn head_files(repo: &gix::Repository) -> Result<HashMap<BString, ObjectId>> {
    let mut head = HashMap::new();
    if let Ok(tree) = repo.head_tree_id() {
        flatten_tree(repo, tree.detach(), &mut BString::default(), &mut head)?;
    }
    Ok(head)
}

/// Whether `index` differs from HEAD's files in any file (added, changed or removed).
fn has_staged_changes(index: &gix::index::File, head: &HashMap<BString, ObjectId>) -> bool {
    let mut staged = 0usize;
    for e in index.entries() {
        if e.stage_raw() != 0 {
            return true; // a conflict being resolved
        }
        if e.mode.is_submodule() || e.mode.is_sparse() {
            continue;
        }
        staged += 1;
        if head.get(e.path(index)) != Some(&e.id) {
            return true;
        }
    }
    staged != head.len()
}

/// Every blob under `tree`, by path (submodules skipped).
fn flatten_tree(
    repo: &gix::Repository,
    tree: ObjectId,
    prefix: &mut BString,
    out: &mut HashMap<BString, ObjectId>,
) -> Result<()> {
    let data = contained(|| repo.find_object(tree).map(|o| o.detach().data))
        .map_err(|e| anyhow::anyhow!("cannot read tree {tree}: {e}"))?;
    for entry in TreeRefIter::from_bytes(&data) {
        let entry = entry.with_context(|| format!("corrupt tree {tree}"))?;
        let len = prefix.len();
        if !prefix.is_empty() {
            prefix.push(b'/');
        }
        prefix.extend_from_slice(entry.filename);
        match entry.mode.kind() {
            EntryKind::Tree => flatten_tree(repo, entry.oid.to_owned(), prefix, out)?,
            EntryKind::Blob | EntryKind::BlobExecutable | EntryKind::Link => {
                out.insert(prefix.clone(), entry.oid.to_owned());
            }
            EntryKind::Commit => {}
        }
        prefix.truncate(len);
    }
    Ok(())
}
