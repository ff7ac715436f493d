//! The store: one [`Store`] over a sea-orm connection, SQLite or PostgreSQL by URL.
//!
//! Every write that moves a cursor writes the rows the cursor covers in the same transaction
//! (STYLE "idempotency over exactly-once"), and re-running a write with the same input leaves the
//! store as it was. This file holds connection, chain ingest, finality and rollback; relayer and
//! API reads and writes are in `relay` (messages, checkpoints) and `ops` (deliveries, operators).

mod convert;
mod ops;
mod relay;

use std::{
    collections::BTreeMap,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use causeway_core::{B256, Domain, chain::BlockRef, chain::DispatchedMessage};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
    sea_query::Expr,
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
};
use sea_orm_migration::MigratorTrait;

pub use self::convert::now_ms;
use self::convert::{b256, i64_of, u64_of};
pub use self::{
    ops::{DeliveryRecord, OperatorRecord},
    relay::{
        AttemptRecord, CheckpointRecord, MessageFilter, MessageRecord, MessageStatus, Submitted,
        outbox_destination,
    },
};
use crate::{
    entity::{blocks, domains, messages},
    error::StoreError,
    migration::Migrator,
};

/// Rows per multi-row INSERT (messages have 19 columns; SQLite allows 32,766 parameters).
const INSERT_CHUNK: usize = 500;

/// How to open the store.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// `sqlite://path/to/indexer.db?mode=rwc` or `postgres://user@host:5432/db`.
    pub url: String,
    /// PostgreSQL schema to use (`search_path`); the schema must exist. Ignored for SQLite.
    pub schema: Option<String>,
    /// Connection pool size (forced to 1 for an in-memory SQLite database).
    pub max_connections: u32,
    /// How long SQLite waits on a locked database before failing.
    pub busy_timeout: Duration,
    /// Run pending migrations on connect (the roles); `false` for read-only commands, which
    /// then refuse a store that is not migrated instead of changing it.
    pub migrate: bool,
}

impl StoreOptions {
    /// Defaults for `url`: 8 connections, 5 s busy timeout, default schema.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            schema: None,
            max_connections: 8,
            busy_timeout: Duration::from_secs(5),
            migrate: true,
        }
    }
}

/// A block as the store keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredBlock {
    /// Number and hash.
    pub block: BlockRef,
    /// Parent hash, when known.
    pub parent: Option<B256>,
    /// Whether it is at or below the domain's finalized height.
    pub finalized: bool,
}

/// Where a domain's indexing stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// Domain.
    pub domain: Domain,
    /// Name from the config.
    pub name: String,
    /// Last indexed block; `None` before the first ingest.
    pub block: Option<BlockRef>,
    /// Newest block known final.
    pub finalized: Option<u64>,
}

/// What an ingest wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IngestSummary {
    /// New block rows.
    pub blocks: u64,
    /// New message rows (re-ingested ones are not counted).
    pub messages: u64,
}

/// What a rollback deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RollbackSummary {
    /// Message rows deleted.
    pub messages: u64,
    /// Block rows deleted.
    pub blocks: u64,
    /// The cursor after the rollback.
    pub cursor: Option<BlockRef>,
}

/// The shared database. Cheap to clone (a connection pool).
#[derive(Debug, Clone)]
pub struct Store {
    db: DatabaseConnection,
    /// Bumped by every rollback in this process, so proof caches know to rebuild.
    rollbacks: Arc<AtomicU64>,
}

