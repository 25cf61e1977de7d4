//! Where the blobs with findings sit in the trees of a history, for provenance: every tree of
//! the repository decoded once, in pack order and in parallel ([`super::pack_walk`] inflates
//! only the trees and their delta chains, each base once, where reading trees one by one by
//! id re-resolved their delta chains again and again), keeping only what a path needs — each
//! tree's subtrees and the interesting blobs it holds — as small integers in one arena. Trees
//! that are not in a pack (loose objects), or that the walk could not decode, are read one by
//! one.
//!
//! Built only when a history scan found something: a clean history never pays for it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use gix::bstr::BString;
use gix::ObjectId;

use super::ids::IdTable;
use super::{contained, object_error};
use crate::scan::Tally;

/// The blobs of interest under a tree: (index into the interesting blobs, path id in
/// [`Paths`], relative to that tree).
pub(super) type Hits = Arc<[(u32, u32)]>;

const NONE: u32 = u32::MAX;

/// Where a tree's record lies in the [`Arena`]: the chunk in the high 32 bits, the offset in
/// the low ones; `NO_RECORD` for a tree with neither subtrees nor interesting blobs.
const NO_RECORD: u64 = u64::MAX;

/// Words per arena chunk (4 MiB).
const CHUNK: usize = 1 << 20;

/// Every tree's record, one after another in fixed chunks: `[shape, subtrees, blobs, tree
/// index × subtrees, (interesting blob, name id) × blobs]`, where the shape is the list of the
/// subtrees' names, interned ([`Names::shape`]): git/git's trees hold 7.1 million subtree
/// entries but 822 distinct lists of subdirectory names (`t/` changes in most commits, its
/// subdirectories rarely), so a subtree costs its index alone (28 MB), where (index, name)
/// pairs held 59 MB. One allocation per tree (a boxed slice each) would cost its allocator overhead
/// hundreds of thousands of times, and one growing vector would hold twice its size while it
/// grew; chunks are allocated once at their full size and never move.
#[derive(Default)]
struct Arena {
    chunks: Vec<Vec<u32>>,
}

impl Arena {
    /// Appends a record; `None` if it is too large to address (no real tree is).
    fn push(&mut self, words: &[u32]) -> Option<u64> {
        let fits = self
            .chunks
            .last()
            .is_some_and(|c| c.capacity() - c.len() >= words.len());
        if !fits {
            self.chunks.push(Vec::with_capacity(CHUNK.max(words.len())));
        }
        let chunk = u32::try_from(self.chunks.len() - 1).ok()?;
        let c = self.chunks.last_mut()?;
        let at = u32::try_from(c.len()).ok()?;
        u32::try_from(c.len() + words.len()).ok()?;
        c.extend_from_slice(words);
        Some(u64::from(chunk) << 32 | u64::from(at))
    }

    /// A tree's shape (`NONE` if it has no record), subtrees (their indices) and interesting
    /// blobs ((index, name id) pairs).
    fn record(&self, at: u64) -> (u32, &[u32], &[u32]) {
        if at == NO_RECORD {
            return (NONE, &[], &[]);
        }
        let chunk = &self.chunks[(at >> 32) as usize];
        let from = (at & 0xffff_ffff) as usize;
        let (shape, subtrees, blobs) = (
            chunk[from],
            chunk[from + 1] as usize,
            chunk[from + 2] as usize,
        );
        let body = &chunk[from + 3..from + 3 + subtrees + 2 * blobs];
        let (subtrees, blobs) = body.split_at(subtrees);
        (shape, subtrees, blobs)
    }
}

/// Paths relative to some tree, interned as (first name, rest of the path) so that the path of
/// a blob in a subtree is one small integer, shared by every tree that holds that subtree
/// (the 101,464 commits of git/git that carry its one file with a finding need three cells).
#[derive(Default)]
struct Paths {
    cells: Vec<(u32, u32)>,
    ids: HashMap<(u32, u32), u32>,
}

impl Paths {
    fn id(&mut self, name: u32, rest: u32) -> u32 {
        *self.ids.entry((name, rest)).or_insert_with(|| {
            self.cells.push((name, rest));
            self.cells.len() as u32 - 1
        })
    }
}

/// Every tree's subtrees and interesting blobs, by index into the sorted tree ids.
///
/// Invariant: every tree index in a record is below the number of trees, and every blob
/// index below the number of interesting blobs (a record is written only from ids found in
/// those lists).
pub(super) struct TreeIndex {
    records: Vec<u64>,
    arena: Arena,
    names: Vec<Arc<[u8]>>,
    /// By shape id: the names of a record's subtrees, in order.
    shapes: Vec<Arc<[u32]>>,
    /// Per tree: 0 not yet known, 1 holds no interesting blob, 2 holds one.
    state: Vec<u8>,
    /// Per tree: its hits, as an index into `sets`, once known (`NONE` before).
    memo: Vec<u32>,
    /// Distinct lists of hits, interned: on git/git 119,852 trees lead to its one file with a
    /// finding, by three distinct lists; a list per tree took the scan's peak memory from 83
    /// to 86 MiB.
    sets: Vec<Hits>,
    set_ids: HashMap<Hits, u32>,
    paths: Paths,
    empty: Hits,
}

