//! Causeway store: the one database every role shares.
//!
//! Owns:
//! - [`Store`] over a sea-orm connection (a SQLite file by default, PostgreSQL by URL, same
//!   code), its [`entity`] definitions and [`migration`]s; every cursor moves in the same
//!   transaction as the rows it covers;
//! - the queries of each role: chain ingest, finality and rollback (the indexer), message state,
//!   checkpoints, deliveries and retry state (the relayer), operators (the API);
//! - [`proofs`]: the per-route outbox trees (ADR 0003) rebuilt from stored leaves, serving
//!   branches and range proofs to the relayer and the API.
//!
//! It does not talk to chains, sign, deliver or serve HTTP: the indexer, operator and relayer
//! crates do, each depending on this one rather than on each other.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod db;
pub mod entity;
pub mod error;
pub mod migration;
pub mod proofs;
#[cfg(feature = "testing")]
pub mod testing;

pub use db::{
    AttemptRecord, CheckpointRecord, Cursor, DeliveryRecord, IngestSummary, MessageFilter,
    MessageRecord, MessageStatus, OperatorRecord, RollbackSummary, Store, StoreOptions,
    StoredBlock, Submitted, now_ms, outbox_destination,
};
pub use error::{ProofError, StoreError};
pub use proofs::{RouteProof, RouteTrees, TreeCacheConfig};
