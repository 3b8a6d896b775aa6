//! The source side of a live migration, driving `protocol::source`. The
//! source coordinates: it alone decides commit or abort, and journals its
//! decision before telling the target.
//!
//! The request thread does the running phase (module, `begin`, pre-copy
//! rounds while the app goes on); the paused phase (final capture,
//! journal, prepare, decision, commit) runs on the app's driver thread,
//! which owns the guest. Both loop: ask the state machine what to do,
//! do it, feed back what happened.

use crate::api::*;
use crate::control::{Command, Job};
use crate::error::NodeError;
use crate::fault;
use crate::logs::AppLogs;
use crate::migrations::{Migration, lock};
use crate::node::{Node, random_hex};
use crate::protocol::source::{SourceAction, SourceEvent, SourceState, step};
use crate::records::{JournalState, MigrationRecord, RECORD_VERSION};
use crate::registry::{End, Phase, Slot, Task};
use crate::store::{Stream, unix_ms};
use continuum_snapshot::Migratable;
use std::sync::Arc;
use std::time::Instant;

/// What the paused phase works on: the app's driver thread lends it the
/// paused guest.
pub(crate) struct Paused<'a> {
    pub node: &'a Arc<Node>,
    pub slot: &'a Slot,
    pub app: &'a mut Migratable,
    pub logs: &'a AppLogs,
    /// Wall-clock time the app has run, over all nodes.
    pub time_used_ms: u64,
}

/// `POST /v1/apps/{id}/migrate`: the whole migration, from the request to
/// the report. The app keeps running until the paused phase.
pub fn migrate(
    node: &Arc<Node>,
    id: &str,
    request: MigrateRequest,
) -> Result<MigrateReport, NodeError> {
    node.refuse_if_shutting_down()?;
    let started = Instant::now();
    // Only an introduced peer: never an address taken from the request.
    let peer = node.auth.peer(&request.to)?;
    if peer.url == node.config.url || peer.name == node.config.name {
        return Err(NodeError::BadRequest("the target is this node".into()));
    }
    let slot = node.apps.get(id)?;
    slot.begin_task(Task::Migrating { migration: None })?;
    let migration = random_hex(8);
    let mut job = Job {
        migration: migration.clone(),
        peer,
        precopy: None,
        request,
        started,
        precopy_rounds: 0,
        precopy_bytes: 0,
    };
    let result = (|| {
        let event = match transfer(node, &slot, &mut job) {
            Ok(()) => SourceEvent::Transferred,
            Err(e) => {
                // Nothing was decided and the app never stopped.
                node.store.remove_snapshot(&migration);
                let _ = node.client.abort(&job.peer, &migration);
                return Err(e);
            }
        };
        let t = step(SourceState::Transferring, event).expect("transferring takes transferred");
        debug_assert_eq!(t.action, Some(SourceAction::PauseCaptureJournal));
        let control = slot.control()?;
        let (tx, rx) = std::sync::mpsc::channel();
        control.send(Command::Migrate { job, reply: tx });
        rx.recv().unwrap_or(Err(NodeError::AppGone))
    })();
    slot.end_task();
    result
}

/// The running phase: the module, `begin`, and pre-copy rounds until a
/// round is small or `MAX_ROUNDS` were sent.
fn transfer(node: &Node, slot: &Slot, job: &mut Job) -> Result<(), NodeError> {
    let record = slot.lock().record.clone();
    if !node.client.has_module(&job.peer, &record.module)? {
        let module = node.module(&record.module)?;
        node.client.put_module(&job.peer, &module.prepared)?;
    }
    node.client.begin(
        &job.peer,
        &job.migration,
        &BeginRequest {
            version: API_VERSION,
            app: record.id.clone(),
            module: record.module.clone(),
            max_memory: record.max_memory,
        },
    )?;
    if !job.request.precopy {
        return Ok(());
    }
    use crate::precopy::{MAX_ROUNDS, SMALL_ROUND, append, encode, sync};
    let reader = slot.control()?.reader;
    let mut state = continuum_snapshot::PrecopyState::default();
    let path = node.store.rounds_path(&job.migration);
    while job.precopy_rounds < MAX_ROUNDS {
        let before = state.bytes_sent;
        let images = reader.round(&mut state).ok_or(NodeError::AppGone)?;
        let round = encode(&images);
        append(&path, &round)?;
        node.client
            .precopy_round(&job.peer, &job.migration, &round)?;
        job.precopy_rounds += 1;
        if state.bytes_sent - before < SMALL_ROUND {
            break;
        }
    }
    sync(&path)?;
    job.precopy_bytes = state.bytes_sent;
    job.precopy = Some(state);
    Ok(())
}

