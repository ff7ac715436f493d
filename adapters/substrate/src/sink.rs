//! [`MessageSink`] of a Substrate chain: a delivery is a release from the multisig escrow,
//! executed by the operators' approvals. The relayer asks each announced operator to approve
//! (`POST /approvals` with the signed checkpoint and the proof; each checks both itself) and
//! reports what is still missing until the last approval executes the release.

use std::{sync::Arc, time::Duration};

use async_trait::async_trait;
use causeway_core::{
    B256, ChainError, Domain, MessageSink,
    chain::{DeliveryBatch, DeliveryReceipt, SignedCheckpoint, SinkCapabilities, TxOutcome},
    wire::{APPROVAL_PATH, ApprovalRequest, ApprovalStatus},
};

use crate::{
    account::to_ss58,
    error::{permanent, retryable},
    escrow::{EscrowDomain, Executed, encode_call, pending},
};

/// Where the operators that approve releases are reached.
#[async_trait]
pub trait ApprovalPeers: Send + Sync + std::fmt::Debug {
    /// Base URLs of the announced operators.
    async fn urls(&self) -> Result<Vec<String>, ChainError>;
}

/// Delivers to a Substrate chain through its escrow.
#[derive(Debug)]
pub struct SubstrateSink {
    chain: EscrowDomain,
    peers: Arc<dyn ApprovalPeers>,
    http: reqwest::Client,
}

impl SubstrateSink {
    /// The sink of `chain`, asking `peers` to approve, each within `approval_timeout`.
    pub fn new(
        chain: EscrowDomain,
        peers: Arc<dyn ApprovalPeers>,
        approval_timeout: Duration,
    ) -> Self {
        let http = reqwest::Client::builder()
            .timeout(approval_timeout)
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Self { chain, peers, http }
    }

    fn receipt(done: Executed) -> DeliveryReceipt {
        DeliveryReceipt {
            delivery: TxOutcome {
                tx_hash: done.tx_hash,
                block: done.block,
                fee: done.fee,
                exec_units: 0,
            },
            checkpoint: None,
            verified_checkpoint: true,
        }
    }

    async fn ask(&self, url: &str, request: &ApprovalRequest) -> Result<ApprovalStatus, String> {
        let endpoint = format!("{}/{APPROVAL_PATH}", url.trim_end_matches('/'));
        let response = self
            .http
            .post(&endpoint)
            .json(request)
            .send()
            .await
            .map_err(|e| format!("{endpoint}: {e}"))?;
        let status = response.status();
        if !status.is_success() {
            let body = response.text().await.unwrap_or_default();
            return Err(format!("{endpoint}: HTTP {status}: {body}"));
        }
        response.json::<ApprovalStatus>().await.map_err(|e| format!("{endpoint}: {e}"))
    }
}

#[async_trait]
impl MessageSink for SubstrateSink {
    fn domain(&self) -> Domain {
        self.chain.domain
    }

    fn capabilities(&self) -> SinkCapabilities {
        SinkCapabilities { max_batch: 1, caches_verified_roots: false }
    }

    async fn is_delivered(
        &self,
        _origin: Domain,
        _nonce: u32,
        id: B256,
    ) -> Result<bool, ChainError> {
        Ok(self.chain.executed(&id).await?.is_some())
    }

    async fn deliver(
        &self,
        signed: &SignedCheckpoint,
        batch: &DeliveryBatch,
    ) -> Result<DeliveryReceipt, ChainError> {
        let [message] = batch.messages.as_slice() else {
            return Err(permanent(format!(
                "a substrate destination releases one message at a time, got {}",
                batch.messages.len()
            )));
        };
        let release = self
            .chain
            .release(message)
            .map_err(|why| permanent(format!("release of {}: {why}", message.id())))?;
        if let Some(done) = self.chain.executed(&release.id).await? {
            return Ok(Self::receipt(done));
        }
        let request = ApprovalRequest { signed: signed.clone(), batch: batch.clone() };
        let mut refused = Vec::new();
        let mut unreachable = Vec::new();
        for url in self.peers.urls().await? {
            match self.ask(&url, &request).await {
                Ok(ApprovalStatus::Executed { tx_hash, block, fee }) => {
                    return Ok(Self::receipt(Executed { block, tx_hash, fee }));
                }
                Ok(ApprovalStatus::Refused { reason }) => refused.push(format!("{url}: {reason}")),
                Ok(ApprovalStatus::Approved { .. } | ApprovalStatus::AlreadyApproved { .. }) => {}
                Err(e) => unreachable.push(e),
            }
        }
        if let Some(done) = self.chain.executed(&release.id).await? {
            return Ok(Self::receipt(done));
        }
        let (_, call_hash) = encode_call(&self.chain.client, &release.call()).await?;
        let approved = pending(&self.chain.client, &self.chain.escrow.account, &call_hash)
            .await?
            .map(|p| p.approvals)
            .unwrap_or_default();
        let (n, t) =
            (self.chain.escrow.signatories.len(), usize::from(self.chain.escrow.threshold));
        let prefix = self.chain.client.info.ss58_prefix;
        let names = |accounts: &[B256]| {
            accounts.iter().map(|a| to_ss58(a, prefix)).collect::<Vec<_>>().join(", ")
        };
        let missing: Vec<B256> = self
            .chain
            .escrow
            .signatories
            .iter()
            .filter(|s| !approved.contains(s))
            .copied()
            .collect();
        let mut detail = format!(
            "release of {} awaits approvals: {} of {t} in ({}); not yet: {}",
            release.id,
            approved.len(),
            if approved.is_empty() { "none".to_owned() } else { names(&approved) },
            names(&missing)
        );
        if !refused.is_empty() {
            detail.push_str(&format!("; refused by {}", refused.join("; ")));
        }
        if !unreachable.is_empty() {
            detail.push_str(&format!("; not reached: {}", unreachable.join("; ")));
        }
        if refused.len() > n - t {
            return Err(permanent(detail));
        }
        Err(retryable(detail))
    }

    async fn reorged(&self) {
        self.chain.log.rewind(0).await;
    }
}
