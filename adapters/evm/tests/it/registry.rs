//! `RegistryReader` against real chains: a hub on one anvil (chain 31337) with four registered
//! operators, a remote domain on another (chain 31338) whose mirror starts from the hub's set.

use alloy::{
    primitives::{Address, U256},
    providers::{DynProvider, Provider},
    signers::local::PrivateKeySigner,
};
use causeway_adapter_evm::{
    AnnouncedOperator, HubParams, RegistryReader, RemoteParams,
    bindings::{mailbox::Mailbox, token_bridge::TokenBridge},
    connect_http,
    deploy::{self, tokens},
    route_outbox,
};
use causeway_core::{ChainError, vectors::test_key};
use eyre::{Result, eyre};

use crate::anvil;

const HUB_CHAIN: u64 = 31337;
const REMOTE_CHAIN: u64 = 31338;
const HUB_DOMAIN: u32 = 1;
const REMOTE_DOMAIN: u32 = 2;
const STAKES: [u64; 4] = [100, 200, 300, 400];

fn url(i: usize) -> String {
    format!("http://operator-{i}.invalid:7400")
}

#[tokio::test]
async fn the_reader_sees_the_hub_operators_and_the_same_set_on_hub_and_mirror() -> Result<()> {
    let (hub_chain, remote_chain) = (anvil(HUB_CHAIN)?, anvil(REMOTE_CHAIN)?);
    let signers: Vec<PrivateKeySigner> =
        hub_chain.keys()[..5].iter().cloned().map(Into::into).collect();
    // One provider per account: the deployer's, and each operator's own.
    let providers: Vec<DynProvider> =
        signers.iter().map(|s| connect_http(hub_chain.endpoint_url(), s.clone())).collect();
    let (hub_provider, deployer) = (&providers[0], signers[0].address());
    let params = HubParams::devnet(HUB_DOMAIN, HUB_CHAIN);
    let hub = deploy::deploy_hub(hub_provider, deployer, &params).await?;

    // A failed step says which call failed and why, decoded.
    let err = deploy::advance_epoch(hub_provider, hub.registry).await.expect_err("no operators");
    let message = err.to_string();
    assert!(message.contains("RestakingRegistry.advanceEpoch"), "{message}");
    assert!(message.contains("NotEnoughOperators"), "{message}");

    let keys: Vec<_> = (1..=4).map(test_key).collect::<Result<_, _>>()?;
    let accounts: Vec<Address> = signers[1..].iter().map(|s| s.address()).collect();
    for (i, ((&account, key), stake)) in accounts.iter().zip(&keys).zip(STAKES).enumerate() {
        deploy::fund_and_register_operator(
            hub_provider,
            &providers[i + 1],
            &hub,
            account,
            tokens(stake),
            key.address(),
            &url(i),
        )
        .await?;
    }

    let reader = RegistryReader::hub(hub_provider.clone(), &hub);
    assert_eq!(reader.latest_epoch().await?, 0);
    assert_eq!(reader.operator_set(1).await?, None, "nothing recorded yet");

    let set = deploy::advance_epoch(hub_provider, hub.registry)
        .await?
        .ok_or_else(|| eyre!("the first advanceEpoch recorded no set"))?;
    let expected = crate::expected_set(&keys, &STAKES, set.timestamp(), &params)?;
    assert_eq!(set, expected);

    // ---- operators, keys and URLs (registerOperator announces the first URL)
    let mut announced: Vec<AnnouncedOperator> = accounts
        .iter()
        .zip(&keys)
        .enumerate()
        .map(|(i, (&account, key))| AnnouncedOperator {
            account,
            signing_key: key.address(),
            url: url(i),
        })
        .collect();
    assert_eq!(reader.announced_operators().await?, announced);
    announced[2].url = "http://moved.invalid/v2".into();
    deploy::announce(&providers[3], hub.registry, accounts[2], &announced[2].url).await?;
    assert_eq!(reader.announced_operators().await?, announced, "the latest URL wins");

    // ---- recorded sets
    assert_eq!(reader.latest_epoch().await?, 1);
    assert_eq!(reader.operator_set(1).await?, Some(set.clone()));
    assert_eq!(reader.operator_set(2).await?, None);

    // ---- a remote domain on another chain, following the hub's set
    let remote_signer: PrivateKeySigner = remote_chain.keys()[0].clone().into();
    let remote_deployer = remote_signer.address();
    let remote_provider = connect_http(remote_chain.endpoint_url(), remote_signer);
    assert_eq!(remote_provider.get_chain_id().await?, REMOTE_CHAIN);
    let hub_cap = deploy::hub_value_cap(hub_provider, &hub).await?;
    assert_eq!(hub_cap, tokens(100), "10 % of the 1,000 tokens staked");
    let remote = deploy::deploy_remote(
        &remote_provider,
        remote_deployer,
        &RemoteParams::devnet(REMOTE_DOMAIN),
        &hub,
        &params,
        hub_cap,
        &set,
    )
    .await?;
    let (capacity, refill) = (tokens(50).to::<u128>(), 1_000_000u128);
    deploy::connect(
        hub_provider,
        &hub,
        HUB_DOMAIN,
        &remote_provider,
        &remote,
        REMOTE_DOMAIN,
        capacity,
        refill,
    )
    .await?;
    let hub_mailbox = Mailbox::new(hub.mailbox, hub_provider);
    let remote_mailbox = Mailbox::new(remote.mailbox, &remote_provider);
    assert_eq!(
        hub_mailbox.originOutbox(REMOTE_DOMAIN).call().await?,
        route_outbox(remote.mailbox, HUB_DOMAIN)
    );
    assert_eq!(
        remote_mailbox.originOutbox(HUB_DOMAIN).call().await?,
        route_outbox(hub.mailbox, REMOTE_DOMAIN)
    );
    let remote_bridge = TokenBridge::new(remote.token_bridge, &remote_provider);
    assert_eq!(remote_bridge.available(HUB_DOMAIN).call().await?, U256::from(capacity));

    let mirror = RegistryReader::mirror(remote_provider.clone(), &remote);
    assert_eq!(mirror.latest_epoch().await?, 1);
    assert_eq!(mirror.operator_set(1).await?, Some(set));
    assert_eq!(mirror.operator_set(2).await?, None);
    // A mirror has no operators to announce.
    assert!(mirror.announced_operators().await.is_err());
    Ok(())
}

#[tokio::test]
async fn a_reader_of_an_address_without_a_contract_says_so() -> Result<()> {
    let chain = anvil(HUB_CHAIN)?;
    let provider = connect_http(chain.endpoint_url(), chain.keys()[0].clone().into());
    let reader = RegistryReader::new(provider, Address::repeat_byte(0x42), 0);

    let err = reader.latest_epoch().await.expect_err("no contract there");
    assert!(matches!(err, ChainError::Permanent { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("latestEpoch()"), "{message}");
    assert!(message.contains("no contract"), "{message}");
    assert!(message.contains(&Address::repeat_byte(0x42).to_string()), "{message}");

    let err = reader.operator_set(1).await.expect_err("no contract there");
    assert!(err.to_string().contains("no contract"), "{err}");
    let err = reader.announced_operators().await.expect_err("no contract there");
    assert!(err.to_string().contains("no contract"), "{err}");
    Ok(())
}
