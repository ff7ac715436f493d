//! Causeway node wiring.
//!
//! The one place that turns a validated [`causeway_config::Config`] into running roles: the
//! [`ChainRegistry`] (the one `match` on chain kind, building each domain's source, finality and
//! sink; domains added and removed at run time, [`reload`] picks them up from the config file),
//! and the indexer ([`roles::spawn_indexer`]), an operator ([`roles::spawn_operator`]) and the
//! relayer ([`roles::spawn_relayer`]) over it, under one [`Supervisor`] (named critical tasks: one
//! that fails stops the process; Ctrl-C and SIGTERM stop it gracefully). The local devnet lives
//! in `causeway-devnet`, not here: a production build of the roles compiles no toolchain
//! installer and no node launcher.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod finality;
pub mod registry;
pub mod reload;
pub mod roles;
pub mod supervisor;
pub mod wiring;

pub use registry::{ChainHandle, ChainRegistry};
pub use supervisor::{Supervisor, TaskFailure};
