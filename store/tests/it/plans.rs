//! The hot queries use an index (missing indexes made other bridges' store calls take seconds): `EXPLAIN QUERY PLAN` on SQLite,
//! `EXPLAIN` with sequential scans disabled on PostgreSQL (tiny test tables would otherwise be
//! scanned whatever indexes exist; what matters is that a usable index exists).

use causeway_store::{
    Store,
    entity::{blocks, checkpoints, deliveries, messages},
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    Statement, TransactionTrait,
};

use causeway_store::{both, testing::Backend};

async fn plan(store: &Store, backend: Backend, sql: &str) -> String {
    let db = store.connection();
    let b = db.get_database_backend();
    let rows = match backend {
        Backend::Sqlite => db
            .query_all_raw(Statement::from_string(b, format!("EXPLAIN QUERY PLAN {sql}")))
            .await
            .unwrap(),
        Backend::Postgres => {
            let txn = db.begin().await.unwrap();
            txn.execute_unprepared("SET LOCAL enable_seqscan = off").await.unwrap();
            let rows = txn
                .query_all_raw(Statement::from_string(b, format!("EXPLAIN {sql}")))
                .await
                .unwrap();
            txn.rollback().await.unwrap();
            rows
        }
    };
    let column = if backend == Backend::Sqlite { "detail" } else { "QUERY PLAN" };
    rows.iter().map(|r| r.try_get::<String>("", column).unwrap()).collect::<Vec<_>>().join("\n")
}

async fn hot_queries_use_indexes(store: &Store, backend: Backend) {
    let b = store.connection().get_database_backend();
    let (msg_pk, blocks_pk): (&[&str], &[&str]) = match backend {
        Backend::Sqlite => (&["sqlite_autoindex_messages_1"], &["sqlite_autoindex_blocks_1"]),
        Backend::Postgres => (&["messages_pkey"], &["blocks_pkey"]),
    };
    let cases: Vec<(&str, String, &[&str])> = vec![
        ("message by id", messages::Entity::find_by_id(vec![1u8; 32]).build(b).to_string(), msg_pk),
        (
            "route leaves",
            messages::Entity::find()
                .select_only()
                .column(messages::Column::Nonce)
                .column(messages::Column::Id)
                .filter(messages::Column::Origin.eq(1))
                .filter(messages::Column::Destination.eq(2))
                .filter(messages::Column::Nonce.gte(0))
                .order_by_asc(messages::Column::Nonce)
                .build(b)
                .to_string(),
            &["ux_messages_route_nonce"],
        ),
        (
            "relayer pending",
            messages::Entity::find()
                .filter(messages::Column::Destination.eq(2))
                .filter(messages::Column::Status.eq("pending"))
                .filter(messages::Column::Finalized.eq(true))
                .filter(messages::Column::NextAttemptAt.lte(0))
                .order_by_asc(messages::Column::Origin)
                .order_by_asc(messages::Column::Nonce)
                .limit(100)
                .build(b)
                .to_string(),
            // Either queue index serves it; the planner picks by statistics.
            &["ix_messages_dest_status_route", "ix_messages_status_next"],
        ),
        (
            "due by status",
            messages::Entity::find()
                .filter(messages::Column::Status.eq("pending"))
                .filter(messages::Column::NextAttemptAt.lte(0))
                .build(b)
                .to_string(),
            &["ix_messages_status_next"],
        ),
        (
            "rollback messages",
            messages::Entity::delete_many()
                .filter(messages::Column::Origin.eq(1))
                .filter(messages::Column::BlockNumber.gte(7))
                .build(b)
                .to_string(),
            &["ix_messages_origin_block"],
        ),
        (
            "rollback blocks",
            blocks::Entity::delete_many()
                .filter(blocks::Column::Domain.eq(1))
                .filter(blocks::Column::Number.gte(7))
                .build(b)
                .to_string(),
            blocks_pk,
        ),
        (
            "checkpoint by (origin, outbox, index)",
            checkpoints::Entity::find()
                .filter(checkpoints::Column::Origin.eq(1))
                .filter(checkpoints::Column::Outbox.eq(vec![0u8; 32]))
                .filter(checkpoints::Column::CheckpointIndex.eq(4))
                .build(b)
                .to_string(),
            &["ux_checkpoints_key"],
        ),
        (
            "latest checkpoint covering a nonce",
            checkpoints::Entity::find()
                .filter(checkpoints::Column::Origin.eq(1))
                .filter(checkpoints::Column::Destination.eq(2))
                .filter(checkpoints::Column::CheckpointIndex.gte(3))
                .order_by_desc(checkpoints::Column::CheckpointIndex)
                .limit(1)
                .build(b)
                .to_string(),
            &["ix_checkpoints_route_index"],
        ),
        (
            "newest deliveries",
            deliveries::Entity::find()
                .order_by_desc(deliveries::Column::DeliveredAt)
                .limit(10)
                .build(b)
                .to_string(),
            &["ix_deliveries_delivered_at"],
        ),
    ];
    for (name, sql, indexes) in cases {
        let plan = plan(store, backend, &sql).await;
        assert!(
            indexes.iter().any(|i| plan.contains(i)),
            "{name}: expected one of {indexes:?}\nSQL: {sql}\nplan:\n{plan}"
        );
        let full_scan = plan
            .lines()
            .any(|l| (l.contains("SCAN ") && !l.contains("USING")) || l.contains("Seq Scan"));
        assert!(!full_scan, "{name}: full table scan\nplan:\n{plan}");
    }
}
both!(hot_queries_use_indexes);
