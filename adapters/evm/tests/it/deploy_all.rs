//! Every contract of a Causeway deployment on one anvil, deployed and wired by
//! `causeway_adapter_evm::deploy` (what the devnet deploys with), each checked through its own
//! state.
//!
//! The hub (domain 1): token, vault, rollup registry, restaking registry, commitment chain,
//! settlement verifier, Mailbox, stake cap, collateral bridge, message log. A second domain (2)
//! is deployed on the same anvil as if it were another chain: mirror, Mailbox, managed stake cap,
//! synthetic bridge, message log. Four operators register on the hub, the hub records their
//! set, the mirror starts from it, and one bridge transfer goes from the hub to the synthetic
//! side through a real checkpoint signed by the operators' keys.

use alloy::{
    contract::{CallBuilder, CallDecoder},
    network::EthereumWallet,
    primitives::{Address, B256, Bytes, U256},
    providers::{Provider, ProviderBuilder},
    rpc::types::TransactionReceipt,
    signers::local::PrivateKeySigner,
};
use causeway_adapter_evm::{
    EvmSink, EvmSource, FinalityRule, HubParams, RemoteParams,
    bindings::{
        causeway_token::CausewayToken,
        mailbox::Mailbox,
        managed_stake_cap::ManagedStakeCap,
        message_log::MessageLog,
        operator_set_mirror::OperatorSetMirror,
        restaking_registry::RestakingRegistry,
        rollup_registry::{RollupRegistry, RollupTypes::RollupConfig},
        settlement_verifier::{CheckpointLib, QuorumLib, SettlementVerifier},
        stake_vault::StakeVault,
        state_commitment_chain::StateCommitmentChain,
        synthetic_token::SyntheticToken,
        token_bridge::TokenBridge,
        vault_stake_cap::VaultStakeCap,
    },
    deploy::{self, tokens},
    route_outbox,
};
use causeway_core::{
    Checkpoint, MerkleTree, MessageSource, SigningDomain,
    chain::{DeliveryBatch, SignedCheckpoint},
    vectors::test_key,
};
use eyre::{Result, ensure, eyre};

use crate::anvil;

const CHAIN_ID: u64 = 31337;
const HUB_DOMAIN: u32 = 1;
const REMOTE_DOMAIN: u32 = 2;
const DAY: u64 = 86_400;
/// Four operators with these stakes (whole tokens); the set weighs 1,000 tokens.
const STAKES: [u64; 4] = [100, 200, 300, 400];

// Solidity enums travel as `uint8` in the bindings.
/// `RestakingRegistry.Status.Active`.
const OPERATOR_ACTIVE: u8 = 1;
/// `RollupTypes.State.Active`.
const ROLLUP_ACTIVE: u8 = 1;
/// `RollupTypes.CommitmentStatus.Pending`.
const COMMITMENT_PENDING: u8 = 1;

/// Sends a transaction and waits for a successful receipt.
async fn confirm<P: Provider, D: CallDecoder>(
    call: CallBuilder<P, D>,
) -> Result<TransactionReceipt> {
    let receipt = call.send().await?.get_receipt().await?;
    ensure!(receipt.status(), "transaction {} reverted", receipt.transaction_hash);
    Ok(receipt)
}

