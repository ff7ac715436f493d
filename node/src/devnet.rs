//! The local devnet: two anvil chains with every contract deployed and wired, operators
//! registered with unequal stake, and a configuration file that runs the roles against it.
//!
//! Accounts are anvil's well-known dev accounts (never use them anywhere else): 0 deploys and
//! owns, 1..=N stake as operators (signing with the deterministic test keys of
//! `causeway_core::vectors::test_key`), N+1 relays, N+2 is the user who sends messages and
//! tokens.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use alloy::{
    node_bindings::{Anvil, AnvilInstance},
    providers::{DynProvider, Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
};
use causeway_adapter_evm::deploy::{
    self, HubDeployment, HubParams, RemoteDeployment, RemoteParams, tokens,
};
use causeway_config::{Config, Sources};
use causeway_core::{
    OperatorKey, OperatorSet,
    vectors::{test_key, test_key_secret},
};
use eyre::{Result, WrapErr, bail, eyre};
use tokio::net::TcpListener;

/// Hub ("ethereum") domain and chain id.
pub const HUB: (u32, u64) = (1, 31337);
/// Second EVM domain ("l2") and chain id.
pub const L2: (u32, u64) = (2, 31338);
/// Stakes of the devnet operators, whole tokens: unequal, so weight matters (any 3 of the 4
/// with ≥ 2/3 of 1,000 tokens make a quorum only if they include the 400).
pub const STAKES: [u64; 4] = [100, 200, 300, 400];

/// How to start a devnet.
#[derive(Debug, Clone)]
pub struct DevnetOptions {
    /// Project-local state folder (cleared first): store, signed logs, keys, config.
    pub dir: PathBuf,
    /// Hub anvil port; 0 picks a free one.
    pub hub_port: u16,
    /// Second chain's anvil port; 0 picks a free one.
    pub l2_port: u16,
    /// Indexer API address (port 0 picks a free one).
    pub indexer: SocketAddr,
    /// Operator servers' addresses, one per operator (port 0 picks free ones).
    pub operators: Vec<SocketAddr>,
    /// Operator stakes in whole tokens, one per operator.
    pub stakes: Vec<u64>,
}

impl DevnetOptions {
    /// The `causeway devnet` defaults: anvils on 8545/8546, indexer on 9100, operators on
    /// 9101..=9104, state under `dir`.
    pub fn standard(dir: PathBuf) -> Self {
        let local = |port| SocketAddr::from(([127, 0, 0, 1], port));
        Self {
            dir,
            hub_port: 8545,
            l2_port: 8546,
            indexer: local(9100),
            operators: (9101..=9104).map(local).collect(),
            stakes: STAKES.to_vec(),
        }
    }

    /// Every port picked free (for tests and benchmarks running side by side).
    pub fn ephemeral(dir: PathBuf) -> Self {
        let any = SocketAddr::from(([127, 0, 0, 1], 0));
        Self {
            dir,
            hub_port: 0,
            l2_port: 0,
            indexer: any,
            operators: vec![any; STAKES.len()],
            stakes: STAKES.to_vec(),
        }
    }
}

/// One operator of the devnet.
#[derive(Debug)]
pub struct DevnetOperator {
    /// Its staking account.
    pub account: PrivateKeySigner,
    /// Its checkpoint signing key.
    pub key: OperatorKey,
    /// Its stake, whole tokens.
    pub stake: u64,
    /// Announced URL.
    pub url: String,
    /// Its server's listener, bound before registration so the URL is right; taken when the
    /// operator starts.
    pub listener: Option<TcpListener>,
    /// Its signed log.
    pub log_path: PathBuf,
}

/// A running devnet: the chains (stopped on drop), what was deployed, and the keys.
#[derive(Debug)]
pub struct Devnet {
    /// The hub chain (killed on drop).
    pub hub_anvil: AnvilInstance,
    /// The second chain (killed on drop).
    pub l2_anvil: AnvilInstance,
    /// Configuration of the running devnet (also written to `dir/devnet.toml`).
    pub config: Config,
    /// Hub contracts.
    pub hub: HubDeployment,
    /// Second chain's contracts.
    pub l2: RemoteDeployment,
    /// The first operator set (epoch 1).
    pub set: OperatorSet,
    /// The operators.
    pub operators: Vec<DevnetOperator>,
    /// Deployer and owner.
    pub deployer: PrivateKeySigner,
    /// The relayer's transaction key.
    pub relayer: PrivateKeySigner,
    /// The user who sends messages and tokens (holds 1,000 tokens on the hub).
    pub user: PrivateKeySigner,
    /// Indexer API listener, taken when the indexer starts.
    pub indexer_listener: Option<TcpListener>,
    /// State folder.
    pub dir: PathBuf,
}

