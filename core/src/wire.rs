//! What an operator serves and a relayer asks for: the one definition of the operator ⇄ relayer
//! wire format, so the two roles cannot drift apart.
//!
//! An operator serves `GET {base}/checkpoints/{origin}/{destination}/latest` (its newest
//! checkpoint of the route) and `GET {base}/checkpoints/{origin}/{destination}/{index}` (the
//! signature it stored for that leaf index), each answered with a [`SignatureView`] as JSON
//! (hex strings), or 404 when it signed nothing there.

use alloy_primitives::Address;
use serde::{Deserialize, Serialize};

use crate::{Checkpoint, Domain, SignatureBytes};

/// The route pattern of the checkpoint endpoint, as an HTTP router spells it.
pub const CHECKPOINT_ROUTE: &str = "/checkpoints/{origin}/{destination}/{which}";

/// Which checkpoint of a route to ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// The newest one the operator signed.
    Latest,
    /// The one at this leaf index.
    Index(u32),
}

/// The path of the checkpoint endpoint for a route (no leading slash, so it joins a base URL
/// with or without a trailing one).
pub fn checkpoint_path(origin: Domain, destination: Domain, which: Which) -> String {
    match which {
        Which::Latest => format!("checkpoints/{origin}/{destination}/latest"),
        Which::Index(index) => format!("checkpoints/{origin}/{destination}/{index}"),
    }
}

/// One operator's signature of one checkpoint, as its server sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureView {
    /// The checkpoint.
    pub checkpoint: Checkpoint,
    /// The operator's signing address.
    pub signer: Address,
    /// 65-byte `r ‖ s ‖ v` signature of the checkpoint's EIP-712 digest.
    pub signature: SignatureBytes,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_match_the_route_pattern() {
        assert_eq!(checkpoint_path(1, 2, Which::Latest), "checkpoints/1/2/latest");
        assert_eq!(checkpoint_path(1, 2, Which::Index(7)), "checkpoints/1/2/7");
        let pattern = CHECKPOINT_ROUTE.trim_start_matches('/');
        assert_eq!(
            pattern.split('/').count(),
            checkpoint_path(1, 2, Which::Latest).split('/').count()
        );
    }
}

/// The route of the approval endpoint: `POST {base}/approvals` with an [`ApprovalRequest`],
/// answered with an [`ApprovalStatus`] (200), or 404 when the operator approves releases on no
/// chain. Only destinations whose sink is a multisig escrow use it (Substrate chains).
pub const APPROVAL_ROUTE: &str = "/approvals";

/// The path of the approval endpoint (no leading slash).
pub const APPROVAL_PATH: &str = "approvals";

/// A relayer asking an operator to approve the release of a message: the quorum-signed
/// checkpoint of its route and the message with its proof. The operator trusts none of it: it
/// checks the signatures against the operator set it reads from the hub and the proof against
/// the signed root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalRequest {
    /// The checkpoint and its quorum of signatures.
    pub signed: crate::chain::SignedCheckpoint,
    /// One message and its proof against the checkpoint's root.
    pub batch: crate::chain::DeliveryBatch,
}

/// What an operator did about a release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ApprovalStatus {
    /// This operator's approval is on chain; more are needed.
    Approved {
        /// Its extrinsic.
        tx_hash: alloy_primitives::B256,
        /// Approvals now in.
        approvals: u32,
        /// Approvals needed.
        threshold: u32,
    },
    /// The release executed (now, by this approval, or before).
    Executed {
        /// The extrinsic that executed it.
        tx_hash: alloy_primitives::B256,
        /// Its block.
        block: crate::chain::BlockRef,
        /// What that extrinsic paid, smallest native unit.
        fee: u128,
    },
    /// This operator approved earlier; the others have not all followed.
    AlreadyApproved {
        /// Approvals in.
        approvals: u32,
        /// Approvals needed.
        threshold: u32,
    },
    /// This operator will not approve it, and why (not attested, not a transfer, …).
    Refused {
        /// Why.
        reason: String,
    },
}
