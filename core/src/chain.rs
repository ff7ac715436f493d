//! The traits every chain adapter implements, and the error kinds they report.
//!
//! These are a first draft: the indexer and relayer issues refine them. Each trait is one
//! capability; a method only one chain family needs stays in its adapter. Adapters are generic
//! inside (`EvmSource<P: Provider>`) and erased at the registry (`Arc<dyn MessageSource>`).

use std::{fmt, ops::RangeInclusive, sync::Arc};

use alloy_primitives::{Address, B256, Bytes};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::{
    checkpoint::{Checkpoint, SignatureBytes, SigningDomain},
    message::{Domain, Message},
    quorum::{OperatorSet, QuorumError, QuorumReport},
};

/// A boxed error kept as the source of a [`ChainError`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// How the relayer and the indexer should treat a failure: the one classification they act on
/// (no caller matches on error text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ErrorKind {
    /// Transient (timeout, rate limit, connection reset, nonce race): try again later.
    Retryable,
    /// Will fail the same way every time (bad input, unsupported call): give up.
    Permanent,
    /// A provider refused a query over too many blocks or results; a smaller range will work.
    RangeTooLarge {
        /// The largest range the provider said it accepts, when it said.
        suggested: Option<u64>,
    },
    /// The chain executed and reverted the call or transaction.
    Reverted {
        /// Whether the cause clears by itself (a rate limit refills, value in flight settles):
        /// retry later, never give up for it.
        transient: bool,
    },
    /// The message is already delivered: done, not a failure.
    AlreadyDelivered,
}

impl ErrorKind {
    /// The stored spelling: `retryable`, `permanent`, `range_too_large`, `reverted`,
    /// `reverted_transient`, `already_delivered`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Retryable => "retryable",
            Self::Permanent => "permanent",
            Self::RangeTooLarge { .. } => "range_too_large",
            Self::Reverted { transient: false } => "reverted",
            Self::Reverted { transient: true } => "reverted_transient",
            Self::AlreadyDelivered => "already_delivered",
        }
    }

    /// Whether the same call may succeed later without anyone changing anything.
    pub fn clears_by_itself(self) -> bool {
        matches!(
            self,
            Self::Retryable | Self::RangeTooLarge { .. } | Self::Reverted { transient: true }
        )
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
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
    /// The provider refused the range of a query as too large.
    #[error("{context}: range too large{}", suggested.map(|n| format!(" (at most {n} blocks)")).unwrap_or_default())]
    RangeTooLarge {
        /// What was being done.
        context: String,
        /// The largest range the provider accepts, when it said.
        suggested: Option<u64>,
        /// The underlying error.
        #[source]
        source: Option<BoxError>,
    },
    /// The call or transaction reverted on-chain.
    #[error("{context}: reverted with {error}")]
    Reverted {
        /// What was being done.
        context: String,
        /// The decoded custom error with its arguments (`RateLimited(2, 10, 5)`), or the raw
        /// revert data in hex when it matches no known error.
        error: String,
        /// Whether it clears by itself (see [`ErrorKind::Reverted`]); decided by the adapter,
        /// which knows the contracts' errors.
        transient: bool,
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

    /// The kind that decides what the caller does next.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Retryable { .. } => ErrorKind::Retryable,
            Self::Permanent { .. } => ErrorKind::Permanent,
            Self::RangeTooLarge { suggested, .. } => {
                ErrorKind::RangeTooLarge { suggested: *suggested }
            }
            Self::Reverted { transient, .. } => ErrorKind::Reverted { transient: *transient },
            Self::AlreadyDelivered { .. } => ErrorKind::AlreadyDelivered,
        }
    }

    /// Whether trying the same call again later may succeed.
    pub fn is_retryable(&self) -> bool {
        self.kind().clears_by_itself()
    }

    /// The short reason a person reads in a list (`RateLimited(2, 10, 5)`, or the context).
    pub fn reason(&self) -> String {
        match self {
            Self::Reverted { error, .. } => error.clone(),
            other => other.to_string(),
        }
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
    /// Checks the quorum off-chain, with the same rules as the contracts, before paying fees.
    pub fn verify(&self, domain: &SigningDomain) -> Result<QuorumReport, QuorumError> {
        let signatures: Vec<SignatureBytes> = self.signatures.iter().map(|(_, s)| *s).collect();
        self.set.verify(&self.checkpoint, domain, &signatures)
    }

    /// The signers, ascending.
    pub fn signers(&self) -> Vec<Address> {
        self.signatures.iter().map(|(a, _)| *a).collect()
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

/// A transaction (or extrinsic) a sink sent, once included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxOutcome {
    /// Transaction or extrinsic hash.
    pub tx_hash: B256,
    /// Block it was included in.
    pub block: BlockRef,
    /// What it cost, in the destination's smallest native unit (wei, planck).
    pub fee: u128,
    /// Execution units the chain charged, for benchmarks (EVM gas, Substrate weight ref-time).
    pub exec_units: u64,
}

/// What a [`MessageSink::deliver`] sent to get a batch delivered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryReceipt {
    /// The transaction that delivered the batch (it may have verified the checkpoint too).
    pub delivery: TxOutcome,
    /// A transaction sent first, only to verify the checkpoint, when the sink needed one.
    pub checkpoint: Option<TxOutcome>,
    /// Whether this call verified the checkpoint on the destination (in either transaction).
    pub verified_checkpoint: bool,
}

