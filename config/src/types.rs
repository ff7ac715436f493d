//! The validated, typed configuration: what every role reads after [`crate::load`] succeeded.
//!
//! Every value here has been checked: addresses are [`Address`], listen addresses are
//! [`SocketAddr`], URLs have the right scheme and a host, numbers are in range and every chain
//! name a field refers to exists.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use alloy_primitives::Address;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{ConfigError, SecretSource};

/// The whole configuration, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Which chain hosts the `RestakingRegistry`.
    pub hub: HubConfig,
    /// Every connected chain, by its configured name.
    pub chains: BTreeMap<String, ChainConfig>,
    /// The checkpoint signer and watchtower.
    pub operator: OperatorConfig,
    /// The delivery pipeline.
    pub relayer: RelayerConfig,
    /// Chain followers and the HTTP API.
    pub indexer: IndexerConfig,
    /// The database shared by indexer, relayer and operator.
    pub store: StoreConfig,
    /// What every long-running process does, whatever its role.
    pub node: NodeConfig,
}

impl Config {
    /// The chain called `name`, or an error naming the configured ones.
    pub fn chain(&self, name: &str) -> Result<&ChainConfig, ConfigError> {
        self.chains.get(name).ok_or_else(|| ConfigError::UnknownChain {
            name: name.to_owned(),
            configured: self.chains.keys().cloned().collect(),
        })
    }

    /// The chain with this domain id (domains are unique, validation makes sure).
    pub fn chain_by_domain(&self, domain: u32) -> Option<(&str, &ChainConfig)> {
        self.chains.iter().find(|(_, c)| c.domain == domain).map(|(n, c)| (n.as_str(), c))
    }

    /// The hub chain and its EVM settings (validation guarantees it exists and is EVM).
    pub fn hub_chain(&self) -> Result<(&ChainConfig, &EvmChain), ConfigError> {
        let chain = self.chain(&self.hub.chain)?;
        match &chain.kind {
            ChainKind::Evm(evm) => Ok((chain, evm)),
            ChainKind::Substrate(_) => {
                Err(ConfigError::Invalid(crate::Problems(vec![crate::Problem::new(
                    "hub.chain",
                    "the hub chain must be of kind \"evm\"",
                )])))
            }
        }
    }

    /// The origins the operator signs for: `operator.origins`, or every chain when it is empty.
    pub fn operator_origins(&self) -> Vec<&str> {
        if self.operator.origins.is_empty() {
            self.chains.keys().map(String::as_str).collect()
        } else {
            self.operator.origins.iter().map(String::as_str).collect()
        }
    }

    /// The routes the relayer serves: `relayer.routes`, or every ordered pair of distinct chains
    /// when it is empty.
    pub fn relayer_routes(&self) -> Vec<Route> {
        if !self.relayer.routes.is_empty() {
            return self.relayer.routes.clone();
        }
        let names: Vec<&String> = self.chains.keys().collect();
        let mut routes = Vec::new();
        for from in &names {
            for to in &names {
                if from != to {
                    routes.push(Route { from: (*from).clone(), to: (*to).clone() });
                }
            }
        }
        routes
    }
}

/// `[hub]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubConfig {
    /// Name of the EVM chain hosting `RestakingRegistry`, `StakeVault`, `RollupRegistry`.
    pub chain: String,
}

/// `[chains.<name>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainConfig {
    /// The protocol's `u32` id for this chain; non-zero and unique.
    pub domain: u32,
    /// RPC endpoint: `http://` for EVM (this build's EVM adapter speaks neither TLS nor
    /// WebSocket, ADR 0006), `ws(s)://` for Substrate.
    pub rpc: String,
    /// When a block counts as final for signing.
    pub finality: Finality,
    /// VM family and the settings only that family has.
    pub kind: ChainKind,
}

/// VM family of a chain, with its family-specific settings. The one `match` on it that builds
/// adapters lives in the node crate (`node/src/registry.rs`, `ChainHandle::build`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(clippy::large_enum_variant)] // built once per process; boxing would only add noise
pub enum ChainKind {
    /// An EVM chain running the Causeway contracts.
    Evm(EvmChain),
    /// A Substrate chain reached through a virtual outbox and a multisig escrow.
    Substrate(SubstrateChain),
}

impl ChainKind {
    /// `"evm"` or `"substrate"`, as written in TOML.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Evm(_) => "evm",
            Self::Substrate(_) => "substrate",
        }
    }
}

