//! `EvmSink`: delivers message batches under a signed checkpoint to one EVM destination's
//! Mailbox.
//!
//! [`MessageSink::deliver`] picks the cheapest way the Mailbox offers:
//! - the checkpoint's root is verified there already (seen by this sink, or `verifiedCount`
//!   says so): `processBatch` alone;
//! - a single message under an unverified root: `processWithCheckpoint`, one transaction that
//!   verifies and delivers without storing the root (~21k gas less than two);
//! - several messages under an unverified root: `submitCheckpoint` (stores the root, so later
//!   batches under it need no signatures) then `processBatch`.

use alloy::{
    primitives::{Address, Bytes, U256},
    providers::Provider,
};
use async_trait::async_trait;
use causeway_core::{
    B256, ChainError, Domain, Message, MessageSink,
    chain::{
        BlockRef, DeliveryBatch, DeliveryReceipt, SignedCheckpoint, SinkCapabilities, TxOutcome,
    },
};

use crate::{
    bindings::mailbox::{CheckpointLib, Mailbox},
    error,
};

/// Writes to one EVM domain's Mailbox. Generic over the provider (which carries the signer).
///
/// Transactions go out one at a time per sink with a nonce the sink manages itself: gas is
/// estimated first (a call that would revert is refused without using a nonce), the nonce is
/// set explicitly, advanced only once the node accepted the transaction, and re-read from the
/// chain after any send failure and after a reorg dropped a delivery
/// ([`MessageSink::reorged`]). A cached nonce that ran ahead of the chain (a transaction
/// refused after its nonce was taken, or mined and then reorged away) otherwise leaves every
/// later transaction stuck behind a gap.
#[derive(Debug, Clone)]
pub struct EvmSink<P> {
    domain: Domain,
    provider: P,
    mailbox: Address,
    from: Address,
    next_nonce: std::sync::Arc<tokio::sync::Mutex<Option<u64>>>,
    gas: GasPolicy,
    /// Roots seen verified on the destination, per origin (a verified root stays verified).
    verified: std::sync::Arc<std::sync::Mutex<std::collections::HashSet<(Domain, B256)>>>,
    max_batch: usize,
}

/// How the sink prices transactions and escalates stuck ones.
///
/// Fees start at the node's EIP-1559 estimate (capped). A transaction with no receipt after
/// `stuck_after` is sent again with the same nonce and both fees raised by `bump_percent`, never
/// above `max_fee_cap`; at the cap it is only waited for. After `give_up_after` without any
/// receipt the send is a retryable error (the nonce may still be pending; the next send re-reads
/// it from the chain).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GasPolicy {
    /// Resend with higher fees when no receipt came within this.
    pub stuck_after: std::time::Duration,
    /// Fee raise per resend, percent (at least 10: nodes refuse smaller replacements).
    pub bump_percent: u32,
    /// Highest fee per gas, wei.
    pub max_fee_cap: u128,
    /// Stop waiting for a receipt after this long.
    pub give_up_after: std::time::Duration,
}

impl Default for GasPolicy {
    fn default() -> Self {
        Self {
            stuck_after: std::time::Duration::from_secs(30),
            bump_percent: 20,
            max_fee_cap: 500_000_000_000,
            give_up_after: std::time::Duration::from_secs(600),
        }
    }
}

impl GasPolicy {
    /// `fee` raised by `bump_percent`, at most the cap.
    pub fn bump(&self, fee: u128) -> u128 {
        fee.saturating_mul(100 + u128::from(self.bump_percent)).div_ceil(100).min(self.max_fee_cap)
    }
}

/// First wait before a sent transaction's receipt is looked for again; doubles up to
/// [`RECEIPT_POLL_MAX`] (a dev chain mines in milliseconds, a real one in seconds).
const RECEIPT_POLL_MIN: std::time::Duration = std::time::Duration::from_millis(2);
/// Longest wait between receipt lookups.
const RECEIPT_POLL_MAX: std::time::Duration = std::time::Duration::from_millis(250);

