//! Store reads and writes for the relayer and the API: message state, checkpoints with their
//! signatures. Deliveries and operators are in `ops`.

use std::{fmt, str::FromStr};

use causeway_core::{
    Address, B256, Checkpoint, Domain, ErrorKind, Message, SignatureBytes, chain::BlockRef,
    chain::DispatchedMessage,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait, sea_query::Expr,
};
use serde::{Deserialize, Serialize};

use super::{
    Store,
    convert::{b256, i64_of, now_ms, u64_of},
};
use crate::{
    entity::{attempts, checkpoints, messages, signatures},
    error::StoreError,
};

/// Where a message is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageStatus {
    /// Waiting for delivery (possibly after failed attempts).
    Pending,
    /// Included on the destination, not final there yet: a reorg that drops it puts it back
    /// to `Pending`.
    Submitted,
    /// Delivered on its destination, in a final block.
    Delivered,
    /// Gave up after the bounded retries; a person may retry it.
    Failed,
    /// A person chose not to deliver it.
    Skipped,
    /// Never to be delivered (sender or recipient denylisted).
    Denylisted,
}

impl MessageStatus {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Submitted => "submitted",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
            Self::Denylisted => "denylisted",
        }
    }
}

impl fmt::Display for MessageStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MessageStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "pending" => Self::Pending,
            "submitted" => Self::Submitted,
            "delivered" => Self::Delivered,
            "failed" => Self::Failed,
            "skipped" => Self::Skipped,
            "denylisted" => Self::Denylisted,
            other => {
                return Err(format!(
                    "unknown status {other:?}; expected pending, submitted, delivered, failed, \
                     skipped or denylisted"
                ));
            }
        })
    }
}

/// A stored message with its state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRecord {
    /// Id (the route tree leaf).
    pub id: B256,
    /// The message.
    pub message: Message,
    /// Dispatching block.
    pub block: BlockRef,
    /// Dispatching transaction.
    pub tx_hash: B256,
    /// Whether the block is final on the origin.
    pub finalized: bool,
    /// Status.
    pub status: MessageStatus,
    /// Why it has that status.
    pub status_reason: Option<String>,
    /// Kind of the last failed attempt.
    pub error_kind: Option<String>,
    /// Destination block that included the delivery, while `Submitted`.
    pub submitted_block: Option<BlockRef>,
    /// Delivery attempts so far.
    pub attempts: u32,
    /// Earliest next attempt, unix ms.
    pub next_attempt_at: i64,
    /// Delivering transaction.
    pub delivered_tx: Option<B256>,
    /// First stored, unix ms.
    pub created_at: i64,
}

/// `(id, origin, nonce, submitted block, its hash)` as selected.
type SubmittedRow = (Vec<u8>, i64, i64, Option<i64>, Option<Vec<u8>>);

/// A delivery included on its destination, waiting for that block to be final.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Submitted {
    /// Message id.
    pub id: B256,
    /// Its origin.
    pub origin: Domain,
    /// Its nonce (leaf index).
    pub nonce: u32,
    /// The destination block that included it (none for rows from before blocks were kept).
    pub block: Option<BlockRef>,
}

/// One failed delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRecord {
    /// Attempt number, from 1.
    pub attempt: u32,
    /// [`ErrorKind::as_str`] of the failure.
    pub kind: String,
    /// The decoded reason or error text.
    pub error: String,
    /// When, unix ms.
    pub at: i64,
}

/// Filter for [`Store::messages`].
#[derive(Debug, Clone, Copy, Default)]
pub struct MessageFilter {
    /// Only this status.
    pub status: Option<MessageStatus>,
    /// Only from this origin.
    pub origin: Option<Domain>,
    /// Only to this destination.
    pub destination: Option<Domain>,
    /// At most this many (0 means 100).
    pub limit: u64,
}

/// A stored checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckpointRecord {
    /// Row id (signatures refer to it).
    pub id: i64,
    /// The checkpoint.
    pub checkpoint: Checkpoint,
    /// Destination of the route, from the outbox.
    pub destination: Domain,
    /// First seen, unix ms.
    pub first_seen: i64,
}

pub use causeway_core::outbox_destination;

