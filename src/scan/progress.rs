//! How far a running scan has got: the counters every input mode already keeps (inputs and
//! bytes scanned), plus the totals a mode knows in advance (a history scan knows its blobs
//! before it reads them). A display reads them from another thread (`cmd::progress`); the
//! scan itself only adds to atomics it updates anyway, so watching costs it nothing.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

/// Shared between a scan's threads and whoever displays its progress.
#[derive(Debug, Default)]
pub struct Progress {
    pub(crate) done: AtomicU64,
    pub(crate) bytes: AtomicU64,
    total: AtomicU64,
    total_bytes: AtomicU64,
    /// What an input is called in this mode (`files`, `objects`), once known.
    unit: OnceLock<&'static str>,
}

/// One reading of the counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub done: u64,
    pub bytes: u64,
    /// `None` until the mode knows (tree walks never do: they scan as they list).
    pub total: Option<u64>,
    pub total_bytes: Option<u64>,
    pub unit: &'static str,
}

impl Progress {
    /// The mode knows how much there is: `inputs` of `unit`, `bytes` in all.
    pub(crate) fn expect(&self, inputs: u64, bytes: u64, unit: &'static str) {
        let _ = self.unit.set(unit);
        self.total_bytes.store(bytes, Ordering::Relaxed);
        self.total.store(inputs, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> Snapshot {
        let total = self.total.load(Ordering::Relaxed);
        let total_bytes = self.total_bytes.load(Ordering::Relaxed);
        Snapshot {
            done: self.done.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
            total: (total > 0).then_some(total),
            total_bytes: (total > 0).then_some(total_bytes),
            unit: self.unit.get().copied().unwrap_or("files"),
        }
    }
}
