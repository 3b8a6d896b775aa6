//! What a restarted node does with each journaled migration, and what the
//! resolver does with migrations whose other side did not answer.

use super::source::SourceState;
use super::target::TargetState;

/// A journal record's place in the protocol, as persisted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Journaled {
    Source(SourceState),
    Target(TargetState),
}

/// What to do at start with one journal record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtStart {
    /// Source died before deciding: journal `aborted` and rebuild the app
    /// here from the journaled snapshot.
    PresumeAbort,
    /// Source decided: the app stays moved; keep resending the commit.
    KeepMoved,
    /// Target held the app: restore it again, held, and ask the source.
    HoldAgain,
    /// Target committed: the app runs here, rebuilt from the snapshot it
    /// arrived with.
    RunHere,
    /// Nothing to do (finished, aborted, or never journaled by design).
    Nothing,
}

pub fn at_start(j: Journaled) -> AtStart {
    use SourceState as S;
    use TargetState as T;
    match j {
        Journaled::Source(S::Offered | S::Pausing | S::Transferring | S::Deciding) => {
            AtStart::PresumeAbort
        }
        Journaled::Source(S::Committed) => AtStart::KeepMoved,
        Journaled::Source(S::Done | S::Aborted) => AtStart::Nothing,
        Journaled::Target(T::Prepared) => AtStart::HoldAgain,
        Journaled::Target(T::Committed) => AtStart::RunHere,
        Journaled::Target(T::Open | T::Aborted) => AtStart::Nothing,
    }
}

/// What the resolver does with one migration on one pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolve {
    /// Send the commit to the target again.
    ResendCommit,
    /// Ask the source what it decided.
    AskSource,
    /// Drop an open migration that saw nothing for too long.
    Expire,
    Nothing,
}

/// `idle_ms`: how long since the migration last changed.
pub fn resolve(j: Journaled, idle_ms: u64, ask_after_ms: u64, expire_after_ms: u64) -> Resolve {
    match j {
        Journaled::Source(SourceState::Committed) => Resolve::ResendCommit,
        Journaled::Target(TargetState::Prepared) if idle_ms >= ask_after_ms => Resolve::AskSource,
        Journaled::Target(TargetState::Open) if idle_ms >= expire_after_ms => Resolve::Expire,
        _ => Resolve::Nothing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use SourceState as S;
    use TargetState as T;

    #[test]
    fn every_journaled_state_at_start() {
        let table = [
            (Journaled::Source(S::Transferring), AtStart::PresumeAbort),
            (Journaled::Source(S::Pausing), AtStart::PresumeAbort),
            (Journaled::Source(S::Offered), AtStart::PresumeAbort),
            (Journaled::Source(S::Deciding), AtStart::PresumeAbort),
            (Journaled::Source(S::Committed), AtStart::KeepMoved),
            (Journaled::Source(S::Done), AtStart::Nothing),
            (Journaled::Source(S::Aborted), AtStart::Nothing),
            (Journaled::Target(T::Open), AtStart::Nothing),
            (Journaled::Target(T::Prepared), AtStart::HoldAgain),
            (Journaled::Target(T::Committed), AtStart::RunHere),
            (Journaled::Target(T::Aborted), AtStart::Nothing),
        ];
        for (j, want) in table {
            assert_eq!(at_start(j), want, "{j:?}");
        }
    }

    #[test]
    fn the_resolver_resends_asks_and_expires_only_when_due() {
        let r = |j, idle| resolve(j, idle, 2000, 60_000);
        assert_eq!(r(Journaled::Source(S::Committed), 0), Resolve::ResendCommit);
        assert_eq!(r(Journaled::Target(T::Prepared), 1999), Resolve::Nothing);
        assert_eq!(r(Journaled::Target(T::Prepared), 2000), Resolve::AskSource);
        assert_eq!(r(Journaled::Target(T::Open), 59_999), Resolve::Nothing);
        assert_eq!(r(Journaled::Target(T::Open), 60_000), Resolve::Expire);
        for s in [
            S::Transferring,
            S::Pausing,
            S::Offered,
            S::Deciding,
            S::Done,
            S::Aborted,
        ] {
            assert_eq!(r(Journaled::Source(s), u64::MAX), Resolve::Nothing, "{s:?}");
        }
        for t in [T::Committed, T::Aborted] {
            assert_eq!(r(Journaled::Target(t), u64::MAX), Resolve::Nothing, "{t:?}");
        }
    }
}
