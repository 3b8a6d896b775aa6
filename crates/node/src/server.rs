//! The HTTP API (axum): authentication first (every route but
//! `/openapi.yaml`), then thin handlers that check who may call them, read
//! bodies only up to their limit, call the node on a blocking thread and
//! answer JSON. `docs/node-api.yaml` is its OpenAPI description.

use crate::api::*;
use crate::auth::Caller;
use crate::config::NodeConfig;
use crate::error::NodeError;
use crate::node::Node;
use crate::records::PeerRecord;
use crate::store::Stream;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Extension, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use serde::Deserialize;
use std::sync::Arc;

/// The OpenAPI description of this API.
pub const OPENAPI_YAML: &str = include_str!("../../../docs/node-api.yaml");

struct ApiError(NodeError);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.0.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if status.is_server_error() {
            tracing::warn!("{}", self.0);
        }
        let body = axum::Json(ErrorBody {
            error: self.0.to_string(),
        });
        if status == StatusCode::UNAUTHORIZED {
            return (status, [(header::WWW_AUTHENTICATE, "Bearer")], body).into_response();
        }
        (status, body).into_response()
    }
}

impl From<NodeError> for ApiError {
    fn from(e: NodeError) -> Self {
        ApiError(e)
    }
}

type Reply<T> = Result<T, ApiError>;

/// Runs `f` on a blocking thread: guests, disks and peers are slow.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, NodeError> + Send + 'static,
) -> Reply<T> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r.map_err(ApiError),
        Err(e) => Err(ApiError(NodeError::Io {
            what: "a request handler".into(),
            source: std::io::Error::other(e.to_string()),
        })),
    }
}

/// Reads a body of at most `limit` bytes: a declared length over it is
/// refused before anything is read, and so is a body that grows past it.
async fn read_body(headers: &HeaderMap, body: Body, limit: u64, what: &str) -> Reply<Bytes> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let too_large = |size| {
        ApiError(NodeError::TooLarge {
            what: what.to_string(),
            size,
            limit,
        })
    };
    if let Some(n) = declared
        && n > limit
    {
        return Err(too_large(n));
    }
    let limit_usize = usize::try_from(limit).unwrap_or(usize::MAX);
    axum::body::to_bytes(body, limit_usize).await.map_err(|e| {
        let text = format!("{e}");
        if std::error::Error::source(&e).is_some_and(|s| s.to_string().contains("length limit"))
            || text.contains("length limit")
        {
            too_large(limit.saturating_add(1))
        } else {
            ApiError(NodeError::BadRequest(format!("cannot read the body: {e}")))
        }
    })
}

fn parse_json<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Reply<T> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError(NodeError::BadRequest(format!("bad JSON body: {e}"))))
}

/// The largest JSON request body (start, migrate, begin, peers).
const MAX_JSON: u64 = 1 << 20;

fn json<T: serde::Serialize>(v: T) -> Response {
    axum::Json(v).into_response()
}

/// Authenticates every request but the OpenAPI description.
async fn authenticate(
    State(node): State<Arc<Node>>,
    mut req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    if req.uri().path() == "/openapi.yaml" {
        return Ok(next.run(req).await);
    }
    let header = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let caller = node.auth.authenticate(header)?;
    req.extensions_mut().insert(caller);
    Ok(next.run(req).await)
}

pub fn router(node: Arc<Node>) -> Router {
    Router::new()
        .route("/openapi.yaml", get(openapi))
        .route("/v1/node", get(node_info))
        .route("/v1/modules", put(put_module))
        .route("/v1/modules/{sha256}", get(get_module))
        .route("/v1/apps", get(list_apps).post(start_app))
        .route("/v1/apps/{id}", get(get_app))
        .route("/v1/apps/{id}/output", get(output))
        .route("/v1/apps/{id}/checkpoint", post(checkpoint))
        .route("/v1/apps/{id}/stop", post(stop))
        .route("/v1/apps/{id}/migrate", post(migrate))
        .route("/v1/peers", get(list_peers).post(add_peer))
        .route("/v1/peers/{name}", delete(remove_peer))
        .route("/v1/migrations/{id}", get(migration).post(begin))
        .route("/v1/migrations/{id}/precopy", post(precopy))
        .route("/v1/migrations/{id}/prepare", post(prepare))
        .route("/v1/migrations/{id}/commit", post(commit))
        .route("/v1/migrations/{id}/abort", post(abort))
        // Each handler reads its body with its own limit.
        .layer(DefaultBodyLimit::disable())
        .layer(axum::middleware::from_fn_with_state(
            node.clone(),
            authenticate,
        ))
        .with_state(node)
}

type Who = Extension<Caller>;

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/yaml")], OPENAPI_YAML).into_response()
}

async fn node_info(State(node): State<Arc<Node>>) -> Response {
    json(node.info())
}

