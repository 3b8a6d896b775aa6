//! The target side of a live migration, driving `protocol::target`: the
//! handlers look up the migration, ask the state machine what to do, and
//! carry out its actions (holding memory, restoring, journaling,
//! launching, discarding). Every decision's journal write happens before
//! it is answered, and the migration's own lock makes `commit`, `abort`
//! and `prepare` of one migration exclusive, so a prepared app is started
//! at most once and never after an abort.

use crate::api::*;
use crate::auth::Caller;
use crate::control::Control;
use crate::error::{NodeError, check_id};
use crate::fault;
use crate::logs::AppLogs;
use crate::migrations::{Incoming, Migration, Waiting, lock, status_of};
use crate::modules::LoadedModule;
use crate::node::{Node, limits};
use crate::offer::{offer_record, parse_offer};
use crate::protocol::Refusal;
use crate::protocol::target::{Sender, SourceAnswer, Step, TargetAction, TargetEvent, TargetState};
use crate::records::{AppRecord, JournalState, Mount, RECORD_VERSION, Resume, StoredLife};
use crate::registry::Phase;
use crate::store::unix_ms;
use continuum_snapshot::{Accumulator, Guest, Migratable, Snapshot};
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// The target state of a migration slot (`None`: a blank one, never
/// begun). A source record here means the id is this node's own
/// outgoing migration: no peer may drive it as a target.
fn target_state(m: &Migration) -> Result<Option<TargetState>, NodeError> {
    match m.record.state {
        JournalState::Target(TargetState::Open) if m.incoming.is_none() => Ok(None),
        JournalState::Target(s) => Ok(Some(s)),
        JournalState::Source(_) => Err(NodeError::Refused {
            id: m.record.id.clone(),
            refusal: Refusal::NotYours,
        }),
    }
}

fn decide(m: &Migration, event: TargetEvent, peer: &str) -> Result<Step, NodeError> {
    let state = target_state(m)?;
    let from = if state.is_none() || m.record.peer == peer {
        Sender::Owner
    } else {
        Sender::Stranger
    };
    Ok(crate::protocol::target::step(state, event, from))
}

fn refused(id: &str, r: Refusal) -> NodeError {
    NodeError::Refused {
        id: id.to_string(),
        refusal: r,
    }
}

/// `POST /v1/migrations/{id}`: a peer opens a migration to this node.
pub fn begin(
    node: &Arc<Node>,
    caller: &Caller,
    id: &str,
    req: BeginRequest,
) -> Result<MigrationStatus, NodeError> {
    let peer = caller.require_peer()?;
    check_id(id)?;
    let slot = node.migrations.get_or_blank(id, peer);
    let mut m = lock(&slot);
    // Whose it is first: a stranger learns nothing from how its request fails.
    match decide(&m, TargetEvent::Begin, peer)? {
        Step::Go { .. } => {}
        Step::Again | Step::Wait => return Ok(status_of(&m.record)),
        Step::Refuse(r) => return Err(refused(id, r)),
    }
    if let Err(e) = check_begin(node, &req) {
        if m.record.app.is_empty() {
            drop(m);
            node.migrations.remove(id);
        }
        return Err(e);
    }
    m.record.app = req.app.clone();
    m.record.peer = peer.to_string();
    m.record.state = JournalState::Target(TargetState::Open);
    m.incoming = Some(Incoming {
        acc: Accumulator::default(),
        rounds: 0,
        held: HashMap::new(),
        module: req.module,
        max_memory: req.max_memory,
    });
    m.touched = Instant::now();
    let _ = std::fs::remove_file(node.store.rounds_path(id));
    Ok(status_of(&m.record))
}

fn check_begin(node: &Node, req: &BeginRequest) -> Result<(), NodeError> {
    check_id(&req.app)?;
    node.refuse_if_shutting_down()?;
    if req.version != API_VERSION {
        return Err(NodeError::BadRequest(format!(
            "migration version {} (this node speaks {API_VERSION})",
            req.version
        )));
    }
    let limits = &node.config.limits;
    if req.max_memory > limits.max_app_memory {
        return Err(NodeError::TooLarge {
            what: "the app's memory cap".into(),
            size: req.max_memory,
            limit: limits.max_app_memory,
        });
    }
    node.module(&req.module)?;
    Ok(())
}

