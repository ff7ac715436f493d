//! Errors of the store and of the proofs served from it.

use causeway_core::{B256, Domain, TreeError};
use sea_orm::DbErr;

/// A store operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database rejected or failed a statement.
    #[error("database error: {0}")]
    Db(#[from] DbErr),
    /// The database could not be opened or migrated.
    #[error("cannot open the store at {url}: {source}")]
    Connect {
        /// The URL, with any password removed.
        url: String,
        /// Why.
        #[source]
        source: DbErr,
    },
    /// A domain was used before [`crate::Store::ensure_domain`] registered it.
    #[error("domain {0} is not registered in the store (the follower registers it when it starts)")]
    UnknownDomain(Domain),
    /// A rollback would delete blocks the store already holds as final.
    #[error(
        "refusing to roll back domain {domain} from block {from}: blocks up to {finalized} are \
         final; a reorg below finality needs a person to look (the follower halts)"
    )]
    BelowFinality {
        /// Domain.
        domain: Domain,
        /// First block that would be deleted.
        from: u64,
        /// Finalized height stored.
        finalized: u64,
    },
    /// A block is already stored at this height with another hash (a reorg not rolled back).
    #[error(
        "block {number} of domain {domain} is stored with hash {stored} but the ingest has \
         {given}; roll back from {number} first"
    )]
    BlockConflict {
        /// Domain.
        domain: Domain,
        /// Height.
        number: u64,
        /// Stored hash.
        stored: B256,
        /// Hash in the ingest.
        given: B256,
    },
    /// Ingest input that does not fit the domain or itself.
    #[error("invalid ingest for domain {domain}: {reason}")]
    InvalidIngest {
        /// Domain.
        domain: Domain,
        /// What is wrong.
        reason: String,
    },
    /// A route's stored leaves are not consecutive from nonce 0.
    #[error(
        "route {origin}->{destination}: leaf {expected} is missing (found nonce {found}); the \
         indexer must start at or before the route's first message"
    )]
    Gap {
        /// Origin.
        origin: Domain,
        /// Destination.
        destination: Domain,
        /// Nonce expected next.
        expected: u64,
        /// Nonce found instead.
        found: u64,
    },
    /// A read-only command found a store that is not migrated (it changes nothing).
    #[error(
        "the store at {url} is not migrated ({} pending: {}); start the indexer or the relayer \
         once, which migrates it",
        pending.len(),
        pending.join(", ")
    )]
    NotMigrated {
        /// The store, password redacted.
        url: String,
        /// Migrations not applied.
        pending: Vec<String>,
    },
    /// A message id the store does not hold.
    #[error("message {0} is not in the store")]
    NotFound(B256),
    /// A change a person asked for that would falsify a message's state (a delivered message
    /// skipped or retried, a delivery in flight changed).
    #[error("message {id} is {status}; {why}")]
    Refused {
        /// The message.
        id: B256,
        /// Its current status.
        status: String,
        /// Why the change is refused.
        why: &'static str,
    },
    /// A number too large for its column.
    #[error("{what} = {value} does not fit the store's signed 64-bit column")]
    OutOfRange {
        /// Which value.
        what: &'static str,
        /// The value.
        value: u128,
    },
    /// A stored row that cannot be decoded (wrong byte length, unknown status).
    #[error("corrupt row in {table}: {reason}")]
    Corrupt {
        /// Table.
        table: &'static str,
        /// What is wrong.
        reason: String,
    },
}

/// A proof could not be served.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProofError {
    /// Reading leaves failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The tree refused (index or count beyond the stored leaves).
    #[error("route {origin}->{destination}: {source}")]
    Tree {
        /// Origin.
        origin: Domain,
        /// Destination.
        destination: Domain,
        /// Why.
        #[source]
        source: TreeError,
    },
    /// The tree-building task panicked or was cancelled.
    #[error("tree building task failed: {0}")]
    Task(String),
}
