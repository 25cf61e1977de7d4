//! Where the blobs with findings sit in the trees of a history, for provenance: every tree of
//! the repository decoded once, in pack order and in parallel (gix's delta-tree traversal
//! inflates each delta base once, where reading trees one by one by id re-resolves their
//! delta chains again and again), keeping only what a path needs — each tree's subtrees and
//! the interesting blobs it holds — as small integers. Trees that are not in a pack (loose
//! objects) are read one by one.
//!
//! Built only when a history scan found something: a clean history never pays for it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use gix::bstr::BString;
use gix::objs::tree::EntryKind;
use gix::objs::TreeRefIter;
use gix::ObjectId;

use super::{contained, object_error};
use crate::scan::Tally;

/// The blobs of interest under a tree, with their paths relative to it.
pub(super) type Hits = Arc<Vec<(ObjectId, BString)>>;

/// One tree, as much of it as provenance needs: subtrees (tree index, name id) and
/// interesting blobs (id, name id).
#[derive(Default)]
struct Node {
    subtrees: Box<[(u32, u32)]>,
    blobs: Box<[(ObjectId, u32)]>,
}

/// Every tree's [`Node`], by index into the sorted tree ids.
pub(super) struct TreeIndex {
    ids: Vec<ObjectId>,
    nodes: Vec<Option<Node>>,
    names: Vec<BString>,
    /// Per tree: 0 not yet known, 1 holds no interesting blob, 2 holds one.
    state: Vec<u8>,
    memo: HashMap<u32, Hits>,
    empty: Hits,
}

/// Names interned across threads (directory names repeat across hundreds of thousands of
/// trees).
#[derive(Default)]
struct Names {
    ids: HashMap<BString, u32>,
    list: Vec<BString>,
}

impl Names {
    fn id(&mut self, name: &[u8]) -> u32 {
        if let Some(&i) = self.ids.get(name) {
            return i;
        }
        let i = self.list.len() as u32;
        self.list.push(name.into());
        self.ids.insert(name.into(), i);
        i
    }
}

/// What the decoding threads share.
struct Shared<'a> {
    ids: &'a [ObjectId],
    interesting: &'a std::collections::HashSet<ObjectId>,
    seen: Vec<AtomicBool>,
    names: Mutex<Names>,
    nodes: Mutex<Vec<(u32, Node)>>,
}

impl Shared<'_> {
    fn index(&self, id: &gix::oid) -> Option<u32> {
        self.ids
            .binary_search_by(|x| x.as_ref().cmp(id))
            .ok()
            .map(|i| i as u32)
    }

    /// Reads one tree's entries into a node (kept only if it has something to keep).
    fn decode(&self, tree: u32, data: &[u8]) -> Result<(), String> {
        self.seen[tree as usize].store(true, Ordering::Relaxed);
        let mut subtrees: Vec<(u32, &[u8])> = Vec::new();
        let mut blobs: Vec<(ObjectId, &[u8])> = Vec::new();
        for entry in TreeRefIter::from_bytes(data) {
            let entry = entry.map_err(|e| format!("corrupt tree: {e}"))?;
            match entry.mode.kind() {
                EntryKind::Tree => {
                    if let Some(i) = self.index(entry.oid) {
                        subtrees.push((i, entry.filename.as_ref()));
                    }
                }
                EntryKind::Blob | EntryKind::BlobExecutable | EntryKind::Link => {
                    if self.interesting.contains(entry.oid) {
                        blobs.push((entry.oid.to_owned(), entry.filename.as_ref()));
                    }
                }
                EntryKind::Commit => {} // submodules are not entered
            }
        }
        if subtrees.is_empty() && blobs.is_empty() {
            return Ok(());
        }
        let node = {
            let mut names = self.names.lock().unwrap_or_else(|e| e.into_inner());
            Node {
                subtrees: subtrees.iter().map(|(i, n)| (*i, names.id(n))).collect(),
                blobs: blobs.iter().map(|(b, n)| (*b, names.id(n))).collect(),
            }
        };
        self.nodes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((tree, node));
        Ok(())
    }
}

/// An error of the pack traversal's processor (it never fails: corrupt trees are counted).
#[derive(Debug)]
struct Never;

impl std::fmt::Display for Never {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("never")
    }
}

impl std::error::Error for Never {}

