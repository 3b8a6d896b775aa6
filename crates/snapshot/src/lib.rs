//! The snapshot layer of Continuum: checkpoint, restore and (with the node
//! layer) live migration of running WASI programs, across machines,
//! CPU architectures and engines.
//!
//! What it is for:
//! - **preparing** a module so that it can be paused within a bounded amount
//!   of guest work: poll points at loop headers and function entries, then
//!   Binaryen's Asyncify so that the Wasm call stack can be unwound into a
//!   memory and rewound ([`prepare`], [`prepare_cached`]); modules that cannot
//!   be made pausable (threads, tail calls, exceptions, reference-typed
//!   locals, table mutation) are refused with the reason;
//! - **running** a prepared module so that any thread can pause it
//!   ([`Migratable`], [`PauseHandle`]), including while it waits in
//!   `poll_oneoff`, `fd_read`, `sock_accept` or `sock_recv`;
//! - **capturing** a paused guest into an architecture-neutral [`Snapshot`]
//!   (memories, mutable globals, the unwound stack, the WASI state) and
//!   **restoring** it into a fresh instance, anywhere;
//! - **pre-copy** for live migration: reading a running guest's changed
//!   memory from another thread ([`MemoryReader`]), a final delta while
//!   paused ([`Migratable::capture_delta`]) and its completion on the target
//!   ([`Accumulator`]);
//! - the **snapshot file format** ([`format`], `docs/snapshot-format.md`):
//!   versioned, self-describing, checksummed, compressed, sparse.
//!
//! What it must never do: resume a guest from a snapshot that does not match
//! its module, panic on a corrupt or hostile snapshot, or lose a guest when
//! a capture fails (a paused guest can always [`Migratable::resume`]). It
//! knows nothing of nodes or networks: it turns running guests into bytes and
//! back.
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use continuum_snapshot::{Guest, Migratable, Outcome, add_to_linker, prepare};
//! let bytes = prepare(&std::fs::read("app.wasm")?)?;
//! let engine = wasmtime::Engine::default();
//! let module = wasmtime::Module::new(&engine, &bytes)?;
//! let mut linker = wasmtime::Linker::new(&engine);
//! add_to_linker(&mut linker)?;
//! let wasi = continuum_wasi::WasiCtxBuilder::new().arg("app").build()?;
//! let mut app = Migratable::new(&bytes, &module, &linker, Guest::new(wasi, Default::default()))?;
//! let pause = app.pause_handle();
//! std::thread::spawn(move || { std::thread::sleep(std::time::Duration::from_millis(10)); pause.request() });
//! if app.run()? == Outcome::Paused {
//!     std::fs::write("app.snap", app.capture(Some(&bytes))?.encode())?;
//!     app.resume()?;
//!     app.run()?;
//! }
//! # Ok(()) }
//! ```

#![warn(missing_debug_implementations)]

mod driver;
mod error;
pub mod format;
mod guest;
mod instrument;
pub mod layout;
mod live;
mod precopy;
mod prepare;
mod runtime;

pub use driver::{Ended, Next, Requests};
pub use error::{MigrateError, PrepareError, SnapshotError};
pub use format::{SNAPSHOT_FORMAT_VERSION, Snapshot};
pub use guest::{Guest, PauseHandle, add_to_linker};
pub use precopy::{Accumulator, MemoryReader, PrecopyState};
pub use prepare::{
    PREPARE_VERSION, PreparedInfo, prepare, prepare_cached, prepared_info, sha256_hex,
};
pub use runtime::{Migratable, Outcome, engine_name};

/// Whether this build can prepare modules (has Binaryen).
pub const CAN_PREPARE: bool = cfg!(feature = "prepare");
