//! Deploying and wiring a Causeway deployment: the hub's contracts, a remote domain's contracts,
//! the connection between the two, and the operator steps (stake, register, announce, advance
//! an epoch) a devnet needs before it can relay.
//!
//! Used by `causeway devnet`, the end-to-end tests and the gas benchmark (a deploy command
//! for real networks will use it too).
//! Every transaction waits for its receipt and checks its status; every failure names the step
//! (contract and call) that failed. The hub and each remote domain are separate chains, reached
//! through separate providers, each sending from its default signer unless a function takes the
//! sending account explicitly.

use alloy::{
    contract::{CallBuilder, CallDecoder, Error as ContractError},
    primitives::{Address, B256, U256},
    providers::{DynProvider, Provider},
    rpc::types::TransactionReceipt,
};
use causeway_core::{Domain, OperatorSet};
use serde::{Deserialize, Serialize};

use crate::{
    bindings::{
        causeway_token::CausewayToken, mailbox::Mailbox, managed_stake_cap::ManagedStakeCap,
        message_log::MessageLog, operator_set_mirror::OperatorSetMirror,
        restaking_registry::RestakingRegistry, rollup_registry::RollupRegistry,
        settlement_verifier::SettlementVerifier, stake_vault::StakeVault,
        state_commitment_chain::StateCommitmentChain, token_bridge::TokenBridge,
        vault_stake_cap::VaultStakeCap,
    },
    error::decode_revert,
};

const DAY: u64 = 86_400;

/// `n` whole tokens in base units (18 decimals, as `CausewayToken` and the synthetic token use).
pub fn tokens(n: u64) -> U256 {
    U256::from(n) * U256::from(10u64).pow(U256::from(18))
}

/// Everything fixed when the hub is deployed. Amounts are in token base units (18 decimals)
/// unless noted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HubParams {
    /// The hub's Causeway domain id.
    pub domain: Domain,
    /// The hub chain's id: half of the EIP-712 domain every operator signature uses (checked
    /// against the provider's chain when deploying).
    pub chain_id: u64,
    /// Seconds a recorded operator set may verify checkpoints after it took effect (mirrors use
    /// the same value).
    pub max_staleness: u64,
    /// Seconds between epoch boundaries.
    pub epoch_length: u64,
    /// Seconds the vault holds withdrawn stake; must exceed `max_staleness + epoch_length`.
    pub unbonding_period: u64,
    /// Signed weight needed for a quorum, in basis points of the set's weight.
    pub threshold_bps: u16,
    /// Fewest distinct operators a quorum needs.
    pub min_signers: u16,
    /// Most operators that may register (at most 256).
    pub max_operators: u16,
    /// Share of an operator's slashable stake taken per piece of evidence, in basis points.
    pub slash_bps: u16,
    /// Share of a slash paid to the reporter, in basis points.
    pub bounty_bps: u16,
    /// Least stake to register and to be in a set.
    pub min_stake: U256,
    /// `CausewayToken` supply, minted to the deployer.
    pub token_supply: U256,
    /// Share of the slashable stake the hub bridge may have in flight, in basis points.
    pub stake_cap_bps: u16,
    /// Seconds the hub bridge counts a transfer as in flight.
    pub settlement_period: u64,
    /// First domain id the rollup registry hands out.
    pub first_rollup_domain: Domain,
    /// Last domain id the rollup registry hands out.
    pub last_rollup_domain: Domain,
    /// Rollup rent, in wei per second.
    pub rent_per_second: u128,
    /// Bond a rollup proposer deposits, in wei.
    pub proposer_bond: U256,
    /// Receives what slashing and rent collect; `None` means the deployer.
    pub treasury: Option<Address>,
}