impl DeliveryReceipt {
    /// Fees of every transaction sent, native units.
    pub fn fee(&self) -> u128 {
        self.delivery.fee.saturating_add(self.checkpoint.as_ref().map_or(0, |c| c.fee))
    }

    /// Execution units of every transaction sent.
    pub fn exec_units(&self) -> u64 {
        self.delivery
            .exec_units
            .saturating_add(self.checkpoint.as_ref().map_or(0, |c| c.exec_units))
    }
}

/// What a destination can do, so the relayer shapes its work without knowing the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SinkCapabilities {
    /// Most messages one [`MessageSink::deliver`] takes (1 when the chain delivers one by one).
    pub max_batch: usize,
    /// Whether the destination keeps a verified root, so later batches under the same
    /// checkpoint cost less than the first (reuse a checkpoint while it covers what is pending).
    pub caches_verified_roots: bool,
}

/// How an origin keeps its outbox (ADR 0003: one tree per route either way).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OutboxKind {
    /// A contract holds the route trees; [`MessageSource::outbox_at`] reads them, and every
    /// message carries its leaf index as its nonce.
    OnChain,
    /// The chain has no tree: the route trees are folded off-chain from the messages in chain
    /// order ([`crate::VirtualOutbox`]), and the indexer assigns each message its leaf index.
    Virtual,
}

/// Tells how far a chain is final, and which block is canonical at a height (to see reorgs).
/// Shared by the source that reads a chain and the relayer that confirms deliveries on it.
#[async_trait]
pub trait FinalityOracle: Send + Sync + fmt::Debug {
    /// The newest block (not necessarily final).
    async fn head(&self) -> Result<BlockRef, ChainError>;

    /// The newest block the chain considers final under its configured rule.
    async fn finalized(&self) -> Result<BlockRef, ChainError>;

    /// The block at height `number` on the current canonical chain.
    async fn block_at(&self, number: u64) -> Result<BlockRef, ChainError>;
}

/// Reads messages and outbox state from one origin domain.
#[async_trait]
pub trait MessageSource: Send + Sync + fmt::Debug {
    /// The domain this source reads.
    fn domain(&self) -> Domain;

    /// How the origin keeps its outbox.
    fn outbox_kind(&self) -> OutboxKind;

    /// The checkpoint `outbox` id of the route to `destination` ([`crate::route_outbox`] of the
    /// origin's outbox base).
    fn outbox_id(&self, destination: Domain) -> B256;

    /// Head, finality and canonical blocks of the origin.
    fn finality(&self) -> Arc<dyn FinalityOracle>;

    /// Messages dispatched in the blocks of `range`, in chain order. From an
    /// [`OutboxKind::Virtual`] origin their nonces are not assigned yet (zero): the leaf index is
    /// the message's position in its route, counted by whoever folds the outbox.
    async fn messages(
        &self,
        range: RangeInclusive<u64>,
    ) -> Result<Vec<DispatchedMessage>, ChainError>;

    /// Messages and refused dispatches in the blocks of `range`. Origins whose contracts refuse
    /// malformed dispatches themselves (EVM: the Mailbox reverts) have nothing to reject and
    /// keep this default.
    async fn dispatches(&self, range: RangeInclusive<u64>) -> Result<Dispatches, ChainError> {
        Ok(Dispatches { messages: self.messages(range).await?, rejected: Vec::new() })
    }

