//! Starting the three roles under one supervisor.

use std::{
    collections::BTreeSet,
    path::Path,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use alloy::signers::local::PrivateKeySigner;
use causeway_adapter_evm::route_outbox;
use causeway_config::{Config, Finality};
use causeway_core::OperatorKey;
use causeway_indexer::{ApiState, FollowerConfig, RouteTrees, Store, TreeCacheConfig};
use causeway_operator::{OperatorState, SignedLog, Signer};
use causeway_relayer::{QuorumCollector, Relayer, RelayerSettings, RetryPolicy};
use eyre::{Result, WrapErr};
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::net::TcpListener;
use tokio_util::{sync::CancellationToken, task::TaskTracker};

use crate::wiring::{self, HubDirectory};

/// Tasks of one process: cancelled together, awaited together.
#[derive(Debug, Clone, Default)]
pub struct Supervisor {
    /// Fires on shutdown; every task watches it.
    pub cancel: CancellationToken,
    /// Every spawned task.
    pub tracker: TaskTracker,
}

impl Supervisor {
    /// A new supervisor.
    pub fn new() -> Self {
        Self::default()
    }

    /// Spawns `task` under this supervisor.
    pub fn spawn<F>(&self, task: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.tracker.spawn(task);
    }

    /// Cancels every task and waits for all of them to finish.
    pub async fn shutdown(&self) {
        self.cancel.cancel();
        self.tracker.close();
        self.tracker.wait().await;
    }

    /// Waits for Ctrl-C or SIGTERM (or for the supervisor to be cancelled), then shuts down.
    pub async fn run_until_signal(&self) {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        #[cfg(unix)]
        let term = async move {
            match term.as_mut() {
                Some(t) => {
                    t.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<()>();
        tokio::select! {
            _ = ctrl_c => tracing::info!(target: "causeway::node", "Ctrl-C: shutting down"),
            () = term => tracing::info!(target: "causeway::node", "SIGTERM: shutting down"),
            () = self.cancel.cancelled() => {}
        }
        self.shutdown().await;
    }
}

/// Poll interval of followers and signers on a chain: fast for instant-final dev chains.
fn poll_for(finality: Finality) -> Duration {
    match finality {
        Finality::Instant => Duration::from_millis(100),
        _ => Duration::from_secs(1),
    }
}

/// Starts one follower per configured chain into `store` and the HTTP API on `listener`.
/// Returns the route trees (shared with a relayer in the same process).
pub async fn spawn_indexer(
    config: &Config,
    store: Store,
    listener: TcpListener,
    metrics: PrometheusHandle,
    sup: &Supervisor,
) -> Result<Arc<RouteTrees>> {
    let mut domains = Vec::new();
    for (name, chain) in &config.chains {
        let (_, evm) = wiring::evm(config, name)?;
        let source = wiring::source(config, name)?;
        let mut follower = FollowerConfig::new(name.clone(), evm.start_block);
        follower.max_log_range = config.indexer.max_log_range;
        follower.min_log_range = config.indexer.min_log_range;
        follower.poll_interval = poll_for(chain.finality);
        domains.push(chain.domain);
        let (store, cancel, name) = (store.clone(), sup.cancel.clone(), name.clone());
        sup.spawn(async move {
            if let Err(e) = causeway_indexer::follow(source, store, follower, cancel.clone()).await
            {
                tracing::error!(target: "causeway::indexer", chain = %name, error = %e, "follower stopped");
            }
        });
    }
    spawn_operator_sync(config, store.clone(), sup)?;
    let trees = Arc::new(RouteTrees::new(store.clone(), TreeCacheConfig::default()));
    let state = ApiState { store, trees: trees.clone(), metrics, domains };
    let cancel = sup.cancel.clone();
    sup.spawn(async move {
        if let Err(e) = causeway_indexer::serve(listener, state, cancel).await {
            tracing::error!(target: "causeway::indexer", error = %e, "API server stopped");
        }
    });
    Ok(trees)
}

/// How often the indexer copies the registry's operators into the store (for `/operators`).
const OPERATOR_SYNC: Duration = Duration::from_secs(10);

/// Copies the hub registry's active operators (key, announced URL, stake) into the store, now
/// and every [`OPERATOR_SYNC`], for the API. Skipped when the hub registry is not configured.
fn spawn_operator_sync(config: &Config, store: Store, sup: &Supervisor) -> Result<()> {
    let Ok(registry) = wiring::hub_registry(config) else {
        tracing::info!(target: "causeway::indexer", "no hub registry configured: /operators stays empty");
        return Ok(());
    };
    let (hub, evm) = config.hub_chain()?;
    let vault = evm.contracts.stake_vault;
    let provider = wiring::reader(&config.hub.chain, hub)?;
    let cancel = sup.cancel.clone();
    sup.spawn(async move {
        loop {
            match sync_operators(&registry, &provider, vault, &store).await {
                Ok(n) => tracing::debug!(target: "causeway::indexer", operators = n, "operators synced"),
                Err(e) => tracing::warn!(target: "causeway::indexer", error = %e, "syncing operators from the registry"),
            }
            tokio::select! {
                () = cancel.cancelled() => break,
                () = tokio::time::sleep(OPERATOR_SYNC) => {}
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
            .upsert_operator(&causeway_indexer::OperatorRecord {
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

/// Starts an operator: a signer per origin it watches (every route from it to another
/// configured chain), its signed log at `log_path`, its server on `listener`. The epoch signed
/// under is the hub registry's latest, re-read every 10 s.
pub async fn spawn_operator(
    config: &Config,
    key: OperatorKey,
    log_path: &Path,
    listener: TcpListener,
    metrics: PrometheusHandle,
    sup: &Supervisor,
) -> Result<Arc<OperatorState>> {
    let domain = wiring::signing_domain(config)?;
    let registry = wiring::hub_registry(config)?;
    let first =
        registry.latest_epoch().await.wrap_err("reading the hub registry's latest epoch")?;
    let epoch = Arc::new(AtomicU64::new(first));
    {
        let (epoch, cancel) = (epoch.clone(), sup.cancel.clone());
        sup.spawn(async move {
            loop {
                tokio::select! {
                    () = cancel.cancelled() => break,
                    () = tokio::time::sleep(Duration::from_secs(10)) => {}
                }
                match registry.latest_epoch().await {
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
    for origin in config.operator_origins() {
        let (chain, evm) = wiring::evm(config, origin)?;
        let mailbox = wiring::mailbox(origin, evm)?;
        let routes = config
            .chains
            .values()
            .filter(|c| c.domain != chain.domain)
            .map(|c| (c.domain, route_outbox(mailbox, c.domain)))
            .collect();
        let epoch = epoch.clone();
        let signer = Signer::new(
            wiring::source(config, origin)?,
            routes,
            key.clone(),
            domain,
            Arc::new(move || epoch.load(Ordering::Relaxed)),
            log.clone(),
            state.clone(),
        )
        .with_poll_interval(poll_for(chain.finality));
        sup.spawn(signer.run(sup.cancel.clone()));
    }
    let (server_state, cancel) = (state.clone(), sup.cancel.clone());
    sup.spawn(async move {
        if let Err(e) = causeway_operator::serve(listener, server_state, log, metrics, cancel).await
        {
            tracing::error!(target: "causeway::operator", error = %e, "server stopped");
        }
    });
    Ok(state)
}

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
        poll_interval: Duration::from_millis(100),
        ..RelayerSettings::default()
    }
}

/// Starts one relayer per destination of the configured routes, sending with `signer`.
pub async fn spawn_relayer(
    config: &Config,
    signer: PrivateKeySigner,
    store: Store,
    trees: Arc<RouteTrees>,
    sup: &Supervisor,
) -> Result<()> {
    let collector = QuorumCollector::new(
        Arc::new(HubDirectory(wiring::hub_registry(config)?)),
        wiring::signing_domain(config)?,
        config.relayer.signature_timeout(),
    );
    let destinations: BTreeSet<String> =
        config.relayer_routes().into_iter().map(|r| r.to).collect();
    for name in destinations {
        let sink = wiring::sink(config, &name, signer.clone())?;
        let relayer = Relayer::new(
            store.clone(),
            trees.clone(),
            sink,
            collector.clone(),
            relayer_settings(config),
        );
        sup.spawn(relayer.run(sup.cancel.clone()));
    }
    Ok(())
}

/// Binds `addr`, saying which role wanted it when the port is taken.
pub async fn bind(addr: std::net::SocketAddr, what: &str) -> Result<TcpListener> {
    TcpListener::bind(addr).await.wrap_err_with(|| {
        format!("{what}: cannot listen on {addr} (is another Causeway process using it?)")
    })
}