async fn put_module(
    State(node): State<Arc<Node>>,
    headers: HeaderMap,
    body: Body,
) -> Reply<Response> {
    let limit = node.config.limits.max_module_bytes;
    let body = read_body(&headers, body, limit, "the module").await?;
    let info = blocking(move || node.put_module(&body)).await?;
    Ok((StatusCode::CREATED, axum::Json(info)).into_response())
}

async fn get_module(State(node): State<Arc<Node>>, Path(sha): Path<String>) -> Reply<Response> {
    if node.has_module(&sha) {
        Ok(json(serde_json::json!({ "sha256": sha })))
    } else {
        Err(ApiError(NodeError::UnknownModule(sha)))
    }
}

async fn list_apps(State(node): State<Arc<Node>>, Extension(who): Who) -> Reply<Response> {
    who.require_admin()?;
    Ok(json(blocking(move || Ok(node.list())).await?))
}

async fn start_app(
    State(node): State<Arc<Node>>,
    Extension(who): Who,
    headers: HeaderMap,
    body: Body,
) -> Reply<Response> {
    who.require_admin()?;
    let body = read_body(&headers, body, MAX_JSON, "a start request").await?;
    let req: StartRequest = parse_json(&body)?;
    let info = blocking(move || crate::app::start(&node, req)).await?;
    Ok((StatusCode::CREATED, axum::Json(info)).into_response())
}

async fn get_app(
    State(node): State<Arc<Node>>,
    Extension(who): Who,
    Path(id): Path<String>,
) -> Reply<Response> {
    who.require_admin()?;
    Ok(json(blocking(move || node.app(&id)).await?))
}

#[derive(Deserialize)]
struct OutputQuery {
    #[serde(default = "stdout")]
    stream: String,
    #[serde(default)]
    offset: u64,
    #[serde(default)]
    follow: bool,
}

fn stdout() -> String {
    "stdout".into()
}

async fn output(
    State(node): State<Arc<Node>>,
    Extension(who): Who,
    Path(id): Path<String>,
    Query(q): Query<OutputQuery>,
) -> Reply<Response> {
    who.require_admin()?;
    let stream = Stream::parse(&q.stream).ok_or_else(|| {
        ApiError(NodeError::BadRequest(format!(
            "unknown stream `{}` (stdout or stderr)",
            q.stream
        )))
    })?;
    let rx = blocking(move || crate::output::follow(node, id, stream, q.offset, q.follow)).await?;
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|line| (Ok::<_, std::io::Error>(line), rx))
    });
    Ok((
        [(header::CONTENT_TYPE, "application/x-ndjson")],
        Body::from_stream(body),
    )
        .into_response())
}

#[derive(Deserialize)]
struct CheckpointQuery {
    #[serde(default)]
    store: bool,
}

async fn checkpoint(
    State(node): State<Arc<Node>>,
    Extension(who): Who,
    Path(id): Path<String>,
    Query(q): Query<CheckpointQuery>,
) -> Reply<Response> {
    who.require_admin()?;
    let ck = blocking(move || crate::app::checkpoint(&*node.apps.get(&id)?, q.store)).await?;
    Ok(match ck {
        crate::control::Checkpoint::Bytes(b) => (
            [(header::CONTENT_TYPE, "application/vnd.continuum.snapshot")],
            b,
        )
            .into_response(),
        crate::control::Checkpoint::Stored(s) => json(s),
    })
}

async fn stop(
    State(node): State<Arc<Node>>,
    Extension(who): Who,
    Path(id): Path<String>,
) -> Reply<Response> {
    who.require_admin()?;
    let info = blocking(move || {
        let slot = node.apps.get(&id)?;
        crate::app::stop(&slot)?;
        Ok(slot.info())
    })
    .await?;
    Ok(json(info))
}

