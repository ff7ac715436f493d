//! Every contract of a Causeway deployment on one anvil, deployed and wired in the order
//! `causeway deploy` will use, each checked through its own state.
//!
//! The hub (domain 1): token, vault, rollup registry, restaking registry, commitment chain,
//! settlement verifier, Mailbox, stake cap, collateral bridge, message log. A second domain (2)
//! is deployed on the same anvil as if it were another chain: mirror, Mailbox, managed stake cap,
//! synthetic bridge. Four operators register on the hub, the hub records their set, the mirror
//! starts from it, and one bridge transfer goes from the hub to the synthetic side through a
//! real checkpoint signed by the operators' keys.

use alloy::{
    contract::{CallBuilder, CallDecoder},
    network::EthereumWallet,
    primitives::{Address, B256, Bytes, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::TransactionReceipt,
    signers::local::PrivateKeySigner,
};
use causeway_adapter_evm::{
    EvmSink, EvmSource, FinalityRule,
    bindings::{
        causeway_token::CausewayToken::{self, CausewayTokenInstance},
        mailbox::Mailbox::{self, MailboxInstance},
        managed_stake_cap::ManagedStakeCap::{self, ManagedStakeCapInstance},
        message_log::MessageLog::{self, MessageLogInstance},
        operator_set_mirror::OperatorSetMirror::{self, OperatorSetMirrorInstance},
        restaking_registry::RestakingRegistry::{self, RestakingRegistryInstance},
        rollup_registry::{
            RollupRegistry::{self, RollupRegistryInstance},
            RollupTypes::RollupConfig,
        },
        settlement_verifier::{
            CheckpointLib, QuorumLib,
            SettlementVerifier::{self, SettlementVerifierInstance},
        },
        stake_vault::StakeVault::{self, StakeVaultInstance},
        state_commitment_chain::StateCommitmentChain::{self, StateCommitmentChainInstance},
        synthetic_token::SyntheticToken::{self, SyntheticTokenInstance},
        token_bridge::TokenBridge::{self, TokenBridgeInstance},
        vault_stake_cap::VaultStakeCap::{self, VaultStakeCapInstance},
    },
    route_outbox,
};
use causeway_core::{
    Checkpoint, MerkleTree, MessageSink, MessageSource, Operator, OperatorSet, SigningDomain,
    chain::{DeliveryBatch, SignedCheckpoint},
    vectors::test_key,
};
use eyre::{Result, ensure};

use crate::anvil;

const CHAIN_ID: u64 = 31337;
const HUB_DOMAIN: u32 = 1;
const REMOTE_DOMAIN: u32 = 2;

const DAY: u64 = 86_400;
/// A set verifies for a week after it took effect (mirrors must use the same value).
const MAX_STALENESS: u64 = 7 * DAY;
const EPOCH_LENGTH: u64 = DAY;
/// Must exceed `MAX_STALENESS + EPOCH_LENGTH` (checked by the registry's constructor and again by
/// `StakeVault.setSlasher`), so every signature still usable is backed by stake still in the vault.
const UNBONDING_PERIOD: u64 = 9 * DAY;
const THRESHOLD_BPS: u16 = 6_667;
const MIN_SIGNERS: u16 = 3;
/// Four operators with these stakes (whole tokens); the set weighs 1,000 tokens.
const STAKES: [u64; 4] = [100, 200, 300, 400];
const MIN_STAKE: u64 = 100;
const SUPPLY: u64 = 1_000_000;
/// The hub bridge may have 10 % of the slashable stake in flight.
const STAKE_CAP_BPS: u16 = 1_000;
const SETTLEMENT_PERIOD: u64 = 3_600;
/// Rollup domain ids: a range no configured chain uses (ADR 0005 §2).
const FIRST_ROLLUP_DOMAIN: u32 = 0x1000_0000;
const LAST_ROLLUP_DOMAIN: u32 = 0x1fff_ffff;
const RENT_PER_SECOND: u128 = 1_000_000_000; // 1 gwei
const PROPOSER_BOND: u64 = 1_000_000_000_000_000_000; // 1 ETH

// Solidity enums travel as `uint8` in the bindings.
/// `RestakingRegistry.Status.Active`.
const OPERATOR_ACTIVE: u8 = 1;
/// `RollupTypes.State.Active`.
const ROLLUP_ACTIVE: u8 = 1;
/// `RollupTypes.CommitmentStatus.Pending`.
const COMMITMENT_PENDING: u8 = 1;

/// `n` whole tokens in base units (18 decimals).
fn tokens(n: u64) -> U256 {
    U256::from(n) * U256::from(10u64).pow(U256::from(18))
}

/// Sends a transaction and waits for a successful receipt.
async fn confirm<P: Provider, D: CallDecoder>(
    call: CallBuilder<P, D>,
) -> Result<TransactionReceipt> {
    let receipt = call.send().await?.get_receipt().await?;
    ensure!(receipt.status(), "transaction {} reverted", receipt.transaction_hash);
    Ok(receipt)
}

/// The hub chain's contracts.
struct Hub {
    token: CausewayTokenInstance<DynProvider>,
    vault: StakeVaultInstance<DynProvider>,
    rollups: RollupRegistryInstance<DynProvider>,
    registry: RestakingRegistryInstance<DynProvider>,
    commitments: StateCommitmentChainInstance<DynProvider>,
    settlement: SettlementVerifierInstance<DynProvider>,
    mailbox: MailboxInstance<DynProvider>,
    stake_cap: VaultStakeCapInstance<DynProvider>,
    bridge: TokenBridgeInstance<DynProvider>,
    log: MessageLogInstance<DynProvider>,
}

/// Deploys and wires the hub, all from `deployer` (the provider's default signer), which owns
/// everything that has an owner and receives what slashing and rent collect.
async fn deploy_hub(provider: &DynProvider, deployer: Address) -> Result<Hub> {
    let p = || provider.clone();
    let treasury = deployer;

    let token = CausewayToken::deploy(p(), deployer, tokens(SUPPLY)).await?;
    let vault = StakeVault::deploy(p(), *token.address(), U256::from(UNBONDING_PERIOD)).await?;
    // Before the settlement verifier, whose constructor copies the registry's domain range.
    let rollups = RollupRegistry::deploy(
        p(),
        deployer,
        FIRST_ROLLUP_DOMAIN,
        LAST_ROLLUP_DOMAIN,
        RENT_PER_SECOND,
        treasury,
    )
    .await?;

    // The registry's (immutable) `mailbox` is the hub Mailbox, whose (immutable) verifier is the
    // settlement verifier, which needs the registry. Break the cycle by predicting the Mailbox's
    // address: it is deployed three transactions after the registry, with nothing from the
    // deployer in between (the wiring transactions come after it).
    let nonce = provider.get_transaction_count(deployer).pending().await?;
    let mailbox_at = deployer.create(nonce + 3);
    let registry = RestakingRegistry::deploy(
        p(),
        RestakingRegistry::Config {
            localDomain: HUB_DOMAIN,
            stakeSource: *vault.address(),
            mailbox: mailbox_at,
            treasury,
            maxStaleness: U256::from(MAX_STALENESS),
            epochLength: EPOCH_LENGTH,
            thresholdBps: THRESHOLD_BPS,
            minSigners: MIN_SIGNERS,
            maxOperators: 64,
            slashBps: 1_000,
            bountyBps: 1_000,
            minStake: tokens(MIN_STAKE),
        },
    )
    .await?;
    let commitments = StateCommitmentChain::deploy(
        p(),
        *rollups.address(),
        *registry.address(),
        HUB_DOMAIN,
        U256::from(PROPOSER_BOND),
    )
    .await?;
    // Rollup origins settle on final commitments; every other origin goes to the registry.
    let settlement = SettlementVerifier::deploy(
        p(),
        *commitments.address(),
        *rollups.address(),
        *registry.address(),
    )
    .await?;
    let mailbox =
        Mailbox::deploy(p(), HUB_DOMAIN, *settlement.address(), deployer, deployer).await?;
    ensure!(
        *mailbox.address() == mailbox_at,
        "the hub Mailbox is not where the registry expects it"
    );

    // Only the registry may slash the vault, and `advanceEpoch` refuses to build a set before it
    // can (ADR 0004 §1). Callable once, by the vault's deployer.
    confirm(vault.setSlasher(*registry.address())).await?;
    // The registry closes rollups on commitments it reads from the chain (ADR 0005 §6).
    confirm(rollups.setCommitmentChain(*commitments.address())).await?;

    let stake_cap = VaultStakeCap::deploy(p(), *vault.address(), STAKE_CAP_BPS).await?;
    let bridge = TokenBridge::deploy(
        p(),
        TokenBridge::Init {
            mailbox: *mailbox.address(),
            collateral: *token.address(),
            // Only used in synthetic mode.
            name: String::new(),
            symbol: String::new(),
            decimals: 0,
            stakeCap: *stake_cap.address(),
            settlementPeriod: SETTLEMENT_PERIOD,
            owner: deployer,
        },
    )
    .await?;
    let log = MessageLog::deploy(p(), *mailbox.address()).await?;

    Ok(Hub {
        token,
        vault,
        rollups,
        registry,
        commitments,
        settlement,
        mailbox,
        stake_cap,
        bridge,
        log,
    })
}

/// Another EVM domain's contracts (deployed on the same anvil here).
struct Remote {
    mirror: OperatorSetMirrorInstance<DynProvider>,
    mailbox: MailboxInstance<DynProvider>,
    stake_cap: ManagedStakeCapInstance<DynProvider>,
    bridge: TokenBridgeInstance<DynProvider>,
    synthetic: SyntheticTokenInstance<DynProvider>,
}

/// Deploys a non-hub domain that follows the hub's operator set from `genesis`, a set the hub
/// recorded (so it can only be deployed once operators have registered and an epoch advanced).
async fn deploy_remote(
    provider: &DynProvider,
    deployer: Address,
    hub: &Hub,
    genesis: &OperatorSet,
) -> Result<Remote> {
    let p = || provider.clone();
    // Same EIP-712 domain (hub chain id, hub registry) and staleness as the hub, so the hub
    // operators' signatures verify here exactly as long as their stake is slashable there.
    let mirror = OperatorSetMirror::deploy(
        p(),
        U256::from(CHAIN_ID),
        *hub.registry.address(),
        U256::from(MAX_STALENESS),
        genesis.into(),
    )
    .await?;
    let mailbox =
        Mailbox::deploy(p(), REMOTE_DOMAIN, *mirror.address(), deployer, deployer).await?;
    // No vault here: the cap is set from the hub's, and bounded by a maximum fixed now.
    let hub_cap = hub.stake_cap.valueCap().call().await?;
    let stake_cap =
        ManagedStakeCap::deploy(p(), deployer, hub_cap, hub_cap * U256::from(2)).await?;
    let bridge = TokenBridge::deploy(
        p(),
        TokenBridge::Init {
            mailbox: *mailbox.address(),
            collateral: Address::ZERO, // synthetic mode: the bridge deploys its own token
            name: "Causeway (bridged)".into(),
            symbol: "CWAY".into(),
            decimals: 18,
            stakeCap: *stake_cap.address(),
            settlementPeriod: SETTLEMENT_PERIOD,
            owner: deployer,
        },
    )
    .await?;
    let synthetic = SyntheticToken::new(bridge.token().call().await?, p());
    Ok(Remote { mirror, mailbox, stake_cap, bridge, synthetic })
}

/// Connects the hub and the remote domain both ways: each Mailbox accepts checkpoints of the
/// other's route to it, each bridge knows the other as the router of its domain, and each route
/// gets an inbound bucket (capacity 0, the default, would release nothing).
async fn connect(hub: &Hub, remote: &Remote) -> Result<()> {
    confirm(hub.mailbox.enrollOrigin(REMOTE_DOMAIN, remote.mailbox.address().into_word())).await?;
    confirm(remote.mailbox.enrollOrigin(HUB_DOMAIN, hub.mailbox.address().into_word())).await?;
    confirm(hub.bridge.enrollRemoteRouter(REMOTE_DOMAIN, remote.bridge.address().into_word()))
        .await?;
    confirm(remote.bridge.enrollRemoteRouter(HUB_DOMAIN, hub.bridge.address().into_word())).await?;
    let (capacity, refill) = (tokens(50).to::<u128>(), tokens(1).to::<u128>() / 60);
    confirm(hub.bridge.setRateLimit(REMOTE_DOMAIN, capacity, refill)).await?;
    confirm(remote.bridge.setRateLimit(HUB_DOMAIN, capacity, refill)).await?;
    Ok(())
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

    let hub = deploy_hub(&provider, deployer).await?;

    // ---- the hub's wiring, as each contract sees it
    assert_eq!(hub.token.balanceOf(deployer).call().await?, tokens(SUPPLY));
    assert_eq!(hub.vault.token().call().await?, *hub.token.address());
    assert_eq!(hub.vault.slasher().call().await?, *hub.registry.address());
    assert_eq!(hub.registry.stakeSource().call().await?, *hub.vault.address());
    assert_eq!(hub.registry.mailbox().call().await?, *hub.mailbox.address());
    assert_eq!(hub.registry.latestEpoch().call().await?, 0);
    assert_eq!(hub.rollups.commitmentChain().call().await?, *hub.commitments.address());
    assert_eq!(hub.commitments.registry().call().await?, *hub.rollups.address());
    assert_eq!(hub.commitments.hub().call().await?, *hub.registry.address());
    assert_eq!(hub.settlement.hub().call().await?, *hub.registry.address());
    assert_eq!(hub.settlement.firstRollupDomain().call().await?, FIRST_ROLLUP_DOMAIN);
    assert_eq!(hub.settlement.lastRollupDomain().call().await?, LAST_ROLLUP_DOMAIN);
    assert_eq!(hub.mailbox.localDomain().call().await?, HUB_DOMAIN);
    assert_eq!(hub.mailbox.quorumVerifier().call().await?, *hub.settlement.address());
    assert_eq!(hub.log.mailbox().call().await?, *hub.mailbox.address());
    assert_eq!(hub.log.received().call().await?, U256::ZERO);
    assert_eq!(hub.bridge.token().call().await?, *hub.token.address());
    assert_eq!(hub.bridge.localDomain().call().await?, HUB_DOMAIN);
    assert_eq!(hub.stake_cap.valueCap().call().await?, U256::ZERO, "nothing staked yet");

    // ---- operators: stake in the vault, register a signing key, announce a URL
    let keys: Vec<_> = (1..=4).map(test_key).collect::<Result<_, _>>()?;
    let accounts: Vec<Address> = signers[1..].iter().map(|s| s.address()).collect();
    for ((&account, key), stake) in accounts.iter().zip(&keys).zip(STAKES.map(tokens)) {
        confirm(hub.token.transfer(account, stake)).await?;
        confirm(hub.token.approve(*hub.vault.address(), stake).from(account)).await?;
        confirm(hub.vault.deposit(stake).from(account)).await?;
        let url = format!("http://operator-{account}.invalid");
        confirm(hub.registry.registerOperator(key.address(), url.clone()).from(account)).await?;
        confirm(hub.registry.announce(url + "/v2").from(account)).await?;

        assert_eq!(hub.vault.stakeOf(account).call().await?, stake);
        let op = hub.registry.operatorOf(account).call().await?;
        assert_eq!(op.signingKey, key.address());
        assert_eq!(op.status, OPERATOR_ACTIVE);
        let record = hub.registry.signingKeyRecord(key.address()).call().await?;
        assert_eq!(record.operator, account);
        assert_eq!(record.fromEpoch.to::<u64>(), 1, "a key counts from the next epoch");
    }
    assert_eq!(hub.registry.activeOperators().call().await?, accounts);
    let staked = tokens(STAKES.iter().sum());
    assert_eq!(hub.vault.totalSlashable().call().await?, staked);
    let cap = staked * U256::from(STAKE_CAP_BPS) / U256::from(10_000);
    assert_eq!(hub.stake_cap.valueCap().call().await?, cap);

    // ---- the first epoch: the hub records the set causeway-core computes from the same data
    confirm(hub.registry.advanceEpoch()).await?;
    let set = OperatorSet::from_unsorted(
        1,
        hub.registry.latestSetTimestamp().call().await?,
        keys.iter()
            .zip(STAKES)
            .map(|(k, stake)| Operator { address: k.address(), weight: tokens(stake).to() })
            .collect(),
        THRESHOLD_BPS,
        MIN_SIGNERS,
    )?;
    assert_eq!(hub.registry.latestEpoch().call().await?, 1);
    assert_eq!(hub.registry.operatorSetHash(1).call().await?, set.hash());
    // The hub Mailbox's verifier forwards the registry's getters, so relayers see the hub set.
    assert_eq!(hub.settlement.latestEpoch().call().await?, 1);
    assert_eq!(hub.settlement.operatorSetHash(1).call().await?, set.hash());

    // ---- the hub Mailbox sends
    let receipt = confirm(hub.mailbox.dispatch(
        REMOTE_DOMAIN,
        B256::repeat_byte(0x22),
        Bytes::from_static(b"hello"),
    ))
    .await?;
    ensure!(receipt.decoded_log::<Mailbox::Dispatch>().is_some(), "no Dispatch");
    let outbox = hub.mailbox.outboxState(REMOTE_DOMAIN).call().await?;
    assert_eq!(outbox.count, U256::from(1));
    assert_ne!(outbox.root, B256::ZERO);

    // ---- a rollup: rented, assigned the first domain of the range, bonded, one commitment
    let config = RollupConfig {
        vm: 0,       // Evm
        stack: 0,    // Op
        da: 1,       // EthereumBlobs
        finality: 1, // Optimistic
        challengeWindow: 3_600,
        thresholdBps: THRESHOLD_BPS,
        minSigners: MIN_SIGNERS,
        ttl: 30 * DAY,
        proposer: deployer,
    };
    hub.rollups.validateConfig(config.clone()).call().await?;
    let rent = U256::from(RENT_PER_SECOND) * U256::from(config.ttl);
    let rollup = hub.rollups.createRollup(config.clone()).value(rent).call().await?;
    confirm(hub.rollups.createRollup(config).value(rent)).await?;
    assert_eq!(rollup, FIRST_ROLLUP_DOMAIN);
    assert_eq!(hub.rollups.state(rollup).call().await?, ROLLUP_ACTIVE);
    assert_eq!(hub.rollups.ownerOf(rollup).call().await?, deployer);
    assert_eq!(hub.rollups.nextDomain().call().await?, u64::from(FIRST_ROLLUP_DOMAIN) + 1);

    confirm(hub.commitments.depositBond(rollup).value(U256::from(PROPOSER_BOND))).await?;
    assert_eq!(hub.commitments.bond(rollup).call().await?, U256::from(PROPOSER_BOND));
    let outbox_root = B256::repeat_byte(0x0b);
    confirm(hub.commitments.propose(
        rollup,
        1,
        B256::repeat_byte(0x05),
        B256::repeat_byte(0x0a),
        outbox_root,
        0,
    ))
    .await?;
    assert_eq!(hub.commitments.commitmentCount().call().await?, 1);
    let commitment = hub.commitments.commitment(1).call().await?;
    assert_eq!((commitment.rollup, commitment.outboxRoot), (rollup, outbox_root));
    assert_eq!(commitment.status, COMMITMENT_PENDING);

    // The hub Mailbox's verifier settles a rollup origin on its commitments (and refuses this
    // one: still pending) instead of asking the operator quorum.
    let err = hub
        .settlement
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
    let remote = deploy_remote(&provider, deployer, &hub, &set).await?;
    connect(&hub, &remote).await?;
    assert_eq!(remote.mirror.latestEpoch().call().await?, 1);
    assert_eq!(remote.mirror.operatorSetHash(1).call().await?, set.hash());
    assert_eq!(
        remote.mirror.domainSeparator().call().await?,
        hub.registry.domainSeparator().call().await?,
        "hub signatures must verify on the mirror"
    );
    assert_eq!(remote.mailbox.quorumVerifier().call().await?, *remote.mirror.address());
    assert_eq!(remote.stake_cap.valueCap().call().await?, cap);
    assert_eq!(remote.synthetic.decimals().call().await?, 18);
    assert_eq!(remote.synthetic.minter().call().await?, *remote.bridge.address());
    assert_eq!(remote.synthetic.totalSupply().call().await?, U256::ZERO);
    assert_eq!(
        hub.mailbox.originOutbox(REMOTE_DOMAIN).call().await?,
        route_outbox(*remote.mailbox.address(), HUB_DOMAIN)
    );
    assert_eq!(
        hub.bridge.routerOf(REMOTE_DOMAIN).call().await?,
        remote.bridge.address().into_word()
    );
    assert_eq!(remote.bridge.routerOf(HUB_DOMAIN).call().await?, hub.bridge.address().into_word());
    assert_eq!(remote.bridge.available(HUB_DOMAIN).call().await?, tokens(50));

    // ---- a transfer out of the hub: locked in the collateral bridge, dispatched on route 1 → 2
    let recipient = anvil.addresses()[5];
    let amount = tokens(10);
    confirm(hub.token.approve(*hub.bridge.address(), amount)).await?;
    confirm(hub.bridge.transferRemote(REMOTE_DOMAIN, recipient.into_word(), amount)).await?;
    assert_eq!(hub.token.balanceOf(*hub.bridge.address()).call().await?, amount);
    assert_eq!(hub.bridge.inFlight().call().await?, amount);
    assert_eq!(hub.mailbox.outboxState(REMOTE_DOMAIN).call().await?.count, U256::from(2));

    // ---- ... and delivered on the remote domain with a checkpoint three operators signed
    let source =
        EvmSource::new(HUB_DOMAIN, provider.clone(), *hub.mailbox.address(), FinalityRule::Instant);
    let head = source.finalized_block().await?;
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
        outbox: route_outbox(*hub.mailbox.address(), REMOTE_DOMAIN),
        root: tree.root(),
        index: 1,
        epoch: 1,
    };
    let domain = SigningDomain { chain_id: CHAIN_ID, registry: *hub.registry.address() };
    let mut signatures = keys[1..]
        .iter()
        .map(|k| Ok((k.address(), k.sign_checkpoint(&checkpoint, &domain)?)))
        .collect::<Result<Vec<_>>>()?;
    signatures.sort_by_key(|(a, _)| *a);
    let signed = SignedCheckpoint { checkpoint, set: set.clone(), signatures };
    signed.verify(&domain)?;
    let sink = EvmSink::new(REMOTE_DOMAIN, provider.clone(), *remote.mailbox.address(), deployer);
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
    assert_eq!(remote.synthetic.balanceOf(recipient).call().await?, amount);
    assert_eq!(remote.synthetic.totalSupply().call().await?, amount);
    assert_eq!(remote.bridge.available(HUB_DOMAIN).call().await?, tokens(40));
    assert_eq!(remote.bridge.inFlight().call().await?, amount);
    Ok(())
}
