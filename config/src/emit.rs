//! Rendering a validated [`Config`] back to TOML: the effective configuration that
//! `causeway config show` prints, which [`crate::load`] reads back to an equal `Config`.

use std::collections::BTreeSet;

use crate::ChainKind;
use crate::raw::{
    KindTag, RawChain, RawConfig, RawContracts, RawHub, RawIndexer, RawNode, RawOperator,
    RawRelayer, RawStore,
};
use crate::secret::RawSecret;
use crate::types::Config;

/// The validated configuration back in raw form, for [`Config::to_toml`].
impl From<&Config> for RawConfig {
    fn from(config: &Config) -> Self {
        let chains = config
            .chains
            .iter()
            .map(|(name, chain)| {
                let mut raw = RawChain {
                    domain: Some(chain.domain),
                    rpc: Some(chain.rpc.clone()),
                    finality: Some(chain.finality),
                    ..RawChain::default()
                };
                match &chain.kind {
                    ChainKind::Evm(evm) => {
                        raw.kind = Some(KindTag::Evm);
                        raw.chain_id = Some(evm.chain_id);
                        raw.start_block = (evm.start_block != 0).then_some(evm.start_block);
                        raw.native = evm.native.clone();
                        let c = &evm.contracts;
                        let s = |a: Option<alloy_primitives::Address>| a.map(|a| a.to_string());
                        let contracts = RawContracts {
                            mailbox: s(c.mailbox),
                            registry: s(c.registry),
                            token_bridge: s(c.token_bridge),
                            quorum_verifier: s(c.quorum_verifier),
                            operator_set_mirror: s(c.operator_set_mirror),
                            rollup_registry: s(c.rollup_registry),
                            state_commitment_chain: s(c.state_commitment_chain),
                            stake_vault: s(c.stake_vault),
                            token: s(c.token),
                            synthetic_token: s(c.synthetic_token),
                            message_log: s(c.message_log),
                        };
                        let any = contracts.entries().iter().any(|(_, v)| v.is_some());
                        raw.contracts = any.then_some(contracts);
                    }
                    ChainKind::Substrate(sub) => {
                        raw.kind = Some(KindTag::Substrate);
                        raw.ss58_prefix = Some(sub.ss58_prefix);
                        raw.decimals = Some(sub.decimals);
                        raw.escrow = sub.escrow.clone();
                        raw.signatories =
                            (!sub.signatories.is_empty()).then(|| sub.signatories.clone());
                        raw.threshold = (sub.threshold > 0).then_some(sub.threshold);
                        raw.runtime = sub.runtime.clone();
                        raw.start_block = (sub.start_block > 0).then_some(sub.start_block);
                        raw.bridges = (!sub.bridges.is_empty()).then(|| {
                            sub.bridges.iter().map(|(k, v)| (k.clone(), v.to_string())).collect()
                        });
                    }
                }
                (name.clone(), raw)
            })
            .collect();
        let (op, rl) = (&config.operator, &config.relayer);
        Self {
            hub: RawHub { chain: Some(config.hub.chain.clone()) },
            chains,
            operator: RawOperator {
                key: RawSecret::Source(op.key.clone()),
                listen: op.listen.to_string(),
                public_url: op.public_url.clone(),
                origins: op.origins.clone(),
                poll_interval_ms: op.poll_interval_ms,
                epoch_refresh_ms: op.epoch_refresh_ms,
                signed_log: op.signed_log.as_ref().map(|p| p.display().to_string()),
            },
            relayer: RawRelayer {
                key: RawSecret::Source(rl.key.clone()),
                routes: rl.routes.clone(),
                batch_size: rl.batch_size,
                max_attempts: rl.max_attempts,
                backoff_initial_ms: rl.backoff_initial_ms,
                backoff_max_ms: rl.backoff_max_ms,
                gas_escalation_percent: rl.gas_escalation_percent,
                gas_price_cap_gwei: rl.gas_price_cap_gwei,
                listen: rl.listen.to_string(),
                signature_timeout_ms: rl.signature_timeout_ms,
                poll_interval_ms: rl.poll_interval_ms,
                gas_stuck_after_ms: rl.gas_stuck_after_ms,
                receipt_timeout_ms: rl.receipt_timeout_ms,
            },
            indexer: RawIndexer {
                listen: config.indexer.listen.to_string(),
                max_log_range: config.indexer.max_log_range,
                min_log_range: config.indexer.min_log_range,
                poll_interval_ms: config.indexer.poll_interval_ms,
                operator_sync_ms: config.indexer.operator_sync_ms,
                unready_after_ms: config.indexer.unready_after_ms,
                give_up_after_ms: config.indexer.give_up_after_ms,
            },
            store: RawStore {
                url: config.store.url.clone(),
                password: config.store.password.clone().map(RawSecret::Source),
            },
            node: RawNode { reload_interval_ms: config.node.reload_interval_ms },
            broken: BTreeSet::new(),
        }
    }
}

impl Config {
    /// The effective configuration as TOML, loadable again with [`crate::load`] to an equal
    /// `Config`. Secrets appear only as their source (`{ env = "…" }` / `{ file = "…" }`).
    pub fn to_toml(&self) -> String {
        let header =
            "# Effective Causeway configuration (secrets are shown only as their source).\n";
        match toml::to_string(&RawConfig::from(self)) {
            Ok(body) => format!("{header}\n{body}"),
            Err(err) => format!("{header}# cannot render the configuration: {err}\n"),
        }
    }
}
