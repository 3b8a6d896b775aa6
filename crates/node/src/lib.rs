//! The node layer of Continuum: the agent that runs on every machine.
//!
//! What it is for: serving the node HTTP API (`continuum node`,
//! `docs/node-api.md`, OpenAPI in `docs/node-api.yaml`) that starts apps
//! from uploaded modules (always migratable), lists them, streams their
//! stdout and stderr (kept per app with byte offsets that stay the same
//! across nodes), checkpoints and stops them, and live-migrates them to
//! another node with an exactly-once handoff: the source journals the
//! snapshot and decides (two-phase commit with presumed abort), the target
//! holds the restored app until the decision and starts it on commit.
//!
//! What it must never do: run an app on two nodes at once or lose one in a
//! handoff (every protocol step is journaled in the state directory before
//! it is acted on, and a restarted node finishes what its journal says),
//! resume an app at the source after it decided to commit, send an app's
//! output twice or skip any of it, or panic on a bad request, module,
//! snapshot or peer. It does not place apps or decide when they move: that
//! is the control plane's job, above it. Guest execution, snapshots and
//! WASI state belong to the layers below (`continuum-snapshot`,
//! `continuum-wasi`).

#![warn(missing_debug_implementations)]

pub mod api;
mod app;
pub mod client;
mod error;
pub mod fault;
pub mod logs;
pub mod migrate;
mod node;
pub mod precopy;
pub mod receive;
mod recover;
pub mod server;
mod store;

pub use client::{Client, FollowEnd};
pub use error::NodeError;
pub use node::{Node, NodeConfig};
pub use server::{OPENAPI_YAML, serve};
pub use store::{AppRecord, MigrationRecord, RECORD_VERSION, Store, Stream};
