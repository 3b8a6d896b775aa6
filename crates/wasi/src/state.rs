//! The portable WASI state of one guest: plain data, serialisable with serde.
//!
//! Everything a guest can observe through WASI lives here: arguments,
//! environment, the fd table (each fd with its kind, guest path, offset,
//! flags and rights), the preopens by guest name and the clock bases. Host
//! OS handles are deliberately *not* part of it: [`crate::WasiCtx`] keeps them
//! beside this state and can reopen every file and directory from it, which
//! is what lets a snapshot rebuild the state on another machine.
//!
//! Invariant: a file or directory fd names its preopen by guest name and its
//! path relative to that preopen, exactly as resolved at open time (never a
//! host path, never a host handle number).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Version of this structure's serialised form; bumped on any change.
pub const STATE_FORMAT_VERSION: u32 = 2;

/// A guest's complete WASI state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WasiState {
    /// Command-line arguments, `args[0]` being the program name.
    pub args: Vec<String>,
    /// Environment as `KEY=VALUE` strings.
    pub env: Vec<String>,
    /// Preopened directories, in fd order.
    pub preopens: Vec<Preopen>,
    /// The fd table.
    pub fds: BTreeMap<u32, FdEntry>,
    /// Clock bases that keep guest clocks continuous across restores.
    pub clocks: ClockBases,
    /// Guest monotonic time at which a `poll_oneoff` that was paused in its
    /// wait began. When the guest makes that call again after the pause, its
    /// relative timeouts count from here, so it waits only the time left.
    #[serde(default)]
    pub paused_poll_started_ns: Option<u64>,
}

/// A preopened directory as the guest knows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preopen {
    /// The name the guest sees (`fd_prestat_dir_name`), e.g. `.` or `/data`.
    pub guest_name: String,
    /// Opened without the rights that change files.
    pub read_only: bool,
}

/// One open file descriptor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FdEntry {
    /// What the fd refers to.
    pub kind: FdKind,
    /// Rights of the fd itself.
    pub rights_base: u64,
    /// Rights that fds opened through this one may have.
    pub rights_inheriting: u64,
    /// `fdflags` (append, nonblock, sync family).
    pub fdflags: u16,
    /// Current file offset (files only). The host never relies on an OS file
    /// cursor: reads and writes are positional, so this value is the truth.
    pub offset: u64,
}

/// What an fd refers to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FdKind {
    /// The process's standard input.
    Stdin,
    /// The process's standard output.
    Stdout,
    /// The process's standard error.
    Stderr,
    /// A preopened directory: index into [`WasiState::preopens`].
    PreopenDir { preopen: usize },
    /// A directory opened below a preopen.
    Dir { preopen: usize, path: String },
    /// A file opened below a preopen.
    File {
        preopen: usize,
        path: String,
        read: bool,
        write: bool,
    },
    /// A listening TCP socket handed over with `--tcplisten`.
    TcpListener { addr: String },
    /// An accepted TCP connection (not restorable elsewhere: a peer's
    /// connection belongs to the machine that accepted it).
    TcpStream { peer: String },
}

impl FdKind {
    /// The preopen and relative path of a file-system fd.
    pub fn fs_location(&self) -> Option<(usize, &str)> {
        match self {
            FdKind::PreopenDir { preopen } => Some((*preopen, "")),
            FdKind::Dir { preopen, path } | FdKind::File { preopen, path, .. } => {
                Some((*preopen, path))
            }
            _ => None,
        }
    }
}

/// Bases of the guest's clocks.
///
/// A guest's monotonic clock reads `monotonic_base_ns` plus the host time
/// elapsed since the context was created (or restored); CPU-time clocks work
/// the same way. Capturing the current readings into these fields and
/// restoring them elsewhere keeps the clocks from ever running backwards.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockBases {
    /// Guest monotonic time at the anchor, in nanoseconds.
    pub monotonic_base_ns: u64,
    /// Guest process CPU time at the anchor, in nanoseconds.
    pub cputime_base_ns: u64,
}

/// Joins a directory's preopen-relative path and a guest path below it,
/// without resolving anything (resolution is the sandbox's job, at use time).
pub fn join_relative(dir: &str, path: &str) -> String {
    if dir.is_empty() {
        path.to_string()
    } else if path.is_empty() {
        dir.to_string()
    } else {
        format!("{dir}/{path}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_round_trips_through_serde() {
        let mut state = WasiState {
            args: vec!["app".into(), "x y".into()],
            env: vec!["A=1".into()],
            preopens: vec![Preopen {
                guest_name: ".".into(),
                read_only: false,
            }],
            ..Default::default()
        };
        state.fds.insert(
            4,
            FdEntry {
                kind: FdKind::File {
                    preopen: 0,
                    path: "a/b.txt".into(),
                    read: true,
                    write: false,
                },
                rights_base: 2,
                rights_inheriting: 0,
                fdflags: 1,
                offset: 42,
            },
        );
        let json = serde_json::to_string(&state).unwrap();
        let back: WasiState = serde_json::from_str(&json).unwrap();
        assert_eq!(back, state);
    }

    #[test]
    fn join_never_adds_separators_to_empty_parts() {
        assert_eq!(join_relative("", "a"), "a");
        assert_eq!(join_relative("d", ""), "d");
        assert_eq!(join_relative("d", "../x"), "d/../x");
    }
}
