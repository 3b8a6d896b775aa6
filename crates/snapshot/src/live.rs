//! The guest memories another thread may read while the guest runs: where
//! each one starts and how much of it is accessible, as the store last
//! published it.
//!
//! Invariants that make the reads sound:
//! - a memory never moves: engines are built with `memory_may_move(false)`
//!   (continuum-engine's configuration); [`publish`] checks the base on
//!   every call and turns reading off (an error) if one ever did;
//! - a memory never shrinks, and a length is published only by the store's
//!   thread after the growth it counts has completed, so `base..base+len`
//!   stays mapped while the store lives;
//! - the regions are cleared under the write lock before the store drops,
//!   and readers hold the read lock for the whole copy;
//! - bytes are copied with relaxed atomic loads into memory the reader owns:
//!   no Rust reference is ever made over memory the guest (or a host call
//!   holding `&mut [u8]` of it) writes meanwhile. A copy may be torn; the
//!   pre-copy protocol sends the chunk again later (see `precopy`).

use crate::error::MigrateError;
use std::sync::atomic::{AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use wasmtime::{AsContext, Memory};

/// One original memory of a live guest.
#[derive(Debug)]
pub(crate) struct Region {
    pub(crate) index: u32,
    base: usize,
    /// Bytes from `base` known to be accessible.
    len: AtomicUsize,
}

/// The regions of one live guest, shared between its store and readers.
pub(crate) type SharedRegions = Arc<RwLock<Option<Vec<Region>>>>;

/// The regions of `memories` (index, handle) as they are now.
pub(crate) fn share(store: impl AsContext, memories: &[(u32, Memory)]) -> SharedRegions {
    let store = store.as_context();
    let v = memories
        .iter()
        .map(|(index, m)| Region {
            index: *index,
            base: m.data_ptr(&store) as usize,
            len: AtomicUsize::new(m.data_size(&store)),
        })
        .collect();
    Arc::new(RwLock::new(Some(v)))
}

/// Publishes the current accessible length of every memory (store thread
/// only). Fails, and stops all reading, if a memory moved.
pub(crate) fn publish(
    store: impl AsContext,
    memories: &[(u32, Memory)],
    shared: &SharedRegions,
) -> Result<(), MigrateError> {
    let store = store.as_context();
    let guard = shared.read().unwrap_or_else(|e| e.into_inner());
    let Some(regions) = guard.as_ref() else {
        return Ok(());
    };
    for (region, (_, mem)) in regions.iter().zip(memories) {
        if mem.data_ptr(&store) as usize != region.base {
            let index = region.index;
            drop(guard);
            *shared.write().unwrap_or_else(|e| e.into_inner()) = None;
            return Err(MigrateError::Mismatch(format!(
                "memory {index} moved: the engine must keep linear memories in place \
                 (memory_may_move(false))"
            )));
        }
        region.len.store(mem.data_size(&store), Ordering::Release);
    }
    Ok(())
}

impl Region {
    /// A copy of the accessible part of this memory (see the module docs).
    pub(crate) fn copy(&self) -> Vec<u8> {
        let len = self.len.load(Ordering::Acquire);
        let mut out = vec![0u8; len];
        let src = self.base as *const u8;
        let words = len / 8;
        for (i, dst) in out.chunks_exact_mut(8).enumerate() {
            // SAFETY: `base..base+len` stays mapped while the caller holds
            // the read lock (module invariants); `base` is page aligned, so
            // every word is aligned and in bounds. Only atomic loads touch
            // guest memory.
            let w = unsafe { AtomicU64::from_ptr(src.add(i * 8) as *mut u64) };
            dst.copy_from_slice(&w.load(Ordering::Relaxed).to_ne_bytes());
        }
        for (i, dst) in out.iter_mut().enumerate().skip(words * 8) {
            // SAFETY: as above, one byte at a time for a tail that is not a
            // whole word (memories of 64 KiB pages have none).
            *dst = unsafe { AtomicU8::from_ptr(src.add(i) as *mut u8) }.load(Ordering::Relaxed);
        }
        out
    }
}
