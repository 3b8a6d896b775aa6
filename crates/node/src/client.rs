//! A blocking client of the node API, used by the CLI, by tests and by a
//! node talking to its peers. Every call carries a bearer token: the
//! client's own (the admin token of the CLI), or a peer's shared secret
//! when a node calls that peer.

use crate::api::*;
use crate::auth::Peer;
use crate::error::NodeError;
use serde::de::DeserializeOwned;
use std::io::BufRead;
use std::time::{Duration, Instant};
use ureq::http::Response;

/// How long a control call may take; transfers of snapshots get longer.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);
const TRANSFER_TIMEOUT: Duration = Duration::from_secs(600);
/// The largest JSON answer read from a node.
const MAX_ANSWER: u64 = 64 << 20;

/// Where a call goes, and with which token.
pub trait Target {
    fn url(&self) -> &str;
    /// The token for this target; `None`: the client's own.
    fn token(&self) -> Option<&str> {
        None
    }
}

impl Target for str {
    fn url(&self) -> &str {
        self
    }
}

impl Target for String {
    fn url(&self) -> &str {
        self
    }
}

impl Target for Peer {
    fn url(&self) -> &str {
        &self.url
    }
    fn token(&self) -> Option<&str> {
        Some(&self.secret)
    }
}

#[derive(Debug, Clone)]
pub struct Client {
    agent: ureq::Agent,
    token: Option<String>,
}

type Resp = Response<ureq::Body>;

/// The methods that carry a body.
#[derive(Clone, Copy)]
enum Method {
    Post,
    Put,
}

impl Client {
    /// A client that sends `token` (the node's admin token, for the CLI)
    /// to every node it calls.
    pub fn new(token: Option<String>) -> Client {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            // A fresh connection per call: a pooled one to a node that
            // restarted would fail after the request was sent, which
            // would make a definite failure look uncertain.
            .max_idle_connections(0)
            .timeout_connect(Some(Duration::from_secs(5)))
            .build();
        Client {
            agent: ureq::Agent::new_with_config(config),
            token,
        }
    }

    fn url(base: &str, path: &str) -> String {
        format!("{}{path}", base.trim_end_matches('/'))
    }

    fn unreachable(base: &str, e: impl std::fmt::Display) -> NodeError {
        NodeError::PeerUnreachable {
            url: base.to_string(),
            cause: e.to_string(),
        }
    }

    fn bearer<T: Target + ?Sized>(&self, to: &T) -> Option<String> {
        to.token()
            .or(self.token.as_deref())
            .map(|t| format!("Bearer {t}"))
    }

    /// A POST (or, with `put`, a PUT) to `path` with the target's token.
    fn request<T: Target + ?Sized>(
        &self,
        method: Method,
        to: &T,
        path: &str,
        timeout: Duration,
    ) -> ureq::RequestBuilder<ureq::typestate::WithBody> {
        let url = Self::url(to.url(), path);
        let r = match method {
            Method::Post => self.agent.post(url),
            Method::Put => self.agent.put(url),
        };
        let r = r.config().timeout_global(Some(timeout)).build();
        match self.bearer(to) {
            Some(b) => r.header("Authorization", b),
            None => r,
        }
    }

    fn get<T: Target + ?Sized>(&self, to: &T, path: &str) -> Result<Resp, NodeError> {
        let mut r = self
            .agent
            .get(Self::url(to.url(), path))
            .config()
            .timeout_global(Some(CALL_TIMEOUT))
            .build();
        if let Some(b) = self.bearer(to) {
            r = r.header("Authorization", b);
        }
        r.call().map_err(|e| Self::unreachable(to.url(), e))
    }

    fn post_json<T: Target + ?Sized, B: serde::Serialize>(
        &self,
        to: &T,
        path: &str,
        body: &B,
    ) -> Result<Resp, NodeError> {
        self.request(Method::Post, to, path, TRANSFER_TIMEOUT)
            .send_json(body)
            .map_err(|e| Self::unreachable(to.url(), e))
    }

