//! What a node keeps in its state directory: versioned on-disk records,
//! separate from the API's wire types (`crate::api`). docs/node-state.md
//! describes each file.

use crate::api::Role;
use crate::protocol::source::SourceState;
use crate::protocol::target::TargetState;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Version of `app.json`, the migration journal and `peers.json`. Version
/// 1 (before authentication) is refused with a message, never misread.
pub const RECORD_VERSION: u32 = 2;

/// A directory an app sees, resolved to a host path.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Mount {
    pub host: PathBuf,
    pub guest: String,
    pub read_only: bool,
    /// A private directory in the state directory (not one of the
    /// operator's allowed directories).
    pub private: bool,
}

/// How an app's life on this node stands, as persisted. The runtime view
/// (with the handles of a running app) is `crate::registry::Phase`; this
/// is its projection on disk.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum StoredLife {
    /// Held by a prepared migration to this node.
    Arriving {
        migration: String,
    },
    /// Running here; after a restart it is rebuilt from `from` if it has one.
    Running {
        from: Option<Resume>,
    },
    /// Paused for an outgoing migration.
    Migrating {
        migration: String,
    },
    /// Checkpointed by a shutdown into `apps/ID/suspend.snap`.
    Suspended,
    Exited {
        code: i32,
    },
    Failed {
        error: String,
    },
    Stopped {
        reason: String,
    },
    Moved {
        to: String,
    },
}

/// Where a restarted node finds the snapshot to rebuild a running app from.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Resume {
    /// The snapshot a migration brought (`migrations/MID.snap`).
    Migration { id: String },
}

/// `apps/ID/app.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AppRecord {
    pub version: u32,
    pub id: String,
    /// SHA-256 of the prepared module.
    pub module: String,
    pub args: Vec<String>,
    pub env: Vec<String>,
    pub mounts: Vec<Mount>,
    pub carry_files: bool,
    pub max_memory: u64,
    pub time_limit_ms: Option<u64>,
    /// Wall-clock run time before the current run here began.
    pub time_used_ms: u64,
    pub started_unix_ms: u64,
    /// URL of the node it came from.
    pub came_from: Option<String>,
    /// Where each stream stood when the app started or arrived here.
    pub stdout_arrived: u64,
    pub stderr_arrived: u64,
    pub life: StoredLife,
}

/// The protocol state of a journaled migration.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "role", content = "state", rename_all = "snake_case")]
pub enum JournalState {
    Source(SourceState),
    Target(TargetState),
}

impl JournalState {
    pub fn role(self) -> Role {
        match self {
            JournalState::Source(_) => Role::Source,
            JournalState::Target(_) => Role::Target,
        }
    }
}

/// What an offer said, as the journal keeps it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OfferRecord {
    pub module: String,
    pub args: Vec<String>,
    pub stdout_offset: u64,
    pub stderr_offset: u64,
    pub precopy_rounds: u32,
    pub mounts: Vec<Mount>,
    pub carry_files: bool,
    pub max_memory: u64,
    pub time_limit_ms: Option<u64>,
    pub time_used_ms: u64,
    pub started_unix_ms: u64,
}

/// `migrations/MID.json`: one migration as one node sees it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MigrationRecord {
    pub version: u32,
    pub id: String,
    pub app: String,
    pub state: JournalState,
    /// The other node's peer name.
    pub peer: String,
    /// Target: what the source offered. Source: what it sent.
    pub offer: Option<OfferRecord>,
    pub created_unix_ms: u64,
}

/// One introduced peer in `peers.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PeerRecord {
    pub name: String,
    pub url: String,
    pub secret: String,
}

/// `peers.json` (mode 0600: it holds the shared secrets).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PeersFile {
    pub version: u32,
    pub peers: Vec<PeerRecord>,
}

/// `apps/ID/STREAM.offsets`: where a rotated output log stands.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct LogOffsets {
    pub version: u32,
    /// First byte kept here (in `STREAM.1.log` or `STREAM.log`).
    pub base: u64,
    /// First byte of `STREAM.log`.
    pub segment: u64,
}
