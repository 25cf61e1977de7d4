//! `scan --git`: every object in the database is listed once, every blob is scanned once, in
//! parallel, and so are commit and annotated-tag messages. Nothing else is decoded unless
//! something was found: then [`super::provenance`] says where each finding came from.
//!
//! Blobs are read the way the pack stores them ([`super::pack_walk`]: pack order, each delta
//! applied to its base while the base is in memory), then whatever that did not reach is
//! read one by one by id (loose blobs, blobs larger than a window, anything undecodable there).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use anyhow::{Context, Result};
use gix::bstr::BStr;
use gix::objs::{CommitRef, TagRef};
use gix::ObjectId;
use rayon::prelude::*;

use super::ids::IdTable;
use super::pack_walk;
use super::provenance::{self, Found};
use super::{
    contained, is_lfs_pointer, object_error, oversize, scan_streamed, thread_repo, GitConfig,
};
use crate::finding::{Finding, Origin};
use crate::scan::{Scanner, Tally, WINDOW};

pub(super) fn history(
    repo: gix::Repository,
    stash: bool,
    cfg: &GitConfig,
    scanner: &Scanner,
    tally: &Tally,
) -> Result<()> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.threads)
        .build()
        .context("cannot start scanning threads")?;

    // Every object id in every pack and loose directory, once.
    let mut ids: Vec<ObjectId> = Vec::new();
    for id in repo
        .objects
        .iter()
        .context("cannot list the object database")?
    {
        match id {
            Ok(id) => ids.push(id),
            Err(e) => object_error(tally, "<odb>", format!("cannot list objects: {e}")),
        }
    }
    ids.sort_unstable();
    ids.dedup();

    let sync = repo.clone().into_sync();
    // One header per id, collected in place (an indexed collect writes into one vector of the
    // exact size: flattening would gather chunks and copy them, twice the memory at the peak,
    // which for a long history is most of the scan's memory).
    let headers: Vec<Option<(gix::object::Kind, u64)>> = pool.install(|| {
        ids.par_iter()
            .map_init(
                || thread_repo(&sync),
                |r, id| match contained(|| r.find_header(*id)) {
                    Ok(h) => Some((h.kind(), h.size())),
                    Err(e) => {
                        object_error(tally, id, format!("unreadable object: {e}"));
                        None
                    }
                },
            )
            .collect()
    });
    let mut kinds: Vec<(ObjectId, gix::object::Kind, u64)> =
        Vec::with_capacity(headers.iter().flatten().count());
    kinds.extend(
        ids.iter()
            .zip(&headers)
            .filter_map(|(id, h)| h.map(|(kind, size)| (*id, kind, size))),
    );
    drop(headers);
    drop(ids);

    // `--shard I/N`: this process scans the blobs and messages whose ids fall in its share;
    // the graph and trees that say where a finding came from are still read whole.
    let mine = |id: &ObjectId| cfg.shard.is_none_or(|s| s.takes_id(id.as_bytes()));
    // What will be scanned: every blob, commit and tag (their messages), for the progress line.
    let (inputs, input_bytes) = kinds
        .iter()
        .filter(|(id, k, _)| *k != gix::object::Kind::Tree && mine(id))
        .fold((0u64, 0u64), |(n, b), (_, _, size)| (n + 1, b + size));
    tally.progress().expect(inputs, input_bytes, "objects");

    // Blobs: scanned once each, in parallel. First every pack's blobs in pack order, each
    // delta applied to its base while the base is in memory (reading by id rebuilt shared
    // delta chains again and again); then, one by one by id, what that did not reach: loose
    // blobs, blobs larger than a window (streamed), anything the walk could not decode.
    let (blob_ids, blob_sizes): (Vec<ObjectId>, Vec<u64>) = kinds
        .iter()
        .filter(|(id, k, _)| *k == gix::object::Kind::Blob && mine(id))
        .map(|(id, _, size)| (*id, *size))
        .unzip();
    let table = IdTable::new(&blob_ids);
    let done: Vec<AtomicBool> = blob_ids.iter().map(|_| AtomicBool::new(false)).collect();
    let walked: Mutex<Vec<(ObjectId, Vec<Finding>)>> = Mutex::default();
    let walk_max = cfg.max_blob_size.unwrap_or(u64::MAX).min(WINDOW as u64);
    let deliver = |id: ObjectId, data: &[u8]| {
        let Some(i) = table.get(&blob_ids, &id) else {
            return; // another shard's
        };
        if done[i as usize].swap(true, Ordering::Relaxed) {
            return; // in two packs
        }
        let f = scan_blob(scanner, tally, id, data);
        if !f.is_empty() {
            walked
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((id, f));
        }
    };
    for (index, pack) in pack_walk::packs(&repo) {
        if !pack_walk::worth_it(blob_ids.len(), &index) {
            continue;
        }
        let result = contained(|| {
            Ok::<_, std::convert::Infallible>(pool.install(|| {
                pack_walk::walk(&index, &pack, gix::object::Kind::Blob, walk_max, &deliver)
            }))
        });
        if let Err(e) = result {
            // What it did not scan is read one by one below.
            object_error(
                tally,
                pack.path().display(),
                format!("cannot walk pack: {e}"),
            );
        }
    }
    let mut blob_findings = walked.into_inner().unwrap_or_else(|e| e.into_inner());
    let rest: Vec<(ObjectId, Vec<Finding>)> = pool.install(|| {
        blob_ids
            .par_iter()
            .zip(&blob_sizes)
            .zip(&done)
            .filter(|(_, done)| !done.load(Ordering::Relaxed))
            .map_init(
                || (thread_repo(&sync), Vec::new()),
                |(r, buf), ((&id, &size), _)| {
                    if cfg.max_blob_size.is_some_and(|max| size > max) {
                        oversize(tally, id, None, size);
                        return None;
                    }
                    if size > WINDOW as u64 {
                        let origin = Origin::Blob {
                            id: id.to_string(),
                            path: None,
                        };
                        if let Some(f) = scan_streamed(r, id, scanner, tally, &origin, buf) {
                            return (!f.is_empty()).then_some((id, f));
                        }
                    }
                    let obj = match contained(|| r.find_object(id)) {
                        Ok(o) => o,
                        Err(e) => {
                            object_error(tally, id, format!("cannot read blob: {e}"));
                            return None;
                        }
                    };
                    let f = scan_blob(scanner, tally, id, &obj.data);
                    (!f.is_empty()).then_some((id, f))
                },
            )
            .flatten()
            .collect()
    });
    blob_findings.extend(rest);
    // In id order, whichever way each was read: the report does not depend on scheduling.
    blob_findings.sort_unstable_by_key(|(id, _)| *id);
    drop((done, table, blob_ids, blob_sizes));

    // Commits and tags: decoded for the graph, their messages scanned.
    let messages: Mutex<Vec<(ObjectId, Finding)>> = Mutex::default();
    // Only messages are scanned here; the commit graph is built below, and only if something
    // was found, so a clean audit holds no per-commit state at all.
    pool.install(|| {
        kinds
            .par_iter()
            .filter(|(id, k, _)| {
                matches!(k, gix::object::Kind::Commit | gix::object::Kind::Tag) && mine(id)
            })
            .for_each_init(
                || thread_repo(&sync),
                |r, &(id, kind, _)| {
                    let obj = match contained(|| r.find_object(id)) {
                        Ok(o) => o,
                        Err(e) => {
                            return object_error(tally, id, format!("cannot read {kind}: {e}"))
                        }
                    };
                    let message = if kind == gix::object::Kind::Tag {
                        TagRef::from_bytes(&obj.data).map(|t| ("tag", t.message))
                    } else {
                        CommitRef::from_bytes(&obj.data).map(|c| ("commit", c.message))
                    };
                    match message {
                        Ok((kind, m)) => scan_message(tally, scanner, &messages, id, kind, m),
                        Err(e) => object_error(tally, id, format!("corrupt {kind}: {e}")),
                    }
                },
            )
    });
    let messages = messages.into_inner().unwrap();

    if blob_findings.is_empty() && messages.is_empty() {
        return Ok(());
    }
    // Something was found: say where it came from. Only now is the commit graph decoded.
    let commits: Vec<ObjectId> = kinds
        .iter()
        .filter(|(_, k, _)| *k == gix::object::Kind::Commit)
        .map(|(id, _, _)| *id)
        .collect();
    // Sorted and unique, as `kinds` is.
    let tree_ids: Vec<ObjectId> = kinds
        .iter()
        .filter(|(_, k, _)| *k == gix::object::Kind::Tree)
        .map(|(id, _, _)| *id)
        .collect();
    drop(kinds);
    let found = Found {
        blobs: blob_findings,
        messages,
    };
    let mut findings = provenance::attribute(
        &repo, &pool, &sync, &commits, &tree_ids, found, stash, scanner, tally,
    );
    // Rules with path conditions (imported configs) could not apply them to a blob before
    // its paths were known; now they are.
    let rules = scanner.rules();
    findings.retain(|f| {
        let Some(rule) = rules.get(&f.rule).filter(|r| r.gates.has_paths()) else {
            return true;
        };
        match &f.origin {
            Origin::Blob {
                path: Some(path), ..
            } => rule.gates.pass_path(path.as_bytes()),
            _ => true,
        }
    });
    if let Some(spec) = &cfg.pathspec {
        // Only what lies at the given paths: not messages, not blobs no tree names.
        findings.retain(|f| match &f.origin {
            Origin::Blob {
                path: Some(path), ..
            } => spec.matches(path),
            _ => false,
        });
    }
    tally.keep(findings);
    Ok(())
}

/// One blob's findings (no path yet: provenance finds them).
fn scan_blob(scanner: &Scanner, tally: &Tally, id: ObjectId, data: &[u8]) -> Vec<Finding> {
    if is_lfs_pointer(data) {
        tally.lfs_pointer();
    }
    let origin = Origin::Blob {
        id: id.to_string(),
        path: None,
    };
    tally.scan(scanner, data, &origin)
}

fn scan_message(
    tally: &Tally,
    scanner: &Scanner,
    out: &Mutex<Vec<(ObjectId, Finding)>>,
    id: ObjectId,
    kind: &'static str,
    message: &BStr,
) {
    let origin = Origin::Message {
        id: id.to_string(),
        kind,
    };
    let found = tally.scan(scanner, message, &origin);
    if !found.is_empty() {
        out.lock()
            .unwrap()
            .extend(found.into_iter().map(|f| (id, f)));
    }
}