    fn post_bytes<T: Target + ?Sized>(
        &self,
        to: &T,
        path: &str,
        body: &[u8],
        timeout: Duration,
    ) -> Result<Resp, NodeError> {
        self.request(Method::Post, to, path, timeout)
            .content_type("application/octet-stream")
            .send(body)
            .map_err(|e| Self::unreachable(to.url(), e))
    }

    /// A JSON answer, or the node's error as [`NodeError::PeerRefused`].
    fn json<R: DeserializeOwned>(base: &str, mut resp: Resp) -> Result<R, NodeError> {
        check(base, &mut resp)?;
        resp.body_mut()
            .with_config()
            .limit(MAX_ANSWER)
            .read_json()
            .map_err(|e| Self::unreachable(base, e))
    }

    pub fn node_info<T: Target + ?Sized>(&self, to: &T) -> Result<NodeInfo, NodeError> {
        Self::json(to.url(), self.get(to, "/v1/node")?)
    }

    pub fn has_module<T: Target + ?Sized>(&self, to: &T, sha256: &str) -> Result<bool, NodeError> {
        let mut resp = self.get(to, &format!("/v1/modules/{sha256}"))?;
        if resp.status() == 404 {
            return Ok(false);
        }
        check(to.url(), &mut resp)?;
        Ok(true)
    }

    pub fn put_module<T: Target + ?Sized>(
        &self,
        to: &T,
        bytes: &[u8],
    ) -> Result<ModuleInfo, NodeError> {
        let resp = self
            .request(Method::Put, to, "/v1/modules", TRANSFER_TIMEOUT)
            .content_type("application/wasm")
            .send(bytes)
            .map_err(|e| Self::unreachable(to.url(), e))?;
        Self::json(to.url(), resp)
    }

    pub fn start<T: Target + ?Sized>(
        &self,
        to: &T,
        req: &StartRequest,
    ) -> Result<AppInfo, NodeError> {
        Self::json(to.url(), self.post_json(to, "/v1/apps", req)?)
    }

    pub fn apps<T: Target + ?Sized>(&self, to: &T) -> Result<Vec<AppInfo>, NodeError> {
        Self::json(to.url(), self.get(to, "/v1/apps")?)
    }

    pub fn app<T: Target + ?Sized>(&self, to: &T, id: &str) -> Result<AppInfo, NodeError> {
        Self::json(to.url(), self.get(to, &format!("/v1/apps/{id}"))?)
    }

    pub fn stop<T: Target + ?Sized>(&self, to: &T, id: &str) -> Result<AppInfo, NodeError> {
        let path = format!("/v1/apps/{id}/stop");
        Self::json(to.url(), self.post_bytes(to, &path, b"", CALL_TIMEOUT)?)
    }

    /// A snapshot of the running app (its module embedded).
    pub fn checkpoint<T: Target + ?Sized>(&self, to: &T, id: &str) -> Result<Vec<u8>, NodeError> {
        let path = format!("/v1/apps/{id}/checkpoint");
        let mut resp = self.post_bytes(to, &path, b"", TRANSFER_TIMEOUT)?;
        check(to.url(), &mut resp)?;
        resp.body_mut()
            .with_config()
            .limit(u64::MAX)
            .read_to_vec()
            .map_err(|e| Self::unreachable(to.url(), e))
    }

    pub fn migrate<T: Target + ?Sized>(
        &self,
        to: &T,
        id: &str,
        req: &MigrateRequest,
    ) -> Result<MigrateReport, NodeError> {
        let path = format!("/v1/apps/{id}/migrate");
        Self::json(to.url(), self.post_json(to, &path, req)?)
    }

    pub fn peers<T: Target + ?Sized>(&self, to: &T) -> Result<Vec<PeerInfo>, NodeError> {
        Self::json(to.url(), self.get(to, "/v1/peers")?)
    }

    pub fn add_peer<T: Target + ?Sized>(
        &self,
        to: &T,
        req: &PeerRequest,
    ) -> Result<PeerInfo, NodeError> {
        Self::json(to.url(), self.post_json(to, "/v1/peers", req)?)
    }

