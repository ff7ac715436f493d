//! The chain registry: one handle per connected domain, built from configuration by the one
//! `match` on chain kind, and changed while the process runs.
//!
//! Every role takes the registry, not the configuration: the indexer follows each handle's
//! source, operators sign each origin's routes to every other domain, the relayer delivers to
//! each destination through a sink the handle builds. Domains are added and removed at run time
//! ([`ChainRegistry::add`], [`ChainRegistry::remove`], or [`ChainRegistry::apply`] with a
//! reloaded configuration); each role watches [`ChainRegistry::subscribe`] and starts or stops
//! its per-domain tasks without a restart.

use std::{
    collections::BTreeMap,
    fmt,
    sync::{Arc, RwLock},
};

use alloy::signers::local::PrivateKeySigner;
use causeway_adapter_evm::{EvmFinality, EvmSink, EvmSource, connect_http, sink::GasPolicy};
use causeway_adapter_substrate::{
    Client, Expected, SubstrateApprover, SubstrateFinality, SubstrateSink, SubstrateSource,
    escrow::{EscrowDomain, ReleaseLog},
};
use causeway_config::{ChainConfig, ChainKind, Config};
use causeway_core::{
    B256, Domain, FinalityOracle, MessageSink, MessageSource, chain::ReleaseApprover,
};
use eyre::{Result, WrapErr, eyre};
use tokio::sync::watch;

use crate::wiring;

/// How a handle builds the sink of its chain for a relayer key.
type SinkFactory = Box<dyn Fn(&B256) -> Result<Arc<dyn MessageSink>> + Send + Sync>;

/// How a handle builds the release approver of its chain for an operator key (chains whose
/// deliveries are multisig releases).
type ApproverFactory = Box<dyn Fn(&B256) -> Result<Arc<dyn ReleaseApprover>> + Send + Sync>;

/// One connected domain: what every role needs of it, built once.
pub struct ChainHandle {
    /// Name in the configuration.
    pub name: String,
    /// Domain id.
    pub domain: Domain,
    /// The configuration it was built from (to tell a changed chain from an unchanged one).
    pub config: ChainConfig,
    /// Messages and outbox state of the chain as an origin.
    pub source: Arc<dyn MessageSource>,
    /// Head, finality and canonical blocks (shared by the source and the relayer's confirmer).
    pub finality: Arc<dyn FinalityOracle>,
    /// First block to index when the store has no cursor.
    pub start_block: u64,
    sink: SinkFactory,
    approver: Option<ApproverFactory>,
}

impl fmt::Debug for ChainHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChainHandle")
            .field("name", &self.name)
            .field("domain", &self.domain)
            .field("kind", &self.config.kind.name())
            .field("rpc", &self.config.rpc)
            .finish_non_exhaustive()
    }
}

