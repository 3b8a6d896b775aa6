//! The one run/pause/resume loop every host of a migratable guest uses (the
//! CLI's `run --migratable` and `restore`, the node's app threads).
//!
//! Whoever wants something done to the guest while it is paused (a
//! checkpoint, a migration, a stop, a time limit) sends a command through
//! [`Requests`]: it is queued and a pause is requested, so the guest stops
//! at its next poll point (or at once in a blocking WASI call). The loop then
//! hands every queued command to the host's handler, which may end the run;
//! otherwise the guest resumes. A command sent while the guest was resuming
//! would have its pause request cleared by the resume, so the loop asks
//! again whenever the queue is not empty after a resume.

use crate::guest::PauseHandle;
use crate::runtime::{Migratable, Outcome};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// The sending side of a guest's command queue. Cloneable, any thread.
#[derive(Debug)]
pub struct Requests<C> {
    pause: PauseHandle,
    queue: Arc<Mutex<VecDeque<C>>>,
}

impl<C> Clone for Requests<C> {
    fn clone(&self) -> Self {
        Requests {
            pause: self.pause.clone(),
            queue: self.queue.clone(),
        }
    }
}

impl<C> Requests<C> {
    /// Queues `command` and asks the guest to pause to serve it.
    pub fn send(&self, command: C) {
        self.lock().push_back(command);
        self.pause.request();
    }

    /// Takes every command still queued (for answering them after the end).
    pub fn drain(&self) -> Vec<C> {
        self.lock().drain(..).collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<C>> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn pop(&self) -> Option<C> {
        self.lock().pop_front()
    }
}

/// What the handler decides about the run after serving a command.
#[derive(Debug)]
pub enum Next<T> {
    /// Serve the next command, then resume the guest.
    Continue,
    /// End the run here (the guest stays paused), with the host's reason.
    Stop(T),
}

/// How [`Migratable::drive`] ended.
#[derive(Debug)]
pub enum Ended<T> {
    /// The guest exited with this status.
    Exited(i32),
    /// The guest trapped or a host call failed.
    Trapped(wasmtime::Error),
    /// The guest could not continue after a pause.
    ResumeFailed(crate::MigrateError),
    /// The handler ended the run ([`Next::Stop`]); the guest is paused.
    Stopped(T),
}

impl Migratable {
    /// The queue through which commands reach this guest while it runs.
    pub fn requests<C>(&self) -> Requests<C> {
        Requests {
            pause: self.pause_handle(),
            queue: Arc::new(Mutex::new(VecDeque::new())),
        }
    }

    /// Runs the guest to its end, handing each command sent through
    /// `requests` to `handle` while the guest is paused (see the module docs).
    pub fn drive<C, T>(
        &mut self,
        requests: &Requests<C>,
        mut handle: impl FnMut(&mut Migratable, C) -> Next<T>,
    ) -> Ended<T> {
        loop {
            match self.run() {
                Ok(Outcome::Exited(code)) => return Ended::Exited(code),
                Err(e) => return Ended::Trapped(e),
                Ok(Outcome::Paused) => {}
            }
            while let Some(command) = requests.pop() {
                if let Next::Stop(reason) = handle(self, command) {
                    return Ended::Stopped(reason);
                }
            }
            if let Err(e) = self.resume() {
                return Ended::ResumeFailed(e);
            }
            if !requests.lock().is_empty() {
                requests.pause.request();
            }
        }
    }
}