    /// What a node knows of a migration; `None` when it has no record.
    pub fn migration_status<T: Target + ?Sized>(
        &self,
        to: &T,
        id: &str,
    ) -> Result<Option<MigrationStatus>, NodeError> {
        let resp = self.get(to, &format!("/v1/migrations/{id}"))?;
        if resp.status() == 404 {
            return Ok(None);
        }
        Self::json(to.url(), resp).map(Some)
    }

    pub fn begin<T: Target + ?Sized>(
        &self,
        to: &T,
        id: &str,
        req: &BeginRequest,
    ) -> Result<MigrationStatus, NodeError> {
        Self::json(
            to.url(),
            self.post_json(to, &format!("/v1/migrations/{id}"), req)?,
        )
    }

    /// Sends a prepare body framed by [`crate::receive::frame_offer`].
    pub fn prepare<T: Target + ?Sized>(
        &self,
        to: &T,
        id: &str,
        body: &[u8],
    ) -> Result<MigrationStatus, NodeError> {
        let path = format!("/v1/migrations/{id}/prepare");
        Self::json(
            to.url(),
            self.post_bytes(to, &path, body, TRANSFER_TIMEOUT)?,
        )
    }

    pub fn precopy_round<T: Target + ?Sized>(
        &self,
        to: &T,
        id: &str,
        round: &[u8],
    ) -> Result<(), NodeError> {
        let path = format!("/v1/migrations/{id}/precopy");
        let mut resp = self.post_bytes(to, &path, round, TRANSFER_TIMEOUT)?;
        check(to.url(), &mut resp)
    }

    pub fn commit<T: Target + ?Sized>(
        &self,
        to: &T,
        id: &str,
    ) -> Result<MigrationStatus, NodeError> {
        let path = format!("/v1/migrations/{id}/commit");
        Self::json(to.url(), self.post_bytes(to, &path, b"", CALL_TIMEOUT)?)
    }

    pub fn abort<T: Target + ?Sized>(
        &self,
        to: &T,
        id: &str,
    ) -> Result<MigrationStatus, NodeError> {
        let path = format!("/v1/migrations/{id}/abort");
        Self::json(to.url(), self.post_bytes(to, &path, b"", CALL_TIMEOUT)?)
    }

    /// The output records of one app on one node, as they come.
    pub fn output(
        &self,
        base: &str,
        id: &str,
        stream: &str,
        offset: u64,
        follow: bool,
    ) -> Result<impl Iterator<Item = Result<OutputRecord, NodeError>> + use<>, NodeError> {
        let mut r = self
            .agent
            .get(Self::url(base, &format!("/v1/apps/{id}/output")))
            .query("stream", stream)
            .query("offset", offset.to_string())
            .query("follow", follow.to_string());
        if let Some(b) = self.bearer(base) {
            r = r.header("Authorization", b);
        }
        let mut resp = r.call().map_err(|e| Self::unreachable(base, e))?;
        check(base, &mut resp)?;
        let base = base.to_string();
        let reader = std::io::BufReader::new(resp.into_body().into_reader());
        Ok(reader.lines().map(move |line| {
            let line = line.map_err(|e| NodeError::PeerUnreachable {
                url: base.clone(),
                cause: e.to_string(),
            })?;
            serde_json::from_str(&line)
                .map_err(|e| NodeError::BadRequest(format!("bad output record from {base}: {e}")))
        }))
    }