    /// The on-chain outbox of the route to `destination` as of the end of block `number`
    /// ([`OutboxKind::OnChain`] origins; a virtual origin answers [`ChainError::Permanent`]).
    async fn outbox_at(&self, number: u64, destination: Domain) -> Result<OutboxState, ChainError>;
}

/// Delivers messages to one destination domain under a quorum-signed checkpoint. How (verify
/// the root first, both in one transaction, operators approving a multisig release) is the
/// sink's business; the relayer sees only [`Self::deliver`].
#[async_trait]
pub trait MessageSink: Send + Sync + fmt::Debug {
    /// The domain this sink writes to.
    fn domain(&self) -> Domain;

    /// What this destination can do.
    fn capabilities(&self) -> SinkCapabilities;

    /// Whether the message with `id` from `origin` at outbox position `nonce` was delivered,
    /// as of the destination's newest block.
    async fn is_delivered(&self, origin: Domain, nonce: u32, id: B256) -> Result<bool, ChainError>;

    /// Delivers `batch` (at most [`SinkCapabilities::max_batch`] messages) against `signed`,
    /// whose root the batch's proof is built against.
    async fn deliver(
        &self,
        signed: &SignedCheckpoint,
        batch: &DeliveryBatch,
    ) -> Result<DeliveryReceipt, ChainError>;

    /// A reorg on the destination dropped a delivery this sink had seen included: forget what
    /// the sink assumed from its transactions (an account nonce, roots seen verified), so the
    /// next delivery starts from the chain as it is now. Does nothing by default.
    async fn reorged(&self) {}
}

/// The operator's side of a multisig destination: approves the release a message asks for,
/// once the caller has checked the message is attested (quorum-signed root, valid proof).
#[async_trait]
pub trait ReleaseApprover: Send + Sync + fmt::Debug {
    /// The destination domain whose escrow this approves on.
    fn domain(&self) -> Domain;

    /// Checks what the message asks for (a transfer from an enrolled bridge to the escrow) and
    /// approves its release, unless it executed or this operator approved already.
    async fn approve(&self, message: &Message) -> Result<crate::wire::ApprovalStatus, ChainError>;
}

/// A dispatch an origin's adapter found and refused to turn into a message: a malformed
/// payload, a transfer to the wrong account, a failed extrinsic. Kept with its reason so a
/// person can see why nothing was sent; never numbered into an outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejected {
    /// Block it was found in.
    pub block: BlockRef,
    /// Extrinsic (or transaction) hash.
    pub tx_hash: B256,
    /// Position of the extrinsic in its block.
    pub index: u32,
    /// The signing account, 32 bytes.
    pub sender: B256,
    /// Why it is not a message.
    pub reason: String,
    /// The raw payload, kept for diagnosis.
    pub data: Bytes,
}

/// What [`MessageSource::dispatches`] found in a range of blocks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dispatches {
    /// Messages in chain order.
    pub messages: Vec<DispatchedMessage>,
    /// Dispatches refused, in chain order.
    pub rejected: Vec<Rejected>,
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
        let reverted = ChainError::Reverted {
            context: "processBatch".into(),
            error: "UnknownRoot()".into(),
            transient: false,
            tx_hash: None,
        };
        assert_eq!(reverted.kind(), ErrorKind::Reverted { transient: false });
        assert!(!reverted.is_retryable());
        assert_eq!(reverted.reason(), "UnknownRoot()");
        let limited = ChainError::Reverted {
            context: "processBatch".into(),
            error: "RateLimited(2, 10, 5)".into(),
            transient: true,
            tx_hash: None,
        };
        assert!(limited.is_retryable(), "a transient revert clears by itself");
        let range = ChainError::RangeTooLarge {
            context: "eth_getLogs 0..=9999".into(),
            suggested: Some(2_000),
            source: None,
        };
        assert_eq!(range.kind(), ErrorKind::RangeTooLarge { suggested: Some(2_000) });
        assert_eq!(
            range.to_string(),
            "eth_getLogs 0..=9999: range too large (at most 2000 blocks)"
        );
        assert_eq!(range.kind().as_str(), "range_too_large");
    }
}
