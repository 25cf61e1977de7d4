//! A lookup from object id to its index in a sorted list of ids, in one or two probes, for
//! the loops that ask it hundreds of millions of times (provenance's tree entries, the pack
//! walk's objects).

use gix::ObjectId;

/// A set of object ids answering "which of them is this?" in one or two probes: a tree holds
/// tens of entries and a history hundreds of thousands of trees (git/git: 382,000, 5.8 GB), and
/// this lookup runs for every entry of every one (a binary search over the sorted ids, with a
/// full comparison at each step, was over a quarter of the samples building the index).
///
/// Open addressing on the id's first 8 bytes, mixed with a key drawn for each table: ids are
/// hashes, but a crafted repository can hold many ids that agree in the few bits a slot index
/// takes (about 2^20 hashing attempts per id for a million-slot table), and unkeyed, their
/// probes would grow quadratically. Every hit is confirmed against the whole id, so a
/// collision is never a wrong answer.
pub(super) struct IdTable {
    /// Index into `ids` plus one; 0 is an empty slot. At most half full.
    slots: Vec<u32>,
    mask: usize,
    key: (u64, u64),
}

impl IdTable {
    pub(super) fn new(ids: &[ObjectId]) -> IdTable {
        let size = (ids.len() * 2).next_power_of_two().max(8);
        let mut table = IdTable {
            slots: vec![0; size],
            mask: size - 1,
            key: random_key(),
        };
        for (i, id) in ids.iter().enumerate() {
            let mut at = table.start(id);
            while table.slots[at] != 0 {
                at = (at + 1) & table.mask;
            }
            table.slots[at] = i as u32 + 1;
        }
        table
    }

    /// The first slot to probe for `id`: its first 8 bytes through a keyed folded multiply.
    fn start(&self, id: &gix::oid) -> usize {
        let bytes = id.as_bytes();
        let mut prefix = [0u8; 8];
        let n = bytes.len().min(8);
        prefix[..n].copy_from_slice(&bytes[..n]);
        let product = u128::from(u64::from_le_bytes(prefix) ^ self.key.0) * u128::from(self.key.1);
        ((product as u64) ^ ((product >> 64) as u64)) as usize & self.mask
    }

    /// The index of `id` in the ids the table was built from.
    pub(super) fn get(&self, ids: &[ObjectId], id: &gix::oid) -> Option<u32> {
        let mut at = self.start(id);
        loop {
            match self.slots[at] {
                0 => return None,
                i if ids[i as usize - 1].as_ref() == id => return Some(i - 1),
                _ => at = (at + 1) & self.mask,
            }
        }
    }
}

/// Two random 64-bit words (the second odd), from the standard library's per-process random
/// hash keys.
fn random_key() -> (u64, u64) {
    use std::hash::{BuildHasher, Hasher};
    let state = std::collections::hash_map::RandomState::new();
    let word = |n: u64| {
        let mut h = state.build_hasher();
        h.write_u64(n);
        h.finish()
    };
    (word(1), word(2) | 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_id_and_only_those() {
        let ids: Vec<ObjectId> = (0u32..1000)
            .map(|i| {
                let mut b = [0u8; 20];
                // Many ids alike in their first bytes, as a crafted repository's would be.
                b[16..].copy_from_slice(&i.to_be_bytes());
                ObjectId::from_bytes_or_panic(&b)
            })
            .collect();
        let mut sorted = ids.clone();
        sorted.sort();
        let table = IdTable::new(&sorted);
        for (i, id) in sorted.iter().enumerate() {
            assert_eq!(table.get(&sorted, id), Some(i as u32));
        }
        let absent = ObjectId::from_bytes_or_panic(&[7u8; 20]);
        assert_eq!(table.get(&sorted, &absent), None);
        assert_eq!(IdTable::new(&[]).get(&[], &absent), None);
    }
}
