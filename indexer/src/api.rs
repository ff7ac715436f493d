//! The HTTP API (axum) and its OpenAPI document (utoipa, generated from the handlers).
//!
//! Routes: `GET /messages/{id}`, `GET /messages`, `GET /checkpoints`, `GET /operators`,
//! `GET /deliveries`, `GET /health`, `GET /ready`, `GET /metrics`, `GET /openapi.json`.
//! Hashes and bytes are `0x`-prefixed hex; errors are `{"error": "..."}` with 400 for bad input,
//! 404 for unknown ids and 503 when the store fails.

use std::sync::Arc;

use axum::{
    Json, Router,
    extract::{Path, Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use causeway_core::B256;
use metrics_exporter_prometheus::PrometheusHandle;
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use utoipa::{IntoParams, OpenApi, ToSchema};

use causeway_store::{
    CheckpointRecord, DeliveryRecord, MessageFilter, MessageRecord, RouteTrees, Store,
};

/// Most rows a list endpoint returns.
pub const MAX_LIMIT: u64 = 1_000;

/// What the handlers share.
#[derive(Debug, Clone)]
pub struct ApiState {
    /// The store.
    pub store: Store,
    /// Route trees for proofs.
    pub trees: Arc<RouteTrees>,
    /// Renders `/metrics`.
    pub metrics: PrometheusHandle,
    /// The followed domains (their cursors must be loaded for `/ready`) and their health.
    pub health: crate::Health,
}

/// An error body.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiError {
    /// What was wrong and what would be right.
    pub error: String,
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(ApiError { error: message.into() })).into_response()
}

fn unavailable(e: impl std::fmt::Display) -> Response {
    error(StatusCode::SERVICE_UNAVAILABLE, format!("store unavailable: {e}"))
}

fn hex0x(bytes: impl AsRef<[u8]>) -> String {
    format!("0x{}", hex::encode(bytes))
}

/// A message with its state, delivery and proof.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MessageView {
    /// Message id (route tree leaf).
    pub id: String,
    /// `pending`, `delivered`, `failed`, `skipped`, `denylisted`.
    pub status: String,
    /// Why it has that status.
    pub reason: Option<String>,
    /// Origin domain.
    pub origin: u32,
    /// Destination domain.
    pub destination: u32,
    /// Leaf index in the route tree.
    pub nonce: u32,
    /// Sender (bytes32).
    pub sender: String,
    /// Recipient (bytes32).
    pub recipient: String,
    /// Body, hex.
    pub body: String,
    /// Dispatching block.
    pub block_number: u64,
    /// Its hash.
    pub block_hash: String,
    /// Dispatching transaction.
    pub tx_hash: String,
    /// Whether the block is final on the origin.
    pub finalized: bool,
    /// Delivery attempts.
    pub attempts: u32,
    /// Earliest next attempt, unix ms.
    pub next_attempt_at: i64,
    /// Delivering transaction.
    pub delivered_tx: Option<String>,
    /// Delivery details (only in `GET /messages/{id}`).
    pub delivery: Option<DeliveryView>,
    /// Inclusion proof (only in `GET /messages/{id}`).
    pub proof: Option<ProofView>,
    /// Why no proof could be made, if so.
    pub proof_error: Option<String>,
}

/// A Merkle branch of a message in its route tree.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProofView {
    /// Leaf index (the nonce).
    pub leaf_index: u64,
    /// Leaves in the tree `root` is of: the covering checkpoint's count, else all stored.
    pub count: u64,
    /// Root of the route tree at `count` leaves, computed from stored leaves.
    pub root: String,
    /// 32 sibling hashes, leaf level first.
    pub branch: Vec<String>,
    /// The newest stored checkpoint covering the message.
    pub checkpoint: Option<CheckpointView>,
    /// Whether `root` equals the checkpoint's root.
    pub root_matches_checkpoint: Option<bool>,
}

/// A checkpoint.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CheckpointView {
    /// Row id.
    pub id: i64,
    /// Origin.
    pub origin: u32,
    /// Destination (from the route outbox).
    pub destination: u32,
    /// Route outbox.
    pub outbox: String,
    /// Root.
    pub root: String,
    /// Last covered leaf index.
    pub index: u32,
    /// Operator-set epoch.
    pub epoch: u64,
    /// First seen, unix ms.
    pub first_seen: i64,
}

