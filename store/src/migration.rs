//! Schema migrations (sea-orm-migration). Indexes for the hot paths ship in the first migration
//! (indexers of other bridges saw store calls take seconds without them); the query-plan tests
//! in `tests/it` check that the API's and relayer's queries use them.
//!
//! There is no `tree_leaves` table: a route tree's leaves are the `messages` ids ordered by
//! `(origin, destination, nonce)`, which the unique index `ux_messages_route_nonce` already
//! orders. A separate table would duplicate 32 bytes per message and would have to be rolled
//! back in step with `messages`; reading the leaves through the index cannot disagree with the
//! messages they prove.

use sea_orm_migration::prelude::*;

use crate::entity::{
    attempts, blocks, checkpoints, commitments, deliveries, domains, messages, operators,
    rejections, rollups, signatures, slashings,
};

/// Runs every migration of the store, in order.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(M0001Initial), Box::new(M0002DeliveryStates), Box::new(M0003Rejections)]
    }
}

/// Every table and index of the first release.
#[derive(Debug, DeriveMigrationName)]
struct M0001Initial;

fn big(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).big_integer().not_null().take()
}

fn big_null(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).big_integer().null().take()
}

fn bin(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).binary().not_null().take()
}

fn bin_null(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).binary().null().take()
}

fn text(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).text().not_null().take()
}

fn index(name: &str, table: impl IntoIden) -> IndexCreateStatement {
    Index::create().name(name).table(table).if_not_exists().take()
}

// `SchemaManager<'_>` would make the lifetime early-bound and not match the trait's.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for M0001Initial {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use blocks::Column as B;
        use checkpoints::Column as C;
        use domains::Column as D;
        use messages::Column as M;

        m.create_table(
            Table::create()
                .table(domains::Entity)
                .if_not_exists()
                .col(big(D::Id).primary_key())
                .col(text(D::Name))
                .col(big_null(D::CursorNumber))
                .col(bin_null(D::CursorHash))
                .col(big_null(D::FinalizedNumber))
                .col(big(D::UpdatedAt))
                .take(),
        )
        .await?;

        // Primary key (domain, number) serves rollback (`number >= n`) and the cursor lookup.
        m.create_table(
            Table::create()
                .table(blocks::Entity)
                .if_not_exists()
                .col(big(B::Domain))
                .col(big(B::Number))
                .col(bin(B::Hash))
                .col(bin_null(B::ParentHash))
                .col(ColumnDef::new(B::Finalized).boolean().not_null())
                .primary_key(Index::create().col(B::Domain).col(B::Number))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(messages::Entity)
                .if_not_exists()
                .col(bin(M::Id).primary_key())
                .col(big(M::Origin))
                .col(big(M::Destination))
                .col(big(M::Nonce))
                .col(ColumnDef::new(M::Version).small_integer().not_null())
                .col(bin(M::Sender))
                .col(bin(M::Recipient))
                .col(bin(M::Body))
                .col(big(M::BlockNumber))
                .col(bin(M::BlockHash))
                .col(bin(M::TxHash))
                .col(ColumnDef::new(M::Finalized).boolean().not_null())
                .col(text(M::Status))
                .col(ColumnDef::new(M::StatusReason).text().null())
                .col(ColumnDef::new(M::Attempts).integer().not_null())
                .col(big(M::NextAttemptAt))
                .col(bin_null(M::DeliveredTx))
                .col(big(M::CreatedAt))
                .col(big(M::UpdatedAt))
                .take(),
        )
        .await?;
        // Route tree leaves and the "one message per route nonce" rule.
        m.create_index(
            index("ux_messages_route_nonce", messages::Entity)
                .col(M::Origin)
                .col(M::Destination)
                .col(M::Nonce)
                .unique()
                .take(),
        )
        .await?;
        // Relayer work queue: due messages by status.
        m.create_index(
            index("ix_messages_status_next", messages::Entity)
                .col(M::Status)
                .col(M::NextAttemptAt)
                .take(),
        )
        .await?;
        // Relayer work queue per destination, in route order (consecutive nonces batch).
        m.create_index(
            index("ix_messages_dest_status_route", messages::Entity)
                .col(M::Destination)
                .col(M::Status)
                .col(M::Origin)
                .col(M::Nonce)
                .take(),
        )
        .await?;
        // Rollback and finality marking by origin block.
        m.create_index(
            index("ix_messages_origin_block", messages::Entity)
                .col(M::Origin)
                .col(M::BlockNumber)
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(checkpoints::Entity)
                .if_not_exists()
                .col(big(C::Id).primary_key().auto_increment())
                .col(big(C::Origin))
                .col(bin(C::Outbox))
                .col(big(C::Destination))
                .col(bin(C::Root))
                .col(big(C::CheckpointIndex))
                .col(big(C::Epoch))
                .col(big(C::FirstSeen))
                .take(),
        )
        .await?;
        // Lookup by (origin, outbox, index); also makes recording idempotent. Conflicting roots
        // at one index are distinct rows: that is slashing evidence.
        m.create_index(
            index("ux_checkpoints_key", checkpoints::Entity)
                .col(C::Origin)
                .col(C::Outbox)
                .col(C::CheckpointIndex)
                .col(C::Epoch)
                .col(C::Root)
                .unique()
                .take(),
        )
        .await?;
        // Latest checkpoint of a route covering a nonce (message proof in the API).
        m.create_index(
            index("ix_checkpoints_route_index", checkpoints::Entity)
                .col(C::Origin)
                .col(C::Destination)
                .col(C::CheckpointIndex)
                .take(),
        )
        .await?;

        use signatures::Column as S;
        m.create_table(
            Table::create()
                .table(signatures::Entity)
                .if_not_exists()
                .col(big(S::CheckpointId))
                .col(bin(S::Operator))
                .col(bin(S::Signature))
                .col(big(S::FirstSeen))
                .primary_key(Index::create().col(S::CheckpointId).col(S::Operator))
                .take(),
        )
        .await?;

        use deliveries::Column as V;
        m.create_table(
            Table::create()
                .table(deliveries::Entity)
                .if_not_exists()
                .col(bin(V::MessageId).primary_key())
                .col(big(V::Destination))
                .col(bin(V::TxHash))
                .col(big(V::BlockNumber))
                .col(big(V::GasUsed))
                .col(big(V::LatencyMs))
                .col(big(V::DeliveredAt))
                .take(),
        )
        .await?;
        m.create_index(
            index("ix_deliveries_delivered_at", deliveries::Entity).col(V::DeliveredAt).take(),
        )
        .await?;

        use operators::Column as O;
        m.create_table(
            Table::create()
                .table(operators::Entity)
                .if_not_exists()
                .col(bin(O::Address).primary_key())
                .col(bin(O::SigningKey))
                .col(text(O::Url))
                .col(text(O::Stake))
                .col(text(O::Status))
                .col(big(O::UpdatedAt))
                .take(),
        )
        .await?;

        use commitments::Column as K;
        m.create_table(
            Table::create()
                .table(commitments::Entity)
                .if_not_exists()
                .col(big(K::Id).primary_key().auto_increment())
                .col(big(K::Rollup))
                .col(big(K::L2Block))
                .col(bin(K::StateRoot))
                .col(bin(K::BlockHash))
                .col(bin(K::OutboxRoot))
                .col(big(K::OutboxIndex))
                .col(text(K::Status))
                .col(big(K::FirstSeen))
                .take(),
        )
        .await?;
        m.create_index(
            index("ix_commitments_rollup_block", commitments::Entity)
                .col(K::Rollup)
                .col(K::L2Block)
                .take(),
        )
        .await?;

        use rollups::Column as R;
        m.create_table(
            Table::create()
                .table(rollups::Entity)
                .if_not_exists()
                .col(big(R::Domain).primary_key())
                .col(text(R::Name))
                .col(text(R::Config))
                .col(text(R::Status))
                .col(big(R::CreatedAt))
                .take(),
        )
        .await?;

        use slashings::Column as L;
        m.create_table(
            Table::create()
                .table(slashings::Entity)
                .if_not_exists()
                .col(big(L::Id).primary_key().auto_increment())
                .col(bin(L::Operator))
                .col(text(L::Kind))
                .col(text(L::Evidence))
                .col(bin_null(L::TxHash))
                .col(text(L::Amount))
                .col(big(L::CreatedAt))
                .take(),
        )
        .await?;
        m.create_index(index("ix_slashings_operator", slashings::Entity).col(L::Operator).take())
            .await?;
        Ok(())
    }
}

