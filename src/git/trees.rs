//! Where the blobs with findings sit in the trees of a history, for provenance: every tree of
//! the repository decoded once, in pack order and in parallel ([`super::pack_walk`] inflates
//! only the trees and their delta chains, each base once, where reading trees one by one by
//! id re-resolved their delta chains again and again), keeping only what a path needs — each
//! tree's subtrees and the interesting blobs it holds — as small integers. Trees that are not
//! in a pack (loose objects), or that the walk could not decode, are read one by one.
//!
//! Built only when a history scan found something: a clean history never pays for it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use gix::bstr::BString;
use gix::ObjectId;

use super::ids::IdTable;
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

/// What a tree entry names.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Entry {
    Tree,
    /// A blob, executable or not, or a symbolic link.
    Blob,
    /// A gitlink (a submodule's commit), or a mode of no other type.
    Submodule,
}

/// The first entry of a tree's bytes — `<octal mode> <name>\0<id>` — and the bytes after it;
/// `None` if it is malformed. Written here rather than taken from gix's tree iterator because
/// it runs once per entry of every tree of a history (5.8 GB of trees for git/git) and gix's
/// general mode parsing was a fifth of that time; modes are read as git reads them (the type
/// bits of the octal number: a regular file or link is content, a directory a tree, anything
/// else a gitlink; an empty or non-octal mode is malformed).
fn entry(bytes: &[u8], hash_len: usize) -> Option<(Entry, &[u8], &gix::oid, &[u8])> {
    let mut mode = 0u32;
    let mut at = 0;
    loop {
        let b = *bytes.get(at)?;
        at += 1;
        match b {
            b' ' if at > 1 => break,
            b'0'..=b'7' if at <= 7 => mode = mode << 3 | u32::from(b - b'0'),
            _ => return None,
        }
    }
    let name_len = bytes[at..].iter().position(|&b| b == 0)?;
    let name = &bytes[at..at + name_len];
    let id_at = at + name_len + 1;
    let id = bytes.get(id_at..id_at + hash_len)?;
    // As git's `canon_mode`: a file or a link is content, a directory a tree, and any other
    // type a gitlink (never entered).
    let kind = match mode & 0o170000 {
        0o040000 => Entry::Tree,
        0o100000 | 0o120000 => Entry::Blob,
        _ => Entry::Submodule,
    };
    Some((
        kind,
        name,
        gix::oid::from_bytes_unchecked(id),
        &bytes[id_at + hash_len..],
    ))
}

/// Every entry of a tree as (t/c/b for tree, gitlink, content; name; id), or `None` if it is
/// malformed: for the fuzz target that compares this parser with gix's.
pub(super) fn fuzz_entries(data: &[u8]) -> Option<Vec<(char, Vec<u8>, ObjectId)>> {
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let (kind, name, id, after) = entry(rest, 20)?;
        let kind = match kind {
            Entry::Tree => 't',
            Entry::Submodule => 'c',
            Entry::Blob => 'b',
        };
        out.push((kind, name.to_vec(), id.to_owned()));
        rest = after;
    }
    Some(out)
}

/// What the decoding threads share.
struct Shared<'a> {
    hash_len: usize,
    ids: &'a [ObjectId],
    table: IdTable,
    /// The blobs with findings, sorted, and their table.
    interesting: Vec<ObjectId>,
    interesting_table: IdTable,
    seen: Vec<AtomicBool>,
    names: Mutex<Names>,
    /// By tree index, written once each (a list of (index, node) gathered and then
    /// placed held both at the peak: 30 MB more for git/git).
    nodes: Mutex<Vec<Option<Node>>>,
}