/// The most pages memory `index` of an incoming app may have.
fn page_limit(module: &LoadedModule, max_memory: u64) -> impl Fn(u32) -> Option<u64> + '_ {
    move |index| module.max_pages(index).map(|p| p.min(max_memory / 65536))
}

/// `POST /v1/migrations/{id}/precopy`: one round while the app still runs
/// at the source.
pub fn receive_round(node: &Node, caller: &Caller, id: &str, body: &[u8]) -> Result<(), NodeError> {
    let peer = caller.require_peer()?;
    check_id(id)?;
    node.refuse_if_shutting_down()?;
    let slot = node
        .migrations
        .get(id)
        .ok_or_else(|| refused(id, Refusal::OutOfOrder("the migration was not begun")))?;
    let mut m = lock(&slot);
    match decide(&m, TargetEvent::Round, peer)? {
        Step::Go { actions, .. } => debug_assert_eq!(actions, &[TargetAction::ApplyRound]),
        Step::Refuse(r) => return Err(refused(id, r)),
        Step::Again | Step::Wait => return Ok(()),
    }
    let inc = m
        .incoming
        .as_mut()
        .expect("open migrations hold their rounds");
    let module = node.module(&inc.module)?;
    let images = crate::precopy::decode(body, &page_limit(&module, inc.max_memory))?;
    // Reserve what the accumulator is about to grow by, against the
    // node's cap, before it allocates.
    let mut grow = 0u64;
    for i in &images {
        let want = i.pages * 65536;
        grow += want.saturating_sub(inc.held.get(&i.index).copied().unwrap_or(0));
    }
    reserve_inflight(node, grow)?;
    if let Err(e) = inc.acc.apply(&images) {
        node.inflight.fetch_sub(grow, Ordering::SeqCst);
        return Err(e.into());
    }
    for i in &images {
        let h = inc.held.entry(i.index).or_default();
        *h = (*h).max(i.pages * 65536);
    }
    inc.rounds += 1;
    m.touched = Instant::now();
    crate::precopy::append(&node.store.rounds_path(id), body)
}

/// Gives back in-flight bytes when dropped.
struct Release<'a>(&'a Node, u64);

impl Drop for Release<'_> {
    fn drop(&mut self) {
        self.0.inflight.fetch_sub(self.1, Ordering::SeqCst);
    }
}

fn reserve_inflight(node: &Node, bytes: u64) -> Result<(), NodeError> {
    let limit = node.config.limits.max_inflight_bytes;
    node.inflight
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |held| {
            held.checked_add(bytes).filter(|t| *t <= limit)
        })
        .map(drop)
        .map_err(|held| NodeError::Busy {
            wanted: held.saturating_add(bytes),
            limit,
        })
}

/// `POST /v1/migrations/{id}/prepare`.
pub fn prepare(
    node: &Arc<Node>,
    caller: &Caller,
    id: &str,
    body: &[u8],
) -> Result<MigrationStatus, NodeError> {
    let peer = caller.require_peer()?;
    check_id(id)?;
    let slot = node
        .migrations
        .get(id)
        .ok_or_else(|| refused(id, Refusal::OutOfOrder("the migration was not begun")))?;
    let mut m = lock(&slot);
    // Whose it is first: a stranger learns nothing from how its body fails.
    match decide(&m, TargetEvent::Prepare, peer)? {
        Step::Go { .. } => {}
        Step::Refuse(r) => return Err(refused(id, r)),
        Step::Again | Step::Wait => return Ok(status_of(&m.record)),
    }
    let (offer, snap_bytes) = parse_offer(body)?;
    if offer.migration != id {
        return Err(NodeError::BadRequest(
            "the offer names another migration".into(),
        ));
    }
    node.refuse_if_shutting_down()?;
    let inc = m
        .incoming
        .take()
        .expect("open migrations hold their rounds");
    let held = inc.held_total();
    let result = restore_offered(node, &mut m, &offer, snap_bytes, inc);
    node.inflight.fetch_sub(held, Ordering::SeqCst);
    if let Err(e) = result {
        // The source aborts on this answer; the migration is over here too
        // (in memory: a restart presumes the abort anyway).
        m.record.state = JournalState::Target(TargetState::Aborted);
        node.store.remove_snapshot(id);
        return Err(e);
    }
    drop(m);
    fault::point("target-after-prepare");
    tracing::info!(migration = id, app = %offer.app, source = peer, "prepared");
    Ok(node.migration(id)?)
}