/// Typed failure reasons (a row per failed attempt, the last kind on the message) and the
/// `submitted` state: the destination block that included a delivery, until it is final.
#[derive(Debug)]
struct M0002DeliveryStates;

// The first migration's derived name is its module's ("migration"); later ones name themselves.
impl MigrationName for M0002DeliveryStates {
    fn name(&self) -> &str {
        "m0002_delivery_states"
    }
}

#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for M0002DeliveryStates {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use attempts::Column as A;
        use deliveries::Column as V;
        use messages::Column as M;
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        for col in [
            ColumnDef::new(M::ErrorKind).text().null().take(),
            big_null(M::SubmittedBlock),
            bin_null(M::SubmittedBlockHash),
        ] {
            m.alter_table(Table::alter().table(messages::Entity).add_column(col).take()).await?;
        }
        for col in [bin_null(V::BlockHash), ColumnDef::new(V::Fee).text().null().take()] {
            m.alter_table(Table::alter().table(deliveries::Entity).add_column(col).take()).await?;
        }
        m.create_table(
            Table::create()
                .table(attempts::Entity)
                .if_not_exists()
                .col(big(A::Id).primary_key().auto_increment())
                .col(bin(A::MessageId))
                .col(ColumnDef::new(A::Attempt).integer().not_null())
                .col(text(A::Kind))
                .col(text(A::Error))
                .col(big(A::At))
                .take(),
        )
        .await?;
        m.create_index(
            index("ix_attempts_message", attempts::Entity).col(A::MessageId).col(A::Attempt).take(),
        )
        .await?;
        Ok(())
    }
}

/// Dispatches an origin's adapter refused (a malformed payload, a transfer to the wrong account,
/// a failed extrinsic), kept with their reason for the API.
#[derive(Debug)]
struct M0003Rejections;

impl MigrationName for M0003Rejections {
    fn name(&self) -> &str {
        "m0003_rejections"
    }
}

#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for M0003Rejections {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use rejections::Column as R;
        m.create_table(
            Table::create()
                .table(rejections::Entity)
                .if_not_exists()
                .col(big(R::Id).primary_key().auto_increment())
                .col(big(R::Domain))
                .col(big(R::BlockNumber))
                .col(bin(R::BlockHash))
                .col(bin(R::TxHash))
                .col(big(R::ExtrinsicIndex))
                .col(bin(R::Sender))
                .col(text(R::Reason))
                .col(bin(R::Data))
                .take(),
        )
        .await?;
        m.create_index(
            index("ux_rejections_tx", rejections::Entity)
                .col(R::Domain)
                .col(R::BlockNumber)
                .col(R::ExtrinsicIndex)
                .unique()
                .take(),
        )
        .await?;
        Ok(())
    }
}
