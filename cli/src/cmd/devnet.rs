//! `causeway devnet`: the main demo. From nothing: toolchain, the anvil chains (the hub and its
//! spokes, two by default), every contract, four operators with unequal stake, the indexer
//! (SQLite under `.causeway/`), the operators and the relayer; then a message each way between
//! the hub and every spoke and tokens out and back, with progress lines and a final table.
//! Stays up until Ctrl-C unless `--once`; while it runs, editing `devnet.toml` adds or removes
//! chains for the running roles.

use std::{path::PathBuf, time::Duration};

use causeway_adapter_evm::deploy::tokens;
use causeway_devnet::{
    ChainSpec, Devnet, DevnetOptions, HUB, SubstrateSpec,
    scenario::{Leg, wait_delivered},
    substrate::ferdie,
};
use causeway_node::Supervisor;
use clap::Args;
use eyre::{Result, WrapErr, bail, eyre};

use crate::Failure;

#[derive(Debug, Args)]
pub(crate) struct DevnetArgs {
    /// Exit after the scenario (for scripts and CI) instead of staying up until Ctrl-C.
    #[arg(long)]
    once: bool,
    /// State folder, cleared at start: store, signed logs, keys, `devnet.toml`. Only a devnet's
    /// folder (marked `.causeway-devnet`) is cleared, never one a running devnet holds.
    #[arg(long, default_value = ".causeway")]
    dir: PathBuf,
    /// Pick free ports for everything instead of 8545/8546 and 9100..=9104.
    #[arg(long)]
    any_ports: bool,
    /// Seconds to wait for each delivery before failing.
    #[arg(long, default_value_t = 60)]
    timeout: u64,
    /// Spoke chains besides the hub, each NAME:DOMAIN:CHAIN_ID (repeatable; default one spoke,
    /// `l2:2:31338`). With fixed ports the hub takes 8545 and the spokes 8546, 8547, …
    #[arg(long = "chain", value_name = "NAME:DOMAIN:CHAIN_ID", value_parser = parse_spoke)]
    chains: Vec<ChainSpec>,
    /// Only the EVM chains (the fast demo): no Polkadot, no Astar (native or EVM side).
    #[arg(long)]
    evm_only: bool,
}

/// Polkadot's domain in the devnet.
const POLKADOT: u32 = 1000;
/// Astar's native side (`astar-dev`) and its EVM side (an anvil with Shibuya's chain id 81).
const ASTAR: u32 = 2006;
const ASTAR_EVM: (u32, u64) = (81, 81);

fn parse_spoke(s: &str) -> Result<ChainSpec, String> {
    let parts: Vec<&str> = s.split(':').collect();
    let [name, domain, chain_id] = parts.as_slice() else {
        return Err(format!("`{s}` is not NAME:DOMAIN:CHAIN_ID (e.g. l3:3:31339)"));
    };
    let valid = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid || *name == HUB {
        return Err(format!(
            "chain name `{name}`: lower-case letters, digits and _, starting with a letter, not `{HUB}`"
        ));
    }
    let domain: u32 = domain
        .parse()
        .ok()
        .filter(|d| *d > 1)
        .ok_or_else(|| format!("domain `{domain}`: a number above 1 (1 is the hub)"))?;
    let chain_id: u64 = chain_id
        .parse()
        .ok()
        .filter(|c| *c != 31337)
        .ok_or_else(|| format!("chain id `{chain_id}`: a number, not the hub's 31337"))?;
    Ok(ChainSpec::new(name, domain, chain_id))
}

pub(crate) fn run(args: DevnetArgs) -> Result<(), Failure> {
    crate::logging("warn");
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(devnet(args)).map_err(Failure::from)
}

fn step(what: &str, took: Duration) {
    println!("  ✓ {what} ({} ms)", took.as_millis());
}

