//! Where a history finding came from, computed only when something was found: the commit
//! graph (decoded in parallel), corrected commit dates (ancestors before descendants), which
//! commits any ref reaches, and a walk of each unique tree once to find the paths and commits
//! that carry each blob with findings. A finding is then attributed to the earliest commit
//! carrying it at its path (reachable commits first) and merged across the blobs of that path.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use gix::bstr::ByteSlice;
use gix::objs::CommitRef;
use gix::ObjectId;
use rayon::prelude::*;

use super::ids::IdTable;
use super::trees::TreeIndex;
use super::{contained, object_error, thread_repo};
use crate::finding::{format_unix_utc, CommitMeta, Finding, Fingerprint, Origin, Provenance};
use crate::scan::{Redactor, Scanner, Tally};

/// What the history scan found: blobs with their findings, and findings in messages (with
/// the id of the commit or tag that holds each).
pub(super) struct Found {
    pub(super) blobs: Vec<(ObjectId, Vec<Finding>)>,
    pub(super) messages: Vec<(ObjectId, Finding)>,
}

/// The decoded facts of one commit that the history walk needs.
pub(super) struct CommitNode {
    pub(super) id: ObjectId,
    pub(super) tree: ObjectId,
    pub(super) parents: Vec<ObjectId>,
    pub(super) time: i64,
}

impl CommitNode {
    fn new(id: ObjectId, c: &CommitRef<'_>) -> CommitNode {
        CommitNode {
            id,
            tree: c.tree(),
            parents: c.parents().collect(),
            time: c.time().map_or(0, |t| t.seconds),
        }
    }
}

/// One commit of the graph provenance walks, as indices.
#[derive(Clone, Copy)]
struct Commit {
    time: i64,
    /// Index into the tree ids; `NONE` if the tree is not in the repository.
    tree: u32,
    /// The first two parents, in their places (indices into the commits; `NONE` where absent
    /// or not in the repository: the first parent is the first listed, never another); an
    /// octopus merge's others are in [`Graph::more_parents`].
    parents: [u32; 2],
    /// False for a commit that could not be read: it carries nothing and has no parents.
    ok: bool,
}

const NONE: u32 = u32::MAX;

/// The commit graph by index into the sorted commit ids: 24 bytes a commit (git/git's
/// 203,000 commits held as decoded structs with their ids, parent lists and a hash map from
/// id to index took about 40 MB).
struct Graph<'a> {
    ids: &'a [ObjectId],
    table: IdTable,
    commits: Vec<Commit>,
    /// (commit, parent) for parents past the second, sorted.
    more_parents: Vec<(u32, u32)>,
}

impl Graph<'_> {
    fn index(&self, id: &gix::oid) -> Option<usize> {
        self.table.get(self.ids, id).map(|i| i as usize)
    }

    /// Appends the parents of `i` (those in the repository) to `out`.
    fn parents(&self, i: usize, out: &mut Vec<usize>) {
        let c = &self.commits[i];
        out.extend(
            c.parents
                .iter()
                .filter(|&&p| p != NONE)
                .map(|&p| p as usize),
        );
        if !self.more_parents.is_empty() {
            let from = self
                .more_parents
                .partition_point(|&(c, _)| (c as usize) < i);
            out.extend(
                self.more_parents[from..]
                    .iter()
                    .take_while(|&&(c, _)| c as usize == i)
                    .map(|&(_, p)| p as usize),
            );
        }
    }

    fn corrected_dates(&self) -> Vec<u64> {
        corrected_dates(
            self.commits.len(),
            |i| self.commits[i].time,
            |i, out| self.parents(i, out),
        )
    }
}