/// A step of [`Devnet::start`], for a progress display.
pub type Progress<'a> = &'a mut dyn FnMut(&str, Duration);

fn spawn_anvil(path: &Path, chain_id: u64, port: u16) -> Result<AnvilInstance> {
    let mut anvil = Anvil::at(path).chain_id(chain_id);
    if port != 0 {
        anvil = anvil.port(port);
    }
    anvil.try_spawn().wrap_err_with(|| {
        if port == 0 {
            format!("starting anvil for chain {chain_id}")
        } else {
            format!("starting anvil for chain {chain_id} on 127.0.0.1:{port} (is the port in use?)")
        }
    })
}

/// A provider sending as `signer` on `anvil` (caching nothing: every nonce read from the chain).
pub fn provider(anvil: &AnvilInstance, signer: &PrivateKeySigner) -> DynProvider {
    causeway_adapter_evm::connect_http(anvil.endpoint_url(), signer.clone())
}

impl Devnet {
    /// Starts from nothing: clears `dir`, starts both chains, deploys and wires the hub and the
    /// second chain, registers the operators, records the first operator set, and writes the
    /// configuration. Each step is reported to `progress` with its duration; a failure names
    /// its step.
    pub async fn start(options: DevnetOptions, progress: Progress<'_>) -> Result<Self> {
        let mut step = Instant::now();
        let mut done = |what: &str, step: &mut Instant| {
            progress(what, step.elapsed());
            *step = Instant::now();
        };
        if options.stakes.len() != options.operators.len() {
            bail!("{} stakes for {} operators", options.stakes.len(), options.operators.len());
        }
        let dir = options.dir.clone();
        if dir.exists() {
            std::fs::remove_dir_all(&dir)
                .wrap_err_with(|| format!("clearing the devnet folder {}", dir.display()))?;
        }
        std::fs::create_dir_all(dir.join("keys"))
            .wrap_err_with(|| format!("creating {}", dir.display()))?;
        let root = causeway_toolchain::workspace_root()?;
        let tools = causeway_toolchain::ensure(&root).wrap_err("toolchain bootstrap")?;
        done("toolchain ready (anvil, forge, solc)", &mut step);

        let hub_anvil = spawn_anvil(&tools.anvil, HUB.1, options.hub_port)?;
        let l2_anvil = spawn_anvil(&tools.anvil, L2.1, options.l2_port)?;
        done(
            &format!(
                "chains up: ethereum (chain {}) at {}, l2 (chain {}) at {}",
                HUB.1,
                hub_anvil.endpoint(),
                L2.1,
                l2_anvil.endpoint()
            ),
            &mut step,
        );

        let n = options.operators.len();
        let keys = hub_anvil.keys();
        if keys.len() < n + 3 {
            bail!("anvil has {} dev accounts; the devnet needs {}", keys.len(), n + 3);
        }
        let signer = |i: usize| PrivateKeySigner::from(keys[i].clone());
        let deployer = signer(0);
        let relayer = signer(n + 1);
        let user = signer(n + 2);
        let hub_p = provider(&hub_anvil, &deployer);
        let l2_p = provider(&l2_anvil, &deployer);

        let hub_params = HubParams::devnet(HUB.0, HUB.1);
        let hub = deploy::deploy_hub(&hub_p, deployer.address(), &hub_params)
            .await
            .wrap_err("deploying the hub contracts on ethereum")?;
        done(
            &format!("hub deployed: Mailbox {}, RestakingRegistry {}", hub.mailbox, hub.registry),
            &mut step,
        );

        let mut operators = Vec::with_capacity(n);
        for (i, (addr, stake)) in options.operators.iter().zip(&options.stakes).enumerate() {
            let listener = TcpListener::bind(addr)
                .await
                .wrap_err_with(|| format!("operator {}: cannot listen on {addr}", i + 1))?;
            let url = format!("http://{}", listener.local_addr()?);
            let account = signer(i + 1);
            let key = test_key(u32::try_from(i + 1)?).map_err(|e| eyre!("operator key: {e}"))?;
            let op_p = provider(&hub_anvil, &account);
            deploy::fund_and_register_operator(
                &hub_p,
                &op_p,
                &hub,
                account.address(),
                tokens(*stake),
                key.address(),
                &url,
            )
            .await
            .wrap_err_with(|| format!("registering operator {} ({stake} tokens)", i + 1))?;
            let log_path = dir.join(format!("operator-{}.db", i + 1));
            operators.push(DevnetOperator {
                account,
                key,
                stake: *stake,
                url,
                listener: Some(listener),
                log_path,
            });
        }
        let set = deploy::advance_epoch(&hub_p, hub.registry)
            .await
            .wrap_err("recording the first operator set")?
            .ok_or_else(|| eyre!("advanceEpoch recorded no set"))?;
        done(
            &format!(
                "{n} operators staked {} tokens and registered; epoch {} recorded",
                options.stakes.iter().map(u64::to_string).collect::<Vec<_>>().join("/"),
                set.epoch()
            ),
            &mut step,
        );

        let cap = deploy::hub_value_cap(&hub_p, &hub).await.wrap_err("reading the hub cap")?;
        let l2 = deploy::deploy_remote(
            &l2_p,
            deployer.address(),
            &RemoteParams::devnet(L2.0),
            &hub,
            &hub_params,
            cap,
            &set,
        )
        .await
        .wrap_err("deploying the l2 contracts")?;
        let (capacity, refill) = (tokens(50).to::<u128>(), tokens(1).to::<u128>() / 60);
        deploy::connect(&hub_p, &hub, HUB.0, &l2_p, &l2, L2.0, capacity, refill)
            .await
            .wrap_err("connecting ethereum and l2")?;
        // The user's tokens for the bridge demo.
        let token =
            causeway_adapter_evm::bindings::causeway_token::CausewayToken::new(hub.token, &hub_p);
        let receipt = token
            .transfer(user.address(), tokens(1_000))
            .send()
            .await
            .wrap_err("funding the user")?
            .get_receipt()
            .await
            .wrap_err("funding the user")?;
        if !receipt.status() {
            bail!("funding the user: transfer reverted");
        }
        done(
            &format!(
                "l2 deployed and connected: Mailbox {}, mirror {}",
                l2.mailbox, l2.operator_set_mirror
            ),
            &mut step,
        );

        let indexer_listener = TcpListener::bind(options.indexer)
            .await
            .wrap_err_with(|| format!("indexer: cannot listen on {}", options.indexer))?;
        let indexer_addr = indexer_listener.local_addr()?;
        let config = write_config(
            &dir,
            &hub_anvil,
            &l2_anvil,
            &hub,
            &l2,
            indexer_addr,
            &relayer,
            &operators,
        )?;
        Ok(Self {
            hub_anvil,
            l2_anvil,
            config,
            hub,
            l2,
            set,
            operators,
            deployer,
            relayer,
            user,
            indexer_listener: Some(indexer_listener),
            dir,
        })
    }