/// Settings only an EVM chain has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvmChain {
    /// EIP-155 chain id; EIP-712 signatures bind to it, so it is unique across chains.
    pub chain_id: u64,
    /// Deployed contract addresses; each is `None` until deployed.
    pub contracts: Contracts,
    /// First block the indexer reads when it has no cursor (the Mailbox's deployment block).
    pub start_block: u64,
    /// The substrate chain this EVM chain is one side of (Astar's EVM and native sides are one
    /// network, EVM block N being its block N): with `finality = "finalized"`, this chain's
    /// blocks are final when that chain's GRANDPA finalized them.
    pub native: Option<String>,
}

/// `[chains.<name>.contracts]`: addresses of the deployed contracts, all optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contracts {
    /// `Mailbox`: dispatch, checkpoints, delivery.
    pub mailbox: Option<Address>,
    /// `RestakingRegistry` (hub chain only).
    pub registry: Option<Address>,
    /// `TokenBridge`.
    pub token_bridge: Option<Address>,
    /// `QuorumVerifier`.
    pub quorum_verifier: Option<Address>,
    /// `OperatorSetMirror` (non-hub EVM chains).
    pub operator_set_mirror: Option<Address>,
    /// `RollupRegistry` (hub chain only).
    pub rollup_registry: Option<Address>,
    /// `StateCommitmentChain` (hub chain only).
    pub state_commitment_chain: Option<Address>,
    /// `StakeVault` (hub chain only).
    pub stake_vault: Option<Address>,
    /// `CausewayToken` (hub chain): the staked token and the hub bridge's collateral.
    pub token: Option<Address>,
    /// `SyntheticToken` minted by this chain's `TokenBridge` (non-hub chains).
    pub synthetic_token: Option<Address>,
    /// `MessageLog` example recipient: records every message it receives.
    pub message_log: Option<Address>,
}

impl Contracts {
    /// `(toml key, address)` for every contract, in schema order.
    pub fn entries(&self) -> [(&'static str, Option<Address>); 11] {
        [
            ("mailbox", self.mailbox),
            ("registry", self.registry),
            ("token_bridge", self.token_bridge),
            ("quorum_verifier", self.quorum_verifier),
            ("operator_set_mirror", self.operator_set_mirror),
            ("rollup_registry", self.rollup_registry),
            ("state_commitment_chain", self.state_commitment_chain),
            ("stake_vault", self.stake_vault),
            ("token", self.token),
            ("synthetic_token", self.synthetic_token),
            ("message_log", self.message_log),
        ]
    }
}

/// Settings only a Substrate chain has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubstrateChain {
    /// SS58 address prefix (0 Polkadot, 2 Kusama, 5 Astar, 42 generic).
    pub ss58_prefix: u16,
    /// Decimals of the native token (10 on Polkadot, 18 on Astar).
    pub decimals: u8,
    /// SS58 address of the multisig escrow account; `None` until created. Its checksum and prefix
    /// were checked; when the signatories are given too, the node checks it is their multisig.
    pub escrow: Option<String>,
    /// SS58 accounts of the escrow's signatories (the operators' keys as Substrate ECDSA
    /// accounts); empty until the escrow is set up.
    pub signatories: Vec<String>,
    /// Approvals a release needs (2..=signatories); 0 when no signatories are given.
    pub threshold: u16,
    /// The runtime's `spec_name` the node must report; any when `None`.
    pub runtime: Option<String>,
    /// First block the indexer and operators read when they have no cursor.
    pub start_block: u64,
    /// The `TokenBridge` of this chain's native token on each EVM chain, by chain name: the
    /// recipient of a transfer from here, the only sender a release here is accepted from.
    pub bridges: BTreeMap<String, Address>,
}

/// When a block of a chain is final enough to sign a checkpoint of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finality {
    /// The chain's own finality: Ethereum's `finalized` tag, GRANDPA on Substrate.
    Finalized,
    /// Every block is final at once (local dev chains such as anvil).
    Instant,
    /// Final after this many confirmations (1..=10 000).
    Depth(u32),
}

impl Serialize for Finality {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self {
            Self::Finalized => serializer.serialize_str("finalized"),
            Self::Instant => serializer.serialize_str("instant"),
            Self::Depth(depth) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("depth", depth)?;
                map.end()
            }
        }
    }
}

