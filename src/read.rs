//! Stage 2: opening a file to read its bytes (and, at the same edge, replacing the few files
//! patrol writes itself without following links: [`replace_file`]). The bytes themselves are read by the scan layer
//! (`scan::Scanner::scan_reader`) into a reusable buffer, in windows of 8 MiB that overlap, so
//! a file of any size costs bounded memory.
//!
//! Files are read, never memory-mapped. A mapping of a file that another process can write is
//! not sound in Rust: the bytes behind a `&[u8]` may change (or, after a truncation, vanish
//! and raise SIGBUS) while the regex engine and the checksums read them, and no handler can
//! restore the immutability the compiler relies on. patrol scans checkouts that builds, editors
//! and other tools are writing, so this is not theoretical. Reading costs one copy from the page
//! cache; `cargo bench --bench scan -- read_vs_mmap` measures it (benches/README.md), and over
//! a whole tree the difference is within the noise, because most files are small and small
//! files were read already. The crate has no `unsafe` code at all (`#![forbid(unsafe_code)]`).
//!
//! Per small file this costs open, read(s) and close, as ripgrep's does: without a size cap
//! there is no stat at all (the walker knows the type from the directory listing). With a cap,
//! one fstat decides before anything is read. O_NONBLOCK makes opening a FIFO return at once,
//! should a regular file become one after the listing.

use std::fs::File;
use std::io;
use std::path::Path;

/// Why a file opened for scanning is not to be read.
#[derive(Debug)]
pub(crate) enum NotRead {
    /// Larger than the caller's cap (its size).
    TooLarge(u64),
    /// Not a regular file after all (it changed between the directory listing and the open).
    NotRegular(std::fs::Metadata),
}

/// Opens `path` for reading; with a size cap, checks it is a regular file within the cap.
pub(crate) fn open(path: &Path, max_size: Option<u64>) -> io::Result<Result<File, NotRead>> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = File::options()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)?;
    if let Some(max) = max_size {
        let meta = file.metadata()?;
        if !meta.is_file() {
            return Ok(Err(NotRead::NotRegular(meta)));
        }
        if meta.len() > max {
            return Ok(Err(NotRead::TooLarge(meta.len())));
        }
    }
    Ok(Ok(file))
}

/// Writes `path` with `mode` through a temporary file created exclusively beside it (never
/// through a link), then renamed over it: a link at `path` is replaced, not followed, and no
/// reader sees half a file. For the files patrol itself writes where another user or a
/// scanned repository may have planted a link (git hooks, the verify cache).
pub(crate) fn replace_file(path: &Path, data: &[u8], mode: u32) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let tmp = dir.join(format!(".{name}.{}.{nonce}.tmp", std::process::id()));
    let mut f = std::fs::File::options()
        .write(true)
        .create_new(true)
        .mode(mode)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&tmp)?;
    let written = f.write_all(data).and_then(|()| f.sync_all());
    drop(f);
    if let Err(e) = written.and_then(|()| std::fs::rename(&tmp, path)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_and_special_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, b"hello").unwrap();
        assert!(open(&p, None).unwrap().is_ok());
        assert!(open(&p, Some(5)).unwrap().is_ok());
        assert!(matches!(
            open(&p, Some(4)).unwrap(),
            Err(NotRead::TooLarge(5))
        ));
        assert!(matches!(
            open(dir.path(), Some(1 << 20)).unwrap(),
            Err(NotRead::NotRegular(_))
        ));
    }
}
