//! Added lines, not diffs: staged and range modes report a finding only if its line does not
//! appear in the old version of the file (for a new path: in the files the change removes).
//! Moving a line, within a file or by renaming, never resurrects an old secret; a real diff
//! algorithm would report moved lines as added.

use std::collections::HashSet;

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

#[cfg(test)]
mod tests {
    use super::added_lines;

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
