//! `RegistryReader`: the operator sets a verifier recorded and, on the hub, the operators and
//! the URLs where they serve signatures.
//!
//! Works on the hub's `RestakingRegistry` and on an `OperatorSetMirror`: both record sets
//! through `QuorumVerifier`, which stores only each epoch's set hash and emits the set itself
//! in `OperatorSetRecorded(uint64 indexed epoch, bytes32 indexed setHash, OperatorSet set)`.
//! A set is read from that log and accepted only if it hashes to the stored `operatorSetHash`.
//! Every read is pinned to one block (the head when it starts), so its parts agree.

use std::collections::HashMap;

use alloy::{
    contract::Error as ContractError,
    eips::BlockId,
    primitives::{Address, B256, U256},
    providers::Provider,
    rpc::types::{Filter, Log},
    sol_types::SolEvent,
};
use causeway_core::{ChainError, OperatorSet};
use serde::{Deserialize, Serialize};

use crate::{
    bindings::restaking_registry::RestakingRegistry::{
        OperatorAnnounced, OperatorSetRecorded, RestakingRegistryInstance,
    },
    deploy::{HubDeployment, RemoteDeployment},
    error,
};

/// An active hub operator and where it serves its signatures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnnouncedOperator {
    /// The staking account.
    pub account: Address,
    /// The key its signatures recover to (from the next recorded epoch on, if it just changed).
    pub signing_key: Address,
    /// The URL of its latest `OperatorAnnounced` event (`registerOperator` announces one too).
    pub url: String,
}

/// Reads a hub `RestakingRegistry` or an `OperatorSetMirror` at `address`, looking for logs from
/// `from_block` (the contract's deployment block, or any block before it) on.
#[derive(Debug, Clone)]
pub struct RegistryReader<P> {
    provider: P,
    address: Address,
    from_block: u64,
}

fn permanent(context: String) -> ChainError {
    ChainError::Permanent { context, source: None }
}

impl<P: Provider> RegistryReader<P> {
    /// A reader of the verifier at `address`, whose logs start at or after `from_block`.
    pub fn new(provider: P, address: Address, from_block: u64) -> Self {
        Self { provider, address, from_block }
    }

    /// A reader of the hub's `RestakingRegistry`.
    pub fn hub(provider: P, hub: &HubDeployment) -> Self {
        Self::new(provider, hub.registry, hub.deploy_block)
    }

    /// A reader of a remote domain's `OperatorSetMirror`.
    pub fn mirror(provider: P, remote: &RemoteDeployment) -> Self {
        Self::new(provider, remote.operator_set_mirror, remote.deploy_block)
    }

    /// The contract read.
    pub fn address(&self) -> Address {
        self.address
    }

    /// The first block searched for logs.
    pub fn from_block(&self) -> u64 {
        self.from_block
    }

    fn contract(&self) -> RestakingRegistryInstance<&P> {
        RestakingRegistryInstance::new(self.address, &self.provider)
    }

    /// Maps a failed call, saying plainly when there is no contract at the address.
    fn call_error(&self, call: &str, error: ContractError) -> ChainError {
        if matches!(error, ContractError::ZeroData(..)) {
            return ChainError::permanent(
                format!(
                    "{call} on {}: no contract there answers it (wrong address or chain?); a \
                     RegistryReader reads a RestakingRegistry or an OperatorSetMirror",
                    self.address
                ),
                error,
            );
        }
        error::contract(format!("{call} on {}", self.address), error)
    }

    async fn head(&self) -> Result<u64, ChainError> {
        self.provider
            .get_block_number()
            .await
            .map_err(|e| error::transport("eth_blockNumber (operator registry reader)", e))
    }

    /// The latest recorded epoch (0 before any set was recorded).
    pub async fn latest_epoch(&self) -> Result<u64, ChainError> {
        self.contract().latestEpoch().call().await.map_err(|e| self.call_error("latestEpoch()", e))
    }

    /// The set recorded for `epoch`, or `None` if none is (yet). Read from its
    /// `OperatorSetRecorded` log and checked against `operatorSetHash(epoch)`; a log whose set
    /// does not hash to the stored hash, or a stored hash without a log since `from_block`, is a
    /// permanent error.
    pub async fn operator_set(&self, epoch: u64) -> Result<Option<OperatorSet>, ChainError> {
        let head = self.head().await?;
        let stored = self
            .contract()
            .operatorSetHash(epoch)
            .block(BlockId::number(head))
            .call()
            .await
            .map_err(|e| self.call_error(&format!("operatorSetHash({epoch})"), e))?;
        if stored == B256::ZERO {
            return Ok(None);
        }
        let filter = Filter::new()
            .address(self.address)
            .event_signature(OperatorSetRecorded::SIGNATURE_HASH)
            .topic1(B256::from(U256::from(epoch)));
        let context = format!("OperatorSetRecorded of epoch {epoch} on {}", self.address);
        let mut mismatch = None;
        for log in self.logs(&filter, head, &context).await?.iter().rev() {
            let decoded = log
                .log_decode::<OperatorSetRecorded>()
                .map_err(|e| ChainError::permanent(format!("{context}: undecodable log"), e))?;
            let set = OperatorSet::try_from(&decoded.inner.data.set)
                .map_err(|e| ChainError::permanent(context.clone(), e))?;
            let hash = set.hash();
            if hash == stored {
                return Ok(Some(set));
            }
            mismatch = Some(hash);
        }
        Err(match mismatch {
            Some(hash) => permanent(format!(
                "{context}: the logged set hashes to {hash} but operatorSetHash({epoch}) is {stored}"
            )),
            None => permanent(format!(
                "{context}: the epoch is recorded (set hash {stored}) but no log of it was found \
                 in blocks {}..={head}; is from_block after the recording?",
                self.from_block
            )),
        })
    }

