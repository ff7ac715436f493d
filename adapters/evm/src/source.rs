//! `EvmSource`: messages and outbox state of one EVM origin, read from its Mailbox; and
//! `EvmFinality`: head, finality and canonical blocks of an EVM chain by its finality rule.

use std::{ops::RangeInclusive, sync::Arc};

use alloy::{
    eips::BlockNumberOrTag,
    primitives::Address,
    providers::Provider,
    rpc::types::{BlockTransactionsKind, Filter},
    sol_types::SolEvent,
};
use async_trait::async_trait;
use causeway_core::{
    B256, ChainError, Domain, FinalityOracle, Message, MessageSource, OutboxKind,
    chain::{BlockRef, DispatchedMessage, OutboxState},
};

use crate::{bindings::Mailbox, error};

/// When a block counts as final on this chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FinalityRule {
    /// The node's `finalized` block tag (Ethereum's Casper FFG finality).
    FinalizedTag,
    /// `n` blocks below the head.
    Depth(u64),
    /// Every block is final (local dev chains only).
    Instant,
}

/// Head, finality and canonical blocks of one EVM chain, by its [`FinalityRule`]. Shared by the
/// chain's source and the relayer confirming deliveries on it.
#[derive(Debug, Clone)]
pub struct EvmFinality<P> {
    domain: Domain,
    provider: P,
    rule: FinalityRule,
}

impl<P: Provider + Clone> EvmFinality<P> {
    /// The finality of `domain` read through `provider` under `rule`.
    pub fn new(domain: Domain, provider: P, rule: FinalityRule) -> Self {
        Self { domain, provider, rule }
    }

    async fn block(&self, tag: BlockNumberOrTag) -> Result<BlockRef, ChainError> {
        let block = self
            .provider
            .get_block_by_number(tag)
            .kind(BlockTransactionsKind::Hashes)
            .await
            .map_err(|e| {
                error::transport(
                    format!("eth_getBlockByNumber({tag}) on domain {}", self.domain),
                    e,
                )
            })?
            .ok_or_else(|| ChainError::Retryable {
                context: format!("block {tag} not available yet on domain {}", self.domain),
                source: None,
            })?;
        Ok(BlockRef { number: block.header.number, hash: block.header.hash })
    }
}

#[async_trait]
impl<P: Provider + Clone + std::fmt::Debug + 'static> FinalityOracle for EvmFinality<P> {
    async fn head(&self) -> Result<BlockRef, ChainError> {
        self.block(BlockNumberOrTag::Latest).await
    }

    async fn finalized(&self) -> Result<BlockRef, ChainError> {
        match self.rule {
            FinalityRule::FinalizedTag => self.block(BlockNumberOrTag::Finalized).await,
            FinalityRule::Instant => self.head().await,
            FinalityRule::Depth(depth) => {
                let head = self.head().await?;
                self.block_at(head.number.saturating_sub(depth)).await
            }
        }
    }

    async fn block_at(&self, number: u64) -> Result<BlockRef, ChainError> {
        self.block(BlockNumberOrTag::Number(number)).await
    }
}

/// Reads one EVM domain's Mailbox. Generic over the provider; erased behind
/// `Arc<dyn MessageSource>` by the node's chain registry.
#[derive(Debug, Clone)]
pub struct EvmSource<P> {
    domain: Domain,
    provider: P,
    mailbox: Address,
    finality: Arc<dyn FinalityOracle>,
}

impl<P: Provider + Clone> EvmSource<P> {
    /// A source for `domain`, whose Mailbox is at `mailbox`, final by `finality`.
    pub fn new(
        domain: Domain,
        provider: P,
        mailbox: Address,
        finality: Arc<dyn FinalityOracle>,
    ) -> Self {
        Self { domain, provider, mailbox, finality }
    }
}

impl<P: Provider + Clone + std::fmt::Debug + 'static> EvmSource<P> {
    /// A source for `domain` whose finality is read through the same provider by `rule`.
    pub fn with_rule(domain: Domain, provider: P, mailbox: Address, rule: FinalityRule) -> Self {
        let finality = Arc::new(EvmFinality::new(domain, provider.clone(), rule));
        Self::new(domain, provider, mailbox, finality)
    }
}

#[async_trait]
impl<P: Provider + Clone + std::fmt::Debug + 'static> MessageSource for EvmSource<P> {
    fn domain(&self) -> Domain {
        self.domain
    }

    fn outbox_kind(&self) -> OutboxKind {
        OutboxKind::OnChain
    }

    fn outbox_id(&self, destination: Domain) -> B256 {
        causeway_core::route_outbox(self.mailbox, destination)
    }

    fn finality(&self) -> Arc<dyn FinalityOracle> {
        self.finality.clone()
    }

    async fn messages(
        &self,
        range: RangeInclusive<u64>,
    ) -> Result<Vec<DispatchedMessage>, ChainError> {
        let filter = Filter::new()
            .address(self.mailbox)
            .event_signature(Mailbox::Dispatch::SIGNATURE_HASH)
            .from_block(*range.start())
            .to_block(*range.end());
        let context = || format!("eth_getLogs {range:?} on domain {}", self.domain);
        let logs =
            self.provider.get_logs(&filter).await.map_err(|e| error::transport(context(), e))?;
        let mut out = Vec::with_capacity(logs.len());
        for log in logs {
            let (Some(number), Some(hash), Some(tx_hash)) =
                (log.block_number, log.block_hash, log.transaction_hash)
            else {
                // A log without its block is pending: not part of a range we index yet.
                continue;
            };
            let decoded = log.log_decode::<Mailbox::Dispatch>().map_err(|e| {
                ChainError::permanent(
                    format!("{}: undecodable Dispatch log in tx {tx_hash}", context()),
                    e,
                )
            })?;
            let message = Message::decode(&decoded.inner.data.message).map_err(|e| {
                ChainError::permanent(
                    format!("{}: malformed message in tx {tx_hash}", context()),
                    e,
                )
            })?;
            let id = message.id();
            if id != decoded.inner.data.id {
                return Err(ChainError::Permanent {
                    context: format!(
                        "{}: Dispatch in tx {tx_hash} claims id {} but the message hashes to {id}",
                        context(),
                        decoded.inner.data.id
                    ),
                    source: None,
                });
            }
            out.push(DispatchedMessage { message, id, block: BlockRef { number, hash }, tx_hash });
        }
        Ok(out)
    }

    async fn outbox_at(&self, number: u64, destination: Domain) -> Result<OutboxState, ChainError> {
        let block = self.finality.block_at(number).await?;
        let mailbox = Mailbox::new(self.mailbox, &self.provider);
        let state =
            mailbox.outboxState(destination).block(block.hash.into()).call().await.map_err(
                |e| error::contract(format!("outboxState({destination}) at block {number}"), e),
            )?;
        Ok(OutboxState {
            block,
            destination,
            outbox: self.outbox_id(destination),
            root: state.root,
            count: u64::try_from(state.count).unwrap_or(u64::MAX),
        })
    }
}
