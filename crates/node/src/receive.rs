//! The target side of a live migration: `prepare` restores the app from
//! the offered snapshot and holds it, not running, until the source's
//! decision; `commit` starts it; `abort` drops it. Every transition is
//! journaled before it is answered, and `commit` and `abort` exclude each
//! other under one lock, so a prepared app is started at most once and
//! never after an abort.

use crate::api::*;
use crate::error::{NodeError, check_id};
use crate::fault;
use crate::node::{LoadedModule, MigrationEntry, Node, Waiting, limits, lock, status_of};
use crate::store::{AppRecord, MigrationRecord, RECORD_VERSION, unix_ms};
use continuum_snapshot::{Guest, Migratable, Snapshot};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

/// A prepare body, split.
#[derive(Debug)]
pub struct OfferBody<'a> {
    pub offer: MigrationOffer,
    pub snapshot: &'a [u8],
    pub stdout: &'a [u8],
    pub stderr: &'a [u8],
}

/// Splits a prepare body: `u32` little-endian length of the offer JSON,
/// the offer, the snapshot file, then the output history (lengths in the
/// offer).
pub fn parse_offer(body: &[u8]) -> Result<OfferBody<'_>, NodeError> {
    let bad = |m: &str| NodeError::BadRequest(format!("malformed migration offer: {m}"));
    let len = body.get(..4).ok_or_else(|| bad("shorter than 4 bytes"))?;
    let len = u32::from_le_bytes(len.try_into().expect("4 bytes")) as usize;
    let json = body.get(4..4 + len).ok_or_else(|| bad("truncated offer"))?;
    let offer: MigrationOffer = serde_json::from_slice(json).map_err(|e| bad(&e.to_string()))?;
    if offer.version != API_VERSION {
        return Err(bad(&format!(
            "version {} (this node speaks {API_VERSION})",
            offer.version
        )));
    }
    let rest = &body[4 + len..];
    let history = offer.stdout_history.checked_add(offer.stderr_history);
    let snap_len = history
        .and_then(|h| (rest.len() as u64).checked_sub(h))
        .ok_or_else(|| bad("shorter than the output history it announces"))?
        as usize;
    if offer.stdout_history > offer.stdout_offset || offer.stderr_history > offer.stderr_offset {
        return Err(bad("more output history than output"));
    }
    let (snapshot, logs) = rest.split_at(snap_len);
    let (stdout, stderr) = logs.split_at(offer.stdout_history as usize);
    Ok(OfferBody {
        offer,
        snapshot,
        stdout,
        stderr,
    })
}

/// Frames a prepare body (see [`parse_offer`]).
pub fn frame_offer(
    offer: &MigrationOffer,
    snapshot: &[u8],
    stdout: &[u8],
    stderr: &[u8],
) -> Vec<u8> {
    let json = serde_json::to_vec(offer).expect("offers serialise");
    let mut out = Vec::with_capacity(4 + json.len() + snapshot.len() + stdout.len() + stderr.len());
    out.extend_from_slice(&(json.len() as u32).to_le_bytes());
    out.extend_from_slice(&json);
    for part in [snapshot, stdout, stderr] {
        out.extend_from_slice(part);
    }
    out
}

/// `POST /v1/migrations/{id}/prepare`.
pub fn prepare(node: &Arc<Node>, id: &str, body: &[u8]) -> Result<MigrationStatus, NodeError> {
    check_id(id)?;
    let OfferBody {
        offer,
        snapshot: snap_bytes,
        stdout,
        stderr,
    } = parse_offer(body)?;
    if offer.migration != id {
        return Err(NodeError::BadRequest(
            "the offer names another migration".into(),
        ));
    }
    check_id(&offer.app)?;
    if let Some(m) = lock(&node.migrations).get(id) {
        return match m.record.state {
            MigrationState::Prepared => Ok(status_of(&m.record)),
            s => Err(decided(id, s)),
        };
    }
    let mut snapshot = Snapshot::decode(snap_bytes)?;
    fault::point("target-after-receive");
    if offer.precopy_rounds > 0 || snapshot.header.delta {
        let acc = crate::precopy::take(node, id, offer.precopy_rounds)?;
        snapshot = acc.complete(snapshot)?;
    }
    let module = node.module(&offer.module)?;
    node.claim_id(&offer.app)?;
    let restored = restore(node, &offer, &snapshot, &module, Some((stdout, stderr)));
    drop(snapshot);
    let (app, app_record) = match restored {
        Ok(r) => r,
        Err(e) => {
            lock(&node.apps).remove(&offer.app);
            return Err(e);
        }
    };
    let record = MigrationRecord {
        version: RECORD_VERSION,
        id: id.to_string(),
        app: offer.app.clone(),
        role: Role::Target,
        state: MigrationState::Prepared,
        peer: offer.source.clone(),
        offer: Some(offer.clone()),
        created_unix_ms: unix_ms(),
    };
    // Journal, then publish; an abort that raced us (a tombstone) wins.
    let mut migrations = lock(&node.migrations);
    if let Some(m) = migrations.get(id) {
        lock(&node.apps).remove(&offer.app);
        return Err(decided(id, m.record.state));
    }
    let journaled = node
        .store
        .write_snapshot(id, snap_bytes)
        .and_then(|()| node.store.save_app(&app_record))
        .and_then(|()| node.store.save_migration(&record));
    if let Err(e) = journaled {
        lock(&node.apps).remove(&offer.app);
        return Err(e);
    }
    if let Some(e) = lock(&node.apps).get_mut(&offer.app) {
        e.record = app_record;
    }
    let status = status_of(&record);
    migrations.insert(
        id.to_string(),
        MigrationEntry {
            record,
            waiting: Some(Waiting { app, module }),
        },
    );
    drop(migrations);
    fault::point("target-after-prepare");
    tracing::info!(migration = id, app = %offer.app, source = %offer.source, "prepared");
    Ok(status)
}

