//! The HTTP API (axum): thin handlers that parse, call the node on a
//! blocking thread, and answer JSON. `docs/node-api.yaml` is its OpenAPI
//! description, served at `GET /openapi.yaml`.

use crate::api::*;
use crate::error::NodeError;
use crate::node::{Node, NodeConfig};
use crate::store::Stream;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
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
        (
            status,
            axum::Json(ErrorBody {
                error: self.0.to_string(),
            }),
        )
            .into_response()
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

fn parse_json<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Reply<T> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError(NodeError::BadRequest(format!("bad JSON body: {e}"))))
}

fn json<T: serde::Serialize>(v: T) -> Response {
    axum::Json(v).into_response()
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
        .route("/v1/migrations/{id}", get(migration))
        .route("/v1/migrations/{id}/precopy", post(precopy))
        .route("/v1/migrations/{id}/prepare", post(prepare))
        .route("/v1/migrations/{id}/commit", post(commit))
        .route("/v1/migrations/{id}/abort", post(abort))
        // Modules and snapshots are as large as they are.
        .layer(DefaultBodyLimit::disable())
        .with_state(node)
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/yaml")], OPENAPI_YAML).into_response()
}

async fn node_info(State(node): State<Arc<Node>>) -> Response {
    json(node.info())
}

async fn put_module(State(node): State<Arc<Node>>, body: Bytes) -> Reply<Response> {
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

async fn list_apps(State(node): State<Arc<Node>>) -> Reply<Response> {
    Ok(json(blocking(move || Ok(node.list())).await?))
}

async fn start_app(State(node): State<Arc<Node>>, body: Bytes) -> Reply<Response> {
    let req: StartRequest = parse_json(&body)?;
    let info = blocking(move || node.start(req)).await?;
    Ok((StatusCode::CREATED, axum::Json(info)).into_response())
}

async fn get_app(State(node): State<Arc<Node>>, Path(id): Path<String>) -> Reply<Response> {
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
    Path(id): Path<String>,
    Query(q): Query<OutputQuery>,
) -> Reply<Response> {
    let stream = Stream::parse(&q.stream).ok_or_else(|| {
        ApiError(NodeError::BadRequest(format!(
            "unknown stream `{}` (stdout or stderr)",
            q.stream
        )))
    })?;
    let rx = blocking(move || crate::logs::follow(node, id, stream, q.offset, q.follow)).await?;
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
    Path(id): Path<String>,
    Query(q): Query<CheckpointQuery>,
) -> Reply<Response> {
    let ck = blocking(move || crate::app::checkpoint(&node, &id, q.store)).await?;
    Ok(match ck {
        crate::app::Checkpoint::Bytes(b) => (
            [(header::CONTENT_TYPE, "application/vnd.continuum.snapshot")],
            b,
        )
            .into_response(),
        crate::app::Checkpoint::Stored(s) => json(s),
    })
}

async fn stop(State(node): State<Arc<Node>>, Path(id): Path<String>) -> Reply<Response> {
    let info = blocking(move || {
        crate::app::stop(&node, &id)?;
        node.app(&id)
    })
    .await?;
    Ok(json(info))
}

async fn migrate(
    State(node): State<Arc<Node>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Reply<Response> {
    let req: MigrateRequest = parse_json(&body)?;
    Ok(json(
        blocking(move || crate::migrate::migrate(&node, &id, req)).await?,
    ))
}

async fn migration(State(node): State<Arc<Node>>, Path(id): Path<String>) -> Reply<Response> {
    Ok(json(blocking(move || node.migration(&id)).await?))
}

async fn precopy(
    State(node): State<Arc<Node>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Reply<Response> {
    blocking(move || crate::precopy::receive_round(&node, &id, &body)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn prepare(
    State(node): State<Arc<Node>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Reply<Response> {
    Ok(json(
        blocking(move || crate::receive::prepare(&node, &id, &body)).await?,
    ))
}

async fn commit(State(node): State<Arc<Node>>, Path(id): Path<String>) -> Reply<Response> {
    Ok(json(
        blocking(move || crate::receive::commit(&node, &id)).await?,
    ))
}

async fn abort(State(node): State<Arc<Node>>, Path(id): Path<String>) -> Reply<Response> {
    Ok(json(
        blocking(move || crate::receive::abort(&node, &id)).await?,
    ))
}

/// Binds `listen`, opens the node (recovering its state directory) and
/// serves until SIGINT or SIGTERM. `on_ready` gets the node's URL once it
/// accepts connections. Blocks.
pub fn serve(
    mut config: NodeConfig,
    listen: &str,
    on_ready: impl FnOnce(&str),
) -> Result<(), NodeError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(NodeError::io("starting the runtime"))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(NodeError::io(format!("binding {listen}")))?;
        let addr = listener
            .local_addr()
            .map_err(NodeError::io("reading the bound address"))?;
        if config.url.is_empty() {
            config.url = format!("http://{addr}");
        }
        let node = tokio::task::block_in_place(|| Node::open(config))?;
        on_ready(node.url());
        axum::serve(listener, router(node))
            .with_graceful_shutdown(shutdown())
            .await
            .map_err(NodeError::io("serving"))
    })
}

async fn shutdown() {
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