async fn migrate(
    State(node): State<Arc<Node>>,
    Extension(who): Who,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Reply<Response> {
    who.require_admin()?;
    let body = read_body(&headers, body, MAX_JSON, "a migrate request").await?;
    let req: MigrateRequest = parse_json(&body)?;
    Ok(json(
        blocking(move || crate::send::migrate(&node, &id, req)).await?,
    ))
}

async fn list_peers(State(node): State<Arc<Node>>, Extension(who): Who) -> Reply<Response> {
    who.require_admin()?;
    let peers: Vec<PeerInfo> = node
        .auth
        .peers()
        .into_iter()
        .map(|p| PeerInfo {
            name: p.name,
            url: p.url,
        })
        .collect();
    Ok(json(peers))
}

async fn add_peer(
    State(node): State<Arc<Node>>,
    Extension(who): Who,
    headers: HeaderMap,
    body: Body,
) -> Reply<Response> {
    who.require_admin()?;
    let body = read_body(&headers, body, MAX_JSON, "a peer").await?;
    let req: PeerRequest = parse_json(&body)?;
    if req.name == node.name() || req.url.trim_end_matches('/') == node.url() {
        return Err(ApiError(NodeError::BadRequest(
            "a node cannot be its own peer".into(),
        )));
    }
    let info = PeerInfo {
        name: req.name.clone(),
        url: req.url.trim_end_matches('/').to_string(),
    };
    blocking(move || {
        node.auth.add_peer(PeerRecord {
            name: req.name,
            url: req.url,
            secret: req.secret,
        })
    })
    .await?;
    Ok((StatusCode::CREATED, axum::Json(info)).into_response())
}

async fn remove_peer(
    State(node): State<Arc<Node>>,
    Extension(who): Who,
    Path(name): Path<String>,
) -> Reply<Response> {
    who.require_admin()?;
    let removed = blocking(move || node.auth.remove_peer(&name)).await?;
    Ok(if removed {
        StatusCode::NO_CONTENT.into_response()
    } else {
        let body = axum::Json(ErrorBody {
            error: "no such peer".into(),
        });
        (StatusCode::NOT_FOUND, body).into_response()
    })
}

async fn migration(
    State(node): State<Arc<Node>>,
    Extension(who): Who,
    Path(id): Path<String>,
) -> Reply<Response> {
    Ok(json(blocking(move || node.migration_for(&who, &id)).await?))
}

async fn begin(
    State(node): State<Arc<Node>>,
    Extension(who): Who,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Reply<Response> {
    who.require_peer()?;
    let body = read_body(&headers, body, MAX_JSON, "a begin request").await?;
    let req: BeginRequest = parse_json(&body)?;
    Ok(json(
        blocking(move || crate::receive::begin(&node, &who, &id, req)).await?,
    ))
}

async fn precopy(
    State(node): State<Arc<Node>>,
    Extension(who): Who,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Reply<Response> {
    // Refused before the body is read: a stranger gets nothing buffered.
    who.require_peer()?;
    let limit = node.config.limits.max_round_bytes();
    let body = read_body(&headers, body, limit, "a pre-copy round").await?;
    blocking(move || crate::receive::receive_round(&node, &who, &id, &body)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn prepare(
    State(node): State<Arc<Node>>,
    Extension(who): Who,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Reply<Response> {
    who.require_peer()?;
    let limit = node.config.limits.max_snapshot_bytes();
    let body = read_body(&headers, body, limit, "a migration offer").await?;
    Ok(json(
        blocking(move || crate::receive::prepare(&node, &who, &id, &body)).await?,
    ))
}

async fn commit(
    State(node): State<Arc<Node>>,
    Extension(who): Who,
    Path(id): Path<String>,
) -> Reply<Response> {
    Ok(json(
        blocking(move || crate::receive::commit(&node, &who, &id)).await?,
    ))
}

async fn abort(
    State(node): State<Arc<Node>>,
    Extension(who): Who,
    Path(id): Path<String>,
) -> Reply<Response> {
    Ok(json(
        blocking(move || crate::receive::abort(&node, &who, &id)).await?,
    ))
}

/// How a node is served.
#[derive(Debug, Clone)]
pub struct Serve {
    /// `HOST:PORT` to bind.
    pub listen: String,
    /// Serve plain HTTP on a non-loopback address (tokens then cross the
    /// network in the clear): refused unless asked for.
    pub plaintext: Plaintext,
}

/// Whether plain HTTP may be served beyond loopback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plaintext {
    LoopbackOnly,
    /// `--insecure-plaintext`: the operator accepts tokens in the clear.
    Anywhere,
}

/// Binds `listen`, opens the node (recovering its state directory) and
/// serves until SIGINT or SIGTERM, then checkpoints every running app so
/// that the next start resumes it. `on_ready` gets the node once it
/// accepts connections. Blocks.
pub fn serve(
    mut config: NodeConfig,
    how: &Serve,
    on_ready: impl FnOnce(&Node),
) -> Result<(), NodeError> {
    if !crate::config::is_loopback(&how.listen) {
        match how.plaintext {
            Plaintext::LoopbackOnly => {
                return Err(NodeError::Forbidden(format!(
                    "serving plain HTTP on {}, beyond loopback, would send tokens and app data in the clear",
                    how.listen
                )));
            }
            Plaintext::Anywhere => tracing::warn!(
                "INSECURE: serving plain HTTP on {}; bearer tokens, modules and snapshots cross the network unencrypted",
                how.listen
            ),
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(NodeError::io("starting the runtime"))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&how.listen)
            .await
            .map_err(NodeError::io(format!("binding {}", how.listen)))?;
        let addr = listener
            .local_addr()
            .map_err(NodeError::io("reading the bound address"))?;
        if config.url.is_empty() {
            config.url = format!("http://{addr}");
        }
        let node = tokio::task::block_in_place(|| crate::recover::open(config))?;
        on_ready(&node);
        let stopping = node.clone();
        axum::serve(listener, router(node))
            .with_graceful_shutdown(async move {
                shutdown_signal().await;
                tracing::info!("shutting down: checkpointing running apps");
                let _ = tokio::task::spawn_blocking(move || stopping.shutdown()).await;
            })
            .await
            .map_err(NodeError::io("serving"))
    })
}

async fn shutdown_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term => {}
    }
}
