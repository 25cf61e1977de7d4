//! Stage 2: getting a file's bytes. Small files are read into a reusable buffer; files larger
//! than [`MMAP_THRESHOLD`] are memory-mapped, so a multi-gigabyte file costs no heap and no
//! copy. This is the only module with `unsafe`.
//!
//! The hazard of mapping files: if another process truncates a file while it is mapped, reading
//! a page past the new end raises SIGBUS, which by default kills the process. patrol installs a
//! SIGBUS handler that recognises faults inside its own live mappings (registered in
//! [`GUARDS`]), maps a page of zeros over the faulting page so the read can complete, and marks
//! the mapping as damaged. The scan of that file finishes on zeros and is then reported as an
//! error ("changed while being read"), never as a clean result. Faults anywhere else are passed
//! to the handler that was installed before (Rust's own, or the default, which terminates).

use std::fs::File;
use std::io::{self, Read};
use std::ops::Deref;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Once;

use memmap2::Mmap;

/// Files larger than this are memory-mapped; others are read. Measured with
/// `cargo bench --bench scan -- read_vs_mmap` (benches/README.md): read(2) is 36% faster at
/// 16 KiB and 17% at 64 KiB, the two tie at 256 KiB, and mapping wins from there (7% at 1 MiB,
/// 13% at 4 MiB), as the copy grows and the fixed mmap/munmap cost does not.
pub(crate) const MMAP_THRESHOLD: u64 = 256 << 10;

/// The bytes of one file, owned by whichever strategy read them.
pub(crate) enum Contents<'a> {
    Buffer(&'a [u8]),
    Mapped(GuardedMap),
}

impl Deref for Contents<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Contents::Buffer(b) => b,
            Contents::Mapped(m) => m,
        }
    }
}

impl Contents<'_> {
    /// Whether the file shrank while its mapping was being read (see the module docs). When
    /// true, what was scanned is incomplete and the caller must report an error.
    pub(crate) fn was_truncated(&self) -> bool {
        match self {
            Contents::Buffer(_) => false,
            Contents::Mapped(m) => m.was_truncated(),
        }
    }
}

/// Why a file opened for scanning was not read.
#[derive(Debug)]
pub(crate) enum NotRead {
    /// Larger than the caller's cap (its size).
    TooLarge(u64),
    /// Not a regular file after all (it changed between the directory listing and the open).
    NotRegular(std::fs::Metadata),
}

/// Opens and reads `path`, mapping it if it is large.
///
/// Per small file this costs open, read(s) and close, as ripgrep's does: without a size cap
/// there is no stat at all (the walker knows the type from the directory listing). Bytes are
/// read into `buf` up to [`MMAP_THRESHOLD`]; only a file that fills that much is fstat'ed and
/// mapped instead. With a cap, one fstat decides before anything is read. O_NONBLOCK makes
/// opening a FIFO return at once, should a regular file become one after the listing.
pub(crate) fn read_file<'a>(
    path: &Path,
    max_size: Option<u64>,
    buf: &'a mut Vec<u8>,
) -> io::Result<Result<Contents<'a>, NotRead>> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = File::options()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)?;
    let check = |file: &File| -> io::Result<Result<u64, NotRead>> {
        let meta = file.metadata()?;
        if !meta.is_file() {
            return Ok(Err(NotRead::NotRegular(meta)));
        }
        match max_size {
            Some(max) if meta.len() > max => Ok(Err(NotRead::TooLarge(meta.len()))),
            _ => Ok(Ok(meta.len())),
        }
    };
    if max_size.is_some() {
        if let Err(not) = check(&file)? {
            return Ok(Err(not));
        }
    }
    buf.clear();
    let threshold = MMAP_THRESHOLD as usize;
    // One byte more than the threshold: a file of exactly the threshold is read to its EOF.
    buf.reserve(threshold + 1);
    (&file).take(threshold as u64 + 1).read_to_end(buf)?;
    if buf.len() <= threshold {
        return Ok(Ok(Contents::Buffer(buf)));
    }
    // A large file: map it whole rather than copying it.
    match check(&file)? {
        Err(not) => return Ok(Err(not)),
        Ok(_) => {
            if let Some(map) = GuardedMap::new(&file)? {
                return Ok(Ok(Contents::Mapped(map)));
            }
        }
    }
    (&file).read_to_end(buf)?;
    Ok(Ok(Contents::Buffer(buf)))
}

