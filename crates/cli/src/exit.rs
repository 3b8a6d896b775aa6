//! Exit statuses of `continuum` (documented in docs/cli.md).

/// A continuum-side failure: bad module, bad flag value, unknown import.
pub const ERROR: i32 = 1;
/// `--timeout` expired (like coreutils `timeout`).
pub const TIMEOUT: i32 = 124;
/// The guest trapped (128 + SIGABRT, as wasmtime and a crashed native program).
pub const TRAP: i32 = 134;

/// Prints one error line (with its causes) and returns [`ERROR`].
pub fn report(err: &anyhow::Error) -> i32 {
    eprintln!("error: {err:#}");
    ERROR
}
