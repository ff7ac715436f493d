//! A message batch moved from one anvil to another through the adapter, with a real quorum.

use alloy::{
    primitives::{Address, B256, Bytes, U256},
    providers::{Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
};
use causeway_adapter_evm::{
    EvmSink, EvmSource, FinalityRule, Mailbox,
    bindings::{message_log::MessageLog, operator_set_mirror::OperatorSetMirror},
    route_outbox,
};
use causeway_core::{
    Checkpoint, ErrorKind, MerkleTree, MessageSink, MessageSource, Operator, OperatorSet,
    SigningDomain,
    chain::{DeliveryBatch, SignedCheckpoint},
    message::address_to_bytes32,
    vectors::test_key,
};
use eyre::Result;

use crate::anvil;

#[tokio::test]
async fn batch_is_delivered_once_with_a_quorum_and_refused_otherwise() -> Result<()> {
    let (chain_a, chain_b) = (anvil(31337)?, anvil(31338)?);
    let signer: PrivateKeySigner = chain_a.keys()[0].clone().into();
    let owner = signer.address();
    let a = ProviderBuilder::new().wallet(signer.clone()).connect_http(chain_a.endpoint_url());
    let b = ProviderBuilder::new().wallet(signer).connect_http(chain_b.endpoint_url());

    // Operators: four test keys with unequal stake; 2/3 of weight and 2 signers required.
    let keys: Vec<_> = (1..=4).map(test_key).collect::<Result<_, _>>()?;
    let weights = [10u128, 20, 30, 40];
    let now =
        b.get_block_by_number(Default::default()).await?.map_or(0, |blk| blk.header.timestamp);
    let set = OperatorSet::from_unsorted(
        1,
        now,
        keys.iter()
            .zip(weights)
            .map(|(k, weight)| Operator { address: k.address(), weight })
            .collect(),
        6_667,
        2,
    )?;
    let registry = Address::repeat_byte(0x42); // the hub registry's address names the signing domain
    let domain = SigningDomain { chain_id: 31337, registry };

    // Destination: mirror of the set, Mailbox verifying with it, a recipient.
    let mirror = OperatorSetMirror::deploy(
        &b,
        U256::from(31337),
        registry,
        U256::from(86_400),
        (&set).into(),
    )
    .await?;
    let mailbox_b = Mailbox::deploy(&b, 2, *mirror.address(), owner, owner).await?;
    let log = MessageLog::deploy(&b, *mailbox_b.address()).await?;
    // Origin.
    let mailbox_a = Mailbox::deploy(&a, 1, Address::ZERO, owner, owner).await?;
    mailbox_b.enrollOrigin(1, mailbox_a.address().into_word()).send().await?.get_receipt().await?;

    for i in 0..5u8 {
        let body = Bytes::from(vec![i; 40]);
        mailbox_a
            .dispatch(2, address_to_bytes32(*log.address()), body)
            .send()
            .await?
            .get_receipt()
            .await?;
    }

    // Read the origin like the indexer does.
    let source = EvmSource::with_rule(1, a.clone(), *mailbox_a.address(), FinalityRule::Instant);
    let finalized = source.finality().finalized().await?;
    let found = source.messages(0..=finalized.number).await?;
    assert_eq!(found.len(), 5);
    let mut tree = MerkleTree::new();
    for (nonce, d) in found.iter().enumerate() {
        assert_eq!(d.message.nonce as usize, nonce);
        assert_eq!(d.block, source.finality().block_at(d.block.number).await?);
        tree.insert(d.id)?;
    }
    let outbox = source.outbox_at(finalized.number, 2).await?;
    assert_eq!(outbox.root, tree.root());
    assert_eq!(outbox.outbox, route_outbox(*mailbox_a.address(), 2));

    let checkpoint =
        Checkpoint { origin: 1, outbox: outbox.outbox, root: outbox.root, index: 4, epoch: 1 };
    let sign = |idx: &[usize]| signed_by(&keys, idx, checkpoint, &set, &domain);
    let sink = EvmSink::new(2, b.clone(), *mailbox_b.address(), owner);

    // 10 + 20 of 100 is short of two thirds: refused on-chain with the reason.
    let short = sign(&[0, 1])?;
    assert!(short.verify(&domain).is_err(), "off-chain check must agree");
    let err = sink.submit_checkpoint(&short).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Reverted { transient: false }, "{err}");
    assert!(err.to_string().contains("InsufficientWeight"), "{err}");
    assert!(!sink.is_root_verified(1, checkpoint.root).await?);

    // 20 + 30 + 40 passes.
    let quorum = sign(&[1, 2, 3])?;
    quorum.verify(&domain)?;
    sink.submit_checkpoint(&quorum).await?;
    assert!(sink.is_root_verified(1, checkpoint.root).await?);

    let messages: Vec<_> = found.iter().map(|d| d.message.clone()).collect();
    let batch = DeliveryBatch {
        origin: 1,
        root: checkpoint.root,
        count: 5,
        messages: messages.clone(),
        proof: tree.range_proof(0, 5, 5)?,
    };

    // A forged batch (one body changed) does not prove against the root.
    let mut forged = batch.clone();
    forged.messages[2].body = Bytes::from_static(b"forged");
    let err = sink.process_batch(&forged).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Reverted { transient: false }, "{err}");
    assert!(err.to_string().contains("InvalidProof"), "{err}");

    let outcome = sink.process_batch(&batch).await?;
    assert!(outcome.exec_units > 0 && outcome.fee > 0, "{outcome:?}");
    assert_eq!(log.received().call().await?, U256::from(5));
    for nonce in 0..5 {
        assert!(sink.is_delivered(1, nonce, B256::ZERO).await?);
    }

    // Replaying the same batch is refused as already delivered, naming the first message.
    let err = sink.process_batch(&batch).await.unwrap_err();
    match err {
        causeway_core::ChainError::AlreadyDelivered { id } => assert_eq!(id, messages[0].id()),
        other => panic!("expected AlreadyDelivered, got {other}"),
    }
    assert_eq!(log.received().call().await?, U256::from(5));

    // Through the chain-agnostic `deliver`: three more messages under a new checkpoint.
    for i in 5..8u8 {
        let call = mailbox_a.dispatch(2, address_to_bytes32(*log.address()), vec![i; 8].into());
        call.send().await?.get_receipt().await?;
    }
    let head = source.finality().finalized().await?;
    let found = source.messages(0..=head.number).await?;
    let outbox = source.outbox_at(head.number, 2).await?;
    for d in &found[5..] {
        tree.insert(d.id)?;
    }
    assert_eq!((outbox.count, outbox.root), (8, tree.root()));
    let checkpoint =
        Checkpoint { origin: 1, outbox: outbox.outbox, root: outbox.root, index: 7, epoch: 1 };
    let signed = signed_by(&keys, &[1, 2, 3], checkpoint, &set, &domain)?;
    let batch_of = |start: usize, n: usize| -> Result<DeliveryBatch> {
        Ok(DeliveryBatch {
            origin: 1,
            root: checkpoint.root,
            count: 8,
            messages: found[start..start + n].iter().map(|d| d.message.clone()).collect(),
            proof: tree.range_proof(start as u64, n as u64, 8)?,
        })
    };
    let fresh = EvmSink::new(2, b.clone(), *mailbox_b.address(), owner);
    // One message under an unverified root: one transaction that verifies and delivers
    // (`processWithCheckpoint`), the root not stored.
    let one = fresh.deliver(&signed, &batch_of(5, 1)?).await?;
    assert!(one.verified_checkpoint && one.checkpoint.is_none(), "{one:?}");
    assert!(
        !fresh.is_root_verified(1, checkpoint.root).await?,
        "processWithCheckpoint stores no root"
    );
    // Two under the still unverified root: `submitCheckpoint`, then `processBatch`.
    let two = fresh.deliver(&signed, &batch_of(6, 2)?).await?;
    let first = two.checkpoint.as_ref().expect("a separate checkpoint transaction");
    assert!(two.verified_checkpoint && first.block.number <= two.delivery.block.number);
    assert!(fresh.is_root_verified(1, checkpoint.root).await?);
    assert_eq!(two.exec_units(), first.exec_units + two.delivery.exec_units);
    assert!(
        one.exec_units() < two.exec_units(),
        "one transaction ({}) costs less than two ({})",
        one.exec_units(),
        two.exec_units()
    );
    assert_eq!(log.received().call().await?, U256::from(8));
    // A batch that does not belong to the checkpoint is refused before anything is sent.
    let mut other = batch_of(5, 1)?;
    other.root = B256::repeat_byte(9);
    assert_eq!(fresh.deliver(&signed, &other).await.unwrap_err().kind(), ErrorKind::Permanent);
    assert_eq!(fresh.capabilities().max_batch, 128);

    // Two relayers race one batch on a chain that mines only when told: both estimates pass,
    // both transactions are mined in one block, the second reverts when mined. Its sink replays
    // the call on that block and names the reason: the batch was delivered already.
    for i in 8..10u8 {
        let call = mailbox_a.dispatch(2, address_to_bytes32(*log.address()), vec![i; 8].into());
        call.send().await?.get_receipt().await?;
    }
    let head = source.finality().finalized().await?;
    let found = source.messages(0..=head.number).await?;
    for d in &found[8..] {
        tree.insert(d.id)?;
    }
    let checkpoint = Checkpoint { index: 9, root: tree.root(), ..checkpoint };
    let signed = signed_by(&keys, &[1, 2, 3], checkpoint, &set, &domain)?;
    fresh.submit_checkpoint(&signed).await?;
    let batch = DeliveryBatch {
        origin: 1,
        root: checkpoint.root,
        count: 10,
        messages: found[8..].iter().map(|d| d.message.clone()).collect(),
        proof: tree.range_proof(8, 2, 10)?,
    };
    let rival: PrivateKeySigner = chain_b.keys()[1].clone().into();
    let rival_provider =
        ProviderBuilder::new().wallet(rival.clone()).connect_http(chain_b.endpoint_url());
    let rival_sink = EvmSink::new(2, rival_provider, *mailbox_b.address(), rival.address());
    let _: () = b.raw_request("evm_setAutomine".into(), (false,)).await?;
    let (one, two) = (batch.clone(), batch.clone());
    let first = tokio::spawn({
        let sink = fresh.clone();
        async move { sink.process_batch(&one).await }
    });
    let second = tokio::spawn(async move { rival_sink.process_batch(&two).await });
    // Mine once both are in the pool.
    loop {
        let status: serde_json::Value = b.raw_request("txpool_status".into(), ()).await?;
        let pending = status["pending"]
            .as_str()
            .map_or(0, |h| u64::from_str_radix(h.trim_start_matches("0x"), 16).unwrap_or(0));
        if pending >= 2 {
            break;
        }
        tokio::task::yield_now().await;
    }
    let _: String = b.raw_request("evm_mine".into(), ()).await?;
    let (first, second) = (first.await?, second.await?);
    let outcomes = [first, second];
    let won = outcomes.iter().filter(|r| r.is_ok()).count();
    assert_eq!(won, 1, "exactly one delivery mined: {outcomes:?}");
    let lost = outcomes.into_iter().find_map(Result::err).expect("one lost");
    assert_eq!(lost.kind(), ErrorKind::AlreadyDelivered, "{lost}");
    assert_eq!(log.received().call().await?, U256::from(10));
    Ok(())
}