/// Most messages per `processBatch` unless configured otherwise.
const DEFAULT_MAX_BATCH: usize = 128;

/// Gas limit = estimate × this / 100: room for state that changes between estimate and inclusion.
const GAS_MARGIN_PERCENT: u64 = 120;

impl<P: Provider + Clone> EvmSink<P> {
    /// A sink for `domain`, whose Mailbox is at `mailbox`, sending from `from` (the provider's
    /// signer).
    pub fn new(domain: Domain, provider: P, mailbox: Address, from: Address) -> Self {
        Self {
            domain,
            provider,
            mailbox,
            from,
            next_nonce: Default::default(),
            gas: GasPolicy::default(),
            verified: Default::default(),
            max_batch: DEFAULT_MAX_BATCH,
        }
    }

    /// Sets the most messages one delivery takes.
    pub fn with_max_batch(mut self, max_batch: usize) -> Self {
        self.max_batch = max_batch.max(1);
        self
    }

    /// Sets how transactions are priced and escalated.
    pub fn with_gas_policy(mut self, gas: GasPolicy) -> Self {
        self.gas = gas;
        self
    }

    fn contract(&self) -> Mailbox::MailboxInstance<&P> {
        Mailbox::new(self.mailbox, &self.provider)
    }

    async fn pending_nonce(&self, context: &str) -> Result<u64, ChainError> {
        self.provider.get_transaction_count(self.from).pending().await.map_err(|e| {
            error::transport(format!("{context}: reading the nonce of {}", self.from), e)
        })
    }

    /// Estimates, sends with a managed nonce, and waits for the receipt. `on_error` classifies a
    /// failed estimate or send.
    async fn send<Q: Provider + Clone, C: alloy::sol_types::SolCall>(
        &self,
        context: &str,
        call: alloy::contract::CallBuilder<Q, std::marker::PhantomData<C>>,
        on_error: impl Fn(alloy::contract::Error) -> ChainError,
    ) -> Result<TxOutcome, ChainError> {
        let gas = call.estimate_gas().await.map_err(&on_error)?;
        let gas_limit = gas.saturating_mul(GAS_MARGIN_PERCENT) / 100;
        let fees = self.provider.estimate_eip1559_fees().await.map_err(|e| {
            error::transport(format!("{context}: estimating fees on domain {}", self.domain), e)
        })?;
        let mut max_fee = fees.max_fee_per_gas.min(self.gas.max_fee_cap);
        let mut tip = fees.max_priority_fee_per_gas.min(max_fee);
        let priced = |fee: u128, tip: u128| {
            call.clone().gas(gas_limit).max_fee_per_gas(fee).max_priority_fee_per_gas(tip)
        };
        let mut next = self.next_nonce.lock().await;
        let mut resynced = false;
        let (nonce, first) = loop {
            let nonce = match *next {
                Some(nonce) => nonce,
                None => self.pending_nonce(context).await?,
            };
            match priced(max_fee, tip).nonce(nonce).send().await {
                Ok(pending) => {
                    *next = Some(nonce + 1);
                    break (nonce, *pending.tx_hash());
                }
                // Another sender used this nonce (the node refused ours, so nothing of ours is
                // in flight with it): re-read the chain's nonce and send once more.
                Err(e) if !resynced && error::is_nonce_too_low(&e) => {
                    *next = None;
                    resynced = true;
                }
                Err(e) => {
                    *next = None;
                    return Err(on_error(e));
                }
            }
        };
        drop(next);

        // Wait for a receipt of any version of the transaction; escalate while none comes.
        let mut sent = vec![first];
        let started = std::time::Instant::now();
        let mut last_send = started;
        let mut poll = RECEIPT_POLL_MIN;
        loop {
            for hash in &sent {
                let receipt = self.provider.get_transaction_receipt(*hash).await.map_err(|e| {
                    error::transport(format!("{context}: reading the receipt of {hash}"), e)
                })?;
                if let Some(receipt) = receipt {
                    if !receipt.status() {
                        return Err(mined_revert(context, &call, *hash, &receipt, &on_error).await);
                    }
                    return Ok(outcome(*hash, &receipt));
                }
            }
            if started.elapsed() >= self.gas.give_up_after {
                // The chain's pending count is the truth for the next send: the version still in
                // the pool keeps its nonce, a dropped one frees it.
                *self.next_nonce.lock().await = None;
                return Err(ChainError::Retryable {
                    context: format!(
                        "{context}: no receipt for nonce {nonce} after {} s ({} versions sent, \
                         fee {max_fee} wei/gas)",
                        started.elapsed().as_secs(),
                        sent.len()
                    ),
                    source: None,
                });
            }
            if last_send.elapsed() >= self.gas.stuck_after && max_fee < self.gas.max_fee_cap {
                let (fee, new_tip) = (self.gas.bump(max_fee), self.gas.bump(tip));
                match priced(fee, new_tip.min(fee)).nonce(nonce).send().await {
                    Ok(pending) => {
                        tracing::info!(target: "causeway::adapter::evm", domain = self.domain, nonce, fee, tx = %pending.tx_hash(), "stuck transaction sent again with higher fees");
                        sent.push(*pending.tx_hash());
                        (max_fee, tip) = (fee, new_tip.min(fee));
                    }
                    // Mined meanwhile ("nonce too low"), or refused as underpriced at the cap:
                    // keep waiting for what was sent.
                    Err(e) => {
                        tracing::warn!(target: "causeway::adapter::evm", domain = self.domain, nonce, error = %e, "replacement not accepted");
                        if !error::is_nonce_too_low(&e) {
                            max_fee = self.gas.max_fee_cap;
                        }
                    }
                }
                last_send = std::time::Instant::now();
            }
            tokio::time::sleep(poll).await;
            poll = (poll * 2).min(RECEIPT_POLL_MAX);
        }
    }
}

