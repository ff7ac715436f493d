//! Store reads and writes for deliveries and operators.

use causeway_core::{
    Address, B256, Bytes, Domain,
    chain::{BlockRef, Rejected},
};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
    sea_query::{Expr, OnConflict},
};

use super::{
    MessageStatus, Store,
    convert::{b256, i64_of, now_ms, u64_of},
};
use crate::{
    entity::{deliveries, messages, operators, rejections},
    error::StoreError,
};

fn corrupt(table: &'static str, reason: impl Into<String>) -> StoreError {
    StoreError::Corrupt { table, reason: reason.into() }
}

fn address(table: &'static str, bytes: &[u8]) -> Result<Address, StoreError> {
    Address::try_from(bytes)
        .map_err(|_| corrupt(table, format!("address of {} bytes", bytes.len())))
}

/// A recorded delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryRecord {
    /// Message id.
    pub message_id: B256,
    /// Destination domain.
    pub destination: Domain,
    /// Delivering transaction.
    pub tx_hash: B256,
    /// Its block.
    pub block_number: u64,
    /// That block's hash.
    pub block_hash: B256,
    /// Execution units (EVM gas) attributed to this message.
    pub gas_used: u64,
    /// Fee attributed to this message, the destination's smallest native unit.
    pub fee: u128,
    /// Dispatch to delivery, ms.
    pub latency_ms: u64,
    /// Recorded, unix ms.
    pub delivered_at: i64,
}

/// An operator as announced in the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorRecord {
    /// Operator address.
    pub address: Address,
    /// Current signing key's address.
    pub signing_key: Address,
    /// Announced signature URL.
    pub url: String,
    /// Stake.
    pub stake: u128,
    /// `active`, `exiting`, `exited`, `slashed`.
    pub status: String,
}

impl Store {
    /// Records deliveries included on the destination (one batch) and marks their messages
    /// `submitted`, in one transaction (idempotent). They become `delivered` by
    /// [`Self::confirm_deliveries`] once their block is final, or go back to `pending` by
    /// [`Self::revert_submission`] when a reorg drops them.
    pub async fn record_submissions(&self, records: &[DeliveryRecord]) -> Result<(), StoreError> {
        use messages::Column as M;
        let txn = self.db.begin().await?;
        let now = now_ms();
        for d in records {
            let row = deliveries::ActiveModel {
                message_id: Set(d.message_id.to_vec()),
                destination: Set(i64::from(d.destination)),
                tx_hash: Set(d.tx_hash.to_vec()),
                block_number: Set(i64_of("block number", d.block_number)?),
                block_hash: Set(Some(d.block_hash.to_vec())),
                gas_used: Set(i64_of("gas used", d.gas_used)?),
                fee: Set(Some(d.fee.to_string())),
                latency_ms: Set(i64_of("latency", d.latency_ms)?),
                delivered_at: Set(d.delivered_at),
            };
            deliveries::Entity::insert(row)
                .on_conflict_do_nothing_on([deliveries::Column::MessageId])
                .exec_without_returning(&txn)
                .await?;
            let res = messages::Entity::update_many()
                .col_expr(M::Status, Expr::value(MessageStatus::Submitted.as_str()))
                .col_expr(M::StatusReason, Expr::value(Option::<String>::None))
                .col_expr(M::DeliveredTx, Expr::value(d.tx_hash.to_vec()))
                .col_expr(M::SubmittedBlock, Expr::value(i64_of("block number", d.block_number)?))
                .col_expr(M::SubmittedBlockHash, Expr::value(d.block_hash.to_vec()))
                .col_expr(M::UpdatedAt, Expr::value(now))
                .filter(M::Id.eq(d.message_id.to_vec()))
                .exec(&txn)
                .await?;
            if res.rows_affected == 0 {
                return Err(StoreError::NotFound(d.message_id));
            }
        }
        txn.commit().await?;
        Ok(())
    }

    /// Records a delivery whose block is final already: submitted and confirmed at once.
    pub async fn record_delivery(&self, d: &DeliveryRecord) -> Result<(), StoreError> {
        self.record_submissions(std::slice::from_ref(d)).await?;
        self.confirm_deliveries(&[d.message_id]).await
    }