/// `Restore` and `JournalPrepared`: on any failure the migration stays
/// open without its rounds, so a retry fails and the source aborts.
fn restore_offered(
    node: &Arc<Node>,
    m: &mut Migration,
    offer: &MigrationOffer,
    snap_bytes: &[u8],
    inc: Incoming,
) -> Result<(), NodeError> {
    let id = m.record.id.clone();
    if offer.app != m.record.app || offer.module != inc.module || offer.max_memory != inc.max_memory
    {
        return Err(NodeError::BadRequest(
            "the offer does not match the migration begun".into(),
        ));
    }
    if offer.precopy_rounds != inc.rounds {
        return Err(NodeError::BadRequest(format!(
            "the source sent {} pre-copy rounds, this node has {} (it may have restarted)",
            offer.precopy_rounds, inc.rounds
        )));
    }
    let module = node.module(&offer.module)?;
    let memory = crate::precopy::check_snapshot_header(
        snap_bytes,
        &page_limit(&module, offer.max_memory),
        node.config.limits.max_snapshot_bytes(),
    )?;
    // Decoding holds the snapshot's memories: counted like pre-copy's.
    reserve_inflight(node, memory)?;
    let _release = Release(node, memory);
    let mut snapshot = Snapshot::decode(snap_bytes)?;
    fault::point("target-after-receive");
    if offer.precopy_rounds > 0 || snapshot.header.delta {
        crate::precopy::sync(&node.store.rounds_path(&id))?;
        snapshot = inc.acc.complete(snapshot)?;
    }
    // Preopens the source did not map get a private directory here.
    let mut dirs = offer.dirs.clone();
    for p in &snapshot.body.wasi.preopens {
        if !dirs.iter().any(|d| d.guest == p.guest_name) {
            dirs.push(DirMap {
                host: None,
                guest: p.guest_name.clone(),
                read_only: p.read_only,
            });
        }
    }
    let mounts = crate::config::resolve_mounts(&node.config.allowed_dirs, &dirs, |i| {
        node.store.private_dir(&offer.app, i)
    })?;
    let record = app_record(offer, mounts, node.client_url(&m.record.peer));
    let reservation = node.apps.reserve(record.clone())?;
    let (app, logs) = restore(node, &record, &snapshot, &module, reservation.slot())?;
    drop(snapshot);
    m.record.offer = Some(offer_record(offer, &record.mounts));
    m.record.state = JournalState::Target(TargetState::Prepared);
    m.record.created_unix_ms = unix_ms();
    let journaled = node
        .store
        .write_snapshot(&id, snap_bytes)
        .and_then(|()| node.store.save_migration(&m.record));
    if let Err(e) = journaled {
        m.record.state = JournalState::Target(TargetState::Open);
        node.store.remove_snapshot(&id);
        return Err(e);
    }
    // The app record last: it says `arriving` only once the migration is
    // journaled as prepared.
    if let Err(e) = reservation.publish(
        &node.store,
        Phase::Arriving {
            migration: id.clone(),
        },
        Some(logs.clone()),
    ) {
        m.record.state = JournalState::Target(TargetState::Open);
        let _ = std::fs::remove_file(
            node.store
                .root()
                .join("migrations")
                .join(format!("{id}.json")),
        );
        node.store.remove_snapshot(&id);
        return Err(e);
    }
    m.waiting = Some(Waiting { app, module, logs });
    m.touched = Instant::now();
    Ok(())
}

