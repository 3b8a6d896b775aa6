//! Names and addresses shared by the preparation pass and the runtime: the
//! contract between a prepared module and the host that pauses it.
//!
//! A prepared module:
//! - imports `continuum.poll: [] -> []`, called at poll points when the
//!   control byte is set;
//! - defines a one-page control memory, exported as [`CTL_EXPORT`], whose
//!   byte 0 is the pause request (written by the host from any thread);
//! - exports every original memory as `continuum:memory:<index>` and every
//!   mutable global as `continuum:global:<index>` so that a snapshot can read
//!   and write them;
//! - exports Binaryen's Asyncify functions and its secondary memory (as
//!   [`ASYNCIFY_MEMORY_EXPORT`]), where the unwound stack is kept;
//! - carries a [`PREPARED_SECTION`] custom section describing the above.

/// Module of the poll import.
pub const POLL_MODULE: &str = "continuum";
/// Name of the poll import.
pub const POLL_NAME: &str = "poll";
/// Export name of the control memory.
pub const CTL_EXPORT: &str = "continuum:ctl";
/// Export name of Asyncify's secondary memory.
pub const ASYNCIFY_MEMORY_EXPORT: &str = "continuum:asyncify";
/// Custom section marking a prepared module (JSON, see [`crate::PreparedInfo`]).
pub const PREPARED_SECTION: &str = "continuum:prepared";
/// Pages of Asyncify's secondary memory: the deepest stack that can be
/// unwound. Untouched pages cost address space only.
pub const ASYNCIFY_MEMORY_PAGES: u32 = 256;
/// Where Asyncify's data header (`[current, end]`) lives in its memory.
pub const ASYNCIFY_DATA_PTR: u32 = 0;

/// Asyncify's states as `asyncify_get_state` reports them.
pub const ASYNCIFY_NORMAL: i32 = 0;
pub const ASYNCIFY_UNWINDING: i32 = 1;
pub const ASYNCIFY_REWINDING: i32 = 2;

/// Export name of original memory `index`.
pub fn memory_export(index: u32) -> String {
    format!("continuum:memory:{index}")
}

/// Export name of global `index`.
pub fn global_export(index: u32) -> String {
    format!("continuum:global:{index}")
}

/// The imports Asyncify may unwind from: the poll point and the WASI calls
/// that wait.
pub fn unwinding_imports() -> Vec<String> {
    let mut v = vec![format!("{POLL_MODULE}.{POLL_NAME}")];
    v.extend(
        continuum_wasi::BLOCKING_FUNCTIONS
            .iter()
            .map(|f| format!("{}.{f}", continuum_wasi::MODULE)),
    );
    v
}
