//! Every store operation, on SQLite and PostgreSQL.

use causeway_core::{
    Address, B256, Checkpoint, ErrorKind, SignatureBytes, chain::DispatchedMessage,
};
use causeway_store::{
    DeliveryRecord, MessageFilter, MessageStatus, OperatorRecord, Store, StoreError, StoredBlock,
    outbox_destination,
};

use causeway_store::{
    both,
    testing::{Backend, block, dispatched, hash},
};

const A: u32 = 1;
const B: u32 = 2;
const C: u32 = 3;

/// Blocks 1..=10 of domain A, a message to B in every block (nonces 0..10) and one to C in 4.
async fn seed(store: &Store) -> Vec<DispatchedMessage> {
    store.ensure_domain(A, "alpha").await.unwrap();
    let mut messages: Vec<_> = (1..=10).map(|n| dispatched(A, B, n as u32 - 1, n)).collect();
    messages.push(dispatched(A, C, 0, 4));
    let blocks = [StoredBlock { block: block(1), parent: Some(hash(0xb0, 0)), finalized: false }];
    store.ingest(A, &blocks, &messages, block(10)).await.unwrap();
    messages
}

async fn ingest_is_one_idempotent_transaction(store: &Store, backend: Backend) {
    if backend == Backend::Sqlite {
        use sea_orm::{ConnectionTrait, Statement};
        let db = store.connection();
        let stmt = Statement::from_string(db.get_database_backend(), "PRAGMA journal_mode");
        let row = db.query_one_raw(stmt).await.unwrap().unwrap();
        assert_eq!(row.try_get::<String>("", "journal_mode").unwrap(), "wal");
    }
    assert!(matches!(store.ingest(A, &[], &[], block(1)).await, Err(StoreError::UnknownDomain(A))));
    let messages = seed(store).await;
    let cursor = store.cursor(A).await.unwrap().unwrap();
    assert_eq!(cursor.name, "alpha");
    assert_eq!(cursor.block, Some(block(10)));
    assert_eq!(cursor.finalized, None);

    // Same rows again: nothing new, nothing changed.
    let again = store.ingest(A, &[], &messages, block(10)).await.unwrap();
    assert_eq!((again.blocks, again.messages), (0, 0));
    let stored = store.message(messages[3].id).await.unwrap().unwrap();
    assert_eq!(stored.message, messages[3].message);
    assert_eq!(stored.block, messages[3].block);
    assert_eq!(stored.tx_hash, messages[3].tx_hash);
    assert_eq!(stored.status, MessageStatus::Pending);
    assert!(store.block(A, 1).await.unwrap().unwrap().parent.is_some());

    let leaves = store.route_leaves(A, B, 0, None).await.unwrap();
    let expected: Vec<B256> = messages[..10].iter().map(|m| m.id).collect();
    assert_eq!(leaves, expected);
    assert_eq!(store.route_leaves(A, B, 3, Some(5)).await.unwrap(), expected[3..5]);
    assert_eq!(store.route_leaves(A, C, 0, None).await.unwrap(), vec![messages[10].id]);

    // A block at a stored height with another hash is refused and changes nothing.
    let mut forked = dispatched(A, B, 10, 11);
    forked.block.number = 10;
    forked.block.hash = hash(0xee, 10);
    let err = store.ingest(A, &[], &[forked], block(11)).await.unwrap_err();
    assert!(matches!(err, StoreError::BlockConflict { number: 10, .. }), "{err}");
    assert_eq!(store.cursor(A).await.unwrap().unwrap().block, Some(block(10)));

    // Bad input is refused before touching the database.
    let mut wrong_origin = dispatched(B, A, 0, 11);
    wrong_origin.block = block(11);
    assert!(matches!(
        store.ingest(A, &[], &[wrong_origin], block(11)).await,
        Err(StoreError::InvalidIngest { .. })
    ));
    // A route with a hole reports it.
    store.ingest(A, &[], &[dispatched(A, C, 2, 12)], block(12)).await.unwrap();
    let gap = store.route_leaves(A, C, 0, None).await.unwrap_err();
    assert!(matches!(gap, StoreError::Gap { expected: 1, found: 2, .. }), "{gap}");
}
both!(ingest_is_one_idempotent_transaction);

