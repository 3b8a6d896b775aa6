//! What a node does with the journal when it starts, and the resolver that
//! finishes migrations whose other side did not answer.
//!
//! At start, for each journal record (oldest first):
//! - source `offered` (died before deciding): presumed abort; the app is
//!   rebuilt from the journaled snapshot and goes on here;
//! - source `committed` (decided, not acknowledged): the app stays moved;
//!   the resolver sends the commit until the target takes it;
//! - target `prepared`: the app is restored again and waits; the resolver
//!   asks the source for its decision;
//! - target `committed`: the app ran here; it is rebuilt from the snapshot
//!   it arrived with (its output logs cut back to that point, so a
//!   deterministic app writes the same bytes again, never twice in a row).
//!
//! Apps that were running here with no snapshot to rebuild them from are
//! marked failed: a node's death takes them with it.

use crate::api::*;
use crate::node::{MigrationEntry, Node, Waiting, lock};
use crate::store::{AppRecord, MigrationRecord, Stream};
use continuum_snapshot::Snapshot;
use std::sync::Arc;
use std::time::Duration;

/// How often the resolver looks for undecided or unacknowledged migrations.
const RESOLVE_EVERY: Duration = Duration::from_millis(300);
/// A target waits this long for the decision before asking the source.
const ASK_AFTER_MS: u64 = 2000;

pub(crate) fn recover(node: &Arc<Node>) {
    let mut apps: std::collections::HashMap<String, AppRecord> = node
        .store
        .load_apps()
        .into_iter()
        .map(|r| (r.info.id.clone(), r))
        .collect();
    let journal = node.store.load_migrations();
    // Target migrations committed here: their apps run here even if the
    // node died before it launched them.
    let mut committed_here = std::collections::HashSet::new();
    for mut m in journal {
        match (m.role, m.state) {
            (Role::Source, MigrationState::Offered) => {
                m.state = MigrationState::Aborted;
                if let Err(e) = node.store.save_migration(&m) {
                    tracing::error!(migration = %m.id, "cannot journal the presumed abort: {e}");
                }
                if let Some(app) = apps.get_mut(&m.app)
                    && !app.info.state.is_final()
                {
                    // Rebuild the app from this snapshot, which stays.
                    app.recover_from = Some(m.id.clone());
                    tracing::info!(migration = %m.id, app = %m.app, "undecided migration: presumed abort");
                }
            }
            (Role::Source, MigrationState::Committed) => {
                if let Some(app) = apps.get_mut(&m.app) {
                    app.info.state = AppState::Moved;
                    app.info.moved_to = Some(m.peer.clone());
                    let _ = node.store.save_app(app);
                }
            }
            (Role::Target, MigrationState::Prepared) => {
                apps.remove(&m.app);
                match rebuild_waiting(node, &m) {
                    Ok(()) => continue,
                    // Kept prepared without a guest: a commit then fails
                    // loudly, an abort still works.
                    Err(e) => {
                        tracing::error!(migration = %m.id, "cannot restore the prepared app again: {e}")
                    }
                }
            }
            (Role::Target, MigrationState::Committed) => {
                committed_here.insert(m.id.clone());
            }
            _ => {}
        }
        lock(&node.migrations).insert(
            m.id.clone(),
            MigrationEntry {
                record: m,
                waiting: None,
            },
        );
    }
    for (id, mut record) in apps {
        let state = record.info.state;
        if state.is_final() {
            insert(node, record);
            continue;
        }
        if state == AppState::Arriving
            && !record
                .recover_from
                .as_ref()
                .is_some_and(|m| committed_here.contains(m))
        {
            // Its migration was aborted (or never journaled): not ours.
            continue;
        }
        match record.recover_from.clone() {
            Some(mid) => {
                if let Err(e) = relaunch(node, record.clone(), &mid) {
                    tracing::error!(app = %id, "cannot rebuild the app after a restart: {e}");
                    record.info.state = AppState::Failed;
                    record.info.error = Some(format!("cannot rebuild after a node restart: {e}"));
                    insert(node, record);
                }
            }
            None => {
                record.info.state = AppState::Failed;
                record.info.error =
                    Some("the node stopped while the app ran, and it had no snapshot here".into());
                insert(node, record);
            }
        }
    }
    let node = Arc::downgrade(node);
    std::thread::spawn(move || {
        while let Some(node) = node.upgrade() {
            resolve_once(&node);
            drop(node);
            std::thread::sleep(RESOLVE_EVERY);
        }
    });
}

fn insert(node: &Node, record: AppRecord) {
    let _ = node.store.save_app(&record);
    lock(&node.apps).insert(
        record.info.id.clone(),
        crate::node::AppEntry {
            record,
            control: None,
            busy: false,
        },
    );
}