impl Shared<'_> {
    fn index(&self, id: &gix::oid) -> Option<u32> {
        self.table.get(self.ids, id)
    }

    /// Reads one tree's entries into a node (kept only if it has something to keep).
    fn decode(&self, tree: u32, data: &[u8]) -> Result<(), String> {
        self.seen[tree as usize].store(true, Ordering::Relaxed);
        let mut subtrees: Vec<(u32, &[u8])> = Vec::new();
        let mut blobs: Vec<(ObjectId, &[u8])> = Vec::new();
        let mut rest = data;
        while !rest.is_empty() {
            let (kind, name, id, after) =
                entry(rest, self.hash_len).ok_or_else(|| "corrupt tree entry".to_string())?;
            rest = after;
            match kind {
                Entry::Tree => {
                    if let Some(i) = self.index(id) {
                        subtrees.push((i, name));
                    }
                }
                Entry::Blob => {
                    if self.interesting_table.get(&self.interesting, id).is_some() {
                        blobs.push((id.to_owned(), name));
                    }
                }
                Entry::Submodule => {} // not entered
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
        self.nodes.lock().unwrap_or_else(|e| e.into_inner())[tree as usize] = Some(node);
        Ok(())
    }
}

impl TreeIndex {
    /// Decodes every tree in `tree_ids` (sorted, unique): those in the repository's packs by
    /// traversing each pack, the rest one by one.
    pub(super) fn build(
        repo: &gix::Repository,
        tree_ids: Vec<ObjectId>,
        interesting: &std::collections::HashSet<ObjectId>,
        pool: &rayon::ThreadPool,
        tally: &Tally,
    ) -> TreeIndex {
        let mut interesting: Vec<ObjectId> = interesting.iter().copied().collect();
        interesting.sort_unstable();
        let shared = Shared {
            hash_len: repo.object_hash().len_in_bytes(),
            ids: &tree_ids,
            table: IdTable::new(&tree_ids),
            interesting_table: IdTable::new(&interesting),
            interesting,
            seen: (0..tree_ids.len())
                .map(|_| AtomicBool::new(false))
                .collect(),
            names: Mutex::default(),
            nodes: Mutex::new((0..tree_ids.len()).map(|_| None).collect()),
        };
        for (index, pack) in super::pack_walk::packs(repo) {
            if !super::pack_walk::worth_it(tree_ids.len(), &index) {
                continue;
            }
            // Only the pack's trees and their delta chains are inflated, each once.
            let errors: Mutex<Vec<(ObjectId, String)>> = Mutex::default();
            let deliver = |id: ObjectId, data: &[u8]| {
                if let Some(i) = shared.index(&id) {
                    if let Err(e) = shared.decode(i, data) {
                        errors
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push((id, e));
                    }
                }
            };
            let walked = contained(|| {
                Ok::<_, std::convert::Infallible>(pool.install(|| {
                    super::pack_walk::walk(
                        &index,
                        &pack,
                        gix::object::Kind::Tree,
                        u64::MAX,
                        &deliver,
                    )
                }))
            });
            if let Err(e) = walked {
                // What was not decoded is read one by one below.
                object_error(
                    tally,
                    pack.path().display(),
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
        TreeIndex {
            state: vec![0; tree_ids.len()],
            ids: tree_ids,
            nodes: nodes.into_inner().unwrap_or_else(|e| e.into_inner()),
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

#[cfg(test)]
mod tests {
    use super::fuzz_entries;

    #[test]
    fn tree_entries_are_read_as_git_writes_them_and_malformed_ones_refused() {
        let id = |b: u8| [b; 20];
        let mut tree = Vec::new();
        for (mode, name, b) in [
            (&b"100644"[..], &b"a.txt"[..], 1u8),
            (b"100755", b"run.sh", 2),
            (b"120000", b"link", 3),
            (b"40000", b"dir", 4),
            (b"040000", b"old-style dir", 5),
            (b"160000", b"module", 6),
            (b"10", b"odd mode", 7), // no file type: git reads it as a gitlink
        ] {
            tree.extend_from_slice(mode);
            tree.push(b' ');
            tree.extend_from_slice(name);
            tree.push(0);
            tree.extend_from_slice(&id(b));
        }
        let kinds: String = fuzz_entries(&tree)
            .unwrap()
            .iter()
            .map(|(k, _, _)| *k)
            .collect();
        assert_eq!(kinds, "bbbttcc");
        assert_eq!(fuzz_entries(&tree).unwrap()[4].1, b"old-style dir");
        assert_eq!(fuzz_entries(b""), Some(vec![]));
        for bad in [
            &b"100648 a\0aaaaaaaaaaaaaaaaaaaa"[..], // not octal
            b"10064400 a\0aaaaaaaaaaaaaaaaaaaa",    // mode too long
            b" a\0aaaaaaaaaaaaaaaaaaaa",            // no mode
            b"100644 a",                            // no NUL
            b"100644 a\0short",                     // id cut short
        ] {
            assert_eq!(
                fuzz_entries(bad),
                None,
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        // A good entry followed by a cut one: the tree is malformed.
        let mut cut = tree.clone();
        cut.extend_from_slice(b"100644 b\0abc");
        assert_eq!(fuzz_entries(&cut), None);
    }
}
