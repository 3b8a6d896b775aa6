//! What a node does with its state directory when it starts (driving
//! `protocol::recovery`), and the resolver that finishes migrations whose
//! other side did not answer.
//!
//! At start, for each journal record (oldest first), `recovery::at_start`
//! says what to do: presume abort (the app is rebuilt from the journaled
//! snapshot and goes on here), keep it moved (the resolver resends the
//! commit), hold a prepared app again (the resolver asks the source), or
//! run a committed arrival here (rebuilt from the snapshot it arrived with,
//! its output cut back to that point). Apps suspended by a shutdown resume
//! from `suspend.snap`. Apps that were running with no snapshot to rebuild
//! them from are marked failed: a node's sudden death takes them with it.

use crate::api::MigrationState;
use crate::config::NodeConfig;
use crate::error::NodeError;
use crate::logs::AppLogs;
use crate::migrations::{Migration, Waiting, lock};
use crate::node::Node;
use crate::protocol::recovery::{AtStart, Journaled, Resolve, at_start, resolve};
use crate::protocol::source::SourceState;
use crate::protocol::target::SourceAnswer;
use crate::records::{AppRecord, JournalState, MigrationRecord, Resume, StoredLife};
use crate::registry::{End, Phase};
use continuum_snapshot::Snapshot;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often the resolver looks for undecided or unacknowledged migrations.
const RESOLVE_EVERY: Duration = Duration::from_millis(300);
/// A target waits this long for the decision before asking the source.
const ASK_AFTER_MS: u64 = 2000;

fn journaled(s: JournalState) -> Journaled {
    match s {
        JournalState::Source(s) => Journaled::Source(s),
        JournalState::Target(t) => Journaled::Target(t),
    }
}

/// Where a rebuilt app's snapshot comes from.
enum From {
    Migration(MigrationRecord),
    Suspend,
}

/// Opens a node on its state directory and finishes what its last run
/// left (the journal, suspended apps), then starts the resolver.
pub(crate) fn open(config: NodeConfig) -> Result<Arc<Node>, NodeError> {
    let node = Node::new(config)?;
    recover(&node);
    Ok(node)
}

