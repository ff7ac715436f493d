//! `causeway indexer | operator | relayer`: run each role against the chains of a configuration,
//! and the operator's and relayer's administration commands.

use std::{path::PathBuf, str::FromStr, sync::Arc};

use alloy::signers::local::PrivateKeySigner;
use causeway_adapter_evm::{
    bindings::causeway_token::CausewayToken,
    connect_http,
    deploy::{self, Staking, tokens},
};
use causeway_config::{Config, SecretSource, Sources};
use causeway_core::B256;
use causeway_node::{
    ChainRegistry, Supervisor, reload,
    roles::{self, bind},
    wiring,
};
use causeway_store::{MessageFilter, MessageStatus, RouteTrees, Store, TreeCacheConfig};
use clap::{Args, Subcommand};
use eyre::{Result, WrapErr, bail, eyre};

use crate::Failure;

/// Where the configuration comes from.
#[derive(Debug, Args)]
pub(crate) struct ConfigArgs {
    /// Config file (TOML); `causeway devnet` writes `.causeway/devnet.toml`.
    #[arg(long, short)]
    config: Option<PathBuf>,
    /// Start from a built-in preset (e.g. `devnet`).
    #[arg(long)]
    preset: Option<String>,
    /// Override one key, e.g. `--set relayer.batch_size=64` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
}

impl ConfigArgs {
    fn load(self) -> Result<Config, Failure> {
        self.load_with_sources().map(|(config, _)| config)
    }

    /// The configuration and where it came from (a running role reloads its chains from the
    /// same sources).
    fn load_with_sources(self) -> Result<(Config, Sources), Failure> {
        if self.config.is_none() && self.preset.is_none() {
            return Err(Failure::invalid(eyre!("give --config FILE or --preset NAME")));
        }
        let sources = Sources::from_process_env(self.preset, self.config, self.set);
        let config = crate::cmd::config::load_sources(&sources)?;
        Ok((config, sources))
    }
}

/// The registry of `config`'s chains, reloaded from `sources` while the role runs.
async fn registry(config: &Config, sources: Sources, sup: &Supervisor) -> Result<ChainRegistry> {
    let registry = ChainRegistry::build(config).await?;
    reload::spawn_reload(sources, config, &registry, sup);
    Ok(registry)
}

/// Runs until Ctrl-C/SIGTERM or a critical task's failure (then an error naming it).
async fn until_stopped(sup: &Supervisor) -> Result<()> {
    sup.run_until_signal().await.map_err(Into::into)
}

fn block_on(f: impl Future<Output = Result<()>>) -> Result<(), Failure> {
    crate::logging("info");
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(f).map_err(Failure::from)
}

async fn store(config: &Config) -> Result<Store> {
    let url = config.store.connect_url()?;
    Store::connect(url.expose()).await.wrap_err("opening the store")
}

/// The store for a queue command (`relayer list|retry|skip`): never migrated by it (a store that
/// is not migrated is refused, unchanged).
async fn queue_store(config: &Config) -> Result<Store> {
    let url = config.store.connect_url()?;
    let mut options = causeway_store::StoreOptions::new(url.expose());
    options.migrate = false;
    Store::connect_with(options).await.wrap_err("opening the store")
}

/// `causeway indexer`.
pub(crate) fn indexer(args: ConfigArgs) -> Result<(), Failure> {
    let (config, sources) = args.load_with_sources()?;
    block_on(async move {
        for (name, chain) in &config.chains {
            wiring::check_rpc(name, chain).await?;
        }
        let store = store(&config).await?;
        let sup = Supervisor::new();
        let registry = registry(&config, sources, &sup).await?;
        let listener = bind(config.indexer.listen, "indexer").await?;
        roles::spawn_indexer(&config, &registry, store, listener, wiring::install_metrics(), &sup)
            .await?;
        tracing::info!(target: "causeway", api = %config.indexer.listen, "indexer running; Ctrl-C to stop");
        until_stopped(&sup).await
    })
}

