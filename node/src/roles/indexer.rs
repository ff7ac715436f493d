//! The indexer role: a follower per registered domain, the operator sync and the HTTP API.

use std::{collections::BTreeMap, sync::Arc};

use causeway_config::Config;
use causeway_indexer::{ApiState, FollowerConfig, Health};
use causeway_store::{OperatorRecord, RouteTrees, Store, TreeCacheConfig};
use eyre::Result;
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::net::TcpListener;

use super::{Reconciler, identity, on_registry_change};
use crate::{ChainRegistry, Supervisor, wiring};

/// What a running indexer shares with a relayer in the same process.
#[derive(Debug, Clone)]
pub struct Indexer {
    /// The route trees the API serves proofs from.
    pub trees: Arc<RouteTrees>,
    /// Follower health, as `/ready` reports it.
    pub health: Health,
}

/// Starts a follower per domain of `registry` (kept in step with it) into `store`, the operator
/// sync and the HTTP API on `listener`. Followers and the API are critical: one that fails stops
/// the process with its name and cause.
pub async fn spawn_indexer(
    config: &Config,
    registry: &ChainRegistry,
    store: Store,
    listener: TcpListener,
    metrics: PrometheusHandle,
    sup: &Supervisor,
) -> Result<Indexer> {
    let health = Health::new(config.indexer.unready_after());
    {
        let (reg, store, health, sup2) =
            (registry.clone(), store.clone(), health.clone(), sup.clone());
        let config = config.clone();
        let mut followers = Reconciler::new();
        on_registry_change(registry, sup, move || {
            let wanted: BTreeMap<_, _> =
                reg.chains().into_iter().map(|h| (h.domain, Spec(identity(&h), h))).collect();
            followers.reconcile(
                wanted,
                &sup2.cancel,
                |_, Spec(_, handle), token| {
                    let mut follower = FollowerConfig::new(handle.name.clone(), handle.start_block);
                    follower.max_log_range = config.indexer.max_log_range;
                    follower.min_log_range = config.indexer.min_log_range;
                    follower.poll_interval = config.indexer.poll_interval();
                    follower.give_up_after = config.indexer.give_up_after();
                    health.register(handle.domain, &handle.name);
                    let span = tracing::info_span!("follower", domain = handle.domain, chain = %handle.name);
                    let follow = causeway_indexer::follow(
                        handle.source.clone(),
                        store.clone(),
                        follower,
                        health.clone(),
                        token.clone(),
                    );
                    // A reorg below finality halts that domain only: the process stays up and
                    // unready, its `/ready` and metrics naming the halt, until a person acts.
                    // Any other follower failure stops the process (a critical task).
                    let (name, domain) = (handle.name.clone(), handle.domain);
                    sup2.spawn_critical(format!("follower {name}"), span, async move {
                        match follow.await {
                            Err(e) if e.is_below_finality() => {
                                tracing::error!(target: "causeway::indexer", domain, chain = %name, error = %e,
                                    "domain halted: its finalized history changed; nothing more is indexed for it until a person clears the halt");
                                token.cancelled().await;
                                Ok(())
                            }
                            other => other,
                        }
                    });
                },
                |domain| health.unregister(*domain),
            );
        });
    }
    spawn_operator_sync(config, store.clone(), sup)?;
    let trees = Arc::new(RouteTrees::new(store.clone(), TreeCacheConfig::default()));
    let state = ApiState { store, trees: trees.clone(), metrics, health: health.clone() };
    let cancel = sup.cancel.clone();
    sup.spawn_critical(
        "indexer API",
        tracing::info_span!("indexer_api"),
        causeway_indexer::serve(listener, state, cancel),
    );
    Ok(Indexer { trees, health })
}

/// A follower's spec: the handle it follows, compared by identity.
struct Spec(usize, Arc<crate::ChainHandle>);

impl PartialEq for Spec {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

/// Copies the hub registry's active operators (key, announced URL, stake) into the store, now
/// and every `indexer.operator_sync_ms`, for the API. Skipped when the hub registry is not
/// configured.
fn spawn_operator_sync(config: &Config, store: Store, sup: &Supervisor) -> Result<()> {
    let Ok(registry) = wiring::hub_registry(config) else {
        tracing::info!(target: "causeway::indexer", "no hub registry configured: /operators stays empty");
        return Ok(());
    };
    let (hub, evm) = config.hub_chain()?;
    let vault = evm.contracts.stake_vault;
    let provider = wiring::reader(&config.hub.chain, hub)?;
    let (cancel, every) = (sup.cancel.clone(), config.indexer.operator_sync());
    sup.spawn(async move {
        loop {
            match sync_operators(&registry, &provider, vault, &store).await {
                Ok(n) => tracing::debug!(target: "causeway::indexer", operators = n, "operators synced"),
                Err(e) => tracing::warn!(target: "causeway::indexer", error = %e, "syncing operators from the registry"),
            }
            tokio::select! {
                () = cancel.cancelled() => break,
                () = tokio::time::sleep(every) => {}
            }
        }
    });
    Ok(())
}

async fn sync_operators(
    registry: &causeway_adapter_evm::registry::RegistryReader<alloy::providers::DynProvider>,
    provider: &alloy::providers::DynProvider,
    vault: Option<causeway_core::Address>,
    store: &Store,
) -> Result<usize> {
    let operators = registry.announced_operators().await?;
    for op in &operators {
        let stake = match vault {
            Some(vault) => {
                causeway_adapter_evm::bindings::stake_vault::StakeVault::new(vault, provider)
                    .stakeOf(op.account)
                    .call()
                    .await?
                    .saturating_to::<u128>()
            }
            None => 0,
        };
        store
            .upsert_operator(&OperatorRecord {
                address: op.account,
                signing_key: op.signing_key,
                url: op.url.clone(),
                stake,
                status: "active".into(),
            })
            .await?;
    }
    Ok(operators.len())
}