impl ChainHandle {
    /// Builds the handle of chain `name` (the one `match` on chain kind). A Substrate chain is
    /// connected and checked here (runtime, SS58 prefix, decimals): a wrong chain is an error.
    pub async fn build(config: &Config, name: &str, chain: &ChainConfig) -> Result<Self> {
        match &chain.kind {
            ChainKind::Evm(evm) => {
                let mailbox = wiring::mailbox(name, evm)?;
                let url = wiring::url(name, chain)?;
                let reader = wiring::reader(name, chain)?;
                let finality: Arc<dyn FinalityOracle> = match (&evm.native, chain.finality) {
                    (Some(native), causeway_config::Finality::Finalized) => {
                        let evm_side = Arc::new(EvmFinality::new(
                            chain.domain,
                            reader.clone(),
                            wiring::finality_rule(causeway_config::Finality::Instant),
                        ));
                        let native_side = wiring::native_finality(config, name, native).await?;
                        Arc::new(crate::finality::NativeFinality::new(evm_side, native_side))
                    }
                    _ => Arc::new(EvmFinality::new(
                        chain.domain,
                        reader.clone(),
                        wiring::finality_rule(chain.finality),
                    )),
                };
                let source =
                    Arc::new(EvmSource::new(chain.domain, reader, mailbox, finality.clone()));
                let gas = GasPolicy {
                    bump_percent: config.relayer.gas_escalation_percent,
                    max_fee_cap: u128::from(config.relayer.gas_price_cap_gwei)
                        .saturating_mul(1_000_000_000),
                    stuck_after: config.relayer.gas_stuck_after(),
                    give_up_after: config.relayer.receipt_timeout(),
                };
                let (domain, max_batch) = (chain.domain, config.relayer.batch_size);
                let sink: SinkFactory = Box::new(move |key| {
                    let signer =
                        PrivateKeySigner::from_bytes(key).map_err(|e| eyre!("relayer key: {e}"))?;
                    let from = signer.address();
                    Ok(Arc::new(
                        EvmSink::new(domain, connect_http(url.clone(), signer), mailbox, from)
                            .with_gas_policy(gas)
                            .with_max_batch(max_batch),
                    ) as Arc<dyn MessageSink>)
                });
                Ok(Self {
                    name: name.to_owned(),
                    domain: chain.domain,
                    config: chain.clone(),
                    source,
                    finality,
                    start_block: evm.start_block,
                    sink,
                    approver: None,
                })
            }
            ChainKind::Substrate(sub) => {
                let domain = chain.domain;
                let escrow = wiring::escrow(name, sub)?;
                let expected = Expected {
                    name: name.to_owned(),
                    runtime: sub.runtime.clone(),
                    ss58_prefix: sub.ss58_prefix,
                    decimals: sub.decimals,
                };
                let client = Client::connect(&chain.rpc, &expected).await.map_err(|e| eyre!(e))?;
                let finality: Arc<dyn FinalityOracle> = Arc::new(
                    SubstrateFinality::new(domain, client.clone())
                        .with_rule(wiring::substrate_rule(chain.finality)),
                );
                let bridges = wiring::token_bridges(config, name, sub)?;
                let source = Arc::new(SubstrateSource::new(
                    domain,
                    client.clone(),
                    escrow.account,
                    bridges.clone(),
                    finality.clone(),
                ));
                let chain_escrow = EscrowDomain {
                    domain,
                    client,
                    escrow: escrow.clone(),
                    bridges,
                    log: Arc::new(ReleaseLog::new(escrow.account, sub.start_block)),
                };
                let peers = Arc::new(wiring::HubDirectory(wiring::hub_registry(config)?));
                let timeout =
                    config.relayer.signature_timeout().max(std::time::Duration::from_secs(60));
                let for_sink = chain_escrow.clone();
                let sink: SinkFactory = Box::new(move |_relayer_key| {
                    Ok(Arc::new(SubstrateSink::new(for_sink.clone(), peers.clone(), timeout))
                        as Arc<dyn MessageSink>)
                });
                let approver: ApproverFactory = Box::new(move |key| {
                    SubstrateApprover::new(chain_escrow.clone(), key)
                        .map(|a| Arc::new(a) as Arc<dyn ReleaseApprover>)
                        .map_err(|e| eyre!(e))
                });
                Ok(Self {
                    name: name.to_owned(),
                    domain,
                    config: chain.clone(),
                    source,
                    finality,
                    start_block: sub.start_block,
                    sink,
                    approver: Some(approver),
                })
            }
        }
    }

    /// The release approver of this chain for the operator key `key`, when its deliveries are
    /// multisig releases (Substrate chains); `None` for chains that verify checkpoints on chain.
    pub fn approver(&self, key: &B256) -> Option<Result<Arc<dyn ReleaseApprover>>> {
        self.approver.as_ref().map(|f| {
            f(key).wrap_err_with(|| format!("the release approver of chains.{}", self.name))
        })
    }

    /// The sink of this chain, sending with the relayer key `key` (32 bytes).
    pub fn sink(&self, key: &B256) -> Result<Arc<dyn MessageSink>> {
        (self.sink)(key).wrap_err_with(|| format!("the sink of chains.{}", self.name))
    }
}

/// What [`ChainRegistry::apply`] changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// Chains added (by name).
    pub added: Vec<String>,
    /// Chains removed.
    pub removed: Vec<String>,
    /// Chains whose settings changed (rebuilt).
    pub changed: Vec<String>,
}

