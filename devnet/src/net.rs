//! The local devnet: a list of anvil chains (the first is the hub) with every contract deployed
//! and wired, operators registered with unequal stake, and a configuration file that runs the
//! roles against it. Chains can be added and removed while the roles run
//! ([`Devnet::add_chain`], [`Devnet::remove_chain`]): the configuration file is rewritten and
//! every role picks the change up through its reload.
//!
//! Every other chain is a spoke of the hub: its Mailbox and bridge are enrolled with the hub's
//! (messages and tokens go hub ⇄ spoke). Accounts are anvil's well-known dev accounts (never use
//! them anywhere else): 0 deploys and owns, 1..=N stake as operators (signing with the
//! deterministic test keys of `causeway_core::vectors::test_key`), N+1 relays, N+2 is the user
//! who sends messages and tokens.

use std::{
    fmt::Write as _,
    net::SocketAddr,
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use alloy::{
    node_bindings::{Anvil, AnvilInstance},
    primitives::{Address, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
};
use causeway_adapter_evm::deploy::{
    self, HubDeployment, HubParams, RemoteDeployment, RemoteParams, tokens,
};
use causeway_config::{Config, Sources};
use causeway_core::{
    Domain, OperatorKey, OperatorSet,
    vectors::{test_key, test_key_secret},
};
use eyre::{Result, WrapErr, bail, eyre};
use tokio::net::TcpListener;

/// Name of the hub chain in the devnet configuration.
pub const HUB: &str = "ethereum";
/// Stakes of the devnet operators, whole tokens: unequal, so weight matters (any 3 of the 4
/// with ≥ 2/3 of 1,000 tokens make a quorum only if they include the 400).
pub const STAKES: [u64; 4] = [100, 200, 300, 400];

/// One chain of the devnet, before it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainSpec {
    /// Name in the configuration.
    pub name: String,
    /// Causeway domain id.
    pub domain: Domain,
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// anvil port; 0 picks a free one.
    pub port: u16,
    /// The substrate chain this EVM chain is one side of (`chains.<name>.native`).
    pub native: Option<String>,
}

impl ChainSpec {
    /// A chain on a free port.
    pub fn new(name: &str, domain: Domain, chain_id: u64) -> Self {
        Self { name: name.to_owned(), domain, chain_id, port: 0, native: None }
    }

    /// The same chain as the EVM side of substrate chain `native` (Astar).
    pub fn with_native(mut self, native: &str) -> Self {
        self.native = Some(native.to_owned());
        self
    }

    /// The same chain on `port`.
    pub fn on_port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }
}

/// The default chains: the hub "ethereum" (domain 1, chain 31337) and "l2" (domain 2, chain
/// 31338), on free ports.
pub fn default_chains() -> Vec<ChainSpec> {
    vec![ChainSpec::new(HUB, 1, 31337), ChainSpec::new("l2", 2, 31338)]
}

/// How to start a devnet.
#[derive(Debug, Clone)]
pub struct DevnetOptions {
    /// Project-local state folder (cleared first): store, signed logs, keys, config.
    pub dir: PathBuf,
    /// The chains, the hub first.
    pub chains: Vec<ChainSpec>,
    /// Indexer API address (port 0 picks a free one).
    pub indexer: SocketAddr,
    /// The relayer's `/health`, `/ready`, `/metrics` address (port 0 picks a free one).
    pub relayer: SocketAddr,
    /// Operator servers' addresses, one per operator (port 0 picks free ones).
    pub operators: Vec<SocketAddr>,
    /// Operator stakes in whole tokens, one per operator.
    pub stakes: Vec<u64>,
    /// Finality written into the configuration for every chain (anvil finalizes at once; a
    /// depth makes deliveries wait for confirmations, as on a real chain).
    pub finality: String,
    /// Substrate chains (chopsticks), connected to the hub after the EVM chains.
    pub substrate: Vec<crate::SubstrateSpec>,
}

impl DevnetOptions {
    /// The `causeway devnet` defaults: anvils on 8545/8546, indexer on 9100, operators on
    /// 9101..=9104, state under `dir`.
    pub fn standard(dir: PathBuf) -> Self {
        let local = |port| SocketAddr::from(([127, 0, 0, 1], port));
        let chains =
            default_chains().into_iter().zip([8545, 8546]).map(|(c, p)| c.on_port(p)).collect();
        Self {
            dir,
            chains,
            indexer: local(9100),
            relayer: local(9105),
            operators: (9101..=9104).map(local).collect(),
            stakes: STAKES.to_vec(),
            finality: "\"instant\"".into(),
            substrate: Vec::new(),
        }
    }