pub(super) fn new_message_row(
    m: &DispatchedMessage,
    finalized: bool,
    now: i64,
) -> Result<messages::ActiveModel, StoreError> {
    let msg = &m.message;
    Ok(messages::ActiveModel {
        id: Set(m.id.to_vec()),
        origin: Set(i64::from(msg.origin)),
        destination: Set(i64::from(msg.destination)),
        nonce: Set(i64::from(msg.nonce)),
        version: Set(i16::from(msg.version)),
        sender: Set(msg.sender.to_vec()),
        recipient: Set(msg.recipient.to_vec()),
        body: Set(msg.body.to_vec()),
        block_number: Set(i64_of("block number", m.block.number)?),
        block_hash: Set(m.block.hash.to_vec()),
        tx_hash: Set(m.tx_hash.to_vec()),
        finalized: Set(finalized),
        status: Set(MessageStatus::Pending.as_str().to_owned()),
        status_reason: Set(None),
        error_kind: Set(None),
        submitted_block: Set(None),
        submitted_block_hash: Set(None),
        attempts: Set(0),
        next_attempt_at: Set(0),
        delivered_tx: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    })
}

fn corrupt(table: &'static str, reason: impl Into<String>) -> StoreError {
    StoreError::Corrupt { table, reason: reason.into() }
}

fn message_record(row: messages::Model) -> Result<MessageRecord, StoreError> {
    let small = |v: i64| u32::try_from(v).map_err(|_| corrupt("messages", format!("{v} not u32")));
    let message = Message {
        version: u8::try_from(row.version).map_err(|_| corrupt("messages", "version"))?,
        nonce: small(row.nonce)?,
        origin: small(row.origin)?,
        sender: b256("messages", &row.sender)?,
        destination: small(row.destination)?,
        recipient: b256("messages", &row.recipient)?,
        body: row.body.into(),
    };
    Ok(MessageRecord {
        id: b256("messages", &row.id)?,
        message,
        block: BlockRef {
            number: u64_of(row.block_number)?,
            hash: b256("messages", &row.block_hash)?,
        },
        tx_hash: b256("messages", &row.tx_hash)?,
        finalized: row.finalized,
        status: row.status.parse().map_err(|e: String| corrupt("messages", e))?,
        status_reason: row.status_reason,
        error_kind: row.error_kind,
        submitted_block: match (row.submitted_block, row.submitted_block_hash.as_deref()) {
            (Some(number), Some(hash)) => {
                Some(BlockRef { number: u64_of(number)?, hash: b256("messages", hash)? })
            }
            _ => None,
        },
        attempts: u32::try_from(row.attempts).unwrap_or(0),
        next_attempt_at: row.next_attempt_at,
        delivered_tx: row.delivered_tx.as_deref().map(|t| b256("messages", t)).transpose()?,
        created_at: row.created_at,
    })
}

fn checkpoint_record(row: &checkpoints::Model) -> Result<CheckpointRecord, StoreError> {
    let small = |v: i64| u32::try_from(v).map_err(|_| corrupt("checkpoints", format!("{v}")));
    Ok(CheckpointRecord {
        id: row.id,
        checkpoint: Checkpoint {
            origin: small(row.origin)?,
            outbox: b256("checkpoints", &row.outbox)?,
            root: b256("checkpoints", &row.root)?,
            index: small(row.checkpoint_index)?,
            epoch: u64_of(row.epoch)?,
        },
        destination: small(row.destination)?,
        first_seen: row.first_seen,
    })
}

fn address(table: &'static str, bytes: &[u8]) -> Result<Address, StoreError> {
    Address::try_from(bytes)
        .map_err(|_| corrupt(table, format!("address of {} bytes", bytes.len())))
}

impl Store {
    /// The message with `id`.
    pub async fn message(&self, id: B256) -> Result<Option<MessageRecord>, StoreError> {
        let row = messages::Entity::find_by_id(id.to_vec()).one(&self.db).await?;
        row.map(message_record).transpose()
    }

    /// Messages matching `filter`, in route order (origin, destination, nonce).
    pub async fn messages(&self, filter: MessageFilter) -> Result<Vec<MessageRecord>, StoreError> {
        let mut q = messages::Entity::find();
        if let Some(s) = filter.status {
            q = q.filter(messages::Column::Status.eq(s.as_str()));
        }
        if let Some(o) = filter.origin {
            q = q.filter(messages::Column::Origin.eq(i64::from(o)));
        }
        if let Some(d) = filter.destination {
            q = q.filter(messages::Column::Destination.eq(i64::from(d)));
        }
        let limit = if filter.limit == 0 { 100 } else { filter.limit };
        let rows = q
            .order_by_asc(messages::Column::Origin)
            .order_by_asc(messages::Column::Destination)
            .order_by_asc(messages::Column::Nonce)
            .limit(limit)
            .all(&self.db)
            .await?;
        rows.into_iter().map(message_record).collect()
    }

