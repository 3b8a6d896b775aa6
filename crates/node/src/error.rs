//! The node's errors: each names its cause and knows its HTTP status.

use continuum_snapshot::{MigrateError, PrepareError, SnapshotError};

#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    #[error("no app `{0}` on this node")]
    UnknownApp(String),
    #[error("no module {0} on this node; upload it with PUT /v1/modules first")]
    UnknownModule(String),
    #[error("no migration `{0}` on this node")]
    UnknownMigration(String),
    #[error("`{0}` is not a valid id (use 1-64 letters, digits, `.`, `_` or `-`)")]
    BadId(String),
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("app `{0}` already exists on this node and has not ended")]
    AppExists(String),
    #[error("app `{id}` is {state}, not running")]
    NotRunning { id: String, state: String },
    #[error("the module is not usable: {0}")]
    Module(#[from] PrepareError),
    #[error("the snapshot upload is corrupt: {0}")]
    CorruptSnapshot(#[from] SnapshotError),
    #[error("cannot start or restore the app: {0}")]
    Guest(#[from] MigrateError),
    #[error("the module cannot be loaded: {0}")]
    Engine(#[from] continuum_engine::EngineError),
    #[error("cannot set up the app's files: {0}")]
    Wasi(#[from] continuum_wasi::WasiSetupError),
    #[error("migration `{id}` was already {state}")]
    MigrationDecided { id: String, state: String },
    #[error("the peer node {url} cannot be reached: {cause}")]
    PeerUnreachable { url: String, cause: String },
    #[error("the peer node {url} refused: {message}")]
    PeerRefused {
        url: String,
        status: u16,
        message: String,
    },
    #[error("the app ended before the request could be served")]
    AppGone,
    #[error("I/O error on the node's state ({what}): {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
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
            NodeError::AppExists(_)
            | NodeError::NotRunning { .. }
            | NodeError::MigrationDecided { .. }
            | NodeError::AppGone => 409,
            NodeError::Module(_)
            | NodeError::Guest(_)
            | NodeError::Wasi(_)
            | NodeError::Engine(_) => 422,
            NodeError::PeerUnreachable { .. } | NodeError::PeerRefused { .. } => 502,
            NodeError::Io { .. } => 500,
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