    /// Every port picked free (for tests and benchmarks running side by side).
    pub fn ephemeral(dir: PathBuf) -> Self {
        let any = SocketAddr::from(([127, 0, 0, 1], 0));
        Self {
            dir,
            chains: default_chains(),
            indexer: any,
            relayer: any,
            operators: vec![any; STAKES.len()],
            stakes: STAKES.to_vec(),
            finality: "\"instant\"".into(),
            substrate: Vec::new(),
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
    /// The key's secret (the operator's Substrate ECDSA account derives from it).
    pub secret: causeway_core::B256,
    /// Its stake, whole tokens.
    pub stake: u64,
    /// Announced URL.
    pub url: String,
    /// Its server's listener, bound before registration so the URL is right; taken when the
    /// operator starts.
    pub listener: Option<TcpListener>,
    /// Its signed log.
    pub log_path: PathBuf,
    /// Its signing key file (for running it as its own process).
    pub key_path: PathBuf,
}

/// A running chain of the devnet: its node (killed on drop) and, for a spoke, its contracts.
#[derive(Debug)]
pub struct DevnetChain {
    /// What it was started as.
    pub spec: ChainSpec,
    /// The node.
    pub anvil: AnvilInstance,
    /// The spoke's contracts; `None` for the hub (see [`Devnet::hub`]).
    pub remote: Option<RemoteDeployment>,
    /// Block the indexer starts from.
    pub start_block: u64,
}

/// A running devnet: the chains (stopped on drop), what was deployed, and the keys.
#[derive(Debug)]
pub struct Devnet {
    /// The chains, the hub first.
    pub chains: Vec<DevnetChain>,
    /// The Substrate chains.
    pub substrate: Vec<crate::DevnetSubstrate>,
    /// Configuration of the running devnet (also written to `dir/devnet.toml`).
    pub config: Config,
    /// Hub contracts.
    pub hub: HubDeployment,
    /// The parameters the hub was deployed with.
    pub hub_params: HubParams,
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
    /// Indexer API address.
    pub indexer_addr: SocketAddr,
    /// The relayer's server address (written to the configuration; the relayer binds it).
    pub relayer_addr: SocketAddr,
    /// State folder.
    pub dir: PathBuf,
    finality: String,
    anvil_path: PathBuf,
    /// The folder's lock, held while this devnet lives.
    _lock: std::fs::File,
}

/// A step of [`Devnet::start`], for a progress display.
pub type Progress<'a> = &'a mut dyn FnMut(&str, Duration);

fn spawn_anvil(path: &Path, spec: &ChainSpec) -> Result<AnvilInstance> {
    let mut anvil = Anvil::at(path).chain_id(spec.chain_id);
    if spec.port != 0 {
        anvil = anvil.port(spec.port);
    }
    anvil.try_spawn().wrap_err_with(|| {
        if spec.port == 0 {
            format!("starting anvil for {} (chain {})", spec.name, spec.chain_id)
        } else {
            format!(
                "starting anvil for {} (chain {}) on 127.0.0.1:{} (is the port in use?)",
                spec.name, spec.chain_id, spec.port
            )
        }
    })
}

/// A provider sending as `signer` on `anvil` (caching nothing: every nonce read from the chain).
pub fn provider(anvil: &AnvilInstance, signer: &PrivateKeySigner) -> DynProvider {
    causeway_adapter_evm::connect_http(anvil.endpoint_url(), signer.clone())
}

/// Inbound bucket of each devnet bridge route: 50 tokens, refilling one token a minute.
fn bucket() -> (u128, u128) {
    (tokens(50).to::<u128>(), tokens(1).to::<u128>() / 60)
}

impl Devnet {
    /// Starts from nothing: clears `dir`, starts every chain, deploys the hub, registers the
    /// operators, records the first operator set, deploys and connects every spoke, and writes
    /// the configuration. Each step is reported to `progress` with its duration; a failure names
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
        let Some(hub_spec) = options.chains.first().cloned() else {
            bail!("the devnet needs at least one chain (the hub)");
        };
        free_ports(&options)?;
        let dir = options.dir.clone();
        let lock = claim_folder(&dir)?;
        std::fs::create_dir_all(dir.join("keys"))
            .wrap_err_with(|| format!("creating {}", dir.display()))?;
        let root = causeway_toolchain::workspace_root()?;
        let tools = causeway_toolchain::ensure(&root).wrap_err("toolchain bootstrap")?;
        done("toolchain ready (anvil, forge, solc)", &mut step);

        let mut anvils = Vec::with_capacity(options.chains.len());
        for spec in &options.chains {
            anvils.push(spawn_anvil(&tools.anvil, spec)?);
        }
        let up: Vec<String> = options
            .chains
            .iter()
            .zip(&anvils)
            .map(|(s, a)| format!("{} (chain {}) at {}", s.name, s.chain_id, a.endpoint()))
            .collect();
        done(&format!("chains up: {}", up.join(", ")), &mut step);

        let n = options.operators.len();
        let keys = anvils[0].keys();
        if keys.len() < n + 3 {
            bail!("anvil has {} dev accounts; the devnet needs {}", keys.len(), n + 3);
        }
        let signer = |i: usize| PrivateKeySigner::from(keys[i].clone());
        let deployer = signer(0);
        let relayer = signer(n + 1);
        let user = signer(n + 2);
        let hub_p = provider(&anvils[0], &deployer);

        let hub_params = HubParams::devnet(hub_spec.domain, hub_spec.chain_id);
        let hub = deploy::deploy_hub(&hub_p, deployer.address(), &hub_params)
            .await
            .wrap_err_with(|| format!("deploying the hub contracts on {}", hub_spec.name))?;
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
            let op_p = provider(&anvils[0], &account);
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
            let key_path = dir.join("keys").join(format!("operator-{}.key", i + 1));
            let secret = test_key_secret(u32::try_from(i + 1)?);
            write_key(&key_path, secret.as_slice())?;
            operators.push(DevnetOperator {
                account,
                key,
                secret,
                stake: *stake,
                url,
                listener: Some(listener),
                log_path: dir.join(format!("operator-{}.db", i + 1)),
                key_path,
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

        // The user's tokens for the bridge demo.
        let token =
            causeway_adapter_evm::bindings::causeway_token::CausewayToken::new(hub.token, &hub_p);
        deploy::send("funding the user", token.transfer(user.address(), tokens(1_000))).await?;

        let indexer_listener = TcpListener::bind(options.indexer)
            .await
            .wrap_err_with(|| format!("indexer: cannot listen on {}", options.indexer))?;
        let indexer_addr = indexer_listener.local_addr()?;
        // A free port for the relayer's server, released for the relayer to bind.
        let relayer_addr = TcpListener::bind(options.relayer)
            .await
            .and_then(|l| l.local_addr())
            .wrap_err_with(|| format!("relayer: cannot listen on {}", options.relayer))?;
        write_key(&dir.join("keys").join("relayer.key"), relayer.to_bytes().as_slice())?;

        let mut anvils = anvils.into_iter();
        let hub_anvil = anvils.next().ok_or_else(|| eyre!("no hub chain"))?;
        let hub_chain = DevnetChain {
            spec: hub_spec,
            anvil: hub_anvil,
            remote: None,
            start_block: hub.deploy_block,
        };
        let mut devnet = Self {
            chains: vec![hub_chain],
            substrate: Vec::new(),
            config: causeway_config::load(&Sources {
                preset: Some("devnet".into()),
                file: None,
                env: vec![],
                overrides: vec![],
            })
            .wrap_err("loading the devnet preset")?,
            hub,
            hub_params,
            set,
            operators,
            deployer,
            relayer,
            user,
            indexer_listener: Some(indexer_listener),
            indexer_addr,
            relayer_addr,
            dir,
            finality: options.finality.clone(),
            anvil_path: tools.anvil.clone(),
            _lock: lock,
        };
        for (spec, anvil) in options.chains.iter().skip(1).zip(anvils) {
            devnet.deploy_spoke(spec.clone(), anvil).await?;
            done(
                &format!(
                    "{} deployed and connected: Mailbox {}, mirror {}",
                    spec.name,
                    devnet.mailbox(&spec.name)?,
                    devnet
                        .chain(&spec.name)?
                        .remote
                        .as_ref()
                        .map_or(Address::ZERO, |r| r.operator_set_mirror)
                ),
                &mut step,
            );
        }
        for spec in options.substrate {
            let name = spec.name.clone();
            let chain = devnet.add_substrate(spec).await?;
            done(
                &format!(
                    "{name} (chopsticks, {}) connected: escrow {} ({} of {} operator keys), w{} on the hub",
                    chain.spec.runtime.as_deref().unwrap_or("a raw spec"),
                    causeway_adapter_substrate::to_ss58(
                        &chain.escrow.account,
                        chain.spec.ss58_prefix
                    ),
                    chain.escrow.threshold,
                    chain.escrow.signatories.len(),
                    chain.spec.symbol,
                ),
                &mut step,
            );
        }
        devnet.write_config()?;
        Ok(devnet)
    }

    /// Deploys the spoke contracts on `anvil` and connects them with the hub.
    async fn deploy_spoke(&mut self, spec: ChainSpec, anvil: AnvilInstance) -> Result<()> {
        if self.chains.iter().any(|c| c.spec.name == spec.name || c.spec.domain == spec.domain) {
            bail!(
                "the devnet already has a chain named {} or with domain {}",
                spec.name,
                spec.domain
            );
        }
        let hub_p = self.hub_provider(&self.deployer);
        let p = provider(&anvil, &self.deployer);
        let cap = deploy::hub_value_cap(&hub_p, &self.hub).await.wrap_err("reading the hub cap")?;
        let remote = deploy::deploy_remote(
            &p,
            self.deployer.address(),
            &RemoteParams::devnet(spec.domain),
            &self.hub,
            &self.hub_params,
            cap,
            &self.set,
        )
        .await
        .wrap_err_with(|| format!("deploying the {} contracts", spec.name))?;
        let (capacity, refill) = bucket();
        let hub_domain = self.hub_spec().domain;
        deploy::connect(&hub_p, &self.hub, hub_domain, &p, &remote, spec.domain, capacity, refill)
            .await
            .wrap_err_with(|| format!("connecting {HUB} and {}", spec.name))?;
        let start_block = remote.deploy_block;
        self.chains.push(DevnetChain { spec, anvil, remote: Some(remote), start_block });
        Ok(())
    }

    /// Starts chain `spec` (an anvil), deploys and connects its contracts with the hub, and
    /// rewrites the configuration file with it: running roles pick it up on their next reload.
    pub async fn add_chain(&mut self, spec: ChainSpec) -> Result<&DevnetChain> {
        let anvil = spawn_anvil(&self.anvil_path, &spec)?;
        let name = spec.name.clone();
        self.deploy_spoke(spec, anvil).await?;
        self.write_config()?;
        self.chain(&name)
    }

    /// Takes chain `name` out of the configuration file (running roles stop following,
    /// signing and delivering for it on their next reload). The chain keeps running until the
    /// returned handle is dropped, so roles that have not reloaded yet see no failing RPC.
    pub fn remove_chain(&mut self, name: &str) -> Result<DevnetChain> {
        if name == HUB {
            bail!("the hub chain cannot be removed");
        }
        let i = self
            .chains
            .iter()
            .position(|c| c.spec.name == name)
            .ok_or_else(|| eyre!("the devnet has no chain {name}"))?;
        let chain = self.chains.remove(i);
        self.write_config()?;
        Ok(chain)
    }

    /// The hub's spec.
    pub fn hub_spec(&self) -> &ChainSpec {
        &self.chains[0].spec
    }

    /// Chain `name`.
    pub fn chain(&self, name: &str) -> Result<&DevnetChain> {
        self.chains
            .iter()
            .find(|c| c.spec.name == name)
            .ok_or_else(|| eyre!("the devnet has no chain {name}"))
    }

    /// The domain of chain `name`.
    pub fn domain(&self, name: &str) -> Result<Domain> {
        Ok(self.chain(name)?.spec.domain)
    }

    /// The Mailbox of chain `name`.
    pub fn mailbox(&self, name: &str) -> Result<Address> {
        let chain = self.chain(name)?;
        Ok(chain.remote.as_ref().map_or(self.hub.mailbox, |r| r.mailbox))
    }

    /// The `MessageLog` recipient of chain `name`.
    pub fn message_log(&self, name: &str) -> Result<Address> {
        let chain = self.chain(name)?;
        Ok(chain.remote.as_ref().map_or(self.hub.message_log, |r| r.message_log))
    }

    /// The spoke contracts of chain `name` (an error for the hub).
    pub fn spoke(&self, name: &str) -> Result<&RemoteDeployment> {
        self.chain(name)?.remote.as_ref().ok_or_else(|| eyre!("{name} is the hub, not a spoke"))
    }

    /// The store URL (SQLite file in the devnet folder).
    pub fn store_url(&self) -> &str {
        &self.config.store.url
    }

    /// The configuration file.
    pub fn config_path(&self) -> PathBuf {
        self.dir.join("devnet.toml")
    }

    /// A provider of chain `name` sending as `signer`.
    pub fn provider(&self, name: &str, signer: &PrivateKeySigner) -> Result<DynProvider> {
        Ok(provider(&self.chain(name)?.anvil, signer))
    }

    /// A provider of the hub sending as `signer`.
    pub fn hub_provider(&self, signer: &PrivateKeySigner) -> DynProvider {
        provider(&self.chains[0].anvil, signer)
    }

    /// A read-only provider of the hub.
    pub fn hub_reader(&self) -> DynProvider {
        ProviderBuilder::new().connect_http(self.chains[0].anvil.endpoint_url()).erased()
    }

    /// Writes `dir/devnet.toml` for the running chains and loads it.
    pub fn write_config(&mut self) -> Result<&Config> {
        let path = self.config_path();
        std::fs::write(&path, self.config_toml()?)
            .wrap_err_with(|| format!("writing {}", path.display()))?;
        let sources = Sources { preset: None, file: Some(path), env: vec![], overrides: vec![] };
        self.config =
            causeway_config::load(&sources).wrap_err("loading the devnet configuration")?;
        Ok(&self.config)
    }

    fn config_toml(&self) -> Result<String> {
        let abs = |p: PathBuf| std::path::absolute(&p).unwrap_or(p);
        let first = self.operators.first().ok_or_else(|| eyre!("no operators"))?;
        let hub = &self.hub;
        let mut toml = format!(
            r#"# Written by `causeway devnet` for the chains it started; run a role against them with
# `causeway relayer run --config {config}` (and likewise indexer / operator).

[hub]
chain = "{HUB}"

[node]
reload_interval_ms = 200
"#,
            config = abs(self.config_path()).display(),
        );
        for chain in &self.chains {
            let s = &chain.spec;
            write!(
                toml,
                r#"
[chains.{name}]
kind = "evm"
domain = {domain}
chain_id = {chain_id}
rpc = "{rpc}"
finality = {finality}
start_block = {start}
{native}
[chains.{name}.contracts]
"#,
                name = s.name,
                domain = s.domain,
                chain_id = s.chain_id,
                rpc = chain.anvil.endpoint(),
                finality = self.finality,
                start = chain.start_block,
                native =
                    s.native.as_ref().map(|n| format!("native = \"{n}\"\n")).unwrap_or_default(),
            )?;
            let contracts: Vec<(&str, Address)> = match &chain.remote {
                None => vec![
                    ("mailbox", hub.mailbox),
                    ("registry", hub.registry),
                    ("token_bridge", hub.token_bridge),
                    ("quorum_verifier", hub.settlement_verifier),
                    ("rollup_registry", hub.rollup_registry),
                    ("state_commitment_chain", hub.state_commitment_chain),
                    ("stake_vault", hub.stake_vault),
                    ("token", hub.token),
                    ("message_log", hub.message_log),
                ],
                Some(r) => vec![
                    ("mailbox", r.mailbox),
                    ("token_bridge", r.token_bridge),
                    ("quorum_verifier", r.operator_set_mirror),
                    ("operator_set_mirror", r.operator_set_mirror),
                    ("synthetic_token", r.synthetic_token),
                    ("message_log", r.message_log),
                ],
            };
            for (key, address) in contracts {
                writeln!(toml, "{key} = \"{address}\"")?;
            }
        }
        toml.push_str(&self.substrate_toml());
        write!(
            toml,
            r#"
[operator]
key = {{ file = "{operator_key}" }}
listen = "{operator_listen}"
public_url = "{url}"
poll_interval_ms = 100
signed_log = "{signed_log}"

[relayer]
key = {{ file = "{relayer_key}" }}
listen = "{relayer_listen}"
poll_interval_ms = 100

[indexer]
listen = "{indexer}"
poll_interval_ms = 100

[store]
url = "sqlite://{db}?mode=rwc"
"#,
            operator_key = abs(first.key_path.clone()).display(),
            operator_listen = first.url.trim_start_matches("http://"),
            url = first.url,
            signed_log = abs(first.log_path.clone()).display(),
            relayer_key = abs(self.dir.join("keys").join("relayer.key")).display(),
            relayer_listen = self.relayer_addr,
            indexer = self.indexer_addr,
            db = abs(self.dir.join("causeway.db")).display(),
        )?;
        Ok(toml)
    }

    /// The user's balance of the hub token, in base units.
    pub async fn user_tokens(&self) -> Result<U256> {
        let p = self.hub_reader();
        Ok(causeway_adapter_evm::bindings::causeway_token::CausewayToken::new(self.hub.token, &p)
            .balanceOf(self.user.address())
            .call()
            .await?)
    }
}

/// Every fixed port the devnet will use is free, checked before anything starts: a port held by
/// another process is named with what the devnet wanted it for.
fn free_ports(options: &DevnetOptions) -> Result<()> {
    let local = |port: u16| SocketAddr::from(([127, 0, 0, 1], port));
    let mut wanted: Vec<(SocketAddr, String)> = Vec::new();
    for chain in &options.chains {
        wanted.push((local(chain.port), format!("{}'s anvil", chain.name)));
    }
    for chain in &options.substrate {
        wanted.push((local(chain.port), format!("{}'s chopsticks", chain.name)));
    }
    wanted.push((options.indexer, "the indexer API".into()));
    wanted.push((options.relayer, "the relayer's server".into()));
    for (i, addr) in options.operators.iter().enumerate() {
        wanted.push((*addr, format!("operator {}", i + 1)));
    }
    for (addr, what) in wanted {
        if addr.port() == 0 {
            continue;
        }
        if let Err(e) = std::net::TcpListener::bind(addr) {
            bail!(
                "port {} ({what}) is not free: {e}; stop what holds it, or run with --any-ports; \
                 nothing was started",
                addr.port()
            );
        }
    }
    Ok(())
}

/// The file that marks a folder as a devnet's (only such a folder is ever cleared).
pub const MARKER: &str = ".causeway-devnet";
/// The lock file a running devnet holds (an exclusive OS lock, released when it exits).
pub const LOCK: &str = "devnet.lock";

/// Makes `dir` this devnet's: refuses a non-empty folder without the marker (it is not a
/// devnet's: nothing in it is touched) and one a running devnet holds (its lock); otherwise takes
/// the lock, clears everything else in the folder and writes the marker.
fn claim_folder(dir: &Path) -> Result<std::fs::File> {
    let shown = dir.display();
    let entries: Vec<std::fs::DirEntry> = match std::fs::read_dir(dir) {
        Ok(entries) => entries.collect::<Result<_, _>>()?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e).wrap_err_with(|| format!("reading the devnet folder {shown}")),
    };
    if !entries.is_empty() && !dir.join(MARKER).exists() {
        bail!(
            "{shown} is not empty and is not a devnet folder (no {MARKER} in it); nothing was \
             changed. Choose another --dir, or empty it yourself"
        );
    }
    std::fs::create_dir_all(dir).wrap_err_with(|| format!("creating {shown}"))?;
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(LOCK))
        .wrap_err_with(|| format!("opening {}", dir.join(LOCK).display()))?;
    match lock.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => bail!(
            "{shown} is in use by a running devnet (it holds {LOCK}); nothing was changed. Stop \
             it, or choose another --dir"
        ),
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(e).wrap_err_with(|| format!("locking {}", dir.join(LOCK).display()));
        }
    }
    for entry in entries {
        if entry.file_name() == LOCK {
            continue;
        }
        let path = entry.path();
        let removed = if entry.file_type()?.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        removed.wrap_err_with(|| format!("clearing {}", path.display()))?;
    }
    std::fs::write(dir.join(MARKER), "a causeway devnet folder: `causeway devnet` clears it\n")
        .wrap_err_with(|| format!("writing {}", dir.join(MARKER).display()))?;
    Ok(lock)
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
