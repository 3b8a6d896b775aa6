//! The source side of a live migration. The source coordinates: it alone
//! decides commit or abort, and journals its decision before telling the
//! target (two-phase commit with presumed abort; docs/node-api.md).
//!
//! 1. running: the target gets the module (and, with pre-copy, memory
//!    rounds) while the app goes on;
//! 2. paused: final capture, journal (`offered` + snapshot), `prepare` on
//!    the target; any failure so far → `aborted`, the app resumes here;
//! 3. decision `committed` journaled → `commit` on the target, which starts
//!    the app; once acknowledged (`done`) the source drops it. An
//!    unacknowledged commit is retried until it is (`recover::resolver`):
//!    the app never resumes here after the decision.

use crate::api::*;
use crate::app::{End, MigrateJob};
use crate::error::NodeError;
use crate::fault;
use crate::node::{Node, lock, random_hex};
use crate::store::{MigrationRecord, RECORD_VERSION, Stream, unix_ms};
use continuum_snapshot::Migratable;
use std::sync::Arc;
use std::time::Instant;

/// `POST /v1/apps/{id}/migrate`: the whole migration, from the request to
/// the report. The app keeps running until the paused phase.
pub fn migrate(
    node: &Arc<Node>,
    id: &str,
    request: MigrateRequest,
) -> Result<MigrateReport, NodeError> {
    let started = Instant::now();
    let to = request.to.trim_end_matches('/').to_string();
    if to == node.url {
        return Err(NodeError::BadRequest("the target is this node".into()));
    }
    let record = node.record(id)?;
    {
        let mut apps = lock(&node.apps);
        let entry = apps
            .get_mut(id)
            .ok_or_else(|| NodeError::UnknownApp(id.to_string()))?;
        if entry.control.is_none() {
            return Err(NodeError::NotRunning {
                id: id.to_string(),
                state: crate::app::state_name(entry.record.info.state),
            });
        }
        if entry.busy {
            return Err(NodeError::BadRequest(format!(
                "app `{id}` is already being migrated or stopped"
            )));
        }
        entry.busy = true;
    }
    let result = (|| {
        // The module travels while the app runs; an unreachable target
        // fails here, before the app was ever paused.
        if !node.client.has_module(&to, &record.info.module)? {
            let module = node.module(&record.info.module)?;
            node.client.put_module(&to, &module.prepared)?;
        }
        let migration = random_hex(8);
        let mut job = MigrateJob {
            migration: migration.clone(),
            precopy: None,
            request: MigrateRequest {
                to: to.clone(),
                ..request
            },
            started,
            precopy_rounds: 0,
            precopy_bytes: 0,
        };
        if job.request.precopy
            && let Err(e) = precopy_rounds(node, id, &mut job)
        {
            // Nothing was decided and the app never stopped.
            node.store.remove_snapshot(&migration);
            let _ = node.client.abort(&to, &migration);
            return Err(e);
        }
        crate::app::migrate_paused(node, id, job)
    })();
    if let Some(e) = lock(&node.apps).get_mut(id) {
        e.busy = false;
    }
    result
}

