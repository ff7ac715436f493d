//! The relayer role: a delivery loop per destination of the served routes, kept in step with
//! the registry, and the relayer's `/health`, `/ready`, `/metrics` server.

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::Arc,
};

use causeway_config::Config;
use causeway_core::{B256, Domain};
use causeway_relayer::{QuorumCollector, Relayer, RelayerSettings, RetryPolicy};
use causeway_store::{RouteTrees, Store};
use eyre::Result;
use tokio::sync::watch;

use super::{Reconciler, identity, on_registry_change};
use crate::{ChainRegistry, Supervisor, wiring, wiring::HubDirectory};

/// The relayer's settings from configuration.
pub fn relayer_settings(config: &Config) -> RelayerSettings {
    let r = &config.relayer;
    RelayerSettings {
        batch_size: r.batch_size,
        retry: RetryPolicy {
            max_attempts: r.max_attempts,
            initial: r.backoff_initial(),
            max: r.backoff_max(),
        },
        poll_interval: r.poll_interval(),
        ..RelayerSettings::default()
    }
}

/// The origins each destination is served from: `relayer.routes` (every ordered pair of
/// registered domains when empty), both ends registered.
fn served(config: &Config, registry: &ChainRegistry) -> BTreeMap<Domain, BTreeSet<Domain>> {
    let chains = registry.chains();
    let mut out: BTreeMap<Domain, BTreeSet<Domain>> = BTreeMap::new();
    if config.relayer.routes.is_empty() {
        for to in &chains {
            out.insert(
                to.domain,
                chains.iter().map(|c| c.domain).filter(|d| *d != to.domain).collect(),
            );
        }
        return out;
    }
    for route in &config.relayer.routes {
        if let (Some(from), Some(to)) = (registry.by_name(&route.from), registry.by_name(&route.to))
        {
            out.entry(to.domain).or_default().insert(from.domain);
        }
    }
    out
}

/// Starts one relayer loop per served destination, sending with the relayer key `key`, kept in
/// step with the registry: a destination added gets a loop, one removed has its loop stopped,
/// and each loop delivers only from the origins served to it. Loops are critical.
pub async fn spawn_relayer(
    config: &Config,
    registry: &ChainRegistry,
    key: B256,
    store: Store,
    trees: Arc<RouteTrees>,
    sup: &Supervisor,
) -> Result<()> {
    let collector = QuorumCollector::new(
        Arc::new(HubDirectory(wiring::hub_registry(config)?)),
        wiring::signing_domain(config)?,
        config.relayer.signature_timeout(),
    );
    let (reg, sup2, config) = (registry.clone(), sup.clone(), config.clone());
    let mut loops = Reconciler::new();
    let mut origins: BTreeMap<Domain, watch::Sender<BTreeSet<Domain>>> = BTreeMap::new();
    on_registry_change(registry, sup, move || {
        let served = served(&config, &reg);
        for (destination, from) in &served {
            origins
                .entry(*destination)
                .or_insert_with(|| watch::channel(from.clone()).0)
                .send_replace(from.clone());
        }
        let mut stopped = Vec::new();
        let wanted: BTreeMap<Domain, usize> =
            served.keys().filter_map(|d| reg.get(*d).map(|h| (*d, identity(&h)))).collect();
        loops.reconcile(
            wanted,
            &sup2.cancel,
            |destination, _, token| {
                let Some(handle) = reg.get(*destination) else { return };
                let sink = match handle.sink(&key) {
                    Ok(sink) => sink,
                    Err(e) => {
                        tracing::error!(target: "causeway::relayer", destination, error = %e, "cannot deliver to this destination");
                        return;
                    }
                };
                let Some(from) = origins.get(destination).map(watch::Sender::subscribe) else {
                    return;
                };
                let relayer = Relayer::new(
                    store.clone(),
                    trees.clone(),
                    sink,
                    handle.finality.clone(),
                    collector.clone(),
                    relayer_settings(&config),
                )
                .with_origins(from);
                let span = tracing::info_span!("relayer", destination, chain = %handle.name);
                sup2.spawn_critical(format!("relayer to {}", handle.name), span, async move {
                    relayer.run(token).await;
                    Ok::<(), std::convert::Infallible>(())
                });
            },
            |destination| stopped.push(*destination),
        );
        for destination in stopped {
            tracing::info!(target: "causeway::relayer", destination, "relayer loop stopped: destination removed or changed");
            if !served.contains_key(&destination) {
                origins.remove(&destination);
            }
        }
    });
    Ok(())
}

/// Serves the relayer's `/health` (the process answers), `/ready` (the store answers: 200, else
/// 503 with the error; the body lists the registered domains) and `/metrics` (Prometheus text)
/// on `listener`, as a critical task.
pub fn serve_relayer(
    listener: tokio::net::TcpListener,
    store: Store,
    registry: ChainRegistry,
    metrics: metrics_exporter_prometheus::PrometheusHandle,
    sup: &Supervisor,
) {
    use axum::{Json, Router, http::StatusCode, routing::get};
    let app = Router::new()
        .route("/health", get(|| async { Json(serde_json::json!({ "status": "ok" })) }))
        .route(
            "/ready",
            get(move || {
                let (store, domains) = (store.clone(), registry.domains());
                async move {
                    match store.ping().await {
                        Ok(()) => (
                            StatusCode::OK,
                            Json(serde_json::json!({ "status": "ok", "domains": domains })),
                        ),
                        Err(e) => (
                            StatusCode::SERVICE_UNAVAILABLE,
                            Json(serde_json::json!({
                                "status": "not ready",
                                "domains": domains,
                                "error": e.to_string(),
                            })),
                        ),
                    }
                }
            }),
        )
        .route(
            "/metrics",
            get(move || {
                let text = metrics.render();
                async move { text }
            }),
        );
    let cancel = sup.cancel.clone();
    sup.spawn_critical("relayer server", tracing::info_span!("relayer_server"), async move {
        axum::serve(listener, app).with_graceful_shutdown(cancel.cancelled_owned()).await
    });
}
