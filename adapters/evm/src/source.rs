//! `EvmSource`: messages and outbox state of one EVM origin, read from its Mailbox.

use std::ops::RangeInclusive;

use alloy::{
    eips::BlockNumberOrTag,
    primitives::Address,
    providers::Provider,
    rpc::types::{BlockTransactionsKind, Filter},
    sol_types::SolEvent,
};
use async_trait::async_trait;
use causeway_core::{
    B256, ChainError, Domain, Message, MessageSource,
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

/// Reads one EVM domain's Mailbox. Generic over the provider; erased behind
/// `Arc<dyn MessageSource>` by the CLI.
#[derive(Debug, Clone)]
pub struct EvmSource<P> {
    domain: Domain,
    provider: P,
    mailbox: Address,
    finality: FinalityRule,
}

impl<P: Provider + Clone> EvmSource<P> {
    /// A source for `domain`, whose Mailbox is at `mailbox`.
    pub fn new(domain: Domain, provider: P, mailbox: Address, finality: FinalityRule) -> Self {
        Self { domain, provider, mailbox, finality }
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
impl<P: Provider + Clone + std::fmt::Debug + 'static> MessageSource for EvmSource<P> {
    fn domain(&self) -> Domain {
        self.domain
    }

    async fn head_block(&self) -> Result<BlockRef, ChainError> {
        self.block(BlockNumberOrTag::Latest).await
    }

    async fn finalized_block(&self) -> Result<BlockRef, ChainError> {
        match self.finality {
            FinalityRule::FinalizedTag => self.block(BlockNumberOrTag::Finalized).await,
            FinalityRule::Instant => self.head_block().await,
            FinalityRule::Depth(depth) => {
                let head = self.head_block().await?;
                self.block_at(head.number.saturating_sub(depth)).await
            }
        }
    }

    async fn block_at(&self, number: u64) -> Result<BlockRef, ChainError> {
        self.block(BlockNumberOrTag::Number(number)).await
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
        let block = self.block_at(number).await?;
        let mailbox = Mailbox::new(self.mailbox, &self.provider);
        let state =
            mailbox.outboxState(destination).block(block.hash.into()).call().await.map_err(
                |e| error::contract(format!("outboxState({destination}) at block {number}"), e),
            )?;
        Ok(OutboxState {
            block,
            destination,
            outbox: route_outbox(self.mailbox, destination),
            root: state.root,
            count: u64::try_from(state.count).unwrap_or(u64::MAX),
        })
    }
}

/// The checkpoint `outbox` of the route from the Mailbox at `mailbox` to `destination`:
/// the address in the low 160 bits, the destination in bits 160..192 (ADR 0003).
pub fn route_outbox(mailbox: Address, destination: Domain) -> B256 {
    let mut word = mailbox.into_word();
    word[8..12].copy_from_slice(&destination.to_be_bytes());
    word
}
