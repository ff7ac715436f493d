//! Hand-written sea-orm entities, one module per table (schema in [`crate::migration`]).
//!
//! Conventions, identical on SQLite and PostgreSQL: domain ids, nonces, block numbers and
//! millisecond timestamps are `BIGINT` (`i64`; PostgreSQL has no unsigned types, and every
//! value we store fits); hashes, addresses and bodies are binary (`BLOB` / `BYTEA`); stake and
//! token amounts (`u128`) are decimal strings; enums are short lowercase strings.

/// `domains`: one row per followed chain, holding its cursor.
pub mod domains {
    use sea_orm::entity::prelude::*;

    /// A followed domain and how far it is indexed.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "domains")]
    pub struct Model {
        /// Domain id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        /// Name from the config.
        pub name: String,
        /// Last indexed block number (everything at or below is ingested).
        pub cursor_number: Option<i64>,
        /// Hash of that block.
        pub cursor_hash: Option<Vec<u8>>,
        /// Newest block known final.
        pub finalized_number: Option<i64>,
        /// Last change, unix milliseconds.
        pub updated_at: i64,
    }

    /// No relations are modelled; joins are written where needed.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// `blocks`: blocks that dispatched messages and every range end (the cursor), with hashes.
pub mod blocks {
    use sea_orm::entity::prelude::*;

    /// A block seen while indexing.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "blocks")]
    pub struct Model {
        /// Domain.
        #[sea_orm(primary_key, auto_increment = false)]
        pub domain: i64,
        /// Height.
        #[sea_orm(primary_key, auto_increment = false)]
        pub number: i64,
        /// Hash.
        pub hash: Vec<u8>,
        /// Parent hash, when the source reported it.
        pub parent_hash: Option<Vec<u8>>,
        /// At or below the domain's finalized height.
        pub finalized: bool,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// `messages`: every dispatched message and its delivery state. Also the route trees' leaves.
pub mod messages {
    use sea_orm::entity::prelude::*;

    /// A message and where the relayer is with it.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "messages")]
    pub struct Model {
        /// Message id (keccak of the packed message), 32 bytes.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Vec<u8>,
        /// Origin domain.
        pub origin: i64,
        /// Destination domain.
        pub destination: i64,
        /// Leaf index in the route tree (ADR 0003).
        pub nonce: i64,
        /// Encoding version.
        pub version: i16,
        /// Sender, 32 bytes.
        pub sender: Vec<u8>,
        /// Recipient, 32 bytes.
        pub recipient: Vec<u8>,
        /// Body.
        pub body: Vec<u8>,
        /// Dispatching block.
        pub block_number: i64,
        /// Its hash.
        pub block_hash: Vec<u8>,
        /// Dispatching transaction.
        pub tx_hash: Vec<u8>,
        /// Whether its block is final on the origin (only final messages are relayed).
        pub finalized: bool,
        /// `pending`, `submitted`, `delivered`, `failed`, `skipped`, `denylisted`.
        pub status: String,
        /// Why it is in that status (last error, operator note).
        pub status_reason: Option<String>,
        /// Kind of the last failed attempt (`causeway_core::ErrorKind::as_str`).
        pub error_kind: Option<String>,
        /// Destination block that included the delivering transaction, while `submitted`.
        pub submitted_block: Option<i64>,
        /// That block's hash (a reorg that drops the delivery changes the block at this height).
        pub submitted_block_hash: Option<Vec<u8>>,
        /// Delivery attempts so far.
        pub attempts: i32,
        /// Not before this time (unix ms) will the relayer try again.
        pub next_attempt_at: i64,
        /// Destination transaction that delivered it.
        pub delivered_tx: Option<Vec<u8>>,
        /// First stored, unix ms.
        pub created_at: i64,
        /// Last change, unix ms.
        pub updated_at: i64,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// `attempts`: every failed delivery attempt with its typed reason, for `relayer list` and the
/// API.
pub mod attempts {
    use sea_orm::entity::prelude::*;

    /// One failed attempt.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "attempts")]
    pub struct Model {
        /// Row id.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// Message id, 32 bytes.
        pub message_id: Vec<u8>,
        /// Attempt number, from 1.
        pub attempt: i32,
        /// `causeway_core::ErrorKind::as_str`.
        pub kind: String,
        /// The decoded reason (`RateLimited(2, 10, 5)`) or the error text.
        pub error: String,
        /// When, unix ms.
        pub at: i64,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// `rejections`: dispatches an origin's adapter refused, with the reason.
pub mod rejections {
    use sea_orm::entity::prelude::*;

    /// One refused dispatch.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "rejections")]
    pub struct Model {
        /// Row id.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// Origin domain.
        pub domain: i64,
        /// Block height.
        pub block_number: i64,
        /// Block hash, 32 bytes.
        pub block_hash: Vec<u8>,
        /// Extrinsic hash, 32 bytes.
        pub tx_hash: Vec<u8>,
        /// Position of the extrinsic in its block.
        pub extrinsic_index: i64,
        /// Signing account, 32 bytes.
        pub sender: Vec<u8>,
        /// Why it is not a message.
        pub reason: String,
        /// The raw payload.
        pub data: Vec<u8>,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// `checkpoints`: route checkpoints seen (from operators or on chain).
pub mod checkpoints {
    use sea_orm::entity::prelude::*;