impl Store {
    /// Opens (creating if needed) the store at `url` and runs pending migrations.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(StoreOptions::new(url)).await
    }

    /// Opens the store with explicit options and runs pending migrations.
    pub async fn connect_with(options: StoreOptions) -> Result<Self, StoreError> {
        let redacted = redact(&options.url);
        let in_memory = options.url.contains(":memory:") || options.url.contains("mode=memory");
        let mut opt = ConnectOptions::new(options.url.clone());
        // SQLite has one writer; a deferred transaction that upgrades to a write while another
        // connection writes fails at once with SQLITE_BUSY (the busy timeout does not apply),
        // so one connection serialises the store's work instead. PostgreSQL uses the pool.
        let sqlite = options.url.starts_with("sqlite:");
        opt.sqlx_logging(false).max_connections(if in_memory || sqlite {
            1
        } else {
            options.max_connections
        });
        if let Some(schema) = &options.schema {
            opt.set_schema_search_path(schema.clone());
        }
        let busy = options.busy_timeout;
        opt.map_sqlx_sqlite_opts(move |o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(busy)
        });
        let db = Database::connect(opt)
            .await
            .map_err(|source| StoreError::Connect { url: redacted.clone(), source })?;
        if options.migrate {
            Migrator::up(&db, None)
                .await
                .map_err(|source| StoreError::Connect { url: redacted, source })?;
        } else {
            let pending = Migrator::get_pending_migrations(&db)
                .await
                .map_err(|source| StoreError::Connect { url: redacted.clone(), source })?;
            if !pending.is_empty() {
                return Err(StoreError::NotMigrated {
                    url: redacted,
                    pending: pending.iter().map(|m| m.name().to_owned()).collect(),
                });
            }
        }
        Ok(Self { db, rollbacks: Arc::new(AtomicU64::new(0)) })
    }

    /// The underlying connection (for tests and query plans).
    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Number of rollbacks this process performed (proof caches compare it).
    pub fn rollback_generation(&self) -> u64 {
        self.rollbacks.load(Ordering::Acquire)
    }

    /// Checks the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.db.ping().await.map_err(StoreError::from)
    }

    /// Registers `domain` (or renames it) without touching its cursor.
    pub async fn ensure_domain(&self, domain: Domain, name: &str) -> Result<(), StoreError> {
        let model = domains::ActiveModel {
            id: Set(i64::from(domain)),
            name: Set(name.to_owned()),
            cursor_number: Set(None),
            cursor_hash: Set(None),
            finalized_number: Set(None),
            updated_at: Set(now_ms()),
        };
        domains::Entity::insert(model)
            .on_conflict(
                sea_orm::sea_query::OnConflict::column(domains::Column::Id)
                    .update_column(domains::Column::Name)
                    .to_owned(),
            )
            .exec_without_returning(&self.db)
            .await?;
        Ok(())
    }

    /// Where `domain` stands; `None` when it is not registered.
    pub async fn cursor(&self, domain: Domain) -> Result<Option<Cursor>, StoreError> {
        let row = domains::Entity::find_by_id(i64::from(domain)).one(&self.db).await?;
        row.map(cursor_of).transpose()
    }

    /// Every registered domain's cursor.
    pub async fn cursors(&self) -> Result<Vec<Cursor>, StoreError> {
        let rows = domains::Entity::find().order_by_asc(domains::Column::Id).all(&self.db).await?;
        rows.into_iter().map(cursor_of).collect()
    }

    /// Writes `blocks`, `messages` and the new cursor of `domain` in one transaction.
    ///
    /// The blocks of the messages and `new_cursor` are stored too, so the cursor's hash can be
    /// checked against the chain later. Rows already present are left alone (re-ingesting the
    /// same range is a no-op); a block stored with another hash at the same height is refused
    /// ([`StoreError::BlockConflict`]): roll back first.
    pub async fn ingest(
        &self,
        domain: Domain,
        blocks: &[StoredBlock],
        messages: &[DispatchedMessage],
        new_cursor: BlockRef,
    ) -> Result<IngestSummary, StoreError> {
        let invalid = |reason: String| StoreError::InvalidIngest { domain, reason };
        let mut wanted: BTreeMap<u64, (B256, Option<B256>)> = BTreeMap::new();
        let mut add = |block: BlockRef, parent: Option<B256>| -> Result<(), StoreError> {
            if block.number > new_cursor.number {
                return Err(invalid(format!(
                    "block {} is above the new cursor {}",
                    block.number, new_cursor.number
                )));
            }
            let entry = wanted.entry(block.number).or_insert((block.hash, parent));
            if entry.0 != block.hash {
                return Err(invalid(format!(
                    "block {} appears with two hashes, {} and {}",
                    block.number, entry.0, block.hash
                )));
            }
            entry.1 = entry.1.or(parent);
            Ok(())
        };
        for b in blocks {
            add(b.block, b.parent)?;
        }
        for m in messages {
            if m.message.origin != domain {
                return Err(invalid(format!("message {} has origin {}", m.id, m.message.origin)));
            }
            if m.message.id() != m.id {
                return Err(invalid(format!("message {} does not hash to its id", m.id)));
            }
            add(m.block, None)?;
        }
        add(new_cursor, None)?;

        let txn = self.db.begin().await?;
        let row = domains::Entity::find_by_id(i64::from(domain))
            .one(&txn)
            .await?
            .ok_or(StoreError::UnknownDomain(domain))?;
        let finalized = row.finalized_number.map(u64_of).transpose()?;
        let is_final = |n: u64| finalized.is_some_and(|f| n <= f);

        let numbers: Vec<i64> =
            wanted.keys().map(|n| i64_of("block number", *n)).collect::<Result<_, _>>()?;
        let mut block_rows = Vec::new();
        for chunk in numbers.chunks(INSERT_CHUNK) {
            let existing = blocks::Entity::find()
                .filter(blocks::Column::Domain.eq(i64::from(domain)))
                .filter(blocks::Column::Number.is_in(chunk.iter().copied()))
                .all(&txn)
                .await?;
            for stored in existing {
                let number = u64_of(stored.number)?;
                let stored_hash = b256("blocks", &stored.hash)?;
                if let Some((given, _)) = wanted.get(&number)
                    && *given != stored_hash
                {
                    return Err(StoreError::BlockConflict {
                        domain,
                        number,
                        stored: stored_hash,
                        given: *given,
                    });
                }
            }
        }
        for (number, (hash, parent)) in &wanted {
            block_rows.push(blocks::ActiveModel {
                domain: Set(i64::from(domain)),
                number: Set(i64_of("block number", *number)?),
                hash: Set(hash.to_vec()),
                parent_hash: Set(parent.map(|p| p.to_vec())),
                finalized: Set(is_final(*number)),
            });
        }
        let mut summary = IngestSummary::default();
        for chunk in block_rows.chunks(INSERT_CHUNK) {
            let res = blocks::Entity::insert_many(chunk.iter().cloned())
                .on_conflict_do_nothing_on([blocks::Column::Domain, blocks::Column::Number])
                .exec_without_returning(&txn)
                .await?;
            summary.blocks += inserted(&res);
        }
        let now = now_ms();
        let mut message_rows = Vec::with_capacity(messages.len());
        for m in messages {
            message_rows.push(relay::new_message_row(m, is_final(m.block.number), now)?);
        }
        for chunk in message_rows.chunks(INSERT_CHUNK) {
            let res = messages::Entity::insert_many(chunk.iter().cloned())
                .on_conflict_do_nothing_on([messages::Column::Id])
                .exec_without_returning(&txn)
                .await?;
            summary.messages += inserted(&res);
        }
        domains::Entity::update_many()
            .col_expr(
                domains::Column::CursorNumber,
                Expr::value(i64_of("cursor", new_cursor.number)?),
            )
            .col_expr(domains::Column::CursorHash, Expr::value(new_cursor.hash.to_vec()))
            .col_expr(domains::Column::UpdatedAt, Expr::value(now))
            .filter(domains::Column::Id.eq(i64::from(domain)))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(summary)
    }

    /// Marks every block and message of `domain` at or below `number` final. Never moves the
    /// finalized height backwards.
    pub async fn mark_finalized(&self, domain: Domain, number: u64) -> Result<(), StoreError> {
        let n = i64_of("finalized number", number)?;
        let txn = self.db.begin().await?;
        let row = domains::Entity::find_by_id(i64::from(domain))
            .one(&txn)
            .await?
            .ok_or(StoreError::UnknownDomain(domain))?;
        if row.finalized_number.is_some_and(|f| f >= n) {
            return Ok(());
        }
        blocks::Entity::update_many()
            .col_expr(blocks::Column::Finalized, Expr::value(true))
            .filter(blocks::Column::Domain.eq(i64::from(domain)))
            .filter(blocks::Column::Number.lte(n))
            .filter(blocks::Column::Finalized.eq(false))
            .exec(&txn)
            .await?;
        messages::Entity::update_many()
            .col_expr(messages::Column::Finalized, Expr::value(true))
            .filter(messages::Column::Origin.eq(i64::from(domain)))
            .filter(messages::Column::BlockNumber.lte(n))
            .filter(messages::Column::Finalized.eq(false))
            .exec(&txn)
            .await?;
        domains::Entity::update_many()
            .col_expr(domains::Column::FinalizedNumber, Expr::value(n))
            .col_expr(domains::Column::UpdatedAt, Expr::value(now_ms()))
            .filter(domains::Column::Id.eq(i64::from(domain)))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Deletes the blocks and messages of `domain` at or above `number` and moves the cursor to
    /// the highest stored block below it. Refuses ([`StoreError::BelowFinality`], nothing
    /// deleted) when `number` is at or below the finalized height.
    pub async fn rollback_from(
        &self,
        domain: Domain,
        number: u64,
    ) -> Result<RollbackSummary, StoreError> {
        let n = i64_of("rollback number", number)?;
        let d = i64::from(domain);
        let txn = self.db.begin().await?;
        let row = domains::Entity::find_by_id(d)
            .one(&txn)
            .await?
            .ok_or(StoreError::UnknownDomain(domain))?;
        let final_block = blocks::Entity::find()
            .filter(blocks::Column::Domain.eq(d))
            .filter(blocks::Column::Number.gte(n))
            .filter(blocks::Column::Finalized.eq(true))
            .order_by_desc(blocks::Column::Number)
            .one(&txn)
            .await?;
        let finalized = row.finalized_number.filter(|f| *f >= n).or(final_block.map(|b| b.number));
        if let Some(finalized) = finalized {
            return Err(StoreError::BelowFinality {
                domain,
                from: number,
                finalized: u64_of(finalized)?,
            });
        }
        let messages = messages::Entity::delete_many()
            .filter(messages::Column::Origin.eq(d))
            .filter(messages::Column::BlockNumber.gte(n))
            .exec(&txn)
            .await?
            .rows_affected;
        crate::entity::rejections::Entity::delete_many()
            .filter(crate::entity::rejections::Column::Domain.eq(d))
            .filter(crate::entity::rejections::Column::BlockNumber.gte(n))
            .exec(&txn)
            .await?;
        let blocks = blocks::Entity::delete_many()
            .filter(blocks::Column::Domain.eq(d))
            .filter(blocks::Column::Number.gte(n))
            .exec(&txn)
            .await?
            .rows_affected;
        let below = blocks::Entity::find()
            .filter(blocks::Column::Domain.eq(d))
            .filter(blocks::Column::Number.lt(n))
            .order_by_desc(blocks::Column::Number)
            .one(&txn)
            .await?;
        let mut cursor = match (row.cursor_number, &row.cursor_hash) {
            (Some(c), Some(h)) => Some(BlockRef { number: u64_of(c)?, hash: b256("domains", h)? }),
            _ => None,
        };
        if cursor.is_some_and(|c| c.number >= number) {
            cursor = below
                .map(|b| {
                    Ok::<_, StoreError>(BlockRef {
                        number: u64_of(b.number)?,
                        hash: b256("blocks", &b.hash)?,
                    })
                })
                .transpose()?;
            domains::Entity::update_many()
                .col_expr(
                    domains::Column::CursorNumber,
                    Expr::value(cursor.map(|c| c.number as i64)),
                )
                .col_expr(domains::Column::CursorHash, Expr::value(cursor.map(|c| c.hash.to_vec())))
                .col_expr(domains::Column::UpdatedAt, Expr::value(now_ms()))
                .filter(domains::Column::Id.eq(d))
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        self.rollbacks.fetch_add(1, Ordering::AcqRel);
        Ok(RollbackSummary { messages, blocks, cursor })
    }

    /// The stored block of `domain` at `number`.
    pub async fn block(
        &self,
        domain: Domain,
        number: u64,
    ) -> Result<Option<StoredBlock>, StoreError> {
        let row = blocks::Entity::find_by_id((i64::from(domain), i64_of("block number", number)?))
            .one(&self.db)
            .await?;
        row.as_ref().map(stored_block).transpose()
    }

    /// Stored blocks of `domain`, highest first, at most `limit` (reorg walk-back).
    pub async fn recent_blocks(
        &self,
        domain: Domain,
        limit: u64,
    ) -> Result<Vec<StoredBlock>, StoreError> {
        let rows = blocks::Entity::find()
            .filter(blocks::Column::Domain.eq(i64::from(domain)))
            .order_by_desc(blocks::Column::Number)
            .limit(limit)
            .all(&self.db)
            .await?;
        rows.iter().map(stored_block).collect()
    }

    /// The leaves (message ids) of route `origin → destination` from nonce `start`, in nonce
    /// order, stopping before nonce `up_to_count` when given. Fails with [`StoreError::Gap`]
    /// when a nonce is missing.
    pub async fn route_leaves(
        &self,
        origin: Domain,
        destination: Domain,
        start: u64,
        up_to_count: Option<u64>,
    ) -> Result<Vec<B256>, StoreError> {
        let mut query = messages::Entity::find()
            .select_only()
            .column(messages::Column::Nonce)
            .column(messages::Column::Id)
            .filter(messages::Column::Origin.eq(i64::from(origin)))
            .filter(messages::Column::Destination.eq(i64::from(destination)))
            .filter(messages::Column::Nonce.gte(i64_of("nonce", start)?));
        if let Some(count) = up_to_count {
            query = query.filter(messages::Column::Nonce.lt(i64_of("count", count)?));
        }
        let rows: Vec<(i64, Vec<u8>)> =
            query.order_by_asc(messages::Column::Nonce).into_tuple().all(&self.db).await?;
        let mut leaves = Vec::with_capacity(rows.len());
        for (i, (nonce, id)) in rows.into_iter().enumerate() {
            let expected = start + i as u64;
            let found = u64_of(nonce)?;
            if found != expected {
                return Err(StoreError::Gap { origin, destination, expected, found });
            }
            leaves.push(b256("messages", &id)?);
        }
        Ok(leaves)
    }

    /// Leaves stored for route `origin → destination` (its next leaf index: nonces are stored
    /// from 0 without gaps).
    pub async fn route_count(
        &self,
        origin: Domain,
        destination: Domain,
    ) -> Result<u64, StoreError> {
        let last: Option<i64> = messages::Entity::find()
            .select_only()
            .column_as(messages::Column::Nonce.max(), "last")
            .filter(messages::Column::Origin.eq(i64::from(origin)))
            .filter(messages::Column::Destination.eq(i64::from(destination)))
            .into_tuple()
            .one(&self.db)
            .await?
            .flatten();
        last.map_or(Ok(0), |n| u64_of(n).map(|n| n + 1))
    }

    /// Runs a raw statement (query plans in tests, schema setup).
    pub async fn execute_unprepared(&self, sql: &str) -> Result<(), StoreError> {
        self.db.execute_unprepared(sql).await?;
        Ok(())
    }
}

fn inserted(res: &sea_orm::TryInsertResult<u64>) -> u64 {
    match res {
        sea_orm::TryInsertResult::Inserted(n) => *n,
        _ => 0,
    }
}

fn cursor_of(row: domains::Model) -> Result<Cursor, StoreError> {
    let block = match (row.cursor_number, row.cursor_hash) {
        (Some(n), Some(h)) => Some(BlockRef { number: u64_of(n)?, hash: b256("domains", &h)? }),
        _ => None,
    };
    let domain = Domain::try_from(row.id)
        .map_err(|_| StoreError::Corrupt { table: "domains", reason: format!("id {}", row.id) })?;
    Ok(Cursor {
        domain,
        name: row.name,
        block,
        finalized: row.finalized_number.map(u64_of).transpose()?,
    })
}

fn stored_block(row: &blocks::Model) -> Result<StoredBlock, StoreError> {
    Ok(StoredBlock {
        block: BlockRef { number: u64_of(row.number)?, hash: b256("blocks", &row.hash)? },
        parent: row.parent_hash.as_deref().map(|p| b256("blocks", p)).transpose()?,
        finalized: row.finalized,
    })
}

/// `url` with any password replaced by `***`.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let Some((userinfo, host)) = rest.split_once('@') else { return url.to_owned() };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact("sqlite://x.db?mode=rwc"), "sqlite://x.db?mode=rwc");
    }
}
