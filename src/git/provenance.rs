//! Where a history finding came from, computed only when something was found: the commit
//! graph (decoded in parallel), corrected commit dates (ancestors before descendants), which
//! commits any ref reaches, and a walk of each unique tree once to find the paths and commits
//! that carry each blob with findings. A finding is then attributed to the earliest commit
//! carrying it at its path (reachable commits first) and merged across the blobs of that path.

use std::collections::{HashMap, HashSet};

use anyhow::{Context, Result};
use gix::bstr::{BString, ByteSlice};
use gix::objs::CommitRef;
use gix::ObjectId;
use rayon::prelude::*;

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

/// Attributes every finding of `found` to the commits that carry it; returns the findings
/// with their provenance, merged per (secret, path).
#[allow(clippy::too_many_arguments)]
pub(super) fn attribute(
    repo: &gix::Repository,
    pool: &rayon::ThreadPool,
    sync: &gix::ThreadSafeRepository,
    commits: &[ObjectId],
    tree_ids: Vec<ObjectId>,
    found: Found,
    stash: bool,
    scanner: &Scanner,
    tally: &Tally,
) -> Vec<Finding> {
    let Found {
        blobs: blob_findings,
        messages,
    } = found;
    // Unreadable or corrupt commits were reported by the scan; here they are simply left out.
    // Collected in place, one slot per commit, then compacted in the same allocation: rayon's
    // `flatten` of options gathered a small vector per commit (288 bytes each, 58 MB for
    // 200,000 commits).
    let nodes: Vec<Option<CommitNode>> = pool.install(|| {
        commits
            .par_iter()
            .map_init(
                || thread_repo(sync),
                |r, &id| {
                    let obj = contained(|| r.find_object(id)).ok()?;
                    let node = CommitRef::from_bytes(&obj.data)
                        .ok()
                        .map(|c| CommitNode::new(id, &c));
                    node
                },
            )
            .collect()
    });
    // `filter_map`, not `flatten`: the standard library collects it in place.
    #[allow(clippy::filter_map_identity)]
    let nodes: Vec<CommitNode> = nodes.into_iter().filter_map(|n| n).collect();
    let index: HashMap<ObjectId, usize> =
        nodes.iter().enumerate().map(|(i, n)| (n.id, i)).collect();
    let (reachable, ref_targets) = reachable_commits(repo, &nodes, &index, stash, tally);
    let interesting: HashSet<ObjectId> = blob_findings.iter().map(|(id, _)| *id).collect();
    let blob_fingerprints: Vec<(ObjectId, Vec<Fingerprint>)> = blob_findings
        .iter()
        .map(|(id, found)| (*id, found.iter().map(|f| f.fingerprint.clone()).collect()))
        .collect();
    let mut trees = TreeIndex::build(repo, tree_ids, &interesting, pool, tally);
    // (blob, path) -> occurrences: earliest commit (reachable ones first) and count.
    let mut occ: HashMap<(ObjectId, BString), Occurrence> = HashMap::new();
    let order = corrected_dates(&nodes, &index);
    for (i, node) in nodes.iter().enumerate() {
        let hits = trees.hits(node.tree);
        let is_reachable = reachable[i];
        for (blob, path) in hits.iter() {
            let o = occ.entry((*blob, path.clone())).or_default();
            o.add(i, (order[i], node.time), is_reachable);
        }
    }

    let mut meta_cache: HashMap<usize, CommitMeta> = HashMap::new();
    let mut meta = |i: usize| -> CommitMeta {
        meta_cache
            .entry(i)
            .or_insert_with(|| CommitMeta {
                generation: order[i],
                ..commit_meta(repo, nodes[i].id, scanner)
            })
            .clone()
    };
    let mut paths_of: HashMap<ObjectId, Vec<(&BString, &Occurrence)>> = HashMap::new();
    for ((blob, path), o) in &occ {
        paths_of.entry(*blob).or_default().push((path, o));
    }
    // One finding per (secret, path): the same token kept across many commits (many blobs
    // of the same file) is reported once, with the count.
    let mut merged: HashMap<(Fingerprint, String), (Finding, Occurrence)> = HashMap::new();
    let mut findings = Vec::new();
    for (blob, found) in blob_findings {
        let Some(paths) = paths_of.get(&blob) else {
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
            let path = path.to_str_lossy().into_owned();
            let other_paths = || -> Vec<String> {
                paths
                    .iter()
                    .map(|(p, _)| p.to_str_lossy().into_owned())
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
    // which commit.
    let chain = head_chain(repo, &nodes, &index);
    let mut blobs_of: HashMap<&Fingerprint, HashSet<ObjectId>> = HashMap::new();
    for (blob, found) in &blob_fingerprints {
        for fp in found {
            blobs_of.entry(fp).or_default().insert(*blob);
        }
    }
    for ((fingerprint, path), (mut f, o)) in merged {
        let (i, unreachable) = o.earliest();
        let standing = chain.as_ref().map(|chain| {
            let empty = HashSet::new();
            let blobs = blobs_of.get(&fingerprint).unwrap_or(&empty);
            let mut holds = |c: usize| {
                trees
                    .hits(nodes[c].tree)
                    .iter()
                    .any(|(b, p)| blobs.contains(b) && p.to_str_lossy() == path.as_str())
            };
            // The last commit of the chain that holds it; the one after it removed it.
            match chain.iter().rposition(|&c| holds(c)) {
                Some(k) if k + 1 == chain.len() => (true, None),
                Some(k) => (false, Some(chain[k + 1])),
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
        let i = index.get(&id).copied();
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
fn head_chain(
    repo: &gix::Repository,
    nodes: &[CommitNode],
    index: &HashMap<ObjectId, usize>,
) -> Option<Vec<usize>> {
    let head = repo.head_id().ok()?.detach();
    let mut chain = Vec::new();
    let mut seen = HashSet::new();
    let mut at = index.get(&head).copied();
    while let Some(i) = at {
        if !seen.insert(i) {
            break;
        }
        chain.push(i);
        at = nodes[i].parents.first().and_then(|p| index.get(p)).copied();
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
/// generation 1 and was named as introducing a key that master added in 2014.
pub(super) fn corrected_dates<N: std::borrow::Borrow<CommitNode>>(
    nodes: &[N],
    index: &HashMap<ObjectId, usize>,
) -> Vec<u64> {
    let mut date = vec![0u64; nodes.len()];
    for start in 0..nodes.len() {
        if date[start] != 0 {
            continue;
        }
        // Iterative post-order: a node is finished once all its parents are.
        let mut stack = vec![start];
        while let Some(&i) = stack.last() {
            let mut pending = false;
            let mut d = nodes[i].borrow().time.max(1) as u64;
            for p in nodes[i]
                .borrow()
                .parents
                .iter()
                .filter_map(|p| index.get(p))
            {
                if date[*p] == 0 {
                    pending = true;
                    stack.push(*p);
                } else {
                    d = d.max(date[*p].saturating_add(1));
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
    nodes: &[CommitNode],
    index: &HashMap<ObjectId, usize>,
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
    let mut seen = vec![false; nodes.len()];
    let mut stack: Vec<usize> = tips.iter().filter_map(|t| index.get(t).copied()).collect();
    while let Some(i) = stack.pop() {
        if std::mem::replace(&mut seen[i], true) {
            continue;
        }
        stack.extend(
            nodes[i]
                .parents
                .iter()
                .filter_map(|p| index.get(p).copied()),
        );
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
