//! The node's state directory: modules, app records, output logs and the
//! migration journal. Every record is versioned JSON written durably
//! (temporary file, fsync, rename, fsync of the directory), so a node that
//! dies at any instant finds each record whole, old or new.
//!
//! ```text
//! STATE/modules/SHA256.wasm          prepared modules
//! STATE/apps/ID/app.json             AppRecord
//! STATE/apps/ID/stdout.log, stderr.log   output from byte `base` on
//! STATE/apps/ID/fs/N/                default host dirs of migrated-in apps
//! STATE/migrations/MID.json          MigrationRecord (the journal)
//! STATE/migrations/MID.snap          the snapshot the migration moves
//! STATE/checkpoints/ID-SEQ.snap      checkpoints stored on request
//! ```

use crate::api::{AppInfo, DirMap, MigrationOffer, MigrationState, Role};
use crate::error::NodeError;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Version of `app.json` and of the migration journal records.
pub const RECORD_VERSION: u32 = 1;

/// What a node keeps about an app (`apps/ID/app.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AppRecord {
    pub version: u32,
    pub info: AppInfo,
    pub env: Vec<String>,
    pub dirs: Vec<DirMap>,
    pub carry_files: bool,
    pub max_memory: Option<u64>,
    /// The migration whose journaled snapshot this app was started from
    /// here: a restarted node recovers the app from it.
    #[serde(default)]
    pub recover_from: Option<String>,
}

/// One migration as one node sees it (`migrations/MID.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MigrationRecord {
    pub version: u32,
    pub id: String,
    pub app: String,
    pub role: Role,
    pub state: MigrationState,
    /// The other node's base URL.
    pub peer: String,
    /// Target: what the source offered. Source: what it sent.
    pub offer: Option<MigrationOffer>,
    pub created_unix_ms: u64,
}

/// The state directory.
#[derive(Debug)]
pub struct Store {
    root: PathBuf,
    /// Keeps a temporary state directory alive (nodes without --state-dir).
    _temp: Option<tempfile::TempDir>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

impl Stream {
    pub fn name(self) -> &'static str {
        match self {
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        }
    }

    pub fn parse(s: &str) -> Option<Stream> {
        match s {
            "stdout" => Some(Stream::Stdout),
            "stderr" => Some(Stream::Stderr),
            _ => None,
        }
    }
}

impl Store {
    /// Opens (creating) `dir`, or a temporary directory that lives as long
    /// as the store when `dir` is `None`.
    pub fn open(dir: Option<&Path>) -> Result<Store, NodeError> {
        let (root, temp) = match dir {
            Some(d) => (d.to_path_buf(), None),
            None => {
                let t = tempfile::Builder::new()
                    .prefix("continuum-node-")
                    .tempdir()
                    .map_err(NodeError::io("temporary state directory"))?;
                (t.path().to_path_buf(), Some(t))
            }
        };
        for sub in ["modules", "apps", "migrations", "checkpoints"] {
            std::fs::create_dir_all(root.join(sub)).map_err(NodeError::io(format!(
                "creating {}",
                root.join(sub).display()
            )))?;
        }
        Ok(Store { root, _temp: temp })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn module_path(&self, sha256: &str) -> PathBuf {
        self.root.join("modules").join(format!("{sha256}.wasm"))
    }

    pub fn app_dir(&self, id: &str) -> PathBuf {
        self.root.join("apps").join(id)
    }

    pub fn log_path(&self, id: &str, stream: Stream) -> PathBuf {
        self.app_dir(id).join(format!("{}.log", stream.name()))
    }

    pub fn snapshot_path(&self, migration: &str) -> PathBuf {
        self.root
            .join("migrations")
            .join(format!("{migration}.snap"))
    }

    pub fn rounds_path(&self, migration: &str) -> PathBuf {
        self.root
            .join("migrations")
            .join(format!("{migration}.rounds"))
    }

    pub fn checkpoint_path(&self, id: &str, sequence: u64) -> PathBuf {
        self.root
            .join("checkpoints")
            .join(format!("{id}-{sequence:06}.snap"))
    }

    pub fn save_app(&self, record: &AppRecord) -> Result<(), NodeError> {
        let path = self.app_dir(&record.info.id).join("app.json");
        write_durably(&path, &to_json(record))
            .map_err(NodeError::io(format!("writing {}", path.display())))
    }

    pub fn save_migration(&self, record: &MigrationRecord) -> Result<(), NodeError> {
        let path = self
            .root
            .join("migrations")
            .join(format!("{}.json", record.id));
        write_durably(&path, &to_json(record))
            .map_err(NodeError::io(format!("writing {}", path.display())))
    }

    pub fn write_snapshot(&self, migration: &str, bytes: &[u8]) -> Result<(), NodeError> {
        let path = self.snapshot_path(migration);
        write_durably(&path, bytes).map_err(NodeError::io(format!("writing {}", path.display())))
    }

    pub fn remove_snapshot(&self, migration: &str) {
        let _ = std::fs::remove_file(self.snapshot_path(migration));
        let _ = std::fs::remove_file(self.rounds_path(migration));
    }

    /// Every app record; unreadable ones are logged and skipped.
    pub fn load_apps(&self) -> Vec<AppRecord> {
        load_all(&self.root.join("apps"), |p| p.join("app.json"))
    }

    /// Every journal record; unreadable ones are logged and skipped.
    pub fn load_migrations(&self) -> Vec<MigrationRecord> {
        let dir = self.root.join("migrations");
        let mut out: Vec<MigrationRecord> = load_all(&dir, |p| p.to_path_buf());
        out.sort_by_key(|m| m.created_unix_ms);
        out
    }
}

fn to_json<T: Serialize>(v: &T) -> Vec<u8> {
    // Serialising plain records into memory cannot fail.
    serde_json::to_vec_pretty(v).expect("records serialise")
}

fn load_all<T: for<'de> Deserialize<'de>>(dir: &Path, file: impl Fn(&Path) -> PathBuf) -> Vec<T> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let path = file(&entry.path());
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        match serde_json::from_slice::<T>(&bytes) {
            Ok(v) => out.push(v),
            Err(e) => tracing::warn!(path = %path.display(), "skipping unreadable record: {e}"),
        }
    }
    out
}

/// Writes `data` so that after a crash `path` holds either its old content
/// or all of `data`.
pub fn write_durably(path: &Path, data: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| std::io::Error::other("path has no parent directory"))?;
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(data)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}

pub fn unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}
