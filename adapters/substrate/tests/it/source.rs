//! Causeway dispatches on a real runtime: what becomes a message, what is rejected and why.

use std::sync::Arc;

use causeway_adapter_substrate::{
    Payload, SubstrateFinality, SubstrateSource,
    escrow::Escrow,
    tx::{self, submit},
};
use causeway_core::{B256, FinalityOracle, MessageSource, OutboxKind, U256};
use eyre::Result;
use subxt_signer::sr25519::dev;

use crate::dev_chain;

const DOMAIN: u32 = 1000;

fn account(pair: &subxt_signer::sr25519::Keypair) -> B256 {
    B256::from(pair.public_key().0)
}

#[tokio::test(flavor = "multi_thread")]
async fn dispatches_become_messages_or_rejections() -> Result<()> {
    let Some((_node, client)) = dev_chain("polkadot-dev").await? else { return Ok(()) };
    let escrow = Escrow::new(vec![account(&dev::bob()), account(&dev::charlie())], 2)
        .map_err(eyre::Error::msg)?
        .account;
    let bridge = B256::repeat_byte(0xbb);
    let finality = Arc::new(SubstrateFinality::new(DOMAIN, client.clone()));
    let source =
        SubstrateSource::new(DOMAIN, client.clone(), escrow, vec![(1, bridge)], finality.clone());
    assert_eq!(source.outbox_kind(), OutboxKind::Virtual);
    let alice = dev::alice();
    let beneficiary = B256::left_padding_from(&[0x11; 20]);
    let amount = 5 * 10u128.pow(10);
    let transfer = Payload::transfer(1, beneficiary);

    let good = submit(&client, &tx::bridge_transfer(escrow, amount, &transfer), &alice).await?;
    assert_eq!(good.failed, None);
    let bob = account(&dev::bob());
    let wrong = submit(&client, &tx::bridge_transfer(bob, amount, &transfer), &alice).await?;
    let mut v9 = transfer.encode();
    v9[3] = 9;
    let malformed = submit(
        &client,
        &tx::batch_all(vec![tx::transfer_keep_alive(escrow, amount), tx::remark_with_event(&v9)]),
        &alice,
    )
    .await?;
    let failed =
        submit(&client, &tx::bridge_transfer(escrow, 10u128.pow(30), &transfer), &alice).await?;
    assert!(failed.failed.is_some(), "a transfer of more than Alice has fails");
    let no_bridge = Payload::transfer(9, beneficiary);
    let unknown = submit(&client, &tx::bridge_transfer(escrow, amount, &no_bridge), &alice).await?;
    submit(&client, &tx::batch_all(vec![tx::remark_with_event(b"not for causeway")]), &alice)
        .await?;
    let recipient = B256::repeat_byte(0x22);
    let hello = Payload::message(1, recipient, b"gm".to_vec());
    let message =
        submit(&client, &tx::batch_all(vec![tx::remark_with_event(&hello.encode())]), &alice)
            .await?;

    let finalized = finality.finalized().await?;
    assert_eq!(finalized, finality.head().await?, "chopsticks finalizes at once");
    assert_eq!(finality.block_at(finalized.number).await?, finalized);
    let found = source.dispatches(0..=finalized.number).await?;

    let ids: Vec<B256> = found.messages.iter().map(|m| m.tx_hash).collect();
    assert_eq!(ids, vec![good.tx_hash, message.tx_hash], "only the two well-formed dispatches");
    let bridged = &found.messages[0].message;
    assert_eq!((bridged.origin, bridged.destination), (DOMAIN, 1));
    assert_eq!(bridged.sender, escrow, "a transfer is sent by the escrow");
    assert_eq!(bridged.recipient, bridge, "to the destination's token bridge");
    let mut body = beneficiary.to_vec();
    body.extend_from_slice(&U256::from(amount).to_be_bytes::<32>());
    assert_eq!(bridged.body.as_ref(), body.as_slice());
    assert_eq!(found.messages[0].block, good.block);
    let plain = &found.messages[1].message;
    assert_eq!(plain.sender, account(&alice), "a message is sent by its signer");
    assert_eq!((plain.recipient, plain.body.as_ref()), (recipient, b"gm".as_slice()));

    let reasons: Vec<(B256, &str)> =
        found.rejected.iter().map(|r| (r.tx_hash, r.reason.as_str())).collect();
    assert_eq!(reasons.len(), 4, "{reasons:#?}");
    assert_eq!(reasons[0].0, wrong.tx_hash);
    assert!(reasons[0].1.contains("not to the escrow"), "{}", reasons[0].1);
    assert_eq!(reasons[1].0, malformed.tx_hash);
    assert!(reasons[1].1.contains("payload version 9"), "{}", reasons[1].1);
    assert_eq!(reasons[2].0, failed.tx_hash);
    assert!(reasons[2].1.starts_with("the extrinsic failed"), "{}", reasons[2].1);
    assert_eq!(reasons[3].0, unknown.tx_hash);
    assert!(
        reasons[3].1.contains("no token bridge is configured for domain 9"),
        "{}",
        reasons[3].1
    );
    assert!(found.rejected.iter().all(|r| r.sender == account(&alice)));

    assert_eq!(source.messages(0..=finalized.number).await?, found.messages);
    Ok(())
}
