//! The target side of a migration: what a node does when a source opens,
//! feeds, prepares, commits or aborts a migration to it.

use super::Refusal;
use serde::{Deserialize, Serialize};

/// Where a migration stands at its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetState {
    /// Opened by the source: pre-copy rounds arrive; nothing journaled.
    Open,
    /// Snapshot received, journaled and restored; the app is held, not
    /// running, until the source decides.
    Prepared,
    /// The source decided to move the app here: it runs here.
    Committed,
    /// Decided against (or never heard of before an abort): the app is not
    /// ours; the record stays as a tombstone so a late prepare is refused.
    Aborted,
}

/// What can happen to a migration at its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetEvent {
    /// `POST /v1/migrations/{id}` by a peer.
    Begin,
    /// A pre-copy round.
    Round,
    /// The offer with the final snapshot.
    Prepare,
    /// The source's decision to commit.
    Commit,
    /// The source's decision to abort.
    Abort,
    /// An open migration saw nothing for too long (not prepared: nothing
    /// was decided, so dropping it is safe; the source aborts).
    Expire,
    /// The answer of the source when asked about a prepared migration.
    SourceSays(SourceAnswer),
}

/// What the source answered about a prepared migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceAnswer {
    Committed,
    Aborted,
    /// The source has no record: it never decided (presumed abort).
    NoRecord,
    /// Still undecided, or the source cannot be reached: wait.
    Undecided,
}

/// What the target driver must do, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetAction {
    /// Remember the open migration (in memory) bound to the caller.
    Open,
    /// Check and apply the round's memory; append it to the rounds file.
    ApplyRound,
    /// Decode the snapshot, restore the app held (not running).
    Restore,
    /// Journal `prepared` (snapshot, app record, migration record).
    JournalPrepared,
    /// Journal `committed`.
    JournalCommitted,
    /// Start the held app.
    Launch,
    /// Journal `aborted`.
    JournalAborted,
    /// Drop the held app, the rounds and the snapshot.
    Discard,
}

/// The outcome of one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Carry out `actions`; the migration is then in `next`.
    Go {
        next: TargetState,
        actions: &'static [TargetAction],
    },
    /// Already done (a retried request): answer with the current state.
    Again,
    /// Nothing to do now.
    Wait,
    Refuse(Refusal),
}

/// Who sent the event, against whom the migration is bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sender {
    /// The peer the migration is bound to (or, for a new migration, any peer).
    Owner,
    /// Another authenticated peer.
    Stranger,
}

