//! From configuration to the pieces every role shares: providers, the hub registry and the
//! operator directory, keys and the process's one metrics recorder. Per-chain sources and sinks
//! are built by the chain registry ([`crate::registry`]).

use std::str::FromStr;

use alloy::{
    providers::{DynProvider, Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
    transports::http::reqwest::Url,
};
use async_trait::async_trait;
use causeway_adapter_evm::{FinalityRule, registry::RegistryReader};
use causeway_adapter_substrate::{ApprovalPeers, escrow::Escrow, parse_ss58, to_ss58};
use causeway_config::{ChainConfig, Config, EvmChain, Finality, SecretSource, SubstrateChain};
use causeway_core::{Address, B256, ChainError, OperatorKey, OperatorSet, SigningDomain};
use causeway_relayer::{OperatorDirectory, OperatorEndpoint};
use eyre::{Result, WrapErr, bail, eyre};
use metrics_exporter_prometheus::PrometheusHandle;

/// Installs the process's one Prometheus recorder (the `metrics` facade allows one; the
/// indexer's `install` owns it) and describes the operator's and relayer's metrics too; later
/// calls return the same handle.
pub fn install_metrics() -> PrometheusHandle {
    let handle = causeway_indexer::metrics::install();
    causeway_operator::metrics::describe();
    causeway_relayer::metrics::describe();
    handle
}

/// The chain's Mailbox address, or an error naming the missing key.
pub fn mailbox(name: &str, evm: &EvmChain) -> Result<Address> {
    evm.contracts.mailbox.ok_or_else(|| {
        eyre!(
            "chains.{name}.contracts.mailbox is not set: give the Mailbox address of your \
             deployment (`causeway devnet` writes one into .causeway/devnet.toml)"
        )
    })
}

/// The HTTP URL of chain `name`'s RPC (this build speaks HTTP only, ADR 0006).
pub fn url(name: &str, chain: &ChainConfig) -> Result<Url> {
    if !chain.rpc.starts_with("http") {
        bail!(
            "chains.{name}.rpc = {:?}: this build speaks HTTP only (ADR 0006); use an http(s):// \
             endpoint",
            chain.rpc
        );
    }
    Url::parse(&chain.rpc).wrap_err_with(|| format!("chains.{name}.rpc is not a URL"))
}

/// A read-only provider of chain `name`.
pub fn reader(name: &str, chain: &ChainConfig) -> Result<DynProvider> {
    Ok(ProviderBuilder::new().connect_http(url(name, chain)?).erased())
}

/// The finality rule of a substrate chain.
pub fn substrate_rule(f: Finality) -> causeway_adapter_substrate::FinalityRule {
    use causeway_adapter_substrate::FinalityRule as R;
    match f {
        Finality::Finalized => R::Grandpa,
        Finality::Instant => R::Head,
        Finality::Depth(n) => R::Depth(u64::from(n)),
    }
}

/// The finality rule of a configured finality.
pub fn finality_rule(f: Finality) -> FinalityRule {
    match f {
        Finality::Finalized => FinalityRule::FinalizedTag,
        Finality::Instant => FinalityRule::Instant,
        Finality::Depth(n) => FinalityRule::Depth(u64::from(n)),
    }
}

/// The EIP-712 domain operators sign under: hub chain id and hub registry.
pub fn signing_domain(config: &Config) -> Result<SigningDomain> {
    let (_, hub) = config.hub_chain()?;
    let registry = hub.contracts.registry.ok_or_else(|| {
        eyre!("chains.{}.contracts.registry is not set: deploy first", config.hub.chain)
    })?;
    Ok(SigningDomain { chain_id: hub.chain_id, registry })
}

/// The hub registry's reader.
pub fn hub_registry(config: &Config) -> Result<RegistryReader<DynProvider>> {
    let domain = signing_domain(config)?;
    let (chain, evm) = config.hub_chain()?;
    Ok(RegistryReader::new(reader(&config.hub.chain, chain)?, domain.registry, evm.start_block))
}

/// Loads a 32-byte hex private key from its source (env var or file, never TOML).
pub fn load_key(source: &SecretSource, what: &str) -> Result<B256> {
    let secret =
        causeway_config::load_secret(source).wrap_err_with(|| format!("loading the {what} key"))?;
    B256::from_str(secret.expose().trim())
        .map_err(|_| eyre!("the {what} key is not 32 bytes of hex (0x…, 64 hex digits)"))
}

/// The operator signing key from its source.
pub fn operator_key(source: &SecretSource) -> Result<OperatorKey> {
    OperatorKey::from_bytes(&load_key(source, "operator")?).map_err(|e| eyre!("operator key: {e}"))
}

/// A transaction signer from a key source.
pub fn tx_signer(source: &SecretSource, what: &str) -> Result<PrivateKeySigner> {
    PrivateKeySigner::from_bytes(&load_key(source, what)?).map_err(|e| eyre!("{what} key: {e}"))
}

/// The operators announced in the hub registry, as the relayer's directory.
#[derive(Debug)]
pub struct HubDirectory(pub RegistryReader<DynProvider>);

#[async_trait]
impl OperatorDirectory for HubDirectory {
    async fn operators(&self) -> Result<Vec<OperatorEndpoint>, ChainError> {
        Ok(self
            .0
            .announced_operators()
            .await?
            .into_iter()
            .map(|op| OperatorEndpoint { signing_key: op.signing_key, url: op.url })
            .collect())
    }

    async fn operator_set(&self, epoch: u64) -> Result<Option<OperatorSet>, ChainError> {
        self.0.operator_set(epoch).await
    }
}

/// Reads the head block number of chain `name` (to check an RPC answers).
pub async fn check_rpc(name: &str, chain: &ChainConfig) -> Result<u64> {
    reader(name, chain)?
        .get_block_number()
        .await
        .wrap_err_with(|| format!("chains.{name}: the RPC at {} does not answer", chain.rpc))
}

#[async_trait]
impl causeway_operator::SetSource for HubDirectory {
    async fn operator_set(&self, epoch: u64) -> Result<Option<OperatorSet>, ChainError> {
        self.0.operator_set(epoch).await
    }
}

#[async_trait]
impl ApprovalPeers for HubDirectory {
    async fn urls(&self) -> Result<Vec<String>, ChainError> {
        Ok(self.0.announced_operators().await?.into_iter().map(|op| op.url).collect())
    }
}

/// The escrow of substrate chain `name`: its signatories (SS58, read with subxt's account type)
/// and threshold; a configured `escrow` must be their multisig account.
pub fn escrow(name: &str, sub: &SubstrateChain) -> Result<Escrow> {
    if sub.signatories.is_empty() {
        bail!(
            "chains.{name}: no escrow: set signatories (the operators' substrate accounts) and \
             threshold (`causeway devnet` writes both)"
        );
    }
    let accounts = sub
        .signatories
        .iter()
        .map(|s| parse_ss58(s).map_err(|e| eyre!("chains.{name}.signatories: {e}")))
        .collect::<Result<Vec<_>>>()?;
    let escrow = Escrow::new(accounts, sub.threshold).map_err(|e| eyre!("chains.{name}: {e}"))?;
    if let Some(configured) = &sub.escrow {
        let configured = parse_ss58(configured).map_err(|e| eyre!("chains.{name}.escrow: {e}"))?;
        if configured != escrow.account {
            bail!(
                "chains.{name}.escrow is not the multisig account of its signatories at threshold \
                 {} (that is {}); fix the escrow or the signatories",
                sub.threshold,
                to_ss58(&escrow.account, sub.ss58_prefix)
            );
        }
    }
    Ok(escrow)
}

/// The token bridges of substrate chain `sub`'s native token, by domain (left-padded): the
/// recipient of a transfer from it and the only sender a release to it is accepted from.
pub fn token_bridges(
    config: &Config,
    name: &str,
    sub: &SubstrateChain,
) -> Result<Vec<(causeway_core::Domain, B256)>> {
    sub.bridges
        .iter()
        .map(|(chain, address)| {
            let domain =
                config.chains.get(chain).map(|c| c.domain).ok_or_else(|| {
                    eyre!("chains.{name}.bridges.{chain}: no chain named {chain}")
                })?;
            Ok((domain, address.into_word()))
        })
        .collect()
}

/// The GRANDPA finality of substrate chain `native`, the native side of EVM chain `name`.
pub async fn native_finality(
    config: &Config,
    name: &str,
    native: &str,
) -> Result<std::sync::Arc<dyn causeway_core::FinalityOracle>> {
    let chain = config
        .chains
        .get(native)
        .ok_or_else(|| eyre!("chains.{name}.native: no chain named {native}"))?;
    let causeway_config::ChainKind::Substrate(sub) = &chain.kind else {
        bail!("chains.{name}.native: chains.{native} is not a substrate chain");
    };
    let expected = causeway_adapter_substrate::Expected {
        name: native.to_owned(),
        runtime: sub.runtime.clone(),
        ss58_prefix: sub.ss58_prefix,
        decimals: sub.decimals,
    };
    let client = causeway_adapter_substrate::Client::connect(&chain.rpc, &expected)
        .await
        .map_err(|e| eyre!("chains.{name}.native: {e}"))?;
    Ok(std::sync::Arc::new(causeway_adapter_substrate::SubstrateFinality::new(
        chain.domain,
        client,
    )))
}
