//! The source side of a migration: it coordinates and alone decides.

use serde::{Deserialize, Serialize};

/// Where a migration stands at its source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceState {
    /// The app runs; the module and pre-copy rounds go to the target.
    Transferring,
    /// The app is asked to pause for the final capture.
    Pausing,
    /// Snapshot journaled (`offered`), offer sent or being sent; no decision.
    Offered,
    /// The target holds the app; the decision is being journaled.
    Deciding,
    /// Decided and journaled: the target runs the app; not acknowledged yet.
    Committed,
    /// The target acknowledged the commit; the app is gone from here.
    Done,
    /// Decided against: the app goes on here.
    Aborted,
}

/// What happened, as the source driver reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceEvent {
    /// The module (if needed) and every pre-copy round reached the target.
    Transferred,
    /// Something failed before the decision (unreachable target, refusal,
    /// capture or journal error, the app ended).
    Failed,
    /// The app paused; its final snapshot was captured and journaled.
    Journaled,
    /// The target restored and holds the app.
    Prepared,
    /// `committed` is in the journal.
    DecisionJournaled,
    /// The target confirmed the commit.
    Acknowledged,
    /// The commit did not reach the target (it will be sent again).
    Unacknowledged,
}

/// What the source driver must do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceAction {
    /// Ask the app's driver to pause, capture the final (delta) snapshot
    /// and journal it with the offer.
    PauseCaptureJournal,
    /// Send the offer and snapshot to the target.
    SendPrepare,
    /// Journal the decision `committed`.
    JournalCommitted,
    /// Send the commit to the target.
    SendCommit,
    /// Journal `aborted`, resume the app here, tell the target (best effort).
    AbortAndResume,
    /// Journal `done`, drop the snapshot; the app's run here is over.
    Finish,
    /// Leave the app moved; the resolver resends the commit until it is taken.
    RetryCommitLater,
}

/// The outcome of one event: the next state and the action that produces
/// the next event (`None`: the migration is over for the driver).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    pub next: SourceState,
    pub action: Option<SourceAction>,
}

/// An event that cannot happen in that state: a driver bug, reported, never
/// acted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Impossible {
    pub state: SourceState,
    pub event: SourceEvent,
}

/// One step of the source machine.
pub fn step(state: SourceState, event: SourceEvent) -> Result<Transition, Impossible> {
    use SourceAction as A;
    use SourceEvent as E;
    use SourceState as S;
    let t = |next, action| Ok(Transition { next, action });
    match (state, event) {
        (S::Transferring, E::Transferred) => t(S::Pausing, Some(A::PauseCaptureJournal)),
        (S::Pausing, E::Journaled) => t(S::Offered, Some(A::SendPrepare)),
        (S::Offered, E::Prepared) => t(S::Deciding, Some(A::JournalCommitted)),
        (S::Deciding, E::DecisionJournaled) => t(S::Committed, Some(A::SendCommit)),
        (S::Committed, E::Acknowledged) => t(S::Done, Some(A::Finish)),
        (S::Committed, E::Unacknowledged) => t(S::Committed, Some(A::RetryCommitLater)),
        // Before the decision is journaled, every failure aborts. The app
        // was not paused yet while transferring, so there is nothing to
        // resume, but the target may hold rounds: tell it too.
        (S::Transferring | S::Pausing | S::Offered | S::Deciding, E::Failed) => {
            t(S::Aborted, Some(A::AbortAndResume))
        }
        // After the decision a failure changes nothing: the app is moved.
        (S::Committed, E::Failed) => t(S::Committed, Some(A::RetryCommitLater)),
        (state, event) => Err(Impossible { state, event }),
    }
}

impl SourceState {
    /// Whether the app may still run at the source.
    pub fn app_stays(self) -> bool {
        matches!(
            self,
            SourceState::Transferring
                | SourceState::Pausing
                | SourceState::Offered
                | SourceState::Deciding
                | SourceState::Aborted
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use SourceAction as A;
    use SourceEvent as E;
    use SourceState as S;

    const STATES: [SourceState; 7] = [
        S::Transferring,
        S::Pausing,
        S::Offered,
        S::Deciding,
        S::Committed,
        S::Done,
        S::Aborted,
    ];
    const EVENTS: [SourceEvent; 7] = [
        E::Transferred,
        E::Failed,
        E::Journaled,
        E::Prepared,
        E::DecisionJournaled,
        E::Acknowledged,
        E::Unacknowledged,
    ];

    fn expected(s: SourceState, e: SourceEvent) -> Option<(SourceState, SourceAction)> {
        Some(match (s, e) {
            (S::Transferring, E::Transferred) => (S::Pausing, A::PauseCaptureJournal),
            (S::Pausing, E::Journaled) => (S::Offered, A::SendPrepare),
            (S::Offered, E::Prepared) => (S::Deciding, A::JournalCommitted),
            (S::Deciding, E::DecisionJournaled) => (S::Committed, A::SendCommit),
            (S::Committed, E::Acknowledged) => (S::Done, A::Finish),
            (S::Committed, E::Unacknowledged | E::Failed) => (S::Committed, A::RetryCommitLater),
            (S::Transferring | S::Pausing | S::Offered | S::Deciding, E::Failed) => {
                (S::Aborted, A::AbortAndResume)
            }
            _ => return None,
        })
    }

    #[test]
    fn every_state_and_event() {
        for s in STATES {
            for e in EVENTS {
                let got = step(s, e).ok().map(|t| (t.next, t.action.unwrap()));
                assert_eq!(got, expected(s, e), "{s:?} {e:?}");
            }
        }
    }

    #[test]
    fn once_committed_the_app_never_resumes_here() {
        for s in [S::Committed, S::Done] {
            for e in EVENTS {
                if let Ok(t) = step(s, e) {
                    assert!(!t.next.app_stays(), "{s:?} {e:?}");
                    assert_ne!(t.action, Some(A::AbortAndResume));
                }
            }
        }
    }

    #[test]
    fn the_happy_path_ends_done_and_every_early_failure_aborts() {
        let mut s = S::Transferring;
        for e in [
            E::Transferred,
            E::Journaled,
            E::Prepared,
            E::DecisionJournaled,
            E::Acknowledged,
        ] {
            s = step(s, e).unwrap().next;
        }
        assert_eq!(s, S::Done);
        for s in [S::Transferring, S::Pausing, S::Offered, S::Deciding] {
            assert_eq!(step(s, E::Failed).unwrap().next, S::Aborted);
        }
    }
}
