//! `EvmSink`: delivers checkpoints and message batches to one EVM destination's Mailbox.

use alloy::{
    primitives::{Address, Bytes, U256},
    providers::Provider,
};
use async_trait::async_trait;
use causeway_core::{
    B256, ChainError, Domain, Message, MessageSink,
    chain::{BlockRef, CostEstimate, DeliveryBatch, SignedCheckpoint, TxOutcome},
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
/// chain after any send failure. A cached nonce that ran ahead of the chain (a transaction
/// refused after its nonce was taken) otherwise leaves every later transaction stuck behind a
/// gap.
#[derive(Debug, Clone)]
pub struct EvmSink<P> {
    domain: Domain,
    provider: P,
    mailbox: Address,
    from: Address,
    next_nonce: std::sync::Arc<tokio::sync::Mutex<Option<u64>>>,
    gas: GasPolicy,
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
        }
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
                    return outcome(context, *hash, &receipt);
                }
            }
            if started.elapsed() >= self.gas.give_up_after {
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
        .signer_bitmap()
        .map_err(|e| ChainError::permanent("building the signer bitmap", e))?;
    let attestation = Mailbox::Attestation {
        set: (&signed.set).into(),
        signerBitmap: bitmap,
        signatures: signed.packed_signatures(),
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
fn outcome(
    context: &str,
    tx_hash: B256,
    receipt: &alloy::rpc::types::TransactionReceipt,
) -> Result<TxOutcome, ChainError> {
    if !receipt.status() {
        return Err(ChainError::Reverted {
            reason: format!("{context}: reverted"),
            tx_hash: Some(tx_hash),
        });
    }
    Ok(TxOutcome {
        tx_hash,
        block: BlockRef {
            number: receipt.block_number.unwrap_or_default(),
            hash: receipt.block_hash.unwrap_or_default(),
        },
        gas_used: receipt.gas_used,
    })
}

#[async_trait]
impl<P: Provider + Clone + std::fmt::Debug + 'static> MessageSink for EvmSink<P> {
    fn domain(&self) -> Domain {
        self.domain
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

    async fn is_root_verified(&self, origin: Domain, root: B256) -> Result<bool, ChainError> {
        let count = self
            .contract()
            .verifiedCount(origin, root)
            .call()
            .await
            .map_err(|e| error::contract(format!("verifiedCount({origin}, {root})"), e))?;
        Ok(!count.is_zero())
    }

    async fn submit_checkpoint(&self, signed: &SignedCheckpoint) -> Result<TxOutcome, ChainError> {
        let (checkpoint, attestation) = attestation(signed)?;
        let context = format!(
            "submitCheckpoint(origin {}, index {}, root {}) on domain {}",
            signed.checkpoint.origin, signed.checkpoint.index, signed.checkpoint.root, self.domain
        );
        let mailbox = self.contract();
        let call = mailbox.submitCheckpoint(checkpoint, attestation);
        self.send(&context, call, |e| error::contract(&context, e)).await
    }

    async fn process_batch(&self, batch: &DeliveryBatch) -> Result<TxOutcome, ChainError> {
        let first = batch.messages.first().ok_or_else(|| ChainError::Permanent {
            context: "processBatch of an empty batch".into(),
            source: None,
        })?;
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
        self.send(&context, call, |e| match error::already_delivered_nonce(&e) {
            Some(nonce) => ChainError::AlreadyDelivered {
                id: batch
                    .messages
                    .iter()
                    .find(|m| u64::from(m.nonce) == nonce)
                    .map_or(B256::ZERO, Message::id),
            },
            None => error::contract(&context, e),
        })
        .await
    }

    async fn estimate_cost(&self, batch: &DeliveryBatch) -> Result<CostEstimate, ChainError> {
        let mailbox = self.contract();
        let call = mailbox.processBatch(
            batch.origin,
            batch.root,
            pack_batch(&batch.messages),
            batch.proof.clone(),
        );
        let gas = call.estimate_gas().await.map_err(|e| {
            error::contract(format!("estimating processBatch on domain {}", self.domain), e)
        })?;
        let price =
            self.provider.get_gas_price().await.map_err(|e| {
                error::transport(format!("eth_gasPrice on domain {}", self.domain), e)
            })?;
        Ok(CostEstimate { gas, price })
    }
}
