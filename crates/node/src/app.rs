//! Running one app: its driver thread owns the guest, runs it, and serves
//! the commands (checkpoint, stop, migrate, suspend, time up) that need it
//! paused.
//!
//! Commands go through a queue plus a pause request, so a command never
//! waits for the guest to reach a host call: the guest stops at its next
//! poll point, the driver drains its output, serves every queued command,
//! then resumes it.

use crate::api::*;
use crate::control::{Checkpoint, Command, Control};
use crate::error::{NodeError, check_id};
use crate::logs::AppLogs;
use crate::modules::LoadedModule;
use crate::node::{Node, limits, random_hex};
use crate::records::{AppRecord, RECORD_VERSION, Resume, StoredLife};
use crate::registry::{End, Phase, Reservation, Slot, Task};
use crate::store::unix_ms;
use continuum_snapshot::{Ended, Guest, Migratable, Next};
use continuum_wasi::WasiCtxBuilder;
use std::sync::Arc;
use std::sync::mpsc::{Sender, channel};
use std::time::{Duration, Instant};

/// Asks the app's driver to serve `make(reply)` while paused and waits.
fn ask<T>(
    slot: &Slot,
    make: impl FnOnce(Sender<Result<T, NodeError>>) -> Command,
) -> Result<T, NodeError> {
    let control = slot.control()?;
    let (tx, rx) = channel();
    control.send(make(tx));
    rx.recv().unwrap_or(Err(NodeError::AppGone))
}

pub(crate) fn checkpoint(slot: &Slot, store: bool) -> Result<Checkpoint, NodeError> {
    ask(slot, |reply| Command::Checkpoint { store, reply })
}

/// Stops the app and waits until its end is recorded.
pub(crate) fn stop(slot: &Slot) -> Result<(), NodeError> {
    slot.begin_task(Task::Stopping)?;
    let result = ask(slot, |reply| Command::Stop { reply });
    // The driver records the end before the queue is answered with
    // AppGone; wait for the phase to change.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let g = slot.notify.generation();
        if !matches!(slot.lock().phase, Phase::Running { .. }) || Instant::now() >= deadline {
            break;
        }
        slot.notify.wait(g, Duration::from_millis(200));
    }
    result
}

/// Starts an app from a stored module.
pub(crate) fn start(node: &Arc<Node>, req: StartRequest) -> Result<AppInfo, NodeError> {
    node.refuse_if_shutting_down()?;
    let id = match req.id.clone() {
        Some(id) => id,
        None => format!("app-{}", random_hex(4)),
    };
    check_id(&id)?;
    let max_memory = node.config.limits.app_memory(req.max_memory)?;
    let time_limit_ms = node.config.limits.app_time(req.time_limit_ms)?;
    let mut env = Vec::with_capacity(req.env.len());
    for kv in &req.env {
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| NodeError::BadRequest(format!("env entry `{kv}` has no `=`")))?;
        env.push((k.to_string(), v.to_string()));
    }
    let module = node.module(&req.module)?;
    let mut record = AppRecord {
        version: RECORD_VERSION,
        id: id.clone(),
        module: req.module.clone(),
        args: req.args.clone(),
        env: req.env.clone(),
        mounts: Vec::new(),
        carry_files: req.carry_files,
        max_memory,
        time_limit_ms,
        time_used_ms: 0,
        started_unix_ms: unix_ms(),
        came_from: None,
        stdout_arrived: 0,
        stderr_arrived: 0,
        life: StoredLife::Running { from: None },
    };
    let reservation = node.apps.reserve(record.clone())?;
    record.mounts = crate::config::resolve_mounts(&node.config.allowed_dirs, &req.dirs, |i| {
        node.store.private_dir(&id, i)
    })?;
    let mut b = WasiCtxBuilder::new().arg(id.clone());
    for a in &req.args {
        b = b.arg(a.clone());
    }
    for (k, v) in &env {
        b = b.env(k, v);
    }
    for m in &record.mounts {
        b = b.preopen_dir(m.host.as_ref(), &m.guest, m.read_only)?;
    }
    let mut wasi = b.build()?;
    let logs = AppLogs::open(
        &node.store.app_dir(&id),
        crate::logs::Start::New,
        node.config.limits.max_log_bytes,
        reservation.slot().notify.clone(),
    )?;
    logs.capture(&mut wasi)?;
    let guest = Guest::new(wasi, limits(max_memory));
    let app = Migratable::new(&module.prepared, &module.module, &module.linker, guest)?;
    reservation.slot().lock().record = record;
    let slot = launch(node, reservation, app, module, logs, None)?;
    Ok(slot.info())
}