#[tokio::test]
async fn a_complete_hub_and_a_remote_domain_deploy_wire_and_move_a_transfer() -> Result<()> {
    let anvil = anvil(CHAIN_ID)?;
    // Account 0 deploys; accounts 1..=4 are the operators' staking accounts.
    let signers: Vec<PrivateKeySigner> =
        anvil.keys()[..5].iter().cloned().map(Into::into).collect();
    let deployer = signers[0].address();
    let mut wallet = EthereumWallet::from(signers[0].clone());
    for signer in &signers[1..] {
        wallet.register_signer(signer.clone());
    }
    let provider =
        ProviderBuilder::new().wallet(wallet).connect_http(anvil.endpoint_url()).erased();

    let params = HubParams::devnet(HUB_DOMAIN, CHAIN_ID);
    let hub = deploy::deploy_hub(&provider, deployer, &params).await?;
    let p = &provider;
    let token = CausewayToken::new(hub.token, p);
    let vault = StakeVault::new(hub.stake_vault, p);
    let rollups = RollupRegistry::new(hub.rollup_registry, p);
    let registry = RestakingRegistry::new(hub.registry, p);
    let commitments = StateCommitmentChain::new(hub.state_commitment_chain, p);
    let settlement = SettlementVerifier::new(hub.settlement_verifier, p);
    let mailbox = Mailbox::new(hub.mailbox, p);
    let stake_cap = VaultStakeCap::new(hub.stake_cap, p);
    let bridge = TokenBridge::new(hub.token_bridge, p);
    let log = MessageLog::new(hub.message_log, p);

    // ---- the hub's wiring, as each contract sees it
    assert_eq!(token.balanceOf(deployer).call().await?, params.token_supply);
    assert_eq!(vault.token().call().await?, hub.token);
    assert_eq!(vault.slasher().call().await?, hub.registry);
    assert_eq!(registry.stakeSource().call().await?, hub.stake_vault);
    assert_eq!(registry.mailbox().call().await?, hub.mailbox);
    assert_eq!(registry.latestEpoch().call().await?, 0);
    assert_eq!(rollups.commitmentChain().call().await?, hub.state_commitment_chain);
    assert_eq!(commitments.registry().call().await?, hub.rollup_registry);
    assert_eq!(commitments.hub().call().await?, hub.registry);
    assert_eq!(settlement.hub().call().await?, hub.registry);
    assert_eq!(settlement.firstRollupDomain().call().await?, params.first_rollup_domain);
    assert_eq!(settlement.lastRollupDomain().call().await?, params.last_rollup_domain);
    assert_eq!(mailbox.localDomain().call().await?, HUB_DOMAIN);
    assert_eq!(mailbox.quorumVerifier().call().await?, hub.settlement_verifier);
    assert_eq!(log.mailbox().call().await?, hub.mailbox);
    assert_eq!(log.received().call().await?, U256::ZERO);
    assert_eq!(bridge.token().call().await?, hub.token);
    assert_eq!(bridge.localDomain().call().await?, HUB_DOMAIN);
    assert_eq!(stake_cap.valueCap().call().await?, U256::ZERO, "nothing staked yet");

    // ---- operators: stake in the vault, register a signing key, announce a URL
    let keys: Vec<_> = (1..=4).map(test_key).collect::<Result<_, _>>()?;
    let accounts: Vec<Address> = signers[1..].iter().map(|s| s.address()).collect();
    for ((&account, key), stake) in accounts.iter().zip(&keys).zip(STAKES.map(tokens)) {
        let url = format!("http://operator-{account}.invalid");
        deploy::fund_and_register_operator(p, p, &hub, account, stake, key.address(), &url).await?;
        deploy::announce(p, hub.registry, account, &(url + "/v2")).await?;

        assert_eq!(vault.stakeOf(account).call().await?, stake);
        let op = registry.operatorOf(account).call().await?;
        assert_eq!(op.signingKey, key.address());
        assert_eq!(op.status, OPERATOR_ACTIVE);
        let record = registry.signingKeyRecord(key.address()).call().await?;
        assert_eq!(record.operator, account);
        assert_eq!(record.fromEpoch.to::<u64>(), 1, "a key counts from the next epoch");
    }
    assert_eq!(registry.activeOperators().call().await?, accounts);
    let staked = tokens(STAKES.iter().sum());
    assert_eq!(vault.totalSlashable().call().await?, staked);
    let cap = staked * U256::from(params.stake_cap_bps) / U256::from(10_000);
    assert_eq!(stake_cap.valueCap().call().await?, cap);

    // ---- the first epoch: the hub records the set causeway-core computes from the same data
    let recorded = deploy::advance_epoch(p, hub.registry)
        .await?
        .ok_or_else(|| eyre!("the first advanceEpoch recorded no set"))?;
    let timestamp = registry.latestSetTimestamp().call().await?;
    let set = crate::expected_set(&keys, &STAKES, timestamp, &params)?;
    assert_eq!(recorded, set);
    assert_eq!(registry.latestEpoch().call().await?, 1);
    assert_eq!(registry.operatorSetHash(1).call().await?, set.hash());
    // The hub Mailbox's verifier forwards the registry's getters, so relayers see the hub set.
    assert_eq!(settlement.latestEpoch().call().await?, 1);
    assert_eq!(settlement.operatorSetHash(1).call().await?, set.hash());

    // ---- the hub Mailbox sends
    let receipt = confirm(mailbox.dispatch(
        REMOTE_DOMAIN,
        B256::repeat_byte(0x22),
        Bytes::from_static(b"hello"),
    ))
    .await?;
    ensure!(receipt.decoded_log::<Mailbox::Dispatch>().is_some(), "no Dispatch");
    let outbox = mailbox.outboxState(REMOTE_DOMAIN).call().await?;
    assert_eq!(outbox.count, U256::from(1));
    assert_ne!(outbox.root, B256::ZERO);

    // ---- a rollup: rented, assigned the first domain of the range, bonded, one commitment
    let config = RollupConfig {
        vm: 0,       // Evm
        stack: 0,    // Op
        da: 1,       // EthereumBlobs
        finality: 1, // Optimistic
        challengeWindow: 3_600,
        thresholdBps: params.threshold_bps,
        minSigners: params.min_signers,
        ttl: 30 * DAY,
        proposer: deployer,
    };
    rollups.validateConfig(config.clone()).call().await?;
    let rent = U256::from(params.rent_per_second) * U256::from(config.ttl);
    let rollup = rollups.createRollup(config.clone()).value(rent).call().await?;
    confirm(rollups.createRollup(config).value(rent)).await?;
    assert_eq!(rollup, params.first_rollup_domain);
    assert_eq!(rollups.state(rollup).call().await?, ROLLUP_ACTIVE);
    assert_eq!(rollups.ownerOf(rollup).call().await?, deployer);
    assert_eq!(rollups.nextDomain().call().await?, u64::from(params.first_rollup_domain) + 1);

    confirm(commitments.depositBond(rollup).value(params.proposer_bond)).await?;
    assert_eq!(commitments.bond(rollup).call().await?, params.proposer_bond);
    let outbox_root = B256::repeat_byte(0x0b);
    confirm(commitments.propose(
        rollup,
        1,
        B256::repeat_byte(0x05),
        B256::repeat_byte(0x0a),
        outbox_root,
        0,
    ))
    .await?;
    assert_eq!(commitments.commitmentCount().call().await?, 1);
    let commitment = commitments.commitment(1).call().await?;
    assert_eq!((commitment.rollup, commitment.outboxRoot), (rollup, outbox_root));
    assert_eq!(commitment.status, COMMITMENT_PENDING);

    // The hub Mailbox's verifier settles a rollup origin on its commitments (and refuses this
    // one: still pending) instead of asking the operator quorum.
    let err = settlement
        .verifyCheckpoint(
            CheckpointLib::Checkpoint {
                origin: rollup,
                outbox: B256::ZERO,
                root: outbox_root,
                index: 0,
                epoch: 1,
            },
            // No set, no signers, no signatures: a settlement checkpoint carries no attestation.
            QuorumLib::OperatorSet {
                epoch: 0,
                timestamp: 0,
                thresholdBps: 0,
                minSigners: 0,
                totalWeight: 0,
                members: vec![],
            },
            U256::ZERO,
            Bytes::new(),
        )
        .call()
        .await
        .unwrap_err();
    let refused = err.as_decoded_error::<SettlementVerifier::CommitmentNotFinal>();
    assert_eq!(refused.map(|e| e.id), Some(1), "{err}");

    // ---- the remote domain follows the hub's set
    let hub_cap = deploy::hub_value_cap(p, &hub).await?;
    let remote = deploy::deploy_remote(
        p,
        deployer,
        &RemoteParams::devnet(REMOTE_DOMAIN),
        &hub,
        &params,
        hub_cap,
        &set,
    )
    .await?;
    let (capacity, refill) = (tokens(50).to::<u128>(), tokens(1).to::<u128>() / 60);
    deploy::connect(p, &hub, HUB_DOMAIN, p, &remote, REMOTE_DOMAIN, capacity, refill).await?;
    let mirror = OperatorSetMirror::new(remote.operator_set_mirror, p);
    let remote_mailbox = Mailbox::new(remote.mailbox, p);
    let remote_cap = ManagedStakeCap::new(remote.stake_cap, p);
    let remote_bridge = TokenBridge::new(remote.token_bridge, p);
    let synthetic = SyntheticToken::new(remote.synthetic_token, p);
    let remote_log = MessageLog::new(remote.message_log, p);
    assert_eq!(mirror.latestEpoch().call().await?, 1);
    assert_eq!(mirror.operatorSetHash(1).call().await?, set.hash());
    assert_eq!(
        mirror.domainSeparator().call().await?,
        registry.domainSeparator().call().await?,
        "hub signatures must verify on the mirror"
    );
    assert_eq!(remote_mailbox.quorumVerifier().call().await?, remote.operator_set_mirror);
    assert_eq!(remote_cap.valueCap().call().await?, cap);
    assert_eq!(remote_cap.maxCap().call().await?, cap * U256::from(2));
    assert_eq!(synthetic.decimals().call().await?, 18);
    assert_eq!(synthetic.minter().call().await?, remote.token_bridge);
    assert_eq!(synthetic.totalSupply().call().await?, U256::ZERO);
    assert_eq!(remote_log.mailbox().call().await?, remote.mailbox);
    assert_eq!(
        mailbox.originOutbox(REMOTE_DOMAIN).call().await?,
        route_outbox(remote.mailbox, HUB_DOMAIN)
    );
    assert_eq!(
        remote_mailbox.originOutbox(HUB_DOMAIN).call().await?,
        route_outbox(hub.mailbox, REMOTE_DOMAIN)
    );
    assert_eq!(bridge.routerOf(REMOTE_DOMAIN).call().await?, remote.token_bridge.into_word());
    assert_eq!(remote_bridge.routerOf(HUB_DOMAIN).call().await?, hub.token_bridge.into_word());
    assert_eq!(remote_bridge.available(HUB_DOMAIN).call().await?, tokens(50));

    // ---- a transfer out of the hub: locked in the collateral bridge, dispatched on route 1 → 2
    let recipient = anvil.addresses()[5];
    let amount = tokens(10);
    confirm(token.approve(hub.token_bridge, amount)).await?;
    confirm(bridge.transferRemote(REMOTE_DOMAIN, recipient.into_word(), amount)).await?;
    assert_eq!(token.balanceOf(hub.token_bridge).call().await?, amount);
    assert_eq!(bridge.inFlight().call().await?, amount);
    assert_eq!(mailbox.outboxState(REMOTE_DOMAIN).call().await?.count, U256::from(2));

    // ---- ... and delivered on the remote domain with a checkpoint three operators signed
    let source =
        EvmSource::with_rule(HUB_DOMAIN, provider.clone(), hub.mailbox, FinalityRule::Instant);
    let head = source.finality().finalized().await?;
    let sent: Vec<_> = source
        .messages(0..=head.number)
        .await?
        .into_iter()
        .filter(|d| d.message.destination == REMOTE_DOMAIN)
        .collect();
    assert_eq!(sent.len(), 2);
    let mut tree = MerkleTree::new();
    for d in &sent {
        tree.insert(d.id)?;
    }
    let checkpoint = Checkpoint {
        origin: HUB_DOMAIN,
        outbox: route_outbox(hub.mailbox, REMOTE_DOMAIN),
        root: tree.root(),
        index: 1,
        epoch: 1,
    };
    let domain = SigningDomain { chain_id: CHAIN_ID, registry: hub.registry };
    let mut signatures = keys[1..]
        .iter()
        .map(|k| Ok((k.address(), k.sign_checkpoint(&checkpoint, &domain)?)))
        .collect::<Result<Vec<_>>>()?;
    signatures.sort_by_key(|(a, _)| *a);
    let signed = SignedCheckpoint { checkpoint, set: set.clone(), signatures };
    signed.verify(&domain)?;
    let sink = EvmSink::new(REMOTE_DOMAIN, provider.clone(), remote.mailbox, deployer);
    sink.submit_checkpoint(&signed).await?;
    // Only the transfer (nonce 1): the first message's recipient is no contract.
    sink.process_batch(&DeliveryBatch {
        origin: HUB_DOMAIN,
        root: checkpoint.root,
        count: 2,
        messages: vec![sent[1].message.clone()],
        proof: tree.range_proof(1, 1, 2)?,
    })
    .await?;
    assert_eq!(synthetic.balanceOf(recipient).call().await?, amount);
    assert_eq!(synthetic.totalSupply().call().await?, amount);
    assert_eq!(remote_bridge.available(HUB_DOMAIN).call().await?, tokens(40));
    assert_eq!(remote_bridge.inFlight().call().await?, amount);
    Ok(())
}
