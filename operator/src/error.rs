//! Errors of the operator node.

use causeway_core::{Address, B256, ChainError, Domain, checkpoint::SignatureError};
use sea_orm::DbErr;

/// Why the operator did not sign, store or read something.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OperatorError {
    /// This slot was already signed with another root; signing again would be equivocation.
    #[error(
        "refusing to sign origin {origin} outbox {outbox} index {index} epoch {epoch} with root \
         {requested_root}: root {stored_root} is already signed for that slot (signing both is \
         slashable equivocation)"
    )]
    Conflict {
        /// Origin domain.
        origin: Domain,
        /// Route outbox.
        outbox: B256,
        /// Leaf index (`count - 1`).
        index: u32,
        /// Epoch.
        epoch: u64,
        /// Root already signed.
        stored_root: B256,
        /// Root asked for now.
        requested_root: B256,
    },
    /// The route is halted; a person must look and run `resume`.
    #[error(
        "refusing to sign for origin {origin} outbox {outbox}: the route is halted ({reason}); \
         it never resumes by itself, a person must check the chain and resume it"
    )]
    Halted {
        /// Origin domain.
        origin: Domain,
        /// Route outbox.
        outbox: B256,
        /// Why it was halted.
        reason: String,
    },
    /// The slot was signed before by another key (the log belongs to one operator key).
    #[error(
        "the signed log holds a signature by {stored} for origin {origin} index {index}, but the \
         key in use is {current}: one signed log per operator key"
    )]
    KeyMismatch {
        /// Origin domain.
        origin: Domain,
        /// Leaf index.
        index: u32,
        /// Signer stored in the log.
        stored: Address,
        /// Signer of the key passed in.
        current: Address,
    },
    /// The signed log could not be opened or its tables created.
    #[error("cannot open the operator's signed log at {url}: {source}")]
    Open {
        /// Database URL.
        url: String,
        /// Why.
        #[source]
        source: DbErr,
    },
    /// Only SQLite is supported for the signed log so far.
    #[error("the signed log needs a sqlite:// URL, got {0}")]
    UnsupportedUrl(String),
    /// The database failed a statement.
    #[error("signed log database error: {0}")]
    Db(#[from] DbErr),
    /// A stored row does not decode (wrong length, negative number).
    #[error("corrupt row in the signed log: {0}")]
    Corrupt(String),
    /// A number does not fit the database's signed 64-bit integer.
    #[error("{what} = {value} does not fit in a signed 64-bit database column")]
    OutOfRange {
        /// Which value.
        what: &'static str,
        /// The value.
        value: u64,
    },
    /// The key could not sign.
    #[error("signing failed: {0}")]
    Sign(#[from] SignatureError),
    /// The origin chain could not be read.
    #[error(transparent)]
    Chain(#[from] ChainError),
}
