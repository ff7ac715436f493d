//! Errors of the follower.

use causeway_core::{ChainError, Domain};
use causeway_store::StoreError;

/// Why a follower stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FollowError {
    /// A store failure (includes [`StoreError::BelowFinality`], a reorg below finality).
    #[error("domain {domain}: {source}")]
    Store {
        /// Domain.
        domain: Domain,
        /// Why.
        #[source]
        source: StoreError,
    },
    /// The source failed in a way retrying will not fix.
    #[error("domain {domain}: source failed permanently: {source}")]
    Source {
        /// Domain.
        domain: Domain,
        /// Why.
        #[source]
        source: ChainError,
    },
    /// The source kept failing (an RPC gone, a chain stopped) for longer than the follower's
    /// `give_up_after`.
    #[error("domain {domain}: the chain has not answered for {secs} s, giving up: {last}")]
    GaveUp {
        /// Domain.
        domain: Domain,
        /// How long it failed.
        secs: u64,
        /// The last failure.
        last: String,
    },
    /// The chain contradicts itself or what is final (e.g. a final block changed hash).
    #[error("domain {domain}: {reason}; halting, do not resume without checking the chain")]
    Halt {
        /// Domain.
        domain: Domain,
        /// What happened.
        reason: String,
    },
}

impl FollowError {
    /// Whether this is a reorg below finality (the store refused to roll back).
    pub fn is_below_finality(&self) -> bool {
        matches!(self, Self::Store { source: StoreError::BelowFinality { .. }, .. })
    }
}
