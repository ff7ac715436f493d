//! Validation of `[chains.*]` and `[hub]`: kinds, domains, chain ids, endpoints, kind-specific
//! fields, contract addresses, escrow accounts.

use std::collections::BTreeMap;

use super::Validator;
use crate::Problem;
use crate::check;
use crate::raw::{KindTag, RawChain};
use crate::types::{
    ChainConfig, ChainKind, Contracts, EvmChain, Finality, HubConfig, SubstrateChain,
};

/// Finality depth bounds (confirmations).
const DEPTH: (u32, u32) = (1, 10_000);
/// Largest SS58 prefix (14 bits).
const SS58_PREFIX_MAX: u16 = 16_383;
/// Largest token decimals that still fit amounts in a u128.
const DECIMALS_MAX: u8 = 38;

impl Validator<'_> {
    pub(super) fn chains(&mut self) -> BTreeMap<String, ChainConfig> {
        let raw = self.raw;
        if raw.chains.is_empty() && !raw.broken.iter().any(|b| b.starts_with("chains")) {
            self.push(
                "chains",
                "no chains configured; add a [chains.<name>] table with kind, domain and rpc",
            );
        }
        let mut domains: BTreeMap<u32, &str> = BTreeMap::new();
        let mut chain_ids: BTreeMap<u64, String> = BTreeMap::new();
        let mut out = BTreeMap::new();
        for (name, chain) in &raw.chains {
            let p = format!("chains.{name}");
            if let Err(e) = check::chain_name(name) {
                self.push(&p, e);
            }
            if chain.kind.is_none() {
                self.push(format!("{p}.kind"), "missing: kind = \"evm\" or \"substrate\"");
            }
            let domain = match chain.domain {
                None => {
                    self.push(
                        format!("{p}.domain"),
                        "missing: a non-zero u32, unique across chains",
                    );
                    0
                }
                Some(0) => {
                    self.push(format!("{p}.domain"), "domain 0 is reserved; use a non-zero u32");
                    0
                }
                Some(d) => {
                    if let Some(other) = domains.insert(d, name) {
                        self.push(
                            format!("{p}.domain"),
                            format!("domain {d} is already used by chains.{other}"),
                        );
                    }
                    d
                }
            };
            let rpc = match &chain.rpc {
                Some(rpc) => match chain.kind {
                    Some(KindTag::Evm) => {
                        if let Err(e) = check::evm_rpc(rpc) {
                            self.push(format!("{p}.rpc"), e);
                        }
                        rpc.clone()
                    }
                    Some(KindTag::Substrate) => {
                        self.url(&format!("{p}.rpc"), rpc, check::SUBSTRATE_RPC)
                    }
                    None => self.url(&format!("{p}.rpc"), rpc, check::ANY_RPC),
                },
                None => {
                    self.push(format!("{p}.rpc"), "missing: the chain's RPC endpoint URL");
                    String::new()
                }
            };
            let finality = chain.finality.unwrap_or(Finality::Finalized);
            if let Finality::Depth(depth) = finality {
                self.range(&format!("{p}.finality.depth"), depth, DEPTH.0, DEPTH.1);
            }
            let kind = match chain.kind {
                None => continue,
                Some(KindTag::Evm) => ChainKind::Evm(self.evm(&p, chain, &mut chain_ids)),
                Some(KindTag::Substrate) => ChainKind::Substrate(self.substrate(&p, chain)),
            };
            out.insert(name.clone(), ChainConfig { domain, rpc, finality, kind });
        }
        out
    }

    fn evm(
        &mut self,
        p: &str,
        chain: &RawChain,
        chain_ids: &mut BTreeMap<u64, String>,
    ) -> EvmChain {
        let chain_id = match chain.chain_id {
            None => {
                self.push(
                    format!("{p}.chain_id"),
                    "missing: every evm chain needs its EIP-155 chain_id",
                );
                0
            }
            Some(0) => {
                self.push(format!("{p}.chain_id"), "must be non-zero");
                0
            }
            Some(id) => {
                let name = p.trim_start_matches("chains.").to_owned();
                if let Some(other) = chain_ids.insert(id, name) {
                    self.push(
                        format!("{p}.chain_id"),
                        format!(
                            "chain_id {id} is already used by chains.{other}; signatures bind to \
                             the chain id, so each evm chain needs its own"
                        ),
                    );
                }
                id
            }
        };
        let only_substrate = [
            ("ss58_prefix", chain.ss58_prefix.is_some()),
            ("decimals", chain.decimals.is_some()),
            ("escrow", chain.escrow.is_some()),
            ("signatories", chain.signatories.is_some()),
            ("threshold", chain.threshold.is_some()),
            ("runtime", chain.runtime.is_some()),
            ("bridges", chain.bridges.is_some()),
        ];
        for (field, present) in only_substrate {
            if present {
                self.push(
                    format!("{p}.{field}"),
                    format!(
                        "only substrate chains have {field}; remove it or set kind = \"substrate\""
                    ),
                );
            }
        }
        let mut contracts = Contracts::default();
        if let Some(raw) = &chain.contracts {
            let slots = [
                &mut contracts.mailbox,
                &mut contracts.registry,
                &mut contracts.token_bridge,
                &mut contracts.quorum_verifier,
                &mut contracts.operator_set_mirror,
                &mut contracts.rollup_registry,
                &mut contracts.state_commitment_chain,
                &mut contracts.stake_vault,
                &mut contracts.token,
                &mut contracts.synthetic_token,
                &mut contracts.message_log,
            ];
            for ((field, value), slot) in raw.entries().into_iter().zip(slots) {
                if let Some(value) = value {
                    match check::address(value) {
                        Ok(address) => *slot = Some(address),
                        Err(e) => {
                            self.problems.push(Problem::new(format!("{p}.contracts.{field}"), e))
                        }
                    }
                }
            }
        }
        if let Some(native) = &chain.native {
            match self.raw.chains.get(native) {
                None => self.push(format!("{p}.native"), format!("no chain named {native} in [chains]")),
                Some(other) if other.kind != Some(KindTag::Substrate) => self.push(
                    format!("{p}.native"),
                    format!("chains.{native} is not a substrate chain; native names the substrate side of this network"),
                ),
                Some(_) => {}
            }
        }
        EvmChain {
            chain_id,
            contracts,
            start_block: chain.start_block.unwrap_or(0),
            native: chain.native.clone(),
        }
    }

    fn substrate(&mut self, p: &str, chain: &RawChain) -> SubstrateChain {
        if chain.chain_id.is_some() {
            self.push(
                format!("{p}.chain_id"),
                "only evm chains have chain_id; remove it or set kind = \"evm\"",
            );
        }
        if chain.contracts.is_some() {
            self.push(
                format!("{p}.contracts"),
                "only evm chains have contracts; a substrate chain uses an escrow account",
            );
        }
        if chain.native.is_some() {
            self.push(
                format!("{p}.native"),
                "only evm chains have native (the substrate side they belong to)",
            );
        }
        let ss58_prefix = match chain.ss58_prefix {
            None => {
                self.push(
                    format!("{p}.ss58_prefix"),
                    "missing: the chain's SS58 address prefix (0 Polkadot, 5 Astar, 42 generic)",
                );
                0
            }
            Some(prefix) => {
                self.range(&format!("{p}.ss58_prefix"), prefix, 0, SS58_PREFIX_MAX);
                prefix
            }
        };
        let decimals = match chain.decimals {
            None => {
                self.push(
                    format!("{p}.decimals"),
                    "missing: decimals of the native token (10 on Polkadot, 18 on Astar)",
                );
                0
            }
            Some(d) => {
                self.range(&format!("{p}.decimals"), d, 0, DECIMALS_MAX);
                d
            }
        };
        if let Some(escrow) = &chain.escrow {
            let expected = chain.ss58_prefix.filter(|p| *p <= SS58_PREFIX_MAX);
            if let Err(e) = check::ss58(escrow, expected) {
                self.push(format!("{p}.escrow"), e);
            }
        }
        let signatories = chain.signatories.clone().unwrap_or_default();
        let expected = chain.ss58_prefix.filter(|p| *p <= SS58_PREFIX_MAX);
        for (i, account) in signatories.iter().enumerate() {
            if let Err(e) = check::ss58(account, expected) {
                self.push(format!("{p}.signatories[{i}]"), e);
            }
        }
        if signatories.iter().enumerate().any(|(i, a)| signatories[..i].contains(a)) {
            self.push(format!("{p}.signatories"), "an account is listed twice");
        }
        let threshold = match (chain.threshold, signatories.len()) {
            (None, 0) => 0,
            (None, _) => {
                self.push(
                    format!("{p}.threshold"),
                    "missing: approvals a release needs (2..=number of signatories)",
                );
                0
            }
            (Some(_), 0) => {
                self.push(
                    format!("{p}.signatories"),
                    "missing: the escrow's signatory accounts (a threshold needs them)",
                );
                0
            }
            (Some(t), n) => {
                let max = u16::try_from(n).unwrap_or(u16::MAX);
                if t < 2 || t > max {
                    self.push(
                        format!("{p}.threshold"),
                        format!(
                            "{t} with {n} signatories; it must be 2..={n} (one key is not a \
                             multisig)"
                        ),
                    );
                }
                t
            }
        };
        if let Some(runtime) = &chain.runtime
            && runtime.trim().is_empty()
        {
            self.push(format!("{p}.runtime"), "empty: the runtime's spec_name, or leave it out");
        }
        let mut bridges = std::collections::BTreeMap::new();
        for (name, value) in chain.bridges.iter().flatten() {
            let path = format!("{p}.bridges.{name}");
            match self.raw.chains.get(name) {
                None => self.push(path.clone(), format!("no chain named {name} in [chains]")),
                Some(other) if other.kind != Some(KindTag::Evm) => {
                    self.push(path.clone(), format!("chains.{name} is not an evm chain"));
                }
                Some(_) => {}
            }
            match check::address(value) {
                Ok(address) => {
                    bridges.insert(name.clone(), address);
                }
                Err(e) => self.push(path, e),
            }
        }
        SubstrateChain {
            bridges,
            ss58_prefix,
            decimals,
            escrow: chain.escrow.clone(),
            signatories,
            threshold,
            runtime: chain.runtime.clone(),
            start_block: chain.start_block.unwrap_or(0),
        }
    }

    pub(super) fn hub(&mut self) -> HubConfig {
        let raw = self.raw;
        let Some(name) = &raw.hub.chain else {
            if !raw.broken.contains("hub") {
                self.push(
                    "hub.chain",
                    "missing: name the [chains.<name>] entry (kind = \"evm\") that hosts the RestakingRegistry",
                );
            }
            return HubConfig { chain: String::new() };
        };
        match raw.chains.get(name) {
            None => self.chain_ref("hub.chain", name),
            Some(chain) if chain.kind == Some(KindTag::Substrate) => self.push(
                "hub.chain",
                format!(
                    "chains.{name} is a substrate chain; the hub must be an evm chain (it hosts \
                     the RestakingRegistry)"
                ),
            ),
            Some(_) => {}
        }
        HubConfig { chain: name.clone() }
    }
}