/// The `submitCheckpoint` arguments for a signed checkpoint.
pub fn attestation(
    signed: &SignedCheckpoint,
) -> Result<(CheckpointLib::Checkpoint, Mailbox::Attestation), ChainError> {
    let bitmap = signed
        .set
        .signer_bitmap(&signed.signers())
        .map_err(|e| ChainError::permanent("building the signer bitmap", e))?;
    let signatures: Vec<u8> = signed.signatures.iter().flat_map(|(_, s)| s.0).collect();
    let attestation = Mailbox::Attestation {
        set: (&signed.set).into(),
        signerBitmap: bitmap,
        signatures: signatures.into(),
    };
    Ok(((&signed.checkpoint).into(), attestation))
}

/// Messages in the `MessageBatch` calldata form: each preceded by its length as 4 big-endian bytes.
pub fn pack_batch(messages: &[Message]) -> Bytes {
    let mut out = Vec::new();
    for m in messages {
        let packed = m.encode();
        // A message is at most 77 + 65,536 bytes, so its length always fits 4 bytes.
        out.extend_from_slice(&(packed.len() as u32).to_be_bytes());
        out.extend_from_slice(&packed);
    }
    out.into()
}

/// The outcome of a mined transaction; a reverted receipt is [`ChainError::Reverted`].
/// The typed reason of a transaction that passed its estimate but reverted when mined (state
/// changed in between): a receipt carries no revert data, so the call is replayed on the state of
/// the block that included it, where it fails the same way, and classified like a refused
/// estimate (`on_error`: a delivery that lost a race is `AlreadyDelivered`).
async fn mined_revert<Q: Provider + Clone, C: alloy::sol_types::SolCall>(
    context: &str,
    call: &alloy::contract::CallBuilder<Q, std::marker::PhantomData<C>>,
    tx_hash: B256,
    receipt: &alloy::rpc::types::TransactionReceipt,
    on_error: impl Fn(alloy::contract::Error) -> ChainError,
) -> ChainError {
    let at = receipt.block_number.map_or(alloy::eips::BlockId::latest(), Into::into);
    match call.call_raw().block(at).await {
        Err(e) if e.as_revert_data().is_some() => match on_error(e) {
            ChainError::Reverted { context, error, transient, .. } => ChainError::Reverted {
                context: format!("{context} (mined in {tx_hash})"),
                error,
                transient,
                tx_hash: Some(tx_hash),
            },
            other => other,
        },
        Err(e) => ChainError::Reverted {
            context: context.to_owned(),
            error: format!("reverted when mined; replaying it failed: {e}"),
            transient: false,
            tx_hash: Some(tx_hash),
        },
        // The state moved on again: the next attempt is judged afresh.
        Ok(_) => ChainError::Reverted {
            context: context.to_owned(),
            error: "reverted when mined; the replay on that block succeeds".to_owned(),
            transient: true,
            tx_hash: Some(tx_hash),
        },
    }
}