async fn devnet(args: DevnetArgs) -> Result<()> {
    println!("causeway devnet — state in {}", args.dir.display());
    let mut options = if args.any_ports {
        DevnetOptions::ephemeral(args.dir.clone())
    } else {
        DevnetOptions::standard(args.dir.clone())
    };
    if !args.chains.is_empty() {
        let hub = options.chains[0].clone();
        options.chains = std::iter::once(hub)
            .chain(args.chains.iter().enumerate().map(|(i, c)| {
                let port = if args.any_ports { 0 } else { 8546 + u16::try_from(i).unwrap_or(0) };
                c.clone().on_port(port)
            }))
            .collect();
    }
    if !args.evm_only {
        let fixed = |port: u16| if args.any_ports { 0 } else { port };
        let mut missing = Vec::new();
        for (name, domain, profile, port) in
            [("polkadot", POLKADOT, "polkadot-dev", 8000), ("astar", ASTAR, "astar-dev", 8001)]
        {
            match SubstrateSpec::dev(name, domain, profile)? {
                Some(mut spec) => {
                    spec.port = fixed(port);
                    options.substrate.push(spec);
                }
                None => missing.push(name),
            }
        }
        if !missing.is_empty() {
            println!(
                "  ! {} skipped: the dev runtime is not built (`cargo xtask devnet` builds it, \
                 about 4 minutes once; `--evm-only` silences this)",
                missing.join(", ")
            );
        }
        if options.substrate.iter().any(|s| s.name == "astar") {
            let port = fixed(8545 + u16::try_from(options.chains.len()).unwrap_or(2));
            options
                .chains
                .push(ChainSpec::new("astar_evm", ASTAR_EVM.0, ASTAR_EVM.1).on_port(port));
        }
    }
    let mut progress = step;
    let mut devnet = Devnet::start(options, &mut progress).await?;

    let sup = Supervisor::new();
    let result = scenario(&mut devnet, &sup, &args).await;
    match result {
        Ok(()) if !args.once => {
            println!(
                "\ndevnet running; Ctrl-C to stop (config: {}/devnet.toml)",
                args.dir.display()
            );
            let stopped = sup.run_until_signal().await;
            println!("stopped.");
            stopped.map_err(Into::into)
        }
        other => {
            sup.shutdown().await;
            other
        }
    }
}

