//! The errors of this crate: one type per job, each naming its cause.

/// Why a module could not be made pausable.
#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    #[error("not a valid WebAssembly module: {0}")]
    Invalid(String),
    #[error("the module cannot be made migratable: {0}")]
    Unsupported(String),
    #[error("rewriting the module failed: {0}")]
    Rewrite(String),
    #[error("Binaryen's Asyncify pass failed: {0}")]
    Asyncify(String),
    #[error(
        "this build of Continuum cannot prepare modules (it was built without the `prepare` feature); \
         prepare the module with `continuum prepare` on a full build and use its output"
    )]
    NotAvailable,
    #[error("I/O error while preparing: {0}")]
    Io(#[from] std::io::Error),
}

/// Why a snapshot file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("not a Continuum snapshot (bad magic bytes)")]
    NotASnapshot,
    #[error("the snapshot is truncated ({0})")]
    Truncated(&'static str),
    #[error(
        "the snapshot uses format version {found}, newer than this build understands (up to {supported}); \
         restore it with a newer Continuum"
    )]
    NewerFormat { found: u32, supported: u32 },
    #[error("the snapshot is corrupt: {0}")]
    Corrupt(String),
    #[error("the snapshot is for module {expected}, but the module given is {found}")]
    WrongModule { expected: String, found: String },
    #[error("I/O error on the snapshot: {0}")]
    Io(#[from] std::io::Error),
}

/// Why running, pausing, capturing or restoring a guest failed.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("the module is not prepared for migration (no `{0}` export); run it with --migratable")]
    NotPrepared(String),
    #[error("the module exports no `_start` function; only commands can be migrated")]
    NoStart,
    #[error("the snapshot does not fit the module: {0}")]
    Mismatch(String),
    #[error("the guest is not paused")]
    NotPaused,
    #[error("cannot carry the guest's files: {0}")]
    Files(std::io::Error),
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    #[error(transparent)]
    Prepare(#[from] PrepareError),
    #[error(transparent)]
    Wasi(#[from] continuum_wasi::WasiSetupError),
    #[error("{0:#}")]
    Wasm(wasmtime::Error),
}

impl From<wasmtime::Error> for MigrateError {
    fn from(e: wasmtime::Error) -> Self {
        MigrateError::Wasm(e)
    }
}
