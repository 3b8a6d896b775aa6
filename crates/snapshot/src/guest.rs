//! What a store holds for a migratable guest, and the host side of the
//! pause protocol that runs inside the guest's calls: the poll import, the
//! WASI pause hooks, the control byte and the memory limiter.
//!
//! The control byte (byte 0 of the control memory, see [`crate::layout`])
//! is a set of request bits the guest tests at every poll point; any bit set
//! makes the next poll point call `continuum.poll`:
//! - [`CTL_PAUSE`]: unwind now (set by [`PauseHandle::request`], any thread);
//! - [`CTL_PUBLISH`]: publish the memories' lengths for pre-copy readers (set
//!   by the limiter when a memory grew, so the new length is published after
//!   bounded guest work, once the growth has completed).

use crate::layout::*;
use crate::live::{SharedRegions, publish};
use continuum_wasi::{PauseHooks, PauseSignal, WasiCtx};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use wasmtime::{Caller, Instance, Linker, Memory, ResourceLimiter, Store, StoreLimits, TypedFunc};

/// Control-byte bit: pause at the next poll point.
pub(crate) const CTL_PAUSE: u8 = 1;
/// Control-byte bit: publish memory lengths at the next poll point.
pub(crate) const CTL_PUBLISH: u8 = 2;

/// What a store holds for a migratable guest.
pub struct Guest {
    pub wasi: WasiCtx,
    /// Memory and table limits; growth is checked against them (see the
    /// [`ResourceLimiter`] impl, which also tells pre-copy readers).
    pub limits: StoreLimits,
    pub(crate) asyncify: Option<Asyncify>,
    pub(crate) live: Option<Live>,
}

/// Set once the instance exists: what the poll import and the limiter need.
#[derive(Debug)]
pub(crate) struct Live {
    pub(crate) ctl: SharedCtl,
    pub(crate) memories: Vec<(u32, Memory)>,
    pub(crate) regions: SharedRegions,
}

impl Guest {
    pub fn new(wasi: WasiCtx, limits: StoreLimits) -> Self {
        Guest {
            wasi,
            limits,
            asyncify: None,
            live: None,
        }
    }
}

impl std::fmt::Debug for Guest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guest")
            .field("wasi", &self.wasi)
            .finish_non_exhaustive()
    }
}

impl ResourceLimiter for Guest {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let allowed = self.limits.memory_growing(current, desired, maximum)?;
        if allowed && let Some(live) = &self.live {
            // The growth happens after this returns: ask the guest to publish
            // the new length at its next poll point, when it is accessible.
            live.ctl.set(CTL_PUBLISH);
        }
        Ok(allowed)
    }

    fn memory_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.limits.memory_grow_failed(error)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.limits.table_growing(current, desired, maximum)
    }

    fn table_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.limits.table_grow_failed(error)
    }

    fn instances(&self) -> usize {
        self.limits.instances()
    }

    fn tables(&self) -> usize {
        self.limits.tables()
    }

    fn memories(&self) -> usize {
        self.limits.memories()
    }
}

/// Asyncify's exports in one instance.
#[derive(Clone)]
pub(crate) struct Asyncify {
    pub(crate) start_unwind: TypedFunc<i32, ()>,
    pub(crate) stop_unwind: TypedFunc<(), ()>,
    pub(crate) start_rewind: TypedFunc<i32, ()>,
    pub(crate) stop_rewind: TypedFunc<(), ()>,
    pub(crate) get_state: TypedFunc<(), i32>,
    pub(crate) memory: Memory,
}

impl Asyncify {
    pub(crate) fn find(
        store: &mut Store<Guest>,
        instance: &Instance,
    ) -> Result<Asyncify, crate::MigrateError> {
        fn func<P: wasmtime::WasmParams, R: wasmtime::WasmResults>(
            store: &mut Store<Guest>,
            instance: &Instance,
            name: &str,
        ) -> Result<TypedFunc<P, R>, crate::MigrateError> {
            instance
                .get_typed_func::<P, R>(&mut *store, name)
                .map_err(|_| crate::MigrateError::NotPrepared(name.into()))
        }
        Ok(Asyncify {
            start_unwind: func(store, instance, "asyncify_start_unwind")?,
            stop_unwind: func(store, instance, "asyncify_stop_unwind")?,
            start_rewind: func(store, instance, "asyncify_start_rewind")?,
            stop_rewind: func(store, instance, "asyncify_stop_rewind")?,
            get_state: func(store, instance, "asyncify_get_state")?,
            memory: instance
                .get_memory(&mut *store, ASYNCIFY_MEMORY_EXPORT)
                .ok_or_else(|| crate::MigrateError::NotPrepared(ASYNCIFY_MEMORY_EXPORT.into()))?,
        })
    }
}

fn asyncify_of(caller: &mut Caller<'_, Guest>) -> wasmtime::Result<Asyncify> {
    caller
        .data()
        .asyncify
        .clone()
        .ok_or_else(|| wasmtime::Error::msg("poll point reached before the guest was set up"))
}

