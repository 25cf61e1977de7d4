//! `--shard I/N`: which share of a scan's inputs this process takes, so that N processes (a
//! job array on any engine) split one scan without talking to each other. The split is a pure
//! function of what each input *is*, never of timing or thread count, so shards are disjoint,
//! together cover everything, and the same shard takes the same inputs on every machine:
//!
//! - a file (tree scans) by its path as the report names it: the first 8 bytes of SHA-256 of
//!   the path's bytes, read big-endian, modulo N;
//! - a git object (history scans: blobs, and commits and tags for their messages) by its id:
//!   the id's first 8 bytes, big-endian, modulo N (an object id is already a uniform hash).
//!
//! Everything a shard needs besides its own inputs (the commit graph and trees that say where a
//! history finding came from) it still reads whole: a shard's findings carry the same
//! provenance as an unsharded run's, and `patrol merge` only has to combine them.

use std::fmt;

use sha2::{Digest, Sha256};

/// Largest shard count accepted: far beyond any job array, low enough to catch a typo.
const MAX_SHARDS: u32 = 65_536;

/// One share of N. Invariant: `index < count`, `1 <= count <= MAX_SHARDS`. Written and parsed
/// 1-based (`1/3`, `2/3`, `3/3`), as test runners' `--shard` options are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    index: u32,
    count: u32,
}

impl Shard {
    /// Parses `I/N` with `1 <= I <= N <= MAX_SHARDS`.
    pub fn parse(s: &str) -> Result<Shard, String> {
        let bad = || format!("--shard takes I/N with 1 <= I <= N (e.g. 2/8), got `{s}`");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let i: u32 = i.trim().parse().map_err(|_| bad())?;
        let n: u32 = n.trim().parse().map_err(|_| bad())?;
        if i == 0 || n == 0 || i > n {
            return Err(bad());
        }
        if n > MAX_SHARDS {
            return Err(format!("--shard: at most {MAX_SHARDS} shards, got {n}"));
        }
        Ok(Shard {
            index: i - 1,
            count: n,
        })
    }

    /// Whether this shard scans the file reported as `path`.
    pub fn takes_path(&self, path: &[u8]) -> bool {
        let digest = Sha256::digest(path);
        self.takes_key(&digest[..8])
    }

    /// Whether this shard scans the git object with this id (raw bytes, 20 or 32 of them).
    pub fn takes_id(&self, id: &[u8]) -> bool {
        self.takes_key(&id[..8.min(id.len())])
    }

    fn takes_key(&self, key: &[u8]) -> bool {
        let mut b = [0u8; 8];
        b[..key.len()].copy_from_slice(key);
        u64::from_be_bytes(b) % u64::from(self.count) == u64::from(self.index)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index + 1, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_one_based() {
        assert_eq!(Shard::parse("1/1").unwrap().to_string(), "1/1");
        assert_eq!(Shard::parse("3/7").unwrap().to_string(), "3/7");
        for bad in ["0/3", "4/3", "1/0", "3", "a/b", "-1/3", "1/3/5", ""] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
        assert!(Shard::parse("1/65537").is_err());
    }

    #[test]
    fn shards_are_disjoint_and_cover_everything() {
        for n in [1u32, 3, 7] {
            let shards: Vec<Shard> = (1..=n)
                .map(|i| Shard::parse(&format!("{i}/{n}")).unwrap())
                .collect();
            let mut per_shard = vec![0; n as usize];
            for k in 0..2000u32 {
                let path = format!("src/dir{}/file{k}.rs", k % 13);
                let takers: Vec<usize> = (0..n as usize)
                    .filter(|&s| shards[s].takes_path(path.as_bytes()))
                    .collect();
                assert_eq!(takers.len(), 1, "{path} in shards {takers:?} of {n}");
                per_shard[takers[0]] += 1;
                let id = Sha256::digest(path.as_bytes());
                let takers = (0..n as usize)
                    .filter(|&s| shards[s].takes_id(&id[..20]))
                    .count();
                assert_eq!(takers, 1);
            }
            // Roughly even: every shard gets at least half its fair share.
            assert!(per_shard.iter().all(|&c| c * 2 * n > 2000), "{per_shard:?}");
        }
    }
}
