//! An operator stakes, registers and announces itself through the CLI; the indexer serves the
//! registry's operators.

use alloy::primitives::U256;
use causeway_adapter_evm::{
    bindings::causeway_token::CausewayToken, deploy::tokens, registry::RegistryReader,
};
use causeway_core::vectors::{test_key, test_key_secret};
use eyre::{Result, ensure, eyre};

use crate::{Backend, Net};

/// `causeway operator …` with the staking account's and the signing key's env vars.
async fn operator(
    args: &[&str],
    account_key: &str,
    signing_key: &str,
) -> Result<std::process::Output> {
    Ok(tokio::process::Command::new(env!("CARGO_BIN_EXE_causeway"))
        .arg("operator")
        .args(args)
        .env("CAUSEWAY_OPERATOR_ACCOUNT_KEY", account_key)
        .env("CAUSEWAY_OPERATOR_KEY", signing_key)
        .env("RUST_LOG", "error")
        .output()
        .await?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_stakes_registers_and_announces_through_the_cli() -> Result<()> {
    let net = Net::start(Backend::Sqlite, &[], false).await?;
    let d = &net.devnet;
    // The indexer copies the four devnet operators from the registry.
    net.until("operators synced", std::time::Duration::from_secs(30), || async {
        Ok(net.store.operators().await?.len() == 4)
    })
    .await?;
    let stored = net.store.operators().await?;
    assert_eq!(stored.len(), 4);
    for op in &d.operators {
        ensure!(stored.iter().any(|s| s.url == op.url && s.signing_key == op.key.address()));
    }

    // Account 7 (unused by the devnet) gets 500 tokens and a config whose operator key is its own.
    let account =
        alloy::signers::local::PrivateKeySigner::from(d.chains[0].anvil.keys()[7].clone());
    let token = CausewayToken::new(d.hub.token, d.hub_provider(&d.deployer));
    token.transfer(account.address(), tokens(500)).send().await?.get_receipt().await?;
    let devnet_toml = std::fs::read_to_string(d.dir.join("devnet.toml"))?;
    let operator_section = devnet_toml.find("[operator]").ok_or_else(|| eyre!("no [operator]"))?;
    let relayer_section = devnet_toml.find("[relayer]").ok_or_else(|| eyre!("no [relayer]"))?;
    let config = format!(
        "{}[operator]\nkey = {{ env = \"CAUSEWAY_OPERATOR_KEY\" }}\nlisten = \"127.0.0.1:9\"\n\
         public_url = \"http://127.0.0.1:9999\"\n\n{}",
        &devnet_toml[..operator_section],
        &devnet_toml[relayer_section..]
    );
    let path = d.dir.join("operator-5.toml");
    std::fs::write(&path, config)?;
    let path = path.to_str().ok_or_else(|| eyre!("path"))?;
    let account_key = alloy::hex::encode_prefixed(account.to_bytes());
    let signing_key = test_key_secret(7).to_string();

    let out =
        operator(&["register", "--config", path, "--stake", "500"], &account_key, &signing_key)
            .await?;
    ensure!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let registry = RegistryReader::new(d.hub_reader(), d.hub.registry, 0);
    let find = |ops: Vec<causeway_adapter_evm::registry::AnnouncedOperator>| {
        ops.into_iter().find(|o| o.account == account.address())
    };
    let new = find(registry.announced_operators().await?).ok_or_else(|| eyre!("not registered"))?;
    assert_eq!(new.signing_key, test_key(7)?.address());
    assert_eq!(new.url, "http://127.0.0.1:9999");

    let out = operator(
        &["announce", "--config", path, "--set", "operator.public_url=\"http://127.0.0.1:9998\""],
        &account_key,
        &signing_key,
    )
    .await?;
    ensure!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let moved = find(registry.announced_operators().await?).ok_or_else(|| eyre!("gone"))?;
    assert_eq!(moved.url, "http://127.0.0.1:9998");

    // Refused: registering twice, an account without the tokens, a key that is not hex.
    let out = operator(&["register", "--config", path, "--stake", "1"], &account_key, &signing_key)
        .await?;
    ensure!(!out.status.success(), "registered twice");
    let poor = alloy::hex::encode_prefixed(d.chains[0].anvil.keys()[8].to_bytes());
    let out =
        operator(&["register", "--config", path, "--stake", "1"], &poor, &signing_key).await?;
    assert_eq!(out.status.code(), Some(1));
    ensure!(String::from_utf8_lossy(&out.stderr).contains("less than"), "balance named");
    let out =
        operator(&["register", "--config", path, "--stake", "1"], "0xnope", &signing_key).await?;
    assert_eq!(out.status.code(), Some(2));
    ensure!(String::from_utf8_lossy(&out.stderr).contains("not 32 bytes of hex"));

    // Below the minimum, or nothing: refused before anything is sent, so no deposit is left.
    let fresh = alloy::signers::local::PrivateKeySigner::from(d.chains[0].anvil.keys()[9].clone());
    token.transfer(fresh.address(), tokens(500)).send().await?.get_receipt().await?;
    let fresh_key = alloy::hex::encode_prefixed(fresh.to_bytes());
    let other_signing = test_key_secret(9).to_string();
    for (stake, says) in [("50", "below the registry's minimum"), ("0", "more than 0")] {
        let out =
            operator(&["register", "--config", path, "--stake", stake], &fresh_key, &other_signing)
                .await?;
        assert_eq!(out.status.code(), Some(1), "--stake {stake}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        ensure!(stderr.contains(says), "--stake {stake}: {stderr}");
    }
    // A signing key already bound to an operator.
    let out = operator(&["register", "--config", path, "--stake", "200"], &fresh_key, &signing_key)
        .await?;
    assert_eq!(out.status.code(), Some(1));
    ensure!(String::from_utf8_lossy(&out.stderr).contains("already bound"), "key named");
    let vault = causeway_adapter_evm::bindings::stake_vault::StakeVault::new(
        d.hub.stake_vault,
        d.hub_reader(),
    );
    assert_eq!(vault.stakeOf(fresh.address()).call().await?, U256::ZERO, "no deposit left behind");
    assert_eq!(token.balanceOf(fresh.address()).call().await?, tokens(500), "no tokens moved");
    net.shutdown().await;
    Ok(())
}