    /// Final, pending messages for `destination` due now, in route order.
    pub async fn pending(
        &self,
        destination: Domain,
        limit: u64,
    ) -> Result<Vec<MessageRecord>, StoreError> {
        self.pending_at(destination, None, now_ms(), limit).await
    }

    /// Final, pending messages for `destination` from `origins` (every origin when `None`)
    /// due now, in route order.
    pub async fn pending_from(
        &self,
        destination: Domain,
        origins: &std::collections::BTreeSet<Domain>,
        limit: u64,
    ) -> Result<Vec<MessageRecord>, StoreError> {
        self.pending_at(destination, Some(origins), now_ms(), limit).await
    }

    /// Final, pending messages for `destination` (from `origins` when given) due at `now_ms`,
    /// in route order (origin, nonce) so consecutive nonces can go in one batch.
    pub async fn pending_at(
        &self,
        destination: Domain,
        origins: Option<&std::collections::BTreeSet<Domain>>,
        now_ms: i64,
        limit: u64,
    ) -> Result<Vec<MessageRecord>, StoreError> {
        let mut query = messages::Entity::find()
            .filter(messages::Column::Destination.eq(i64::from(destination)))
            .filter(messages::Column::Status.eq(MessageStatus::Pending.as_str()))
            .filter(messages::Column::Finalized.eq(true))
            .filter(messages::Column::NextAttemptAt.lte(now_ms));
        if let Some(origins) = origins {
            query =
                query.filter(messages::Column::Origin.is_in(origins.iter().map(|o| i64::from(*o))));
        }
        let rows = query
            .order_by_asc(messages::Column::Origin)
            .order_by_asc(messages::Column::Nonce)
            .limit(limit)
            .all(&self.db)
            .await?;
        rows.into_iter().map(message_record).collect()
    }

    /// Messages to `destination` included there but not final yet, oldest block first: only
    /// what confirming them needs (no bodies).
    pub async fn submitted(
        &self,
        destination: Domain,
        limit: u64,
    ) -> Result<Vec<Submitted>, StoreError> {
        use messages::Column as M;
        let rows: Vec<SubmittedRow> = messages::Entity::find()
            .select_only()
            .columns([M::Id, M::Origin, M::Nonce, M::SubmittedBlock, M::SubmittedBlockHash])
            .filter(M::Destination.eq(i64::from(destination)))
            .filter(M::Status.eq(MessageStatus::Submitted.as_str()))
            .order_by_asc(M::SubmittedBlock)
            .limit(limit)
            .into_tuple()
            .all(&self.db)
            .await?;
        let small = |v: i64| u32::try_from(v).map_err(|_| corrupt("messages", format!("{v}")));
        rows.into_iter()
            .map(|(id, origin, nonce, number, hash)| {
                Ok(Submitted {
                    id: b256("messages", &id)?,
                    origin: small(origin)?,
                    nonce: small(nonce)?,
                    block: match (number, hash.as_deref()) {
                        (Some(n), Some(h)) => {
                            Some(BlockRef { number: u64_of(n)?, hash: b256("messages", h)? })
                        }
                        _ => None,
                    },
                })
            })
            .collect()
    }

    async fn update_message(
        &self,
        id: B256,
        cols: Vec<(messages::Column, Expr)>,
    ) -> Result<(), StoreError> {
        let mut update = messages::Entity::update_many()
            .col_expr(messages::Column::UpdatedAt, Expr::value(now_ms()))
            .filter(messages::Column::Id.eq(id.to_vec()));
        for (col, expr) in cols {
            update = update.col_expr(col, expr);
        }
        let res = update.exec(&self.db).await?;
        if res.rows_affected == 0 {
            return Err(StoreError::NotFound(id));
        }
        Ok(())
    }