impl HubParams {
    /// The devnet values: one-day epochs, week-long staleness, nine-day unbonding, a 2/3 quorum
    /// of at least 3 signers, 100-token minimum stake, a 10 % stake cap, one-hour settlement.
    pub fn devnet(domain: Domain, chain_id: u64) -> Self {
        Self {
            domain,
            chain_id,
            max_staleness: 7 * DAY,
            epoch_length: DAY,
            unbonding_period: 9 * DAY,
            threshold_bps: 6_667,
            min_signers: 3,
            max_operators: 64,
            slash_bps: 1_000,
            bounty_bps: 1_000,
            min_stake: tokens(100),
            token_supply: tokens(1_000_000),
            stake_cap_bps: 1_000,
            settlement_period: 3_600,
            // A range no configured chain uses (ADR 0005 §2).
            first_rollup_domain: 0x1000_0000,
            last_rollup_domain: 0x1fff_ffff,
            rent_per_second: 1_000_000_000, // 1 gwei
            proposer_bond: U256::from(1_000_000_000_000_000_000u64), // 1 ETH
            treasury: None,
        }
    }
}

/// Everything fixed when a remote (non-hub) domain is deployed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteParams {
    /// The remote's Causeway domain id.
    pub domain: Domain,
    /// Seconds the remote bridge counts a transfer as in flight.
    pub settlement_period: u64,
    /// Name of the synthetic token the remote bridge deploys.
    pub token_name: String,
    /// Symbol of the synthetic token.
    pub token_symbol: String,
    /// Decimals of the synthetic token (those of the hub token).
    pub token_decimals: u8,
    /// The remote stake cap may be raised to this multiple of the hub's cap at deployment.
    pub max_cap_factor: u64,
}

impl RemoteParams {
    /// The devnet values: one-hour settlement, "Causeway (bridged)" / CWAY with 18 decimals, a
    /// cap that may later be raised to twice the hub's.
    pub fn devnet(domain: Domain) -> Self {
        Self {
            domain,
            settlement_period: 3_600,
            token_name: "Causeway (bridged)".into(),
            token_symbol: "CWAY".into(),
            token_decimals: 18,
            max_cap_factor: 2,
        }
    }
}

/// Where the hub's contracts are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HubDeployment {
    /// `CausewayToken`, the staking token.
    pub token: Address,
    /// `StakeVault`, which holds the operators' stake.
    pub stake_vault: Address,
    /// `RollupRegistry`.
    pub rollup_registry: Address,
    /// `RestakingRegistry`, which records the operator sets.
    pub registry: Address,
    /// `StateCommitmentChain`.
    pub state_commitment_chain: Address,
    /// `SettlementVerifier`, the hub Mailbox's verifier.
    pub settlement_verifier: Address,
    /// The hub `Mailbox`.
    pub mailbox: Address,
    /// `VaultStakeCap`, the hub bridge's cap.
    pub stake_cap: Address,
    /// `TokenBridge` in collateral mode.
    pub token_bridge: Address,
    /// `MessageLog`, a recipient that records what it receives.
    pub message_log: Address,
    /// Block of the first deployment transaction: followers read logs from here.
    pub deploy_block: u64,
}

/// Where a remote domain's contracts are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteDeployment {
    /// `OperatorSetMirror`, the remote Mailbox's verifier.
    pub operator_set_mirror: Address,
    /// The remote `Mailbox`.
    pub mailbox: Address,
    /// `ManagedStakeCap`, the remote bridge's cap.
    pub stake_cap: Address,
    /// `TokenBridge` in synthetic mode.
    pub token_bridge: Address,
    /// The `SyntheticToken` the bridge deployed.
    pub synthetic_token: Address,
    /// `MessageLog`, a recipient that records what it receives.
    pub message_log: Address,
    /// Block of the first deployment transaction (the mirror's, which records the genesis set).
    pub deploy_block: u64,
}

