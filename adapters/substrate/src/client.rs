//! One connection to a Substrate node: a subxt client on the legacy backend (the chain-head
//! backend's finalized stream ends at once against chopsticks), its raw legacy RPC methods, and
//! what the connect-time check learned about the chain.

use std::{fmt, sync::Arc};

use causeway_core::{B256, ChainError};
use subxt::{
    OnlineClient, PolkadotConfig,
    backend::LegacyBackend,
    config::RpcConfigFor,
    dynamic,
    rpcs::{RpcClient, methods::LegacyRpcMethods},
};

use crate::error::{permanent, rpc};

/// The subxt configuration used for every chain (`MultiAddress<AccountId32, ()>`, the
/// transaction extensions read from metadata).
pub type Cfg = PolkadotConfig;

/// What a chain must be for this adapter to talk to it; checked on connect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    /// Chain name in the configuration (for errors).
    pub name: String,
    /// The runtime's `spec_name`, when the configuration pins it.
    pub runtime: Option<String>,
    /// SS58 prefix (`System.SS58Prefix`).
    pub ss58_prefix: u16,
    /// Decimals of the native token (`system_properties.tokenDecimals`).
    pub decimals: u8,
}

/// What the chain said about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainInfo {
    /// `system_chain`.
    pub chain: String,
    /// The runtime's `spec_name`.
    pub runtime: String,
    /// `System.SS58Prefix`.
    pub ss58_prefix: u16,
    /// Native token decimals.
    pub decimals: u8,
    /// `Balances.ExistentialDeposit`.
    pub existential_deposit: u128,
}

/// A connected node. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    /// The subxt client (blocks, extrinsics, events, storage, transactions).
    pub api: OnlineClient<Cfg>,
    /// The raw legacy RPC methods (heads, hashes, properties).
    pub rpc: LegacyRpcMethods<RpcConfigFor<Cfg>>,
    /// The endpoint.
    pub url: Arc<str>,
    /// What the chain is.
    pub info: Arc<ChainInfo>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client").field("url", &self.url).field("info", &self.info).finish()
    }
}

impl Client {
    /// Connects to `url` (`ws://` or `wss://`) and checks the chain is the one `expected`
    /// describes: a wrong runtime, SS58 prefix or decimals is a permanent error saying which.
    pub async fn connect(url: &str, expected: &Expected) -> Result<Self, ChainError> {
        let name = &expected.name;
        let raw = RpcClient::from_insecure_url(url)
            .await
            .map_err(|e| rpc(format!("connect to chains.{name} at {url}"), e))?;
        let backend = LegacyBackend::<Cfg>::builder().build(raw.clone());
        let config = PolkadotConfig::builder().use_historic_types(false).build();
        let api = OnlineClient::from_backend_with_config(config, Arc::new(backend))
            .await
            .map_err(|e| ChainError::retryable(format!("chains.{name} at {url}"), e))?;
        let methods = LegacyRpcMethods::<RpcConfigFor<Cfg>>::new(raw);
        let info = read_info(&api, &methods, name).await?;
        check(&info, expected, url)?;
        Ok(Self { api, rpc: methods, url: url.into(), info: Arc::new(info) })
    }
}

async fn read_info(
    api: &OnlineClient<Cfg>,
    methods: &LegacyRpcMethods<RpcConfigFor<Cfg>>,
    name: &str,
) -> Result<ChainInfo, ChainError> {
    let chain = methods
        .system_chain()
        .await
        .map_err(|e| rpc(format!("system_chain of chains.{name}"), e))?;
    let version = methods
        .state_get_runtime_version(None)
        .await
        .map_err(|e| rpc(format!("state_getRuntimeVersion of chains.{name}"), e))?;
    let runtime =
        version.other.get("specName").and_then(|v| v.as_str()).unwrap_or_default().to_owned();
    let properties = methods
        .system_properties()
        .await
        .map_err(|e| rpc(format!("system_properties of chains.{name}"), e))?;
    let decimals = match properties.get("tokenDecimals") {
        Some(serde_json::Value::Number(n)) => n.as_u64(),
        Some(serde_json::Value::Array(a)) => a.first().and_then(|v| v.as_u64()),
        _ => None,
    }
    .and_then(|d| u8::try_from(d).ok())
    .ok_or_else(|| {
        permanent(format!(
            "chains.{name}: system_properties has no tokenDecimals ({})",
            serde_json::Value::Object(properties.clone())
        ))
    })?;
    let at = api
        .at_current_block()
        .await
        .map_err(|e| ChainError::retryable(format!("the finalized block of chains.{name}"), e))?;
    let ss58_prefix = at
        .constants()
        .entry(dynamic::constant::<u16>("System", "SS58Prefix"))
        .map_err(|e| permanent(format!("chains.{name}: System.SS58Prefix: {e}")))?;
    let existential_deposit = at
        .constants()
        .entry(dynamic::constant::<u128>("Balances", "ExistentialDeposit"))
        .map_err(|e| permanent(format!("chains.{name}: Balances.ExistentialDeposit: {e}")))?;
    Ok(ChainInfo { chain, runtime, ss58_prefix, decimals, existential_deposit })
}

fn check(info: &ChainInfo, expected: &Expected, url: &str) -> Result<(), ChainError> {
    let name = &expected.name;
    let mut wrong = Vec::new();
    if let Some(runtime) = &expected.runtime
        && *runtime != info.runtime
    {
        wrong.push(format!("runtime \"{}\" (expected \"{runtime}\")", info.runtime));
    }
    if info.ss58_prefix != expected.ss58_prefix {
        wrong.push(format!(
            "SS58 prefix {} (expected ss58_prefix = {})",
            info.ss58_prefix, expected.ss58_prefix
        ));
    }
    if info.decimals != expected.decimals {
        wrong.push(format!(
            "{} decimals (expected decimals = {})",
            info.decimals, expected.decimals
        ));
    }
    if wrong.is_empty() {
        return Ok(());
    }
    Err(permanent(format!(
        "chains.{name}: the node at {url} is \"{}\" with {}; wrong chain or wrong configuration",
        info.chain,
        wrong.join(", ")
    )))
}

/// A subxt/primitive-types hash as ours.
pub(crate) fn b256(hash: impl AsRef<[u8]>) -> B256 {
    B256::from_slice(hash.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> ChainInfo {
        ChainInfo {
            chain: "causeway-polkadot-dev".into(),
            runtime: "causeway-polkadot-dev".into(),
            ss58_prefix: 0,
            decimals: 10,
            existential_deposit: 100_000_000,
        }
    }

    #[test]
    fn wrong_chain_names_every_difference() {
        let expected = Expected {
            name: "astar".into(),
            runtime: Some("causeway-astar-dev".into()),
            ss58_prefix: 5,
            decimals: 18,
        };
        let e = check(&info(), &expected, "ws://127.0.0.1:1").unwrap_err().to_string();
        assert!(e.contains("chains.astar"), "{e}");
        assert!(
            e.contains("runtime \"causeway-polkadot-dev\" (expected \"causeway-astar-dev\")"),
            "{e}"
        );
        assert!(e.contains("SS58 prefix 0 (expected ss58_prefix = 5)"), "{e}");
        assert!(e.contains("10 decimals (expected decimals = 18)"), "{e}");
        let right = Expected { name: "dot".into(), runtime: None, ss58_prefix: 0, decimals: 10 };
        assert!(check(&info(), &right, "ws://x").is_ok());
    }
}
