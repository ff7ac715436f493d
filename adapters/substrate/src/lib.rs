//! Causeway's Substrate adapter (subxt on the legacy backend).
//!
//! - [`SubstrateSource`]: Causeway dispatches (`utility.batch_all([balances.transfer_keep_alive(
//!   escrow, amount), system.remark_with_event(payload)])`, [`payload`]) decoded from successful
//!   signed extrinsics in block order, for the chain's virtual outbox; anything malformed is a
//!   [`causeway_core::chain::Rejected`] with its reason.
//! - [`SubstrateFinality`]: GRANDPA-finalized heads.
//! - [`SubstrateSink`] and [`SubstrateApprover`]: releases from the multisig escrow
//!   ([`escrow`]), approved by each operator after it checked the message is attested.
//! - [`Client`]: one connection, checked on connect against the configured runtime, SS58 prefix
//!   and decimals.

mod account;
mod approver;
mod client;
mod decode;
mod error;
pub mod escrow;
mod finality;
pub mod payload;
mod sink;
mod source;
pub mod tx;

pub use account::{parse_ss58, to_ss58};
pub use approver::{SubstrateApprover, operator_account};
pub use client::{Cfg, ChainInfo, Client, Expected};
pub use finality::{FinalityRule, SubstrateFinality};
pub use payload::{Payload, PayloadKind};
pub use sink::{ApprovalPeers, SubstrateSink};
pub use source::{SubstrateSource, virtual_base};
