//! Causeway node wiring.
//!
//! The one place that turns a validated [`causeway_config::Config`] into running roles: it picks
//! the adapter per chain kind, builds sources, sinks and the operator directory, and starts the
//! indexer ([`roles::spawn_indexer`]), an operator ([`roles::spawn_operator`]) and the relayer
//! ([`roles::spawn_relayer`]) under one [`roles::Supervisor`] (a cancellation token and a task
//! tracker: Ctrl-C cancels, every task finishes its step and is awaited). [`devnet`] starts two
//! local anvil chains, deploys and wires every contract and registers operators; [`scenario`]
//! sends messages and tokens both ways and waits for their delivery. The `causeway` binary, the
//! end-to-end tests and the throughput benchmark all use this crate.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod devnet;
pub mod roles;
pub mod scenario;
pub mod wiring;

pub use roles::Supervisor;