fn recover(node: &Arc<Node>) {
    let mut apps: HashMap<String, AppRecord> = node
        .store
        .load_apps()
        .into_iter()
        .map(|r| (r.id.clone(), r))
        .collect();
    // Apps to rebuild, and from what.
    let mut rebuild: HashMap<String, From> = HashMap::new();
    for mut m in node.store.load_migrations() {
        let mut waiting = None;
        match at_start(journaled(m.state)) {
            AtStart::PresumeAbort => {
                m.state = JournalState::Source(SourceState::Aborted);
                if let Err(e) = node.store.save_migration(&m) {
                    tracing::error!(migration = %m.id, "cannot journal the presumed abort: {e}");
                }
                // Its snapshot is the app's latest state: the app goes on from it.
                if apps.get(&m.app).is_some_and(|a| {
                    matches!(
                        a.life,
                        StoredLife::Migrating { .. } | StoredLife::Running { .. }
                    )
                }) {
                    tracing::info!(migration = %m.id, app = %m.app, "undecided migration: presumed abort");
                    rebuild.insert(m.app.clone(), From::Migration(m.clone()));
                }
            }
            AtStart::KeepMoved => {
                if let Some(app) = apps.get_mut(&m.app) {
                    let to = node.client_url(&m.peer).unwrap_or_else(|| m.peer.clone());
                    app.life = StoredLife::Moved { to };
                    let _ = node.store.save_app(app);
                }
            }
            AtStart::HoldAgain => {
                apps.remove(&m.app);
                match hold_again(node, &m) {
                    Ok(w) => waiting = Some(w),
                    // Kept prepared without a guest: a commit then fails
                    // loudly, an abort still works.
                    Err(e) => {
                        tracing::error!(migration = %m.id, "cannot restore the prepared app again: {e}")
                    }
                }
            }
            AtStart::RunHere => {
                if let Some(app) = apps.get(&m.app)
                    && matches!(&app.life, StoredLife::Arriving { migration } | StoredLife::Running { from: Some(Resume::Migration { id: migration }) } if *migration == m.id)
                {
                    rebuild.insert(m.app.clone(), From::Migration(m.clone()));
                }
            }
            AtStart::Nothing => {}
        }
        node.migrations.insert(Migration {
            record: m,
            incoming: None,
            waiting,
            touched: Instant::now(),
        });
    }
    for (id, record) in apps {
        let from = match (&record.life, rebuild.remove(&id)) {
            (_, Some(f)) => Some(f),
            (StoredLife::Suspended, None) => Some(From::Suspend),
            // An arrival whose migration was aborted (or never journaled): not ours.
            (StoredLife::Arriving { .. }, None) => {
                node.store.remove_app_record(&id);
                continue;
            }
            _ => None,
        };
        match from {
            Some(from) => {
                if let Err(e) = relaunch(node, record.clone(), from) {
                    tracing::error!(app = %id, "cannot rebuild the app after a restart: {e}");
                    let phase = Phase::Ended(End::Failed(format!(
                        "cannot rebuild after a node restart: {e}"
                    )));
                    loaded(node, record, phase);
                }
            }
            None => {
                let phase = Phase::of_stored(&record.life);
                loaded(node, record, phase);
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

/// Puts an app that is not running in the registry (its record saved with
/// the phase it has now).
fn loaded(node: &Node, mut record: AppRecord, phase: Phase) {
    if let Some(life) = phase.stored() {
        record.life = life;
        let _ = node.store.save_app(&record);
    }
    let logs = AppLogs::open(
        &node.store.app_dir(&record.id),
        crate::logs::Start::Reopen,
        node.config.limits.max_log_bytes,
        Arc::default(),
    )
    .ok();
    node.apps.insert_loaded(record, phase, logs);
}

/// The full snapshot a journaled migration moves.
fn load_snapshot(node: &Node, m: &MigrationRecord) -> Result<Snapshot, NodeError> {
    let offer = m
        .offer
        .as_ref()
        .ok_or_else(|| NodeError::BadRequest("the journal record has no offer".into()))?;
    let path = node.store.snapshot_path(&m.id);
    let bytes =
        std::fs::read(&path).map_err(NodeError::io(format!("reading {}", path.display())))?;
    let snapshot = Snapshot::decode(&bytes)?;
    if !snapshot.header.delta {
        return Ok(snapshot);
    }
    let module = node.module(&offer.module)?;
    let max = offer.max_memory / 65536;
    let limit = |i| module.max_pages(i).map(|p| p.min(max));
    crate::precopy::complete_from_rounds(&node.store.rounds_path(&m.id), snapshot, &limit)
}

/// A target restarted with a prepared migration: restore it again, held.
fn hold_again(node: &Arc<Node>, m: &MigrationRecord) -> Result<Waiting, NodeError> {
    let snapshot = load_snapshot(node, m)?;
    let record = node
        .store
        .load_apps()
        .into_iter()
        .find(|a| a.id == m.app)
        .ok_or_else(|| NodeError::UnknownApp(m.app.clone()))?;
    let module = node.module(&record.module)?;
    let reservation = node.apps.reserve(record.clone())?;
    let (app, logs) =
        crate::receive::restore(node, &record, &snapshot, &module, reservation.slot())?;
    reservation.publish(
        &node.store,
        Phase::Arriving {
            migration: m.id.clone(),
        },
        Some(logs.clone()),
    )?;
    Ok(Waiting { app, module, logs })
}

/// Rebuilds a running app from a snapshot, its output cut back to where
/// that snapshot was taken.
fn relaunch(node: &Arc<Node>, mut record: AppRecord, from: From) -> Result<(), NodeError> {
    let module = node.module(&record.module)?;
    let (snapshot, resume, cut) = match &from {
        From::Migration(m) => {
            let offer = m.offer.as_ref();
            let cut = offer.map(|o| (o.stdout_offset, o.stderr_offset));
            (
                load_snapshot(node, m)?,
                Some(Resume::Migration { id: m.id.clone() }),
                cut,
            )
        }
        From::Suspend => {
            let path = node.store.suspend_path(&record.id);
            let bytes = std::fs::read(&path)
                .map_err(NodeError::io(format!("reading {}", path.display())))?;
            (Snapshot::decode(&bytes)?, None, None)
        }
    };
    let reservation = node.apps.reserve(record.clone())?;
    let mut wasi = node.wasi_from(snapshot.body.wasi.clone(), &record.mounts)?;
    let logs = AppLogs::open(
        &node.store.app_dir(&record.id),
        crate::logs::Start::Reopen,
        node.config.limits.max_log_bytes,
        reservation.slot().notify.clone(),
    )?;
    if let Some((out, err)) = cut {
        logs.cut(out, err)?;
    }
    logs.capture(&mut wasi)?;
    let guest = continuum_snapshot::Guest::new(wasi, crate::node::limits(record.max_memory));
    let app = continuum_snapshot::Migratable::restore(
        &module.prepared,
        &module.module,
        &module.linker,
        guest,
        &snapshot,
    )?;
    record.life = StoredLife::Running {
        from: resume.clone(),
    };
    reservation.slot().lock().record = record;
    let id = reservation.slot().id.clone();
    crate::app::launch(node, reservation, app, module, logs, resume)?;
    if matches!(from, From::Suspend) {
        let _ = std::fs::remove_file(node.store.suspend_path(&id));
    }
    tracing::info!(app = %id, "app rebuilt from its snapshot after a restart");
    Ok(())
}

/// One pass of the resolver.
fn resolve_once(node: &Arc<Node>) {
    let expire_ms = node.config.limits.migration_idle.as_millis() as u64;
    let due: Vec<(String, String, Resolve)> = node
        .migrations
        .all()
        .iter()
        .filter_map(|slot| {
            let m = lock(slot);
            // A blank slot (never begun) is not a migration.
            if m.record.app.is_empty() {
                return None;
            }
            let idle = m.touched.elapsed().as_millis() as u64;
            let what = resolve(journaled(m.record.state), idle, ASK_AFTER_MS, expire_ms);
            (what != Resolve::Nothing).then(|| (m.record.id.clone(), m.record.peer.clone(), what))
        })
        .collect();
    for (id, peer_name, what) in due {
        let Ok(peer) = node.auth.peer(&peer_name) else {
            tracing::warn!(
                migration = id,
                peer = peer_name,
                "the peer of this migration is no longer known"
            );
            continue;
        };
        match what {
            Resolve::ResendCommit => {
                if node.client.commit(&peer, &id).is_ok() {
                    crate::send::acknowledged(node, &id);
                }
            }
            Resolve::AskSource => {
                let answer = match node.client.migration_status(&peer, &id) {
                    Ok(Some(s)) => match s.state {
                        MigrationState::Committed | MigrationState::Done => SourceAnswer::Committed,
                        MigrationState::Aborted => SourceAnswer::Aborted,
                        _ => SourceAnswer::Undecided,
                    },
                    Ok(None) => SourceAnswer::NoRecord,
                    Err(_) => SourceAnswer::Undecided,
                };
                if answer != SourceAnswer::Undecided {
                    crate::receive::source_says(node, &id, answer);
                } else if let Some(slot) = node.migrations.get(&id) {
                    lock(&slot).touched = Instant::now();
                }
            }
            Resolve::Expire => crate::receive::expire(node, &id),
            Resolve::Nothing => {}
        }
    }
}