async fn finality_and_rollback(store: &Store, _: Backend) {
    let messages = seed(store).await;
    store.mark_finalized(A, 5).await.unwrap();
    store.mark_finalized(A, 3).await.unwrap(); // never backwards
    assert_eq!(store.cursor(A).await.unwrap().unwrap().finalized, Some(5));
    assert!(store.message(messages[4].id).await.unwrap().unwrap().finalized);
    assert!(!store.message(messages[5].id).await.unwrap().unwrap().finalized);
    // Only final messages are handed to the relayer.
    let pending = store.pending(B, 100).await.unwrap();
    assert_eq!(pending.iter().map(|m| m.message.nonce).collect::<Vec<_>>(), vec![0, 1, 2, 3, 4]);

    let generation = store.rollback_generation();
    let summary = store.rollback_from(A, 7).await.unwrap();
    assert_eq!(summary.messages, 4);
    assert_eq!(summary.cursor, Some(block(6)));
    assert_eq!(store.rollback_generation(), generation + 1);
    assert_eq!(store.cursor(A).await.unwrap().unwrap().block, Some(block(6)));
    assert!(store.message(messages[6].id).await.unwrap().is_none());
    assert_eq!(store.route_leaves(A, B, 0, None).await.unwrap().len(), 6);
    assert_eq!(store.recent_blocks(A, 100).await.unwrap()[0].block, block(6));

    // At or below finality: refused, nothing deleted.
    let err = store.rollback_from(A, 5).await.unwrap_err();
    assert!(matches!(err, StoreError::BelowFinality { from: 5, finalized: 5, .. }), "{err}");
    assert_eq!(store.route_leaves(A, B, 0, None).await.unwrap().len(), 6);
    assert_eq!(store.cursor(A).await.unwrap().unwrap().block, Some(block(6)));

    // Re-ingest after the rollback; rows at or below the finalized height arrive final.
    store.ingest(A, &[], &messages[6..10], block(10)).await.unwrap();
    assert_eq!(store.route_leaves(A, B, 0, None).await.unwrap().len(), 10);
    assert!(matches!(store.mark_finalized(9, 1).await, Err(StoreError::UnknownDomain(9))));
}
both!(finality_and_rollback);

async fn relayer_status_updates(store: &Store, _: Backend) {
    let messages = seed(store).await;
    store.mark_finalized(A, 10).await.unwrap();
    let (m0, m1, m2, m3) = (messages[0].id, messages[1].id, messages[2].id, messages[3].id);

    let reverted = ErrorKind::Reverted { transient: false };
    let attempts = store.record_attempt(m0, reverted, "UnknownRoot()", i64::MAX).await;
    assert_eq!(attempts.unwrap(), 1);
    assert_eq!(
        store.record_attempt(m0, ErrorKind::Retryable, "timeout", i64::MAX).await.unwrap(),
        2
    );
    let r = store.message(m0).await.unwrap().unwrap();
    assert_eq!(r.status_reason.as_deref(), Some("timeout"));
    assert_eq!(r.error_kind.as_deref(), Some("retryable"));
    assert_eq!(r.next_attempt_at, i64::MAX);
    // Every attempt keeps its typed reason.
    let history: Vec<(u32, String, String)> = store
        .attempts(m0)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.attempt, a.kind, a.error))
        .collect();
    assert_eq!(
        history,
        vec![
            (1, "reverted".to_owned(), "UnknownRoot()".to_owned()),
            (2, "retryable".to_owned(), "timeout".to_owned())
        ]
    );
    // Not due: not pending now.
    assert!(store.pending(B, 100).await.unwrap().iter().all(|m| m.id != m0));

    store.mark_failed(m1, "66 attempts").await.unwrap();
    store.set_status(m2, MessageStatus::Skipped, "operator: skip").await.unwrap();
    store.set_status(m3, MessageStatus::Denylisted, "recipient denylisted").await.unwrap();
    store.mark_delivered(messages[4].id, hash(0xdd, 1)).await.unwrap();
    let due: Vec<u32> =
        store.pending(B, 100).await.unwrap().iter().map(|m| m.message.nonce).collect();
    assert_eq!(due, vec![5, 6, 7, 8, 9]);
    assert_eq!(store.pending(B, 2).await.unwrap().len(), 2);
    // Only the served origins.
    let served = std::collections::BTreeSet::from([A]);
    assert_eq!(store.pending_from(B, &served, 100).await.unwrap().len(), due.len());
    let other = std::collections::BTreeSet::from([77]);
    assert!(store.pending_from(B, &other, 100).await.unwrap().is_empty());

    // Retry by hand: pending and due now, attempts kept.
    store.set_status(m0, MessageStatus::Pending, "operator: retry").await.unwrap();
    let r = store.message(m0).await.unwrap().unwrap();
    assert_eq!((r.status, r.attempts), (MessageStatus::Pending, 2));
    assert_eq!(store.pending(B, 1).await.unwrap()[0].id, m0);

    let delivered = store.message(messages[4].id).await.unwrap().unwrap();
    assert_eq!(delivered.status, MessageStatus::Delivered);
    assert_eq!(delivered.delivered_tx, Some(hash(0xdd, 1)));
    // A delivered message is never skipped, retried or failed by hand: the store would lie.
    for status in [MessageStatus::Skipped, MessageStatus::Pending, MessageStatus::Failed] {
        let refused = store.set_status(messages[4].id, status, "by hand").await;
        assert!(
            matches!(&refused, Err(StoreError::Refused { status, .. }) if status == "delivered"),
            "{refused:?}"
        );
    }
    let still = store.message(messages[4].id).await.unwrap().unwrap();
    assert_eq!((still.status, still.status_reason), (delivered.status, delivered.status_reason));

    let by_status = |status| MessageFilter { status: Some(status), ..MessageFilter::default() };
    assert_eq!(store.messages(by_status(MessageStatus::Failed)).await.unwrap()[0].id, m1);
    assert_eq!(store.messages(by_status(MessageStatus::Skipped)).await.unwrap()[0].id, m2);
    assert_eq!(store.messages(by_status(MessageStatus::Denylisted)).await.unwrap()[0].id, m3);
    let to_c = MessageFilter { destination: Some(C), ..MessageFilter::default() };
    assert_eq!(store.messages(to_c).await.unwrap().len(), 1);

    let unknown = B256::repeat_byte(0x99);
    assert!(matches!(store.mark_failed(unknown, "x").await, Err(StoreError::NotFound(_))));
    assert!(matches!(
        store.record_attempt(unknown, ErrorKind::Permanent, "x", 0).await,
        Err(StoreError::NotFound(_))
    ));
}
both!(relayer_status_updates);

