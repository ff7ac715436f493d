//! `causeway devnet`: the main demo. From nothing: toolchain, two anvil chains, every contract,
//! four operators with unequal stake, the indexer (SQLite under `.causeway/`), the operators and
//! the relayer; then a message each way and tokens out and back, with a live progress display
//! and a final table. Stays up until Ctrl-C unless `--once`.

use std::{path::PathBuf, time::Duration};

use causeway_adapter_evm::deploy::tokens;
use causeway_node::{
    Supervisor,
    devnet::{Devnet, DevnetOptions},
    scenario::{Leg, Side, wait_delivered},
};
use clap::Args;
use eyre::{Result, WrapErr, bail, eyre};

use crate::Failure;

#[derive(Debug, Args)]
pub(crate) struct DevnetArgs {
    /// Exit after the scenario (for scripts and CI) instead of staying up until Ctrl-C.
    #[arg(long)]
    once: bool,
    /// State folder, cleared at start: store, signed logs, keys, `devnet.toml`.
    #[arg(long, default_value = ".causeway")]
    dir: PathBuf,
    /// Pick free ports for everything instead of 8545/8546 and 9100..=9104.
    #[arg(long)]
    any_ports: bool,
    /// Seconds to wait for each delivery before failing.
    #[arg(long, default_value_t = 60)]
    timeout: u64,
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
    let options = if args.any_ports {
        DevnetOptions::ephemeral(args.dir.clone())
    } else {
        DevnetOptions::standard(args.dir.clone())
    };
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
            sup.run_until_signal().await;
            println!("stopped.");
            Ok(())
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
    let (trees, api) =
        devnet.start_indexer(store.clone(), sup).await.wrap_err("starting the indexer")?;
    for i in 0..devnet.operators.len() {
        devnet.start_operator(i, sup).await?;
    }
    devnet.start_relayer(store.clone(), trees, sup).await.wrap_err("starting the relayer")?;
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
    println!("  … sending a message each way and 10 tokens out");
    let sent = vec![
        devnet
            .send_message(Side::Hub, b"hello from ethereum")
            .await
            .wrap_err("message ethereum -> l2")?,
        devnet.send_message(Side::L2, b"hello from l2").await.wrap_err("message l2 -> ethereum")?,
        devnet.bridge_out(amount).await.wrap_err("tokens ethereum -> l2")?,
    ];
    let mut legs = Vec::new();
    for s in sent {
        legs.push(delivered(wait_delivered(&store, s, timeout).await?));
    }
    let l2_balance = devnet.l2_balance().await?;
    if l2_balance != amount {
        bail!("after the transfer out the user holds {l2_balance} on l2, expected {amount}");
    }
    let back = devnet.bridge_back(amount).await.wrap_err("tokens l2 -> ethereum")?;
    legs.push(delivered(wait_delivered(&store, back, timeout).await?));

    // The chains agree with the store.
    let (hub_after, l2_after) = (devnet.hub_balance().await?, devnet.l2_balance().await?);
    if hub_after != hub_before || !l2_after.is_zero() {
        bail!(
            "balances after the round trip: hub {hub_after} (was {hub_before}), l2 {l2_after} \
             (expected 0)"
        );
    }
    for side in [Side::Hub, Side::L2] {
        let received = devnet.received(side).await?;
        if received.to::<u64>() != 1 {
            return Err(eyre!(
                "the MessageLog on {} received {received} messages, expected 1",
                side.name()
            ));
        }
    }
    print_table(&legs);
    println!(
        "\nboth directions done in {:.1} s; balances checked on both chains.\nAPI: http://{api}  (try /messages, /checkpoints, /operators, /openapi.json)",
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
        "\n{:<18} {:<30} {:<16} {:>9} {:>9} {:>9} {:<16} {:<16}",
        "route", "what", "message id", "latency", "gas out", "gas in", "dispatch tx", "delivery tx"
    );
    for l in legs {
        println!(
            "{:<18} {:<30} {:<16} {:>7.2} s {:>9} {:>9} {:<16} {:<16}",
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