fn outcome(tx_hash: B256, receipt: &alloy::rpc::types::TransactionReceipt) -> TxOutcome {
    TxOutcome {
        tx_hash,
        block: BlockRef {
            number: receipt.block_number.unwrap_or_default(),
            hash: receipt.block_hash.unwrap_or_default(),
        },
        fee: u128::from(receipt.gas_used).saturating_mul(receipt.effective_gas_price),
        exec_units: receipt.gas_used,
    }
}

impl<P: Provider + Clone> EvmSink<P> {
    /// Whether `root` is verified for `origin` on the destination (remembered once seen).
    pub async fn is_root_verified(&self, origin: Domain, root: B256) -> Result<bool, ChainError> {
        if self.verified.lock().is_ok_and(|v| v.contains(&(origin, root))) {
            return Ok(true);
        }
        let count = self
            .contract()
            .verifiedCount(origin, root)
            .call()
            .await
            .map_err(|e| error::contract(format!("verifiedCount({origin}, {root})"), e))?;
        let verified = !count.is_zero();
        if verified {
            self.remember(origin, root);
        }
        Ok(verified)
    }

    fn remember(&self, origin: Domain, root: B256) {
        if let Ok(mut v) = self.verified.lock() {
            v.insert((origin, root));
        }
    }

    /// `submitCheckpoint`: verifies and stores a checkpoint's root.
    pub async fn submit_checkpoint(
        &self,
        signed: &SignedCheckpoint,
    ) -> Result<TxOutcome, ChainError> {
        let (checkpoint, attestation) = attestation(signed)?;
        let context = format!(
            "submitCheckpoint(origin {}, index {}, root {}) on domain {}",
            signed.checkpoint.origin, signed.checkpoint.index, signed.checkpoint.root, self.domain
        );
        let mailbox = self.contract();
        let call = mailbox.submitCheckpoint(checkpoint, attestation);
        let outcome = self.send(&context, call, |e| error::contract(&context, e)).await?;
        self.remember(signed.checkpoint.origin, signed.checkpoint.root);
        Ok(outcome)
    }

    /// `processBatch`: delivers a batch against a root verified on the destination.
    pub async fn process_batch(&self, batch: &DeliveryBatch) -> Result<TxOutcome, ChainError> {
        let first = first_of(batch)?;
        let context = format!(
            "processBatch(origin {}, nonces {}..+{}) on domain {}",
            batch.origin,
            first.nonce,
            batch.messages.len(),
            self.domain
        );
        let mailbox = self.contract();
        let call = mailbox.processBatch(
            batch.origin,
            batch.root,
            pack_batch(&batch.messages),
            batch.proof.clone(),
        );
        self.send(&context, call, |e| delivery_error(&context, batch, e)).await
    }