impl TreeIndex {
    /// Decodes every tree in `tree_ids` (sorted, unique): those in the repository's packs by
    /// traversing each pack, the rest one by one.
    pub(super) fn build(
        repo: &gix::Repository,
        tree_ids: Vec<ObjectId>,
        interesting: &std::collections::HashSet<ObjectId>,
        threads: usize,
        tally: &Tally,
    ) -> TreeIndex {
        let shared = Shared {
            ids: &tree_ids,
            interesting,
            seen: (0..tree_ids.len())
                .map(|_| AtomicBool::new(false))
                .collect(),
            names: Mutex::default(),
            nodes: Mutex::default(),
        };
        // Worktrees share the main repository's objects (alternates are read one by one).
        let pack_dir = repo.common_dir().join("objects").join("pack");
        let mut packs: Vec<_> = std::fs::read_dir(&pack_dir)
            .map(|d| {
                d.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "idx"))
                    .collect()
            })
            .unwrap_or_default();
        packs.sort();
        let kind = repo.object_hash();
        for idx_path in packs {
            let pack_path = idx_path.with_extension("pack");
            let (Ok(index), Ok(pack)) = (
                gix::odb::pack::index::File::at(&idx_path, kind),
                gix::odb::pack::data::File::at(&pack_path, kind),
            ) else {
                // Read one by one below, where an unreadable tree is reported.
                continue;
            };
            // The traversal inflates every object of the pack (and holds a delta tree of all
            // of them) to reach its trees: worth it when trees are a good share of the pack,
            // as in any real history (git/git: 41% of its objects). With few trees among many
            // objects (a long history of a few files, a pack of large blobs) reading the trees
            // one by one, below, costs far less time and memory.
            if (tree_ids.len() as u64).saturating_mul(8) < u64::from(index.num_objects()) {
                continue;
            }
            let errors: Mutex<Vec<(ObjectId, String)>> = Mutex::default();
            let processor = |k: gix::object::Kind,
                             data: &[u8],
                             entry: &gix::odb::pack::index::Entry,
                             _: &dyn gix::progress::Progress|
             -> Result<(), Never> {
                if k == gix::object::Kind::Tree {
                    if let Some(i) = shared.index(&entry.oid) {
                        if let Err(e) = shared.decode(i, data) {
                            errors
                                .lock()
                                .unwrap_or_else(|e| e.into_inner())
                                .push((entry.oid, e));
                        }
                    }
                }
                Ok(())
            };
            let traversed = contained(|| {
                index.traverse_with_index(
                    &pack,
                    processor,
                    &mut gix::progress::Discard,
                    &AtomicBool::new(false),
                    gix::odb::pack::index::traverse::with_index::Options {
                        thread_limit: Some(threads.max(1)),
                        check: gix::odb::pack::index::traverse::SafetyCheck::SkipFileAndObjectChecksumVerificationAndNoAbortOnDecodeError,
                    },
                )
            });
            if let Err(e) = traversed {
                // What was not decoded is read one by one below.
                object_error(
                    tally,
                    idx_path.display(),
                    format!("cannot traverse pack: {e}"),
                );
            }
            for (id, e) in errors.into_inner().unwrap_or_else(|e| e.into_inner()) {
                object_error(tally, id, e);
            }
        }
        // Loose trees, and any a pack traversal missed.
        for (i, id) in tree_ids.iter().enumerate() {
            if shared.seen[i].load(Ordering::Relaxed) {
                continue;
            }
            match contained(|| repo.find_object(*id)) {
                Ok(o) => {
                    if let Err(e) = shared.decode(i as u32, &o.data) {
                        object_error(tally, id, e);
                    }
                }
                Err(e) => object_error(tally, id, format!("cannot read tree: {e}")),
            }
        }
        let Shared { names, nodes, .. } = shared;
        let mut by_index: Vec<Option<Node>> = (0..tree_ids.len()).map(|_| None).collect();
        for (i, node) in nodes.into_inner().unwrap_or_else(|e| e.into_inner()) {
            by_index[i as usize] = Some(node);
        }
        TreeIndex {
            state: vec![0; tree_ids.len()],
            ids: tree_ids,
            nodes: by_index,
            names: names.into_inner().unwrap_or_else(|e| e.into_inner()).list,
            memo: HashMap::new(),
            empty: Arc::new(Vec::new()),
        }
    }

    /// Whether tree `t` holds an interesting blob at any depth; iterative, so that a
    /// hostile repository's deep nesting cannot exhaust the stack.
    fn dirty(&mut self, t: u32) -> bool {
        let mut stack = vec![t];
        while let Some(&i) = stack.last() {
            // Trees are content-addressed, so they cannot form a cycle; a corrupt index that
            // seemed to would grow the stack past the number of trees.
            if stack.len() > self.nodes.len() + 1 {
                return false;
            }
            if self.state[i as usize] != 0 {
                stack.pop();
                continue;
            }
            let Some(node) = &self.nodes[i as usize] else {
                self.state[i as usize] = 1;
                stack.pop();
                continue;
            };
            let mut pending = false;
            let mut any = !node.blobs.is_empty();
            for &(child, _) in node.subtrees.iter() {
                match self.state[child as usize] {
                    0 if child != i => {
                        pending = true;
                        stack.push(child);
                    }
                    2 => any = true,
                    _ => {}
                }
            }
            if !pending {
                self.state[i as usize] = if any { 2 } else { 1 };
                stack.pop();
            }
        }
        self.state[t as usize] == 2
    }

    /// The interesting blobs under tree `id`, with their paths.
    pub(super) fn hits(&mut self, id: ObjectId) -> Hits {
        let Ok(t) = self.ids.binary_search(&id) else {
            return self.empty.clone();
        };
        self.hits_at(t as u32, 0)
    }

    fn hits_at(&mut self, t: u32, depth: usize) -> Hits {
        // A tree cannot contain itself; a corrupt one that seems to is cut off here.
        if depth > 4096 || !self.dirty(t) {
            return self.empty.clone();
        }
        if let Some(h) = self.memo.get(&t) {
            return h.clone();
        }
        let (subtrees, blobs) = match &self.nodes[t as usize] {
            Some(n) => (n.subtrees.clone(), n.blobs.clone()),
            None => return self.empty.clone(),
        };
        let mut out: Vec<(ObjectId, BString)> = blobs
            .iter()
            .map(|(b, n)| (*b, self.names[*n as usize].clone()))
            .collect();
        for (child, name) in subtrees.iter() {
            let sub = self.hits_at(*child, depth + 1);
            for (blob, path) in sub.iter() {
                let mut p = self.names[*name as usize].clone();
                p.push(b'/');
                p.extend_from_slice(path);
                out.push((*blob, p));
            }
        }
        let h = Arc::new(out);
        self.memo.insert(t, h.clone());
        h
    }
}
