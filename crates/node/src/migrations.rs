//! The migrations this node takes part in, as source or target: their
//! journal records and what they hold in memory (pre-copy rounds, a
//! restored app waiting for the decision). A table only: the protocol's
//! drivers (`send`, `receive`, `recover`) decide what happens to them.

use crate::api::{MigrationState, MigrationStatus};
use crate::logs::AppLogs;
use crate::modules::LoadedModule;
use crate::protocol::target::TargetState;
use crate::records::{JournalState, MigrationRecord, RECORD_VERSION};
use crate::store::unix_ms;
use continuum_snapshot::{Accumulator, Migratable};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

/// The migrations this node takes part in, by id.
#[derive(Debug, Default)]
pub(crate) struct Migrations {
    map: Mutex<HashMap<String, Arc<Mutex<Migration>>>>,
}

/// One migration as this node holds it.
#[derive(Debug)]
pub(crate) struct Migration {
    pub record: MigrationRecord,
    /// Target, open: what pre-copy has sent so far.
    pub incoming: Option<Incoming>,
    /// Target, prepared: the restored app waiting for the decision.
    pub waiting: Option<Waiting>,
    /// When it last changed (expiry and asking the source).
    pub touched: Instant,
}

/// What an open incoming migration holds.
#[derive(Debug)]
pub(crate) struct Incoming {
    pub acc: Accumulator,
    pub rounds: u32,
    /// Bytes of memory the accumulator holds, per memory index; counted in
    /// `Node::inflight`.
    pub held: HashMap<u32, u64>,
    pub module: String,
    pub max_memory: u64,
}

impl Incoming {
    pub fn held_total(&self) -> u64 {
        self.held.values().sum()
    }
}

/// A guest restored from a migration, not running until committed.
pub(crate) struct Waiting {
    pub app: Migratable,
    pub module: LoadedModule,
    pub logs: Arc<AppLogs>,
}

impl std::fmt::Debug for Waiting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Waiting").finish_non_exhaustive()
    }
}

impl Migrations {
    fn map(&self) -> MutexGuard<'_, HashMap<String, Arc<Mutex<Migration>>>> {
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn get(&self, id: &str) -> Option<Arc<Mutex<Migration>>> {
        self.map().get(id).cloned()
    }

    pub fn insert(&self, m: Migration) -> Arc<Mutex<Migration>> {
        let id = m.record.id.clone();
        let m = Arc::new(Mutex::new(m));
        self.map().insert(id, m.clone());
        m
    }

    pub fn remove(&self, id: &str) {
        self.map().remove(id);
    }

    pub fn all(&self) -> Vec<Arc<Mutex<Migration>>> {
        self.map().values().cloned().collect()
    }

    /// The migration `id`, or a fresh empty one (state `None`) inserted
    /// atomically so that two first requests cannot both create it.
    pub fn get_or_blank(&self, id: &str, peer: &str) -> Arc<Mutex<Migration>> {
        self.map()
            .entry(id.to_string())
            .or_insert_with(|| {
                Arc::new(Mutex::new(Migration {
                    record: MigrationRecord {
                        version: RECORD_VERSION,
                        id: id.to_string(),
                        app: String::new(),
                        state: JournalState::Target(TargetState::Open),
                        peer: peer.to_string(),
                        offer: None,
                        created_unix_ms: unix_ms(),
                    },
                    incoming: None,
                    waiting: None,
                    touched: Instant::now(),
                }))
            })
            .clone()
    }
}

pub(crate) fn lock(m: &Mutex<Migration>) -> MutexGuard<'_, Migration> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

pub(crate) fn status_of(r: &MigrationRecord) -> MigrationStatus {
    use crate::protocol::source::SourceState as S;
    let state = match r.state {
        JournalState::Target(TargetState::Open) => MigrationState::Open,
        JournalState::Target(TargetState::Prepared) => MigrationState::Prepared,
        JournalState::Target(TargetState::Committed) => MigrationState::Committed,
        JournalState::Target(TargetState::Aborted) => MigrationState::Aborted,
        JournalState::Source(S::Transferring | S::Pausing | S::Offered | S::Deciding) => {
            MigrationState::Offered
        }
        JournalState::Source(S::Committed) => MigrationState::Committed,
        JournalState::Source(S::Done) => MigrationState::Done,
        JournalState::Source(S::Aborted) => MigrationState::Aborted,
    };
    MigrationStatus {
        migration: r.id.clone(),
        app: r.app.clone(),
        role: r.state.role(),
        state,
        peer: r.peer.clone(),
    }
}