fn app_record(offer: &MigrationOffer, mounts: Vec<Mount>, came_from: Option<String>) -> AppRecord {
    AppRecord {
        version: RECORD_VERSION,
        id: offer.app.clone(),
        module: offer.module.clone(),
        args: offer.args.clone(),
        env: Vec::new(),
        mounts,
        carry_files: offer.carry_files,
        max_memory: offer.max_memory,
        time_limit_ms: offer.time_limit_ms,
        time_used_ms: offer.time_used_ms,
        started_unix_ms: offer.started_unix_ms,
        came_from,
        stdout_arrived: offer.stdout_offset,
        stderr_arrived: offer.stderr_offset,
        life: StoredLife::Arriving {
            migration: offer.migration.clone(),
        },
    }
}

/// Rebuilds an app from `snapshot` here with its output continuing at the
/// record's arrival offsets (fresh logs). Used by `prepare` and by
/// recovery after a restart.
pub(crate) fn restore(
    node: &Node,
    record: &AppRecord,
    snapshot: &Snapshot,
    module: &LoadedModule,
    slot: &crate::registry::Slot,
) -> Result<(Migratable, Arc<AppLogs>), NodeError> {
    let mut wasi = node.wasi_from(snapshot.body.wasi.clone(), &record.mounts)?;
    let logs = AppLogs::open(
        &node.store.app_dir(&record.id),
        crate::logs::Start::Arrive {
            stdout: record.stdout_arrived,
            stderr: record.stderr_arrived,
        },
        node.config.limits.max_log_bytes,
        slot.notify.clone(),
    )?;
    logs.capture(&mut wasi)?;
    let guest = Guest::new(wasi, limits(record.max_memory));
    let app = Migratable::restore(
        &module.prepared,
        &module.module,
        &module.linker,
        guest,
        snapshot,
    )?;
    Ok((app, logs))
}

/// `POST /v1/migrations/{id}/commit`: starts the prepared app. Idempotent.
pub fn commit(node: &Arc<Node>, caller: &Caller, id: &str) -> Result<MigrationStatus, NodeError> {
    let peer = caller.require_peer()?;
    let slot = node
        .migrations
        .get(id)
        .ok_or_else(|| refused(id, Refusal::Unknown))?;
    decided(node, &slot, TargetEvent::Commit, peer)
}

/// `POST /v1/migrations/{id}/abort`: drops a prepared app; for a migration
/// this node never heard of, leaves a tombstone so that a late `prepare`
/// is refused.
pub fn abort(node: &Arc<Node>, caller: &Caller, id: &str) -> Result<MigrationStatus, NodeError> {
    let peer = caller.require_peer()?;
    check_id(id)?;
    let slot = node.migrations.get_or_blank(id, peer);
    decided(node, &slot, TargetEvent::Abort, peer)
}

/// What the source answered when the resolver asked about a prepared migration.
pub(crate) fn source_says(node: &Arc<Node>, id: &str, answer: SourceAnswer) {
    let Some(slot) = node.migrations.get(id) else {
        return;
    };
    let peer = lock(&slot).record.peer.clone();
    if let Err(e) = decided(node, &slot, TargetEvent::SourceSays(answer), &peer) {
        tracing::warn!(migration = id, "cannot apply the source's answer: {e}");
    }
}

/// An open migration idle too long is dropped (nothing was decided).
pub(crate) fn expire(node: &Arc<Node>, id: &str) {
    let Some(slot) = node.migrations.get(id) else {
        return;
    };
    let peer = lock(&slot).record.peer.clone();
    match decided(node, &slot, TargetEvent::Expire, &peer) {
        Ok(_) => tracing::info!(migration = id, "open migration expired"),
        Err(e) => tracing::warn!(migration = id, "cannot expire: {e}"),
    }
}

