//! Causeway operator node.
//!
//! Owns what one operator does with its key: [`Signer`] reads each watched route's outbox at the
//! origin's finalized block and signs its checkpoint, [`SignedLog`] persists every signature so
//! the operator never signs two roots for one (origin, outbox, index, epoch) slot, and
//! [`server`] serves the signatures over HTTP with `/health`, `/ready` and `/metrics`.
//!
//! Safety rules (validators of other bridges signed before finality and produced conflicting
//! checkpoints after reorgs): sign only at finality;
//! refuse a conflicting root for a slot already signed; on a reorg below finality halt the
//! origin's routes and record why; a halted route resumes only when a person calls
//! [`SignedLog::resume`].
//!
//! It does not own key loading, configuration, registration with the `RestakingRegistry`, or the
//! watchtower (the CLI and later crates do), and it does not talk to a chain except through
//! `causeway_core::MessageSource`.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod approvals;
pub mod error;
pub mod log;
pub mod metrics;
pub mod server;
pub mod signer;
pub mod state;

pub use approvals::{Approvals, SetSource};
pub use error::OperatorError;
pub use log::{HaltRecord, SignOutcome, SignedLog, SignedRecord};
pub use server::{router, serve};
pub use signer::{EpochFn, Signer, fixed_epoch};
pub use state::{OperatorState, RouteStatus};