/// Publishes a reserved app as running and starts its driver thread.
pub(crate) fn launch(
    node: &Arc<Node>,
    reservation: Reservation<'_>,
    app: Migratable,
    module: LoadedModule,
    logs: Arc<AppLogs>,
    resume: Option<Resume>,
) -> Result<Arc<Slot>, NodeError> {
    let control = Control::new(&app);
    let phase = Phase::Running {
        control: control.clone(),
        task: None,
        resume,
    };
    let slot = reservation.publish(&node.store, phase, Some(logs.clone()))?;
    spawn_driver(node, slot.clone(), app, module, control, logs)?;
    Ok(slot)
}

/// Starts the driver thread of an app already published as running.
pub(crate) fn spawn_driver(
    node: &Arc<Node>,
    slot: Arc<Slot>,
    app: Migratable,
    module: LoadedModule,
    control: Control,
    logs: Arc<AppLogs>,
) -> Result<(), NodeError> {
    let driver = Driver {
        node: node.clone(),
        slot: slot.clone(),
        module,
        control,
        logs,
        since: Instant::now(),
        shutdown_reply: None,
    };
    std::thread::Builder::new()
        .name(format!("app-{}", slot.id))
        .spawn(move || driver.run(app))
        .map(drop)
        .map_err(NodeError::io("spawning the app's thread"))
}

/// Everything the driver thread of one app owns.
pub(crate) struct Driver {
    pub node: Arc<Node>,
    pub slot: Arc<Slot>,
    pub module: LoadedModule,
    pub control: Control,
    pub logs: Arc<AppLogs>,
    /// When this run here began (time limits count from here plus the
    /// record's `time_used_ms`).
    pub since: Instant,
    /// A shutdown waiting for this app's end to be recorded.
    pub shutdown_reply: Option<Sender<()>>,
}

/// How the driver loop ends.
enum Finish {
    End(End),
    Suspended,
}

impl Driver {
    /// Wall-clock time the app has run, over all nodes.
    pub fn time_used_ms(&self) -> u64 {
        let before = self.slot.lock().record.time_used_ms;
        before + self.since.elapsed().as_millis() as u64
    }

    /// The driver thread: runs the guest until its run here ends.
    pub fn run(mut self, mut app: Migratable) {
        self.arm_time_limit();
        let requests = self.control.requests.clone();
        let ended = app.drive(&requests, |app, cmd| {
            self.logs.drain();
            match self.serve(app, cmd) {
                Some(finish) => Next::Stop(finish),
                None => Next::Continue,
            }
        });
        let finish = match ended {
            Ended::Exited(code) => Finish::End(End::Exited(code)),
            Ended::Trapped(trap) => Finish::End(End::Failed(format!("{trap:#}"))),
            Ended::ResumeFailed(e) => Finish::End(End::Failed(format!("cannot resume: {e}"))),
            Ended::Stopped(finish) => finish,
        };
        self.finish(finish);
    }

    /// A timer that sends `TimeUp` once the app's time limit has passed.
    fn arm_time_limit(&self) {
        let Some(limit) = self.slot.lock().record.time_limit_ms else {
            return;
        };
        let left = limit.saturating_sub(self.time_used_ms());
        let control = self.control.clone();
        let slot = Arc::downgrade(&self.slot);
        let _ = std::thread::Builder::new()
            .name("time-limit".into())
            .spawn(move || {
                let deadline = Instant::now() + Duration::from_millis(left);
                // Wake now and then to notice an app that ended.
                while let Some(slot) = slot.upgrade() {
                    if !matches!(slot.lock().phase, Phase::Running { .. }) {
                        return;
                    }
                    let now = Instant::now();
                    if now >= deadline {
                        control.send(Command::TimeUp);
                        return;
                    }
                    let g = slot.notify.generation();
                    slot.notify
                        .wait(g, (deadline - now).min(Duration::from_secs(1)));
                }
            });
    }

