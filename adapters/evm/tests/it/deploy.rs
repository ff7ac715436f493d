use alloy::{
    node_bindings::Anvil,
    primitives::{Address, B256, Bytes},
    providers::ProviderBuilder,
    signers::local::PrivateKeySigner,
};
use causeway_adapter_evm::Mailbox;
use causeway_core::{MerkleTree, Message, message::address_to_bytes32};
use eyre::{Result, WrapErr};

/// An anvil from the project's own toolchain, killed when dropped.
fn anvil(chain_id: u64) -> Result<alloy::node_bindings::AnvilInstance> {
    let root = causeway_toolchain::workspace_root()?;
    let toolchain = causeway_toolchain::ensure(&root)?;
    Anvil::at(&toolchain.anvil).chain_id(chain_id).try_spawn().wrap_err("starting anvil")
}

#[tokio::test]
async fn mailbox_deploys_and_its_outbox_root_matches_core() -> Result<()> {
    let anvil = anvil(31337)?;
    let signer: PrivateKeySigner = anvil.keys()[0].clone().into();
    let owner = signer.address();
    let provider = ProviderBuilder::new().wallet(signer).connect_http(anvil.endpoint_url());

    // No quorum verifier is needed to dispatch; delivery tests enroll one.
    let mailbox = Mailbox::deploy(&provider, 1, Address::ZERO, owner, Address::ZERO).await?;
    assert_eq!(mailbox.localDomain().call().await?, 1);

    let recipient = B256::repeat_byte(0x22);
    let mut tree = MerkleTree::new();
    for (nonce, body) in [b"first".as_slice(), b"second", b""].into_iter().enumerate() {
        let receipt = mailbox
            .dispatch(2, recipient, Bytes::copy_from_slice(body))
            .send()
            .await?
            .get_receipt()
            .await?;
        assert!(receipt.status(), "dispatch reverted");
        let expected =
            Message::new(nonce as u32, 1, address_to_bytes32(owner), 2, recipient, body.to_vec())?;
        let event = receipt
            .decoded_log::<Mailbox::Dispatch>()
            .ok_or_else(|| eyre::eyre!("no Dispatch event"))?;
        assert_eq!(event.id, expected.id());
        assert_eq!(event.message.as_ref(), expected.encode().as_slice());
        tree.insert(expected.id())?;
    }
    let state = mailbox.outboxState(2).call().await?;
    assert_eq!(state.count, alloy::primitives::U256::from(3));
    assert_eq!(state.root, tree.root(), "on-chain outbox root differs from causeway-core's");
    Ok(())
}
