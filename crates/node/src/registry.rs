//! The apps of one node and their lifecycle: one [`Phase`] per app is the
//! whole truth about where it stands here (its on-disk record stores the
//! projection of it, [`StoredLife`]). An id is taken by a
//! [`Reservation`], which gives it back when dropped unless published, so
//! a failed start or arrival never leaves the id taken.
//!
//! Locking: the registry's map lock is held only to find, insert or remove
//! a slot; each app's own lock guards its phase and record, and the
//! durable write of that record, never another app's.

use crate::api::{AppInfo, AppState, StreamInfo};
use crate::control::Control;
use crate::error::NodeError;
use crate::logs::{AppLogs, Notify};
use crate::records::{AppRecord, Resume, StoredLife};
use crate::store::{Store, Stream};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// Where one app stands on this node.
#[derive(Debug)]
pub(crate) enum Phase {
    /// The id is taken by a start or an arrival in progress; not listed.
    Reserved,
    /// Restored by a prepared migration; held until the source decides.
    Arriving { migration: String },
    /// Its driver thread runs it.
    Running {
        control: Control,
        /// A migration, stop or suspension in progress (one at a time).
        task: Option<Task>,
        /// Where a restarted node finds a snapshot to rebuild it from.
        resume: Option<Resume>,
    },
    /// Checkpointed by a shutdown; resumed when the node starts.
    Suspended,
    /// Its run here is over.
    Ended(End),
}

/// The one long operation an app may be under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Task {
    Migrating { migration: Option<String> },
    Stopping,
}

/// How an app's run on this node ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum End {
    Exited(i32),
    Failed(String),
    Stopped(String),
    Moved { to: String },
}

impl Phase {
    pub fn state(&self) -> AppState {
        match self {
            Phase::Reserved | Phase::Arriving { .. } => AppState::Arriving,
            Phase::Running {
                task: Some(Task::Migrating { .. }),
                ..
            } => AppState::Migrating,
            Phase::Running { .. } => AppState::Running,
            Phase::Suspended => AppState::Suspended,
            Phase::Ended(End::Exited(_)) => AppState::Exited,
            Phase::Ended(End::Failed(_)) => AppState::Failed,
            Phase::Ended(End::Stopped(_)) => AppState::Stopped,
            Phase::Ended(End::Moved { .. }) => AppState::Moved,
        }
    }

    /// What the record on disk says (`None` while only reserved).
    pub fn stored(&self) -> Option<StoredLife> {
        Some(match self {
            Phase::Reserved => return None,
            Phase::Arriving { migration } => StoredLife::Arriving {
                migration: migration.clone(),
            },
            Phase::Running {
                task:
                    Some(Task::Migrating {
                        migration: Some(m), ..
                    }),
                ..
            } => StoredLife::Migrating {
                migration: m.clone(),
            },
            Phase::Running { resume, .. } => StoredLife::Running {
                from: resume.clone(),
            },
            Phase::Suspended => StoredLife::Suspended,
            Phase::Ended(End::Exited(code)) => StoredLife::Exited { code: *code },
            Phase::Ended(End::Failed(error)) => StoredLife::Failed {
                error: error.clone(),
            },
            Phase::Ended(End::Stopped(reason)) => StoredLife::Stopped {
                reason: reason.clone(),
            },
            Phase::Ended(End::Moved { to }) => StoredLife::Moved { to: to.clone() },
        })
    }

    /// The phase of an app loaded from disk that is not running (yet).
    pub fn of_stored(life: &StoredLife) -> Phase {
        match life {
            StoredLife::Arriving { migration } => Phase::Arriving {
                migration: migration.clone(),
            },
            StoredLife::Suspended => Phase::Suspended,
            StoredLife::Exited { code } => Phase::Ended(End::Exited(*code)),
            StoredLife::Failed { error } => Phase::Ended(End::Failed(error.clone())),
            StoredLife::Stopped { reason } => Phase::Ended(End::Stopped(reason.clone())),
            StoredLife::Moved { to } => Phase::Ended(End::Moved { to: to.clone() }),
            StoredLife::Running { .. } | StoredLife::Migrating { .. } => Phase::Ended(End::Failed(
                "the node stopped while the app ran, with no snapshot to rebuild it from".into(),
            )),
        }
    }
}

/// One app's mutable state.
#[derive(Debug)]
pub(crate) struct AppMut {
    pub record: AppRecord,
    pub phase: Phase,
    pub logs: Option<Arc<AppLogs>>,
}

/// One app.
#[derive(Debug)]
pub(crate) struct Slot {
    pub id: String,
    /// Woken on every change of the app's output or phase.
    pub notify: Arc<Notify>,
    state: Mutex<AppMut>,
}