/// Attributes every finding of `found` to the commits that carry it; returns the findings
/// with their provenance, merged per (secret, path). `commits` and `tree_ids` are sorted and
/// unique.
#[allow(clippy::too_many_arguments)]
pub(super) fn attribute(
    repo: &gix::Repository,
    pool: &rayon::ThreadPool,
    sync: &gix::ThreadSafeRepository,
    commits: &[ObjectId],
    tree_ids: &[ObjectId],
    found: Found,
    stash: bool,
    scanner: &Scanner,
    tally: &Tally,
) -> Vec<Finding> {
    let Found {
        blobs: blob_findings,
        messages,
    } = found;
    let tree_table = IdTable::new(tree_ids);
    let table = IdTable::new(commits);
    // Unreadable or corrupt commits were reported by the scan; here they simply carry nothing.
    let more_parents: Mutex<Vec<(u32, u32)>> = Mutex::default();
    let decoded: Vec<Commit> = pool.install(|| {
        commits
            .par_iter()
            .enumerate()
            .map_init(
                || thread_repo(sync),
                |r, (i, &id)| {
                    let absent = Commit {
                        time: 0,
                        tree: NONE,
                        parents: [NONE; 2],
                        ok: false,
                    };
                    let Ok(obj) = contained(|| r.find_object(id)) else {
                        return absent;
                    };
                    let Ok(c) = CommitRef::from_bytes(&obj.data) else {
                        return absent;
                    };
                    let mut parents = [NONE; 2];
                    for (k, p) in c.parents().enumerate() {
                        let p = table.get(commits, &p);
                        match (parents.get_mut(k), p) {
                            (Some(slot), p) => *slot = p.unwrap_or(NONE),
                            (None, Some(p)) => more_parents
                                .lock()
                                .unwrap_or_else(|e| e.into_inner())
                                .push((i as u32, p)),
                            (None, None) => {}
                        }
                    }
                    Commit {
                        time: c.time().map_or(0, |t| t.seconds),
                        tree: tree_table.get(tree_ids, &c.tree()).unwrap_or(NONE),
                        parents,
                        ok: true,
                    }
                },
            )
            .collect()
    });
    let mut more_parents = more_parents.into_inner().unwrap_or_else(|e| e.into_inner());
    // Sorted by commit, each commit's parents in their order.
    more_parents.sort_by_key(|&(c, _)| c);
    let graph = Graph {
        ids: commits,
        table,
        commits: decoded,
        more_parents,
    };
    let (reachable, ref_targets) = reachable_commits(repo, &graph, stash, tally);
    // The blobs with findings, sorted and unique (the scan sorted them by id): hits name them
    // by index in this list.
    let interesting: Vec<ObjectId> = blob_findings.iter().map(|(id, _)| *id).collect();
    let blob_fingerprints: Vec<Vec<Fingerprint>> = blob_findings
        .iter()
        .map(|(_, found)| found.iter().map(|f| f.fingerprint.clone()).collect())
        .collect();
    let mut trees = TreeIndex::build(repo, tree_ids, &tree_table, &interesting, pool, tally);
    drop(tree_table);
    // (blob, path) -> occurrences: earliest commit (reachable ones first) and count.
    let mut occ: HashMap<(u32, u32), Occurrence> = HashMap::new();
    let order = graph.corrected_dates();
    for (i, c) in graph.commits.iter().enumerate() {
        if !c.ok || c.tree == NONE {
            continue;
        }
        for &(blob, path) in trees.hits(c.tree).iter() {
            occ.entry((blob, path))
                .or_default()
                .add(i, (order[i], c.time), reachable[i]);
        }
    }

    let mut meta_cache: HashMap<usize, CommitMeta> = HashMap::new();
    let mut meta = |i: usize| -> CommitMeta {
        meta_cache
            .entry(i)
            .or_insert_with(|| CommitMeta {
                generation: order[i],
                ..commit_meta(repo, commits[i], scanner)
            })
            .clone()
    };
    let path_text: HashMap<u32, String> = occ
        .keys()
        .map(|&(_, p)| (p, trees.path(p).to_str_lossy().into_owned()))
        .collect();
    let mut paths_of: HashMap<u32, Vec<(&String, &Occurrence)>> = HashMap::new();
    for ((blob, path), o) in &occ {
        paths_of
            .entry(*blob)
            .or_default()
            .push((&path_text[path], o));
    }
    // One finding per (secret, path): the same token kept across many commits (many blobs
    // of the same file) is reported once, with the count.
    let mut merged: HashMap<(Fingerprint, String), (Finding, Occurrence)> = HashMap::new();
    let mut findings = Vec::new();
    for (b, (blob, found)) in blob_findings.into_iter().enumerate() {
        let Some(paths) = paths_of.get(&(b as u32)) else {
            // No commit names this blob: `git add` then reset, or a dropped stash's index.
            for mut f in found {
                f.provenance = Some(Box::new(Provenance {
                    unreachable: true,
                    ..Provenance::default()
                }));
                findings.push(f);
            }
            continue;
        };
        for (path, o) in paths {
            let path = (*path).clone();
            let other_paths = || -> Vec<String> {
                paths
                    .iter()
                    .map(|(p, _)| (*p).clone())
                    .filter(|p| *p != path)
                    .collect()
            };
            // A blob holding one secret twice is still one blob: its commits count once.
            let mut seen: HashSet<&Fingerprint> = HashSet::new();
            for f in &found {
                if !seen.insert(&f.fingerprint) {
                    continue;
                }
                let key = (f.fingerprint.clone(), path.clone());
                match merged.get_mut(&key) {
                    Some((kept, acc)) => {
                        // Every path any of its blobs appears at, whichever blob is shown.
                        if let Some(p) = kept.provenance.as_mut() {
                            p.other_paths.extend(other_paths());
                            p.other_paths.sort();
                            p.other_paths.dedup();
                        }
                        // The finding shown is the one in the blob its introducing commit
                        // holds: when this blob's occurrence is earlier, it takes the place
                        // (blob, line, context) of the one kept so far.
                        if o.rank() < acc.rank() {
                            let mut f = f.clone();
                            f.origin = Origin::Blob {
                                id: blob.to_string(),
                                path: Some(path.clone()),
                            };
                            f.provenance = kept.provenance.take();
                            *kept = f;
                        }
                        acc.merge(o);
                    }
                    None => {
                        let mut f = f.clone();
                        f.origin = Origin::Blob {
                            id: blob.to_string(),
                            path: Some(path.clone()),
                        };
                        f.provenance = Some(Box::new(Provenance {
                            other_paths: {
                                let mut other = other_paths();
                                other.sort();
                                other
                            },
                            ..Provenance::default()
                        }));
                        merged.insert(key, (f, (*o).clone()));
                    }
                }
            }
        }
    }
    // Where each secret stands on HEAD's first-parent history: still there, or removed by
    // which commit. One walk of the chain from HEAD back gives, per (secret, path), the last
    // commit of the chain that holds it; a tree's hits are interned, so a list already met
    // nearer HEAD is skipped. (Walking the chain once per finding was quadratic: 20,000
    // commits that each replace a secret took 15.6 s, benches/history-rotations.sh.)
    let chain = head_chain(repo, &graph);
    let last_held: Option<HashMap<(&Fingerprint, &str), usize>> = chain.as_ref().map(|chain| {
        let mut last: HashMap<(u32, u32), usize> = HashMap::new();
        let mut lists_met: HashSet<*const ()> = HashSet::new();
        for (k, &c) in chain.iter().enumerate().rev() {
            let hits = trees.hits(graph.commits[c].tree);
            // Every list `hits` returns is kept by the index for its life, so its address
            // names it.
            if !lists_met.insert(Arc::as_ptr(&hits).cast::<()>()) {
                continue;
            }
            for &(blob, path) in hits.iter() {
                last.entry((blob, path)).or_insert(k);
            }
        }
        let mut held: HashMap<(&Fingerprint, &str), usize> = HashMap::new();
        for ((blob, path), k) in last {
            // A chain commit's hits are among those `occ` was built from, so `path_text`
            // names every path here.
            let Some(text) = path_text.get(&path) else {
                continue;
            };
            for fp in &blob_fingerprints[blob as usize] {
                let at = held.entry((fp, text.as_str())).or_insert(k);
                *at = (*at).max(k);
            }
        }
        held
    });
    for ((fingerprint, path), (mut f, o)) in merged {
        let (i, unreachable) = o.earliest();
        let standing = chain.as_ref().zip(last_held.as_ref()).map(|(chain, held)| {
            // The last commit of the chain that holds it; the one after it removed it.
            match held.get(&(&fingerprint, path.as_str())) {
                Some(&k) if k + 1 == chain.len() => (true, None),
                Some(&k) => (false, Some(chain[k + 1])),
                None => (false, None),
            }
        });
        if let Some(p) = f.provenance.as_mut() {
            p.commit = Some(meta(i));
            p.commits = o.reachable_commits + o.unreachable_commits;
            p.unreachable = unreachable;
            if let Some((present, removed)) = standing {
                p.present_at_head = Some(present);
                p.removed_in = removed.map(&mut meta);
            }
        }
        findings.push(f);
    }
    for (id, mut f) in messages {
        let i = graph.index(&id);
        f.provenance = Some(Box::new(Provenance {
            commit: i.map(&mut meta),
            commits: 1,
            other_paths: Vec::new(),
            // An annotated tag is reachable if a ref names it.
            unreachable: i.map_or(!ref_targets.contains(&id), |i| !reachable[i]),
            ..Provenance::default()
        }));
        findings.push(f);
    }
    findings
}

