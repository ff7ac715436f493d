//! Releases from the multisig escrow: each operator key approves once, the last approval
//! executes, nothing executes twice, and a message that is not a transfer from the bridge is
//! refused.

use std::sync::Arc;

use causeway_adapter_substrate::{
    ApprovalPeers, SubstrateApprover, SubstrateSink,
    escrow::{Escrow, EscrowDomain, ReleaseLog},
    operator_account,
    tx::{self, submit},
};
use causeway_core::{
    B256, ChainError, Checkpoint, MerkleTree, Message, MessageSink, Operator, OperatorSet, U256,
    chain::{DeliveryBatch, ReleaseApprover, SignedCheckpoint},
    wire::ApprovalStatus,
};
use eyre::Result;
use subxt::dynamic::{self, Value};
use subxt_signer::sr25519::dev;

use crate::dev_chain;

const DOMAIN: u32 = 1000;
const DOT: u128 = 10_000_000_000;

async fn free(client: &causeway_adapter_substrate::Client, who: B256) -> Result<u128> {
    let at = client.api.at_current_block().await?;
    let address = dynamic::storage::<([u8; 32],), Value>("System", "Account");
    let Some(v) = at.storage().try_fetch(address, (who.0,)).await? else { return Ok(0) };
    let v = v.decode()?;
    let text = v.to_string();
    let free = text
        .split("free: ")
        .nth(1)
        .and_then(|s| s.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Ok(free)
}

#[tokio::test(flavor = "multi_thread")]
async fn operators_release_once_by_threshold() -> Result<()> {
    let Some((_node, client)) = dev_chain("polkadot-dev").await? else { return Ok(()) };
    let keys: Vec<B256> = (1u8..=3).map(|i| B256::repeat_byte(0x40 + i)).collect();
    let accounts: Vec<B256> = keys
        .iter()
        .map(|k| operator_account(k).map_err(eyre::Error::msg))
        .collect::<Result<_>>()?;
    let escrow = Escrow::new(accounts.clone(), 2).map_err(eyre::Error::msg)?;
    let alice = dev::alice();
    let mut funding: Vec<Value> =
        accounts.iter().map(|a| tx::transfer_keep_alive(*a, 100 * DOT)).collect();
    funding.push(tx::transfer_keep_alive(escrow.account, 1_000 * DOT));
    assert_eq!(submit(&client, &tx::batch_all(funding), &alice).await?.failed, None);

    let bridge = B256::repeat_byte(0xbb);
    let chain = EscrowDomain {
        domain: DOMAIN,
        client: client.clone(),
        escrow: escrow.clone(),
        bridges: vec![(1, bridge)],
        log: Arc::new(ReleaseLog::new(escrow.account, 0)),
    };
    let approvers: Vec<SubstrateApprover> = keys
        .iter()
        .map(|k| SubstrateApprover::new(chain.clone(), k).map_err(eyre::Error::msg))
        .collect::<Result<_>>()?;
    let outsider = SubstrateApprover::new(chain.clone(), &B256::repeat_byte(0x77));
    assert!(outsider.unwrap_err().contains("is not a signatory"));

    let beneficiary = B256::from(dev::ferdie().public_key().0);
    let amount = 7 * DOT;
    let mut body = beneficiary.to_vec();
    body.extend_from_slice(&U256::from(amount).to_be_bytes::<32>());
    let message = Message::new(0, 1, bridge, DOMAIN, escrow.account, body.clone())?;
    let before = free(&client, beneficiary).await?;
    let escrow_before = free(&client, escrow.account).await?;

    // The relayer's sink, with no operator to ask: it reports who is missing.
    let sink =
        SubstrateSink::new(chain.clone(), Arc::new(NoPeers), std::time::Duration::from_secs(5));
    let (signed, batch) = request_for(&message)?;
    assert!(!sink.is_delivered(1, 0, message.id()).await?);

    let first = approvers[0].approve(&message).await?;
    assert!(
        matches!(first, ApprovalStatus::Approved { approvals: 1, threshold: 2, .. }),
        "{first:?}"
    );
    assert_eq!(free(&client, beneficiary).await?, before, "one approval releases nothing");
    let again = approvers[0].approve(&message).await?;
    assert_eq!(again, ApprovalStatus::AlreadyApproved { approvals: 1, threshold: 2 });
    let waiting = sink.deliver(&signed, &batch).await.unwrap_err();
    assert!(waiting.is_retryable(), "{waiting}");
    let text = waiting.to_string();
    let ss58 = |a: &B256| causeway_adapter_substrate::to_ss58(a, 0);
    assert!(text.contains(&format!("1 of 2 in ({})", ss58(&approvers[0].account()))), "{text}");
    assert!(text.contains(&ss58(&approvers[1].account())), "{text}");
    let second = approvers[1].approve(&message).await?;
    let ApprovalStatus::Executed { block, tx_hash, .. } = second else { panic!("{second:?}") };
    assert!(block.number > 0);
    let receipt = sink.deliver(&signed, &batch).await?;
    assert_eq!((receipt.delivery.block, receipt.delivery.tx_hash), (block, tx_hash));
    assert!(sink.is_delivered(1, 0, message.id()).await?);
    assert_eq!(free(&client, beneficiary).await?, before + amount);
    assert_eq!(
        free(&client, escrow.account).await?,
        escrow_before - amount,
        "the funds came from the multisig account derived here"
    );
    let third = approvers[2].approve(&message).await?;
    assert!(matches!(third, ApprovalStatus::Executed { .. }), "{third:?}");
    let late = approvers[0].approve(&message).await?;
    assert!(matches!(late, ApprovalStatus::Executed { .. }), "{late:?}");
    assert_eq!(free(&client, beneficiary).await?, before + amount, "released exactly once");

    let forged = Message::new(1, 1, B256::repeat_byte(0xee), DOMAIN, escrow.account, body)?;
    let ApprovalStatus::Refused { reason } = approvers[0].approve(&forged).await? else {
        panic!("a transfer not from the bridge is refused")
    };
    assert!(reason.contains("is not the token bridge"), "{reason}");
    let not_transfer = Message::new(2, 1, bridge, DOMAIN, B256::repeat_byte(1), b"hi".to_vec())?;
    let ApprovalStatus::Refused { reason } = approvers[0].approve(&not_transfer).await? else {
        panic!("a message to another recipient is refused")
    };
    assert!(reason.contains("only token transfers"), "{reason}");
    Ok(())
}

/// No operators to ask (the approvals are made directly in the test).
#[derive(Debug)]
struct NoPeers;

#[async_trait::async_trait]
impl ApprovalPeers for NoPeers {
    async fn urls(&self) -> Result<Vec<String>, ChainError> {
        Ok(Vec::new())
    }
}

/// A checkpoint and proof for `message` as the only leaf (the sink passes them on to the
/// operators, who check them; the sink itself does not).
fn request_for(message: &Message) -> Result<(SignedCheckpoint, DeliveryBatch)> {
    let tree = MerkleTree::from_leaves([message.id()])?;
    let set = OperatorSet::from_unsorted(
        1,
        0,
        vec![Operator { address: causeway_core::Address::repeat_byte(1), weight: 1 }],
        6_667,
        1,
    )?;
    let checkpoint =
        Checkpoint { origin: 1, outbox: B256::ZERO, root: tree.root(), index: 0, epoch: 1 };
    let batch = DeliveryBatch {
        origin: 1,
        root: tree.root(),
        count: 1,
        messages: vec![message.clone()],
        proof: tree.range_proof(0, 1, 1)?,
    };
    Ok((SignedCheckpoint { checkpoint, set, signatures: vec![] }, batch))
}
