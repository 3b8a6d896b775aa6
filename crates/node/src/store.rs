//! The node's state directory: paths and durable writes. Every record is
//! versioned JSON written durably (temporary file, fsync, rename, fsync of
//! the directory), so a node that dies at any instant finds each record
//! whole, old or new. The layout is documented in docs/node-state.md:
//!
//! ```text
//! STATE/node.token                   the admin token (0600)
//! STATE/peers.json                   introduced peers and their secrets (0600)
//! STATE/modules/SHA256.wasm          prepared modules
//! STATE/apps/ID/app.json             AppRecord
//! STATE/apps/ID/STREAM.log, STREAM.1.log, STREAM.offsets   output (rotated)
//! STATE/apps/ID/suspend.snap         checkpoint written by a shutdown
//! STATE/apps/ID/fs/N/                private directories of the app
//! STATE/migrations/MID.json          MigrationRecord (the journal)
//! STATE/migrations/MID.snap          the snapshot the migration moves
//! STATE/migrations/MID.rounds        its pre-copy rounds
//! STATE/checkpoints/ID-SEQ.snap      checkpoints stored on request
//! ```

use crate::error::NodeError;
use crate::records::{AppRecord, MigrationRecord, RECORD_VERSION};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The state directory.
#[derive(Debug)]
pub struct Store {
    root: PathBuf,
    /// Keeps a temporary state directory alive (nodes without --state-dir).
    _temp: Option<tempfile::TempDir>,
}

/// One of an app's two output streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

impl Stream {
    pub const BOTH: [Stream; 2] = [Stream::Stdout, Stream::Stderr];

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
                    .map_err(NodeError::io("creating a temporary state directory"))?;
                (t.path().to_path_buf(), Some(t))
            }
        };
        for sub in ["modules", "apps", "migrations", "checkpoints"] {
            let d = root.join(sub);
            std::fs::create_dir_all(&d)
                .map_err(NodeError::io(format!("creating {}", d.display())))?;
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

    pub fn suspend_path(&self, id: &str) -> PathBuf {
        self.app_dir(id).join("suspend.snap")
    }

    pub fn private_dir(&self, id: &str, n: usize) -> PathBuf {
        self.app_dir(id).join("fs").join(n.to_string())
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

    fn migration_path(&self, migration: &str) -> PathBuf {
        self.root
            .join("migrations")
            .join(format!("{migration}.json"))
    }

    pub fn checkpoint_path(&self, id: &str, sequence: u64) -> PathBuf {
        self.root
            .join("checkpoints")
            .join(format!("{id}-{sequence:06}.snap"))
    }

    pub fn save_app(&self, record: &AppRecord) -> Result<(), NodeError> {
        let path = self.app_dir(&record.id).join("app.json");
        write_json(&path, record)
    }

    pub fn remove_app_record(&self, id: &str) {
        let _ = std::fs::remove_file(self.app_dir(id).join("app.json"));
    }

    pub fn save_migration(&self, record: &MigrationRecord) -> Result<(), NodeError> {
        write_json(&self.migration_path(&record.id), record)
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
        load_all(
            &self.root.join("apps"),
            |p| p.join("app.json"),
            |r: &AppRecord| r.version,
        )
    }

    /// Every journal record, oldest first; unreadable ones are logged and skipped.
    pub fn load_migrations(&self) -> Vec<MigrationRecord> {
        let dir = self.root.join("migrations");
        let mut out: Vec<MigrationRecord> =
            load_all(&dir, |p| p.to_path_buf(), |r: &MigrationRecord| r.version);
        out.sort_by_key(|m| m.created_unix_ms);
        out
    }
}

/// Writes a record as pretty JSON, durably.
pub(crate) fn write_json<T: Serialize>(path: &Path, v: &T) -> Result<(), NodeError> {
    // Serialising plain records into memory cannot fail.
    let bytes = serde_json::to_vec_pretty(v).expect("records serialise");
    write_durably(path, &bytes).map_err(NodeError::io(format!("writing {}", path.display())))
}

/// Reads a versioned JSON record; `Ok(None)` when the file does not exist.
pub(crate) fn read_json<T: for<'de> Deserialize<'de>>(
    path: &Path,
    version: impl Fn(&T) -> u32,
) -> Result<Option<T>, NodeError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(NodeError::io(format!("reading {}", path.display()))(e)),
    };
    let v: T = serde_json::from_slice(&bytes).map_err(|e| NodeError::BadRecord {
        path: path.to_path_buf(),
        cause: e.to_string(),
    })?;
    if version(&v) != RECORD_VERSION {
        return Err(NodeError::BadRecord {
            path: path.to_path_buf(),
            cause: format!(
                "record version {} (this node reads version {RECORD_VERSION})",
                version(&v)
            ),
        });
    }
    Ok(Some(v))
}

fn load_all<T: for<'de> Deserialize<'de>>(
    dir: &Path,
    file: impl Fn(&Path) -> PathBuf,
    version: impl Fn(&T) -> u32 + Copy,
) -> Vec<T> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let path = file(&entry.path());
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        match read_json(&path, version) {
            Ok(Some(v)) => out.push(v),
            Ok(None) => {}
            Err(e) => tracing::warn!("skipping a record: {e}"),
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

/// Writes a secret file: created with mode 0600, durably.
pub(crate) fn write_secret(path: &Path, data: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let dir = path
        .parent()
        .ok_or_else(|| std::io::Error::other("path has no parent directory"))?;
    std::fs::create_dir_all(dir)?;
    // NamedTempFile creates with 0600 already; keep it explicit.
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(0o600))?;
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
