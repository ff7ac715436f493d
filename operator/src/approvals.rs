//! The approval duty: a relayer brings a quorum-signed checkpoint and a message with its proof
//! for a destination whose deliveries are multisig releases (a Substrate escrow). The operator
//! trusts none of it: it checks the checkpoint names the origin's route outbox, the operator set
//! is the hub's for that epoch, the signatures meet its quorum, and the proof leads to the
//! signed root; only then does the chain's [`ReleaseApprover`] approve the release.

use std::{
    collections::BTreeMap,
    fmt,
    sync::{Arc, RwLock},
};

use async_trait::async_trait;
use causeway_core::{
    B256, ChainError, Domain, OperatorSet, SigningDomain,
    chain::ReleaseApprover,
    merkle::range_root,
    outbox_destination,
    wire::{ApprovalRequest, ApprovalStatus},
};

/// Where the hub's operator sets are read.
#[async_trait]
pub trait SetSource: Send + Sync + fmt::Debug {
    /// The set of `epoch` as the hub registry records it.
    async fn operator_set(&self, epoch: u64) -> Result<Option<OperatorSet>, ChainError>;
}

/// The route outbox id of `origin → destination`, from the registry's sources.
pub type OutboxOf = Arc<dyn Fn(Domain, Domain) -> Option<B256> + Send + Sync>;

/// The approvers of this operator, by destination, and what it checks before using them.
pub struct Approvals {
    domain: SigningDomain,
    sets: Arc<dyn SetSource>,
    outbox_of: OutboxOf,
    approvers: RwLock<BTreeMap<Domain, Arc<dyn ReleaseApprover>>>,
}

impl fmt::Debug for Approvals {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Approvals").field("domain", &self.domain).finish_non_exhaustive()
    }
}

impl Approvals {
    /// No approvers yet; checkpoints are checked under `domain` against `sets`.
    pub fn new(domain: SigningDomain, sets: Arc<dyn SetSource>, outbox_of: OutboxOf) -> Self {
        Self { domain, sets, outbox_of, approvers: RwLock::new(BTreeMap::new()) }
    }

    /// Replaces the approvers (the registry changed).
    pub fn set_approvers(&self, approvers: Vec<Arc<dyn ReleaseApprover>>) {
        let map = approvers.into_iter().map(|a| (a.domain(), a)).collect();
        *self.approvers.write().unwrap_or_else(std::sync::PoisonError::into_inner) = map;
    }

    /// Destinations this operator approves releases on.
    pub fn domains(&self) -> Vec<Domain> {
        self.approvers
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .keys()
            .copied()
            .collect()
    }

    /// Checks `request` and, when it holds, approves the release.
    pub async fn handle(&self, request: &ApprovalRequest) -> Result<ApprovalStatus, ChainError> {
        let refuse = |reason: String| Ok(ApprovalStatus::Refused { reason });
        let (signed, batch) = (&request.signed, &request.batch);
        let [message] = batch.messages.as_slice() else {
            return refuse(format!("one message per request, got {}", batch.messages.len()));
        };
        let approver = self
            .approvers
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&message.destination)
            .cloned();
        let Some(approver) = approver else {
            return refuse(format!(
                "this operator approves no releases on domain {}",
                message.destination
            ));
        };
        let checkpoint = &signed.checkpoint;
        if checkpoint.origin != message.origin || batch.origin != message.origin {
            return refuse(format!(
                "checkpoint of domain {}, message from domain {}",
                checkpoint.origin, message.origin
            ));
        }
        if outbox_destination(&checkpoint.outbox) != message.destination {
            return refuse("the checkpoint is of another route".into());
        }
        match (self.outbox_of)(message.origin, message.destination) {
            Some(outbox) if outbox == checkpoint.outbox => {}
            Some(outbox) => {
                return refuse(format!(
                    "checkpoint outbox {} is not the route's outbox {outbox}",
                    checkpoint.outbox
                ));
            }
            None => return refuse(format!("domain {} is not connected", message.origin)),
        }
        match self.sets.operator_set(checkpoint.epoch).await? {
            Some(set) if set == signed.set => {}
            Some(_) => {
                return refuse(format!(
                    "the operator set sent for epoch {} is not the hub's",
                    checkpoint.epoch
                ));
            }
            None => {
                return refuse(format!(
                    "the hub has no operator set for epoch {}",
                    checkpoint.epoch
                ));
            }
        }
        if let Err(e) = signed.verify(&self.domain) {
            return refuse(format!("not attested: {e}"));
        }
        let count = u64::from(checkpoint.index) + 1;
        if batch.root != checkpoint.root || batch.count != count {
            return refuse("the proof is not against the signed root".into());
        }
        match range_root(&[message.id()], u64::from(message.nonce), count, &batch.proof) {
            Ok(root) if root == checkpoint.root => {}
            Ok(_) => return refuse("the proof does not lead to the signed root".into()),
            Err(e) => return refuse(format!("bad proof: {e}")),
        }
        approver.approve(message).await
    }
}
