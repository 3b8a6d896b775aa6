//! Who may call a node. Every request but `GET /openapi.yaml` carries
//! `Authorization: Bearer TOKEN`, and the token says who is calling:
//!
//! - the node's admin token (`STATE/node.token`, or `--token-file`, made
//!   with mode 0600 on first start): the operator, who may do anything;
//! - the secret shared with an introduced peer (`STATE/peers.json`): that
//!   peer node, which may upload modules and drive the migrations it
//!   opened here, nothing else.
//!
//! Tokens are compared by their SHA-256 digests in constant time, so a
//! probe learns nothing from how long a refusal takes.

use crate::error::NodeError;
use crate::records::{PeerRecord, PeersFile, RECORD_VERSION};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

/// The authenticated caller of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// The holder of the node's admin token.
    Admin,
    /// An introduced peer node, by name.
    Peer(Arc<str>),
}

impl Caller {
    pub fn require_admin(&self) -> Result<(), NodeError> {
        match self {
            Caller::Admin => Ok(()),
            Caller::Peer(p) => Err(NodeError::Forbidden(format!(
                "peer `{p}` may only migrate apps; this needs the node's admin token"
            ))),
        }
    }

    /// The peer's name, or a refusal for anybody else.
    pub fn require_peer(&self) -> Result<&str, NodeError> {
        match self {
            Caller::Peer(p) => Ok(p),
            Caller::Admin => Err(NodeError::Forbidden(
                "only a peer node drives a migration; the admin token cannot".into(),
            )),
        }
    }
}

/// A peer this node knows.
#[derive(Debug, Clone)]
pub struct Peer {
    pub name: String,
    pub url: String,
    /// What this node sends to the peer (the pair's shared secret).
    pub secret: String,
    digest: [u8; 32],
}

/// The node's credentials: its admin token and its peers.
#[derive(Debug)]
pub struct Credentials {
    admin: [u8; 32],
    token_path: PathBuf,
    peers_path: PathBuf,
    peers: RwLock<Vec<Peer>>,
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Constant-time equality of two digests.
fn same(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A fresh random token: 32 bytes, hex.
pub fn fresh_token() -> Result<String, NodeError> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|e| NodeError::Io {
        what: "reading the OS random source for a token".into(),
        source: std::io::Error::other(e.to_string()),
    })?;
    Ok(hex::encode(b))
}

/// The shortest secret accepted for a token or a peer.
pub const MIN_SECRET_LEN: usize = 32;

impl Credentials {
    /// Loads the admin token from `token_file` (creating it with a fresh
    /// token, mode 0600, when it does not exist) and the peers from
    /// `STATE/peers.json`.
    pub fn open(state: &Path, token_file: Option<&Path>) -> Result<Credentials, NodeError> {
        let token_path = token_file
            .map(Path::to_path_buf)
            .unwrap_or_else(|| state.join("node.token"));
        let token = match std::fs::read_to_string(&token_path) {
            Ok(t) => t.trim().to_string(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let t = fresh_token()?;
                crate::store::write_secret(&token_path, format!("{t}\n").as_bytes())
                    .map_err(NodeError::io(format!("writing {}", token_path.display())))?;
                t
            }
            Err(e) => {
                return Err(NodeError::io(format!("reading {}", token_path.display()))(
                    e,
                ));
            }
        };
        if token.len() < MIN_SECRET_LEN {
            return Err(NodeError::BadRequest(format!(
                "the token in {} is shorter than {MIN_SECRET_LEN} characters",
                token_path.display()
            )));
        }
        warn_if_readable_by_others(&token_path);
        let peers_path = state.join("peers.json");
        let peers = crate::store::read_json(&peers_path, |f: &PeersFile| f.version)?
            .map(|f| f.peers)
            .unwrap_or_default()
            .into_iter()
            .map(peer_of)
            .collect();
        Ok(Credentials {
            admin: digest(&token),
            token_path,
            peers_path,
            peers: RwLock::new(peers),
        })
    }

    pub fn token_path(&self) -> &Path {
        &self.token_path
    }

    /// Who holds `header` (the `Authorization` header's value).
    pub fn authenticate(&self, header: Option<&str>) -> Result<Caller, NodeError> {
        let token = header
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(NodeError::Unauthenticated)?;
        let d = digest(token);
        // Every candidate is compared, found or not.
        let mut found = None;
        if same(&d, &self.admin) {
            found = Some(Caller::Admin);
        }
        for p in self.peers.read().unwrap_or_else(|e| e.into_inner()).iter() {
            if same(&d, &p.digest) && found.is_none() {
                found = Some(Caller::Peer(p.name.as_str().into()));
            }
        }
        found.ok_or(NodeError::BadToken)
    }

