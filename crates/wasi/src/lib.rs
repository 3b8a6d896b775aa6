//! Continuum's own host for WASI preview1 (`wasi_snapshot_preview1`).
//!
//! What it is for: running unmodified `wasm32-wasip1` programs with every
//! preview1 function, inside a capability sandbox, while keeping the whole
//! guest-visible state ([`WasiState`]: fd table with guest paths, offsets,
//! flags and rights; preopens by guest name; args; env; clock bases) as
//! plain serde data. The snapshot layer captures that state and rebuilds it
//! on another machine with [`WasiCtx::from_state`].
//!
//! What it must never do: let a guest reach outside its preopened
//! directories (all path resolution goes through cap-std), touch host memory
//! on behalf of a guest pointer that is out of bounds ([`GuestMemory`] checks
//! every access), hold guest state only in an OS handle, or panic on any
//! guest input. It knows nothing of engines, snapshots or nodes: it is given
//! a wasmtime [`wasmtime::Linker`] and fills in the imports.
//!
//! Behaviour where WASI and POSIX differ is documented in `docs/wasi.md`.
//!
//! ```no_run
//! # fn main() -> wasmtime::Result<()> {
//! use continuum_wasi::{WasiCtx, WasiCtxBuilder, add_to_linker};
//! let engine = wasmtime::Engine::default();
//! let mut linker = wasmtime::Linker::<WasiCtx>::new(&engine);
//! add_to_linker(&mut linker, |ctx| ctx)?;
//! let ctx = WasiCtxBuilder::new().arg("app").preopen_dir(".".as_ref(), ".", false)?.build()?;
//! let mut store = wasmtime::Store::new(&engine, ctx);
//! # Ok(()) }
//! ```

#![warn(missing_debug_implementations)]

pub mod abi;
mod carry;
mod clock;
mod ctx;
mod fd;
mod filestat;
mod io;
mod linker;
pub mod memory;
mod misc;
mod path;
mod pause;
mod poll;
pub mod state;

pub use abi::Errno;
pub use carry::CarriedFile;
pub use ctx::{StdStream, WasiCtx, WasiCtxBuilder, WasiSetupError};
pub use linker::{
    BLOCKING_FUNCTIONS, FUNCTIONS, MODULE, PauseHooks, add_to_linker, add_to_linker_with_pause,
};
pub use memory::GuestMemory;
pub use misc::GuestExit;
pub use pause::PauseSignal;
pub use state::{STATE_FORMAT_VERSION, WasiState};