/// Maps the file at `path` (guarded as described in the module docs); `None` when no guard
/// slot is free. Used by `read_file` for large files and by the benchmarks.
pub fn map_file(path: &Path) -> io::Result<Option<GuardedMap>> {
    GuardedMap::new(&File::open(path)?)
}

/// A read-only mapping registered with the SIGBUS guard for as long as it lives.
pub struct GuardedMap {
    map: Mmap,
    slot: usize,
}

/// One registered mapping: `[start, start + len)`. `len == 0` means the slot is free or being
/// filled, so the handler never matches a half-written slot.
struct Guard {
    start: AtomicUsize,
    len: AtomicUsize,
    faulted: AtomicBool,
}

const SLOTS: usize = 256;

#[allow(clippy::declare_interior_mutable_const)]
const FREE: Guard = Guard {
    start: AtomicUsize::new(0),
    len: AtomicUsize::new(0),
    faulted: AtomicBool::new(false),
};

/// The live mappings the SIGBUS handler may repair. A fixed array of atomics: the handler can
/// read it without locks or allocation (both forbidden in a signal handler).
static GUARDS: [Guard; SLOTS] = [FREE; SLOTS];
static PAGE_SIZE: AtomicUsize = AtomicUsize::new(4096);
static INSTALL: Once = Once::new();
static INSTALLED: AtomicBool = AtomicBool::new(false);
static mut PREVIOUS: Option<libc::sigaction> = None;

impl GuardedMap {
    /// Maps `file`, or returns `None` when every guard slot is taken or the guard could not
    /// be installed (the caller then reads the file instead: slower, equally correct).
    fn new(file: &File) -> io::Result<Option<GuardedMap>> {
        install_handler();
        if !INSTALLED.load(Ordering::Acquire) {
            return Ok(None);
        }
        let Some(slot) = (0..SLOTS).find(|&i| {
            GUARDS[i]
                .start
                .compare_exchange(0, 1, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
        }) else {
            return Ok(None);
        };
        // SAFETY: the mapping is read-only and private to this value. Another process may
        // still change or truncate the file underneath it: changed bytes are merely scanned as
        // they are, and a truncation's SIGBUS is caught by the handler below, which only
        // replaces pages inside this registered range. The slot is registered before any byte
        // of the mapping is read and unregistered before it is unmapped (Drop).
        let map = match unsafe { Mmap::map(file) } {
            Ok(m) => m,
            Err(e) => {
                GUARDS[slot].start.store(0, Ordering::Release);
                return Err(e);
            }
        };
        let g = &GUARDS[slot];
        g.faulted.store(false, Ordering::Relaxed);
        g.start.store(map.as_ptr() as usize, Ordering::Release);
        g.len.store(map.len(), Ordering::Release);
        Ok(Some(GuardedMap { map, slot }))
    }

    pub fn was_truncated(&self) -> bool {
        GUARDS[self.slot].faulted.load(Ordering::Acquire)
    }
}

impl Deref for GuardedMap {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.map
    }
}

impl Drop for GuardedMap {
    fn drop(&mut self) {
        let g = &GUARDS[self.slot];
        g.len.store(0, Ordering::Release);
        g.start.store(0, Ordering::Release);
        // `self.map` is unmapped after this, when its own Drop runs.
    }
}

fn install_handler() {
    INSTALL.call_once(|| {
        // SAFETY: sysconf and sigaction are called once, before any guarded mapping exists;
        // PREVIOUS is written here only, before INSTALLED publishes it, and only read by the
        // handler afterwards.
        unsafe {
            let ps = libc::sysconf(libc::_SC_PAGESIZE);
            if ps > 0 {
                PAGE_SIZE.store(ps as usize, Ordering::Relaxed);
            }
            let mut action: libc::sigaction = std::mem::zeroed();
            let handler: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                on_sigbus;
            action.sa_sigaction = handler as usize;
            action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK | libc::SA_NODEFER;
            libc::sigemptyset(&mut action.sa_mask);
            let mut old: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(libc::SIGBUS, &action, &mut old) == 0 {
                PREVIOUS = Some(old);
                INSTALLED.store(true, Ordering::Release);
            }
        }
    });
}