    /// `processWithCheckpoint`: verifies `signed` and delivers the batch's one message in one
    /// transaction, without storing the root.
    pub async fn process_with_checkpoint(
        &self,
        signed: &SignedCheckpoint,
        batch: &DeliveryBatch,
    ) -> Result<TxOutcome, ChainError> {
        let [message] = batch.messages.as_slice() else {
            return Err(ChainError::Permanent {
                context: format!(
                    "processWithCheckpoint takes one message, the batch has {}",
                    batch.messages.len()
                ),
                source: None,
            });
        };
        let (checkpoint, attestation) = attestation(signed)?;
        let context = format!(
            "processWithCheckpoint(origin {}, nonce {}, checkpoint index {}) on domain {}",
            batch.origin, message.nonce, signed.checkpoint.index, self.domain
        );
        let mailbox = self.contract();
        let call = mailbox.processWithCheckpoint(
            checkpoint,
            attestation,
            message.encode().into(),
            batch.proof.clone(),
        );
        self.send(&context, call, |e| delivery_error(&context, batch, e)).await
    }
}

fn first_of(batch: &DeliveryBatch) -> Result<&Message, ChainError> {
    batch.messages.first().ok_or_else(|| ChainError::Permanent {
        context: "a delivery of an empty batch".into(),
        source: None,
    })
}

/// A refused delivery: the Mailbox's `AlreadyDelivered` names the message, anything else is
/// classified as usual.
fn delivery_error(context: &str, batch: &DeliveryBatch, e: alloy::contract::Error) -> ChainError {
    match error::already_delivered_nonce(&e) {
        Some(nonce) => ChainError::AlreadyDelivered {
            id: batch
                .messages
                .iter()
                .find(|m| u64::from(m.nonce) == nonce)
                .map_or(B256::ZERO, Message::id),
        },
        None => error::contract(context, e),
    }
}

#[async_trait]
impl<P: Provider + Clone + std::fmt::Debug + 'static> MessageSink for EvmSink<P> {
    fn domain(&self) -> Domain {
        self.domain
    }

    fn capabilities(&self) -> SinkCapabilities {
        SinkCapabilities { max_batch: self.max_batch, caches_verified_roots: true }
    }

    async fn is_delivered(
        &self,
        origin: Domain,
        nonce: u32,
        _id: B256,
    ) -> Result<bool, ChainError> {
        self.contract().delivered(origin, U256::from(nonce)).call().await.map_err(|e| {
            error::contract(format!("delivered({origin}, {nonce}) on domain {}", self.domain), e)
        })
    }

    async fn deliver(
        &self,
        signed: &SignedCheckpoint,
        batch: &DeliveryBatch,
    ) -> Result<DeliveryReceipt, ChainError> {
        first_of(batch)?;
        if batch.origin != signed.checkpoint.origin || batch.root != signed.checkpoint.root {
            return Err(ChainError::Permanent {
                context: format!(
                    "batch of origin {} under root {} does not match the checkpoint (origin {},                      root {})",
                    batch.origin, batch.root, signed.checkpoint.origin, signed.checkpoint.root
                ),
                source: None,
            });
        }
        if self.is_root_verified(batch.origin, batch.root).await? {
            let delivery = self.process_batch(batch).await?;
            return Ok(DeliveryReceipt { delivery, checkpoint: None, verified_checkpoint: false });
        }
        if batch.messages.len() == 1 {
            let delivery = self.process_with_checkpoint(signed, batch).await?;
            return Ok(DeliveryReceipt { delivery, checkpoint: None, verified_checkpoint: true });
        }
        let checkpoint = self.submit_checkpoint(signed).await?;
        let delivery = self.process_batch(batch).await?;
        Ok(DeliveryReceipt { delivery, checkpoint: Some(checkpoint), verified_checkpoint: true })
    }

    async fn reorged(&self) {
        // The dropped transactions' nonces are free again: a cached nonce past them would leave
        // the next delivery queued behind the gap for good. A dropped `submitCheckpoint` takes
        // its root's verification with it.
        *self.next_nonce.lock().await = None;
        if let Ok(mut verified) = self.verified.lock() {
            verified.clear();
        }
    }
}
