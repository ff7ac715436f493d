//! The traits every chain adapter implements, and the error kinds they report.
//!
//! These are a first draft: the indexer and relayer issues refine them. Each trait is one
//! capability; a method only one chain family needs stays in its adapter. Adapters are generic
//! inside (`EvmSource<P: Provider>`) and erased at the registry (`Arc<dyn MessageSource>`).

use std::{fmt, ops::RangeInclusive};

use alloy_primitives::{Address, B256, Bytes, U256};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::{
    checkpoint::{Checkpoint, SignatureBytes, SigningDomain},
    message::{Domain, Message},
    quorum::{OperatorSet, QuorumError, QuorumReport},
};

/// A boxed error kept as the source of a [`ChainError`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// How the relayer should treat a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ErrorKind {
    /// Transient (timeout, rate limit, connection reset, nonce race): try again later.
    Retryable,
    /// Will fail the same way every time (bad input, unsupported call): give up.
    Permanent,
    /// The chain executed and reverted the transaction.
    Reverted,
    /// The message is already delivered: done, not a failure.
    AlreadyDelivered,
}

/// A failure talking to a chain, classified so the caller can act on it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ChainError {
    /// Worth retrying later.
    #[error("{context} (retryable)")]
    Retryable {
        /// What was being done.
        context: String,
        /// The underlying error.
        #[source]
        source: Option<BoxError>,
    },
    /// Not worth retrying.
    #[error("{context}")]
    Permanent {
        /// What was being done.
        context: String,
        /// The underlying error.
        #[source]
        source: Option<BoxError>,
    },
    /// The transaction reverted on-chain.
    #[error("transaction reverted: {reason}")]
    Reverted {
        /// Decoded revert reason or custom error name, or the raw data in hex.
        reason: String,
        /// Hash of the reverted transaction, when it was mined.
        tx_hash: Option<B256>,
    },
    /// The message was delivered already (by us or another relayer).
    #[error("message {id} is already delivered")]
    AlreadyDelivered {
        /// The message id.
        id: B256,
    },
}

impl ChainError {
    /// A retryable error with context and source.
    pub fn retryable(context: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Self::Retryable { context: context.into(), source: Some(source.into()) }
    }

    /// A permanent error with context and source.
    pub fn permanent(context: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Self::Permanent { context: context.into(), source: Some(source.into()) }
    }

    /// The kind that decides what the relayer does next.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Retryable { .. } => ErrorKind::Retryable,
            Self::Permanent { .. } => ErrorKind::Permanent,
            Self::Reverted { .. } => ErrorKind::Reverted,
            Self::AlreadyDelivered { .. } => ErrorKind::AlreadyDelivered,
        }
    }

    /// Whether trying again later may succeed.
    pub fn is_retryable(&self) -> bool {
        self.kind() == ErrorKind::Retryable
    }
}

/// A block, identified by number and hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BlockRef {
    /// Height.
    pub number: u64,
    /// Hash.
    pub hash: B256,
}

/// A message as found on its origin chain. Its `message.nonce` is its leaf index in the tree of
/// its route (origin → destination).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DispatchedMessage {
    /// The message.
    pub message: Message,
    /// Its id (`message.id()`), the outbox leaf.
    pub id: B256,
    /// Block that dispatched it.
    pub block: BlockRef,
    /// Transaction (EVM) or extrinsic hash that dispatched it.
    pub tx_hash: B256,
}

/// One route's outbox (origin → `destination`, ADR 0003) at the end of a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OutboxState {
    /// Block the state is read at.
    pub block: BlockRef,
    /// Destination of the route.
    pub destination: Domain,
    /// Route outbox identifier, as in [`Checkpoint::outbox`]: the origin's outbox base in the
    /// low 160 bits, the destination in bits 160..192.
    pub outbox: B256,
    /// Tree root.
    pub root: B256,
    /// Leaves in the tree.
    pub count: u64,
}

/// A checkpoint with a quorum of signatures and the operator set they belong to: everything a
/// destination needs to verify it (ADR 0002: the set travels with the signatures).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedCheckpoint {
    /// What is attested.
    pub checkpoint: Checkpoint,
    /// The operator set of `checkpoint.epoch`.
    pub set: OperatorSet,
    /// `(signer, signature)` ordered by ascending signer address.
    pub signatures: Vec<(Address, SignatureBytes)>,
}

impl SignedCheckpoint {
    /// Checks the quorum off-chain, with the same rules as the contracts, before paying gas.
    pub fn verify(&self, domain: &SigningDomain) -> Result<QuorumReport, QuorumError> {
        let signatures: Vec<SignatureBytes> = self.signatures.iter().map(|(_, s)| *s).collect();
        self.set.verify(&self.checkpoint, domain, &signatures)
    }