/// Rebuilds the app from `snapshot` here, output continuing at the offered
/// offsets: `history` is the output so far (the logs are rewritten with
/// it), `None` keeps the logs as they are. Used by `prepare` and by
/// recovery after a restart.
pub(crate) fn restore(
    node: &Node,
    offer: &MigrationOffer,
    snapshot: &Snapshot,
    module: &LoadedModule,
    history: Option<(&[u8], &[u8])>,
) -> Result<(Migratable, AppRecord), NodeError> {
    let mut dirs: HashMap<String, PathBuf> = offer
        .dirs
        .iter()
        .map(|d| (d.guest.clone(), PathBuf::from(&d.host)))
        .collect();
    let mut given = Vec::new();
    for (i, p) in snapshot.body.wasi.preopens.iter().enumerate() {
        let host = dirs
            .entry(p.guest_name.clone())
            .or_insert_with(|| {
                node.store
                    .app_dir(&offer.app)
                    .join("fs")
                    .join(i.to_string())
            })
            .clone();
        std::fs::create_dir_all(&host)
            .map_err(NodeError::io(format!("creating {}", host.display())))?;
        given.push(DirMap {
            host: host.display().to_string(),
            guest: p.guest_name.clone(),
            read_only: p.read_only,
        });
    }
    let mut wasi = continuum_wasi::WasiCtx::from_state(snapshot.body.wasi.clone(), &dirs)?;
    if let Some((out, err)) = history {
        std::fs::create_dir_all(node.store.app_dir(&offer.app)).map_err(NodeError::io(format!(
            "creating the directory of app {}",
            offer.app
        )))?;
        for (stream, bytes) in [
            (crate::store::Stream::Stdout, out),
            (crate::store::Stream::Stderr, err),
        ] {
            let path = node.store.log_path(&offer.app, stream);
            std::fs::write(&path, bytes)
                .map_err(NodeError::io(format!("writing {}", path.display())))?;
        }
    }
    node.redirect_output(&mut wasi, &offer.app, false)?;
    let guest = Guest::new(wasi, limits(offer.max_memory));
    let app = Migratable::restore(
        &module.prepared,
        &module.module,
        &module.linker,
        guest,
        snapshot,
    )?;
    let record = AppRecord {
        version: RECORD_VERSION,
        info: AppInfo {
            id: offer.app.clone(),
            state: AppState::Arriving,
            module: offer.module.clone(),
            args: offer.args.clone(),
            exit_code: None,
            error: None,
            moved_to: None,
            came_from: Some(offer.source.clone()),
            stdout: StreamInfo {
                base: offer.stdout_offset - history.map_or(0, |h| h.0.len() as u64),
                end: offer.stdout_offset,
            },
            stderr: StreamInfo {
                base: offer.stderr_offset - history.map_or(0, |h| h.1.len() as u64),
                end: offer.stderr_offset,
            },
            started_unix_ms: offer.started_unix_ms,
        },
        env: snapshot.body.wasi.env.clone(),
        dirs: given,
        carry_files: offer.carry_files,
        max_memory: offer.max_memory,
        recover_from: Some(offer.migration.clone()),
    };
    Ok((app, record))
}

fn decided(id: &str, s: MigrationState) -> NodeError {
    NodeError::MigrationDecided {
        id: id.to_string(),
        state: serde_json::to_value(s)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
    }
}