    /// Serves one command while paused; `Some` when the run here is over.
    fn serve(&mut self, app: &mut Migratable, cmd: Command) -> Option<Finish> {
        match cmd {
            Command::Checkpoint { store, reply } => {
                let _ = reply.send(self.checkpoint(app, store));
            }
            Command::Stop { reply } => {
                let _ = reply.send(Ok(()));
                return Some(Finish::End(End::Stopped("stopped on request".into())));
            }
            Command::TimeUp => {
                let limit = self.slot.lock().record.time_limit_ms.unwrap_or(0);
                return Some(Finish::End(End::Failed(format!(
                    "time limit of {limit} ms reached"
                ))));
            }
            Command::Suspend { reply } => {
                // Answered once the record says how the run ended.
                self.shutdown_reply = Some(reply);
                return Some(self.suspend(app));
            }
            Command::Migrate { job, reply } => {
                let time_used_ms = self.time_used_ms();
                let paused = crate::send::Paused {
                    node: &self.node,
                    slot: &self.slot,
                    app,
                    logs: &self.logs,
                    time_used_ms,
                };
                let (report, end) = crate::send::handoff(paused, job);
                let _ = reply.send(report);
                if let Some(end) = end {
                    return Some(Finish::End(end));
                }
            }
        }
        None
    }

    fn checkpoint(&self, app: &mut Migratable, store: bool) -> Result<Checkpoint, NodeError> {
        let snapshot = app.capture(Some(&self.module.prepared))?;
        let sequence = snapshot.header.sequence;
        let bytes = snapshot.encode();
        if !store {
            return Ok(Checkpoint::Bytes(bytes));
        }
        let path = self.node.store.checkpoint_path(&self.slot.id, sequence);
        crate::store::write_durably(&path, &bytes)
            .map_err(NodeError::io(format!("writing {}", path.display())))?;
        Ok(Checkpoint::Stored(StoredCheckpoint {
            path: path.display().to_string(),
            bytes: bytes.len() as u64,
            sequence,
        }))
    }

    /// Shutdown: the snapshot goes to `suspend.snap` with the output ends
    /// it was taken at; a restart resumes from it.
    fn suspend(&self, app: &mut Migratable) -> Finish {
        let result = (|| {
            let snapshot = app.capture(None)?;
            let path = self.node.store.suspend_path(&self.slot.id);
            crate::store::write_durably(&path, &snapshot.encode())
                .map_err(NodeError::io(format!("writing {}", path.display())))
        })();
        match result {
            Ok(()) => Finish::Suspended,
            Err(e) => Finish::End(End::Stopped(format!(
                "stopped by the node's shutdown; no checkpoint could be taken: {e}"
            ))),
        }
    }

    /// Records how the run ended and answers commands that came too late.
    fn finish(self, finish: Finish) {
        self.logs.drain();
        let id = self.slot.id.clone();
        let used = self.time_used_ms();
        let phase = match &finish {
            Finish::End(end) => Phase::Ended(end.clone()),
            Finish::Suspended => Phase::Suspended,
        };
        match &finish {
            Finish::End(End::Exited(code)) => tracing::info!(app = id, code, "app exited"),
            Finish::End(End::Failed(e)) => tracing::warn!(app = id, "app failed: {e}"),
            Finish::End(End::Stopped(why)) => tracing::info!(app = id, "app stopped: {why}"),
            Finish::End(End::Moved { to }) => tracing::info!(app = id, to = %to, "app moved"),
            Finish::Suspended => tracing::info!(app = id, "app suspended for the shutdown"),
        }
        if let Err(e) = self.slot.update(&self.node.store, |s| {
            s.phase = phase;
            s.record.time_used_ms = used;
        }) {
            tracing::error!(app = id, "cannot record the end of the app: {e}");
        }
        if let Some(reply) = &self.shutdown_reply {
            let _ = reply.send(());
        }
        // Nothing can queue once the phase is no longer `Running`.
        for cmd in self.control.requests.drain() {
            match cmd {
                Command::Checkpoint { reply, .. } => drop(reply.send(Err(NodeError::AppGone))),
                Command::Stop { reply } => drop(reply.send(Err(NodeError::AppGone))),
                Command::Migrate { reply, .. } => drop(reply.send(Err(NodeError::AppGone))),
                Command::Suspend { reply } => drop(reply.send(())),
                Command::TimeUp => {}
            }
        }
    }
}
