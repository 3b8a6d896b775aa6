//! The node API's request and response bodies (JSON), shared by the server
//! and the client. `docs/node-api.yaml` describes the same shapes; every
//! persisted or transmitted record carries a version.

use serde::{Deserialize, Serialize};

/// Version of the JSON bodies and of the migration offer framing.
pub const API_VERSION: u32 = 1;

/// A module stored on a node (always in its prepared, pausable form).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModuleInfo {
    /// SHA-256 of the prepared module: how apps and migrations name it.
    pub sha256: String,
    /// SHA-256 of the module as uploaded before it was prepared.
    pub source_sha256: String,
    pub bytes: u64,
}

/// A host directory given to an app under a guest name.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DirMap {
    /// Directory on the node's machine.
    pub host: String,
    /// The name the guest sees (e.g. `.` or `/data`).
    pub guest: String,
    #[serde(default)]
    pub read_only: bool,
}

/// `POST /v1/apps`.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct StartRequest {
    /// SHA-256 of a module uploaded with `PUT /v1/modules`.
    pub module: String,
    /// The app's id (letters, digits, `.`, `_`, `-`; at most 64); a fresh
    /// one is made when absent.
    #[serde(default)]
    pub id: Option<String>,
    /// Arguments after the program name.
    #[serde(default)]
    pub args: Vec<String>,
    /// `KEY=VALUE` pairs.
    #[serde(default)]
    pub env: Vec<String>,
    #[serde(default)]
    pub dirs: Vec<DirMap>,
    /// Carry the files the app changed below its writable directories when
    /// it migrates (default true).
    #[serde(default = "yes")]
    pub carry_files: bool,
    /// Cap on the app's linear memory, in bytes.
    #[serde(default)]
    pub max_memory: Option<u64>,
}

fn yes() -> bool {
    true
}

/// Where an app is in its life on one node.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum AppState {
    /// Received by a migration that is not decided yet: not running.
    Arriving,
    Running,
    /// Paused for a migration in progress (or one in doubt).
    Migrating,
    Exited,
    Failed,
    Stopped,
    /// Handed off to another node (`moved_to`), which now runs it.
    Moved,
}

impl AppState {
    /// Whether the app will never run on this node again.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            AppState::Exited | AppState::Failed | AppState::Stopped | AppState::Moved
        )
    }
}

/// One output stream of an app: the bytes `[base, end)` are kept on this
/// node; earlier ones are on the nodes the app ran on before.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, Default, PartialEq, Eq)]
pub struct StreamInfo {
    pub base: u64,
    pub end: u64,
}

/// What a node knows about one app.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AppInfo {
    pub id: String,
    pub state: AppState,
    pub module: String,
    pub args: Vec<String>,
    #[serde(default)]
    pub exit_code: Option<i32>,
    #[serde(default)]
    pub error: Option<String>,
    /// The node the app moved to (state `moved`).
    #[serde(default)]
    pub moved_to: Option<String>,
    /// The node the app came from, if it arrived by migration.
    #[serde(default)]
    pub came_from: Option<String>,
    pub stdout: StreamInfo,
    pub stderr: StreamInfo,
    pub started_unix_ms: u64,
}

/// `POST /v1/apps/{id}/migrate`.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct MigrateRequest {
    /// Base URL of the target node, e.g. `http://10.0.0.2:7070`.
    pub to: String,
    /// Host directories on the target for the app's preopens; those not
    /// given get a fresh directory in the target's state directory.
    #[serde(default)]
    pub dirs: Vec<DirMap>,
    /// Pre-copy memory while the app runs (when the build supports it).
    #[serde(default = "yes")]
    pub precopy: bool,
}

/// How a migration ended, with its timings.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MigrateReport {
    pub migration: String,
    pub app: String,
    pub from: String,
    pub to: String,
    /// `moved`: the target runs the app. `aborted`: it goes on at the
    /// source. `committed_unacknowledged`: the target will run it once it
    /// is reachable again (the source keeps retrying).
    pub outcome: MigrateOutcome,
    /// Why the migration was aborted.
    #[serde(default)]
    pub error: Option<String>,
    /// From the guest pausing at the source to the target confirming that
    /// it runs it.
    pub downtime_ms: f64,
    /// From the request to the end.
    pub total_ms: f64,
    pub precopy_rounds: u32,
    pub precopy_bytes: u64,
    /// Size of the final snapshot sent while paused.
    pub snapshot_bytes: u64,
    /// Time spent on each step while paused.
    pub steps_ms: Vec<(String, f64)>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum MigrateOutcome {
    Moved,
    Aborted,
    CommittedUnacknowledged,
}

/// What the source sends with the snapshot (`POST /v1/migrations/{id}/prepare`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MigrationOffer {
    pub version: u32,
    pub migration: String,
    pub app: String,
    /// Base URL of the source node, which decides the migration.
    pub source: String,
    pub module: String,
    pub args: Vec<String>,
    /// Offsets where the app's output continues.
    pub stdout_offset: u64,
    pub stderr_offset: u64,
    /// The body ends with the app's output so far: this many bytes of
    /// stdout (ending at `stdout_offset`), then of stderr, so that every
    /// node holds the whole stream and a follower never has to go back.
    /// Pre-copy rounds sent before this offer: the snapshot is a delta
    /// over them.
    #[serde(default)]
    pub precopy_rounds: u32,
    #[serde(default)]
    pub stdout_history: u64,
    #[serde(default)]
    pub stderr_history: u64,
    pub dirs: Vec<DirMap>,
    pub carry_files: bool,
    pub max_memory: Option<u64>,
    pub started_unix_ms: u64,
}

/// A node's answer on one migration (`GET /v1/migrations/{id}` and the
/// answers of prepare, commit and abort).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MigrationStatus {
    pub migration: String,
    pub app: String,
    pub role: Role,
    pub state: MigrationState,
    /// The other node.
    pub peer: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Source,
    Target,
}

/// The states of a migration (see docs/node-api.md, "Migration protocol").
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum MigrationState {
    /// Source: snapshot journaled, offer sent or being sent, no decision.
    Offered,
    /// Target: snapshot received, journaled and restored; waiting for the
    /// source's decision. Never runs the app on its own.
    Prepared,
    /// Decided: the target runs the app (source: not yet acknowledged).
    Committed,
    /// Source: the target acknowledged the commit; the source has dropped the app.
    Done,
    /// Decided: the app stays at (or goes back to) the source.
    Aborted,
}

/// `POST /v1/apps/{id}/checkpoint?store=true`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredCheckpoint {
    pub path: String,
    pub bytes: u64,
    pub sequence: u64,
}

/// One record of `GET /v1/apps/{id}/output` (one JSON object per line).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OutputRecord {
    /// Bytes of the stream starting at `offset`, base64.
    Data { offset: u64, data: String },
    /// The app ended on this node; `offset` is the stream's final length.
    End {
        offset: u64,
        state: AppState,
        exit_code: Option<i32>,
    },
    /// The app moved: the stream continues on node `to` at `offset`.
    Moved { offset: u64, to: String },
}

/// An error answer: one line naming the cause.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: String,
}
