//! The node layer of Continuum: the agent that runs on every machine.
//!
//! What it is for: serving the node HTTP API (`continuum node`,
//! `docs/node-api.md`, OpenAPI in `docs/node-api.yaml`) to authenticated
//! callers only — the operator's admin token, or the shared secret of an
//! introduced peer node. It starts apps from uploaded modules (always
//! migratable) within the limits its operator set (memory, time, output,
//! host directories), lists them, streams their output (kept per app with
//! byte offsets that stay the same across nodes), checkpoints and stops
//! them, suspends them at shutdown and resumes them at start, and
//! live-migrates them to a peer with an exactly-once handoff.
//!
//! How it is built: the migration protocol is pure state machines
//! (`protocol`), driven by `send` (source), `receive` (target) and
//! `recover` (start and resolver), which do the I/O; an app's lifecycle is
//! one enum in `registry`; its driver thread is `app`.
//!
//! What it must never do: run an app on two nodes at once or lose one in a
//! handoff (every protocol step is journaled in the state directory before
//! it is acted on, and a restarted node finishes what its journal says),
//! resume an app at the source after it decided to commit, send an app's
//! output twice or skip any of it silently, let an unauthenticated caller
//! change anything, allocate what a request claims before checking it
//! against the limits, mount a host directory its operator did not allow,
//! or panic on a bad request, module, snapshot or peer. It does not place
//! apps or decide when they move: that is the control plane's job, above
//! it. Guest execution, snapshots and WASI state belong to the layers
//! below (`continuum-snapshot`, `continuum-wasi`).

#![warn(missing_debug_implementations)]

pub mod api;
mod app;
pub mod auth;
pub mod client;
pub mod config;
mod control;
mod error;
pub mod fault;
pub mod logs;
mod migrations;
mod modules;
mod node;
mod offer;
mod output;
mod precopy;
pub mod protocol;
mod receive;
mod records;
mod recover;
mod registry;
mod send;
pub mod server;
mod store;

pub use client::{Client, Follow, FollowEnd, Target};
pub use config::{AllowedDir, NodeConfig, NodeLimits};
pub use error::{NodeError, check_id};
pub use node::Node;
pub use offer::{frame_offer, parse_offer};
pub use precopy::{decode as decode_round, encode as encode_round};
pub use records::RECORD_VERSION;
pub use server::{OPENAPI_YAML, Plaintext, Serve, serve};
pub use store::Stream;