/// The paused phase, on the app's driver thread. Returns the report and,
/// when the app's run here is over, how it ended.
pub(crate) fn handoff(
    mut d: Paused<'_>,
    job: Job,
) -> (Result<MigrateReport, NodeError>, Option<End>) {
    let mut h = Handoff {
        paused: Instant::now(),
        step_started: Instant::now(),
        report: MigrateReport {
            migration: job.migration.clone(),
            app: d.slot.id.clone(),
            from: d.node.config.url.clone(),
            to: job.peer.url.clone(),
            outcome: MigrateOutcome::Aborted,
            error: None,
            downtime_ms: 0.0,
            total_ms: 0.0,
            precopy_rounds: job.precopy_rounds,
            precopy_bytes: job.precopy_bytes,
            snapshot_bytes: 0,
            steps_ms: Vec::new(),
        },
        snapshot: Vec::new(),
        offer: None,
        journal: None,
        early_error: None,
        job,
    };
    let mut state = SourceState::Pausing;
    let mut event = h.capture_and_journal(&mut d);
    loop {
        let t = match step(state, event) {
            Ok(t) => t,
            Err(impossible) => {
                tracing::error!(?impossible, "source protocol: impossible event");
                return (Err(NodeError::AppGone), None);
            }
        };
        state = t.next;
        let Some(action) = t.action else { break };
        event = match action {
            SourceAction::SendPrepare => h.send_prepare(&d),
            SourceAction::JournalCommitted => h.journal_decision(&d),
            SourceAction::SendCommit => h.send_commit(&d),
            SourceAction::AbortAndResume => {
                h.abort(&d);
                break;
            }
            SourceAction::Finish => {
                h.finish(&d);
                break;
            }
            SourceAction::RetryCommitLater => break,
            SourceAction::PauseCaptureJournal => unreachable!("done before the loop"),
        };
    }
    h.report.downtime_ms = ms(h.paused.elapsed());
    h.report.total_ms = ms(h.job.started.elapsed());
    let end = (!state.app_stays()).then(|| End::Moved {
        to: h.job.peer.url.clone(),
    });
    match state {
        SourceState::Done => h.report.outcome = MigrateOutcome::Moved,
        SourceState::Committed => h.report.outcome = MigrateOutcome::CommittedUnacknowledged,
        _ => h.report.outcome = MigrateOutcome::Aborted,
    }
    if let Some(e) = h.early_error.take() {
        return (Err(e), None);
    }
    if h.report.outcome == MigrateOutcome::Moved {
        tracing::info!(app = %d.slot.id, to = %h.job.peer.name, downtime_ms = h.report.downtime_ms, "migrated");
    }
    (Ok(h.report), end)
}

/// The paused phase's working state.
struct Handoff {
    paused: Instant,
    step_started: Instant,
    report: MigrateReport,
    snapshot: Vec<u8>,
    offer: Option<MigrationOffer>,
    journal: Option<Arc<std::sync::Mutex<Migration>>>,
    /// A failure before anything was journaled.
    early_error: Option<NodeError>,
    job: Job,
}

impl Handoff {
    fn mark(&mut self, name: &str) {
        self.report
            .steps_ms
            .push((name.to_string(), ms(self.step_started.elapsed())));
        self.step_started = Instant::now();
    }

    fn fail(&mut self, e: impl Into<NodeError>) -> SourceEvent {
        let e = e.into();
        self.report.error = Some(e.to_string());
        // Before anything was journaled the caller gets the error itself.
        if self.journal.is_none() {
            self.early_error = Some(e);
        }
        SourceEvent::Failed
    }