/// Names interned across threads (directory names repeat across hundreds of thousands of
/// trees).
#[derive(Default)]
struct Names {
    ids: HashMap<Arc<[u8]>, u32>,
    list: Vec<Arc<[u8]>>,
    shape_ids: HashMap<Arc<[u32]>, u32>,
    shapes: Vec<Arc<[u32]>>,
}

impl Names {
    fn id(&mut self, name: &[u8]) -> u32 {
        intern(&mut self.ids, &mut self.list, name)
    }

    /// The id of a list of subtree names (a crafted repository can make every list
    /// distinct: then each costs what a name per subtree cost before, plus its map entry).
    fn shape(&mut self, names: &[u32]) -> u32 {
        intern(&mut self.shape_ids, &mut self.shapes, names)
    }
}

/// `key`'s index in `list`, where it is appended (and `ids` maps it) the first time; the map
/// and the list share one copy (a crafted repository can make every list of subtree names
/// distinct, and two copies would hold each name twice).
fn intern<T: Clone + Eq + std::hash::Hash>(
    ids: &mut HashMap<Arc<[T]>, u32>,
    list: &mut Vec<Arc<[T]>>,
    key: &[T],
) -> u32 {
    if let Some(&i) = ids.get(key) {
        return i;
    }
    let i = list.len() as u32;
    let shared: Arc<[T]> = key.into();
    list.push(shared.clone());
    ids.insert(shared, i);
    i
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
    table: &'a IdTable,
    /// The blobs with findings, sorted, and their table.
    interesting: &'a [ObjectId],
    interesting_table: IdTable,
    seen: Vec<AtomicBool>,
    /// By tree index, written once each: where its record lies.
    records: Vec<AtomicU64>,
    store: Mutex<(Names, Arena)>,
}

impl Shared<'_> {
    fn index(&self, id: &gix::oid) -> Option<u32> {
        self.table.get(self.ids, id)
    }

    /// Reads one tree's entries into a record (kept only if it has something to keep).
    fn decode(&self, tree: u32, data: &[u8]) -> Result<(), String> {
        self.seen[tree as usize].store(true, Ordering::Relaxed);
        let mut subtrees: Vec<(u32, &[u8])> = Vec::new();
        let mut blobs: Vec<(u32, &[u8])> = Vec::new();
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
                    if let Some(b) = self.interesting_table.get(self.interesting, id) {
                        blobs.push((b, name));
                    }
                }
                Entry::Submodule => {} // not entered
            }
        }
        if subtrees.is_empty() && blobs.is_empty() {
            return Ok(());
        }
        let mut words = Vec::with_capacity(3 + subtrees.len() + 2 * blobs.len());
        let at = {
            let mut store = self.store.lock().unwrap_or_else(|e| e.into_inner());
            let (names, arena) = &mut *store;
            let shape: Vec<u32> = subtrees.iter().map(|(_, n)| names.id(n)).collect();
            words.push(names.shape(&shape));
            words.push(subtrees.len() as u32);
            words.push(blobs.len() as u32);
            words.extend(subtrees.iter().map(|(i, _)| *i));
            for (i, name) in &blobs {
                words.push(*i);
                words.push(names.id(name));
            }
            arena.push(&words)
        };
        let at = at.ok_or_else(|| "tree too large to index".to_string())?;
        self.records[tree as usize].store(at, Ordering::Relaxed);
        Ok(())
    }
}