const FINALITY_EXPECTED: &str = "\"finalized\", \"instant\" or { depth = N }";

impl<'de> Deserialize<'de> for Finality {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FinalityVisitor;

        impl<'de> Visitor<'de> for FinalityVisitor {
            type Value = Finality;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(FINALITY_EXPECTED)
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Finality, E> {
                match v {
                    "finalized" => Ok(Finality::Finalized),
                    "instant" => Ok(Finality::Instant),
                    other => Err(E::custom(format!(
                        "unknown finality \"{other}\", expected {FINALITY_EXPECTED}"
                    ))),
                }
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Finality, A::Error> {
                let mut depth = None;
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "depth" if depth.is_none() => depth = Some(map.next_value::<u32>()?),
                        "depth" => return Err(de::Error::duplicate_field("depth")),
                        _ => return Err(de::Error::unknown_field(&key, &["depth"])),
                    }
                }
                depth.map(Finality::Depth).ok_or_else(|| de::Error::missing_field("depth"))
            }
        }

        deserializer.deserialize_any(FinalityVisitor)
    }
}

/// `[operator]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorConfig {
    /// Where the signing key comes from.
    pub key: SecretSource,
    /// Address the signature API binds to.
    pub listen: SocketAddr,
    /// URL announced in the registry, where relayers fetch signatures (`http(s)://`).
    pub public_url: String,
    /// Chains whose checkpoints this operator signs; empty = every chain
    /// (see [`Config::operator_origins`]).
    pub origins: Vec<String>,
    /// How often to look for a new finalized checkpoint (10..=3 600 000).
    pub poll_interval_ms: u64,
    /// How often to re-read the hub registry's latest epoch, the one signed under
    /// (100..=3 600 000).
    pub epoch_refresh_ms: u64,
    /// The signed log (SQLite): what this key signed, so it never signs a conflicting root. An
    /// absolute path, the same file at every start; `causeway operator run` refuses to start
    /// without it.
    pub signed_log: Option<std::path::PathBuf>,
}

impl OperatorConfig {
    /// `poll_interval_ms` as a duration.
    pub fn poll_interval(&self) -> Duration {
        Duration::from_millis(self.poll_interval_ms)
    }

    /// `epoch_refresh_ms` as a duration.
    pub fn epoch_refresh(&self) -> Duration {
        Duration::from_millis(self.epoch_refresh_ms)
    }
}

/// `[relayer]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayerConfig {
    /// Where the transaction signing key comes from.
    pub key: SecretSource,
    /// Routes served; empty = every ordered pair (see [`Config::relayer_routes`]).
    pub routes: Vec<Route>,
    /// Messages per `processBatch` (1..=1024).
    pub batch_size: usize,
    /// Attempts before a message reaches its final failed state.
    pub max_attempts: u32,
    /// First retry delay; doubles per attempt up to `backoff_max_ms`.
    pub backoff_initial_ms: u64,
    /// Longest retry delay.
    pub backoff_max_ms: u64,
    /// Gas price bump per escalation, percent (10..=100; nodes refuse replacements below 10).
    pub gas_escalation_percent: u32,
    /// Gas price never exceeds this, in gwei.
    pub gas_price_cap_gwei: u64,
    /// Address the relayer serves `/health`, `/ready` and `/metrics` on.
    pub listen: SocketAddr,
    /// How long to wait for one operator's signature.
    pub signature_timeout_ms: u64,
    /// Wait between relayer ticks that found nothing to do (10..=3 600 000).
    pub poll_interval_ms: u64,
    /// A transaction with no receipt for this long is sent again with higher fees
    /// (1 000..=3 600 000).
    pub gas_stuck_after_ms: u64,
    /// Stop waiting for a transaction's receipt after this long; at least `gas_stuck_after_ms`.
    pub receipt_timeout_ms: u64,
}

impl RelayerConfig {
    /// `backoff_initial_ms` as a duration.
    pub fn backoff_initial(&self) -> Duration {
        Duration::from_millis(self.backoff_initial_ms)
    }

    /// `backoff_max_ms` as a duration.
    pub fn backoff_max(&self) -> Duration {
        Duration::from_millis(self.backoff_max_ms)
    }

    /// `signature_timeout_ms` as a duration.
    pub fn signature_timeout(&self) -> Duration {
        Duration::from_millis(self.signature_timeout_ms)
    }

