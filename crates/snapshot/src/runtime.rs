//! Running a prepared module so that it can be paused, captured into a
//! [`Snapshot`], resumed in place, or restored from a snapshot in a fresh
//! instance (on any machine, architecture and engine).
//!
//! The protocol with the guest (Asyncify's): a pause request raises the
//! control byte and the WASI pause signal; at its next poll point (or at
//! once, if it waits in a blocking WASI call) the guest calls into the host,
//! which calls `asyncify_start_unwind`; every frame saves its locals into
//! Asyncify's memory and returns, so `_start` returns to [`Migratable::run`]
//! with the state "unwinding". To continue, `asyncify_start_rewind` and a new
//! call of `_start` walk back down into the same call; the host call that
//! sees the state "rewinding" ends it and the guest goes on.

use crate::error::{MigrateError, SnapshotError};
use crate::format::{
    Body, FileImage, GlobalValue, Header, MemoryImage, MemorySummary, Snapshot, Value,
};
use crate::guest::{Asyncify, CTL_PAUSE, Guest, Live, PauseHandle, SharedCtl};
use crate::layout::*;
use crate::live::{SharedRegions, publish, share};
use crate::precopy::{MemoryReader, PrecopyState, diff_round};
use crate::prepare::{PreparedInfo, prepared_info, sha256_hex};
use continuum_wasi::{GuestExit, WasiCtx};
use wasmtime::{Engine, Instance, Linker, Memory, Module, Store, TypedFunc, Val};

/// How [`Migratable::run`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The guest finished with this exit status.
    Exited(i32),
    /// The guest is paused: capture it, resume it, or drop it.
    Paused,
}

/// A prepared module's instance that can be paused and captured.
pub struct Migratable {
    store: Store<Guest>,
    start: TypedFunc<(), ()>,
    asyncify: Asyncify,
    instance: Instance,
    info: PreparedInfo,
    prepared_sha256: String,
    ctl: SharedCtl,
    /// The original memories, by index (also in the guest's [`Live`]).
    memories: Vec<(u32, Memory)>,
    paused: bool,
    sequence: u64,
    run_started: std::time::SystemTime,
    carry_files: bool,
    regions: SharedRegions,
    /// Per memory: whether the data segments were cleared for a restore.
    cleared: Vec<bool>,
}

impl std::fmt::Debug for Migratable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Migratable")
            .field("paused", &self.paused)
            .field("sequence", &self.sequence)
            .finish_non_exhaustive()
    }
}