#[derive(Debug, Subcommand)]
pub(crate) enum OperatorCommand {
    /// Sign the finalized checkpoints of `operator.origins` and serve them on `operator.listen`.
    Run {
        #[command(flatten)]
        config: ConfigArgs,
        /// The signed log (SQLite), overriding `operator.signed_log`: what this key signed, so it
        /// never signs a conflicting root. An absolute path, the same at every start.
        #[arg(long)]
        log: Option<PathBuf>,
    },
    /// Stake TOKENS (whole tokens) in the hub vault and register the operator key with
    /// `operator.public_url`. The staking account's key is read from the env var
    /// CAUSEWAY_OPERATOR_ACCOUNT_KEY (never from TOML).
    Register {
        #[command(flatten)]
        config: ConfigArgs,
        /// Whole tokens to stake.
        #[arg(long)]
        stake: u64,
    },
    /// Announce `operator.public_url` again (after moving the server).
    Announce {
        #[command(flatten)]
        config: ConfigArgs,
    },
}

fn account_key() -> Result<PrivateKeySigner> {
    wiring::tx_signer(
        &SecretSource::Env("CAUSEWAY_OPERATOR_ACCOUNT_KEY".into()),
        "operator staking account",
    )
}

/// `causeway operator …`.
pub(crate) fn operator(command: OperatorCommand) -> Result<(), Failure> {
    match command {
        OperatorCommand::Run { config, log } => {
            let (config, sources) = config.load_with_sources()?;
            let key =
                wiring::load_key(&config.operator.key, "operator").map_err(Failure::invalid)?;
            wiring::operator_key(&config.operator.key).map_err(Failure::invalid)?;
            let log = match log.or_else(|| config.operator.signed_log.clone()) {
                Some(path) if path.is_absolute() => path,
                Some(path) => {
                    return Err(Failure::invalid(eyre!(
                        "--log {}: give an absolute path, so the operator finds the same signed \
                         log whatever folder it starts in",
                        path.display()
                    )));
                }
                None => {
                    return Err(Failure::invalid(eyre!(
                        "operator.signed_log is not set: give the absolute path of this operator's \
                         signed log (the same file at every start; a new empty one forgets what \
                         was signed)"
                    )));
                }
            };
            block_on(async move {
                let sup = Supervisor::new();
                let registry = registry(&config, sources, &sup).await?;
                let listener = bind(config.operator.listen, "operator").await?;
                roles::spawn_operator(
                    &config,
                    &registry,
                    key,
                    &log,
                    listener,
                    wiring::install_metrics(),
                    &sup,
                )
                .await?;
                tracing::info!(target: "causeway", listen = %config.operator.listen, "operator running; Ctrl-C to stop");
                until_stopped(&sup).await
            })
        }
        OperatorCommand::Register { config, stake } => {
            let config = config.load()?;
            let key = wiring::operator_key(&config.operator.key).map_err(Failure::invalid)?;
            let account = account_key().map_err(Failure::invalid)?;
            block_on(async move {
                let (p, registry) = hub_sender(&config, account.clone())?;
                let (_, hub) = config.hub_chain()?;
                let vault = hub.contracts.stake_vault.ok_or_else(|| {
                    eyre!("chains.{}.contracts.stake_vault is not set", config.hub.chain)
                })?;
                let token = hub.contracts.token.ok_or_else(|| {
                    eyre!("chains.{}.contracts.token is not set", config.hub.chain)
                })?;
                let amount = tokens(stake);
                let balance =
                    CausewayToken::new(token, &p).balanceOf(account.address()).call().await?;
                if balance < amount {
                    bail!(
                        "account {} holds {balance} base units, less than {amount}",
                        account.address()
                    );
                }
                let staking = Staking { token, stake_vault: vault, registry };
                deploy::stake_and_register(
                    &p,
                    &staking,
                    account.address(),
                    amount,
                    key.address(),
                    &config.operator.public_url,
                )
                .await?;
                println!(
                    "registered {} (signing key {}) with {stake} tokens at {}; it counts from the next epoch",
                    account.address(),
                    key.address(),
                    config.operator.public_url
                );
                Ok(())
            })
        }
        OperatorCommand::Announce { config } => {
            let config = config.load()?;
            let account = account_key().map_err(Failure::invalid)?;
            block_on(async move {
                let (p, registry) = hub_sender(&config, account.clone())?;
                deploy::announce(&p, registry, account.address(), &config.operator.public_url)
                    .await?;
                println!("announced {}", config.operator.public_url);
                Ok(())
            })
        }
    }
}

