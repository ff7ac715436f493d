//! What must not happen: delivery without a quorum, a stall behind one slow operator, a replayed
//! or forged delivery accepted, a message lost or doubled when the relayer is killed.

use std::{process::Stdio, time::Duration};

use causeway_adapter_evm::{EvmSink, bindings::mailbox::Mailbox, route_outbox};
use causeway_core::{
    B256, Checkpoint, ErrorKind, MessageSink, U256,
    chain::{DeliveryBatch, SignedCheckpoint},
    vectors::test_key,
};
use causeway_devnet::scenario::wait_delivered;
use causeway_store::MessageStatus;
use eyre::{Result, ensure, eyre};

use crate::{Backend, Net};

const TIMEOUT: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_quorum_nothing_is_delivered_until_enough_operators_return() -> Result<()> {
    // 100 + 200 + 300 = 600 of 1,000 tokens: three signers, but short of the 66.67 % threshold.
    let mut net = Net::start(Backend::Sqlite, &[0, 1, 2], true).await?;
    let sent = net.devnet.send_message("ethereum", "l2", b"needs the 400").await?;
    let store = net.store.clone();
    let id = sent.id;
    net.until("message indexed", TIMEOUT, || {
        let store = store.clone();
        async move { Ok(store.message(id).await?.is_some()) }
    })
    .await?;
    // Several relayer rounds.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let l2 = net.devnet.provider("l2", &net.devnet.user)?;
    let mailbox = Mailbox::new(net.devnet.mailbox("l2")?, &l2);
    ensure!(!mailbox.delivered(1, U256::ZERO).call().await?, "delivered without a quorum");
    assert_eq!(net.status(id).await?, Some(MessageStatus::Pending));
    assert_eq!(net.store.message(id).await?.expect("stored").attempts, 0, "waiting is no failure");
    assert!(net.store.checkpoints(Some(1), 10).await?.is_empty(), "no checkpoint without quorum");

    // The heaviest operator comes back: 1,000 of 1,000.
    net.start_operator(3).await?;
    wait_delivered(&net.store, sent, TIMEOUT).await?;
    ensure!(mailbox.delivered(1, U256::ZERO).call().await?, "not delivered on chain");
    ensure!(net.devnet.received("l2").await? == U256::from(1), "delivered once");
    net.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_slow_operator_does_not_stall_delivery() -> Result<()> {
    let mut net = Net::start(Backend::Sqlite, &[1, 2, 3], false).await?;
    // Operator 0 answers nothing: its announced address accepts connections and holds them.
    let listener =
        net.devnet.operators[0].listener.take().ok_or_else(|| eyre!("listener already taken"))?;
    let black_hole = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    // A signature timeout far above what a delivery takes, so a stall behind the silent
    // operator cannot hide in the noise of a loaded machine.
    let stall = Duration::from_secs(10);
    net.devnet.config.relayer.signature_timeout_ms = stall.as_millis() as u64;
    net.start_relayer().await?;
    // Delivered although one operator never answers (the first round may wait out the signature
    // timeout: the others may not have signed yet, so no quorum is in hand).
    let first = net.devnet.send_message("ethereum", "l2", b"first").await?;
    wait_delivered(&net.store, first, TIMEOUT).await?;
    // From then on the operator is known slow and costs a round at most 250 ms, and a quorum in
    // hand stops the wait after a short grace: no delivery waits out the timeout.
    let sent = net.devnet.send_message("ethereum", "l2", b"no waiting for stragglers").await?;
    let leg = wait_delivered(&net.store, sent, TIMEOUT).await?;
    ensure!(
        leg.latency < stall,
        "delivery took {:?}: the slow operator stalled it ({stall:?} timeout)",
        leg.latency
    );
    black_hole.abort();
    net.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replayed_and_forged_deliveries_sent_straight_to_the_mailbox_are_refused() -> Result<()> {
    let net = Net::start(Backend::Sqlite, &[0, 1, 2, 3], true).await?;
    let d = &net.devnet;
    let sent = d.send_message("ethereum", "l2", b"only once").await?;
    wait_delivered(&net.store, sent.clone(), TIMEOUT).await?;
    let record = net.store.message(sent.id).await?.expect("stored");
    let checkpoint = net.store.latest_checkpoint(1, 2, 0).await?.expect("checkpoint stored");
    let count = u64::from(checkpoint.checkpoint.index) + 1;
    let proof = net.trees.range_proof(1, 2, 0, 1, count).await?;

    // Anyone may send to the Mailbox: here the user, not the relayer.
    let user_sink = EvmSink::new(2, d.provider("l2", &d.user)?, d.mailbox("l2")?, d.user.address());
    let replay = DeliveryBatch {
        origin: 1,
        root: checkpoint.checkpoint.root,
        count,
        messages: vec![record.message.clone()],
        proof: proof.clone(),
    };
    // The relayer delivered the lone message with `processWithCheckpoint`, so the root is not
    // stored: replaying it the same way, with the quorum the relayer gathered, is refused.
    let signatures = net.store.signatures(checkpoint.id).await?;
    let quorum =
        SignedCheckpoint { checkpoint: checkpoint.checkpoint, set: d.set.clone(), signatures };
    let err = user_sink.deliver(&quorum, &replay).await.expect_err("replay accepted");
    assert_eq!(err.kind(), ErrorKind::AlreadyDelivered, "{err}");
    // With the root stored, a `processBatch` replay is refused too.
    user_sink.submit_checkpoint(&quorum).await?;
    let err = user_sink.process_batch(&replay).await.expect_err("replay accepted");
    assert_eq!(err.kind(), ErrorKind::AlreadyDelivered, "{err}");

    // The same proof for a message with another body.
    let mut forged_message = record.message.clone();
    forged_message.body = b"only once, and a mint for me".to_vec().into();
    let forged = DeliveryBatch { messages: vec![forged_message], ..replay };
    let err = user_sink.process_batch(&forged).await.expect_err("forged message accepted");
    assert!(matches!(err.kind(), ErrorKind::Reverted { .. } | ErrorKind::Permanent), "{err}");

    // A checkpoint of a made-up root: signed by two real operators (300 of 1,000) and by a key
    // that is no member.
    let fake = Checkpoint {
        origin: 1,
        outbox: route_outbox(d.hub.mailbox, 2),
        root: B256::repeat_byte(0x66),
        index: 5,
        epoch: 1,
    };
    let domain = causeway_node::wiring::signing_domain(&d.config)?;
    for signers in [vec![&d.operators[0].key, &d.operators[1].key], vec![&test_key(9)?]] {
        let mut signatures = signers
            .iter()
            .map(|k| Ok((k.address(), k.sign_checkpoint(&fake, &domain)?)))
            .collect::<Result<Vec<_>>>()?;
        signatures.sort_by_key(|(a, _)| *a);
        let signed = SignedCheckpoint { checkpoint: fake, set: d.set.clone(), signatures };
        let err = user_sink.submit_checkpoint(&signed).await.expect_err("forged checkpoint");
        assert!(matches!(err.kind(), ErrorKind::Reverted { .. } | ErrorKind::Permanent), "{err}");
    }
    ensure!(!user_sink.is_root_verified(1, fake.root).await?, "forged root verified");
    ensure!(d.received("l2").await? == U256::from(1), "exactly one delivery");
    net.shutdown().await;
    Ok(())
}

/// The real `causeway relayer run` against the devnet's config, one message per batch.
fn relayer_process(net: &Net) -> Result<tokio::process::Child> {
    let config = net.devnet.dir.join("devnet.toml");
    Ok(tokio::process::Command::new(env!("CARGO_BIN_EXE_causeway"))
        .args(["relayer", "run", "--config"])
        .arg(&config)
        .args(["--set", "relayer.batch_size=1"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relayer_killed_mid_queue_and_restarted_delivers_every_message_exactly_once() -> Result<()>
{
    const N: usize = 30;
    let net = Net::start(Backend::Sqlite, &[0, 1, 2, 3], false).await?;
    let mut sent = Vec::new();
    for i in 0..N {
        sent.push(
            net.devnet.send_message("ethereum", "l2", format!("queued {i}").as_bytes()).await?,
        );
    }
    net.until("all queued messages indexed", TIMEOUT, || async {
        Ok(net.count(2, MessageStatus::Pending).await? == N)
    })
    .await?;

    let mut relayer = relayer_process(&net)?;
    // Included on the destination (submitted) or confirmed final (delivered).
    let landed = || async {
        Ok::<_, eyre::Report>(
            net.count(2, MessageStatus::Submitted).await?
                + net.count(2, MessageStatus::Delivered).await?,
        )
    };
    net.until("the relayer delivered some", TIMEOUT, || async { Ok(landed().await? >= 3) }).await?;
    relayer.start_kill()?; // SIGKILL: no shutdown path runs
    relayer.wait().await?;
    let at_kill = landed().await?;
    ensure!(at_kill < N, "the relayer finished before it was killed; the test proves nothing");

    let mut relayer = relayer_process(&net)?;
    net.until("every message delivered after the restart", TIMEOUT, || async {
        Ok(net.count(2, MessageStatus::Delivered).await? == N)
    })
    .await?;
    // SIGTERM: a graceful stop, exit code 0.
    let pid = relayer.id().ok_or_else(|| eyre!("relayer already exited"))?;
    let kill = std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status()?;
    ensure!(kill.success(), "kill -TERM {pid}");
    let status = tokio::time::timeout(Duration::from_secs(20), relayer.wait()).await??;
    ensure!(status.success(), "relayer did not stop cleanly on SIGTERM: {status}");

    // On chain: each nonce delivered, and the recipient ran exactly N times.
    let l2 = net.devnet.provider("l2", &net.devnet.user)?;
    let mailbox = Mailbox::new(net.devnet.mailbox("l2")?, &l2);
    for nonce in 0..N {
        ensure!(mailbox.delivered(1, U256::from(nonce)).call().await?, "nonce {nonce}");
    }
    assert_eq!(net.devnet.received("l2").await?, U256::from(N));
    assert_eq!(net.count(2, MessageStatus::Pending).await?, 0);
    assert_eq!(net.count(2, MessageStatus::Failed).await?, 0);
    net.shutdown().await;
    Ok(())
}

/// Runs the `causeway` binary to completion.
pub(crate) async fn causeway(args: &[&str]) -> Result<std::process::Output> {
    Ok(tokio::process::Command::new(env!("CARGO_BIN_EXE_causeway"))
        .args(args)
        .env("RUST_LOG", "error")
        .output()
        .await?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_relayer_queue_is_listed_skipped_and_retried_from_the_command_line() -> Result<()> {
    // No relayer runs (yet): the message stays pending.
    let mut net = Net::start(Backend::Sqlite, &[0, 1, 2, 3], false).await?;
    let sent = net.devnet.send_message("ethereum", "l2", b"steer me").await?;
    let id = sent.id;
    let store = net.store.clone();
    net.until("message indexed", TIMEOUT, || {
        let store = store.clone();
        async move { Ok(store.message(id).await?.is_some()) }
    })
    .await?;
    let config = net.devnet.dir.join("devnet.toml");
    let config = config.to_str().ok_or_else(|| eyre!("path"))?;
    let id_text = id.to_string();

    let out = causeway(&["relayer", "list", "--config", config, "--status", "pending"]).await?;
    ensure!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    ensure!(String::from_utf8_lossy(&out.stdout).contains(&id_text), "pending list lacks the id");
    // A read-only command does not migrate, and nothing it prints into a pipe is coloured.
    let info = tokio::process::Command::new(env!("CARGO_BIN_EXE_causeway"))
        .args(["relayer", "list", "--config", config, "--status", "pending"])
        .env("RUST_LOG", "info")
        .output()
        .await?;
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&info.stdout),
        String::from_utf8_lossy(&info.stderr)
    );
    ensure!(info.status.success(), "{all}");
    ensure!(!all.to_lowercase().contains("migration"), "list migrated: {all}");
    ensure!(!all.contains('\x1b'), "colour codes in a pipe: {all:?}");

    let out =
        causeway(&["relayer", "skip", "--config", config, &id_text, "--reason", "spam"]).await?;
    ensure!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let row = net.store.message(id).await?.expect("stored");
    assert_eq!((row.status, row.status_reason.as_deref()), (MessageStatus::Skipped, Some("spam")));

    let out = causeway(&["relayer", "retry", "--config", config, &id_text]).await?;
    ensure!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(net.status(id).await?, Some(MessageStatus::Pending));

    // Bad input: exit code 2 and a reason, nothing changed.
    let out = causeway(&["relayer", "skip", "--config", config, "0x1234"]).await?;
    assert_eq!(out.status.code(), Some(2));
    ensure!(String::from_utf8_lossy(&out.stderr).contains("is not a message id"));
    let out = causeway(&["relayer", "list", "--config", config, "--status", "lost"]).await?;
    assert_eq!(out.status.code(), Some(2));
    ensure!(String::from_utf8_lossy(&out.stderr).contains("unknown status"));
    let out = causeway(&["relayer", "run"]).await?;
    assert_eq!(out.status.code(), Some(2), "no configuration given");
    assert_eq!(net.status(id).await?, Some(MessageStatus::Pending));

    // Once delivered, skip and retry are refused and change nothing.
    net.start_relayer().await?;
    causeway_devnet::scenario::wait_delivered(&net.store, sent, TIMEOUT).await?;
    for command in [
        &["relayer", "skip", "--config", config, &id_text][..],
        &["relayer", "retry", "--config", config, &id_text],
    ] {
        let out = causeway(command).await?;
        assert_eq!(out.status.code(), Some(1), "{command:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        ensure!(stderr.contains("is delivered; it is on its destination"), "{stderr}");
    }
    assert_eq!(net.status(id).await?, Some(MessageStatus::Delivered));
    net.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_rpc_or_a_missing_key_is_a_clear_error() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("c.toml");
    // Port 9 (discard) on localhost: nothing listens.
    std::fs::write(
        &file,
        "[hub]\nchain = \"ethereum\"\n[chains.ethereum]\nkind = \"evm\"\ndomain = 1\n\
         chain_id = 31337\nrpc = \"http://127.0.0.1:9\"\n[chains.ethereum.contracts]\n\
         mailbox = \"0x5FbDB2315678afecb367f032d93F642f64180aa3\"\n[store]\nurl = \"sqlite::memory:\"\n",
    )?;
    let file = file.to_str().ok_or_else(|| eyre!("path"))?;
    let out = causeway(&["indexer", "--config", file]).await?;
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    ensure!(err.contains("chains.ethereum") && err.contains("does not answer"), "{err}");

    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_causeway"))
        .args(["relayer", "run", "--config", file])
        .env_remove("CAUSEWAY_RELAYER_KEY")
        .output()
        .await?;
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    ensure!(err.contains("CAUSEWAY_RELAYER_KEY"), "the missing key's source is named: {err}");
    Ok(())
}