/// A delivery.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DeliveryView {
    /// Message id.
    pub message_id: String,
    /// Destination.
    pub destination: u32,
    /// Delivering transaction.
    pub tx_hash: String,
    /// Its block.
    pub block_number: u64,
    /// Gas attributed to the message.
    pub gas_used: u64,
    /// Dispatch to delivery, ms.
    pub latency_ms: u64,
    /// Recorded, unix ms.
    pub delivered_at: i64,
}

/// A dispatch an origin's adapter refused (no message was made of it).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RejectionView {
    /// Origin domain.
    pub domain: u32,
    /// Block height.
    pub block_number: u64,
    /// Block hash.
    pub block_hash: String,
    /// Extrinsic hash.
    pub tx_hash: String,
    /// Position of the extrinsic in its block.
    pub extrinsic_index: u32,
    /// Signing account, 32 bytes hex.
    pub sender: String,
    /// Why it is not a message.
    pub reason: String,
    /// The raw payload, hex.
    pub data: String,
}

/// Filters of `GET /rejections`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RejectionsQuery {
    /// Origin domain.
    pub domain: Option<u32>,
    /// At most this many (default 100, max 1000).
    pub limit: Option<u64>,
}

/// An operator.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OperatorView {
    /// Operator address.
    pub address: String,
    /// Signing key address.
    pub signing_key: String,
    /// Signature URL.
    pub url: String,
    /// Stake, decimal.
    pub stake: String,
    /// Status.
    pub status: String,
}

/// `/health` and `/ready` body.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Readiness {
    /// `ok` or `not ready`.
    pub status: String,
    /// Domains followed now (chains added or removed at run time show here).
    pub domains: Vec<u32>,
    /// Domains expected but without a loaded cursor.
    pub missing_domains: Vec<u32>,
    /// Store error, if any.
    pub error: Option<String>,
}

/// Filters of `GET /messages`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MessagesQuery {
    /// `pending`, `delivered`, `failed`, `skipped` or `denylisted`.
    pub status: Option<String>,
    /// Origin domain.
    pub origin: Option<u32>,
    /// Destination domain.
    pub destination: Option<u32>,
    /// At most this many (default 100, max 1000).
    pub limit: Option<u64>,
}

/// Filters of `GET /checkpoints`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CheckpointsQuery {
    /// Origin domain.
    pub origin: Option<u32>,
    /// At most this many (default 100, max 1000).
    pub limit: Option<u64>,
}

/// Paging of `GET /deliveries`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LimitQuery {
    /// At most this many (default 100, max 1000).
    pub limit: Option<u64>,
}

fn limit(l: Option<u64>) -> u64 {
    l.unwrap_or(100).clamp(1, MAX_LIMIT)
}

fn message_view(m: MessageRecord) -> MessageView {
    MessageView {
        id: m.id.to_string(),
        status: m.status.to_string(),
        reason: m.status_reason,
        origin: m.message.origin,
        destination: m.message.destination,
        nonce: m.message.nonce,
        sender: m.message.sender.to_string(),
        recipient: m.message.recipient.to_string(),
        body: hex0x(&m.message.body),
        block_number: m.block.number,
        block_hash: m.block.hash.to_string(),
        tx_hash: m.tx_hash.to_string(),
        finalized: m.finalized,
        attempts: m.attempts,
        next_attempt_at: m.next_attempt_at,
        delivered_tx: m.delivered_tx.map(|t| t.to_string()),
        delivery: None,
        proof: None,
        proof_error: None,
    }
}

fn checkpoint_view(c: CheckpointRecord) -> CheckpointView {
    CheckpointView {
        id: c.id,
        origin: c.checkpoint.origin,
        destination: c.destination,
        outbox: c.checkpoint.outbox.to_string(),
        root: c.checkpoint.root.to_string(),
        index: c.checkpoint.index,
        epoch: c.checkpoint.epoch,
        first_seen: c.first_seen,
    }
}

fn delivery_view(d: DeliveryRecord) -> DeliveryView {
    DeliveryView {
        message_id: d.message_id.to_string(),
        destination: d.destination,
        tx_hash: d.tx_hash.to_string(),
        block_number: d.block_number,
        gas_used: d.gas_used,
        latency_ms: d.latency_ms,
        delivered_at: d.delivered_at,
    }
}

/// Parses a 32-byte hex id (`0x` optional).
fn parse_id(id: &str) -> Result<B256, String> {
    let hex_part = id.strip_prefix("0x").unwrap_or(id);
    let bad =
        || format!("invalid message id {id:?}: expected 32 bytes as 64 hex digits, 0x optional");
    if hex_part.len() != 64 {
        return Err(bad());
    }
    let bytes = hex::decode(hex_part).map_err(|_| bad())?;
    B256::try_from(bytes.as_slice()).map_err(|_| bad())
}