    /// Counts a failed delivery attempt: `attempts + 1`, the reason and its kind on the message
    /// and in the `attempts` history, next try not before `next_attempt_at` (unix ms), in one
    /// transaction. Returns the attempts so far.
    pub async fn record_attempt(
        &self,
        id: B256,
        kind: ErrorKind,
        reason: &str,
        next_attempt_at: i64,
    ) -> Result<u32, StoreError> {
        use messages::Column as M;
        let now = now_ms();
        let txn = self.db.begin().await?;
        let row = messages::Entity::find_by_id(id.to_vec())
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound(id))?;
        let attempt = row.attempts.saturating_add(1);
        messages::Entity::update_many()
            .col_expr(M::Attempts, Expr::value(attempt))
            .col_expr(M::StatusReason, Expr::value(reason.to_owned()))
            .col_expr(M::ErrorKind, Expr::value(kind.as_str()))
            .col_expr(M::NextAttemptAt, Expr::value(next_attempt_at))
            .col_expr(M::UpdatedAt, Expr::value(now))
            .filter(M::Id.eq(id.to_vec()))
            .exec(&txn)
            .await?;
        attempts::Entity::insert(attempts::ActiveModel {
            message_id: Set(id.to_vec()),
            attempt: Set(attempt),
            kind: Set(kind.as_str().to_owned()),
            error: Set(reason.to_owned()),
            at: Set(now),
            ..Default::default()
        })
        .exec_without_returning(&txn)
        .await?;
        txn.commit().await?;
        Ok(u32::try_from(attempt).unwrap_or(0))
    }

    /// The failed attempts of `id`, oldest first.
    pub async fn attempts(&self, id: B256) -> Result<Vec<AttemptRecord>, StoreError> {
        let rows = attempts::Entity::find()
            .filter(attempts::Column::MessageId.eq(id.to_vec()))
            .order_by_asc(attempts::Column::Attempt)
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| AttemptRecord {
                attempt: u32::try_from(r.attempt).unwrap_or(0),
                kind: r.kind,
                error: r.error,
                at: r.at,
            })
            .collect())
    }

    /// Marks `id` delivered by `tx_hash`.
    pub async fn mark_delivered(&self, id: B256, tx_hash: B256) -> Result<(), StoreError> {
        use messages::Column as M;
        self.update_message(
            id,
            vec![
                (M::Status, Expr::value(MessageStatus::Delivered.as_str())),
                (M::StatusReason, Expr::value(Option::<String>::None)),
                (M::DeliveredTx, Expr::value(tx_hash.to_vec())),
            ],
        )
        .await
    }

    /// Marks `id` delivered by a transaction this relayer did not send (found delivered on the
    /// destination: before a restart, or by another relayer).
    pub async fn mark_found_delivered(&self, id: B256) -> Result<(), StoreError> {
        use messages::Column as M;
        self.update_message(
            id,
            vec![
                (M::Status, Expr::value(MessageStatus::Delivered.as_str())),
                (M::StatusReason, Expr::value("found delivered on the destination".to_owned())),
            ],
        )
        .await
    }

    /// Marks `id` failed for good (retries exhausted, permanent error).
    pub async fn mark_failed(&self, id: B256, reason: &str) -> Result<(), StoreError> {
        self.set_status(id, MessageStatus::Failed, reason).await
    }

    /// Sets the status by hand: `Pending` retries now (attempts kept), `Skipped`,
    /// `Denylisted`, `Failed`, with the reason shown in the API.
    pub async fn set_status(
        &self,
        id: B256,
        status: MessageStatus,
        reason: &str,
    ) -> Result<(), StoreError> {
        // A delivered message, or one whose delivery is in flight, keeps its state: skipping or
        // retrying it would make the store say something the destination chain contradicts. The
        // condition is in the UPDATE itself, so a delivery recorded meanwhile is not overwritten.
        use messages::Column as M;
        let kept = [MessageStatus::Delivered.as_str(), MessageStatus::Submitted.as_str()];
        let mut update = messages::Entity::update_many()
            .col_expr(M::UpdatedAt, Expr::value(now_ms()))
            .col_expr(M::Status, Expr::value(status.as_str()))
            .col_expr(M::StatusReason, Expr::value(reason.to_owned()))
            .filter(M::Id.eq(id.to_vec()))
            .filter(M::Status.is_not_in(kept));
        if status == MessageStatus::Pending {
            update = update.col_expr(M::NextAttemptAt, Expr::value(0i64));
        }
        if update.exec(&self.db).await?.rows_affected > 0 {
            return Ok(());
        }
        let current = self.message(id).await?.ok_or(StoreError::NotFound(id))?;
        let why = match current.status {
            MessageStatus::Submitted => {
                "its delivery is in flight; it becomes delivered, or pending again, by itself"
            }
            _ => "it is on its destination and cannot be skipped, retried or failed",
        };
        Err(StoreError::Refused { id, status: current.status.to_string(), why })
    }

    /// Stores a checkpoint and its signatures (idempotent); returns the checkpoint's row id.
    pub async fn record_checkpoint(
        &self,
        checkpoint: &Checkpoint,
        sigs: &[(Address, SignatureBytes)],
    ) -> Result<i64, StoreError> {
        use checkpoints::Column as C;
        let now = now_ms();
        let txn = self.db.begin().await?;
        let row = checkpoints::ActiveModel {
            origin: Set(i64::from(checkpoint.origin)),
            outbox: Set(checkpoint.outbox.to_vec()),
            destination: Set(i64::from(outbox_destination(&checkpoint.outbox))),
            root: Set(checkpoint.root.to_vec()),
            checkpoint_index: Set(i64::from(checkpoint.index)),
            epoch: Set(i64_of("epoch", checkpoint.epoch)?),
            first_seen: Set(now),
            ..Default::default()
        };
        checkpoints::Entity::insert(row)
            .on_conflict_do_nothing_on([
                C::Origin,
                C::Outbox,
                C::CheckpointIndex,
                C::Epoch,
                C::Root,
            ])
            .exec_without_returning(&txn)
            .await?;
        let id: i64 = checkpoints::Entity::find()
            .select_only()
            .column(C::Id)
            .filter(C::Origin.eq(i64::from(checkpoint.origin)))
            .filter(C::Outbox.eq(checkpoint.outbox.to_vec()))
            .filter(C::CheckpointIndex.eq(i64::from(checkpoint.index)))
            .filter(C::Epoch.eq(i64_of("epoch", checkpoint.epoch)?))
            .filter(C::Root.eq(checkpoint.root.to_vec()))
            .into_tuple()
            .one(&txn)
            .await?
            .ok_or_else(|| corrupt("checkpoints", "inserted checkpoint not found"))?;
        let rows = sigs.iter().map(|(operator, sig)| signatures::ActiveModel {
            checkpoint_id: Set(id),
            operator: Set(operator.to_vec()),
            signature: Set(sig.to_vec()),
            first_seen: Set(now),
        });
        signatures::Entity::insert_many(rows)
            .on_conflict_do_nothing_on([
                signatures::Column::CheckpointId,
                signatures::Column::Operator,
            ])
            .exec_without_returning(&txn)
            .await?;
        txn.commit().await?;
        Ok(id)
    }

    /// The checkpoint of route `origin → destination` with the highest index at or above
    /// `min_index` (the newest one covering leaf `min_index`).
    pub async fn latest_checkpoint(
        &self,
        origin: Domain,
        destination: Domain,
        min_index: u64,
    ) -> Result<Option<CheckpointRecord>, StoreError> {
        use checkpoints::Column as C;
        let row = checkpoints::Entity::find()
            .filter(C::Origin.eq(i64::from(origin)))
            .filter(C::Destination.eq(i64::from(destination)))
            .filter(C::CheckpointIndex.gte(i64_of("index", min_index)?))
            .order_by_desc(C::CheckpointIndex)
            .order_by_desc(C::Id)
            .one(&self.db)
            .await?;
        row.as_ref().map(checkpoint_record).transpose()
    }

    /// The newest checkpoints, optionally of one origin.
    pub async fn checkpoints(
        &self,
        origin: Option<Domain>,
        limit: u64,
    ) -> Result<Vec<CheckpointRecord>, StoreError> {
        use checkpoints::Column as C;
        let mut q = checkpoints::Entity::find();
        if let Some(o) = origin {
            q = q.filter(C::Origin.eq(i64::from(o)));
        }
        let rows = q.order_by_desc(C::Id).limit(limit).all(&self.db).await?;
        rows.iter().map(checkpoint_record).collect()
    }

    /// Signatures of checkpoint row `checkpoint_id`, ascending by operator.
    pub async fn signatures(
        &self,
        checkpoint_id: i64,
    ) -> Result<Vec<(Address, SignatureBytes)>, StoreError> {
        let rows = signatures::Entity::find()
            .filter(signatures::Column::CheckpointId.eq(checkpoint_id))
            .order_by_asc(signatures::Column::Operator)
            .all(&self.db)
            .await?;
        rows.into_iter()
            .map(|r| {
                let sig = SignatureBytes::try_from(r.signature.as_slice())
                    .map_err(|_| corrupt("signatures", "signature is not 65 bytes"))?;
                Ok((address("signatures", &r.operator)?, sig))
            })
            .collect()
    }
}