/// HEAD's commit and its first parents, oldest first (the history `git log --first-parent`
/// shows for the checked-out branch); `None` without a HEAD commit.
fn head_chain(repo: &gix::Repository, graph: &Graph<'_>) -> Option<Vec<usize>> {
    let head = repo.head_id().ok()?.detach();
    let mut chain = Vec::new();
    let mut seen = HashSet::new();
    let mut at = graph.index(&head);
    while let Some(i) = at {
        if !seen.insert(i) {
            break;
        }
        chain.push(i);
        let first = graph.commits[i].parents[0];
        at = (first != NONE).then_some(first as usize);
    }
    chain.reverse();
    (!chain.is_empty()).then_some(chain)
}

/// Orders commits so that every ancestor comes before its descendants and unrelated histories
/// compare by date: git's generation number v2, the corrected commit date — the committer
/// time (at least 1), raised to one second past the largest of the parents' where a clock
/// skewed. Commit times alone cannot order ancestry (clocks skew, many commits share a
/// second); a plain generation number (1 + the parents' largest) cannot compare unrelated
/// histories: on git/git a root commit pushed in 2024 as a pull request's head took
/// generation 1 and was named as introducing a key that master added in 2018.
///
/// `time(i)` is commit `i`'s committer time; `parents(i, out)` appends its parents' indices.
pub(super) fn corrected_dates(
    n: usize,
    time: impl Fn(usize) -> i64,
    parents: impl Fn(usize, &mut Vec<usize>),
) -> Vec<u64> {
    let mut date = vec![0u64; n];
    let mut of = Vec::new();
    for start in 0..n {
        if date[start] != 0 {
            continue;
        }
        // Iterative post-order: a node is finished once all its parents are.
        let mut stack = vec![start];
        while let Some(&i) = stack.last() {
            let mut pending = false;
            let mut d = time(i).max(1) as u64;
            of.clear();
            parents(i, &mut of);
            for &p in &of {
                if date[p] == 0 {
                    pending = true;
                    stack.push(p);
                } else {
                    d = d.max(date[p].saturating_add(1));
                }
            }
            if !pending {
                date[i] = d;
                stack.pop();
            }
        }
    }
    date
}