/// A message by id, with status, delivery and proof.
#[utoipa::path(get, path = "/messages/{id}",
    params(("id" = String, Path, description = "Message id, 32-byte hex")),
    responses((status = 200, body = MessageView), (status = 400, body = ApiError),
        (status = 404, body = ApiError), (status = 503, body = ApiError)))]
async fn get_message(State(s): State<ApiState>, Path(id): Path<String>) -> Response {
    let id = match parse_id(&id) {
        Ok(id) => id,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    let record = match s.store.message(id).await {
        Ok(Some(r)) => r,
        Ok(None) => return error(StatusCode::NOT_FOUND, format!("message {id} is not indexed")),
        Err(e) => return unavailable(e),
    };
    let (origin, destination, nonce) =
        (record.message.origin, record.message.destination, u64::from(record.message.nonce));
    let mut view = message_view(record);
    match s.store.delivery(id).await {
        Ok(d) => view.delivery = d.map(delivery_view),
        Err(e) => return unavailable(e),
    }
    let checkpoint = match s.store.latest_checkpoint(origin, destination, nonce).await {
        Ok(c) => c,
        Err(e) => return unavailable(e),
    };
    let count = match &checkpoint {
        Some(c) => Ok(c.checkpoint.count()),
        None => s.trees.count(origin, destination).await,
    };
    let proof = match count {
        Ok(count) => s.trees.proof(origin, destination, nonce, count).await,
        Err(e) => Err(e),
    };
    match proof {
        Ok(p) => {
            let matches = checkpoint.as_ref().map(|c| c.checkpoint.root == p.root);
            view.proof = Some(ProofView {
                leaf_index: p.leaf_index,
                count: p.count,
                root: p.root.to_string(),
                branch: p.branch.iter().map(ToString::to_string).collect(),
                checkpoint: checkpoint.map(checkpoint_view),
                root_matches_checkpoint: matches,
            });
        }
        Err(e) => view.proof_error = Some(e.to_string()),
    }
    Json(view).into_response()
}

/// Messages by status and route.
#[utoipa::path(get, path = "/messages", params(MessagesQuery),
    responses((status = 200, body = Vec<MessageView>), (status = 400, body = ApiError)))]
async fn list_messages(State(s): State<ApiState>, Query(q): Query<MessagesQuery>) -> Response {
    let status = match q.status.as_deref().map(str::parse).transpose() {
        Ok(s) => s,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    let filter = MessageFilter {
        status,
        origin: q.origin,
        destination: q.destination,
        limit: limit(q.limit),
    };
    match s.store.messages(filter).await {
        Ok(rows) => Json(rows.into_iter().map(message_view).collect::<Vec<_>>()).into_response(),
        Err(e) => unavailable(e),
    }
}

/// The newest checkpoints, optionally of one origin.
#[utoipa::path(get, path = "/checkpoints", params(CheckpointsQuery),
    responses((status = 200, body = Vec<CheckpointView>), (status = 503, body = ApiError)))]
async fn list_checkpoints(
    State(s): State<ApiState>,
    Query(q): Query<CheckpointsQuery>,
) -> Response {
    match s.store.checkpoints(q.origin, limit(q.limit)).await {
        Ok(rows) => Json(rows.into_iter().map(checkpoint_view).collect::<Vec<_>>()).into_response(),
        Err(e) => unavailable(e),
    }
}

/// Registered operators.
#[utoipa::path(get, path = "/operators",
    responses((status = 200, body = Vec<OperatorView>), (status = 503, body = ApiError)))]
async fn list_operators(State(s): State<ApiState>) -> Response {
    match s.store.operators().await {
        Ok(rows) => Json(
            rows.into_iter()
                .map(|o| OperatorView {
                    address: o.address.to_string(),
                    signing_key: o.signing_key.to_string(),
                    url: o.url,
                    stake: o.stake.to_string(),
                    status: o.status,
                })
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(e) => unavailable(e),
    }
}

/// The newest deliveries.
#[utoipa::path(get, path = "/deliveries", params(LimitQuery),
    responses((status = 200, body = Vec<DeliveryView>), (status = 503, body = ApiError)))]
async fn list_deliveries(State(s): State<ApiState>, Query(q): Query<LimitQuery>) -> Response {
    match s.store.deliveries(limit(q.limit)).await {
        Ok(rows) => Json(rows.into_iter().map(delivery_view).collect::<Vec<_>>()).into_response(),
        Err(e) => unavailable(e),
    }
}

