//! Delivery under a hostile destination: a reorg that drops a delivery, a bridge bucket that
//! refuses a transfer until it refills, a recipient that refuses a message for good.

use std::time::Duration;

use alloy::{
    eips::{BlockId, BlockNumberOrTag},
    primitives::Bytes,
    providers::{DynProvider, Provider},
};
use causeway_adapter_evm::{bindings::mailbox::Mailbox, deploy::tokens};
use causeway_core::{B256, U256};
use causeway_devnet::scenario::wait_delivered;
use causeway_store::{MessageRecord, MessageStatus};
use eyre::{Result, bail, ensure, eyre};
use serde_json::{Value, json};

use crate::{Backend, Net, failures::causeway};

const TIMEOUT: Duration = Duration::from_secs(60);
const ALL: [usize; 4] = [0, 1, 2, 3];

/// A JSON-RPC call to an anvil (reorgs, mining, time).
async fn rpc(p: &DynProvider, method: &'static str, params: Value) -> Result<Value> {
    p.raw_request(method.into(), params).await.map_err(|e| eyre!("{method}: {e}"))
}

/// Mines `n` empty blocks.
async fn mine(p: &DynProvider, n: u64) -> Result<()> {
    rpc(p, "anvil_mine", json!([U256::from(n)])).await.map(drop)
}

/// The hash of block `number` on `p`'s chain now (`None` past the head).
async fn block_hash(p: &DynProvider, number: u64) -> Result<Option<B256>> {
    Ok(p.get_block_by_number(BlockNumberOrTag::Number(number)).await?.map(|b| b.header.hash))
}

async fn row(net: &Net, id: B256) -> Result<MessageRecord> {
    net.store.message(id).await?.ok_or_else(|| eyre!("message {id} not stored"))
}