    /// `PauseCaptureJournal` (the guest is paused already): the final
    /// snapshot, a delta over the pre-copy rounds; then the journal.
    fn capture_and_journal(&mut self, d: &mut Paused<'_>) -> SourceEvent {
        let record = d.slot.lock().record.clone();
        d.app.carry_files(record.carry_files);
        let captured = match &mut self.job.precopy {
            Some(state) => d.app.capture_delta(state, None),
            None => d.app.capture(None),
        };
        let snapshot = match captured {
            Ok(s) => s,
            Err(e) => return self.fail(e),
        };
        self.snapshot = snapshot.encode();
        drop(snapshot);
        self.report.snapshot_bytes = self.snapshot.len() as u64;
        self.mark("capture");
        // The output stays here; the target continues it at these offsets.
        let out = d.logs.ends(Stream::Stdout).end;
        let err = d.logs.ends(Stream::Stderr).end;
        let offer = MigrationOffer {
            version: API_VERSION,
            migration: self.job.migration.clone(),
            app: record.id.clone(),
            module: record.module.clone(),
            args: record.args.clone(),
            stdout_offset: out,
            stderr_offset: err,
            precopy_rounds: self.job.precopy_rounds,
            dirs: self.job.request.dirs.clone(),
            carry_files: record.carry_files,
            max_memory: record.max_memory,
            time_limit_ms: record.time_limit_ms,
            time_used_ms: d.time_used_ms,
            started_unix_ms: record.started_unix_ms,
        };
        let journal = MigrationRecord {
            version: RECORD_VERSION,
            id: self.job.migration.clone(),
            app: record.id.clone(),
            state: JournalState::Source(SourceState::Offered),
            peer: self.job.peer.name.clone(),
            offer: Some(crate::offer::offer_record(&offer, &record.mounts)),
            created_unix_ms: unix_ms(),
        };
        let node = &d.node;
        let migration = self.job.migration.clone();
        let journaled = node
            .store
            .write_snapshot(&journal.id, &self.snapshot)
            .and_then(|()| node.store.save_migration(&journal))
            .and_then(|()| {
                d.slot.update(&node.store, |s| {
                    if let Phase::Running { task, .. } = &mut s.phase {
                        *task = Some(Task::Migrating {
                            migration: Some(migration.clone()),
                        });
                    }
                })
            });
        if let Err(e) = journaled {
            node.store.remove_snapshot(&journal.id);
            return self.fail(e);
        }
        self.journal = Some(node.migrations.insert(Migration {
            record: journal,
            incoming: None,
            waiting: None,
            touched: Instant::now(),
        }));
        self.offer = Some(offer);
        self.mark("journal");
        fault::point("source-after-journal");
        SourceEvent::Journaled
    }

    fn send_prepare(&mut self, d: &Paused<'_>) -> SourceEvent {
        let offer = self.offer.as_ref().expect("journaled with its offer");
        let body = crate::offer::frame_offer(offer, &self.snapshot);
        let r = d
            .node
            .client
            .prepare(&self.job.peer, &self.job.migration, &body);
        self.mark("prepare");
        match r {
            Ok(_) => {
                fault::point("source-after-prepared");
                SourceEvent::Prepared
            }
            Err(e) => self.fail(e),
        }
    }

    fn save(&self, d: &Paused<'_>, state: SourceState) -> Result<(), NodeError> {
        let slot = self.journal.as_ref().expect("journaled");
        let mut m = lock(slot);
        let before = m.record.state;
        m.record.state = JournalState::Source(state);
        d.node.store.save_migration(&m.record).inspect_err(|_| {
            m.record.state = before;
        })
    }

    fn journal_decision(&mut self, d: &Paused<'_>) -> SourceEvent {
        match self.save(d, SourceState::Committed) {
            Ok(()) => {
                fault::point("source-after-decision");
                SourceEvent::DecisionJournaled
            }
            // Not decided (the journal still says `offered`): abort.
            Err(e) => self.fail(e),
        }
    }

    fn send_commit(&mut self, d: &Paused<'_>) -> SourceEvent {
        let r = d.node.client.commit(&self.job.peer, &self.job.migration);
        self.mark("commit");
        match r {
            Ok(_) => {
                fault::point("source-after-commit-ack");
                SourceEvent::Acknowledged
            }
            Err(e) => {
                // The resolver keeps sending the commit until it is taken.
                self.report.error = Some(e.to_string());
                SourceEvent::Unacknowledged
            }
        }
    }

    /// Journals `aborted` (a failure to is read as abort at restart: the
    /// journal then still says `offered`) and tells the target; the app
    /// resumes here.
    fn abort(&mut self, d: &Paused<'_>) {
        if self.journal.is_some()
            && let Err(e) = self.save(d, SourceState::Aborted)
        {
            tracing::warn!(migration = %self.job.migration, "cannot journal the abort: {e}");
        }
        d.node.store.remove_snapshot(&self.job.migration);
        let _ = d.slot.update(&d.node.store, |s| {
            if let Phase::Running { task, .. } = &mut s.phase {
                *task = Some(Task::Migrating { migration: None });
            }
        });
        if let Err(e) = d.node.client.abort(&self.job.peer, &self.job.migration) {
            tracing::info!(migration = %self.job.migration, "the target did not take the abort ({e}); it will ask");
        }
    }

    fn finish(&mut self, d: &Paused<'_>) {
        acknowledged(&d.node, &self.job.migration);
    }
}

/// The target confirmed the commit: the migration is over for the source.
pub(crate) fn acknowledged(node: &Node, migration: &str) {
    if let Some(slot) = node.migrations.get(migration) {
        let mut m = lock(&slot);
        m.record.state = JournalState::Source(SourceState::Done);
        if let Err(e) = node.store.save_migration(&m.record) {
            tracing::warn!(migration, "cannot journal the acknowledgement: {e}");
        }
    }
    node.store.remove_snapshot(migration);
}

pub(crate) fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