    /// Submitted messages whose delivery block is now final: `delivered`.
    pub async fn confirm_deliveries(&self, ids: &[B256]) -> Result<(), StoreError> {
        use messages::Column as M;
        if ids.is_empty() {
            return Ok(());
        }
        messages::Entity::update_many()
            .col_expr(M::Status, Expr::value(MessageStatus::Delivered.as_str()))
            .col_expr(M::UpdatedAt, Expr::value(now_ms()))
            .filter(M::Id.is_in(ids.iter().map(|id| id.to_vec())))
            .filter(M::Status.eq(MessageStatus::Submitted.as_str()))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// A submitted delivery the destination no longer has (a reorg dropped its block): the
    /// message is `pending` again and due now, its delivery row removed, `reason` kept. No
    /// attempt is counted: the relayer did nothing wrong.
    pub async fn revert_submission(&self, id: B256, reason: &str) -> Result<(), StoreError> {
        use messages::Column as M;
        let txn = self.db.begin().await?;
        let res = messages::Entity::update_many()
            .col_expr(M::Status, Expr::value(MessageStatus::Pending.as_str()))
            .col_expr(M::StatusReason, Expr::value(reason.to_owned()))
            .col_expr(M::DeliveredTx, Expr::value(Option::<Vec<u8>>::None))
            .col_expr(M::SubmittedBlock, Expr::value(Option::<i64>::None))
            .col_expr(M::SubmittedBlockHash, Expr::value(Option::<Vec<u8>>::None))
            .col_expr(M::NextAttemptAt, Expr::value(0i64))
            .col_expr(M::UpdatedAt, Expr::value(now_ms()))
            .filter(M::Id.eq(id.to_vec()))
            .filter(M::Status.eq(MessageStatus::Submitted.as_str()))
            .exec(&txn)
            .await?;
        if res.rows_affected == 1 {
            deliveries::Entity::delete_by_id(id.to_vec()).exec(&txn).await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// The delivery of message `id`.
    pub async fn delivery(&self, id: B256) -> Result<Option<DeliveryRecord>, StoreError> {
        let row = deliveries::Entity::find_by_id(id.to_vec()).one(&self.db).await?;
        row.as_ref().map(delivery_record).transpose()
    }

    /// The newest deliveries.
    pub async fn deliveries(&self, limit: u64) -> Result<Vec<DeliveryRecord>, StoreError> {
        let rows = deliveries::Entity::find()
            .order_by_desc(deliveries::Column::DeliveredAt)
            .limit(limit)
            .all(&self.db)
            .await?;
        rows.iter().map(delivery_record).collect()
    }

    /// Records dispatches `domain`'s adapter refused; one already recorded (same block and
    /// extrinsic) is left alone.
    pub async fn record_rejections(
        &self,
        domain: Domain,
        rejected: &[Rejected],
    ) -> Result<(), StoreError> {
        use rejections::Column as R;
        for r in rejected {
            let row = rejections::ActiveModel {
                domain: Set(i64::from(domain)),
                block_number: Set(i64_of("block number", r.block.number)?),
                block_hash: Set(r.block.hash.to_vec()),
                tx_hash: Set(r.tx_hash.to_vec()),
                extrinsic_index: Set(i64::from(r.index)),
                sender: Set(r.sender.to_vec()),
                reason: Set(r.reason.clone()),
                data: Set(r.data.to_vec()),
                ..Default::default()
            };
            rejections::Entity::insert(row)
                .on_conflict_do_nothing_on([R::Domain, R::BlockNumber, R::ExtrinsicIndex])
                .exec(&self.db)
                .await?;
        }
        Ok(())
    }

    /// The newest refused dispatches, of `domain` or of every domain, newest first.
    pub async fn rejections(
        &self,
        domain: Option<Domain>,
        limit: u64,
    ) -> Result<Vec<(Domain, Rejected)>, StoreError> {
        let mut query = rejections::Entity::find();
        if let Some(d) = domain {
            query = query.filter(rejections::Column::Domain.eq(i64::from(d)));
        }
        let rows = query
            .order_by_desc(rejections::Column::BlockNumber)
            .order_by_desc(rejections::Column::ExtrinsicIndex)
            .limit(limit)
            .all(&self.db)
            .await?;
        rows.into_iter()
            .map(|r| {
                let domain = Domain::try_from(r.domain)
                    .map_err(|_| corrupt("rejections", format!("domain {}", r.domain)))?;
                Ok((
                    domain,
                    Rejected {
                        block: BlockRef {
                            number: u64_of(r.block_number)?,
                            hash: b256("rejections", &r.block_hash)?,
                        },
                        tx_hash: b256("rejections", &r.tx_hash)?,
                        index: u32::try_from(r.extrinsic_index)
                            .map_err(|_| corrupt("rejections", "extrinsic index"))?,
                        sender: b256("rejections", &r.sender)?,
                        reason: r.reason,
                        data: Bytes::from(r.data),
                    },
                ))
            })
            .collect()
    }

    /// Inserts or updates an operator.
    pub async fn upsert_operator(&self, op: &OperatorRecord) -> Result<(), StoreError> {
        use operators::Column as O;
        let row = operators::ActiveModel {
            address: Set(op.address.to_vec()),
            signing_key: Set(op.signing_key.to_vec()),
            url: Set(op.url.clone()),
            stake: Set(op.stake.to_string()),
            status: Set(op.status.clone()),
            updated_at: Set(now_ms()),
        };
        operators::Entity::insert(row)
            .on_conflict(
                OnConflict::column(O::Address)
                    .update_columns([O::SigningKey, O::Url, O::Stake, O::Status, O::UpdatedAt])
                    .to_owned(),
            )
            .exec_without_returning(&self.db)
            .await?;
        Ok(())
    }

    /// Every operator, by address.
    pub async fn operators(&self) -> Result<Vec<OperatorRecord>, StoreError> {
        let rows = operators::Entity::find()
            .order_by_asc(operators::Column::Address)
            .all(&self.db)
            .await?;
        rows.into_iter()
            .map(|r| {
                Ok(OperatorRecord {
                    address: address("operators", &r.address)?,
                    signing_key: address("operators", &r.signing_key)?,
                    url: r.url,
                    stake: r.stake.parse().map_err(|_| corrupt("operators", "stake"))?,
                    status: r.status,
                })
            })
            .collect()
    }
}

fn delivery_record(r: &deliveries::Model) -> Result<DeliveryRecord, StoreError> {
    Ok(DeliveryRecord {
        message_id: b256("deliveries", &r.message_id)?,
        destination: u32::try_from(r.destination)
            .map_err(|_| corrupt("deliveries", "destination"))?,
        tx_hash: b256("deliveries", &r.tx_hash)?,
        block_number: u64_of(r.block_number)?,
        block_hash: r
            .block_hash
            .as_deref()
            .map(|h| b256("deliveries", h))
            .transpose()?
            .unwrap_or_default(),
        gas_used: u64_of(r.gas_used)?,
        fee: r
            .fee
            .as_deref()
            .map_or(Ok(0), str::parse)
            .map_err(|_| corrupt("deliveries", "fee"))?,
        latency_ms: u64_of(r.latency_ms)?,
        delivered_at: r.delivered_at,
    })
}
