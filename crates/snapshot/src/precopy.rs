//! Pre-copy for live migration: read a guest's memory from another thread
//! while it keeps running, round after round sending only the 4 KiB chunks
//! that changed, so that the final pause has little left to send.
//!
//! This kernel has no soft-dirty page bits and wasmtime owns the fault
//! handlers, so changes are found by content: each round hashes every chunk
//! (XXH3, on all cores) and compares with the hash of what was last sent.
//! A chunk read while the guest was writing it may be torn; its hash is the
//! hash of the torn copy, so the next round (at the latest the final one,
//! taken while the guest is paused) sends it again.

use crate::error::MigrateError;
use crate::format::{CHUNK_SIZE, MemoryImage, MemoryRun};
use crate::live::SharedRegions;
use xxhash_rust::xxh3::xxh3_64;

/// Reads a running guest's memories from another thread (see the module
/// docs and `live` for why the reads are sound). Obtained with
/// [`crate::Migratable::memory_reader`].
#[derive(Clone, Debug)]
pub struct MemoryReader {
    pub(crate) regions: SharedRegions,
}

/// What the other side already has: the hash of every chunk last sent.
#[derive(Clone, Debug, Default)]
pub struct PrecopyState {
    hashes: Vec<Vec<u64>>,
    /// Bytes sent so far, over all rounds.
    pub bytes_sent: u64,
}

fn zero_hash() -> u64 {
    xxh3_64(&[0u8; CHUNK_SIZE])
}

impl MemoryReader {
    /// One pre-copy round while the guest runs: the chunks that changed
    /// since the last round, as memory images whose runs are those chunks.
    /// `None` once the guest is gone.
    pub fn round(&self, state: &mut PrecopyState) -> Option<Vec<MemoryImage>> {
        let guard = self.regions.read().unwrap_or_else(|e| e.into_inner());
        let regions = guard.as_ref()?;
        let mut out = Vec::new();
        for (slot, region) in regions.iter().enumerate() {
            // One copy, hashed and sent as it is: were the hash taken from
            // one read and the bytes from another, a chunk that changed in
            // between and later went back to its hashed content (a stdio
            // buffer's pointers, say) would never be sent again, and the
            // target would resume on stale memory.
            let copy = region.copy();
            out.push(diff_round(region.index, &copy, slot, state));
        }
        Some(out)
    }
}

/// The changed chunks of `bytes` against `state` (updated), as an image.
pub(crate) fn diff_round(
    index: u32,
    bytes: &[u8],
    slot: usize,
    state: &mut PrecopyState,
) -> MemoryImage {
    if state.hashes.len() <= slot {
        state.hashes.resize(slot + 1, Vec::new());
    }
    let chunks = bytes.len().div_ceil(CHUNK_SIZE);
    let known = &mut state.hashes[slot];
    if known.len() < chunks {
        known.resize(chunks, zero_hash());
    }
    let fresh = hash_chunks(bytes);
    let mut runs: Vec<MemoryRun> = Vec::new();
    for (i, h) in fresh.iter().enumerate() {
        if *h == known[i] {
            continue;
        }
        known[i] = *h;
        let start = i * CHUNK_SIZE;
        let end = (start + CHUNK_SIZE).min(bytes.len());
        match runs.last_mut() {
            Some(r) if r.offset as usize + r.data.len() == start => {
                r.data.extend_from_slice(&bytes[start..end])
            }
            _ => runs.push(MemoryRun {
                offset: start as u64,
                data: bytes[start..end].to_vec(),
            }),
        }
    }
    state.bytes_sent += runs.iter().map(|r| r.data.len() as u64).sum::<u64>();
    MemoryImage {
        index,
        pages: (bytes.len() / 65536) as u64,
        runs,
    }
}

/// XXH3 of every chunk, split over the available cores.
fn hash_chunks(bytes: &[u8]) -> Vec<u64> {
    let chunks = bytes.len().div_ceil(CHUNK_SIZE);
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(8)
        .min(chunks.max(1));
    let mut out = vec![0u64; chunks];
    let per = chunks.div_ceil(threads).max(1);
    std::thread::scope(|s| {
        for (t, slot) in out.chunks_mut(per).enumerate() {
            s.spawn(move || {
                for (k, h) in slot.iter_mut().enumerate() {
                    let start = (t * per + k) * CHUNK_SIZE;
                    let end = (start + CHUNK_SIZE).min(bytes.len());
                    *h = xxh3_64(&bytes[start..end]);
                }
            });
        }
    });
    out
}

/// The target side: memory images rebuilt from pre-copy rounds, completed by
/// the final delta into a full snapshot.
#[derive(Debug, Default)]
pub struct Accumulator {
    memories: Vec<(u32, Vec<u8>)>,
}

impl Accumulator {
    /// Applies one round (or the final delta's memories).
    pub fn apply(&mut self, images: &[MemoryImage]) -> Result<(), MigrateError> {
        for image in images {
            let size = usize::try_from(image.pages.saturating_mul(65536))
                .map_err(|_| MigrateError::Mismatch("memory too large".into()))?;
            let pos = match self.memories.iter().position(|(i, _)| *i == image.index) {
                Some(p) => p,
                None => {
                    self.memories.push((image.index, Vec::new()));
                    self.memories.len() - 1
                }
            };
            let mem = &mut self.memories[pos].1;
            if mem.len() < size {
                mem.resize(size, 0);
            }
            for r in &image.runs {
                let start = r.offset as usize;
                let end = start
                    .checked_add(r.data.len())
                    .filter(|e| *e <= mem.len())
                    .ok_or_else(|| {
                        MigrateError::Mismatch(format!(
                            "a pre-copy run of memory {} ends past its size",
                            image.index
                        ))
                    })?;
                mem[start..end].copy_from_slice(&r.data);
            }
        }
        Ok(())
    }

    /// Applies the final delta and returns the complete snapshot it stands
    /// for (restorable like any other).
    pub fn complete(mut self, mut delta: crate::Snapshot) -> Result<crate::Snapshot, MigrateError> {
        self.apply(&delta.body.memories)?;
        let mut full = Vec::new();
        for image in &delta.body.memories {
            let (_, bytes) = self
                .memories
                .iter()
                .find(|(i, _)| *i == image.index)
                .expect("applied above");
            let size = (image.pages * 65536) as usize;
            full.push(MemoryImage::capture(
                image.index,
                &bytes[..size.min(bytes.len())],
                65536,
            ));
        }
        delta.body.memories = full;
        delta.header.delta = false;
        for (summary, image) in delta.header.memories.iter_mut().zip(&delta.body.memories) {
            summary.stored_bytes = image.stored_bytes();
        }
        Ok(delta)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_send_only_what_changed_and_the_accumulator_rebuilds_memory() {
        let mut mem = vec![0u8; 4 * 65536];
        mem[100] = 1;
        mem[65536 * 2 + 5] = 2;
        let mut state = PrecopyState::default();
        let mut acc = Accumulator::default();
        let first = diff_round(0, &mem, 0, &mut state);
        assert_eq!(first.runs.len(), 2, "two non-zero chunks");
        acc.apply(&[first]).unwrap();
        let again = diff_round(0, &mem, 0, &mut state);
        assert!(again.runs.is_empty(), "nothing changed");
        // A chunk going back to zero must be sent too.
        mem[100] = 0;
        mem[9000] = 7;
        let second = diff_round(0, &mem, 0, &mut state);
        assert_eq!(second.runs.len(), 2);
        acc.apply(&[second]).unwrap();
        assert_eq!(acc.memories[0].1, mem);
    }
}