/// Why a deployment step failed. Each variant names the step.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DeployError {
    /// A contract could not be deployed (refused by the node, constructor reverted, no address
    /// in the receipt).
    #[error("deploying {contract}: {reason}")]
    Deploy {
        /// The contract.
        contract: &'static str,
        /// What went wrong (the decoded revert where there is one).
        reason: String,
    },
    /// A transaction could not be sent or confirmed, or a call failed.
    #[error("{step}: {reason}")]
    Call {
        /// The contract and function, e.g. `StakeVault.setSlasher`.
        step: String,
        /// What went wrong (the decoded revert where there is one).
        reason: String,
    },
    /// A transaction was mined but reverted.
    #[error("{step}: transaction {tx_hash} reverted")]
    Reverted {
        /// The contract and function.
        step: String,
        /// The reverted transaction.
        tx_hash: B256,
    },
    /// A JSON-RPC request (not a contract call) failed.
    #[error("{step}: {reason}")]
    Rpc {
        /// What was being read.
        step: String,
        /// The transport's error.
        reason: String,
    },
    /// The hub Mailbox did not land at the address the registry was deployed with.
    #[error(
        "the hub Mailbox was deployed at {actual}, not at {predicted} where the RestakingRegistry expects it: another transaction from {deployer} was mined between the two deployments; deploy the hub again from an account nothing else uses"
    )]
    MailboxAddress {
        /// The address the registry was given.
        predicted: Address,
        /// Where the Mailbox is.
        actual: Address,
        /// The deploying account.
        deployer: Address,
    },
    /// The provider is connected to another chain than the parameters name.
    #[error("the hub parameters are for chain {expected} but the provider is on chain {actual}")]
    WrongChain {
        /// `HubParams::chain_id`.
        expected: u64,
        /// The provider's chain id.
        actual: u64,
    },
    /// A contract returned or emitted a value that is not valid.
    #[error("{step}: {reason}")]
    Invalid {
        /// Where the value came from.
        step: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// Why a contract call or transaction failed, with its revert decoded where possible.
fn describe(error: &ContractError) -> String {
    match error.as_revert_data() {
        Some(data) => match decode_revert(&data) {
            Some(decoded) => format!("reverted with {decoded}"),
            None => format!("reverted with data {data}"),
        },
        None => error.to_string(),
    }
}

fn call_error(step: &str, error: &ContractError) -> DeployError {
    DeployError::Call { step: step.to_owned(), reason: describe(error) }
}

/// Sends `call`, waits for its receipt and refuses a revert; errors name `step`.
pub async fn send<P: Provider, D: CallDecoder>(
    step: &str,
    call: CallBuilder<P, D>,
) -> Result<TransactionReceipt, DeployError> {
    let pending = call.send().await.map_err(|e| call_error(step, &e))?;
    let receipt = pending.get_receipt().await.map_err(|e| DeployError::Call {
        step: step.to_owned(),
        reason: format!("waiting for the receipt: {e}"),
    })?;
    if !receipt.status() {
        return Err(DeployError::Reverted {
            step: step.to_owned(),
            tx_hash: receipt.transaction_hash,
        });
    }
    Ok(receipt)
}

/// Sends a deployment, waits for its receipt and returns the new contract's address and block.
async fn deploy<P: Provider, D: CallDecoder>(
    contract: &'static str,
    builder: CallBuilder<P, D>,
) -> Result<(Address, u64), DeployError> {
    let fail = |reason: String| DeployError::Deploy { contract, reason };
    let pending = builder.send().await.map_err(|e| fail(describe(&e)))?;
    let receipt =
        pending.get_receipt().await.map_err(|e| fail(format!("waiting for the receipt: {e}")))?;
    if !receipt.status() {
        return Err(fail(format!(
            "the constructor reverted in transaction {}",
            receipt.transaction_hash
        )));
    }
    let address = receipt.contract_address.ok_or_else(|| {
        fail(format!("no contract address in the receipt of {}", receipt.transaction_hash))
    })?;
    let block = receipt.block_number.ok_or_else(|| {
        fail(format!("no block number in the receipt of {}", receipt.transaction_hash))
    })?;
    Ok((address, block))
}

/// Deploys and wires the hub, every transaction from `deployer` (a signer of `provider`), which
/// owns everything that has an owner and, unless `params.treasury` says otherwise, receives what
/// slashing and rent collect.
///
/// Order: token, vault, rollup registry, restaking registry, commitment chain, settlement
/// verifier, Mailbox, `StakeVault.setSlasher(registry)`, `RollupRegistry.setCommitmentChain`,
/// stake cap, collateral bridge, message log. The registry's immutable `mailbox` is the Mailbox,
/// whose immutable verifier is the settlement verifier, which needs the registry: the Mailbox's
/// address is predicted from the deployer's nonce (three transactions after the registry) and
/// checked once it is deployed, so nothing else may send from `deployer` meanwhile.
pub async fn deploy_hub(
    provider: &DynProvider,
    deployer: Address,
    params: &HubParams,
) -> Result<HubDeployment, DeployError> {
    let chain_id = provider.get_chain_id().await.map_err(|e| DeployError::Rpc {
        step: "reading the hub chain id".into(),
        reason: e.to_string(),
    })?;
    if chain_id != params.chain_id {
        return Err(DeployError::WrongChain { expected: params.chain_id, actual: chain_id });
    }
    let p = || provider.clone();
    let treasury = params.treasury.unwrap_or(deployer);

    let (token, deploy_block) = deploy(
        "CausewayToken",
        CausewayToken::deploy_builder(p(), deployer, params.token_supply).from(deployer),
    )
    .await?;
    let (stake_vault, _) = deploy(
        "StakeVault",
        StakeVault::deploy_builder(p(), token, U256::from(params.unbonding_period)).from(deployer),
    )
    .await?;
    // Before the settlement verifier, whose constructor copies the registry's domain range.
    let (rollup_registry, _) = deploy(
        "RollupRegistry",
        RollupRegistry::deploy_builder(
            p(),
            deployer,
            params.first_rollup_domain,
            params.last_rollup_domain,
            params.rent_per_second,
            treasury,
        )
        .from(deployer),
    )
    .await?;

    let nonce =
        provider.get_transaction_count(deployer).pending().await.map_err(|e| DeployError::Rpc {
            step: format!("reading the nonce of the deployer {deployer}"),
            reason: e.to_string(),
        })?;
    let predicted = deployer.create(nonce + 3);
    let (registry, _) = deploy(
        "RestakingRegistry",
        RestakingRegistry::deploy_builder(
            p(),
            RestakingRegistry::Config {
                localDomain: params.domain,
                stakeSource: stake_vault,
                mailbox: predicted,
                treasury,
                maxStaleness: U256::from(params.max_staleness),
                epochLength: params.epoch_length,
                thresholdBps: params.threshold_bps,
                minSigners: params.min_signers,
                maxOperators: params.max_operators,
                slashBps: params.slash_bps,
                bountyBps: params.bounty_bps,
                minStake: params.min_stake,
            },
        )
        .from(deployer),
    )
    .await?;
    let (state_commitment_chain, _) = deploy(
        "StateCommitmentChain",
        StateCommitmentChain::deploy_builder(
            p(),
            rollup_registry,
            registry,
            params.domain,
            params.proposer_bond,
        )
        .from(deployer),
    )
    .await?;
    // Rollup origins settle on final commitments; every other origin goes to the registry.
    let (settlement_verifier, _) = deploy(
        "SettlementVerifier",
        SettlementVerifier::deploy_builder(p(), state_commitment_chain, rollup_registry, registry)
            .from(deployer),
    )
    .await?;
    let (mailbox, _) = deploy(
        "Mailbox (hub)",
        Mailbox::deploy_builder(p(), params.domain, settlement_verifier, deployer, deployer)
            .from(deployer),
    )
    .await?;
    if mailbox != predicted {
        return Err(DeployError::MailboxAddress { predicted, actual: mailbox, deployer });
    }

    // Only the registry may slash the vault, and `advanceEpoch` refuses to build a set before it
    // can (ADR 0004 §1). Callable once, by the vault's deployer.
    send(
        "StakeVault.setSlasher(RestakingRegistry)",
        StakeVault::new(stake_vault, p()).setSlasher(registry).from(deployer),
    )
    .await?;
    // The registry closes rollups on commitments it reads from the chain (ADR 0005 §6).
    send(
        "RollupRegistry.setCommitmentChain(StateCommitmentChain)",
        RollupRegistry::new(rollup_registry, p())
            .setCommitmentChain(state_commitment_chain)
            .from(deployer),
    )
    .await?;

    let (stake_cap, _) = deploy(
        "VaultStakeCap",
        VaultStakeCap::deploy_builder(p(), stake_vault, params.stake_cap_bps).from(deployer),
    )
    .await?;
    let (token_bridge, _) = deploy(
        "TokenBridge (hub, collateral)",
        TokenBridge::deploy_builder(
            p(),
            TokenBridge::Init {
                mailbox,
                collateral: token,
                // Only used in synthetic mode.
                name: String::new(),
                symbol: String::new(),
                decimals: 0,
                stakeCap: stake_cap,
                settlementPeriod: params.settlement_period,
                owner: deployer,
            },
        )
        .from(deployer),
    )
    .await?;
    let (message_log, _) =
        deploy("MessageLog (hub)", MessageLog::deploy_builder(p(), mailbox).from(deployer)).await?;

    Ok(HubDeployment {
        token,
        stake_vault,
        rollup_registry,
        registry,
        state_commitment_chain,
        settlement_verifier,
        mailbox,
        stake_cap,
        token_bridge,
        message_log,
        deploy_block,
    })
}

/// The hub bridge's current value cap (`VaultStakeCap.valueCap`), the starting cap of a remote
/// domain deployed now.
pub async fn hub_value_cap(
    hub_provider: &DynProvider,
    hub: &HubDeployment,
) -> Result<U256, DeployError> {
    VaultStakeCap::new(hub.stake_cap, hub_provider)
        .valueCap()
        .call()
        .await
        .map_err(|e| call_error("VaultStakeCap.valueCap (hub)", &e))
}

/// Deploys a remote domain that follows the hub's operator set from `genesis`, a set the hub
/// recorded (so operators must have registered and an epoch advanced first), every transaction
/// from `deployer` (a signer of `provider`, the remote chain's provider), which owns everything
/// that has an owner.
///
/// The mirror verifies under the hub's EIP-712 domain (`hub_params.chain_id`, `hub.registry`)
/// and staleness, so hub operators' signatures verify here exactly as long as their stake is
/// slashable there. There is no vault on a remote: its stake cap starts at `hub_value_cap` (see
/// [`hub_value_cap`]) and may be raised by its owner up to `max_cap_factor` times that.
///
/// Order: mirror, Mailbox, managed stake cap, synthetic bridge (which deploys its token),
/// message log.
pub async fn deploy_remote(
    provider: &DynProvider,
    deployer: Address,
    params: &RemoteParams,
    hub: &HubDeployment,
    hub_params: &HubParams,
    hub_value_cap: U256,
    genesis: &OperatorSet,
) -> Result<RemoteDeployment, DeployError> {
    let p = || provider.clone();
    let (operator_set_mirror, deploy_block) = deploy(
        "OperatorSetMirror",
        OperatorSetMirror::deploy_builder(
            p(),
            U256::from(hub_params.chain_id),
            hub.registry,
            U256::from(hub_params.max_staleness),
            genesis.into(),
        )
        .from(deployer),
    )
    .await?;
    let (mailbox, _) = deploy(
        "Mailbox (remote)",
        Mailbox::deploy_builder(p(), params.domain, operator_set_mirror, deployer, deployer)
            .from(deployer),
    )
    .await?;
    let max_cap =
        hub_value_cap.checked_mul(U256::from(params.max_cap_factor)).ok_or_else(|| {
            DeployError::Invalid {
                step: "ManagedStakeCap maximum".into(),
                reason: format!(
                    "hub cap {hub_value_cap} × {} overflows uint256",
                    params.max_cap_factor
                ),
            }
        })?;
    let (stake_cap, _) = deploy(
        "ManagedStakeCap",
        ManagedStakeCap::deploy_builder(p(), deployer, hub_value_cap, max_cap).from(deployer),
    )
    .await?;
    let (token_bridge, _) = deploy(
        "TokenBridge (remote, synthetic)",
        TokenBridge::deploy_builder(
            p(),
            TokenBridge::Init {
                mailbox,
                collateral: Address::ZERO, // synthetic mode: the bridge deploys its own token
                name: params.token_name.clone(),
                symbol: params.token_symbol.clone(),
                decimals: params.token_decimals,
                stakeCap: stake_cap,
                settlementPeriod: params.settlement_period,
                owner: deployer,
            },
        )
        .from(deployer),
    )
    .await?;
    let synthetic_token = TokenBridge::new(token_bridge, p())
        .token()
        .call()
        .await
        .map_err(|e| call_error("TokenBridge.token (remote)", &e))?;
    let (message_log, _) =
        deploy("MessageLog (remote)", MessageLog::deploy_builder(p(), mailbox).from(deployer))
            .await?;
    Ok(RemoteDeployment {
        operator_set_mirror,
        mailbox,
        stake_cap,
        token_bridge,
        synthetic_token,
        message_log,
        deploy_block,
    })
}

/// Connects the hub and a remote domain both ways: each Mailbox accepts checkpoints of the
/// other's route to it (`enrollOrigin`), each bridge knows the other as the router of its domain
/// (`enrollRemoteRouter`), and each bridge gets an inbound bucket of `capacity` refilling at
/// `refill_per_second` (capacity 0, the default, would release nothing). Sent from each
/// provider's default signer, which must own that side's Mailbox and bridge.
#[allow(clippy::too_many_arguments)]
pub async fn connect(
    hub_provider: &DynProvider,
    hub: &HubDeployment,
    hub_domain: Domain,
    remote_provider: &DynProvider,
    remote: &RemoteDeployment,
    remote_domain: Domain,
    capacity: u128,
    refill_per_second: u128,
) -> Result<(), DeployError> {
    let hub_mailbox = Mailbox::new(hub.mailbox, hub_provider);
    let remote_mailbox = Mailbox::new(remote.mailbox, remote_provider);
    let hub_bridge = TokenBridge::new(hub.token_bridge, hub_provider);
    let remote_bridge = TokenBridge::new(remote.token_bridge, remote_provider);
    send(
        &format!("Mailbox.enrollOrigin({remote_domain}) on the hub"),
        hub_mailbox.enrollOrigin(remote_domain, remote.mailbox.into_word()),
    )
    .await?;
    send(
        &format!("Mailbox.enrollOrigin({hub_domain}) on domain {remote_domain}"),
        remote_mailbox.enrollOrigin(hub_domain, hub.mailbox.into_word()),
    )
    .await?;
    send(
        &format!("TokenBridge.enrollRemoteRouter({remote_domain}) on the hub"),
        hub_bridge.enrollRemoteRouter(remote_domain, remote.token_bridge.into_word()),
    )
    .await?;
    send(
        &format!("TokenBridge.enrollRemoteRouter({hub_domain}) on domain {remote_domain}"),
        remote_bridge.enrollRemoteRouter(hub_domain, hub.token_bridge.into_word()),
    )
    .await?;
    send(
        &format!("TokenBridge.setRateLimit({remote_domain}) on the hub"),
        hub_bridge.setRateLimit(remote_domain, capacity, refill_per_second),
    )
    .await?;
    send(
        &format!("TokenBridge.setRateLimit({hub_domain}) on domain {remote_domain}"),
        remote_bridge.setRateLimit(hub_domain, capacity, refill_per_second),
    )
    .await?;
    Ok(())
}

/// Deploys, on the hub, a synthetic `TokenBridge` for the native token of a chain without
/// Causeway contracts (a Substrate chain): it mints `symbol` when that chain's escrow took a
/// deposit and burns it to release one. Returns the bridge and its token.
#[allow(clippy::too_many_arguments)]
pub async fn deploy_foreign_bridge(
    provider: &DynProvider,
    deployer: Address,
    hub: &HubDeployment,
    name: &str,
    symbol: &str,
    decimals: u8,
    settlement_period: u64,
) -> Result<(Address, Address), DeployError> {
    let (bridge, _) = deploy(
        "TokenBridge (hub, synthetic for a foreign chain)",
        TokenBridge::deploy_builder(
            provider,
            TokenBridge::Init {
                mailbox: hub.mailbox,
                collateral: Address::ZERO,
                name: name.to_owned(),
                symbol: symbol.to_owned(),
                decimals,
                stakeCap: hub.stake_cap,
                settlementPeriod: settlement_period,
                owner: deployer,
            },
        )
        .from(deployer),
    )
    .await?;
    let token = TokenBridge::new(bridge, provider)
        .token()
        .call()
        .await
        .map_err(|e| call_error("TokenBridge.token (foreign)", &e))?;
    Ok((bridge, token))
}

/// Connects a chain without Causeway contracts to the hub: the hub Mailbox accepts checkpoints
/// of its virtual outbox (`outbox_base`), and `bridge` knows its escrow as the router of
/// `domain` with an inbound bucket of `capacity` refilling at `refill_per_second`.
#[allow(clippy::too_many_arguments)]
pub async fn connect_foreign(
    provider: &DynProvider,
    hub: &HubDeployment,
    bridge: Address,
    domain: Domain,
    outbox_base: B256,
    router: B256,
    capacity: u128,
    refill_per_second: u128,
) -> Result<(), DeployError> {
    let mailbox = Mailbox::new(hub.mailbox, provider);
    let bridge = TokenBridge::new(bridge, provider);
    send(
        &format!("Mailbox.enrollOrigin({domain}) on the hub"),
        mailbox.enrollOrigin(domain, outbox_base),
    )
    .await?;
    send(
        &format!("TokenBridge.enrollRemoteRouter({domain}) on the hub"),
        bridge.enrollRemoteRouter(domain, router),
    )
    .await?;
    send(
        &format!("TokenBridge.setRateLimit({domain}) on the hub"),
        bridge.setRateLimit(domain, capacity, refill_per_second),
    )
    .await?;
    Ok(())
}

/// Makes `account` an operator: the deployer (`hub_provider`'s default signer) sends it `stake`
/// tokens, then [`stake_and_register`].
pub async fn fund_and_register_operator(
    hub_provider: &DynProvider,
    operator_provider: &DynProvider,
    hub: &HubDeployment,
    account: Address,
    stake: U256,
    signing_key: Address,
    url: &str,
) -> Result<(), DeployError> {
    send(
        &format!("CausewayToken.transfer({account}, {stake}) from the deployer"),
        CausewayToken::new(hub.token, hub_provider).transfer(account, stake),
    )
    .await?;
    let staking =
        Staking { token: hub.token, stake_vault: hub.stake_vault, registry: hub.registry };
    stake_and_register(operator_provider, &staking, account, stake, signing_key, url).await
}

/// The hub contracts an operator deals with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Staking {
    /// `CausewayToken`.
    pub token: Address,
    /// `StakeVault`.
    pub stake_vault: Address,
    /// `RestakingRegistry`.
    pub registry: Address,
}

