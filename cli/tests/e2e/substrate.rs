//! Polkadot ⇄ Ethereum through the hub: the dev FRAME runtime under chopsticks, the escrow of
//! the four operators' keys (3 of 4), wDOT on the hub. Tokens go out (transfer + remark on the
//! Substrate side ⇒ indexed ⇒ attested ⇒ minted on Ethereum) and back (burned on Ethereum ⇒
//! released from the escrow by the operators' approvals); an approval request that is not
//! attested, or whose proof does not lead to the signed root, is refused and releases nothing.

use std::time::Duration;

use causeway_adapter_substrate::{Payload, escrow::Escrow, tx};
use causeway_core::{
    B256, Checkpoint, MerkleTree, Message, U256,
    chain::{DeliveryBatch, SignedCheckpoint},
    vectors::test_key,
    wire::{ApprovalRequest, ApprovalStatus},
};
use causeway_devnet::{SubstrateSpec, scenario::wait_delivered, substrate::ferdie};
use eyre::{Result, eyre};

use crate::{Backend, Net};

const DOT: u128 = 10_000_000_000;
const POLKADOT: u32 = 1000;

async fn polkadot_net() -> Result<Option<Net>> {
    let Some(dot) = SubstrateSpec::dev("polkadot", POLKADOT, "polkadot-dev")? else {
        return Ok(None);
    };
    let net =
        Net::start_with(Backend::Sqlite, |o| o.substrate = vec![dot], &[0, 1, 2, 3], true).await?;
    Ok(Some(net))
}

/// Every message from Polkadot in the store.
async fn from_polkadot(net: &Net) -> Result<Vec<causeway_store::MessageRecord>> {
    let filter =
        causeway_store::MessageFilter { origin: Some(POLKADOT), limit: 100, ..Default::default() };
    Ok(net.store.messages(filter).await?)
}

