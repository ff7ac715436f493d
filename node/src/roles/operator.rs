//! The operator role: a signer per watched origin over its routes to every other registered
//! domain, the epoch refresher and the signature server.

use std::{
    collections::BTreeMap,
    path::Path,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
};

use causeway_config::Config;
use causeway_core::{B256, Domain, OperatorKey};
use causeway_operator::{Approvals, OperatorState, SignedLog, Signer};
use eyre::{Result, WrapErr};
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::net::TcpListener;

use super::{Reconciler, identity, on_registry_change};
use crate::{ChainRegistry, Supervisor, wiring};

/// A signer's spec: its origin's handle (by identity) and its routes.
#[derive(Debug, PartialEq, Eq)]
struct Spec {
    handle: usize,
    routes: Vec<(Domain, B256)>,
}

/// Starts an operator: a signer per origin it watches (`operator.origins`, or every registered
/// domain), each over the routes to every other registered domain, kept in step with the
/// registry; its signed log at `log_path`; its server on `listener` (critical). The epoch signed
/// under is the hub registry's latest, re-read every `operator.epoch_refresh_ms`.
pub async fn spawn_operator(
    config: &Config,
    registry: &ChainRegistry,
    secret: B256,
    log_path: &Path,
    listener: TcpListener,
    metrics: PrometheusHandle,
    sup: &Supervisor,
) -> Result<Arc<OperatorState>> {
    let key = OperatorKey::from_bytes(&secret).map_err(|e| eyre::eyre!("operator key: {e}"))?;
    let domain = wiring::signing_domain(config)?;
    let hub = wiring::hub_registry(config)?;
    let approvals = {
        let reg = registry.clone();
        let outbox_of: causeway_operator::approvals::OutboxOf =
            Arc::new(move |origin, destination| {
                reg.get(origin).map(|h| h.source.outbox_id(destination))
            });
        Arc::new(Approvals::new(
            domain,
            Arc::new(wiring::HubDirectory(wiring::hub_registry(config)?)),
            outbox_of,
        ))
    };
    let first = hub.latest_epoch().await.wrap_err("reading the hub registry's latest epoch")?;
    let epoch = Arc::new(AtomicU64::new(first));
    {
        let (epoch, cancel, every) =
            (epoch.clone(), sup.cancel.clone(), config.operator.epoch_refresh());
        sup.spawn(async move {
            loop {
                tokio::select! {
                    () = cancel.cancelled() => break,
                    () = tokio::time::sleep(every) => {}
                }
                match hub.latest_epoch().await {
                    Ok(e) => epoch.store(e, Ordering::Relaxed),
                    Err(e) => tracing::warn!(target: "causeway::operator", error = %e, "reading the latest epoch"),
                }
            }
        });
    }
    let log = SignedLog::open(log_path)
        .await
        .wrap_err_with(|| format!("opening the signed log {}", log_path.display()))?;
    let state = Arc::new(OperatorState::new(key.address()));
    let watched: Option<Vec<String>> =
        (!config.operator.origins.is_empty()).then(|| config.operator.origins.clone());
    {
        let (reg, sup2, log, state) = (registry.clone(), sup.clone(), log.clone(), state.clone());
        let approvals = approvals.clone();
        let poll = config.operator.poll_interval();
        let mut signers = Reconciler::new();
        on_registry_change(registry, sup, move || {
            let chains = reg.chains();
            let approvers = chains
                .iter()
                .filter_map(|h| h.approver(&secret))
                .filter_map(|built| {
                    built
                        .inspect_err(|e| tracing::error!(target: "causeway::operator", error = %e, "approves no releases there"))
                        .ok()
                })
                .collect();
            approvals.set_approvers(approvers);
            let wanted: BTreeMap<Domain, Spec> = chains
                .iter()
                .filter(|h| watched.as_ref().is_none_or(|w| w.contains(&h.name)))
                .map(|origin| {
                    let routes = chains
                        .iter()
                        .filter(|d| d.domain != origin.domain)
                        .map(|d| (d.domain, origin.source.outbox_id(d.domain)))
                        .collect();
                    (origin.domain, Spec { handle: identity(origin), routes })
                })
                .collect();
            let signed: std::collections::BTreeSet<(Domain, Domain)> = wanted
                .iter()
                .flat_map(|(origin, spec)| spec.routes.iter().map(move |(d, _)| (*origin, *d)))
                .collect();
            signers.reconcile(
                wanted,
                &sup2.cancel,
                |origin, spec, token| {
                    let Some(handle) = reg.get(*origin) else { return };
                    let epoch = epoch.clone();
                    let signer = Signer::new(
                        handle.source.clone(),
                        spec.routes.clone(),
                        key.clone(),
                        domain,
                        Arc::new(move || epoch.load(Ordering::Relaxed)),
                        log.clone(),
                        state.clone(),
                    )
                    .with_poll_interval(poll)
                    .with_start_block(handle.start_block);
                    tracing::info!(target: "causeway::operator", origin, chain = %handle.name, routes = spec.routes.len(), "signing");
                    let span = tracing::info_span!("signer", domain = origin, chain = %handle.name);
                    sup2.spawn(tracing::Instrument::instrument(signer.run(token), span));
                },
                |origin| tracing::info!(target: "causeway::operator", origin, "signer stopped: origin or routes changed"),
            );
            state.retain(|origin, destination| signed.contains(&(origin, destination)));
        });
    }
    let (server_state, cancel) = (state.clone(), sup.cancel.clone());
    sup.spawn_critical(
        "operator server",
        tracing::info_span!("operator_server"),
        causeway_operator::serve(listener, server_state, log, metrics, Some(approvals), cancel),
    );
    Ok(state)
}
