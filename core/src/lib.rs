//! Causeway protocol core.
//!
//! Owns what every other crate and the Solidity contracts must agree on, byte for byte:
//! - [`message`]: the packed message format and its id;
//! - [`merkle`]: the depth-32 incremental outbox tree and its proofs;
//! - [`outbox`]: route outbox ids and the off-chain outbox of origins without an on-chain tree;
//! - [`checkpoint`]: checkpoints and their EIP-712 digest, signing helpers;
//! - [`quorum`]: stake-weighted quorum verification with exact rejection reasons;
//! - [`chain`]: the traits chain adapters implement and the error kinds they report;
//! - [`vectors`]: the golden test vectors shared with the contracts;
//! - [`wire`]: the operator ⇄ relayer wire format (paths and the signature answer).
//!
//! It does not talk to any chain, database or async runtime: no alloy provider, no subxt, no
//! sea-orm, no tokio. Those live in the adapters and roles that implement the traits here.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod chain;
pub mod checkpoint;
pub mod merkle;
pub mod message;
pub mod outbox;
pub mod quorum;
pub mod vectors;
pub mod wire;

pub use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
pub use chain::{ChainError, ErrorKind, FinalityOracle, MessageSink, MessageSource, OutboxKind};
pub use checkpoint::{Checkpoint, OperatorKey, SignatureBytes, SigningDomain};
pub use merkle::{Branch, MAX_LEAVES, MerkleTree, TREE_DEPTH, TreeError, branch_root};
pub use message::{Domain, MESSAGE_VERSION, Message, MessageError};
pub use outbox::{OutboxError, VirtualOutbox, outbox_destination, route_outbox};
pub use quorum::{Operator, OperatorSet, QuorumError, QuorumReport};