#[tokio::test(flavor = "multi_thread")]
async fn dot_goes_to_ethereum_and_comes_back_through_the_escrow() -> Result<()> {
    let Some(net) = polkadot_net().await? else { return Ok(()) };
    let devnet = &net.devnet;
    let chain = devnet.substrate("polkadot")?;
    assert_eq!(chain.escrow.threshold, 3, "3 of the 4 operator keys");
    let escrow_before = devnet.substrate_free("polkadot", chain.escrow.account).await?;

    let out = devnet
        .bridge_from_substrate(&net.store, "polkadot", 25 * DOT, Duration::from_secs(60))
        .await?;
    let leg = wait_delivered(&net.store, out, Duration::from_secs(90)).await?;
    assert!(leg.delivery_tx.is_some());
    assert_eq!(devnet.wrapped_balance("polkadot").await?, U256::from(25 * DOT), "wDOT minted");
    assert_eq!(
        devnet.substrate_free("polkadot", chain.escrow.account).await?,
        escrow_before + 25 * DOT,
        "the DOT are locked in the escrow"
    );

    let ferdie_before = devnet.substrate_free("polkadot", ferdie()).await?;
    let back = devnet.bridge_to_substrate("polkadot", ferdie(), 10 * DOT).await?;
    let id = back.id;
    let leg = wait_delivered(&net.store, back, Duration::from_secs(90)).await?;
    assert!(leg.delivery_tx.is_some(), "the executing approval is the delivery");
    assert_eq!(devnet.substrate_free("polkadot", ferdie()).await?, ferdie_before + 10 * DOT);
    assert_eq!(devnet.wrapped_balance("polkadot").await?, U256::from(15 * DOT), "wDOT burned");
    assert_eq!(
        devnet.substrate_free("polkadot", chain.escrow.account).await?,
        escrow_before + 15 * DOT
    );
    let record = net.store.message(id).await?.ok_or_else(|| eyre!("no record"))?;
    assert_eq!(record.attempts, 0, "released on the first delivery call");

    // Malformed dispatches are rejected with their reason, and none becomes a message.
    let wrong = Escrow::new(vec![B256::repeat_byte(1), B256::repeat_byte(2)], 2)
        .map_err(eyre::Error::msg)?
        .account;
    let payload = Payload::transfer(1, devnet.user.address().into_word());
    let alice = subxt_signer::sr25519::dev::alice();
    let bad = tx::submit(&chain.client, &tx::bridge_transfer(wrong, DOT, &payload), &alice)
        .await
        .map_err(|e| eyre!(e))?;
    net.until("the rejection is stored", Duration::from_secs(30), || async {
        let rows = net.store.rejections(Some(POLKADOT), 10).await?;
        Ok(rows
            .iter()
            .any(|(_, r)| r.tx_hash == bad.tx_hash && r.reason.contains("not to the escrow")))
    })
    .await?;
    let from_polkadot = from_polkadot(&net).await?;
    assert_eq!(from_polkadot.len(), 1, "only the good transfer is a message");
    net.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn operators_refuse_releases_that_are_not_attested() -> Result<()> {
    let Some(net) = polkadot_net().await? else { return Ok(()) };
    let devnet = &net.devnet;
    let chain = devnet.substrate("polkadot")?;
    let domain = causeway_node::wiring::signing_domain(&devnet.config)?;
    let hub = devnet.hub_spec().domain;
    let outbox = causeway_core::route_outbox(devnet.hub.mailbox, POLKADOT);
    let mut body = ferdie().to_vec();
    body.extend_from_slice(&U256::from(500 * DOT).to_be_bytes::<32>());
    let forged =
        Message::new(0, hub, chain.bridge.into_word(), POLKADOT, chain.escrow.account, body)?;
    let tree = MerkleTree::from_leaves([forged.id()])?;
    let checkpoint = Checkpoint { origin: hub, outbox, root: tree.root(), index: 0, epoch: 1 };
    let sign = |keys: &[u32]| -> Result<SignedCheckpoint> {
        let mut signatures = keys
            .iter()
            .map(|i| {
                let key = test_key(*i)?;
                Ok((key.address(), key.sign_checkpoint(&checkpoint, &domain)?))
            })
            .collect::<Result<Vec<_>>>()?;
        signatures.sort_by_key(|(a, _)| *a);
        Ok(SignedCheckpoint { checkpoint, set: devnet.set.clone(), signatures })
    };
    let batch = DeliveryBatch {
        origin: hub,
        root: tree.root(),
        count: 1,
        messages: vec![forged.clone()],
        proof: tree.range_proof(0, 1, 1)?,
    };
    let http = reqwest::Client::new();
    let ask = |request: ApprovalRequest| {
        let (http, url) = (http.clone(), format!("{}/approvals", devnet.operators[0].url));
        async move {
            let status: ApprovalStatus =
                http.post(url).json(&request).send().await?.error_for_status()?.json().await?;
            Ok::<_, eyre::Error>(status)
        }
    };
    let before = devnet.substrate_free("polkadot", ferdie()).await?;

    // One signature (100 of 1,000 stake, 1 of 3 signers): not a quorum.
    let lone = ask(ApprovalRequest { signed: sign(&[1])?, batch: batch.clone() }).await?;
    let ApprovalStatus::Refused { reason } = lone else { panic!("{lone:?}") };
    assert!(reason.starts_with("not attested"), "{reason}");

    // A quorum-signed root, but the message is not the leaf it proves.
    let mut other = forged.clone();
    other.body = {
        let mut b = ferdie().to_vec();
        b.extend_from_slice(&U256::from(900 * DOT).to_be_bytes::<32>());
        b.into()
    };
    let swapped = DeliveryBatch { messages: vec![other], ..batch.clone() };
    let wrong = ask(ApprovalRequest { signed: sign(&[2, 3, 4])?, batch: swapped }).await?;
    let ApprovalStatus::Refused { reason } = wrong else { panic!("{wrong:?}") };
    assert!(reason.contains("does not lead to the signed root"), "{reason}");

    // A set that is not the hub's.
    let mut fake = sign(&[2, 3, 4])?;
    fake.set = causeway_core::OperatorSet::from_unsorted(
        1,
        fake.set.timestamp(),
        vec![causeway_core::Operator { address: test_key(9)?.address(), weight: 1 }],
        6_667,
        1,
    )?;
    let unknown = ask(ApprovalRequest { signed: fake, batch: batch.clone() }).await?;
    let ApprovalStatus::Refused { reason } = unknown else { panic!("{unknown:?}") };
    assert!(reason.contains("is not the hub's"), "{reason}");

    assert_eq!(devnet.substrate_free("polkadot", ferdie()).await?, before, "nothing released");
    net.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn rewritten_finalized_history_halts_the_domain_and_touches_nothing_delivered() -> Result<()>
{
    let Some(net) = polkadot_net().await? else { return Ok(()) };
    let devnet = &net.devnet;
    let chain = devnet.substrate("polkadot")?;
    let out = devnet
        .bridge_from_substrate(&net.store, "polkadot", 5 * DOT, Duration::from_secs(60))
        .await?;
    let id = out.id;
    let dispatched = net.store.message(id).await?.ok_or_else(|| eyre!("not indexed"))?.block;
    wait_delivered(&net.store, out, Duration::from_secs(90)).await?;
    let minted = devnet.wrapped_balance("polkadot").await?;

    // chopsticks finalizes every block at once, so rewinding the head rewrites final history.
    let rpc = |method: &str, params: serde_json::Value| {
        chain.node.call(method, &params).map_err(eyre::Error::msg)
    };
    rpc("dev_setHead", serde_json::json!([dispatched.number - 1]))?;
    rpc("dev_newBlock", serde_json::json!([{ "count": 3 }]))?;

    let http = reqwest::Client::new();
    let ready = format!("http://{}/ready", net.api);
    net.until("the indexer reports the halt", Duration::from_secs(60), || {
        let (http, ready) = (http.clone(), ready.clone());
        async move {
            let response = http.get(&ready).send().await?;
            let code = response.status();
            let body = response.text().await?;
            Ok(code == reqwest::StatusCode::SERVICE_UNAVAILABLE && body.contains("finality"))
        }
    })
    .await?;
    let operator_ready = format!("{}/ready", devnet.operators[0].url);
    net.until("the operator halts the domain's routes", Duration::from_secs(60), || {
        let (http, url) = (http.clone(), operator_ready.clone());
        async move {
            let body: serde_json::Value = http.get(&url).send().await?.json().await?;
            Ok(body["halted_routes"].as_u64().unwrap_or(0) > 0)
        }
    })
    .await?;

    // What was delivered before stays delivered; nothing was rolled back or re-minted.
    let record = net.store.message(id).await?.ok_or_else(|| eyre!("the delivered row is gone"))?;
    assert_eq!(
        record.status,
        causeway_store::MessageStatus::Delivered,
        "delivered stays delivered"
    );
    let from_polkadot = from_polkadot(&net).await?;
    assert_eq!(from_polkadot.len(), 1, "the halt deleted nothing");
    assert_eq!(devnet.wrapped_balance("polkadot").await?, minted, "nothing more minted");
    net.shutdown().await;
    Ok(())
}

/// The same flow on a runtime nobody here wrote: Rococo Asset Hub (statemine spec 900).
#[tokio::test(flavor = "multi_thread")]
async fn rococo_asset_hub_tokens_reach_ethereum() -> Result<()> {
    let required = std::env::var_os("CAUSEWAY_REQUIRE_RUNTIME").is_some();
    let spec = match SubstrateSpec::asset_hub("asset_hub", 1001) {
        Ok(spec) => spec,
        Err(e) if !required => {
            eprintln!("skipped: {e:#}");
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    let net =
        Net::start_with(Backend::Sqlite, |o| o.substrate = vec![spec], &[0, 1, 2, 3], true).await?;
    let devnet = &net.devnet;
    let roc = 10u128.pow(12);
    let out = devnet
        .bridge_from_substrate(&net.store, "asset_hub", 3 * roc, Duration::from_secs(60))
        .await?;
    wait_delivered(&net.store, out, Duration::from_secs(90)).await?;
    assert_eq!(devnet.wrapped_balance("asset_hub").await?, U256::from(3 * roc), "wROC minted");
    net.shutdown().await;
    Ok(())
}

/// Astar's two sides in one configuration: the native side (`astar-dev` under chopsticks) and
/// the EVM side (anvil, chain 81, `native = "astar"`), both reaching Ethereum.
#[tokio::test(flavor = "multi_thread")]
async fn astar_native_and_evm_sides_reach_ethereum() -> Result<()> {
    let Some(astar) = SubstrateSpec::dev("astar", 2006, "astar-dev")? else { return Ok(()) };
    let net = Net::start_with(
        Backend::Sqlite,
        |o| {
            o.substrate = vec![astar];
            o.chains
                .push(causeway_devnet::ChainSpec::new("astar_evm", 81, 81).with_native("astar"));
        },
        &[0, 1, 2, 3],
        true,
    )
    .await?;
    let devnet = &net.devnet;
    let causeway_config::ChainKind::Evm(evm) = &devnet.config.chains["astar_evm"].kind else {
        panic!("astar_evm is an evm chain")
    };
    assert_eq!(evm.native.as_deref(), Some("astar"), "the two sides are tied in the config");

    let astr = 10u128.pow(18);
    let out = devnet
        .bridge_from_substrate(&net.store, "astar", 2 * astr, Duration::from_secs(60))
        .await?;
    wait_delivered(&net.store, out, Duration::from_secs(90)).await?;
    assert_eq!(devnet.wrapped_balance("astar").await?, U256::from(2 * astr), "wASTR minted");

    let hello =
        devnet.send_message("astar_evm", causeway_devnet::HUB, b"gm from astar evm").await?;
    wait_delivered(&net.store, hello, Duration::from_secs(60)).await?;
    assert_eq!(devnet.received(causeway_devnet::HUB).await?, U256::from(1));
    net.shutdown().await;
    Ok(())
}
