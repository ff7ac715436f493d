//! The happy paths: messages and tokens both ways on each store backend; the indexer resumes.

use std::time::Duration;

use causeway_adapter_evm::{bindings::mailbox::Mailbox, deploy::tokens};
use causeway_core::U256;
use causeway_devnet::scenario::wait_delivered;
use causeway_node::Supervisor;
use causeway_store::MessageStatus;
use eyre::{Result, ensure};

use crate::{Backend, Net};

const TIMEOUT: Duration = Duration::from_secs(60);
const ALL: [usize; 4] = [0, 1, 2, 3];

async fn round_trip(backend: Backend) -> Result<()> {
    let net = Net::start(backend, &ALL, true).await?;
    let d = &net.devnet;
    let hub_before = d.hub_balance().await?;
    let amount = tokens(10);

    let to_l2 = d.send_message("ethereum", "l2", b"ping").await?;
    let to_hub = d.send_message("l2", "ethereum", b"pong").await?;
    let out = d.bridge_out("l2", amount).await?;
    ensure!(d.hub_balance().await? == hub_before - amount, "tokens locked on the hub");
    let mut legs = Vec::new();
    for sent in [to_l2, to_hub, out] {
        legs.push(wait_delivered(&net.store, sent, TIMEOUT).await?);
    }
    ensure!(d.spoke_balance("l2").await? == amount, "minted on l2");
    let back = d.bridge_back("l2", amount).await?;
    legs.push(wait_delivered(&net.store, back, TIMEOUT).await?);

    // Chain state: balances restored, each MessageLog got exactly its message, the Mailboxes
    // mark every nonce delivered.
    ensure!(d.hub_balance().await? == hub_before, "released on the hub");
    ensure!(d.spoke_balance("l2").await?.is_zero(), "burned on l2");
    ensure!(d.received("ethereum").await? == U256::from(1), "hub log");
    ensure!(d.received("l2").await? == U256::from(1), "l2 log");
    let l2_mailbox = Mailbox::new(d.mailbox("l2")?, d.provider("l2", &d.user)?);
    let hub_mailbox = Mailbox::new(d.hub.mailbox, d.hub_provider(&d.user));
    for nonce in [0u64, 1] {
        ensure!(l2_mailbox.delivered(1, U256::from(nonce)).call().await?, "l2 nonce {nonce}");
    }
    for nonce in [0u64, 1] {
        ensure!(hub_mailbox.delivered(2, U256::from(nonce)).call().await?, "hub nonce {nonce}");
    }

    // Store rows: every message delivered with its delivery, checkpoints of both origins.
    for leg in &legs {
        let row = net.store.message(leg.sent.id).await?.expect("stored");
        assert_eq!(row.status, MessageStatus::Delivered);
        let delivery = net.store.delivery(leg.sent.id).await?.expect("delivery recorded");
        assert_eq!(Some(delivery.tx_hash), row.delivered_tx);
        assert!(delivery.gas_used > 0);
    }
    assert_eq!(net.count(2, MessageStatus::Delivered).await?, 2);
    assert_eq!(net.count(1, MessageStatus::Delivered).await?, 2);
    for origin in [1, 2] {
        let cp = net.store.checkpoints(Some(origin), 10).await?;
        ensure!(!cp.is_empty(), "no checkpoint of origin {origin} stored");
        let sigs = net.store.signatures(cp[0].id).await?;
        ensure!(sigs.len() >= 3, "a quorum has at least 3 signers, got {}", sigs.len());
    }
    net.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_and_tokens_cross_both_ways_on_sqlite() -> Result<()> {
    round_trip(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_and_tokens_cross_both_ways_on_postgres() -> Result<()> {
    round_trip(Backend::Postgres).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_indexer_resumes_from_its_cursor() -> Result<()> {
    let mut net = Net::start(Backend::Sqlite, &[], false).await?;
    let mut first = Vec::new();
    for i in 0..3 {
        first.push(
            net.devnet.send_message("ethereum", "l2", format!("before {i}").as_bytes()).await?,
        );
    }
    let ids: Vec<_> = first.iter().map(|s| s.id).collect();
    net.until("3 messages indexed", TIMEOUT, || all_indexed(&net.store, &ids)).await?;
    let created: Vec<i64> = {
        let mut v = Vec::new();
        for s in &first {
            v.push(net.store.message(s.id).await?.expect("stored").created_at);
        }
        v
    };
    net.indexer.shutdown().await;
    let cursor = net.store.cursor(1).await?.and_then(|c| c.block).expect("cursor").number;

    // While it is down, the hub moves on.
    let mut later = Vec::new();
    for i in 0..3 {
        later.push(
            net.devnet.send_message("ethereum", "l2", format!("while down {i}").as_bytes()).await?,
        );
    }
    for s in &later {
        ensure!(net.store.message(s.id).await?.is_none(), "indexed while the indexer was down");
    }

    net.indexer = Supervisor::new();
    let (indexer, _, _) = net.devnet.start_indexer(net.store.clone(), &net.indexer).await?;
    net.trees = indexer.trees;
    let ids: Vec<_> = later.iter().map(|s| s.id).collect();
    net.until("the later messages indexed", TIMEOUT, || all_indexed(&net.store, &ids)).await?;
    // Every message once, the earlier rows untouched, the cursor past where it stopped.
    assert_eq!(net.count(2, MessageStatus::Pending).await?, 6);
    for (s, created_at) in first.iter().zip(created) {
        assert_eq!(net.store.message(s.id).await?.expect("kept").created_at, created_at);
    }
    let resumed = net.store.cursor(1).await?.and_then(|c| c.block).expect("cursor").number;
    ensure!(resumed > cursor, "cursor {resumed} did not move past {cursor}");
    let nonces: Vec<u32> = {
        let mut v = Vec::new();
        for s in first.iter().chain(&later) {
            v.push(net.store.message(s.id).await?.expect("stored").message.nonce);
        }
        v
    };
    assert_eq!(nonces, (0..6).collect::<Vec<u32>>(), "leaf order kept across the restart");
    net.shutdown().await;
    Ok(())
}

/// Whether every id is stored.
async fn all_indexed(store: &causeway_store::Store, ids: &[causeway_core::B256]) -> Result<bool> {
    for id in ids {
        if store.message(*id).await?.is_none() {
            return Ok(false);
        }
    }
    Ok(true)
}