/// `account` (a signer of `provider`, holding the tokens) approves and deposits `stake` in the
/// vault and registers `signing_key`, announcing `url`. The key counts from the next epoch.
///
/// Everything the registration would revert on is checked first, before any transaction, so a
/// refused registration leaves no deposit behind: a zero stake, an account already registered or
/// ejected, a signing key bound to an operator, a balance below `stake`, and a total stake below
/// the registry's minimum.
pub async fn stake_and_register(
    provider: &DynProvider,
    hub: &Staking,
    account: Address,
    stake: U256,
    signing_key: Address,
    url: &str,
) -> Result<(), DeployError> {
    let refuse = |reason: String| DeployError::Invalid { step: "registering".into(), reason };
    let read = |step: &str, e: &ContractError| call_error(step, e);
    if stake.is_zero() {
        return Err(refuse("the stake must be more than 0".into()));
    }
    let registry = RestakingRegistry::new(hub.registry, provider);
    let current = registry
        .operatorOf(account)
        .call()
        .await
        .map_err(|e| read("RestakingRegistry.operatorOf", &e))?;
    match current.status {
        1 => return Err(refuse(format!("{account} is already a registered operator"))),
        3 => return Err(refuse(format!("{account} was ejected and cannot register again"))),
        _ => {}
    }
    let bound = registry
        .signingKeyRecord(signing_key)
        .call()
        .await
        .map_err(|e| read("RestakingRegistry.signingKeyRecord", &e))?;
    if !bound.operator.is_zero() {
        return Err(refuse(format!(
            "signing key {signing_key} is already bound to operator {}; use a new key",
            bound.operator
        )));
    }
    let balance = CausewayToken::new(hub.token, provider)
        .balanceOf(account)
        .call()
        .await
        .map_err(|e| read("CausewayToken.balanceOf", &e))?;
    if balance < stake {
        return Err(refuse(format!(
            "account {account} holds {balance} base units, less than the stake {stake}"
        )));
    }
    let min =
        registry.minStake().call().await.map_err(|e| read("RestakingRegistry.minStake", &e))?;
    let staked = StakeVault::new(hub.stake_vault, provider)
        .stakeOf(account)
        .call()
        .await
        .map_err(|e| read("StakeVault.stakeOf", &e))?;
    if staked + stake < min {
        return Err(refuse(format!(
            "a stake of {stake} (+ {staked} already staked) is below the registry's minimum {min} \
             (StakeTooLow); nothing was sent"
        )));
    }
    send(
        &format!("CausewayToken.approve(StakeVault, {stake}) from {account}"),
        CausewayToken::new(hub.token, provider).approve(hub.stake_vault, stake).from(account),
    )
    .await?;
    send(
        &format!("StakeVault.deposit({stake}) from {account}"),
        StakeVault::new(hub.stake_vault, provider).deposit(stake).from(account),
    )
    .await?;
    send(
        &format!("RestakingRegistry.registerOperator({signing_key}) from {account}"),
        RestakingRegistry::new(hub.registry, provider)
            .registerOperator(signing_key, url.to_owned())
            .from(account),
    )
    .await?;
    Ok(())
}

