//! Added lines, not diffs: staged and range modes report a finding only if its line does not
//! appear in the old version of the file (for a new path: in the files the change removes).
//! Moving a line, within a file or by renaming, never resurrects an old secret; a real diff
//! algorithm would report moved lines as added.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::{self, Read};

use sha2::{Digest, Sha256};

/// 1-based numbers of the lines of `new` that appear in none of `old`: the lines a change adds
/// or modifies. `old` is the file's previous version (for a new path: the files the change
/// removes), so a line moved within a file, or carried along by a rename, is not new. A line
/// moved from one existing file into another is reported: seen from the second file it is new.
pub(super) fn added_lines(old: &[&[u8]], new: &[u8]) -> HashSet<u64> {
    fn trim(l: &[u8]) -> &[u8] {
        l.strip_suffix(b"\r").unwrap_or(l)
    }
    let known: HashSet<&[u8]> = old
        .iter()
        .flat_map(|o| o.split(|&b| b == b'\n'))
        .map(trim)
        .collect();
    new.split(|&b| b == b'\n')
        .enumerate()
        .filter(|(_, l)| !known.contains(trim(l)))
        .map(|(i, _)| i as u64 + 1)
        .collect()
}

/// A line's identity for blobs too large to hold: SHA-256 of the line (without a trailing
/// `\r`), truncated to 128 bits. Cryptographic on purpose: with a weak hash, content could be
/// crafted so that a new line collides with an old one and its secret goes unreported.
type LineHash = u128;

/// Feeds `r` line by line to `each(line_number, hash)`; lines are hashed as they stream past,
/// so a line of any length costs no memory.
fn for_each_line_hash(r: &mut dyn Read, mut each: impl FnMut(u64, LineHash)) -> io::Result<()> {
    let mut buf = vec![0u8; 1 << 16];
    let mut h = Sha256::new();
    let mut line = 1u64;
    // A `\r` held back: it is part of the line unless a newline follows it.
    let mut pending_cr = false;
    let finish = |h: Sha256| -> LineHash {
        let d = h.finalize();
        u128::from_be_bytes(d[..16].try_into().expect("16 bytes"))
    };
    loop {
        let n = r.read(&mut buf)?;
        if n == 0 {
            break;
        }
        let mut chunk = &buf[..n];
        while let Some(i) = memchr::memchr(b'\n', chunk) {
            let mut part = &chunk[..i];
            if part.is_empty() {
                pending_cr = false; // a held `\r` ends the line: trimmed
            } else {
                if pending_cr {
                    h.update(b"\r");
                    pending_cr = false;
                }
                if let Some(p) = part.strip_suffix(b"\r") {
                    part = p;
                }
            }
            h.update(part);
            each(line, finish(std::mem::take(&mut h)));
            line += 1;
            chunk = &chunk[i + 1..];
        }
        if pending_cr {
            h.update(b"\r");
            pending_cr = false;
        }
        match chunk.strip_suffix(b"\r") {
            Some(rest) => {
                h.update(rest);
                pending_cr = true;
            }
            None => h.update(chunk),
        }
    }
    each(line, finish(h));
    Ok(())
}

/// The hashes of every line of every input (the old versions of a large file).
pub(super) fn line_hashes(olds: Vec<Box<dyn Read>>) -> io::Result<HashSet<LineHash>> {
    let mut set = HashSet::new();
    for mut r in olds {
        for_each_line_hash(&mut r, |_, h| {
            set.insert(h);
        })?;
    }
    Ok(set)
}

/// Of the lines `wanted` of `new`, those whose hash is in `old`: [`added_lines`] for inputs too
/// large to hold, holding only hashes.
pub(super) fn added_lines_streamed(
    old: &HashSet<LineHash>,
    new: &mut dyn Read,
    wanted: &BTreeSet<u64>,
) -> io::Result<HashSet<u64>> {
    let mut hashes: HashMap<u64, LineHash> = HashMap::new();
    for_each_line_hash(new, |n, h| {
        if wanted.contains(&n) {
            hashes.insert(n, h);
        }
    })?;
    Ok(wanted
        .iter()
        .filter(|n| hashes.get(n).is_none_or(|h| !old.contains(h)))
        .copied()
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The streamed form agrees with the in-memory one, whatever the chunking and line ends.
    #[test]
    fn streamed_added_lines_agree() {
        let old = b"a\nb\r\nc\n\nlong line here\n".to_vec();
        let new = b"c\na\r\nNEW\nb\n\nlong line here\r\nlast".to_vec();
        let want = added_lines(&[old.as_slice()], &new);
        /// Yields one byte per read: every line end splits across reads.
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
                if self.0.is_empty() || out.is_empty() {
                    return Ok(0);
                }
                out[0] = self.0[0];
                self.0 = &self.0[1..];
                Ok(1)
            }
        }
        let old_set =
            line_hashes(vec![Box::new(Trickle(Box::leak(old.into_boxed_slice())))]).unwrap();
        let all: BTreeSet<u64> = (1..=7).collect();
        let got = added_lines_streamed(&old_set, &mut Trickle(&new), &all).unwrap();
        assert_eq!(got, want);
        assert_eq!(
            got.into_iter().collect::<BTreeSet<_>>(),
            BTreeSet::from([3, 7])
        );
    }

    #[test]
    fn added_lines_ignores_moved_and_kept_lines() {
        let old = b"a\nb\nc\n".as_slice();
        let new = b"c\na\nNEW\nb\r\n";
        let added = added_lines(&[old], new);
        assert_eq!(added.into_iter().collect::<Vec<_>>(), vec![3]);
        let all = added_lines(&[], b"x\ny");
        assert_eq!(all.len(), 2);
    }
}