/// The SIGBUS handler. Async-signal-safe: it reads atomics and calls mmap(2) and sigaction(2),
/// which on Linux are plain system calls.
extern "C" fn on_sigbus(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid siginfo_t for an SA_SIGINFO handler.
    let addr = unsafe { (*info).si_addr() } as usize;
    let page = PAGE_SIZE.load(Ordering::Relaxed);
    for g in &GUARDS {
        let len = g.len.load(Ordering::Acquire);
        let start = g.start.load(Ordering::Acquire);
        if len == 0 || addr < start || addr >= start + len {
            continue;
        }
        let page_start = addr & !(page - 1);
        // SAFETY: the page lies inside a mapping we own and that is alive (registered). Mapping
        // anonymous zeros over it with MAP_FIXED replaces only that page; munmap of the whole
        // mapping later releases it along with the rest.
        let r = unsafe {
            libc::mmap(
                page_start as *mut libc::c_void,
                page,
                libc::PROT_READ,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                -1,
                0,
            )
        };
        if r != libc::MAP_FAILED {
            g.faulted.store(true, Ordering::Release);
            return;
        }
    }
    // Not ours: hand the fault to whoever handled SIGBUS before us.
    // SAFETY: PREVIOUS was set before the handler was installed and is never written again.
    unsafe {
        let previous = &*std::ptr::addr_of!(PREVIOUS);
        match previous {
            Some(old) if old.sa_flags & libc::SA_SIGINFO != 0 && old.sa_sigaction > 1 => {
                let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                    std::mem::transmute(old.sa_sigaction);
                f(sig, info, ctx);
            }
            Some(old) if old.sa_sigaction > 1 => {
                let f: extern "C" fn(libc::c_int) = std::mem::transmute(old.sa_sigaction);
                f(sig);
            }
            _ => {
                // Default action: restore it and return; the faulting access runs again and
                // the kernel terminates the process as it would have without us.
                let mut dfl: libc::sigaction = std::mem::zeroed();
                dfl.sa_sigaction = libc::SIG_DFL;
                libc::sigaction(libc::SIGBUS, &dfl, std::ptr::null_mut());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn small_files_are_read_large_ones_mapped() {
        let dir = tempfile::tempdir().unwrap();
        let small = dir.path().join("small");
        std::fs::write(&small, b"hello").unwrap();
        let mut buf = Vec::new();
        let c = read_file(&small, None, &mut buf).unwrap().unwrap();
        assert!(matches!(c, Contents::Buffer(_)));
        assert_eq!(&*c, b"hello");

        let big = dir.path().join("big");
        std::fs::write(&big, vec![b'a'; MMAP_THRESHOLD as usize + 1]).unwrap();
        let c = read_file(&big, None, &mut buf).unwrap().unwrap();
        assert!(matches!(c, Contents::Mapped(_)));
        assert_eq!(c.len(), MMAP_THRESHOLD as usize + 1);
    }

    /// Without the guard this test dies of SIGBUS.
    #[test]
    fn truncation_while_mapped_is_survived_and_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shrinks");
        let len = 4 * MMAP_THRESHOLD as usize;
        let mut f = File::create(&path).unwrap();
        f.write_all(&vec![b'x'; len]).unwrap();
        drop(f);
        let mut buf = Vec::new();
        let c = read_file(&path, None, &mut buf).unwrap().unwrap();
        assert!(!c.was_truncated());
        File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(4096)
            .unwrap();
        let sum: u64 = c.iter().map(|&b| b as u64).sum();
        assert!(c.was_truncated());
        // The surviving page still holds the original bytes; the rest reads as zeros.
        assert_eq!(sum, 4096 * b'x' as u64);
    }
}