/// Ends a rewind when the guest has walked back into the call it paused in.
fn end_rewind(caller: &mut Caller<'_, Guest>) -> wasmtime::Result<()> {
    let a = asyncify_of(caller)?;
    if a.get_state.call(&mut *caller, ())? == ASYNCIFY_REWINDING {
        a.stop_rewind.call(&mut *caller, ())?;
    }
    Ok(())
}

/// Starts unwinding the guest into Asyncify's memory.
fn begin_unwind(caller: &mut Caller<'_, Guest>) -> wasmtime::Result<()> {
    let a = asyncify_of(caller)?;
    let size = a.memory.data_size(&*caller);
    let end = u32::try_from(size).unwrap_or(u32::MAX);
    let header = ASYNCIFY_DATA_PTR as usize;
    let data = a.memory.data_mut(&mut *caller);
    data[header..header + 4].copy_from_slice(&(ASYNCIFY_DATA_PTR + 8).to_le_bytes());
    data[header + 4..header + 8].copy_from_slice(&end.to_le_bytes());
    a.start_unwind
        .call(&mut *caller, ASYNCIFY_DATA_PTR as i32)?;
    Ok(())
}

/// Publishes the memories' lengths for pre-copy readers.
fn publish_lengths(caller: &mut Caller<'_, Guest>) -> wasmtime::Result<()> {
    if let Some(live) = &caller.data().live {
        live.ctl.clear(CTL_PUBLISH);
        publish(&*caller, &live.memories, &live.regions)?;
    }
    Ok(())
}

/// `continuum.poll`: reached at a poll point when a control bit is set, and
/// again when a rewind walks back into it.
fn poll(caller: &mut Caller<'_, Guest>) -> wasmtime::Result<()> {
    let a = asyncify_of(caller)?;
    match a.get_state.call(&mut *caller, ())? {
        ASYNCIFY_REWINDING => a.stop_rewind.call(&mut *caller, ()),
        _ if caller.data().wasi.pause_signal().raised() => begin_unwind(caller),
        _ => publish_lengths(caller),
    }
}

/// Adds WASI (with pause hooks) and the poll import to `linker`.
pub fn add_to_linker(linker: &mut Linker<Guest>) -> wasmtime::Result<()> {
    continuum_wasi::add_to_linker_with_pause(
        linker,
        |g: &mut Guest| &mut g.wasi,
        Some(PauseHooks {
            enter: end_rewind,
            pause: begin_unwind,
        }),
    )?;
    linker.func_wrap(POLL_MODULE, POLL_NAME, |mut caller: Caller<'_, Guest>| {
        poll(&mut caller)
    })?;
    Ok(())
}

/// The control byte of a live store, shared with [`PauseHandle`]s; `None`
/// once the store is gone.
#[derive(Clone, Debug)]
pub(crate) struct SharedCtl(Arc<Mutex<Option<CtlByte>>>);

/// Address of the control byte inside the store's control memory.
#[derive(Debug)]
struct CtlByte(*mut u8);
// SAFETY: the pointer is only accessed through `AtomicU8`, and only while
// the store that owns the memory is alive (the owner clears it on drop,
// under the same lock).
unsafe impl Send for CtlByte {}

impl SharedCtl {
    pub(crate) fn new(ptr: *mut u8) -> SharedCtl {
        SharedCtl(Arc::new(Mutex::new(Some(CtlByte(ptr)))))
    }

    fn with(&self, f: impl FnOnce(&AtomicU8)) {
        if let Some(CtlByte(p)) = &*self.0.lock().unwrap_or_else(|e| e.into_inner()) {
            // SAFETY: see `CtlByte`; a one-page, never-growing memory of a
            // live store, accessed atomically here (the guest reads it with
            // a plain load, which is its own code, not a Rust reference).
            f(unsafe { AtomicU8::from_ptr(*p) })
        }
    }

    pub(crate) fn set(&self, bit: u8) {
        self.with(|b| {
            b.fetch_or(bit, Ordering::SeqCst);
        })
    }

    pub(crate) fn clear(&self, bit: u8) {
        self.with(|b| {
            b.fetch_and(!bit, Ordering::SeqCst);
        })
    }

    /// Forgets the byte: its store is being dropped.
    pub(crate) fn detach(&self) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

/// Asks a running guest to pause, from any thread. Cloneable; harmless
/// after the guest is gone.
#[derive(Clone, Debug)]
pub struct PauseHandle {
    pub(crate) signal: PauseSignal,
    pub(crate) ctl: SharedCtl,
}

impl PauseHandle {
    /// Requests a pause: the guest stops at its next poll point, or at once
    /// if it waits in a blocking WASI call.
    pub fn request(&self) {
        self.ctl.set(CTL_PAUSE);
        self.signal.raise();
    }
}