/// Sets the relayer's retry policy: two attempts, short backoff, so a failure that counts
/// becomes `failed` within about a second.
fn impatient(net: &mut Net) {
    let relayer = &mut net.devnet.config.relayer;
    relayer.max_attempts = 2;
    relayer.backoff_initial_ms = 200;
    relayer.backoff_max_ms = 1_000;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_destination_reorg_that_drops_a_delivery_delivers_it_again_exactly_once() -> Result<()> {
    // Two confirmations everywhere: a delivery stays `submitted` until two more l2 blocks exist,
    // and besides the relayer's own transactions, blocks come only when this test mines them.
    let finality = |o: &mut causeway_devnet::DevnetOptions| o.finality = "{ depth = 2 }".into();
    let net = Net::start_with(Backend::Sqlite, finality, &ALL, true).await?;
    let d = &net.devnet;
    let hub = d.provider("ethereum", &d.user)?;
    let l2 = d.provider("l2", &d.user)?;
    let mailbox = Mailbox::new(d.mailbox("l2")?, &l2);
    let relayer = d.relayer.address();
    let (l2_head, relayer_txs) =
        (l2.get_block_number().await?, l2.get_transaction_count(relayer).await?);

    // Two messages final on the hub at once (both dispatch blocks confirmed by one mining), so
    // they go in one batch: submitCheckpoint, then processBatch.
    let mut ids = Vec::new();
    for body in ["reorged away", "then delivered again"] {
        ids.push(d.send_message("ethereum", "l2", body.as_bytes()).await?.id);
    }
    mine(&hub, 2).await?;
    let statuses = || async {
        let mut all = Vec::new();
        for id in &ids {
            all.push(net.status(*id).await?);
        }
        Ok::<_, eyre::Report>(all)
    };
    net.until("deliveries submitted on l2", TIMEOUT, || async {
        let all = statuses().await?;
        ensure!(!all.contains(&Some(MessageStatus::Delivered)), "final with no l2 confirmation");
        Ok(all.iter().all(|s| *s == Some(MessageStatus::Submitted)))
    })
    .await?;
    let mut dropped = Vec::new();
    for id in &ids {
        dropped.push(net.store.delivery(*id).await?.ok_or_else(|| eyre!("no delivery of {id}"))?);
    }
    ensure!(dropped[0].tx_hash == dropped[1].tx_hash, "not delivered in one batch: {dropped:?}");
    let mut nonces = Vec::new();
    for id in &ids {
        nonces.push(U256::from(row(&net, *id).await?.message.nonce));
    }
    for &nonce in &nonces {
        ensure!(mailbox.delivered(1, nonce).call().await?, "nonce {nonce} not delivered on l2");
    }
    assert_eq!(block_hash(&l2, dropped[0].block_number).await?, Some(dropped[0].block_hash));
    assert_eq!(l2.get_transaction_count(relayer).await?, relayer_txs + 2, "checkpoint + batch");

    // The reorg, in one step (the relayer never sees a chain shorter than before): every block
    // since the test began, the checkpoint's and the batch's, is replaced by an empty one.
    let head = l2.get_block_number().await?;
    rpc(&l2, "anvil_reorg", json!([head - l2_head, []])).await?;
    let replaced = l2
        .get_block_by_number(BlockNumberOrTag::Number(head))
        .await?
        .ok_or_else(|| eyre!("no block {head} after the reorg"))?;
    ensure!(
        block_hash(&l2, dropped[0].block_number).await? != Some(dropped[0].block_hash),
        "height {} not replaced",
        dropped[0].block_number
    );
    ensure!(replaced.transactions.is_empty(), "the new blocks hold transactions");
    // Read at the new head of the reorg, whatever the relayer does meanwhile: the deliveries
    // are gone with the relayer's transactions, and anvil did not put them back in its pool.
    let at = BlockId::hash(replaced.header.hash);
    for &nonce in &nonces {
        ensure!(!mailbox.delivered(1, nonce).block(at).call().await?, "the reorg kept {nonce}");
    }
    assert_eq!(l2.get_transaction_count(relayer).block_id(at).await?, relayer_txs);
    let pool = rpc(&l2, "txpool_content", json!([])).await?.to_string().to_lowercase();
    ensure!(!pool.contains(&format!("{:x}", dropped[0].tx_hash)), "back in the pool: {pool}");

    net.until("delivered again and final on l2", TIMEOUT, || async {
        mine(&l2, 1).await?;
        mine(&hub, 1).await?;
        let all = statuses().await?;
        ensure!(!all.contains(&Some(MessageStatus::Failed)), "given up after the reorg");
        Ok(all.iter().all(|s| *s == Some(MessageStatus::Delivered)))
    })
    .await?;

    // Chain state: each delivered once, by new transactions of the relayer (the checkpoint
    // verified again, the batch sent again).
    for &nonce in &nonces {
        ensure!(mailbox.delivered(1, nonce).call().await?, "nonce {nonce} not delivered on l2");
    }
    assert_eq!(d.received("l2").await?, U256::from(2), "the recipient ran once per message");
    assert_eq!(l2.get_transaction_count(relayer).await?, relayer_txs + 2, "sent once again");
    // Store: delivered with no attempt counted, each delivery in a canonical l2 block.
    for id in &ids {
        let record = row(&net, *id).await?;
        assert_eq!((record.status, record.attempts), (MessageStatus::Delivered, 0));
        assert_eq!(record.status_reason, None, "sent again, not found delivered");
        let delivery = net.store.delivery(*id).await?.ok_or_else(|| eyre!("no delivery"))?;
        ensure!(delivery.block_number > head, "not in a block after the reorg");
        assert_eq!(record.delivered_tx, Some(delivery.tx_hash));
        assert_eq!(block_hash(&l2, delivery.block_number).await?, Some(delivery.block_hash));
        let receipt = l2
            .get_transaction_receipt(delivery.tx_hash)
            .await?
            .ok_or_else(|| eyre!("the recorded delivery is not on l2"))?;
        ensure!(receipt.status(), "the recorded delivery reverted");
        assert_eq!(receipt.block_hash, Some(delivery.block_hash));
    }
    net.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limited_transfer_waits_and_is_delivered_when_the_bucket_refills() -> Result<()> {
    let mut net = Net::start(Backend::Sqlite, &ALL, false).await?;
    impatient(&mut net);
    net.start_relayer().await?;
    let d = &net.devnet;
    // The l2 bridge takes at most 50 tokens from the hub, refilling one a minute: a transfer
    // above 50 could never pass, so 40 tokens empty the bucket to 10 first.
    let first = d.bridge_out("l2", tokens(40)).await?;
    wait_delivered(&net.store, first, TIMEOUT).await?;
    let sent = d.bridge_out("l2", tokens(20)).await?;
    let id = sent.id;

    // Refused with RateLimited on every try, past max_attempts, and never given up.
    net.until("three rate-limited attempts", TIMEOUT, || async {
        let Some(r) = net.store.message(id).await? else { return Ok(false) };
        ensure!(r.status == MessageStatus::Pending, "{}: {:?}", r.status, r.status_reason);
        Ok(r.attempts >= 3)
    })
    .await?;
    let record = row(&net, id).await?;
    assert_eq!(record.error_kind.as_deref(), Some("reverted_transient"));
    let reason = record.status_reason.as_deref().unwrap_or_default();
    ensure!(reason.contains("RateLimited"), "reason: {reason}");
    let attempts = net.store.attempts(id).await?;
    ensure!(attempts.len() >= 3, "{} attempts recorded", attempts.len());
    for a in &attempts {
        assert_eq!(a.kind, "reverted_transient", "attempt {}", a.attempt);
        ensure!(a.error.contains("RateLimited"), "attempt {}: {}", a.attempt, a.error);
    }
    assert_eq!(d.spoke_balance("l2").await?, tokens(40), "nothing of the 20 minted yet");

    // 15 minutes refill 15 tokens: the bucket holds about 25, enough for the 20.
    let l2 = d.provider("l2", &d.user)?;
    rpc(&l2, "evm_increaseTime", json!([U256::from(900)])).await?;
    mine(&l2, 1).await?;
    let leg = wait_delivered(&net.store, sent, TIMEOUT).await?;
    assert_eq!(d.spoke_balance("l2").await?, tokens(60));
    let record = row(&net, id).await?;
    assert_eq!(record.status, MessageStatus::Delivered);
    assert_eq!(leg.delivery_tx, record.delivered_tx);
    net.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_that_reverts_for_good_fails_with_its_typed_reason() -> Result<()> {
    let mut net = Net::start(Backend::Sqlite, &ALL, false).await?;
    impatient(&mut net);
    net.start_relayer().await?;
    let d = &net.devnet;
    // The user, not the hub bridge, sends the l2 bridge a well-formed transfer of 1,000 tokens
    // to itself: the bridge refuses any sender but its enrolled router.
    let hub = d.provider("ethereum", &d.user)?;
    let bridge = d.spoke("l2")?.token_bridge;
    let mut body = d.user.address().into_word().to_vec();
    body.extend_from_slice(&tokens(1_000).to_be_bytes::<32>());
    let hub_mailbox = Mailbox::new(d.mailbox("ethereum")?, &hub);
    let call = hub_mailbox.dispatch(2, bridge.into_word(), Bytes::from(body));
    let receipt = causeway_adapter_evm::deploy::send("forged transfer", call).await?;
    let id = receipt
        .decoded_log::<Mailbox::Dispatch>()
        .ok_or_else(|| eyre!("no Dispatch event"))?
        .data
        .id;
    // Right behind it on the same route, a good message.
    let good = d.send_message("ethereum", "l2", b"not held back").await?;

    let leg = wait_delivered(&net.store, good, TIMEOUT).await?;
    net.until("the forged transfer failed", TIMEOUT, || async {
        let status = net.status(id).await?;
        if status == Some(MessageStatus::Delivered) {
            bail!("the forged transfer was delivered");
        }
        Ok(status == Some(MessageStatus::Failed))
    })
    .await?;
    let record = row(&net, id).await?;
    assert_eq!(record.error_kind.as_deref(), Some("reverted"));
    assert_eq!(record.attempts, 2);
    let reason = record.status_reason.as_deref().unwrap_or_default();
    ensure!(reason.contains("UnenrolledRouter"), "reason: {reason}");
    let attempts = net.store.attempts(id).await?;
    assert_eq!(attempts.iter().map(|a| a.attempt).collect::<Vec<_>>(), [1, 2]);
    for a in &attempts {
        assert_eq!(a.kind, "reverted", "attempt {}", a.attempt);
        ensure!(a.error.contains("UnenrolledRouter"), "attempt {}: {}", a.attempt, a.error);
    }

    // On l2: the good message delivered past the undeliverable one, nothing minted.
    let l2 = d.provider("l2", &d.user)?;
    let mailbox = Mailbox::new(d.mailbox("l2")?, &l2);
    let (bad_nonce, good_nonce) =
        (record.message.nonce, row(&net, leg.sent.id).await?.message.nonce);
    ensure!(!mailbox.delivered(1, U256::from(bad_nonce)).call().await?, "forged delivered");
    ensure!(mailbox.delivered(1, U256::from(good_nonce)).call().await?, "good not delivered");
    assert_eq!(d.received("l2").await?, U256::from(1));
    assert!(d.spoke_balance("l2").await?.is_zero(), "the forged transfer minted");

    // The operator's view: the real binary lists it as failed, with its kind.
    let config = d.config_path();
    let config = config.to_str().ok_or_else(|| eyre!("path"))?;
    let out = causeway(&["relayer", "list", "--config", config, "--status", "failed"]).await?;
    ensure!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find(|l| l.starts_with(&id.to_string()))
        .ok_or_else(|| eyre!("the failed list lacks {id}:\n{stdout}"))?;
    let columns: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(columns.get(4..6), Some(&["2", "reverted"][..]), "attempts and kind: {line}");
    ensure!(line.contains("UnenrolledRouter"), "the reason is listed: {line}");
    ensure!(stdout.contains("1 failed message(s)"), "{stdout}");
    net.shutdown().await;
    Ok(())
}