fn route_outbox(base: u8, destination: u32) -> B256 {
    let mut outbox = [0u8; 32];
    outbox[12..].copy_from_slice(&[base; 20]);
    outbox[8..12].copy_from_slice(&destination.to_be_bytes());
    B256::from(outbox)
}

async fn checkpoints_and_signatures(store: &Store, _: Backend) {
    let outbox = route_outbox(0xaa, B);
    assert_eq!(outbox_destination(&outbox), B);
    let cp = Checkpoint { origin: A, outbox, root: hash(0x01, 1), index: 4, epoch: 1 };
    let sig = |b: u8| SignatureBytes::repeat_byte(b);
    let (op1, op2) = (Address::repeat_byte(1), Address::repeat_byte(2));
    let id = store.record_checkpoint(&cp, &[(op2, sig(2)), (op1, sig(1))]).await.unwrap();
    assert_eq!(store.record_checkpoint(&cp, &[(op1, sig(1))]).await.unwrap(), id, "idempotent");
    assert_eq!(store.signatures(id).await.unwrap(), vec![(op1, sig(1)), (op2, sig(2))]);

    // A conflicting root at the same index is its own row (slashing evidence).
    let conflicting = Checkpoint { root: hash(0x02, 1), ..cp };
    let other = store.record_checkpoint(&conflicting, &[(op1, sig(3))]).await.unwrap();
    assert_ne!(other, id);
    let later = Checkpoint { index: 9, root: hash(0x03, 1), ..cp };
    store.record_checkpoint(&later, &[]).await.unwrap();

    let covering = store.latest_checkpoint(A, B, 3).await.unwrap().unwrap();
    assert_eq!(covering.checkpoint, later);
    assert_eq!(covering.destination, B);
    assert!(store.latest_checkpoint(A, B, 10).await.unwrap().is_none());
    assert!(store.latest_checkpoint(A, C, 0).await.unwrap().is_none());
    assert_eq!(store.checkpoints(Some(A), 10).await.unwrap().len(), 3);
    assert_eq!(store.checkpoints(Some(C), 10).await.unwrap().len(), 0);
    assert_eq!(store.checkpoints(None, 2).await.unwrap().len(), 2);
}
both!(checkpoints_and_signatures);

