//! Causeway devnet: real local chains for the demo, the end-to-end tests and the benchmarks.
//!
//! [`net`] starts a list of anvil chains (the first is the hub), deploys and wires every
//! contract, registers operators with unequal stake and writes a configuration that runs each
//! role against them; chains join and leave while the roles run. [`scenario`] sends messages and
//! tokens between them and waits for their delivery; [`roles`] starts the roles in-process over
//! the devnet's configuration; [`substrate`] adds chopsticks chains joined through an escrow.
//!
//! This crate owns everything that launches nodes (alloy's `node-bindings`, the toolchain
//! installer); the production roles in `causeway-node` compile neither.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod net;
pub mod roles;
pub mod scenario;
pub mod substrate;

pub use net::{ChainSpec, Devnet, DevnetChain, DevnetOperator, DevnetOptions, HUB, STAKES};
pub use substrate::{DevnetSubstrate, SubstrateSpec};