impl Drop for Migratable {
    fn drop(&mut self) {
        self.ctl.detach();
        // Waits for a pre-copy round in progress to finish reading.
        *self.regions.write().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

impl Migratable {
    /// Instantiates the prepared module `module` (compiled from `bytes`) for a
    /// fresh run. Call [`Migratable::run`] to start it.
    pub fn new(
        bytes: &[u8],
        module: &Module,
        linker: &Linker<Guest>,
        guest: Guest,
    ) -> Result<Migratable, MigrateError> {
        let info = prepared_info(bytes)
            .ok_or_else(|| MigrateError::NotPrepared(PREPARED_SECTION.into()))?;
        let mut store = Store::new(module.engine(), guest);
        store.limiter(|g| g);
        let instance = linker.instantiate(&mut store, module)?;
        let start = instance
            .get_typed_func::<(), ()>(&mut store, "_start")
            .map_err(|_| MigrateError::NoStart)?;
        let asyncify = Asyncify::find(&mut store, &instance)?;
        store.data_mut().asyncify = Some(asyncify.clone());
        let ctl_mem = instance
            .get_memory(&mut store, CTL_EXPORT)
            .ok_or_else(|| MigrateError::NotPrepared(CTL_EXPORT.into()))?;
        let ctl = SharedCtl::new(ctl_mem.data_ptr(&store));
        let mut memories = Vec::new();
        for index in 0..info.memories {
            let mem = instance
                .get_memory(&mut store, &memory_export(index))
                .ok_or_else(|| MigrateError::NotPrepared(memory_export(index)))?;
            memories.push((index, mem));
        }
        let regions = share(&store, &memories);
        store.data_mut().live = Some(Live {
            ctl: ctl.clone(),
            memories: memories.clone(),
            regions: regions.clone(),
        });
        Ok(Migratable {
            store,
            start,
            asyncify,
            instance,
            info,
            prepared_sha256: sha256_hex(bytes),
            ctl,
            memories,
            paused: false,
            sequence: 0,
            run_started: std::time::SystemTime::now(),
            carry_files: false,
            regions,
            cleared: Vec::new(),
        })
    }

    /// A handle that pauses this guest from any thread.
    pub fn pause_handle(&self) -> PauseHandle {
        PauseHandle {
            signal: self.store.data().wasi.pause_signal(),
            ctl: self.ctl.clone(),
        }
    }

    /// Whether snapshots carry the files the guest changed below its
    /// writable preopens since the run began.
    pub fn carry_files(&mut self, on: bool) {
        self.carry_files = on;
    }

    /// Runs (or continues) the guest until it exits or pauses. A trap is an
    /// error (the guest's own exit is [`Outcome::Exited`]).
    pub fn run(&mut self) -> wasmtime::Result<Outcome> {
        let result = self.start.call(&mut self.store, ());
        publish(&self.store, &self.memories, &self.regions)?;
        if self.asyncify.get_state.call(&mut self.store, ())? == ASYNCIFY_UNWINDING {
            self.asyncify.stop_unwind.call(&mut self.store, ())?;
            self.paused = true;
            return Ok(Outcome::Paused);
        }
        match result {
            Ok(()) => Ok(Outcome::Exited(0)),
            Err(e) => match e.downcast_ref::<GuestExit>() {
                Some(GuestExit(code)) => Ok(Outcome::Exited(*code)),
                None => Err(e),
            },
        }
    }

    /// Captures the paused guest. `embed` puts the prepared module `bytes`
    /// into the snapshot so that it restores without it.
    pub fn capture(&mut self, embed: Option<&[u8]>) -> Result<Snapshot, MigrateError> {
        self.capture_with(embed, MemoryImage::capture)
    }

    /// A reader of this guest's memories for pre-copy rounds on another
    /// thread while it runs.
    pub fn memory_reader(&self) -> MemoryReader {
        MemoryReader {
            regions: self.regions.clone(),
        }
    }

    /// The final round of a live migration, while paused: a snapshot whose
    /// memories hold only the chunks changed since the rounds in `state`
    /// (see [`crate::Accumulator`]).
    pub fn capture_delta(
        &mut self,
        state: &mut PrecopyState,
        embed: Option<&[u8]>,
    ) -> Result<Snapshot, MigrateError> {
        let mut snap = self.capture_with(embed, |index, bytes, _| {
            diff_round(index, bytes, index as usize, state)
        })?;
        snap.header.delta = true;
        Ok(snap)
    }

    fn capture_with(
        &mut self,
        embed: Option<&[u8]>,
        mut image: impl FnMut(u32, &[u8], u64) -> MemoryImage,
    ) -> Result<Snapshot, MigrateError> {
        if !self.paused {
            return Err(MigrateError::NotPaused);
        }
        let mut memories = Vec::new();
        for index in 0..self.info.memories {
            let mem = self.memory(index)?;
            let page = mem.page_size(&self.store);
            memories.push(image(index, mem.data(&self.store), page));
        }
        let mut globals = Vec::new();
        for index in &self.info.mutable_globals {
            let g = self
                .instance
                .get_global(&mut self.store, &global_export(*index))
                .ok_or_else(|| MigrateError::NotPrepared(global_export(*index)))?;
            let value = match g.get(&mut self.store) {
                Val::I32(v) => Value::I32(v),
                Val::I64(v) => Value::I64(v),
                Val::F32(v) => Value::F32(v),
                Val::F64(v) => Value::F64(v),
                Val::V128(v) => Value::V128(v.as_u128()),
                other => {
                    return Err(MigrateError::Mismatch(format!(
                        "global {index} holds a {:?}, which a snapshot cannot carry",
                        other.ty(&self.store)
                    )));
                }
            };
            globals.push(GlobalValue {
                index: *index,
                value,
            });
        }
        let stack_mem = self.asyncify.memory.data(&self.store);
        let at = ASYNCIFY_DATA_PTR as usize;
        let used = u32::from_le_bytes(stack_mem[at..at + 4].try_into().expect("4 bytes")) as usize;
        let stack = stack_mem[..used.min(stack_mem.len())].to_vec();
        let files: Vec<FileImage> = if self.carry_files {
            // Whole seconds: file systems keep coarse modification times.
            let since = self.run_started - std::time::Duration::from_secs(1);
            self.store
                .data()
                .wasi
                .changed_files(since)
                .map_err(MigrateError::Files)?
                .into_iter()
                .map(|f| FileImage {
                    preopen: f.preopen,
                    path: f.path,
                    contents: f.contents,
                })
                .collect()
        } else {
            Vec::new()
        };
        self.sequence += 1;
        let wasi = self.store.data().wasi.capture_state();
        let header = Header {
            format_version: crate::format::SNAPSHOT_FORMAT_VERSION,
            prepared_sha256: self.prepared_sha256.clone(),
            source_sha256: self.info.source_sha256.clone(),
            created_unix_ms: unix_ms(std::time::SystemTime::now()),
            taken_on: format!(
                "{}-{} {}",
                std::env::consts::ARCH,
                std::env::consts::OS,
                engine_name(self.store.engine())
            ),
            sequence: self.sequence,
            run_started_unix_ms: unix_ms(self.run_started),
            module_embedded: embed.is_some(),
            delta: false,
            memories: memories
                .iter()
                .map(|m| MemorySummary {
                    index: m.index,
                    pages: m.pages,
                    stored_bytes: m.stored_bytes(),
                })
                .collect(),
            stack_bytes: stack.len() as u64,
            files: files.len() as u64,
            body_uncompressed: 0,
        };
        Ok(Snapshot {
            header,
            body: Body {
                module: embed.map(<[u8]>::to_vec).unwrap_or_default(),
                memories,
                globals,
                stack,
                wasi,
                files,
            },
        })
    }

    /// Lets a paused guest continue in place at the next [`Migratable::run`].
    pub fn resume(&mut self) -> Result<(), MigrateError> {
        if !self.paused {
            return Err(MigrateError::NotPaused);
        }
        self.clear_pause();
        self.asyncify
            .start_rewind
            .call(&mut self.store, ASYNCIFY_DATA_PTR as i32)?;
        self.paused = false;
        Ok(())
    }

    fn clear_pause(&mut self) {
        self.ctl.clear(CTL_PAUSE);
        self.store.data_mut().wasi.clear_pause();
    }

    fn memory(&mut self, index: u32) -> Result<Memory, MigrateError> {
        self.instance
            .get_memory(&mut self.store, &memory_export(index))
            .ok_or_else(|| MigrateError::NotPrepared(memory_export(index)))
    }

    /// Rebuilds a guest from `snapshot` in a fresh instance of its prepared
    /// module (`bytes`, compiled as `module`). `guest` must hold the WASI
    /// context rebuilt from the snapshot's state. [`Migratable::run`]
    /// continues the guest where it paused.
    pub fn restore(
        bytes: &[u8],
        module: &Module,
        linker: &Linker<Guest>,
        guest: Guest,
        snapshot: &Snapshot,
    ) -> Result<Migratable, MigrateError> {
        if snapshot.header.delta {
            return Err(MigrateError::Mismatch(
                "this is a pre-copy delta, not a whole snapshot".into(),
            ));
        }
        check_module(bytes, snapshot)?;
        let mut m = Migratable::new(bytes, module, linker, guest)?;
        m.finish(snapshot, None)?;
        Ok(m)
    }

    /// The target side of a live migration: a fresh instance of the prepared
    /// module that receives pre-copy rounds ([`Migratable::apply_round`])
    /// while the guest still runs at the source, and becomes the guest with
    /// [`Migratable::finish_incoming`]. `guest`'s WASI context is replaced
    /// then, so any will do.
    pub fn incoming(
        bytes: &[u8],
        module: &Module,
        linker: &Linker<Guest>,
        guest: Guest,
    ) -> Result<Migratable, MigrateError> {
        Migratable::new(bytes, module, linker, guest)
    }

    /// Writes one pre-copy round into the incoming instance's memories.
    pub fn apply_round(&mut self, images: &[MemoryImage]) -> Result<(), MigrateError> {
        for image in images {
            self.write_memory(image, false)?;
        }
        Ok(())
    }

    /// Completes an incoming migration with the final delta (or a whole
    /// snapshot) and the WASI context rebuilt from its state; the next
    /// [`Migratable::run`] continues the guest.
    pub fn finish_incoming(&mut self, last: &Snapshot, wasi: WasiCtx) -> Result<(), MigrateError> {
        check_module_hash(&self.prepared_sha256, last)?;
        self.finish(last, Some(wasi))
    }

    fn finish(&mut self, snapshot: &Snapshot, wasi: Option<WasiCtx>) -> Result<(), MigrateError> {
        if let Some(wasi) = wasi {
            self.store.data_mut().wasi = wasi;
        }
        self.sequence = snapshot.header.sequence;
        self.run_started = std::time::UNIX_EPOCH
            + std::time::Duration::from_millis(snapshot.header.run_started_unix_ms);
        let body = &snapshot.body;
        for f in &body.files {
            self.store
                .data()
                .wasi
                .put_file(&continuum_wasi::CarriedFile {
                    preopen: f.preopen.clone(),
                    path: f.path.clone(),
                    contents: f.contents.clone(),
                })
                .map_err(MigrateError::Files)?;
        }
        if body.memories.len() != self.info.memories as usize {
            return Err(MigrateError::Mismatch(format!(
                "{} memories in the snapshot, {} in the module",
                body.memories.len(),
                self.info.memories
            )));
        }
        for image in &body.memories {
            self.write_memory(image, true)?;
        }
        for g in &body.globals {
            let global = self
                .instance
                .get_global(&mut self.store, &global_export(g.index))
                .ok_or_else(|| {
                    MigrateError::Mismatch(format!("the module has no mutable global {}", g.index))
                })?;
            let v = match g.value {
                Value::I32(v) => Val::I32(v),
                Value::I64(v) => Val::I64(v),
                Value::F32(v) => Val::F32(v),
                Value::F64(v) => Val::F64(v),
                Value::V128(v) => Val::V128(v.into()),
            };
            global
                .set(&mut self.store, v)
                .map_err(|e| MigrateError::Mismatch(format!("global {}: {e}", g.index)))?;
        }
        let stack_mem = self.asyncify.memory.data_mut(&mut self.store);
        if body.stack.len() < 8 || body.stack.len() > stack_mem.len() {
            return Err(MigrateError::Mismatch(format!(
                "an unwound stack of {} bytes does not fit Asyncify's memory",
                body.stack.len()
            )));
        }
        stack_mem[..body.stack.len()].copy_from_slice(&body.stack);
        publish(&self.store, &self.memories, &self.regions)?;
        self.paused = true;
        self.resume()
    }

    /// Writes `image` into its memory, growing it as needed. The first write
    /// to a memory clears what the fresh instance's data segments put there
    /// (whatever a snapshot does not store must read as zero). `exact`: the
    /// memory must end up with exactly `image.pages`.
    fn write_memory(&mut self, image: &MemoryImage, exact: bool) -> Result<(), MigrateError> {
        let mem = self.memory(image.index)?;
        let current = mem.size(&self.store);
        if exact && current > image.pages {
            return Err(MigrateError::Mismatch(format!(
                "memory {} has {current} pages, more than the {} in the snapshot",
                image.index, image.pages
            )));
        }
        let slot = image.index as usize;
        if self.cleared.len() <= slot {
            self.cleared.resize(slot + 1, false);
        }
        if !self.cleared[slot] {
            let data = mem.data_mut(&mut self.store);
            for chunk in data.chunks_mut(crate::format::CHUNK_SIZE) {
                if chunk.iter().any(|b| *b != 0) {
                    chunk.fill(0);
                }
            }
            self.cleared[slot] = true;
        }
        if image.pages > current {
            mem.grow(&mut self.store, image.pages - current)
                .map_err(|e| {
                    MigrateError::Mismatch(format!(
                        "memory {} cannot grow to {} pages here: {e}",
                        image.index, image.pages
                    ))
                })?;
        }
        let data = mem.data_mut(&mut self.store);
        for run in &image.runs {
            let start = run.offset as usize;
            let dst = start
                .checked_add(run.data.len())
                .and_then(|end| data.get_mut(start..end))
                .ok_or_else(|| {
                    MigrateError::Mismatch(format!(
                        "a run of memory {} ends past its {} pages",
                        image.index, image.pages
                    ))
                })?;
            dst.copy_from_slice(&run.data);
        }
        Ok(())
    }
}

fn check_module(bytes: &[u8], snapshot: &Snapshot) -> Result<(), MigrateError> {
    check_module_hash(&sha256_hex(bytes), snapshot)
}

fn check_module_hash(found: &str, snapshot: &Snapshot) -> Result<(), MigrateError> {
    if found != snapshot.header.prepared_sha256 {
        return Err(SnapshotError::WrongModule {
            expected: snapshot.header.prepared_sha256.clone(),
            found: found.to_string(),
        }
        .into());
    }
    Ok(())
}

fn unix_ms(t: std::time::SystemTime) -> u64 {
    t.duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// A short name of the engine's code generator, for snapshot headers.
pub fn engine_name(engine: &Engine) -> &'static str {
    if engine.is_pulley() {
        "pulley"
    } else {
        "cranelift"
    }
}