async fn scenario(devnet: &mut Devnet, sup: &Supervisor, args: &DevnetArgs) -> Result<()> {
    let started = std::time::Instant::now();
    let store = devnet.store().await?;
    let (indexer, _, api) =
        devnet.start_indexer(store.clone(), sup).await.wrap_err("starting the indexer")?;
    for i in 0..devnet.operators.len() {
        devnet.start_operator(i, sup).await?;
    }
    devnet
        .start_relayer(store.clone(), indexer.trees, sup)
        .await
        .wrap_err("starting the relayer")?;
    step(
        &format!(
            "indexer (API http://{api}), {} operators ({}), relayer running",
            devnet.operators.len(),
            devnet
                .operators
                .iter()
                .map(|o| o.url.trim_start_matches("http://"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        started.elapsed(),
    );

    let timeout = Duration::from_secs(args.timeout);
    let amount = tokens(10);
    let hub_before = devnet.hub_balance().await?;
    let spokes: Vec<String> = devnet.chains.iter().skip(1).map(|c| c.spec.name.clone()).collect();
    println!(
        "  … sending a message each way between {HUB} and {} and 10 tokens out",
        spokes.join(", ")
    );
    let mut sent = Vec::new();
    for spoke in &spokes {
        let to = format!("hello from {HUB}");
        sent.push(
            devnet
                .send_message(HUB, spoke, to.as_bytes())
                .await
                .wrap_err_with(|| format!("message {HUB} -> {spoke}"))?,
        );
        let back = format!("hello from {spoke}");
        sent.push(
            devnet
                .send_message(spoke, HUB, back.as_bytes())
                .await
                .wrap_err_with(|| format!("message {spoke} -> {HUB}"))?,
        );
        sent.push(
            devnet
                .bridge_out(spoke, amount)
                .await
                .wrap_err_with(|| format!("tokens {HUB} -> {spoke}"))?,
        );
    }
    let mut legs = Vec::new();
    for s in sent {
        legs.push(delivered(wait_delivered(&store, s, timeout).await?));
    }
    let mut back = Vec::new();
    for spoke in &spokes {
        let balance = devnet.spoke_balance(spoke).await?;
        if balance != amount {
            bail!("after the transfer out the user holds {balance} on {spoke}, expected {amount}");
        }
        back.push(
            devnet
                .bridge_back(spoke, amount)
                .await
                .wrap_err_with(|| format!("tokens {spoke} -> {HUB}"))?,
        );
    }
    for s in back {
        legs.push(delivered(wait_delivered(&store, s, timeout).await?));
    }

    let substrate: Vec<(String, u128)> =
        devnet.substrate.iter().map(|c| (c.spec.name.clone(), c.spec.unit())).collect();
    for (name, unit) in &substrate {
        let escrow = devnet.substrate(name)?.escrow.account;
        let locked = devnet.substrate_free(name, escrow).await?;
        let out = devnet
            .bridge_from_substrate(&store, name, 25 * unit, timeout)
            .await
            .wrap_err_with(|| format!("tokens {name} -> {HUB}"))?;
        legs.push(delivered(wait_delivered(&store, out, timeout).await?));
        if devnet.wrapped_balance(name).await? != alloy::primitives::U256::from(25 * unit) {
            bail!("after 25 tokens from {name} the user does not hold 25 wrapped on {HUB}");
        }
        let before = devnet.substrate_free(name, ferdie()).await?;
        let back = devnet
            .bridge_to_substrate(name, ferdie(), 10 * unit)
            .await
            .wrap_err_with(|| format!("tokens {HUB} -> {name}"))?;
        legs.push(delivered(wait_delivered(&store, back, timeout).await?));
        if devnet.substrate_free(name, ferdie()).await? != before + 10 * unit {
            bail!("the escrow on {name} did not release 10 tokens to Ferdie");
        }
        if devnet.substrate_free(name, escrow).await? != locked + 15 * unit {
            bail!("the escrow on {name} does not hold the 15 tokens still bridged");
        }
    }

    // The chains agree with the store.
    let hub_after = devnet.hub_balance().await?;
    if hub_after != hub_before {
        bail!("hub balance after the round trips: {hub_after} (was {hub_before})");
    }
    for spoke in &spokes {
        let left = devnet.spoke_balance(spoke).await?;
        if !left.is_zero() {
            bail!("{spoke} balance after the round trip: {left} (expected 0)");
        }
    }
    let expected_on_hub = u64::try_from(spokes.len())?;
    for chain in std::iter::once(HUB.to_owned()).chain(spokes.iter().cloned()) {
        let received = devnet.received(&chain).await?;
        let expected = if chain == HUB { expected_on_hub } else { 1 };
        if received.to::<u64>() != expected {
            return Err(eyre!(
                "the MessageLog on {chain} received {received} messages, expected {expected}"
            ));
        }
    }
    print_table(&legs);
    println!(
        "\nevery direction done in {:.1} s; balances checked on every chain.\nAPI: http://{api}  (try /messages, /checkpoints, /operators, /openapi.json)",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Prints a delivered leg's progress line and passes it on.
fn delivered(leg: Leg) -> Leg {
    let (route, what) = (&leg.sent.route, &leg.sent.what);
    println!("  ✓ {route} {what} delivered in {:.2} s", leg.latency.as_secs_f64());
    leg
}

fn short(h: &causeway_core::B256) -> String {
    let s = h.to_string();
    format!("{}…{}", &s[..10], &s[s.len() - 4..])
}

fn print_table(legs: &[Leg]) {
    println!(
        "\n{:<22} {:<36} {:<16} {:>9} {:>9} {:>9} {:<16} {:<16}",
        "route", "what", "message id", "latency", "gas out", "gas in", "dispatch tx", "delivery tx"
    );
    for l in legs {
        println!(
            "{:<22} {:<36} {:<16} {:>7.2} s {:>9} {:>9} {:<16} {:<16}",
            l.sent.route,
            l.sent.what,
            short(&l.sent.id),
            l.latency.as_secs_f64(),
            l.sent.dispatch_gas,
            l.delivery_gas,
            short(&l.sent.tx),
            l.delivery_tx.as_ref().map_or_else(|| "(found delivered)".into(), short),
        );
    }
}