fn hub_sender(
    config: &Config,
    signer: PrivateKeySigner,
) -> Result<(alloy::providers::DynProvider, causeway_core::Address)> {
    let (chain, _) = config.hub_chain()?;
    let domain = wiring::signing_domain(config)?;
    let url = chain.rpc.parse().wrap_err("hub rpc url")?;
    Ok((connect_http(url, signer), domain.registry))
}

#[derive(Debug, Subcommand)]
pub(crate) enum RelayerCommand {
    /// Deliver pending messages to every destination of `relayer.routes` until Ctrl-C/SIGTERM
    /// (the batch in flight finishes and is recorded).
    Run {
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// List messages by status (default: failed).
    List {
        #[command(flatten)]
        config: ConfigArgs,
        /// pending, submitted, delivered, failed, skipped or denylisted.
        #[arg(long, default_value = "failed")]
        status: String,
        /// Most rows.
        #[arg(long, default_value_t = 50)]
        limit: u64,
    },
    /// Put a message back in the queue, due now (attempts are kept).
    Retry {
        #[command(flatten)]
        config: ConfigArgs,
        /// Message id (0x…).
        id: String,
    },
    /// Never deliver this message (it stays visible with the reason).
    Skip {
        #[command(flatten)]
        config: ConfigArgs,
        /// Message id (0x…).
        id: String,
        /// Why, shown in the API.
        #[arg(long, default_value = "skipped by the relayer's operator")]
        reason: String,
    },
}

fn message_id(id: &str) -> Result<B256, Failure> {
    B256::from_str(id)
        .map_err(|_| Failure::invalid(eyre!("`{id}` is not a message id (0x + 64 hex digits)")))
}

/// `causeway relayer …`.
pub(crate) fn relayer(command: RelayerCommand) -> Result<(), Failure> {
    match command {
        RelayerCommand::Run { config } => {
            let (config, sources) = config.load_with_sources()?;
            let key = wiring::load_key(&config.relayer.key, "relayer").map_err(Failure::invalid)?;
            block_on(async move {
                let store = store(&config).await?;
                let trees = Arc::new(RouteTrees::new(store.clone(), TreeCacheConfig::default()));
                let sup = Supervisor::new();
                let registry = registry(&config, sources, &sup).await?;
                let listener = bind(config.relayer.listen, "relayer").await?;
                roles::spawn_relayer(&config, &registry, key, store.clone(), trees, &sup).await?;
                roles::serve_relayer(listener, store, registry, wiring::install_metrics(), &sup);
                tracing::info!(target: "causeway", listen = %config.relayer.listen, "relayer running; Ctrl-C to stop");
                until_stopped(&sup).await
            })
        }
        RelayerCommand::List { config, status, limit } => {
            let config = config.load()?;
            let status =
                MessageStatus::from_str(&status).map_err(|e| Failure::invalid(eyre!(e)))?;
            block_on(async move {
                let store = queue_store(&config).await?;
                let rows = store
                    .messages(MessageFilter { status: Some(status), limit, ..Default::default() })
                    .await?;
                println!(
                    "{:<66} {:>6} {:>6} {:>8} {:>8}  {:<18} reason",
                    "id", "origin", "dest", "nonce", "attempts", "kind"
                );
                for r in &rows {
                    println!(
                        "{:<66} {:>6} {:>6} {:>8} {:>8}  {:<18} {}",
                        r.id.to_string(),
                        r.message.origin,
                        r.message.destination,
                        r.message.nonce,
                        r.attempts,
                        r.error_kind.as_deref().unwrap_or("-"),
                        r.status_reason.as_deref().unwrap_or("")
                    );
                }
                println!("{} {status} message(s)", rows.len());
                Ok(())
            })
        }
        RelayerCommand::Retry { config, id } => {
            let config = config.load()?;
            let id = message_id(&id)?;
            block_on(async move {
                queue_store(&config)
                    .await?
                    .set_status(id, MessageStatus::Pending, "retry requested")
                    .await?;
                println!("{id} is pending again, due now");
                Ok(())
            })
        }
        RelayerCommand::Skip { config, id, reason } => {
            let config = config.load()?;
            let id = message_id(&id)?;
            block_on(async move {
                queue_store(&config).await?.set_status(id, MessageStatus::Skipped, &reason).await?;
                println!("{id} skipped: {reason}");
                Ok(())
            })
        }
    }
}
