//! Causeway indexer: follows origin chains into a SQL store and serves what the relayer,
//! operators and people need from it.
//!
//! Owns:
//! - [`store`]: the sea-orm store (SQLite file by default, PostgreSQL by URL, same code) and its
//!   [`migration`]s; every cursor moves in the same transaction as the rows it covers;
//! - [`follower`]: one task per domain reading a [`causeway_core::MessageSource`] in adaptive
//!   ranges, keeping unfinalized rows with block hashes and rolling them back on reorg, halting
//!   on a reorg below finality;
//! - [`proofs`]: the per-route outbox trees (ADR 0003) rebuilt from stored leaves, serving
//!   branches and range proofs;
//! - [`api`]: the HTTP API (axum, OpenAPI), `/health`, `/ready`, `/metrics`.
//!
//! It does not talk to chains itself (adapters implement `MessageSource`), sign, or deliver
//! (the operator and relayer do, reading and writing this store). Wiring to the config and the
//! supervisor lives in `cli/`.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod api;
pub mod entity;
pub mod error;
pub mod follower;
pub mod metrics;
pub mod migration;
pub mod proofs;
pub mod store;

pub use api::{ApiState, router, serve};
pub use error::{FollowError, ProofError, StoreError};
pub use follower::{FollowerConfig, RANGE_LIMIT_CONTEXT, follow, is_range_limit};
pub use proofs::{RouteProof, RouteTrees, TreeCacheConfig};
pub use store::{
    CheckpointRecord, Cursor, DeliveryRecord, IngestSummary, MessageFilter, MessageRecord,
    MessageStatus, OperatorRecord, RollbackSummary, Store, StoreOptions, StoredBlock,
};
