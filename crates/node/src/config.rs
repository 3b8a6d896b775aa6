//! How a node is set up: its identity, its limits and the host directories
//! its operator lets apps see.

use crate::api::{DirMap, LimitsInfo};
use crate::error::NodeError;
use crate::records::Mount;
use continuum_engine::EngineConfig;
use std::path::PathBuf;
use std::time::Duration;

const MIB: u64 = 1 << 20;

/// How a node is set up.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    /// The node's name, as peers know it.
    pub name: String,
    /// State directory (`None`: a temporary one, nothing survives a restart).
    pub state_dir: Option<PathBuf>,
    /// The URL other nodes and clients reach this node at.
    pub url: String,
    pub engine: EngineConfig,
    /// Compile cache directory (`None`: no cache).
    pub cache_dir: Option<PathBuf>,
    /// The admin token's file [default: `STATE/node.token`].
    pub token_file: Option<PathBuf>,
    pub limits: NodeLimits,
    /// Host directories apps may be given.
    pub allowed_dirs: Vec<AllowedDir>,
}

impl Default for NodeConfig {
    fn default() -> Self {
        NodeConfig {
            name: "node".into(),
            state_dir: None,
            url: String::new(),
            engine: EngineConfig::default(),
            cache_dir: None,
            token_file: None,
            limits: NodeLimits::default(),
            allowed_dirs: Vec::new(),
        }
    }
}

/// What one node lets requests and apps use (docs/node-api.md, "Limits").
#[derive(Debug, Clone)]
pub struct NodeLimits {
    /// Largest module upload.
    pub max_module_bytes: u64,
    /// Memory cap of an app that asks for none.
    pub default_app_memory: u64,
    /// Largest memory cap an app may ask for.
    pub max_app_memory: u64,
    /// Memory all migrations in flight to this node may hold together.
    pub max_inflight_bytes: u64,
    /// An open (not yet prepared) incoming migration idle this long is dropped.
    pub migration_idle: Duration,
    /// Output kept per app and stream; older output is rotated away.
    pub max_log_bytes: u64,
    /// Wall-clock time an app may run (over all nodes) when it asks for
    /// none, and the most it may ask for. `None`: no limit.
    pub max_app_time: Option<Duration>,
}

impl Default for NodeLimits {
    fn default() -> Self {
        NodeLimits {
            max_module_bytes: 64 * MIB,
            default_app_memory: 256 * MIB,
            max_app_memory: 4096 * MIB,
            max_inflight_bytes: 4096 * MIB,
            migration_idle: Duration::from_secs(60),
            max_log_bytes: 64 * MIB,
            max_app_time: None,
        }
    }
}

impl NodeLimits {
    /// Largest prepare body: a whole snapshot of the largest app, plus the
    /// offer and the rest of the snapshot's sections.
    pub fn max_snapshot_bytes(&self) -> u64 {
        self.max_app_memory
            .saturating_add(self.max_module_bytes)
            .saturating_add(64 * MIB)
    }

    /// Largest pre-copy round body.
    pub fn max_round_bytes(&self) -> u64 {
        self.max_app_memory.saturating_add(MIB)
    }

    /// The memory cap for an app asking for `asked`.
    pub fn app_memory(&self, asked: Option<u64>) -> Result<u64, NodeError> {
        let cap = asked.unwrap_or(self.default_app_memory);
        if cap > self.max_app_memory {
            return Err(NodeError::TooLarge {
                what: "the app's memory cap".into(),
                size: cap,
                limit: self.max_app_memory,
            });
        }
        if cap < 65536 {
            return Err(NodeError::BadRequest(format!(
                "a memory cap of {cap} bytes is less than one Wasm page"
            )));
        }
        Ok(cap)
    }

    /// The time limit for an app asking for `asked` milliseconds.
    pub fn app_time(&self, asked: Option<u64>) -> Result<Option<u64>, NodeError> {
        let max = self.max_app_time.map(|d| d.as_millis() as u64);
        match (asked, max) {
            (Some(a), Some(m)) if a > m => Err(NodeError::TooLarge {
                what: "the app's time limit (ms)".into(),
                size: a,
                limit: m,
            }),
            (Some(0), _) => Err(NodeError::BadRequest("a time limit of 0 ms".into())),
            (Some(a), _) => Ok(Some(a)),
            (None, m) => Ok(m),
        }
    }

    pub fn info(&self) -> LimitsInfo {
        LimitsInfo {
            max_module_bytes: self.max_module_bytes,
            default_app_memory: self.default_app_memory,
            max_app_memory: self.max_app_memory,
            max_log_bytes: self.max_log_bytes,
            max_app_time_ms: self.max_app_time.map(|d| d.as_millis() as u64),
        }
    }
}

/// A host directory the operator allows apps to be given
/// (`--allow-dir HOST[:ro]`), and everything below it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedDir {
    pub path: PathBuf,
    pub read_only: bool,
}

impl std::str::FromStr for AllowedDir {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (path, read_only) = match s.strip_suffix(":ro") {
            Some(p) => (p, true),
            None => (s.strip_suffix(":rw").unwrap_or(s), false),
        };
        if path.is_empty() {
            return Err(format!("`{s}` names no directory"));
        }
        Ok(AllowedDir {
            path: PathBuf::from(path),
            read_only,
        })
    }
}