    /// Every active operator of the hub registry (in `activeOperators()` order) with its signing
    /// key and latest announced URL. Hub `RestakingRegistry` only: a mirror has no operators.
    pub async fn announced_operators(&self) -> Result<Vec<AnnouncedOperator>, ChainError> {
        let head = self.head().await?;
        let at = BlockId::number(head);
        let contract = self.contract();
        let accounts = contract.activeOperators().block(at).call().await.map_err(|e| {
            self.call_error("activeOperators() (a hub RestakingRegistry function)", e)
        })?;
        if accounts.is_empty() {
            return Ok(Vec::new());
        }
        let filter = Filter::new()
            .address(self.address)
            .event_signature(OperatorAnnounced::SIGNATURE_HASH)
            .topic1(accounts.iter().map(|a| a.into_word()).collect::<Vec<B256>>());
        let context = format!("OperatorAnnounced on {}", self.address);
        let mut logs = self.logs(&filter, head, &context).await?;
        logs.sort_by_key(|log| (log.block_number, log.log_index));
        let mut urls = HashMap::with_capacity(accounts.len());
        for log in &logs {
            let decoded = log
                .log_decode::<OperatorAnnounced>()
                .map_err(|e| ChainError::permanent(format!("{context}: undecodable log"), e))?;
            let event = decoded.inner.data;
            urls.insert(event.operator, event.url);
        }
        let mut out = Vec::with_capacity(accounts.len());
        for account in accounts {
            let operator = contract
                .operatorOf(account)
                .block(at)
                .call()
                .await
                .map_err(|e| self.call_error(&format!("operatorOf({account})"), e))?;
            let url = urls.remove(&account).ok_or_else(|| {
                permanent(format!(
                    "{context}: operator {account} is active but announced no URL in blocks \
                     {}..={head}; is from_block after its registration?",
                    self.from_block
                ))
            })?;
            out.push(AnnouncedOperator { account, signing_key: operator.signingKey, url });
        }
        Ok(out)
    }

    /// The logs matching `filter` in `from_block..=to`, asking for smaller ranges while the
    /// provider refuses a range as too large.
    async fn logs(&self, filter: &Filter, to: u64, context: &str) -> Result<Vec<Log>, ChainError> {
        let mut out = Vec::new();
        let mut start = self.from_block;
        let mut span = to.saturating_sub(start).saturating_add(1);
        while start <= to {
            let end = to.min(start.saturating_add(span - 1));
            let ranged = filter.clone().from_block(start).to_block(end);
            match self.provider.get_logs(&ranged).await {
                Ok(logs) => {
                    out.extend(logs);
                    if end == to {
                        break;
                    }
                    start = end + 1;
                }
                Err(e) => {
                    match error::transport(format!("{context}: eth_getLogs {start}..={end}"), e) {
                        ChainError::RangeTooLarge { suggested, .. } if span > 1 => {
                            span = suggested.filter(|s| *s > 0 && *s < span).unwrap_or(span / 2);
                        }
                        other => return Err(other),
                    }
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use causeway_core::Operator;

    use crate::bindings::{
        SetConversionError, restaking_registry::QuorumLib::OperatorSet as SolSet,
    };

    use super::*;

    fn set() -> OperatorSet {
        let operators = (1u8..=4)
            .map(|i| Operator { address: Address::repeat_byte(i), weight: u128::from(i) * 100 })
            .collect();
        OperatorSet::new(3, 1_700_000_000, operators, 6_667, 3).expect("valid set")
    }

    #[test]
    fn a_set_survives_the_round_trip_through_the_contract_struct() {
        let set = set();
        let sol = SolSet::from(&set);
        assert_eq!(OperatorSet::try_from(&sol), Ok(set));
    }

    #[test]
    fn a_contract_set_with_a_wrong_total_or_unsorted_members_is_refused() {
        let mut sol = SolSet::from(&set());
        sol.totalWeight += 1;
        assert!(matches!(
            OperatorSet::try_from(&sol),
            Err(SetConversionError::TotalWeight { stated: 1_001, .. })
        ));
        let mut sol = SolSet::from(&set());
        sol.members.swap(0, 1);
        assert!(matches!(OperatorSet::try_from(&sol), Err(SetConversionError::Invalid(_))));
    }
}