    /// Follows an app's output across nodes from `offset`: calls `sink`
    /// with each new byte range in order (bytes lost to log rotation are
    /// reported as `skipped` and passed over), follows `moved` records, and
    /// returns the final record. A node that cannot be reached (e.g. it is
    /// restarting) is tried again for up to `retry_for`.
    pub fn follow(
        &self,
        from: Follow<'_>,
        mut sink: impl FnMut(&[u8]),
    ) -> Result<FollowEnd, NodeError> {
        let Follow {
            node,
            app: id,
            stream,
            offset: mut at,
            follow,
            retry_for,
        } = from;
        let mut base = node.to_string();
        let mut failing_since: Option<Instant> = None;
        loop {
            let mut moved = None;
            let result = (|| {
                for rec in self.output(&base, id, stream, at, follow)? {
                    match rec? {
                        OutputRecord::Data { offset, data } => {
                            let bytes =
                                crate::logs::decode_data(&data).map_err(NodeError::BadRequest)?;
                            let end = offset + bytes.len() as u64;
                            if offset > at {
                                return Err(NodeError::BadRequest(format!(
                                    "gap in the output: expected byte {at}, got {offset}"
                                )));
                            }
                            if end > at {
                                sink(&bytes[(at - offset) as usize..]);
                                at = end;
                            }
                        }
                        OutputRecord::Skipped { offset, to } => {
                            tracing::warn!(
                                "bytes {offset}..{to} of the output were rotated away on {base}"
                            );
                            at = at.max(to);
                        }
                        OutputRecord::Moved { to, .. } => {
                            moved = Some(to);
                            return Ok(None);
                        }
                        OutputRecord::End {
                            offset,
                            state,
                            exit_code,
                        } => {
                            return Ok(Some(FollowEnd {
                                node: base.clone(),
                                offset,
                                state,
                                exit_code,
                            }));
                        }
                    }
                }
                Ok(None)
            })();
            match result {
                Ok(Some(end)) => return Ok(end),
                Ok(None) => match moved {
                    Some(to) => {
                        base = to;
                        failing_since = None;
                    }
                    None if !follow => {
                        return Ok(FollowEnd {
                            node: base,
                            offset: at,
                            state: AppState::Running,
                            exit_code: None,
                        });
                    }
                    // The stream ended without a last record: the node went away.
                    None => wait(&mut failing_since, retry_for, || {
                        NodeError::PeerUnreachable {
                            url: base.clone(),
                            cause: "the output stream ended early".into(),
                        }
                    })?,
                },
                Err(
                    e @ (NodeError::PeerUnreachable { .. }
                    | NodeError::PeerRefused { status: 500.., .. }),
                ) => {
                    wait(&mut failing_since, retry_for, || e)?;
                }
                Err(e) => return Err(e),
            }
        }
    }
}

/// What [`Client::follow`] follows.
#[derive(Debug, Clone, Copy)]
pub struct Follow<'a> {
    /// The node to start at.
    pub node: &'a str,
    pub app: &'a str,
    /// `stdout` or `stderr`.
    pub stream: &'a str,
    pub offset: u64,
    /// Keep following until the app ends (otherwise: what is there now).
    pub follow: bool,
    pub retry_for: Duration,
}

fn wait(
    since: &mut Option<Instant>,
    limit: Duration,
    err: impl FnOnce() -> NodeError,
) -> Result<(), NodeError> {
    let t = *since.get_or_insert_with(Instant::now);
    if t.elapsed() >= limit {
        return Err(err());
    }
    std::thread::sleep(Duration::from_millis(100));
    Ok(())
}

/// Where a followed output stream ended.
#[derive(Debug, Clone)]
pub struct FollowEnd {
    /// The node the app ended on.
    pub node: String,
    pub offset: u64,
    pub state: AppState,
    pub exit_code: Option<i32>,
}

/// Turns a non-2xx answer into [`NodeError::PeerRefused`] with the node's message.
fn check(base: &str, resp: &mut Resp) -> Result<(), NodeError> {
    let status = resp.status().as_u16();
    if (200..300).contains(&status) {
        return Ok(());
    }
    let text = resp
        .body_mut()
        .with_config()
        .limit(64 * 1024)
        .read_to_string()
        .unwrap_or_default();
    let message = serde_json::from_str::<ErrorBody>(&text)
        .map(|b| b.error)
        .unwrap_or_else(|_| {
            if text.is_empty() {
                format!("HTTP {status}")
            } else {
                text
            }
        });
    Err(NodeError::PeerRefused {
        url: base.to_string(),
        status,
        message,
    })
}