/// Commit, abort and the source's answers: journal the decision, then
/// launch or discard.
fn decided(
    node: &Arc<Node>,
    slot: &Arc<Mutex<Migration>>,
    event: TargetEvent,
    peer: &str,
) -> Result<MigrationStatus, NodeError> {
    let mut m = lock(slot);
    let id = m.record.id.clone();
    let (next, actions) = match decide(&m, event, peer)? {
        Step::Go { next, actions } => (next, actions),
        Step::Again | Step::Wait => return Ok(status_of(&m.record)),
        Step::Refuse(r) => {
            // A blank slot made for this request is not kept.
            if target_state(&m).ok().flatten().is_none() && m.record.app.is_empty() {
                drop(m);
                node.migrations.remove(&id);
            }
            return Err(refused(&id, r));
        }
    };
    let mut launch = None;
    for action in actions {
        match action {
            TargetAction::JournalCommitted | TargetAction::JournalAborted => {
                let before = m.record.state;
                m.record.state = JournalState::Target(next);
                if let Err(e) = node.store.save_migration(&m.record) {
                    m.record.state = before;
                    return Err(e);
                }
                if next == TargetState::Committed {
                    fault::point("target-after-commit-journal");
                }
            }
            TargetAction::Launch => launch = m.waiting.take(),
            TargetAction::Discard => {
                m.waiting = None;
                if let Some(inc) = m.incoming.take() {
                    node.inflight.fetch_sub(inc.held_total(), Ordering::SeqCst);
                }
                node.store.remove_snapshot(&id);
                if let Ok(app) = node.apps.get(&m.record.app)
                    && matches!(&app.lock().phase, Phase::Arriving { migration } if *migration == id)
                {
                    node.apps.remove(&m.record.app);
                    node.store.remove_app_record(&m.record.app);
                }
            }
            other => unreachable!("{other:?} is not a decision's action"),
        }
    }
    m.touched = Instant::now();
    let status = status_of(&m.record);
    let app_id = m.record.app.clone();
    drop(m);
    if next == TargetState::Committed {
        match launch {
            Some(w) => start_arrived(node, &app_id, &id, w)?,
            // Only a node that failed to rebuild the app after a restart
            // gets here; the snapshot stays in the journal for an operator.
            None => tracing::error!(migration = id, "committed, but the restored app is missing"),
        }
        fault::point("target-after-start");
        tracing::info!(migration = id, app = %app_id, "committed: the app runs here");
    } else {
        tracing::info!(migration = id, "aborted by the source");
    }
    Ok(status)
}

/// Starts an arrived app whose migration is committed.
fn start_arrived(
    node: &Arc<Node>,
    app_id: &str,
    migration: &str,
    w: Waiting,
) -> Result<(), NodeError> {
    let slot = node.apps.get(app_id)?;
    let control = Control::new(&w.app);
    slot.update(&node.store, |s| {
        s.phase = Phase::Running {
            control: control.clone(),
            task: None,
            resume: Some(Resume::Migration {
                id: migration.to_string(),
            }),
        };
    })?;
    crate::app::spawn_driver(node, slot, w.app, w.module, control, w.logs)
}

impl Node {
    pub fn migration(&self, id: &str) -> Result<MigrationStatus, NodeError> {
        let slot = self
            .migrations
            .get(id)
            .ok_or_else(|| NodeError::UnknownMigration(id.to_string()))?;
        let m = lock(&slot);
        if matches!(target_state(&m), Ok(None)) {
            return Err(NodeError::UnknownMigration(id.to_string()));
        }
        Ok(status_of(&m.record))
    }

    /// `GET /v1/migrations/{id}`: the admin, or the peer on the other side.
    pub fn migration_for(&self, caller: &Caller, id: &str) -> Result<MigrationStatus, NodeError> {
        let status = self.migration(id)?;
        match caller {
            Caller::Admin => Ok(status),
            Caller::Peer(p) if **p == *status.peer => Ok(status),
            Caller::Peer(_) => Err(refused(id, Refusal::NotYours)),
        }
    }

    /// The URL of peer `name`, if it is one.
    pub(crate) fn client_url(&self, name: &str) -> Option<String> {
        self.auth.peer(name).ok().map(|p| p.url)
    }
}