/// The newest refused dispatches (malformed payloads, transfers to the wrong account, failed
/// extrinsics), newest first.
#[utoipa::path(get, path = "/rejections", params(RejectionsQuery),
    responses((status = 200, body = Vec<RejectionView>), (status = 503, body = ApiError)))]
async fn list_rejections(State(s): State<ApiState>, Query(q): Query<RejectionsQuery>) -> Response {
    match s.store.rejections(q.domain, limit(q.limit)).await {
        Ok(rows) => Json(
            rows.into_iter()
                .map(|(domain, r)| RejectionView {
                    domain,
                    block_number: r.block.number,
                    block_hash: r.block.hash.to_string(),
                    tx_hash: r.tx_hash.to_string(),
                    extrinsic_index: r.index,
                    sender: r.sender.to_string(),
                    reason: r.reason,
                    data: r.data.to_string(),
                })
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(e) => unavailable(e),
    }
}

/// The process is up.
#[utoipa::path(get, path = "/health", responses((status = 200, body = Readiness)))]
async fn health() -> Json<Readiness> {
    Json(Readiness {
        status: "ok".into(),
        domains: Vec::new(),
        missing_domains: Vec::new(),
        error: None,
    })
}

/// 200 when the store answers, every followed domain's cursor is loaded, no follower halted and
/// no follower's RPC has been failing longer than `indexer.unready_after_ms`; else 503 with why.
#[utoipa::path(get, path = "/ready",
    responses((status = 200, body = Readiness), (status = 503, body = Readiness)))]
async fn ready(State(s): State<ApiState>) -> Response {
    let domains = s.health.domains();
    let not_ready = |missing: Vec<u32>, error: Option<String>| {
        let body = Readiness {
            status: "not ready".into(),
            domains: s.health.domains(),
            missing_domains: missing,
            error,
        };
        (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
    };
    if let Err(e) = s.store.ping().await {
        return not_ready(domains, Some(e.to_string()));
    }
    let cursors = match s.store.cursors().await {
        Ok(c) => c,
        Err(e) => return not_ready(domains, Some(e.to_string())),
    };
    let missing: Vec<u32> =
        domains.iter().copied().filter(|d| !cursors.iter().any(|c| c.domain == *d)).collect();
    let problems = s.health.problems();
    if !missing.is_empty() || !problems.is_empty() {
        return not_ready(missing, (!problems.is_empty()).then(|| problems.join("; ")));
    }
    Json(Readiness { status: "ok".into(), domains, missing_domains: missing, error: None })
        .into_response()
}

/// Prometheus text exposition.
#[utoipa::path(get, path = "/metrics",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
async fn metrics_text(State(s): State<ApiState>) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], s.metrics.render()).into_response()
}

/// This document.
#[utoipa::path(get, path = "/openapi.json",
    responses((status = 200, description = "OpenAPI document", content_type = "application/json")))]
async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// The OpenAPI document of every route.
#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "Causeway indexer API",
        description = "Message status and proofs, checkpoints, operators, deliveries"
    ),
    paths(
        get_message,
        list_messages,
        list_checkpoints,
        list_operators,
        list_deliveries,
        list_rejections,
        health,
        ready,
        metrics_text,
        openapi_json
    ),
    components(schemas(
        ApiError,
        MessageView,
        ProofView,
        CheckpointView,
        DeliveryView,
        RejectionView,
        OperatorView,
        Readiness
    ))
)]
pub struct ApiDoc;

/// The router with every route.
pub fn router(state: ApiState) -> Router {
    Router::new()
        .route("/messages/{id}", get(get_message))
        .route("/messages", get(list_messages))
        .route("/checkpoints", get(list_checkpoints))
        .route("/operators", get(list_operators))
        .route("/deliveries", get(list_deliveries))
        .route("/rejections", get(list_rejections))
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics_text))
        .route("/openapi.json", get(openapi_json))
        .with_state(state)
}

/// Serves the API on `listener` until `cancel` fires (in-flight requests finish).
pub async fn serve(
    listener: TcpListener,
    state: ApiState,
    cancel: CancellationToken,
) -> std::io::Result<()> {
    let addr = listener.local_addr()?;
    tracing::info!(target: "causeway::indexer::api", %addr, "API listening");
    axum::serve(listener, router(state)).with_graceful_shutdown(cancel.cancelled_owned()).await
}