/// Sort key of a commit: its corrected date (ancestors first), then commit time.
type Age = (u64, i64);

/// Where one blob appears at one path across the commits.
#[derive(Clone, Debug, Default)]
struct Occurrence {
    /// (age, commit index) of the earliest reachable / unreachable commit.
    first_reachable: Option<(Age, usize)>,
    first_unreachable: Option<(Age, usize)>,
    reachable_commits: usize,
    unreachable_commits: usize,
}

impl Occurrence {
    fn add(&mut self, commit: usize, time: Age, reachable: bool) {
        let (first, count) = if reachable {
            (&mut self.first_reachable, &mut self.reachable_commits)
        } else {
            (&mut self.first_unreachable, &mut self.unreachable_commits)
        };
        *count += 1;
        if first.is_none_or(|f| (time, commit) < f) {
            *first = Some((time, commit));
        }
    }

    /// Folds in the occurrences of another blob at the same path (the same secret kept while
    /// the rest of the file changed).
    fn merge(&mut self, other: &Occurrence) {
        fn earlier(a: Option<(Age, usize)>, b: Option<(Age, usize)>) -> Option<(Age, usize)> {
            match (a, b) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            }
        }
        self.first_reachable = earlier(self.first_reachable, other.first_reachable);
        self.first_unreachable = earlier(self.first_unreachable, other.first_unreachable);
        self.reachable_commits += other.reachable_commits;
        self.unreachable_commits += other.unreachable_commits;
    }

    /// Orders occurrences by their earliest commit: reachable ones first, then by age.
    fn rank(&self) -> (bool, Age, usize) {
        match (self.first_reachable, self.first_unreachable) {
            (Some((age, i)), _) => (false, age, i),
            (None, Some((age, i))) => (true, age, i),
            (None, None) => unreachable!("an occurrence has at least one commit"),
        }
    }

    /// The commit to attribute to, and whether it is unreachable (only when no reachable
    /// commit carries the blob).
    fn earliest(&self) -> (usize, bool) {
        let (unreachable, _, i) = self.rank();
        (i, unreachable)
    }
}