    /// `poll_interval_ms` as a duration.
    pub fn poll_interval(&self) -> Duration {
        Duration::from_millis(self.poll_interval_ms)
    }

    /// `gas_stuck_after_ms` as a duration.
    pub fn gas_stuck_after(&self) -> Duration {
        Duration::from_millis(self.gas_stuck_after_ms)
    }

    /// `receipt_timeout_ms` as a duration.
    pub fn receipt_timeout(&self) -> Duration {
        Duration::from_millis(self.receipt_timeout_ms)
    }
}

/// One relayer route, origin chain to destination chain (both configured, distinct).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// Origin chain name.
    pub from: String,
    /// Destination chain name.
    pub to: String,
}

/// `[indexer]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexerConfig {
    /// Address of the HTTP API, `/metrics`, `/health`, `/ready`.
    pub listen: SocketAddr,
    /// Largest `eth_getLogs` block range; ranges shrink on provider errors and grow back to it.
    pub max_log_range: u64,
    /// Smallest range the adaptive shrinking goes down to.
    pub min_log_range: u64,
    /// How often a follower polls a chain it has caught up with (10..=3 600 000).
    pub poll_interval_ms: u64,
    /// How often the registry's operators are copied into the store, for `/operators`
    /// (100..=3 600 000).
    pub operator_sync_ms: u64,
    /// `/ready` turns false once a follower's RPC has been unreachable this long
    /// (100..=86 400 000).
    pub unready_after_ms: u64,
    /// A follower whose RPC has failed without a break this long stops the indexer with an error
    /// naming the chain (100..=604 800 000, at least `unready_after_ms`).
    pub give_up_after_ms: u64,
}

impl IndexerConfig {
    /// `poll_interval_ms` as a duration.
    pub fn poll_interval(&self) -> Duration {
        Duration::from_millis(self.poll_interval_ms)
    }

    /// `operator_sync_ms` as a duration.
    pub fn operator_sync(&self) -> Duration {
        Duration::from_millis(self.operator_sync_ms)
    }

    /// `unready_after_ms` as a duration.
    pub fn unready_after(&self) -> Duration {
        Duration::from_millis(self.unready_after_ms)
    }

    /// `give_up_after_ms` as a duration.
    pub fn give_up_after(&self) -> Duration {
        Duration::from_millis(self.give_up_after_ms)
    }
}

/// `[node]`: settings of every long-running process, whatever role it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeConfig {
    /// How often a running process re-reads its configuration file to pick up chains added or
    /// removed (100..=3 600 000).
    pub reload_interval_ms: u64,
}

impl NodeConfig {
    /// `reload_interval_ms` as a duration.
    pub fn reload_interval(&self) -> Duration {
        Duration::from_millis(self.reload_interval_ms)
    }
}

/// `[store]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreConfig {
    /// `sqlite://PATH?mode=rwc`, `sqlite::memory:` or `postgres://USER@HOST:PORT/DB`, never with
    /// a password in it.
    pub url: String,
    /// Database password, for PostgreSQL.
    pub password: Option<SecretSource>,
}

/// Which database a store URL points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreBackend {
    /// A SQLite file (the default) or memory.
    Sqlite,
    /// PostgreSQL, for production and for several relayers sharing work.
    Postgres,
}

impl StoreConfig {
    /// The backend named by the URL's scheme (validation allows only these two).
    pub fn backend(&self) -> StoreBackend {
        if self.url.starts_with("sqlite:") { StoreBackend::Sqlite } else { StoreBackend::Postgres }
    }

    /// The URL to connect with: `url`, with the password loaded from `password` (via
    /// `lookup` for env vars) inserted as `user:password@`. Returned as a [`Secret`] because it
    /// may contain one.
    ///
    /// [`Secret`]: crate::Secret
    pub fn connect_url_with(
        &self,
        lookup: impl FnOnce(&str) -> Option<String>,
    ) -> Result<crate::Secret, ConfigError> {
        let Some(source) = &self.password else {
            return Ok(crate::Secret::new(self.url.clone()));
        };
        let password = source.load_with(lookup)?;
        Ok(crate::Secret::new(crate::check::with_password(&self.url, password.expose())))
    }

    /// [`Self::connect_url_with`] reading env vars from the process environment.
    pub fn connect_url(&self) -> Result<crate::Secret, ConfigError> {
        self.connect_url_with(|name| std::env::var(name).ok())
    }
}
