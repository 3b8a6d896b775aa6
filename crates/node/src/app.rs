//! Running one app: its driver thread owns the guest, runs it, and serves
//! the commands (checkpoint, stop, migrate) that need it paused.
//!
//! Commands go through a queue plus a pause request, so a command never
//! waits for the guest to reach a host call: the guest stops at its next
//! poll point, the driver serves every queued command, then resumes it.

use crate::api::{AppState, MigrateReport, MigrateRequest, StoredCheckpoint};
use crate::error::NodeError;
use crate::node::{LoadedModule, Node, lock};
use continuum_snapshot::{Migratable, Outcome, PauseHandle};
use std::collections::VecDeque;
use std::sync::mpsc::{Sender, channel};
use std::sync::{Arc, Mutex};

pub(crate) enum Command {
    /// Capture a snapshot (module embedded); store it or hand it back.
    Checkpoint {
        store: bool,
        reply: Sender<Result<Checkpoint, NodeError>>,
    },
    Stop {
        reply: Sender<Result<(), NodeError>>,
    },
    /// The paused part of a migration: final capture, handoff, and
    /// either drop (moved) or resume (aborted).
    Migrate {
        job: MigrateJob,
        reply: Sender<Result<MigrateReport, NodeError>>,
    },
}

pub(crate) enum Checkpoint {
    Bytes(Vec<u8>),
    Stored(StoredCheckpoint),
}

/// What the running phase of a migration hands to the paused phase.
pub(crate) struct MigrateJob {
    pub migration: String,
    /// What the pre-copy rounds sent (`None`: stop and copy).
    pub precopy: Option<continuum_snapshot::PrecopyState>,
    pub request: MigrateRequest,
    pub started: std::time::Instant,
    pub precopy_rounds: u32,
    pub precopy_bytes: u64,
}

/// The way to an app's driver thread.
#[derive(Clone)]
pub(crate) struct Control {
    pause: PauseHandle,
    /// Reads the guest's memory while it runs (pre-copy).
    pub reader: continuum_snapshot::MemoryReader,
    queue: Arc<Mutex<VecDeque<Command>>>,
}

impl Control {
    pub fn new(pause: PauseHandle, reader: continuum_snapshot::MemoryReader) -> Control {
        Control {
            pause,
            reader,
            queue: Arc::new(Mutex::new(VecDeque::new())),
        }
    }

    fn send(&self, cmd: Command) {
        lock(&self.queue).push_back(cmd);
        self.pause.request();
    }
}

/// Asks the app's driver to run `make(reply)` while the guest is paused and
/// waits for the answer.
fn ask<T>(
    node: &Node,
    id: &str,
    make: impl FnOnce(Sender<Result<T, NodeError>>) -> Command,
) -> Result<T, NodeError> {
    let control = {
        let apps = lock(&node.apps);
        let entry = apps
            .get(id)
            .ok_or_else(|| NodeError::UnknownApp(id.to_string()))?;
        match &entry.control {
            Some(c) => c.clone(),
            None => {
                return Err(NodeError::NotRunning {
                    id: id.to_string(),
                    state: state_name(entry.record.info.state),
                });
            }
        }
    };
    let (tx, rx) = channel();
    control.send(make(tx));
    rx.recv().unwrap_or(Err(NodeError::AppGone))
}