impl Changes {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// The connected domains. Cheap to clone (shared).
#[derive(Debug, Clone)]
pub struct ChainRegistry {
    chains: Arc<RwLock<BTreeMap<Domain, Arc<ChainHandle>>>>,
    version: Arc<watch::Sender<u64>>,
}

impl ChainRegistry {
    /// A registry of every chain of `config`. A chain that cannot be built (a missing Mailbox
    /// address, an unsupported kind) is an error naming it.
    pub async fn build(config: &Config) -> Result<Self> {
        let mut chains = BTreeMap::new();
        for (name, chain) in &config.chains {
            chains.insert(chain.domain, Arc::new(ChainHandle::build(config, name, chain).await?));
        }
        Ok(Self { chains: Arc::new(RwLock::new(chains)), version: Arc::new(watch::channel(0).0) })
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<Domain, Arc<ChainHandle>>> {
        self.chains.read().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<Domain, Arc<ChainHandle>>> {
        self.chains.write().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn bump(&self) {
        self.version.send_modify(|v| *v = v.wrapping_add(1));
    }

    /// Every handle, by domain.
    pub fn chains(&self) -> Vec<Arc<ChainHandle>> {
        self.read().values().cloned().collect()
    }

    /// The handle of `domain`.
    pub fn get(&self, domain: Domain) -> Option<Arc<ChainHandle>> {
        self.read().get(&domain).cloned()
    }

    /// The handle named `name`.
    pub fn by_name(&self, name: &str) -> Option<Arc<ChainHandle>> {
        self.read().values().find(|h| h.name == name).cloned()
    }

    /// Every domain id.
    pub fn domains(&self) -> Vec<Domain> {
        self.read().keys().copied().collect()
    }

    /// Adds (or replaces) a domain; subscribers see the change.
    pub fn add(&self, handle: ChainHandle) {
        self.write().insert(handle.domain, Arc::new(handle));
        self.bump();
    }

    /// Removes a domain; subscribers see the change. Returns whether it was there.
    pub fn remove(&self, domain: Domain) -> bool {
        let removed = self.write().remove(&domain).is_some();
        if removed {
            self.bump();
        }
        removed
    }

    /// Changes the registry to the chains of `config`: new ones added, missing ones removed,
    /// changed ones rebuilt. The hub chain cannot change or go (that needs a restart: every
    /// signature is bound to its registry). Nothing changes when any chain fails to build.
    pub async fn apply(&self, config: &Config, hub: &str) -> Result<Changes> {
        let current: BTreeMap<String, Arc<ChainHandle>> =
            self.read().values().map(|h| (h.name.clone(), h.clone())).collect();
        let mut changes = Changes::default();
        let mut built = Vec::new();
        for (name, chain) in &config.chains {
            match current.get(name) {
                Some(h) if h.config == *chain => {}
                Some(_) if name == hub => {
                    return Err(eyre!(
                        "chains.{name} is the hub chain; changing it needs a restart"
                    ));
                }
                existing => {
                    built.push(ChainHandle::build(config, name, chain).await?);
                    if existing.is_some() {
                        changes.changed.push(name.clone());
                    } else {
                        changes.added.push(name.clone());
                    }
                }
            }
        }
        let gone: Vec<Arc<ChainHandle>> =
            current.values().filter(|h| !config.chains.contains_key(&h.name)).cloned().collect();
        if gone.iter().any(|h| h.name == hub) {
            return Err(eyre!("chains.{hub} is the hub chain; it cannot be removed while running"));
        }
        if built.is_empty() && gone.is_empty() {
            return Ok(changes);
        }
        {
            let mut chains = self.write();
            for h in &gone {
                chains.remove(&h.domain);
                changes.removed.push(h.name.clone());
            }
            for h in built {
                // A renamed domain or a domain id moved to another name: the old entry goes.
                chains.retain(|_, old| old.name != h.name);
                chains.insert(h.domain, Arc::new(h));
            }
        }
        self.bump();
        Ok(changes)
    }

    /// A receiver that changes whenever the set of domains does.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.version.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use causeway_config::Sources;

    use super::*;

    /// The devnet preset with Mailbox addresses, plus `extra` overrides.
    fn config(extra: &[&str]) -> Config {
        let mut overrides = vec![
            "chains.ethereum.contracts.mailbox=\"0x5FbDB2315678afecb367f032d93F642f64180aa3\""
                .to_owned(),
            "chains.l2.contracts.mailbox=\"0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512\"".to_owned(),
        ];
        overrides.extend(extra.iter().map(|s| (*s).to_owned()));
        let sources = Sources { preset: Some("devnet".into()), file: None, env: vec![], overrides };
        causeway_config::load(&sources).unwrap()
    }

    const L3: [&str; 5] = [
        "chains.l3.kind=\"evm\"",
        "chains.l3.domain=3",
        "chains.l3.chain_id=31339",
        "chains.l3.rpc=\"http://127.0.0.1:8547\"",
        "chains.l3.contracts.mailbox=\"0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0\"",
    ];

    #[tokio::test]
    async fn apply_adds_removes_and_rebuilds_and_tells_subscribers() {
        let registry = ChainRegistry::build(&config(&[])).await.unwrap();
        let mut changes = registry.subscribe();
        assert_eq!(registry.domains(), vec![1, 2]);
        let l2 = registry.get(2).unwrap();

        let added = registry.apply(&config(&L3), "ethereum").await.unwrap();
        assert_eq!(added.added, vec!["l3".to_owned()]);
        assert_eq!(registry.domains(), vec![1, 2, 3]);
        assert!(changes.has_changed().unwrap());
        changes.borrow_and_update();
        assert!(Arc::ptr_eq(&l2, &registry.get(2).unwrap()), "an unchanged chain is kept");
        let l3_mailbox: causeway_core::Address =
            "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0".parse().unwrap();
        assert_eq!(
            registry.by_name("l3").unwrap().source.outbox_id(1),
            causeway_core::route_outbox(l3_mailbox, 1),
            "the new chain's source names its routes from its Mailbox"
        );

        // The same configuration again changes nothing and wakes nobody.
        assert!(registry.apply(&config(&L3), "ethereum").await.unwrap().is_empty());
        assert!(!changes.has_changed().unwrap());

        let mut moved = L3.to_vec();
        moved.push("chains.l2.rpc=\"http://127.0.0.1:9999\"");
        let rebuilt = registry.apply(&config(&moved), "ethereum").await.unwrap();
        assert_eq!(rebuilt.changed, vec!["l2".to_owned()]);
        assert!(!Arc::ptr_eq(&l2, &registry.get(2).unwrap()), "a changed chain is rebuilt");

        let removed = registry.apply(&config(&[]), "ethereum").await.unwrap();
        assert_eq!(removed.removed, vec!["l3".to_owned()]);
        assert_eq!(registry.domains(), vec![1, 2]);
    }

    #[tokio::test]
    async fn the_hub_and_unbuildable_chains_are_refused_and_nothing_changes() {
        let registry = ChainRegistry::build(&config(&[])).await.unwrap();
        let hub_moved = config(&["chains.ethereum.rpc=\"http://127.0.0.1:9999\""]);
        let err = registry.apply(&hub_moved, "ethereum").await.unwrap_err();
        assert!(err.to_string().contains("hub chain"), "{err}");

        // l3 without a Mailbox address cannot be built: not even l4 is added.
        let mut broken: Vec<&str> = L3[..4].to_vec();
        broken.extend([
            "chains.l4.kind=\"evm\"",
            "chains.l4.domain=4",
            "chains.l4.chain_id=31340",
            "chains.l4.rpc=\"http://127.0.0.1:8548\"",
            "chains.l4.contracts.mailbox=\"0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0\"",
        ]);
        let err = registry.apply(&config(&broken), "ethereum").await.unwrap_err();
        assert!(err.to_string().contains("chains.l3.contracts.mailbox"), "{err}");
        assert_eq!(registry.domains(), vec![1, 2]);
        assert!(registry.remove(2));
        assert!(!registry.remove(2));
        assert_eq!(registry.domains(), vec![1]);
    }
}