async fn deliveries_and_operators(store: &Store, _: Backend) {
    let messages = seed(store).await;
    let delivery = DeliveryRecord {
        message_id: messages[0].id,
        destination: B,
        tx_hash: hash(0xde, 1),
        block_number: 77,
        block_hash: hash(0xbb, 77),
        gas_used: 58_589,
        fee: 58_589 * 1_000_000_007,
        latency_ms: 1_250,
        delivered_at: 1_700_000_000_000,
    };
    store.record_delivery(&delivery).await.unwrap();
    store.record_delivery(&delivery).await.unwrap();
    assert_eq!(store.delivery(messages[0].id).await.unwrap(), Some(delivery));
    assert_eq!(store.deliveries(10).await.unwrap(), vec![delivery]);
    let m = store.message(messages[0].id).await.unwrap().unwrap();
    assert_eq!((m.status, m.delivered_tx), (MessageStatus::Delivered, Some(delivery.tx_hash)));
    let unknown = DeliveryRecord { message_id: B256::repeat_byte(9), ..delivery };
    assert!(matches!(store.record_delivery(&unknown).await, Err(StoreError::NotFound(_))));

    let mut op = OperatorRecord {
        address: Address::repeat_byte(0x0a),
        signing_key: Address::repeat_byte(0x0b),
        url: "http://127.0.0.1:9101".into(),
        stake: u128::MAX,
        status: "active".into(),
    };
    store.upsert_operator(&op).await.unwrap();
    op.status = "exiting".into();
    op.stake = 5;
    store.upsert_operator(&op).await.unwrap();
    assert_eq!(store.operators().await.unwrap(), vec![op]);
    store.ping().await.unwrap();
    assert_eq!(store.cursors().await.unwrap().len(), 1);
}
both!(deliveries_and_operators);

async fn submissions_confirm_or_go_back_to_pending(store: &Store, _: Backend) {
    let messages = seed(store).await;
    store.mark_finalized(A, 10).await.unwrap();
    let (m0, m1) = (messages[0].id, messages[1].id);
    let submitted = |id, n| DeliveryRecord {
        message_id: id,
        destination: B,
        tx_hash: hash(0xde, n),
        block_number: 40 + n,
        block_hash: hash(0xbb, 40 + n),
        gas_used: 50_000,
        fee: 1,
        latency_ms: 10,
        delivered_at: 1,
    };
    store.record_submissions(&[submitted(m0, 1), submitted(m1, 1)]).await.unwrap();
    let r = store.message(m0).await.unwrap().unwrap();
    assert_eq!(r.status, MessageStatus::Submitted);
    assert_eq!(r.submitted_block.map(|b| (b.number, b.hash)), Some((41, hash(0xbb, 41))));
    assert!(store.pending(B, 100).await.unwrap().iter().all(|m| m.id != m0), "not pending");
    assert_eq!(store.submitted(B, 10).await.unwrap().len(), 2);

    // m0's block is final: delivered. m1's block was reorged out: pending again, due now, its
    // delivery row gone, no attempt counted.
    store.confirm_deliveries(&[m0]).await.unwrap();
    store.revert_submission(m1, "dropped by a reorg").await.unwrap();
    assert_eq!(store.message(m0).await.unwrap().unwrap().status, MessageStatus::Delivered);
    let r = store.message(m1).await.unwrap().unwrap();
    assert_eq!((r.status, r.attempts, r.delivered_tx), (MessageStatus::Pending, 0, None));
    assert_eq!(r.submitted_block, None);
    assert_eq!(store.delivery(m1).await.unwrap(), None);
    assert_eq!(store.pending(B, 1).await.unwrap()[0].id, m1);
    // Reverting or confirming what is not submitted changes nothing.
    store.revert_submission(m0, "late").await.unwrap();
    assert_eq!(store.message(m0).await.unwrap().unwrap().status, MessageStatus::Delivered);
    store.confirm_deliveries(&[m1]).await.unwrap();
    assert_eq!(store.message(m1).await.unwrap().unwrap().status, MessageStatus::Pending);
    // Delivered again, exactly one delivery row.
    store.record_delivery(&submitted(m1, 2)).await.unwrap();
    assert_eq!(store.delivery(m1).await.unwrap().unwrap().tx_hash, hash(0xde, 2));
    assert_eq!(store.submitted(B, 10).await.unwrap().len(), 0);
}
both!(submissions_confirm_or_go_back_to_pending);

/// A read-only connection (`migrate: false`) refuses an unmigrated store and changes nothing;
/// once migrated, it opens it.
#[tokio::test]
async fn read_only_connections_never_migrate() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("s.db").display());
    let mut options = causeway_store::StoreOptions::new(url.clone());
    options.migrate = false;
    let refused = Store::connect_with(options.clone()).await.unwrap_err();
    assert!(
        matches!(&refused, StoreError::NotMigrated { pending, .. } if pending.len() == 3),
        "{refused}"
    );
    assert!(refused.to_string().contains("m0003_rejections"), "{refused}");
    Store::connect(&url).await.unwrap();
    Store::connect_with(options).await.unwrap();
}
