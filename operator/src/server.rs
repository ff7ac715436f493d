//! The operator's HTTP server (axum): its signatures, `/health`, `/ready`, `/metrics`.
//!
//! - `GET /checkpoints/{origin}/{destination}/latest`: the newest checkpoint signed for the route;
//! - `GET /checkpoints/{origin}/{destination}/{index}`: the signature stored for that index;
//! - `GET /health`: the process answers; `GET /ready`: every route ran a signing round;
//! - `GET /metrics`: Prometheus text;
//! - `POST /approvals`: approve a release on a multisig destination ([`crate::approvals`]), 404
//!   when this operator approves on none.
//!
//! Answers are `{checkpoint, signer, signature}` with hex strings, 404 when nothing is signed.

use std::sync::Arc;

use axum::{
    Json, Router,
    extract::{Path, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use causeway_core::{
    Domain,
    wire::{APPROVAL_ROUTE, ApprovalRequest, CHECKPOINT_ROUTE, SignatureView},
};
use metrics_exporter_prometheus::PrometheusHandle;
use serde::Serialize;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::{approvals::Approvals, log::SignedLog, state::OperatorState};

#[derive(Debug, Clone)]
struct AppState {
    state: Arc<OperatorState>,
    log: SignedLog,
    metrics: PrometheusHandle,
    approvals: Option<Arc<Approvals>>,
}

#[derive(Debug, Serialize)]
struct ErrorBody {
    error: String,
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(ErrorBody { error: message.into() })).into_response()
}

/// The routes, for embedding in another server or testing.
pub fn router(
    state: Arc<OperatorState>,
    log: SignedLog,
    metrics: PrometheusHandle,
    approvals: Option<Arc<Approvals>>,
) -> Router {
    Router::new()
        .route(CHECKPOINT_ROUTE, get(checkpoint))
        .route(APPROVAL_ROUTE, post(approve))
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics_text))
        .with_state(AppState { state, log, metrics, approvals })
}

/// Serves on `listener` until `cancel` fires (in-flight requests finish).
pub async fn serve(
    listener: TcpListener,
    state: Arc<OperatorState>,
    log: SignedLog,
    metrics: PrometheusHandle,
    approvals: Option<Arc<Approvals>>,
    cancel: CancellationToken,
) -> std::io::Result<()> {
    let addr = listener.local_addr()?;
    tracing::info!(target: "causeway::operator::api", %addr, "operator API listening");
    axum::serve(listener, router(state, log, metrics, approvals))
        .with_graceful_shutdown(cancel.cancelled_owned())
        .await
}

async fn approve(State(s): State<AppState>, Json(request): Json<ApprovalRequest>) -> Response {
    let Some(approvals) = &s.approvals else {
        return error(StatusCode::NOT_FOUND, "this operator approves releases on no chain");
    };
    match approvals.handle(&request).await {
        Ok(status) => {
            tracing::info!(target: "causeway::operator::api", id = %request.batch.messages.first().map(|m| m.id()).unwrap_or_default(), ?status, "approval request");
            Json(status).into_response()
        }
        Err(e) => error(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
    }
}

async fn checkpoint(
    State(s): State<AppState>,
    Path((origin, destination, which)): Path<(Domain, Domain, String)>,
) -> Response {
    let Some(route) = s.state.route(origin, destination) else {
        return error(
            StatusCode::NOT_FOUND,
            format!("this operator does not sign route {origin} -> {destination}"),
        );
    };
    let signer = s.state.signer();
    if which == "latest" {
        return match route.latest {
            Some((checkpoint, signature)) => {
                Json(SignatureView { checkpoint, signer, signature }).into_response()
            }
            None => error(
                StatusCode::NOT_FOUND,
                format!("nothing signed yet for route {origin} -> {destination}"),
            ),
        };
    }
    let Ok(index) = which.parse::<u32>() else {
        return error(
            StatusCode::BAD_REQUEST,
            format!("`{which}` is neither `latest` nor a leaf index (0 to 4294967295)"),
        );
    };
    match s.log.at_index(origin, route.outbox, index).await {
        Ok(Some(r)) => Json(SignatureView {
            checkpoint: r.checkpoint,
            signer: r.signer,
            signature: r.signature,
        })
        .into_response(),
        Ok(None) => error(
            StatusCode::NOT_FOUND,
            format!("index {index} of route {origin} -> {destination} was not signed"),
        ),
        Err(e) => error(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
    }
}

#[derive(Debug, Serialize)]
struct Readiness {
    ready: bool,
    halted_routes: usize,
}

async fn health(State(s): State<AppState>) -> Json<Readiness> {
    Json(Readiness { ready: s.state.ready(), halted_routes: s.state.halted_count() })
}

async fn ready(State(s): State<AppState>) -> Response {
    let body = Readiness { ready: s.state.ready(), halted_routes: s.state.halted_count() };
    let status = if body.ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(body)).into_response()
}

async fn metrics_text(State(s): State<AppState>) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], s.metrics.render()).into_response()
}
