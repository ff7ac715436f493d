//! Causeway indexer: follows origin chains into the store and serves what the relayer,
//! operators and people need from it.
//!
//! Owns:
//! - [`follower`]: one task per domain reading a [`causeway_core::MessageSource`] in adaptive
//!   ranges, keeping unfinalized rows with block hashes and rolling them back on reorg, halting
//!   on a reorg below finality;
//! - [`api`]: the HTTP API (axum, OpenAPI), `/health`, `/ready`, `/metrics`.
//!
//! It does not own the database (`causeway-store`: entities, migrations, queries, route trees),
//! talk to chains itself (adapters implement `MessageSource`), sign, or deliver (the operator
//! and relayer do). Wiring to the config and the supervisor lives in `causeway-node`.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod api;
pub mod error;
pub mod follower;
pub mod health;
pub mod metrics;

pub use api::{ApiState, router, serve};
pub use error::FollowError;
pub use follower::{FollowerConfig, follow};
pub use health::Health;