/// One step of the target machine. `state` is `None` for a migration this
/// node has no record of.
pub fn step(state: Option<TargetState>, event: TargetEvent, from: Sender) -> Step {
    use TargetAction::*;
    use TargetEvent as E;
    use TargetState as S;
    if state.is_some() && from == Sender::Stranger {
        return Step::Refuse(Refusal::NotYours);
    }
    match (state, event) {
        (None, E::Begin) => Step::Go {
            next: S::Open,
            actions: &[Open],
        },
        (Some(S::Open), E::Begin) => Step::Again,
        (Some(S::Open), E::Round) => Step::Go {
            next: S::Open,
            actions: &[ApplyRound],
        },
        (Some(S::Open), E::Prepare) => Step::Go {
            next: S::Prepared,
            actions: &[Restore, JournalPrepared],
        },
        (Some(S::Prepared), E::Prepare) => Step::Again,
        (Some(S::Prepared), E::Commit | E::SourceSays(SourceAnswer::Committed)) => Step::Go {
            next: S::Committed,
            actions: &[JournalCommitted, Launch],
        },
        (Some(S::Committed), E::Commit) => Step::Again,
        (
            Some(S::Open | S::Prepared),
            E::Abort | E::SourceSays(SourceAnswer::Aborted | SourceAnswer::NoRecord),
        ) => Step::Go {
            next: S::Aborted,
            actions: &[JournalAborted, Discard],
        },
        // An abort for a migration never heard of leaves a tombstone so
        // that a prepare delayed in the network is refused later.
        (None, E::Abort) => Step::Go {
            next: S::Aborted,
            actions: &[JournalAborted],
        },
        (Some(S::Aborted), E::Abort) => Step::Again,
        (Some(S::Open), E::Expire) => Step::Go {
            next: S::Aborted,
            actions: &[JournalAborted, Discard],
        },
        (Some(S::Prepared), E::SourceSays(SourceAnswer::Undecided)) => Step::Wait,
        (_, E::Expire | E::SourceSays(_)) => Step::Wait,
        (Some(s @ (S::Committed | S::Aborted)), _) => Step::Refuse(Refusal::Decided(s)),
        (Some(S::Prepared), E::Begin | E::Round) => {
            Step::Refuse(Refusal::OutOfOrder("the migration is prepared already"))
        }
        (None, E::Round | E::Prepare) => {
            Step::Refuse(Refusal::OutOfOrder("the migration was not begun"))
        }
        (None, E::Commit) => Step::Refuse(Refusal::Unknown),
        (Some(S::Open), E::Commit) => {
            Step::Refuse(Refusal::OutOfOrder("the migration is not prepared"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use SourceAnswer as A;
    use TargetEvent as E;
    use TargetState as S;

    const STATES: [Option<TargetState>; 5] = [
        None,
        Some(S::Open),
        Some(S::Prepared),
        Some(S::Committed),
        Some(S::Aborted),
    ];
    const EVENTS: [TargetEvent; 10] = [
        E::Begin,
        E::Round,
        E::Prepare,
        E::Commit,
        E::Abort,
        E::Expire,
        E::SourceSays(A::Committed),
        E::SourceSays(A::Aborted),
        E::SourceSays(A::NoRecord),
        E::SourceSays(A::Undecided),
    ];

    fn go(next: TargetState, actions: &'static [TargetAction]) -> Step {
        Step::Go { next, actions }
    }

    /// The whole table, written out: every (state, event) pair from the
    /// owner of the migration.
    fn expected(state: Option<TargetState>, event: TargetEvent) -> Step {
        use TargetAction::*;
        let ooo = |m| Step::Refuse(Refusal::OutOfOrder(m));
        let decided = |s| Step::Refuse(Refusal::Decided(s));
        match state {
            None => match event {
                E::Begin => go(S::Open, &[Open]),
                E::Round | E::Prepare => ooo("the migration was not begun"),
                E::Commit => Step::Refuse(Refusal::Unknown),
                E::Abort => go(S::Aborted, &[JournalAborted]),
                E::Expire | E::SourceSays(_) => Step::Wait,
            },
            Some(S::Open) => match event {
                E::Begin => Step::Again,
                E::Round => go(S::Open, &[ApplyRound]),
                E::Prepare => go(S::Prepared, &[Restore, JournalPrepared]),
                E::Commit => ooo("the migration is not prepared"),
                E::Abort | E::Expire | E::SourceSays(A::Aborted | A::NoRecord) => {
                    go(S::Aborted, &[JournalAborted, Discard])
                }
                E::SourceSays(_) => Step::Wait,
            },
            Some(S::Prepared) => match event {
                E::Begin | E::Round => ooo("the migration is prepared already"),
                E::Prepare => Step::Again,
                E::Commit | E::SourceSays(A::Committed) => {
                    go(S::Committed, &[JournalCommitted, Launch])
                }
                E::Abort | E::SourceSays(A::Aborted | A::NoRecord) => {
                    go(S::Aborted, &[JournalAborted, Discard])
                }
                E::Expire | E::SourceSays(A::Undecided) => Step::Wait,
            },
            Some(S::Committed) => match event {
                E::Commit => Step::Again,
                E::Expire | E::SourceSays(_) => Step::Wait,
                _ => decided(S::Committed),
            },
            Some(S::Aborted) => match event {
                E::Abort => Step::Again,
                E::Expire | E::SourceSays(_) => Step::Wait,
                _ => decided(S::Aborted),
            },
        }
    }

    #[test]
    fn every_state_and_event_from_the_owner() {
        for s in STATES {
            for e in EVENTS {
                assert_eq!(step(s, e, Sender::Owner), expected(s, e), "{s:?} {e:?}");
            }
        }
    }

    #[test]
    fn a_stranger_can_advance_no_known_migration() {
        for s in STATES.into_iter().flatten() {
            for e in EVENTS {
                assert_eq!(
                    step(Some(s), e, Sender::Stranger),
                    Step::Refuse(Refusal::NotYours),
                    "{s:?} {e:?}"
                );
            }
        }
    }

    #[test]
    fn a_committed_app_is_never_discarded_and_an_aborted_one_never_launched() {
        for s in STATES {
            for e in EVENTS {
                if let Step::Go { actions, next } = step(s, e, Sender::Owner) {
                    if s == Some(S::Committed) {
                        panic!("{e:?} changed a committed migration");
                    }
                    if s == Some(S::Aborted) || next == S::Aborted {
                        assert!(!actions.contains(&TargetAction::Launch), "{s:?} {e:?}");
                    }
                    if actions.contains(&TargetAction::Launch) {
                        assert_eq!(s, Some(S::Prepared), "launch only what was prepared");
                    }
                }
            }
        }
    }
}
