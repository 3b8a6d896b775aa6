//! The live-migration protocol as pure state machines: no I/O, no clocks,
//! no locks. Each side is a function from (state, event) to a transition
//! (the next state and the actions to carry out) or a refusal; the drivers
//! (`crate::send`, `crate::receive`, `crate::recover`) do the I/O the
//! actions name and feed what happened back as the next event.
//!
//! The protocol is a two-phase commit with presumed abort, coordinated by
//! the source (docs/node-api.md, "Migration protocol"):
//!
//! ```text
//! source: Transferring --(module + pre-copy rounds sent)--> Pausing
//!         Pausing --(captured, journaled `offered`)--> Offered
//!         Offered --(target prepared)--> Deciding --(journaled `committed`)--> Committed
//!         Committed --(target acknowledged)--> Done
//!         any state before the decision --(failure)--> Aborted (the app resumes here)
//! target: (none) --begin--> Open --prepare--> Prepared --commit--> Committed
//!         Open | Prepared | (none) --abort--> Aborted (a tombstone for an unknown id)
//! ```
//!
//! The rules every transition keeps: the source alone decides; it journals
//! a decision before telling anybody; after `committed` the app never runs
//! at the source again; the target never runs a prepared app on its own;
//! only the peer that opened a migration at the target may advance it.

pub mod recovery;
pub mod source;
pub mod target;

/// Why a request is refused by a protocol state machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The migration was decided already (its state is carried).
    Decided(target::TargetState),
    /// The migration belongs to another peer than the caller.
    NotYours,
    /// The request does not fit the migration's state (e.g. a pre-copy
    /// round after the prepare, or a commit of an unknown migration).
    OutOfOrder(&'static str),
    /// Nothing is known of this migration.
    Unknown,
}