/// Announces a new URL where the active operator `account` (a signer of `provider`) serves its
/// signatures, in the hub `registry`.
pub async fn announce(
    provider: &DynProvider,
    registry: Address,
    account: Address,
    url: &str,
) -> Result<(), DeployError> {
    send(
        &format!("RestakingRegistry.announce from {account}"),
        RestakingRegistry::new(registry, provider).announce(url.to_owned()).from(account),
    )
    .await?;
    Ok(())
}

/// Calls `advanceEpoch` on the hub registry at `registry` (from the provider's default signer)
/// and returns the set it recorded, or `None` when the boundary recorded nothing (the set did
/// not change).
pub async fn advance_epoch(
    provider: &DynProvider,
    registry: Address,
) -> Result<Option<OperatorSet>, DeployError> {
    const STEP: &str = "RestakingRegistry.advanceEpoch";
    let receipt = send(STEP, RestakingRegistry::new(registry, provider).advanceEpoch()).await?;
    let recorded = receipt
        .inner
        .logs()
        .iter()
        .filter(|log| log.address() == registry)
        .find_map(|log| log.log_decode::<RestakingRegistry::OperatorSetRecorded>().ok());
    let Some(recorded) = recorded else { return Ok(None) };
    let event = &recorded.inner.data;
    let set = OperatorSet::try_from(&event.set).map_err(|e| DeployError::Invalid {
        step: format!("{STEP}: OperatorSetRecorded of epoch {}", event.epoch),
        reason: e.to_string(),
    })?;
    if set.hash() != event.setHash {
        return Err(DeployError::Invalid {
            step: format!("{STEP}: OperatorSetRecorded of epoch {}", event.epoch),
            reason: format!(
                "the set hashes to {} but the event says {}",
                set.hash(),
                event.setHash
            ),
        });
    }
    Ok(Some(set))
}
