//! Large blobs, streamed: a blob bigger than one scanning window is inflated as it is scanned,
//! so that a 70 MB blob costs a window of memory, not 70 MB per thread. Loose objects and
//! packed objects stored whole (git stores most large blobs that way) are inflated straight
//! from their zlib stream; a blob stored as a delta must be rebuilt whole first, so it is
//! read the ordinary way (memory: its size, once per thread that meets one).

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use flate2::read::ZlibDecoder;
use gix::odb::pack;
use gix::ObjectId;

/// A reader of blob `id`'s content, if it can be streamed (see the module docs).
pub(super) fn stream(repo: &gix::Repository, id: ObjectId) -> Option<Box<dyn Read>> {
    let objects = repo.objects.store_ref().path().to_path_buf();
    loose(&objects, id).or_else(|| packed(&objects, id, repo.object_hash()))
}

/// `objects/xx/yyyy…`: a zlib stream of `blob SIZE\0` and the content.
fn loose(objects: &Path, id: ObjectId) -> Option<Box<dyn Read>> {
    let hex = id.to_string();
    let file = File::open(objects.join(&hex[..2]).join(&hex[2..])).ok()?;
    let mut z = ZlibDecoder::new(BufReader::new(file));
    // The header: `blob <decimal size>\0`, at most a few dozen bytes.
    let mut header = Vec::with_capacity(32);
    let mut byte = [0u8];
    loop {
        z.read_exact(&mut byte).ok()?;
        if byte[0] == 0 {
            break;
        }
        header.push(byte[0]);
        if header.len() > 64 {
            return None;
        }
    }
    header
        .starts_with(b"blob ")
        .then(|| Box::new(z) as Box<dyn Read>)
}

/// A blob stored whole in one of the repository's packs.
fn packed(objects: &Path, id: ObjectId, hash: gix::hash::Kind) -> Option<Box<dyn Read>> {
    let dir = objects.join("pack");
    let mut indexes: Vec<PathBuf> = std::fs::read_dir(&dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "idx"))
        .collect();
    indexes.sort();
    for idx_path in indexes {
        let Ok(index) = pack::index::File::at(&idx_path, hash) else {
            continue;
        };
        let Some(i) = index.lookup(id) else {
            continue;
        };
        let offset = index.pack_offset_at_index(i);
        let data = pack::data::File::at(idx_path.with_extension("pack"), hash).ok()?;
        let entry = data.entry(offset).ok()?;
        if !matches!(entry.header, pack::data::entry::Header::Blob) {
            return None; // a delta: rebuilt whole by the caller
        }
        let end = data.pack_end() as u64;
        if entry.data_offset >= end {
            return None;
        }
        return Some(Box::new(PackedStream {
            data,
            at: entry.data_offset,
            end,
            inflate: flate2::Decompress::new(true),
            done: false,
        }));
    }
    None
}

/// Inflates one zlib stream from a pack's data, reading the compressed bytes from the pack as
/// needed (the pack file stays open, owned here).
struct PackedStream {
    data: pack::data::File,
    /// Next compressed byte to feed.
    at: u64,
    end: u64,
    inflate: flate2::Decompress,
    done: bool,
}

impl Read for PackedStream {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.done || out.is_empty() {
            return Ok(0);
        }
        loop {
            let chunk_end = self.end.min(self.at + (1 << 20));
            let input = self
                .data
                .entry_slice(self.at..chunk_end)
                .ok_or_else(|| std::io::Error::other("pack entry outside the pack"))?;
            let (before_in, before_out) = (self.inflate.total_in(), self.inflate.total_out());
            let status = self
                .inflate
                .decompress(input, out, flate2::FlushDecompress::None)
                .map_err(std::io::Error::other)?;
            self.at += self.inflate.total_in() - before_in;
            let produced = (self.inflate.total_out() - before_out) as usize;
            if status == flate2::Status::StreamEnd {
                self.done = true;
                return Ok(produced);
            }
            if produced > 0 {
                return Ok(produced);
            }
            if self.at >= self.end {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "pack entry cut short",
                ));
            }
        }
    }
}