    /// The peer named `name_or_url` (by name, or by URL).
    pub fn peer(&self, name_or_url: &str) -> Result<Peer, NodeError> {
        let key = name_or_url.trim_end_matches('/');
        self.peers
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .find(|p| p.name == key || p.url == key)
            .cloned()
            .ok_or_else(|| NodeError::UnknownPeer {
                peer: name_or_url.to_string(),
            })
    }

    pub fn peers(&self) -> Vec<Peer> {
        self.peers.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Adds or replaces a peer, durably.
    pub fn add_peer(&self, record: PeerRecord) -> Result<(), NodeError> {
        if record.secret.len() < MIN_SECRET_LEN {
            return Err(NodeError::BadRequest(format!(
                "a peer secret needs at least {MIN_SECRET_LEN} characters"
            )));
        }
        crate::error::check_id(&record.name)?;
        if !(record.url.starts_with("http://") || record.url.starts_with("https://")) {
            return Err(NodeError::BadRequest(format!(
                "peer URL `{}` is not http:// or https://",
                record.url
            )));
        }
        let mut peers = self.peers.write().unwrap_or_else(|e| e.into_inner());
        let mut next: Vec<Peer> = peers
            .iter()
            .filter(|p| p.name != record.name)
            .cloned()
            .collect();
        next.push(peer_of(record));
        self.save(&next)?;
        *peers = next;
        Ok(())
    }

    pub fn remove_peer(&self, name: &str) -> Result<bool, NodeError> {
        let mut peers = self.peers.write().unwrap_or_else(|e| e.into_inner());
        let next: Vec<Peer> = peers.iter().filter(|p| p.name != name).cloned().collect();
        let removed = next.len() != peers.len();
        if removed {
            self.save(&next)?;
            *peers = next;
        }
        Ok(removed)
    }

    fn save(&self, peers: &[Peer]) -> Result<(), NodeError> {
        let file = PeersFile {
            version: RECORD_VERSION,
            peers: peers
                .iter()
                .map(|p| PeerRecord {
                    name: p.name.clone(),
                    url: p.url.clone(),
                    secret: p.secret.clone(),
                })
                .collect(),
        };
        let bytes = serde_json::to_vec_pretty(&file).expect("records serialise");
        crate::store::write_secret(&self.peers_path, &bytes).map_err(NodeError::io(format!(
            "writing {}",
            self.peers_path.display()
        )))
    }
}

fn peer_of(r: PeerRecord) -> Peer {
    Peer {
        digest: digest(&r.secret),
        name: r.name,
        url: r.url.trim_end_matches('/').to_string(),
        secret: r.secret,
    }
}

fn warn_if_readable_by_others(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(m) = std::fs::metadata(path)
        && m.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(
            "{} can be read by other users (mode {:o}); chmod 600 it",
            path.display(),
            m.permissions().mode() & 0o777
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_admin_token_is_made_once_with_mode_0600_and_peers_are_told_apart() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let c = Credentials::open(dir.path(), None).unwrap();
        let path = dir.path().join("node.token");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let token = std::fs::read_to_string(&path).unwrap().trim().to_string();
        assert_eq!(token.len(), 64);
        let bearer = |t: &str| format!("Bearer {t}");
        assert_eq!(
            c.authenticate(Some(&bearer(&token))).unwrap(),
            Caller::Admin
        );
        assert!(matches!(
            c.authenticate(None),
            Err(NodeError::Unauthenticated)
        ));
        assert!(matches!(
            c.authenticate(Some(&token)),
            Err(NodeError::Unauthenticated)
        ));
        assert!(matches!(
            c.authenticate(Some(&bearer(&"0".repeat(64)))),
            Err(NodeError::BadToken)
        ));

        let secret = "s".repeat(40);
        c.add_peer(PeerRecord {
            name: "edge".into(),
            url: "http://127.0.0.1:9/".into(),
            secret: secret.clone(),
        })
        .unwrap();
        assert_eq!(
            c.authenticate(Some(&bearer(&secret))).unwrap(),
            Caller::Peer("edge".into())
        );
        assert_eq!(c.peer("http://127.0.0.1:9").unwrap().name, "edge");
        assert!(matches!(
            c.peer("http://evil:1"),
            Err(NodeError::UnknownPeer { .. })
        ));
        let short = c.add_peer(PeerRecord {
            name: "x".into(),
            url: "http://a".into(),
            secret: "short".into(),
        });
        assert!(matches!(short, Err(NodeError::BadRequest(_))));

        // Reopened: the same token, the same peer, and peers.json is 0600.
        let again = Credentials::open(dir.path(), None).unwrap();
        assert_eq!(
            again.authenticate(Some(&bearer(&token))).unwrap(),
            Caller::Admin
        );
        assert_eq!(again.peers().len(), 1);
        let mode = std::fs::metadata(dir.path().join("peers.json"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);
        assert!(again.remove_peer("edge").unwrap());
        assert!(matches!(
            again.authenticate(Some(&bearer(&secret))),
            Err(NodeError::BadToken)
        ));
    }
}