impl Slot {
    pub fn lock(&self) -> MutexGuard<'_, AppMut> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Changes the app under its lock, saves its record and wakes followers.
    pub fn update<T>(
        &self,
        store: &Store,
        f: impl FnOnce(&mut AppMut) -> T,
    ) -> Result<T, NodeError> {
        let mut s = self.lock();
        let out = f(&mut s);
        let saved = save(store, &mut s);
        drop(s);
        self.notify.wake();
        saved.map(|()| out)
    }

    pub fn info(&self) -> AppInfo {
        let s = self.lock();
        info_of(&s)
    }

    pub fn state(&self) -> AppState {
        self.lock().phase.state()
    }

    /// The control of the running app, or why there is none.
    pub fn control(&self) -> Result<Control, NodeError> {
        let s = self.lock();
        match &s.phase {
            Phase::Running { control, .. } => Ok(control.clone()),
            other => Err(NodeError::NotRunning {
                id: self.id.clone(),
                state: other.state(),
            }),
        }
    }

    /// Marks a running app as under `task`; refused while another runs.
    pub fn begin_task(&self, task: Task) -> Result<(), NodeError> {
        let mut s = self.lock();
        match &mut s.phase {
            Phase::Running { task: t @ None, .. } => {
                *t = Some(task);
                Ok(())
            }
            Phase::Running { .. } => Err(NodeError::AppBusy(self.id.clone())),
            other => Err(NodeError::NotRunning {
                id: self.id.clone(),
                state: other.state(),
            }),
        }
    }

    pub fn end_task(&self) {
        if let Phase::Running { task, .. } = &mut self.lock().phase {
            *task = None;
        }
        self.notify.wake();
    }
}

/// Saves the record with its life taken from the phase.
pub(crate) fn save(store: &Store, s: &mut AppMut) -> Result<(), NodeError> {
    match s.phase.stored() {
        Some(life) => {
            s.record.life = life;
            store.save_app(&s.record)
        }
        None => Ok(()),
    }
}

fn info_of(s: &AppMut) -> AppInfo {
    let r = &s.record;
    let stream = |st: Stream, arrived: u64| match &s.logs {
        Some(l) => {
            let e = l.ends(st);
            StreamInfo {
                arrived,
                base: e.base,
                end: e.end,
            }
        }
        None => StreamInfo {
            arrived,
            base: arrived,
            end: arrived,
        },
    };
    let (exit_code, error, moved_to) = match &s.phase {
        Phase::Ended(End::Exited(c)) => (Some(*c), None, None),
        Phase::Ended(End::Failed(e)) => (None, Some(e.clone()), None),
        Phase::Ended(End::Stopped(reason)) => (None, Some(reason.clone()), None),
        Phase::Ended(End::Moved { to }) => (None, None, Some(to.clone())),
        _ => (None, None, None),
    };
    AppInfo {
        id: r.id.clone(),
        state: s.phase.state(),
        module: r.module.clone(),
        args: r.args.clone(),
        exit_code,
        error,
        moved_to,
        came_from: r.came_from.clone(),
        stdout: stream(Stream::Stdout, r.stdout_arrived),
        stderr: stream(Stream::Stderr, r.stderr_arrived),
        started_unix_ms: r.started_unix_ms,
        max_memory: r.max_memory,
        time_limit_ms: r.time_limit_ms,
    }
}

/// All apps of the node.
#[derive(Debug, Default)]
pub(crate) struct Registry {
    slots: Mutex<HashMap<String, Arc<Slot>>>,
}

impl Registry {
    fn map(&self) -> MutexGuard<'_, HashMap<String, Arc<Slot>>> {
        self.slots.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The app `id`, unless it is only reserved.
    pub fn get(&self, id: &str) -> Result<Arc<Slot>, NodeError> {
        let slot = self.map().get(id).cloned();
        match slot {
            Some(s) if !matches!(s.lock().phase, Phase::Reserved) => Ok(s),
            _ => Err(NodeError::UnknownApp(id.to_string())),
        }
    }

    pub fn all(&self) -> Vec<Arc<Slot>> {
        let slots: Vec<Arc<Slot>> = self.map().values().cloned().collect();
        let mut out: Vec<Arc<Slot>> = slots
            .into_iter()
            .filter(|s| !matches!(s.lock().phase, Phase::Reserved))
            .collect();
        out.sort_by(|a, b| a.id.cmp(&b.id));
        out
    }

