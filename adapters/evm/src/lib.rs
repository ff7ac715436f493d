//! Causeway's EVM adapter.
//!
//! Owns everything that talks to an EVM chain through alloy: the contract bindings (`sol!` over
//! the committed ABI JSON in `abi/`), [`EvmSource`] (a `MessageSource` over an origin's Mailbox
//! logs and state) and [`EvmSink`] (a `MessageSink` submitting checkpoints and batches to a
//! destination's Mailbox), and the mapping of alloy failures to the core error kinds. It does not
//! own protocol rules (those are in `causeway-core`) or any storage.
//!
//! Transport: plain HTTP only (no TLS, no WebSocket) so local builds skip the C crypto stack;
//! production RPC over TLS will be a cargo feature.

pub mod bindings;
pub mod deploy;
pub mod error;
pub mod provider;
pub mod registry;
pub mod sink;
pub mod source;

pub use bindings::Mailbox;
pub use causeway_core::route_outbox;
pub use deploy::{DeployError, HubDeployment, HubParams, RemoteDeployment, RemoteParams};
pub use provider::connect_http;
pub use registry::{AnnouncedOperator, RegistryReader};
pub use sink::EvmSink;
pub use source::{EvmFinality, EvmSource, FinalityRule};
