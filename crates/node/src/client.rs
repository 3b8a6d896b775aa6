//! A blocking client of the node API, used by the CLI, by tests and by a
//! source node talking to a target.

use crate::api::*;
use crate::error::NodeError;
use serde::de::DeserializeOwned;
use std::io::BufRead;
use std::time::{Duration, Instant};
use ureq::http::Response;

/// How long a control call may take; transfers of snapshots get longer.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);
const TRANSFER_TIMEOUT: Duration = Duration::from_secs(600);

#[derive(Debug, Clone)]
pub struct Client {
    agent: ureq::Agent,
}

impl Default for Client {
    fn default() -> Self {
        Client::new()
    }
}

type Resp = Response<ureq::Body>;

impl Client {
    pub fn new() -> Client {
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
        }
    }

    fn url(base: &str, path: &str) -> String {
        format!("{}{path}", base.trim_end_matches('/'))
    }

    fn unreachable(base: &str, e: ureq::Error) -> NodeError {
        NodeError::PeerUnreachable {
            url: base.to_string(),
            cause: e.to_string(),
        }
    }

    fn get(&self, base: &str, path: &str) -> Result<Resp, NodeError> {
        self.agent
            .get(Self::url(base, path))
            .config()
            .timeout_global(Some(CALL_TIMEOUT))
            .build()
            .call()
            .map_err(|e| Self::unreachable(base, e))
    }

    fn post_json<B: serde::Serialize>(
        &self,
        base: &str,
        path: &str,
        body: &B,
    ) -> Result<Resp, NodeError> {
        self.agent
            .post(Self::url(base, path))
            .config()
            .timeout_global(Some(TRANSFER_TIMEOUT))
            .build()
            .send_json(body)
            .map_err(|e| Self::unreachable(base, e))
    }

    fn post_bytes(
        &self,
        base: &str,
        path: &str,
        body: &[u8],
        timeout: Duration,
    ) -> Result<Resp, NodeError> {
        self.agent
            .post(Self::url(base, path))
            .config()
            .timeout_global(Some(timeout))
            .build()
            .content_type("application/octet-stream")
            .send(body)
            .map_err(|e| Self::unreachable(base, e))
    }

    /// A JSON answer, or the node's error as [`NodeError::PeerRefused`].
    fn json<T: DeserializeOwned>(base: &str, mut resp: Resp) -> Result<T, NodeError> {
        check(base, &mut resp)?;
        resp.body_mut()
            .with_config()
            .limit(1 << 30)
            .read_json()
            .map_err(|e| Self::unreachable(base, e))
    }

    pub fn node_info(&self, base: &str) -> Result<serde_json::Value, NodeError> {
        Self::json(base, self.get(base, "/v1/node")?)
    }

    pub fn has_module(&self, base: &str, sha256: &str) -> Result<bool, NodeError> {
        let mut resp = self.get(base, &format!("/v1/modules/{sha256}"))?;
        if resp.status() == 404 {
            return Ok(false);
        }
        check(base, &mut resp)?;
        Ok(true)
    }

    pub fn put_module(&self, base: &str, bytes: &[u8]) -> Result<ModuleInfo, NodeError> {
        let resp = self
            .agent
            .put(Self::url(base, "/v1/modules"))
            .config()
            .timeout_global(Some(TRANSFER_TIMEOUT))
            .build()
            .content_type("application/wasm")
            .send(bytes)
            .map_err(|e| Self::unreachable(base, e))?;
        Self::json(base, resp)
    }

    pub fn start(&self, base: &str, req: &StartRequest) -> Result<AppInfo, NodeError> {
        Self::json(base, self.post_json(base, "/v1/apps", req)?)
    }

    pub fn apps(&self, base: &str) -> Result<Vec<AppInfo>, NodeError> {
        Self::json(base, self.get(base, "/v1/apps")?)
    }

    pub fn app(&self, base: &str, id: &str) -> Result<AppInfo, NodeError> {
        Self::json(base, self.get(base, &format!("/v1/apps/{id}"))?)
    }

    pub fn stop(&self, base: &str, id: &str) -> Result<AppInfo, NodeError> {
        Self::json(
            base,
            self.post_bytes(base, &format!("/v1/apps/{id}/stop"), b"", CALL_TIMEOUT)?,
        )
    }

    /// A snapshot of the running app (its module embedded).
    pub fn checkpoint(&self, base: &str, id: &str) -> Result<Vec<u8>, NodeError> {
        let mut resp = self.post_bytes(
            base,
            &format!("/v1/apps/{id}/checkpoint"),
            b"",
            TRANSFER_TIMEOUT,
        )?;
        check(base, &mut resp)?;
        resp.body_mut()
            .with_config()
            .limit(u64::MAX)
            .read_to_vec()
            .map_err(|e| Self::unreachable(base, e))
    }

    pub fn migrate(
        &self,
        base: &str,
        id: &str,
        req: &MigrateRequest,
    ) -> Result<MigrateReport, NodeError> {
        Self::json(
            base,
            self.post_json(base, &format!("/v1/apps/{id}/migrate"), req)?,
        )
    }

    /// What `base` knows of a migration; `None` when it has no record.
    pub fn migration_status(
        &self,
        base: &str,
        id: &str,
    ) -> Result<Option<MigrationStatus>, NodeError> {
        let resp = self.get(base, &format!("/v1/migrations/{id}"))?;
        if resp.status() == 404 {
            return Ok(None);
        }
        Self::json(base, resp).map(Some)
    }

    /// Sends a prepare body framed by [`crate::receive::frame_offer`].
    pub fn prepare(
        &self,
        base: &str,
        offer: &MigrationOffer,
        body: &[u8],
    ) -> Result<MigrationStatus, NodeError> {
        let path = format!("/v1/migrations/{}/prepare", offer.migration);
        Self::json(base, self.post_bytes(base, &path, body, TRANSFER_TIMEOUT)?)
    }

    pub fn precopy_round(&self, base: &str, id: &str, round: &[u8]) -> Result<(), NodeError> {
        let path = format!("/v1/migrations/{id}/precopy");
        let mut resp = self.post_bytes(base, &path, round, TRANSFER_TIMEOUT)?;
        check(base, &mut resp)
    }

    pub fn commit(&self, base: &str, id: &str) -> Result<MigrationStatus, NodeError> {
        let path = format!("/v1/migrations/{id}/commit");
        Self::json(base, self.post_bytes(base, &path, b"", CALL_TIMEOUT)?)
    }

    pub fn abort(&self, base: &str, id: &str) -> Result<MigrationStatus, NodeError> {
        let path = format!("/v1/migrations/{id}/abort");
        Self::json(base, self.post_bytes(base, &path, b"", CALL_TIMEOUT)?)
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
        let mut resp = self
            .agent
            .get(Self::url(base, &format!("/v1/apps/{id}/output")))
            .query("stream", stream)
            .query("offset", offset.to_string())
            .query("follow", follow.to_string())
            .call()
            .map_err(|e| Self::unreachable(base, e))?;
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
    /// with each new byte range in order, follows `moved` records, and
    /// returns the final record. A node that cannot be reached (e.g. it is
    /// restarting) is tried again for up to `retry_for`.
    pub fn follow(
        &self,
        mut base: String,
        id: &str,
        stream: &str,
        mut offset: u64,
        follow: bool,
        retry_for: Duration,
        mut sink: impl FnMut(&[u8]),
    ) -> Result<FollowEnd, NodeError> {
        let mut failing_since: Option<Instant> = None;
        loop {
            let mut moved = None;
            let result = (|| {
                for rec in self.output(&base, id, stream, offset, follow)? {
                    match rec? {
                        OutputRecord::Data { offset: at, data } => {
                            let bytes =
                                crate::logs::decode_data(&data).map_err(NodeError::BadRequest)?;
                            let end = at + bytes.len() as u64;
                            if at > offset {
                                return Err(NodeError::BadRequest(format!(
                                    "gap in the output: expected byte {offset}, got {at}"
                                )));
                            }
                            if end > offset {
                                sink(&bytes[(offset - at) as usize..]);
                                offset = end;
                            }
                        }
                        OutputRecord::Moved { offset: at, to } => {
                            moved = Some((at, to));
                            return Ok(None);
                        }
                        OutputRecord::End {
                            offset: at,
                            state,
                            exit_code,
                        } => {
                            return Ok(Some(FollowEnd {
                                node: base.clone(),
                                offset: at,
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
                    Some((_, to)) => {
                        base = to;
                        failing_since = None;
                    }
                    None if !follow => {
                        return Ok(FollowEnd {
                            node: base,
                            offset,
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
    let text = resp.body_mut().read_to_string().unwrap_or_default();
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