impl TreeIndex {
    /// Decodes every tree in `tree_ids` (sorted, unique; `table` is theirs): those in the
    /// repository's packs by traversing each pack, the rest one by one. `interesting`: the
    /// blobs with findings, sorted and unique; hits name them by index in it.
    pub(super) fn build(
        repo: &gix::Repository,
        tree_ids: &[ObjectId],
        table: &IdTable,
        interesting: &[ObjectId],
        pool: &rayon::ThreadPool,
        tally: &Tally,
    ) -> TreeIndex {
        let shared = Shared {
            hash_len: repo.object_hash().len_in_bytes(),
            ids: tree_ids,
            table,
            interesting_table: IdTable::new(interesting),
            interesting,
            seen: (0..tree_ids.len())
                .map(|_| AtomicBool::new(false))
                .collect(),
            records: (0..tree_ids.len())
                .map(|_| AtomicU64::new(NO_RECORD))
                .collect(),
            store: Mutex::default(),
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
        let Shared { store, records, .. } = shared;
        let (names, arena) = store.into_inner().unwrap_or_else(|e| e.into_inner());
        TreeIndex {
            state: vec![0; tree_ids.len()],
            records: records.into_iter().map(AtomicU64::into_inner).collect(),
            arena,
            names: names.list,
            shapes: names.shapes,
            memo: vec![NONE; tree_ids.len()],
            sets: Vec::new(),
            set_ids: HashMap::new(),
            paths: Paths::default(),
            empty: Arc::new([]),
        }
    }

    /// Whether tree `t` holds an interesting blob at any depth; iterative, so that a
    /// hostile repository's deep nesting cannot exhaust the stack.
    fn dirty(&mut self, t: u32) -> bool {
        let mut stack = vec![t];
        while let Some(&i) = stack.last() {
            // Trees are content-addressed, so they cannot form a cycle; a corrupt index that
            // seemed to would grow the stack past the number of trees.
            if stack.len() > self.records.len() + 1 {
                return false;
            }
            if self.state[i as usize] != 0 {
                stack.pop();
                continue;
            }
            let (_, subtrees, blobs) = self.arena.record(self.records[i as usize]);
            let mut pending = false;
            let mut any = !blobs.is_empty();
            for &child in subtrees {
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

    /// The interesting blobs under tree `t` (an index into the tree ids), with their paths.
    pub(super) fn hits(&mut self, t: u32) -> Hits {
        if t as usize >= self.records.len() {
            return self.empty.clone();
        }
        self.hits_at(t, 0)
    }

    fn hits_at(&mut self, t: u32, depth: usize) -> Hits {
        // A tree cannot contain itself; a corrupt one that seems to is cut off here.
        if depth > 4096 || !self.dirty(t) {
            return self.empty.clone();
        }
        if let Some(h) = self.sets.get(self.memo[t as usize] as usize) {
            return h.clone();
        }
        let (shape, subtrees, blobs) = self.arena.record(self.records[t as usize]);
        let (subtrees, blobs) = (subtrees.to_vec(), blobs.to_vec());
        let names = self.shapes.get(shape as usize).cloned().unwrap_or_default();
        let mut out: Vec<(u32, u32)> = blobs
            .chunks_exact(2)
            .map(|pair| (pair[0], self.paths.id(pair[1], NONE)))
            .collect();
        for (&child, &name) in subtrees.iter().zip(names.iter()) {
            let sub = self.hits_at(child, depth + 1);
            for &(blob, path) in sub.iter() {
                out.push((blob, self.paths.id(name, path)));
            }
        }
        let id = intern(&mut self.set_ids, &mut self.sets, &out);
        self.memo[t as usize] = id;
        self.sets[id as usize].clone()
    }

    /// The bytes of a path id from [`TreeIndex::hits`]: its names joined by `/`.
    pub(super) fn path(&self, mut id: u32) -> BString {
        let mut out = BString::default();
        while let Some(&(name, rest)) = self.paths.cells.get(id as usize) {
            if !out.is_empty() {
                out.push(b'/');
            }
            out.extend_from_slice(&self.names[name as usize]);
            id = rest;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::{fuzz_entries, Arena, CHUNK, NO_RECORD};

    #[test]
    fn arena_records_read_back_across_chunks_and_never_move() {
        let mut arena = Arena::default();
        let record = |n: usize, seed: u32| -> Vec<u32> {
            // [shape, subtrees, blobs, subtrees..., (blob, name)...]
            let mut w = vec![seed, n as u32, 1];
            w.extend((0..n as u32).map(|i| i ^ seed));
            w.extend([seed, seed + 1]);
            w
        };
        let mut placed = Vec::new();
        let first = arena.push(&record(3, 7)).unwrap();
        let start = arena.chunks[0].as_ptr();
        placed.push((first, record(3, 7)));
        // Enough records to fill more than two chunks, and one larger than a chunk.
        for k in 0..3000u32 {
            let n = if k == 1500 { CHUNK + 10 } else { 1000 };
            let w = record(n, k);
            let at = arena.push(&w).unwrap();
            placed.push((at, w));
        }
        assert!(arena.chunks.len() > 3, "{}", arena.chunks.len());
        for (at, w) in &placed {
            let (shape, subtrees, blobs) = arena.record(*at);
            assert_eq!(shape, w[0]);
            assert_eq!(subtrees, &w[3..3 + w[1] as usize]);
            assert_eq!(blobs, &w[3 + w[1] as usize..]);
        }
        // The first chunk never moved: appending never grows a chunk past its capacity.
        assert_eq!(arena.chunks[0].as_ptr(), start);
        assert!(
            arena.chunks.iter().any(|c| c.len() > CHUNK),
            "the large record"
        );
        assert_eq!(arena.record(NO_RECORD), (super::NONE, &[][..], &[][..]));
    }

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