fn load_snapshot(node: &Node, m: &MigrationRecord) -> Result<(MigrationOffer, Snapshot), String> {
    let offer = m.offer.clone().ok_or("the journal record has no offer")?;
    let bytes =
        std::fs::read(node.store.snapshot_path(&m.id)).map_err(|e| format!("snapshot: {e}"))?;
    let mut snapshot = Snapshot::decode(&bytes).map_err(|e| e.to_string())?;
    if snapshot.header.delta {
        snapshot = crate::precopy::complete_from_rounds(&node.store.rounds_path(&m.id), snapshot)?;
    }
    Ok((offer, snapshot))
}

/// A target restarted with a prepared migration: restore it again, waiting.
fn rebuild_waiting(node: &Arc<Node>, m: &MigrationRecord) -> Result<(), String> {
    let (offer, snapshot) = load_snapshot(node, m)?;
    let module = node.module(&offer.module).map_err(|e| e.to_string())?;
    let (app, mut record) = crate::receive::restore(node, &offer, &snapshot, &module, None)
        .map_err(|e| e.to_string())?;
    record.info.state = AppState::Arriving;
    insert(node, record);
    lock(&node.migrations).insert(
        m.id.clone(),
        MigrationEntry {
            record: m.clone(),
            waiting: Some(Waiting { app, module }),
        },
    );
    Ok(())
}

/// Rebuilds a running app from the snapshot of migration `mid`, with its
/// output logs cut back to where that snapshot was taken.
fn relaunch(node: &Arc<Node>, record: AppRecord, mid: &str) -> Result<(), String> {
    let m = node
        .store
        .load_migrations()
        .into_iter()
        .find(|m| m.id == mid)
        .ok_or("its migration record is gone")?;
    let (offer, snapshot) = load_snapshot(node, &m)?;
    let module = node.module(&offer.module).map_err(|e| e.to_string())?;
    // The offer's offsets are where the snapshot's output ends; the logs
    // here start at the record's base.
    let cut = |stream: Stream, base: u64, at: u64| {
        let path = node.store.log_path(&record.info.id, stream);
        if let Ok(f) = std::fs::OpenOptions::new().write(true).open(&path) {
            let _ = f.set_len(at.saturating_sub(base));
        }
    };
    cut(Stream::Stdout, record.info.stdout.base, offer.stdout_offset);
    cut(Stream::Stderr, record.info.stderr.base, offer.stderr_offset);
    let mut here = offer.clone();
    here.app = record.info.id.clone();
    here.dirs = record.dirs.clone();
    let (app, _) = crate::receive::restore(node, &here, &snapshot, &module, None)
        .map_err(|e| e.to_string())?;
    lock(&node.apps).insert(
        record.info.id.clone(),
        crate::node::AppEntry {
            record: record.clone(),
            control: None,
            busy: true,
        },
    );
    node.launch(record, app, module)
        .map_err(|e| e.to_string())?;
    tracing::info!(app = %m.app, migration = mid, "app rebuilt from its snapshot after a restart");
    Ok(())
}

/// One pass of the resolver.
fn resolve_once(node: &Arc<Node>) {
    let pending: Vec<MigrationRecord> = lock(&node.migrations)
        .values()
        .map(|m| m.record.clone())
        .filter(|r| match (r.role, r.state) {
            (Role::Source, MigrationState::Committed) => true,
            (Role::Target, MigrationState::Prepared) => {
                crate::store::unix_ms().saturating_sub(r.created_unix_ms) > ASK_AFTER_MS
            }
            _ => false,
        })
        .collect();
    for mut r in pending {
        match r.role {
            Role::Source => {
                // Only our own thread may still be sending the first
                // commit; a duplicate commit is harmless (idempotent).
                if node.client.commit(&r.peer, &r.id).is_ok() {
                    crate::migrate::acknowledged(node, &mut r);
                    tracing::info!(migration = %r.id, "commit acknowledged by the target");
                }
            }
            Role::Target => match node.client.migration_status(&r.peer, &r.id) {
                Ok(Some(s))
                    if matches!(s.state, MigrationState::Committed | MigrationState::Done) =>
                {
                    if let Err(e) = crate::receive::commit(node, &r.id) {
                        tracing::error!(migration = %r.id, "cannot commit: {e}");
                    }
                }
                Ok(Some(s)) if s.state == MigrationState::Aborted => {
                    let _ = crate::receive::abort(node, &r.id);
                }
                // Presumed abort: the source has no record of it.
                Ok(None) => {
                    let _ = crate::receive::abort(node, &r.id);
                }
                _ => {}
            },
        }
    }
}
