//! The node API's request and response bodies (JSON): wire types only,
//! shared by the server and the client. `docs/node-api.yaml` describes the
//! same shapes. What a node keeps on disk is in `crate::records`, separate
//! types, so that the API and the state directory can change apart.

use serde::{Deserialize, Serialize};

/// Version of the JSON bodies and of the migration framing. Version 2:
/// authenticated peers, `begin`, offers without output history.
pub const API_VERSION: u32 = 2;

/// `GET /v1/node`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NodeInfo {
    pub version: u32,
    /// The node's name: how peers and the control plane call it.
    pub name: String,
    pub url: String,
    pub arch: String,
    pub os: String,
    pub engine: String,
    /// Whether this build prepares plain modules itself.
    pub can_prepare: bool,
    pub continuum: String,
    pub limits: LimitsInfo,
}

/// The limits a node enforces, as clients see them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LimitsInfo {
    pub max_module_bytes: u64,
    pub default_app_memory: u64,
    pub max_app_memory: u64,
    pub max_log_bytes: u64,
    pub max_app_time_ms: Option<u64>,
}

/// A module stored on a node (always in its prepared, pausable form).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModuleInfo {
    /// SHA-256 of the prepared module: how apps and migrations name it.
    pub sha256: String,
    /// SHA-256 of the module as uploaded before it was prepared.
    pub source_sha256: String,
    pub bytes: u64,
}

/// A directory given to an app under a guest name.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
pub struct DirMap {
    /// Directory on the node's machine, inside one the node's operator
    /// allowed (`--allow-dir`). Absent: a fresh private directory in the
    /// node's state directory, which travels with the app.
    #[serde(default)]
    pub host: Option<String>,
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
    /// Cap on the app's memory (linear memories and tables), in bytes
    /// [default: the node's `--default-app-memory`].
    #[serde(default)]
    pub max_memory: Option<u64>,
    /// Wall-clock time the app may run, over all nodes it runs on, in
    /// milliseconds [default: the node's `--max-app-time`, if any].
    #[serde(default)]
    pub time_limit_ms: Option<u64>,
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
    /// Checkpointed by a node shutdown; resumes when the node starts again.
    Suspended,
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

    /// The state's name on the wire (`running`, `moved`, ...).
    pub fn name(self) -> &'static str {
        match self {
            AppState::Arriving => "arriving",
            AppState::Running => "running",
            AppState::Migrating => "migrating",
            AppState::Suspended => "suspended",
            AppState::Exited => "exited",
            AppState::Failed => "failed",
            AppState::Stopped => "stopped",
            AppState::Moved => "moved",
        }
    }
}

impl std::fmt::Display for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One output stream of an app: the bytes `[base, end)` are kept on this
/// node; earlier ones are on the nodes the app ran on before (from
/// `arrived`), or were dropped by log rotation (between `arrived` and
/// `base`).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, Default, PartialEq, Eq)]
pub struct StreamInfo {
    /// Where the stream stood when the app started or arrived here.
    pub arrived: u64,
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
    pub max_memory: u64,
    #[serde(default)]
    pub time_limit_ms: Option<u64>,
}

/// `POST /v1/apps/{id}/migrate`.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct MigrateRequest {
    /// The target: the name or the URL of a peer this node was introduced
    /// to (`POST /v1/peers`); never an arbitrary address.
    pub to: String,
    /// Directories on the target for the app's preopens (each inside one
    /// the target allows); those not given get a fresh private directory.
    #[serde(default)]
    pub dirs: Vec<DirMap>,
    /// Pre-copy memory while the app runs (default true).
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

/// `POST /v1/migrations/{id}`: the source opens a migration at the target
/// before it sends anything large, so that every later size is checked
/// against the module's and the node's limits.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BeginRequest {
    pub version: u32,
    pub app: String,
    /// SHA-256 of the prepared module (already on the target).
    pub module: String,
    /// The app's memory cap.
    pub max_memory: u64,
}

/// What the source sends with the snapshot (`POST /v1/migrations/{id}/prepare`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MigrationOffer {
    pub version: u32,
    pub migration: String,
    pub app: String,
    pub module: String,
    pub args: Vec<String>,
    /// Offsets where the app's output continues. The output before them
    /// stays on the nodes that have it (followers are sent back there).
    pub stdout_offset: u64,
    pub stderr_offset: u64,
    /// Pre-copy rounds sent before this offer: the snapshot is a delta
    /// over them.
    pub precopy_rounds: u32,
    pub dirs: Vec<DirMap>,
    pub carry_files: bool,
    pub max_memory: u64,
    pub time_limit_ms: Option<u64>,
    /// Wall-clock time the app has run so far, over all nodes.
    pub time_used_ms: u64,
    pub started_unix_ms: u64,
}

/// A node's answer on one migration (`GET /v1/migrations/{id}` and the
/// answers of begin, prepare, commit and abort).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MigrationStatus {
    pub migration: String,
    pub app: String,
    pub role: Role,
    pub state: MigrationState,
    /// The other node's name.
    pub peer: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Source,
    Target,
}

/// The states of a migration as the API reports them (see docs/node-api.md,
/// "Migration protocol").
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum MigrationState {
    /// Target: begun, receiving pre-copy rounds.
    Open,
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

/// `POST /v1/peers`: introduces a peer node. Both nodes of a pair get the
/// same secret (`continuum peers introduce` does it); each then accepts
/// migrations from the other, authenticated by it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PeerRequest {
    pub name: String,
    pub url: String,
    /// The pair's shared secret: at least 32 characters.
    pub secret: String,
}

/// One peer as `GET /v1/peers` lists it (never its secret).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PeerInfo {
    pub name: String,
    pub url: String,
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
    /// Bytes `[offset, to)` were dropped by log rotation on this node; the
    /// stream goes on at `to`.
    Skipped { offset: u64, to: u64 },
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
