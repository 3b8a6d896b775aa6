//! The node's errors: each names its cause, carries its data (states as
//! enums, not their names) and knows its HTTP status. Hints for people are
//! added at the CLI edge, not here.

use crate::api::AppState;
use crate::protocol::Refusal;
use continuum_snapshot::{MigrateError, PrepareError, SnapshotError};
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    #[error("no app `{0}` on this node")]
    UnknownApp(String),
    #[error("no module {0} on this node")]
    UnknownModule(String),
    #[error("no migration `{0}` on this node")]
    UnknownMigration(String),
    #[error("`{0}` is not a valid id (use 1-64 letters, digits, `.`, `_` or `-`)")]
    BadId(String),
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("missing or malformed `Authorization: Bearer` header")]
    Unauthenticated,
    #[error("the bearer token is not valid for this node")]
    BadToken,
    #[error("not allowed: {0}")]
    Forbidden(String),
    #[error("`{peer}` is not a peer of this node")]
    UnknownPeer { peer: String },
    #[error("{what} of {size} bytes is larger than this node's limit of {limit} bytes")]
    TooLarge { what: String, size: u64, limit: u64 },
    #[error(
        "host directory `{host}` is not inside a directory this node allows (see `continuum node --allow-dir`)"
    )]
    DirNotAllowed { host: String },
    #[error("host directory `{host}` is allowed read-only only")]
    DirReadOnly { host: String },
    #[error(
        "migrations in flight would hold {wanted} bytes on this node, over its limit of {limit} bytes"
    )]
    Busy { wanted: u64, limit: u64 },
    #[error("app `{0}` already exists on this node and has not ended")]
    AppExists(String),
    #[error("app `{id}` is {state}, not running")]
    NotRunning { id: String, state: AppState },
    #[error("app `{0}` is already being migrated, stopped or suspended")]
    AppBusy(String),
    #[error("migration `{id}`: {refusal}")]
    Refused { id: String, refusal: Refusal },
    #[error("the module is not usable: {0}")]
    Module(#[from] PrepareError),
    #[error("the snapshot is corrupt: {0}")]
    CorruptSnapshot(#[from] SnapshotError),
    #[error("cannot start or restore the app: {0}")]
    Guest(#[from] MigrateError),
    #[error("the module cannot be loaded: {0}")]
    Engine(#[from] continuum_engine::EngineError),
    #[error("cannot set up the app's files: {0}")]
    Wasi(#[from] continuum_wasi::WasiSetupError),
    #[error("the peer node {url} cannot be reached: {cause}")]
    PeerUnreachable { url: String, cause: String },
    #[error("the peer node {url} refused ({status}): {message}")]
    PeerRefused {
        url: String,
        status: u16,
        message: String,
    },
    #[error("the app ended before the request could be served")]
    AppGone,
    #[error("the node is shutting down")]
    ShuttingDown,
    #[error("unreadable record {path}: {cause}")]
    BadRecord { path: PathBuf, cause: String },
    #[error("I/O error on the node's state ({what}): {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Decided(s) => write!(f, "already decided ({s:?})"),
            Refusal::NotYours => f.write_str("it belongs to another peer"),
            Refusal::OutOfOrder(why) => f.write_str(why),
            Refusal::Unknown => f.write_str("no such migration"),
        }
    }
}

impl NodeError {
    pub fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> NodeError {
        let what = what.into();
        move |source| NodeError::Io { what, source }
    }

    /// The HTTP status that answers this error.
    pub fn status(&self) -> u16 {
        match self {
            NodeError::UnknownApp(_)
            | NodeError::UnknownModule(_)
            | NodeError::UnknownMigration(_) => 404,
            NodeError::BadId(_) | NodeError::BadRequest(_) | NodeError::CorruptSnapshot(_) => 400,
            NodeError::Unauthenticated | NodeError::BadToken => 401,
            NodeError::Forbidden(_)
            | NodeError::UnknownPeer { .. }
            | NodeError::DirNotAllowed { .. }
            | NodeError::DirReadOnly { .. } => 403,
            NodeError::TooLarge { .. } => 413,
            NodeError::AppExists(_)
            | NodeError::NotRunning { .. }
            | NodeError::AppBusy(_)
            | NodeError::AppGone => 409,
            NodeError::Refused { refusal, .. } => match refusal {
                Refusal::NotYours => 403,
                Refusal::Unknown => 404,
                Refusal::Decided(_) | Refusal::OutOfOrder(_) => 409,
            },
            NodeError::Module(_)
            | NodeError::Guest(_)
            | NodeError::Wasi(_)
            | NodeError::Engine(_) => 422,
            NodeError::Busy { .. } | NodeError::ShuttingDown => 503,
            NodeError::PeerUnreachable { .. } | NodeError::PeerRefused { .. } => 502,
            NodeError::Io { .. } | NodeError::BadRecord { .. } => 500,
        }
    }
}

/// Checks an app or migration id: it becomes a file name in the state directory.
pub fn check_id(id: &str) -> Result<(), NodeError> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && !id.starts_with('.')
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(NodeError::BadId(id.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_that_could_escape_the_state_directory_are_refused() {
        for ok in ["app", "a.b-c_1", &"x".repeat(64)] {
            assert!(check_id(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            ".",
            "..",
            "../x",
            "a/b",
            "a b",
            &"x".repeat(65),
            ".hidden",
        ] {
            assert!(matches!(check_id(bad), Err(NodeError::BadId(_))), "{bad}");
        }
    }
}