pub(crate) fn state_name(s: AppState) -> String {
    serde_json::to_value(s)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

pub fn checkpoint(node: &Node, id: &str, store: bool) -> Result<Checkpoint, NodeError> {
    ask(node, id, |reply| Command::Checkpoint { store, reply })
}

/// Stops the app and waits until its end is recorded.
pub fn stop(node: &Node, id: &str) -> Result<(), NodeError> {
    ask(node, id, |reply| Command::Stop { reply })?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::time::Instant::now() < deadline {
        if lock(&node.apps).get(id).is_none_or(|e| e.control.is_none()) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    Ok(())
}

pub(crate) fn migrate_paused(
    node: &Node,
    id: &str,
    job: MigrateJob,
) -> Result<MigrateReport, NodeError> {
    ask(node, id, |reply| Command::Migrate { job, reply })
}

/// How an app's run on this node ended.
pub(crate) enum End {
    Exited(i32),
    Failed(String),
    Stopped,
    Moved { to: String },
}

/// The driver thread of one app.
pub(crate) fn drive(
    node: Arc<Node>,
    id: String,
    mut app: Migratable,
    module: LoadedModule,
    control: Control,
) {
    let end = loop {
        match app.run() {
            Ok(Outcome::Exited(code)) => break End::Exited(code),
            Err(trap) => break End::Failed(format!("{trap:#}")),
            Ok(Outcome::Paused) => {
                if let Some(end) = serve(&node, &id, &mut app, &module, &control) {
                    break end;
                }
                if let Err(e) = app.resume() {
                    break End::Failed(format!("cannot resume: {e}"));
                }
                // A command queued while we resumed found its pause request
                // cleared: ask again.
                if !lock(&control.queue).is_empty() {
                    control.pause.request();
                }
            }
        }
    };
    finish(&node, &id, end, &control);
}

/// Serves the queued commands while paused; `Some` when the app's run here
/// is over.
fn serve(
    node: &Arc<Node>,
    id: &str,
    app: &mut Migratable,
    module: &LoadedModule,
    control: &Control,
) -> Option<End> {
    loop {
        let cmd = lock(&control.queue).pop_front()?;
        match cmd {
            Command::Checkpoint { store, reply } => {
                let _ = reply.send(take_checkpoint(node, id, app, module, store));
            }
            Command::Stop { reply } => {
                let _ = reply.send(Ok(()));
                return Some(End::Stopped);
            }
            Command::Migrate { job, reply } => {
                let (report, end) = crate::migrate::handoff(node, id, app, job);
                let _ = reply.send(report);
                if end.is_some() {
                    return end;
                }
            }
        }
    }
}

fn take_checkpoint(
    node: &Node,
    id: &str,
    app: &mut Migratable,
    module: &LoadedModule,
    store: bool,
) -> Result<Checkpoint, NodeError> {
    let snapshot = app.capture(Some(&module.prepared))?;
    let sequence = snapshot.header.sequence;
    let bytes = snapshot.encode();
    if !store {
        return Ok(Checkpoint::Bytes(bytes));
    }
    let path = node.store.checkpoint_path(id, sequence);
    crate::store::write_durably(&path, &bytes)
        .map_err(NodeError::io(format!("writing {}", path.display())))?;
    Ok(Checkpoint::Stored(StoredCheckpoint {
        path: path.display().to_string(),
        bytes: bytes.len() as u64,
        sequence,
    }))
}

/// Records how the run ended and answers commands that came too late.
fn finish(node: &Node, id: &str, end: End, control: &Control) {
    let result = {
        let mut apps = lock(&node.apps);
        match apps.get_mut(id) {
            Some(entry) => {
                entry.control = None;
                entry.busy = false;
                let info = &mut entry.record.info;
                match &end {
                    End::Exited(code) => {
                        info.state = AppState::Exited;
                        info.exit_code = Some(*code);
                    }
                    End::Failed(e) => {
                        info.state = AppState::Failed;
                        info.error = Some(e.clone());
                    }
                    End::Stopped => info.state = AppState::Stopped,
                    End::Moved { to } => {
                        info.state = AppState::Moved;
                        info.moved_to = Some(to.clone());
                    }
                }
                node.store.save_app(&entry.record)
            }
            None => Ok(()),
        }
    };
    if let Err(e) = result {
        tracing::error!(app = id, "cannot record the end of the app: {e}");
    }
    match &end {
        End::Exited(code) => tracing::info!(app = id, code, "app exited"),
        End::Failed(e) => tracing::warn!(app = id, "app failed: {e}"),
        End::Stopped => tracing::info!(app = id, "app stopped"),
        End::Moved { to } => tracing::info!(app = id, to = %to, "app moved"),
    }
    // Nothing can queue once `control` is gone from the entry.
    for cmd in lock(&control.queue).drain(..) {
        match cmd {
            Command::Checkpoint { reply, .. } => drop(reply.send(Err(NodeError::AppGone))),
            Command::Stop { reply } => drop(reply.send(Err(NodeError::AppGone))),
            Command::Migrate { reply, .. } => drop(reply.send(Err(NodeError::AppGone))),
        }
    }
}