/// Pre-copy: rounds of changed memory while the app runs, until a round
/// is small or `MAX_ROUNDS` were sent. Each is journaled here and there.
fn precopy_rounds(node: &Node, id: &str, job: &mut MigrateJob) -> Result<(), NodeError> {
    use crate::precopy::{MAX_ROUNDS, SMALL_ROUND, append, encode, sync};
    let reader = lock(&node.apps)
        .get(id)
        .and_then(|e| e.control.as_ref().map(|c| c.reader.clone()))
        .ok_or(NodeError::AppGone)?;
    let mut state = continuum_snapshot::PrecopyState::default();
    let path = node.store.rounds_path(&job.migration);
    while job.precopy_rounds < MAX_ROUNDS {
        let before = state.bytes_sent;
        let images = reader.round(&mut state).ok_or(NodeError::AppGone)?;
        let round = encode(&images);
        append(&path, &round)?;
        node.client
            .precopy_round(&job.request.to, &job.migration, &round)?;
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
    node: &Arc<Node>,
    id: &str,
    app: &mut Migratable,
    job: MigrateJob,
) -> (Result<MigrateReport, NodeError>, Option<End>) {
    let paused = Instant::now();
    let to = job.request.to.clone();
    let mut report = MigrateReport {
        migration: job.migration.clone(),
        app: id.to_string(),
        from: node.url.clone(),
        to: to.clone(),
        outcome: MigrateOutcome::Aborted,
        error: None,
        downtime_ms: 0.0,
        total_ms: 0.0,
        precopy_rounds: job.precopy_rounds,
        precopy_bytes: job.precopy_bytes,
        snapshot_bytes: 0,
        steps_ms: Vec::new(),
    };
    let mut step = Instant::now();
    let mut mark = |report: &mut MigrateReport, name: &str| {
        report.steps_ms.push((name.to_string(), ms(step.elapsed())));
        step = Instant::now();
    };
    let finish = |mut report: MigrateReport| {
        report.downtime_ms = ms(paused.elapsed());
        report.total_ms = ms(job.started.elapsed());
        report
    };

    // Phase 2: capture and journal. A failure here aborts before the
    // target heard of the migration.
    let record = match node.record(id) {
        Ok(r) => r,
        Err(e) => return (Err(e), None),
    };
    app.carry_files(record.carry_files);
    let mut precopy = job.precopy.clone();
    let captured = match &mut precopy {
        Some(state) => app.capture_delta(state, None),
        None => app.capture(None),
    };
    let snapshot = match captured {
        Ok(s) => s,
        Err(e) => return (Err(e.into()), None),
    };
    let bytes = snapshot.encode();
    drop(snapshot);
    report.snapshot_bytes = bytes.len() as u64;
    mark(&mut report, "capture");
    let info = node.with_ends(record.info.clone());
    // The whole output so far travels too (see `MigrationOffer`).
    let read_log = |s| std::fs::read(node.store.log_path(id, s)).unwrap_or_default();
    let (stdout, stderr) = (read_log(Stream::Stdout), read_log(Stream::Stderr));
    let offer = MigrationOffer {
        version: API_VERSION,
        migration: report.migration.clone(),
        app: id.to_string(),
        source: node.url.clone(),
        module: record.info.module.clone(),
        args: record.info.args.clone(),
        stdout_offset: info.stdout.end,
        stderr_offset: info.stderr.end,
        precopy_rounds: job.precopy_rounds,
        stdout_history: stdout.len() as u64,
        stderr_history: stderr.len() as u64,
        dirs: job.request.dirs.clone(),
        carry_files: record.carry_files,
        max_memory: record.max_memory,
        started_unix_ms: record.info.started_unix_ms,
    };
    let mut journal = MigrationRecord {
        version: RECORD_VERSION,
        id: report.migration.clone(),
        app: id.to_string(),
        role: Role::Source,
        state: MigrationState::Offered,
        peer: to.clone(),
        offer: Some(offer.clone()),
        created_unix_ms: unix_ms(),
    };
    let journaled = node
        .store
        .write_snapshot(&journal.id, &bytes)
        .and_then(|()| node.store.save_migration(&journal))
        .and_then(|()| node.update_app(id, |r| r.info.state = AppState::Migrating));
    if let Err(e) = journaled {
        node.store.remove_snapshot(&journal.id);
        return (Err(e), None);
    }
    lock(&node.migrations).insert(
        journal.id.clone(),
        crate::node::MigrationEntry {
            record: journal.clone(),
            waiting: None,
        },
    );
    mark(&mut report, "journal");
    fault::point("source-after-journal");

    // Phase 2b: the target restores the app and holds it, not running.
    let body = crate::receive::frame_offer(&offer, &bytes, &stdout, &stderr);
    if let Err(e) = node.client.prepare(&to, &offer, &body) {
        abort(node, id, &mut journal, &to);
        report.error = Some(e.to_string());
        mark(&mut report, "prepare");
        return (Ok(finish(report)), None);
    }
    mark(&mut report, "prepare");
    fault::point("source-after-prepared");

    // Phase 3: the decision. From here on the app never resumes here.
    journal.state = MigrationState::Committed;
    if let Err(e) = save(node, &journal) {
        // Not decided (the journal still says `offered`): abort.
        tracing::error!(migration = %journal.id, "cannot journal the commit: {e}");
        abort(node, id, &mut journal, &to);
        report.error = Some(format!("cannot journal the decision: {e}"));
        return (Ok(finish(report)), None);
    }
    fault::point("source-after-decision");
    let end = Some(End::Moved { to: to.clone() });
    match node.client.commit(&to, &journal.id) {
        Ok(_) => {
            fault::point("source-after-commit-ack");
            mark(&mut report, "commit");
            report.outcome = MigrateOutcome::Moved;
            let report = finish(report);
            acknowledged(node, &mut journal);
            tracing::info!(app = id, to = %to, downtime_ms = report.downtime_ms, "migrated");
            (Ok(report), end)
        }
        Err(e) => {
            // The resolver keeps sending the commit until it is acknowledged.
            mark(&mut report, "commit");
            report.outcome = MigrateOutcome::CommittedUnacknowledged;
            report.error = Some(e.to_string());
            (Ok(finish(report)), end)
        }
    }
}

/// Journals `aborted` and lets the app go on here. The target learns it
/// from an `abort` call now, or asks later (presumed abort).
fn abort(node: &Node, id: &str, journal: &mut MigrationRecord, to: &str) {
    journal.state = MigrationState::Aborted;
    if let Err(e) = save(node, journal) {
        // The journal still says `offered`, which a restart reads as abort.
        tracing::warn!(migration = %journal.id, "cannot journal the abort: {e}");
    }
    node.store.remove_snapshot(&journal.id);
    let _ = node.update_app(id, |r| r.info.state = AppState::Running);
    if let Err(e) = node.client.abort(to, &journal.id) {
        tracing::info!(migration = %journal.id, "the target did not take the abort ({e}); it will ask");
    }
}

/// The target confirmed the commit: the migration is over for the source.
pub(crate) fn acknowledged(node: &Node, journal: &mut MigrationRecord) {
    journal.state = MigrationState::Done;
    if let Err(e) = save(node, journal) {
        tracing::warn!(migration = %journal.id, "cannot journal the acknowledgement: {e}");
    }
    node.store.remove_snapshot(&journal.id);
}

pub(crate) fn save(node: &Node, journal: &MigrationRecord) -> Result<(), NodeError> {
    node.store.save_migration(journal)?;
    if let Some(m) = lock(&node.migrations).get_mut(&journal.id) {
        m.record = journal.clone();
    }
    Ok(())
}

pub(crate) fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