/// `checkpoint` signed by `keys[i]` for each `i` in `idx`, signers ascending.
fn signed_by(
    keys: &[causeway_core::OperatorKey],
    idx: &[usize],
    checkpoint: Checkpoint,
    set: &OperatorSet,
    domain: &SigningDomain,
) -> Result<SignedCheckpoint> {
    let mut signatures = idx
        .iter()
        .map(|&i| Ok((keys[i].address(), keys[i].sign_checkpoint(&checkpoint, domain)?)))
        .collect::<Result<Vec<_>>>()?;
    signatures.sort_by_key(|(a, _)| *a);
    Ok(SignedCheckpoint { checkpoint, set: set.clone(), signatures })
}

#[tokio::test]
async fn a_stuck_transaction_is_resent_with_higher_fees_up_to_the_cap() -> Result<()> {
    use causeway_adapter_evm::sink::GasPolicy;
    use std::time::Duration;

    let chain = anvil(31338)?;
    let signer: PrivateKeySigner = chain.keys()[0].clone().into();
    let owner = signer.address();
    let p = causeway_adapter_evm::connect_http(chain.endpoint_url(), signer);
    let keys: Vec<_> = (1..=3).map(test_key).collect::<Result<_, _>>()?;
    let now =
        p.get_block_by_number(Default::default()).await?.map_or(0, |blk| blk.header.timestamp);
    let set = OperatorSet::from_unsorted(
        1,
        now,
        keys.iter().map(|k| Operator { address: k.address(), weight: 1 }).collect(),
        6_667,
        2,
    )?;
    let registry = Address::repeat_byte(0x42);
    let domain = SigningDomain { chain_id: 31337, registry };
    let mirror = OperatorSetMirror::deploy(
        &p,
        U256::from(31337),
        registry,
        U256::from(86_400),
        (&set).into(),
    )
    .await?;
    let mailbox = Mailbox::deploy(&p, 2, *mirror.address(), owner, owner).await?;
    let origin_mailbox = Address::repeat_byte(0x11);
    mailbox.enrollOrigin(1, origin_mailbox.into_word()).send().await?.get_receipt().await?;
    let checkpoint = Checkpoint {
        origin: 1,
        outbox: route_outbox(origin_mailbox, 2),
        root: B256::repeat_byte(7),
        index: 0,
        epoch: 1,
    };
    let mut signatures = keys
        .iter()
        .map(|k| Ok((k.address(), k.sign_checkpoint(&checkpoint, &domain)?)))
        .collect::<Result<Vec<_>>>()?;
    signatures.sort_by_key(|(a, _)| *a);
    let signed = SignedCheckpoint { checkpoint, set, signatures };

    // Nothing is mined from now on until we say so: the first version of the transaction sticks.
    let _: () = p.raw_request("evm_setAutomine".into(), (false,)).await?;
    let start_fee = p.estimate_eip1559_fees().await?.max_fee_per_gas;
    let cap = start_fee * 2;
    let policy = GasPolicy {
        stuck_after: Duration::from_millis(200),
        bump_percent: 50,
        max_fee_cap: cap,
        give_up_after: Duration::from_secs(30),
    };
    let sink = EvmSink::new(2, p.clone(), *mailbox.address(), owner).with_gas_policy(policy);
    let sending = tokio::spawn(async move { sink.submit_checkpoint(&signed).await });
    // Time for the first version and both raises (×1.5, then the cap); more would exceed it.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let _: String = p.raw_request("evm_mine".into(), ()).await?;
    let outcome = sending.await??;

    let mined = p.get_transaction_by_hash(outcome.tx_hash).await?.expect("mined transaction");
    use alloy::consensus::Transaction as _;
    assert_eq!(mined.inner.max_fee_per_gas(), cap, "raised to the cap, never above");
    assert!(mined.inner.max_fee_per_gas() > start_fee);
    let block = p.get_block_by_number(outcome.block.number.into()).await?.expect("block");
    assert_eq!(block.transactions.len(), 1, "one version mined, the others replaced");
    assert!(!mailbox.verifiedCount(1, checkpoint.root).call().await?.is_zero());
    Ok(())
}