    /// Takes `id` for an app about to start or arrive: refused while an app
    /// of that id has not ended here.
    pub fn reserve(&self, record: AppRecord) -> Result<Reservation<'_>, NodeError> {
        let id = record.id.clone();
        let mut map = self.map();
        if let Some(s) = map.get(&id)
            && !matches!(s.lock().phase, Phase::Ended(_))
        {
            return Err(NodeError::AppExists(id));
        }
        let slot = Arc::new(Slot {
            id: id.clone(),
            notify: Arc::default(),
            state: Mutex::new(AppMut {
                record,
                phase: Phase::Reserved,
                logs: None,
            }),
        });
        map.insert(id, slot.clone());
        Ok(Reservation {
            registry: self,
            slot,
            published: false,
        })
    }

    /// Puts an app loaded from disk in place (at start).
    pub fn insert_loaded(&self, record: AppRecord, phase: Phase, logs: Option<Arc<AppLogs>>) {
        let id = record.id.clone();
        let slot = Arc::new(Slot {
            id: id.clone(),
            notify: Arc::default(),
            state: Mutex::new(AppMut {
                record,
                phase,
                logs,
            }),
        });
        self.map().insert(id, slot);
    }

    /// Forgets an app (an arrival that was aborted).
    pub fn remove(&self, id: &str) {
        self.map().remove(id);
    }
}

/// An id taken for an app not published yet; given back when dropped.
#[derive(Debug)]
pub(crate) struct Reservation<'a> {
    registry: &'a Registry,
    slot: Arc<Slot>,
    published: bool,
}

impl Reservation<'_> {
    pub fn slot(&self) -> &Arc<Slot> {
        &self.slot
    }

    /// Makes the app visible in `phase`, with its record saved first: if
    /// the save fails the reservation is dropped and the id given back.
    pub fn publish(
        mut self,
        store: &Store,
        phase: Phase,
        logs: Option<Arc<AppLogs>>,
    ) -> Result<Arc<Slot>, NodeError> {
        self.slot.update(store, |s| {
            s.phase = phase;
            s.logs = logs;
        })?;
        self.published = true;
        Ok(self.slot.clone())
    }
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        if self.published {
            return;
        }
        let mut map = self.registry.map();
        if map
            .get(&self.slot.id)
            .is_some_and(|s| Arc::ptr_eq(s, &self.slot))
        {
            map.remove(&self.slot.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::RECORD_VERSION;

    pub(crate) fn record(id: &str) -> AppRecord {
        AppRecord {
            version: RECORD_VERSION,
            id: id.into(),
            module: "m".into(),
            args: vec![],
            env: vec![],
            mounts: vec![],
            carry_files: true,
            max_memory: 1 << 20,
            time_limit_ms: None,
            time_used_ms: 0,
            started_unix_ms: 0,
            came_from: None,
            stdout_arrived: 0,
            stderr_arrived: 0,
            life: StoredLife::Suspended,
        }
    }

    #[test]
    fn a_dropped_reservation_gives_the_id_back_and_a_published_one_keeps_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(Some(dir.path())).unwrap();
        let reg = Registry::default();
        {
            let r = reg.reserve(record("a")).unwrap();
            assert!(matches!(
                reg.reserve(record("a")),
                Err(NodeError::AppExists(_))
            ));
            assert!(reg.get("a").is_err(), "a reservation is not listed");
            drop(r);
        }
        let r = reg.reserve(record("a")).expect("the id is free again");
        r.publish(&store, Phase::Ended(End::Exited(3)), None)
            .unwrap();
        let slot = reg.get("a").unwrap();
        assert_eq!(slot.info().exit_code, Some(3));
        assert!(dir.path().join("apps/a/app.json").exists());
        // An ended app's id may be taken again.
        let again = reg.reserve(record("a")).unwrap();
        drop(again);
        assert!(reg.get("a").is_err());
    }

    #[test]
    fn a_failed_save_leaves_the_id_free() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(Some(dir.path())).unwrap();
        // A file where the app's directory would go: the save fails.
        std::fs::write(dir.path().join("apps/b"), b"x").unwrap();
        let reg = Registry::default();
        let r = reg.reserve(record("b")).unwrap();
        assert!(r.publish(&store, Phase::Suspended, None).is_err());
        assert!(reg.reserve(record("b")).is_ok(), "not left taken");
    }

    #[test]
    fn phases_project_onto_disk_and_back() {
        for (phase, state) in [
            (Phase::Suspended, AppState::Suspended),
            (Phase::Ended(End::Exited(0)), AppState::Exited),
            (Phase::Ended(End::Failed("x".into())), AppState::Failed),
            (Phase::Ended(End::Stopped("y".into())), AppState::Stopped),
            (Phase::Ended(End::Moved { to: "u".into() }), AppState::Moved),
            (
                Phase::Arriving {
                    migration: "m".into(),
                },
                AppState::Arriving,
            ),
        ] {
            assert_eq!(phase.state(), state);
            let back = Phase::of_stored(&phase.stored().unwrap());
            assert_eq!(back.state(), state);
        }
        assert!(Phase::Reserved.stored().is_none());
        // A record that says running, loaded at start, is not running.
        let p = Phase::of_stored(&StoredLife::Running { from: None });
        assert_eq!(p.state(), AppState::Failed);
    }
}
