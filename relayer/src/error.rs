//! Errors of the relayer.

use causeway_core::{ChainError, Domain};
use causeway_store::{ProofError, StoreError};

/// A failure of one relaying step, with the route it concerns.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RelayError {
    /// The store could not be read or written.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// A proof could not be built from the stored leaves.
    #[error("proof for route {origin} -> {destination}: {source}")]
    Proof {
        /// Origin.
        origin: Domain,
        /// Destination.
        destination: Domain,
        /// Why.
        #[source]
        source: ProofError,
    },
    /// A chain call failed.
    #[error("{0}")]
    Chain(#[from] ChainError),
    /// The operator directory (registry) could not be read.
    #[error("operator directory: {0}")]
    Directory(#[source] ChainError),
    /// The store's tree disagrees with the root the operators signed: the store is behind or on
    /// another fork; nothing is sent until they agree.
    #[error(
        "route {origin} -> {destination}: the stored leaves give root {stored} at {count} leaves, \
         the operators signed {signed}"
    )]
    RootMismatch {
        /// Origin.
        origin: Domain,
        /// Destination.
        destination: Domain,
        /// Leaves.
        count: u64,
        /// Root from the store's leaves.
        stored: causeway_core::B256,
        /// Root the quorum signed.
        signed: causeway_core::B256,
    },
}