    /// The store URL (SQLite file in the devnet folder).
    pub fn store_url(&self) -> &str {
        &self.config.store.url
    }

    /// A provider of the hub sending as `signer`.
    pub fn hub_provider(&self, signer: &PrivateKeySigner) -> DynProvider {
        provider(&self.hub_anvil, signer)
    }

    /// A provider of the second chain sending as `signer`.
    pub fn l2_provider(&self, signer: &PrivateKeySigner) -> DynProvider {
        provider(&self.l2_anvil, signer)
    }

    /// A read-only provider of the hub.
    pub fn hub_reader(&self) -> DynProvider {
        ProviderBuilder::new().connect_http(self.hub_anvil.endpoint_url()).erased()
    }
}

fn write_key(path: &Path, secret: &[u8]) -> Result<()> {
    std::fs::write(path, format!("0x{}\n", alloy::hex::encode(secret)))
        .wrap_err_with(|| format!("writing {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn write_config(
    dir: &Path,
    hub_anvil: &AnvilInstance,
    l2_anvil: &AnvilInstance,
    hub: &HubDeployment,
    l2: &RemoteDeployment,
    indexer: SocketAddr,
    relayer: &PrivateKeySigner,
    operators: &[DevnetOperator],
) -> Result<Config> {
    let keys = dir.join("keys");
    write_key(&keys.join("relayer.key"), relayer.to_bytes().as_slice())?;
    for (i, op) in operators.iter().enumerate() {
        let secret = test_key_secret(u32::try_from(i + 1)?);
        debug_assert_eq!(
            OperatorKey::from_bytes(&secret).ok().map(|k| k.address()),
            Some(op.key.address())
        );
        write_key(&keys.join(format!("operator-{}.key", i + 1)), secret.as_slice())?;
    }
    let abs = |p: PathBuf| std::path::absolute(&p).unwrap_or(p);
    let first_url = operators.first().map(|o| o.url.clone()).unwrap_or_default();
    let toml = format!(
        r#"# Written by `causeway devnet` for the chains it started; run a role against them with
# `causeway relayer run --config {config}` (and likewise indexer / operator).

[hub]
chain = "ethereum"

[chains.ethereum]
kind = "evm"
domain = {hub_domain}
chain_id = {hub_chain}
rpc = "{hub_rpc}"
finality = "instant"
start_block = {hub_start}

[chains.ethereum.contracts]
mailbox = "{hub_mailbox}"
registry = "{registry}"
token_bridge = "{hub_bridge}"
quorum_verifier = "{settlement}"
rollup_registry = "{rollups}"
state_commitment_chain = "{scc}"
stake_vault = "{vault}"
token = "{token}"
message_log = "{hub_log}"

[chains.l2]
kind = "evm"
domain = {l2_domain}
chain_id = {l2_chain}
rpc = "{l2_rpc}"
finality = "instant"
start_block = {l2_start}

[chains.l2.contracts]
mailbox = "{l2_mailbox}"
token_bridge = "{l2_bridge}"
quorum_verifier = "{mirror}"
operator_set_mirror = "{mirror}"
synthetic_token = "{synthetic}"
message_log = "{l2_log}"

[operator]
key = {{ file = "{operator_key}" }}
listen = "{operator_listen}"
public_url = "{first_url}"
poll_interval_ms = 100

[relayer]
key = {{ file = "{relayer_key}" }}

[indexer]
listen = "{indexer}"

[store]
url = "sqlite://{db}?mode=rwc"
"#,
        config = abs(dir.join("devnet.toml")).display(),
        hub_domain = HUB.0,
        hub_chain = HUB.1,
        hub_rpc = hub_anvil.endpoint(),
        hub_start = hub.deploy_block,
        hub_mailbox = hub.mailbox,
        registry = hub.registry,
        hub_bridge = hub.token_bridge,
        settlement = hub.settlement_verifier,
        rollups = hub.rollup_registry,
        scc = hub.state_commitment_chain,
        vault = hub.stake_vault,
        token = hub.token,
        hub_log = hub.message_log,
        l2_domain = L2.0,
        l2_chain = L2.1,
        l2_rpc = l2_anvil.endpoint(),
        l2_start = l2.deploy_block,
        l2_mailbox = l2.mailbox,
        l2_bridge = l2.token_bridge,
        mirror = l2.operator_set_mirror,
        synthetic = l2.synthetic_token,
        l2_log = l2.message_log,
        operator_key = abs(keys.join("operator-1.key")).display(),
        operator_listen = first_url.trim_start_matches("http://"),
        relayer_key = abs(keys.join("relayer.key")).display(),
        db = abs(dir.join("causeway.db")).display(),
    );
    let path = dir.join("devnet.toml");
    std::fs::write(&path, toml).wrap_err_with(|| format!("writing {}", path.display()))?;
    let sources = Sources { preset: None, file: Some(path), env: vec![], overrides: vec![] };
    let config = causeway_config::load(&sources).wrap_err("loading the devnet configuration")?;
    Ok(config)
}

impl Devnet {
    /// Connects to the devnet's store (creating and migrating it).
    pub async fn store(&self) -> Result<causeway_indexer::Store> {
        causeway_indexer::Store::connect(self.store_url())
            .await
            .wrap_err_with(|| format!("opening the store {}", self.store_url()))
    }

    /// Starts the indexer (both followers and the API) under `sup`. Returns the route trees and
    /// the API address.
    pub async fn start_indexer(
        &mut self,
        store: causeway_indexer::Store,
        sup: &crate::Supervisor,
    ) -> Result<(std::sync::Arc<causeway_indexer::RouteTrees>, SocketAddr)> {
        let listener = match self.indexer_listener.take() {
            Some(l) => l,
            None => crate::roles::bind(self.config.indexer.listen, "indexer").await?,
        };
        let addr = listener.local_addr()?;
        let trees = crate::roles::spawn_indexer(
            &self.config,
            store,
            listener,
            crate::wiring::install_metrics(),
            sup,
        )
        .await?;
        Ok((trees, addr))
    }

    /// Starts operator `i` (0-based) under `sup`, on the address it announced. Stop it by
    /// shutting `sup` down; it can be started again.
    pub async fn start_operator(&mut self, i: usize, sup: &crate::Supervisor) -> Result<()> {
        let config = self.config.clone();
        let op = self.operators.get_mut(i).ok_or_else(|| eyre!("no operator {i}"))?;
        let listener = match op.listener.take() {
            Some(l) => l,
            None => {
                let addr: SocketAddr = op
                    .url
                    .trim_start_matches("http://")
                    .parse()
                    .wrap_err_with(|| format!("operator {} url {}", i + 1, op.url))?;
                crate::roles::bind(addr, &format!("operator {}", i + 1)).await?
            }
        };
        crate::roles::spawn_operator(
            &config,
            op.key.clone(),
            &op.log_path,
            listener,
            crate::wiring::install_metrics(),
            sup,
        )
        .await
        .wrap_err_with(|| format!("starting operator {}", i + 1))?;
        Ok(())
    }

    /// Starts the relayer (one loop per destination) under `sup`.
    pub async fn start_relayer(
        &self,
        store: causeway_indexer::Store,
        trees: std::sync::Arc<causeway_indexer::RouteTrees>,
        sup: &crate::Supervisor,
    ) -> Result<()> {
        crate::roles::spawn_relayer(&self.config, self.relayer.clone(), store, trees, sup).await
    }
}
