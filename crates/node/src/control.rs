//! The handle to a running app's driver thread: the commands it serves
//! while the guest is paused, and the pause request that makes it serve
//! them at the guest's next poll point.

use crate::api::{MigrateReport, MigrateRequest, StoredCheckpoint};
use crate::auth::Peer;
use crate::error::NodeError;
use continuum_snapshot::{Migratable, Requests};
use std::sync::mpsc::Sender;
use std::time::Instant;

/// What the running phase of a migration hands to the paused phase.
pub(crate) struct Job {
    pub migration: String,
    pub peer: Peer,
    /// What the pre-copy rounds sent (`None`: stop and copy).
    pub precopy: Option<continuum_snapshot::PrecopyState>,
    pub request: MigrateRequest,
    pub started: Instant,
    pub precopy_rounds: u32,
    pub precopy_bytes: u64,
}

pub(crate) enum Command {
    /// Capture a snapshot (module embedded); store it or hand it back.
    Checkpoint {
        store: bool,
        reply: Sender<Result<Checkpoint, NodeError>>,
    },
    Stop {
        reply: Sender<Result<(), NodeError>>,
    },
    /// The paused part of a migration.
    Migrate {
        job: Job,
        reply: Sender<Result<MigrateReport, NodeError>>,
    },
    /// Checkpoint into `suspend.snap` and end the run here (node shutdown).
    Suspend { reply: Sender<()> },
    /// The app's time limit passed.
    TimeUp,
}

pub(crate) enum Checkpoint {
    Bytes(Vec<u8>),
    Stored(StoredCheckpoint),
}

/// The way to an app's driver thread.
#[derive(Clone)]
pub(crate) struct Control {
    /// Commands served while the guest is paused (continuum-snapshot's
    /// driver loop).
    pub requests: Requests<Command>,
    /// Reads the guest's memory while it runs (pre-copy).
    pub reader: continuum_snapshot::MemoryReader,
}

impl std::fmt::Debug for Control {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Control").finish_non_exhaustive()
    }
}

impl Control {
    pub fn new(app: &Migratable) -> Control {
        Control {
            requests: app.requests(),
            reader: app.memory_reader(),
        }
    }

    pub fn send(&self, cmd: Command) {
        self.requests.send(cmd);
    }
}