    /// The signer bitmap the contracts take.
    pub fn signer_bitmap(&self) -> Result<U256, QuorumError> {
        let signers: Vec<Address> = self.signatures.iter().map(|(a, _)| *a).collect();
        self.set.signer_bitmap(&signers)
    }

    /// The signatures concatenated, 65 bytes each, in signer order.
    pub fn packed_signatures(&self) -> Bytes {
        self.signatures.iter().flat_map(|(_, s)| s.0).collect::<Vec<u8>>().into()
    }
}

/// Consecutive messages of one route to deliver in one transaction, proven together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryBatch {
    /// Origin of every message in the batch.
    pub origin: Domain,
    /// A root verified on the destination, of the route tree at `count` leaves.
    pub root: B256,
    /// Leaves in the tree `root` is the root of.
    pub count: u64,
    /// Messages with consecutive nonces (leaf indices), first nonce first.
    pub messages: Vec<Message>,
    /// Range multiproof of the messages' ids ([`crate::MerkleTree::range_proof`]).
    pub proof: Vec<B256>,
}

/// The result of a transaction a sink sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxOutcome {
    /// Transaction or extrinsic hash.
    pub tx_hash: B256,
    /// Block it was included in.
    pub block: BlockRef,
    /// Gas (EVM) or weight-fee units (Substrate) used.
    pub gas_used: u64,
}

/// What a batch is expected to cost on the destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostEstimate {
    /// Gas or weight units.
    pub gas: u64,
    /// Price per unit in the chain's smallest denomination.
    pub price: u128,
}

/// Reads messages and outbox state from one origin domain.
#[async_trait]
pub trait MessageSource: Send + Sync + fmt::Debug {
    /// The domain this source reads.
    fn domain(&self) -> Domain;

    /// The newest block (not necessarily final).
    async fn head_block(&self) -> Result<BlockRef, ChainError>;

    /// The newest block the origin considers final under its configured rule.
    async fn finalized_block(&self) -> Result<BlockRef, ChainError>;

    /// The block at height `number` on the current canonical chain (to detect reorgs by hash).
    async fn block_at(&self, number: u64) -> Result<BlockRef, ChainError>;

    /// Messages dispatched in the blocks of `range`, in chain order (per route, nonce order).
    async fn messages(
        &self,
        range: RangeInclusive<u64>,
    ) -> Result<Vec<DispatchedMessage>, ChainError>;

    /// The outbox of the route to `destination` as of the end of block `number`.
    async fn outbox_at(&self, number: u64, destination: Domain) -> Result<OutboxState, ChainError>;
}

/// Delivers checkpoints and messages to one destination domain.
#[async_trait]
pub trait MessageSink: Send + Sync + fmt::Debug {
    /// The domain this sink writes to.
    fn domain(&self) -> Domain;

    /// Whether the message with `id` from `origin` at outbox position `nonce` was delivered.
    async fn is_delivered(&self, origin: Domain, nonce: u32, id: B256) -> Result<bool, ChainError>;

    /// Whether `root` is already verified for `origin` on this destination.
    async fn is_root_verified(&self, origin: Domain, root: B256) -> Result<bool, ChainError>;

    /// Verifies and stores a checkpoint's root.
    async fn submit_checkpoint(&self, signed: &SignedCheckpoint) -> Result<TxOutcome, ChainError>;

    /// Delivers a batch against a verified root.
    async fn process_batch(&self, batch: &DeliveryBatch) -> Result<TxOutcome, ChainError>;

    /// What delivering `batch` would cost.
    async fn estimate_cost(&self, batch: &DeliveryBatch) -> Result<CostEstimate, ChainError>;
}

/// Tells how far a chain is final.
#[async_trait]
pub trait FinalityOracle: Send + Sync + fmt::Debug {
    /// The newest block.
    async fn head(&self) -> Result<BlockRef, ChainError>;

    /// The newest final block.
    async fn finalized(&self) -> Result<BlockRef, ChainError>;
}

/// Raw bytes of an event or extrinsic an adapter could not decode, kept for diagnosis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Undecodable {
    /// Where it was found.
    pub block: BlockRef,
    /// The raw data.
    pub data: Bytes,
    /// Why it was rejected.
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_classify() {
        let io = std::io::Error::new(std::io::ErrorKind::TimedOut, "timed out");
        let e = ChainError::retryable("eth_getLogs 100..=200 on ethereum", io);
        assert!(e.is_retryable());
        assert_eq!(e.to_string(), "eth_getLogs 100..=200 on ethereum (retryable)");
        assert!(std::error::Error::source(&e).is_some());
        assert_eq!(
            ChainError::AlreadyDelivered { id: B256::ZERO }.kind(),
            ErrorKind::AlreadyDelivered
        );
        assert_eq!(
            ChainError::Reverted { reason: "UnknownRoot()".into(), tx_hash: None }.kind(),
            ErrorKind::Reverted
        );
    }
}
