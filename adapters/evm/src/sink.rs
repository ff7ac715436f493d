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
}

/// Gas limit = estimate × this / 100: room for state that changes between estimate and inclusion.
const GAS_MARGIN_PERCENT: u64 = 120;

impl<P: Provider + Clone> EvmSink<P> {
    /// A sink for `domain`, whose Mailbox is at `mailbox`, sending from `from` (the provider's
    /// signer).
    pub fn new(domain: Domain, provider: P, mailbox: Address, from: Address) -> Self {
        Self { domain, provider, mailbox, from, next_nonce: Default::default() }
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
        let mut next = self.next_nonce.lock().await;
        let mut resynced = false;
        let pending = loop {
            let nonce = match *next {
                Some(nonce) => nonce,
                None => self.pending_nonce(context).await?,
            };
            let gas_limit = gas.saturating_mul(GAS_MARGIN_PERCENT) / 100;
            match call.clone().nonce(nonce).gas(gas_limit).send().await {
                Ok(pending) => {
                    *next = Some(nonce + 1);
                    break pending;
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
        outcome(context, pending).await
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

/// Waits for a sent transaction's receipt; a reverted receipt is [`ChainError::Reverted`].
async fn outcome<N: alloy::network::Network>(
    context: &str,
    pending: alloy::providers::PendingTransactionBuilder<N>,
) -> Result<TxOutcome, ChainError> {
    use alloy::network::ReceiptResponse;
    let tx_hash = *pending.tx_hash();
    let receipt = pending.get_receipt().await.map_err(|e| {
        ChainError::retryable(format!("{context}: waiting for receipt of {tx_hash}"), e)
    })?;
    if !receipt.status() {
        return Err(ChainError::Reverted {
            reason: format!("{context}: reverted"),
            tx_hash: Some(tx_hash),
        });
    }
    Ok(TxOutcome {
        tx_hash,
        block: BlockRef {
            number: receipt.block_number().unwrap_or_default(),
            hash: receipt.block_hash().unwrap_or_default(),
        },
        gas_used: receipt.gas_used(),
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
