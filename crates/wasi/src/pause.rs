//! [`PauseSignal`]: how another thread asks a guest blocked in a host call
//! to give up its wait so that it can be paused there.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A pause request that any thread can raise: a flag plus an eventfd that
/// wakes a host call blocked in `poll(2)` at once.
#[derive(Clone, Debug)]
pub struct PauseSignal {
    flag: Arc<AtomicBool>,
    wake: Option<Arc<rustix::fd::OwnedFd>>,
}

impl PauseSignal {
    pub(crate) fn new() -> Self {
        use rustix::event::{EventfdFlags, eventfd};
        PauseSignal {
            flag: Arc::new(AtomicBool::new(false)),
            // Without an eventfd (never seen on Linux) waits notice the flag
            // at their next 50 ms slice instead.
            wake: eventfd(0, EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK)
                .ok()
                .map(Arc::new),
        }
    }

    /// Asks the guest to pause.
    pub fn raise(&self) {
        self.flag.store(true, Ordering::SeqCst);
        if let Some(w) = &self.wake {
            let _ = rustix::io::write(w, &1u64.to_ne_bytes());
        }
    }

    /// Whether a pause was asked for.
    pub fn raised(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }

    pub(crate) fn clear(&self) {
        self.flag.store(false, Ordering::SeqCst);
        if let Some(w) = &self.wake {
            let mut buf = [0u8; 8];
            let _ = rustix::io::read(w, &mut buf);
        }
    }

    /// The fd that becomes readable when the signal is raised.
    pub(crate) fn wake_fd(&self) -> Option<rustix::fd::BorrowedFd<'_>> {
        use rustix::fd::AsFd;
        self.wake.as_deref().map(|w| w.as_fd())
    }
}