    /// One checkpoint; conflicting roots at one index are separate rows (slashing evidence).
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "checkpoints")]
    pub struct Model {
        /// Row id.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// Origin domain.
        pub origin: i64,
        /// Route outbox (base | destination << 160).
        pub outbox: Vec<u8>,
        /// Destination, decoded from `outbox`.
        pub destination: i64,
        /// Root.
        pub root: Vec<u8>,
        /// Index of the last covered leaf (`count - 1`).
        pub checkpoint_index: i64,
        /// Operator-set epoch.
        pub epoch: i64,
        /// First seen, unix ms.
        pub first_seen: i64,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// `signatures`: operator signatures over a checkpoint.
pub mod signatures {
    use sea_orm::entity::prelude::*;

    /// One operator's signature of one checkpoint.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "signatures")]
    pub struct Model {
        /// `checkpoints.id`.
        #[sea_orm(primary_key, auto_increment = false)]
        pub checkpoint_id: i64,
        /// Signer address, 20 bytes.
        #[sea_orm(primary_key, auto_increment = false)]
        pub operator: Vec<u8>,
        /// 65-byte `r ‖ s ‖ v`.
        pub signature: Vec<u8>,
        /// First seen, unix ms.
        pub first_seen: i64,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// `deliveries`: how each message was delivered.
pub mod deliveries {
    use sea_orm::entity::prelude::*;

    /// A delivery on the destination chain.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "deliveries")]
    pub struct Model {
        /// Message id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub message_id: Vec<u8>,
        /// Destination domain.
        pub destination: i64,
        /// Delivering transaction.
        pub tx_hash: Vec<u8>,
        /// Its block.
        pub block_number: i64,
        /// Its hash (rows from before this column have none).
        pub block_hash: Option<Vec<u8>>,
        /// Gas used by the whole batch transaction, shared evenly.
        pub gas_used: i64,
        /// Fee, decimal string of the destination's smallest unit (rows from before: none).
        pub fee: Option<String>,
        /// Dispatch-to-delivery latency in milliseconds.
        pub latency_ms: i64,
        /// When recorded, unix ms.
        pub delivered_at: i64,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// `operators`: the restaking operators as announced in the registry.
pub mod operators {
    use sea_orm::entity::prelude::*;

    /// One operator.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "operators")]
    pub struct Model {
        /// Operator address, 20 bytes.
        #[sea_orm(primary_key, auto_increment = false)]
        pub address: Vec<u8>,
        /// Address of its current signing key, 20 bytes.
        pub signing_key: Vec<u8>,
        /// Announced signature URL.
        pub url: String,
        /// Stake, decimal string of a `u128`.
        pub stake: String,
        /// `active`, `exiting`, `exited`, `slashed`.
        pub status: String,
        /// Last change, unix ms.
        pub updated_at: i64,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// `commitments`: rollup state commitments posted to the hub.
pub mod commitments {
    use sea_orm::entity::prelude::*;

    /// One state commitment.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "commitments")]
    pub struct Model {
        /// Row id.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// Rollup domain.
        pub rollup: i64,
        /// L2 block.
        pub l2_block: i64,
        /// State root.
        pub state_root: Vec<u8>,
        /// L2 block hash.
        pub block_hash: Vec<u8>,
        /// Outbox root.
        pub outbox_root: Vec<u8>,
        /// Outbox index.
        pub outbox_index: i64,
        /// `proposed`, `attested`, `final`, `challenged`.
        pub status: String,
        /// First seen, unix ms.
        pub first_seen: i64,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// `rollups`: rollups registered in the `RollupRegistry`.
pub mod rollups {
    use sea_orm::entity::prelude::*;

    /// One rollup.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "rollups")]
    pub struct Model {
        /// Assigned domain id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub domain: i64,
        /// Name.
        pub name: String,
        /// The registry config as JSON (vm, stack, da, finality, window, ttl, rent).
        pub config: String,
        /// `active`, `closing`, `closed`.
        pub status: String,
        /// Created, unix ms.
        pub created_at: i64,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// `slashings`: slashing evidence submitted or observed.
pub mod slashings {
    use sea_orm::entity::prelude::*;

    /// One slashing.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "slashings")]
    pub struct Model {
        /// Row id.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// Slashed operator, 20 bytes.
        pub operator: Vec<u8>,
        /// `equivocation`, `false_root`, `premature_root`, `bad_commitment`.
        pub kind: String,
        /// Evidence as JSON.
        pub evidence: String,
        /// Slashing transaction, when submitted.
        pub tx_hash: Option<Vec<u8>>,
        /// Amount slashed, decimal string.
        pub amount: String,
        /// Recorded, unix ms.
        pub created_at: i64,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