/// `POST /v1/migrations/{id}/commit`: starts the prepared app. Idempotent.
pub fn commit(node: &Arc<Node>, id: &str) -> Result<MigrationStatus, NodeError> {
    let (waiting, record) = {
        let mut migrations = lock(&node.migrations);
        let m = migrations
            .get_mut(id)
            .ok_or_else(|| NodeError::UnknownMigration(id.to_string()))?;
        match m.record.state {
            MigrationState::Committed => return Ok(status_of(&m.record)),
            MigrationState::Prepared => {}
            s => return Err(decided(id, s)),
        }
        let mut record = m.record.clone();
        record.state = MigrationState::Committed;
        node.store.save_migration(&record)?;
        m.record = record.clone();
        (m.waiting.take(), record)
    };
    fault::point("target-after-commit-journal");
    let Some(Waiting { app, module }) = waiting else {
        // Only a node that failed to rebuild the app after a restart gets
        // here; the app is kept in the journal for an operator.
        tracing::error!(migration = id, "committed, but the restored app is missing");
        return Ok(status_of(&record));
    };
    let app_record = node.record(&record.app)?;
    node.launch(app_record, app, module)?;
    fault::point("target-after-start");
    tracing::info!(migration = id, app = %record.app, "committed: the app runs here");
    Ok(status_of(&record))
}

/// `POST /v1/migrations/{id}/abort`: drops a prepared app; for a migration
/// this node never heard of, leaves a tombstone so that a late `prepare`
/// is refused.
pub fn abort(node: &Node, id: &str) -> Result<MigrationStatus, NodeError> {
    check_id(id)?;
    let mut migrations = lock(&node.migrations);
    if let Some(m) = migrations.get_mut(id) {
        match m.record.state {
            MigrationState::Aborted => return Ok(status_of(&m.record)),
            MigrationState::Prepared => {}
            s if m.record.role == Role::Target => return Err(decided(id, s)),
            // Only the source decides its own migrations.
            _ => {
                return Err(NodeError::BadRequest(format!(
                    "this node is the source of migration `{id}`"
                )));
            }
        }
        let mut record = m.record.clone();
        record.state = MigrationState::Aborted;
        node.store.save_migration(&record)?;
        m.record = record.clone();
        m.waiting = None;
        node.store.remove_snapshot(id);
        lock(&node.precopy).remove(id);
        let mut apps = lock(&node.apps);
        if apps
            .get(&record.app)
            .is_some_and(|e| e.record.info.state == AppState::Arriving)
        {
            apps.remove(&record.app);
            let _ = std::fs::remove_file(node.store.app_dir(&record.app).join("app.json"));
        }
        tracing::info!(migration = id, "aborted by the source");
        return Ok(status_of(&record));
    }
    let record = MigrationRecord {
        version: RECORD_VERSION,
        id: id.to_string(),
        app: String::new(),
        role: Role::Target,
        state: MigrationState::Aborted,
        peer: String::new(),
        offer: None,
        created_unix_ms: unix_ms(),
    };
    node.store.save_migration(&record)?;
    lock(&node.precopy).remove(id);
    let _ = std::fs::remove_file(node.store.rounds_path(id));
    let status = status_of(&record);
    migrations.insert(
        id.to_string(),
        MigrationEntry {
            record,
            waiting: None,
        },
    );
    Ok(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer() -> MigrationOffer {
        MigrationOffer {
            version: API_VERSION,
            migration: "m1".into(),
            app: "a".into(),
            source: "http://127.0.0.1:1".into(),
            module: "00".into(),
            args: vec!["x".into()],
            stdout_offset: 7,
            stderr_offset: 9,
            precopy_rounds: 0,
            stdout_history: 0,
            stderr_history: 0,
            dirs: vec![],
            carry_files: true,
            max_memory: None,
            started_unix_ms: 1,
        }
    }

    #[test]
    fn offers_frame_and_parse_back_and_bad_frames_name_the_cause() {
        let mut o = offer();
        (o.stdout_history, o.stderr_history) = (3, 2);
        let framed = frame_offer(&o, b"SNAPSHOT", b"out", b"er");
        let b = parse_offer(&framed).unwrap();
        assert_eq!((b.offer.stdout_offset, b.offer.stderr_offset), (7, 9));
        assert_eq!(
            (b.snapshot, b.stdout, b.stderr),
            (&b"SNAPSHOT"[..], &b"out"[..], &b"er"[..])
        );
        o.stdout_history = 100;
        let err = |b: &[u8]| parse_offer(b).unwrap_err().to_string();
        assert!(err(&frame_offer(&o, b"", b"", b"")).contains("output history"));

        assert!(err(b"\x01").contains("shorter than 4 bytes"));
        assert!(err(&framed[..10]).contains("truncated offer"));
        let mut newer = offer();
        newer.version = API_VERSION + 1;
        assert!(err(&frame_offer(&newer, b"", b"", b"")).contains("version"));
        let mut junk = 3u32.to_le_bytes().to_vec();
        junk.extend_from_slice(b"{{{");
        assert!(err(&junk).contains("malformed migration offer"));
    }
}