/// Marks the commits reachable from any ref (and HEAD); the stash only if asked.
fn reachable_commits(
    repo: &gix::Repository,
    graph: &Graph<'_>,
    stash: bool,
    tally: &Tally,
) -> (Vec<bool>, HashSet<ObjectId>) {
    let mut ref_targets = HashSet::new();
    let mut tips = Vec::new();
    if let Ok(id) = repo.head_id() {
        tips.push(id.detach());
    }
    let platform = match repo.references() {
        Ok(p) => Some(p),
        Err(e) => {
            object_error(tally, "<refs>", format!("cannot list refs: {e}"));
            None
        }
    };
    match platform.as_ref().map(|p| p.all()) {
        None => {}
        Some(Ok(iter)) => {
            for r in iter {
                let Ok(mut r) = r else { continue };
                if !stash && r.name().as_bstr() == "refs/stash" {
                    continue;
                }
                if let Some(id) = r.target().try_id() {
                    ref_targets.insert(id.to_owned());
                }
                match r.peel_to_id() {
                    Ok(id) => tips.push(id.detach()),
                    Err(e) => object_error(
                        tally,
                        r.name().as_bstr(),
                        format!("cannot resolve ref: {e}"),
                    ),
                }
            }
        }
        Some(Err(e)) => object_error(tally, "<refs>", format!("cannot list refs: {e}")),
    }
    let mut seen = vec![false; graph.commits.len()];
    let mut stack: Vec<usize> = tips.iter().filter_map(|t| graph.index(t)).collect();
    while let Some(i) = stack.pop() {
        if std::mem::replace(&mut seen[i], true) {
            continue;
        }
        graph.parents(i, &mut stack);
    }
    (seen, ref_targets)
}

/// A commit decoded once: its place in the graph, its message and the facts a report shows.
pub(super) struct DecodedCommit {
    pub(super) node: CommitNode,
    pub(super) message: Vec<u8>,
    pub(super) meta: CommitMeta,
}

pub(super) fn decode_commit(
    repo: &gix::Repository,
    id: ObjectId,
    scanner: &Scanner,
) -> Result<DecodedCommit> {
    let obj = contained(|| repo.find_object(id))
        .map_err(|e| anyhow::anyhow!("cannot read commit {id}: {e}"))?;
    let c = CommitRef::from_bytes(&obj.data).with_context(|| format!("corrupt commit {id}"))?;
    let mut meta = CommitMeta {
        id: id.to_string(),
        // A token in a commit summary is reported as a finding of its own; the summary shown
        // beside every finding from that commit must not print it.
        summary: Redactor::new(scanner)
            .redact(&c.message().summary().to_str_lossy())
            .into_owned(),
        ..CommitMeta::default()
    };
    if let Ok(a) = c.author() {
        meta.author = format!("{} <{}>", a.name, a.email);
        if let Ok(t) = a.time() {
            meta.date = format_unix_utc(t.seconds);
        }
    }
    Ok(DecodedCommit {
        node: CommitNode::new(id, &c),
        message: c.message.to_vec(),
        meta,
    })
}

/// The report facts of a commit; only the id when it cannot be read (it was read moments
/// ago, so that would be a corruption already counted as an error).
fn commit_meta(repo: &gix::Repository, id: ObjectId, scanner: &Scanner) -> CommitMeta {
    decode_commit(repo, id, scanner).map_or_else(
        |_| CommitMeta {
            id: id.to_string(),
            ..CommitMeta::default()
        },
        |d| d.meta,
    )
}