/// Resolves the directories of a request into mounts: a named host
/// directory must exist and lie (after resolving symlinks) inside an
/// allowed one, read-only if that one is; an unnamed one becomes private
/// directory `N` of the app (created).
pub fn resolve_mounts(
    allowed: &[AllowedDir],
    dirs: &[DirMap],
    private: impl Fn(usize) -> PathBuf,
) -> Result<Vec<Mount>, NodeError> {
    let mut out = Vec::with_capacity(dirs.len());
    for (i, d) in dirs.iter().enumerate() {
        if d.guest.is_empty() {
            return Err(NodeError::BadRequest(
                "a directory with no guest name".into(),
            ));
        }
        match &d.host {
            None => {
                let host = private(i);
                std::fs::create_dir_all(&host)
                    .map_err(NodeError::io(format!("creating {}", host.display())))?;
                out.push(Mount {
                    host,
                    guest: d.guest.clone(),
                    read_only: d.read_only,
                    private: true,
                });
            }
            Some(host) => {
                let real = std::fs::canonicalize(host)
                    .map_err(|_| NodeError::DirNotAllowed { host: host.clone() })?;
                let within = allowed.iter().find(|a| {
                    std::fs::canonicalize(&a.path).is_ok_and(|root| real.starts_with(&root))
                });
                match within {
                    None => {
                        return Err(NodeError::DirNotAllowed { host: host.clone() });
                    }
                    Some(a) if a.read_only && !d.read_only => {
                        return Err(NodeError::DirReadOnly { host: host.clone() });
                    }
                    Some(_) => out.push(Mount {
                        host: real,
                        guest: d.guest.clone(),
                        read_only: d.read_only,
                        private: false,
                    }),
                }
            }
        }
    }
    Ok(out)
}

/// Whether `addr` (a `HOST:PORT` to bind) is a loopback address.
pub fn is_loopback(addr: &str) -> bool {
    match addr.parse::<std::net::SocketAddr>() {
        Ok(a) => a.ip().is_loopback(),
        Err(_) => addr
            .rsplit_once(':')
            .is_some_and(|(host, _)| host == "localhost"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn only_allowed_directories_are_mounted_and_symlinks_do_not_get_out() {
        let t = tempfile::tempdir().unwrap();
        let ok = t.path().join("data");
        let ro = t.path().join("cfg");
        let outside = t.path().join("secret");
        for d in [&ok, &ro, &outside] {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::create_dir_all(ok.join("sub")).unwrap();
        std::os::unix::fs::symlink(&outside, ok.join("link")).unwrap();
        let allowed = vec![
            AllowedDir {
                path: ok.clone(),
                read_only: false,
            },
            format!("{}:ro", ro.display()).parse().unwrap(),
        ];
        let dm = |host: Option<&Path>, ro: bool| DirMap {
            host: host.map(|h| h.display().to_string()),
            guest: "/d".into(),
            read_only: ro,
        };
        let private = |i: usize| t.path().join("private").join(i.to_string());
        let m = resolve_mounts(&allowed, &[dm(Some(&ok.join("sub")), false)], private).unwrap();
        assert_eq!(m[0].host, ok.join("sub").canonicalize().unwrap());
        assert!(!m[0].private);
        for bad in [
            outside.clone(),
            ok.join("link"),
            ok.join("../secret"),
            PathBuf::from("/"),
            PathBuf::from("/etc"),
        ] {
            let e = resolve_mounts(&allowed, &[dm(Some(&bad), false)], private).unwrap_err();
            assert!(matches!(e, NodeError::DirNotAllowed { .. }), "{bad:?}: {e}");
        }
        let e = resolve_mounts(&allowed, &[dm(Some(&ro), false)], private).unwrap_err();
        assert!(matches!(e, NodeError::DirReadOnly { .. }));
        assert!(resolve_mounts(&allowed, &[dm(Some(&ro), true)], private).is_ok());
        let m = resolve_mounts(&[], &[dm(None, false)], private).unwrap();
        assert!(m[0].private && m[0].host.is_dir());
    }

    #[test]
    fn limits_refuse_what_is_too_large() {
        let l = NodeLimits::default();
        assert_eq!(l.app_memory(None).unwrap(), l.default_app_memory);
        assert!(matches!(
            l.app_memory(Some(l.max_app_memory + 1)),
            Err(NodeError::TooLarge { .. })
        ));
        let timed = NodeLimits {
            max_app_time: Some(Duration::from_secs(10)),
            ..NodeLimits::default()
        };
        assert_eq!(timed.app_time(None).unwrap(), Some(10_000));
        assert!(timed.app_time(Some(20_000)).is_err());
        assert_eq!(l.app_time(None).unwrap(), None);
    }

    #[test]
    fn loopback_addresses() {
        for a in ["127.0.0.1:7070", "[::1]:1", "localhost:80", "127.1.2.3:0"] {
            assert!(is_loopback(a), "{a}");
        }
        for a in ["0.0.0.0:7070", "10.0.0.1:1", "[::]:1", "example.com:1"] {
            assert!(!is_loopback(a), "{a}");
        }
    }
}
