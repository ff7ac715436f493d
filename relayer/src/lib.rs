//! Causeway relayer.
//!
//! Owns delivery: for one destination, [`Relayer`] takes the final, due messages from the store,
//! asks the announced operators for their signatures of each origin's route ([`QuorumCollector`]:
//! concurrently, each with a timeout, so a slow or dead operator does not stall delivery while
//! the others make a quorum), submits the checkpoint when the destination lacks its root, and
//! delivers consecutive messages in one `processBatch` with a range proof built from the store's
//! leaves. Every message's retry state lives in the store (attempts, next attempt, reason,
//! final `failed` state), so a restarted relayer carries on where the last one stopped; the
//! destination's `delivered` bit is read before each send, so a message delivered before a crash
//! (or by another relayer) is recorded, never sent twice.
//!
//! It does not own chain access (any `causeway_core::MessageSink`), the operator list (any
//! [`OperatorDirectory`]), configuration or process supervision (`causeway-node` wires those).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod error;
pub mod metrics;
pub mod pipeline;
pub mod quorum;
pub mod retry;

pub use causeway_core::wire::SignatureView;
pub use error::RelayError;
pub use pipeline::{Relayer, RelayerSettings, TickReport};
pub use quorum::{Collected, OperatorDirectory, OperatorEndpoint, QuorumCollector};
pub use retry::RetryPolicy;
