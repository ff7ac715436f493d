//! Relayer throughput, delivery latency, gas per message and memory on the devnet (the issue's
//! targets: ≥ 2,000 msg/s per relayer, p50 ≤ one block + 300 ms after finality, RSS ≤ 200 MB).
//!
//! For each N: a fresh devnet (two anvils, ephemeral ports, a temporary folder), the indexer and
//! the four operators in this process. Then
//! 1. backlog: N messages dispatched on the hub to the l2 `MessageLog` with explicit nonces, up
//!    to 256 in flight; once the indexer stored them all the relayer starts, and its rate is
//!    N / (relayer start → last message seen `delivered` in the store, polled every 50 ms);
//!    the l2 `MessageLog.received()` must then equal N;
//! 2. latency: min(N, 1,000) more messages at 200/s with the relayer running; per message,
//!    dispatch receipt → first seen `delivered` in the store (polled every 20 ms);
//! 3. gas: mean of the per-message share of `processBatch` recorded in `deliveries`
//!    (checkpoint submissions excluded, counted separately);
//! 4. peak RSS (`VmHWM`, reset per N) of this process, which runs indexer, operators, relayer and
//!    the dispatcher; anvil runs in its own processes and is not counted.
//!
//! Run: `cargo bench -p causeway-devnet --bench throughput [-- --n 1000,10000] [--no-write]`
//! (prints the table and, unless `--no-write`, rewrites the throughput section of
//! `docs/benchmarks.md`).

use std::{
    collections::{BTreeSet, HashMap, HashSet},
    path::PathBuf,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, Bytes},
    providers::{DynProvider, Provider, ProviderBuilder},
};
use causeway_adapter_evm::bindings::mailbox::Mailbox;
use causeway_core::Message;
use causeway_devnet::{Devnet, DevnetOptions};
use causeway_node::Supervisor;
use causeway_store::{MessageStatus, Store, entity::messages};

/// The spoke the bench sends to, and its domain.
const L2: (&str, u32) = ("l2", 2);
use eyre::{Result, WrapErr, bail, eyre};
use futures_util::StreamExt;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect};

const BEGIN: &str = "<!-- throughput:begin -->";
const END: &str = "<!-- throughput:end -->";
/// Dispatch transactions in flight at once during the backlog phase.
const IN_FLIGHT: usize = 256;
/// Steady dispatch rate of the latency phase, messages per second.
const STEADY_RATE: u64 = 200;
/// Most messages of the latency phase.
const LATENCY_MESSAGES: u64 = 1_000;
/// Gas limit of one `dispatch` (≈ 42k steady, 73k into an empty route).
const DISPATCH_GAS: u64 = 150_000;
/// A dispatch without a receipt after this fails the run.
const RECEIPT_TIMEOUT: Duration = Duration::from_secs(60);

const TARGET_MSGS: f64 = 2_000.0;
const TARGET_P50_MS: f64 = 300.0;
const TARGET_RSS_MB: f64 = 200.0;

struct Args {
    ns: Vec<u64>,
    write: bool,
}

fn parse_args() -> Result<Args> {
    let mut args = Args { ns: vec![1_000, 10_000], write: true };
    let parse = |list: &str| -> Result<Vec<u64>> {
        list.split(',')
            .map(|s| s.trim().replace('_', "").parse::<u64>().wrap_err_with(|| format!("--n {s}")))
            .collect()
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--bench" => {}
            "--write" => args.write = true,
            "--no-write" => args.write = false,
            "--n" => args.ns = parse(&it.next().ok_or_else(|| eyre!("--n needs a value"))?)?,
            other => match other.strip_prefix("--n=") {
                Some(list) => args.ns = parse(list)?,
                None => {
                    bail!("unknown argument {other}; expected --n 1000,10000, --write, --no-write")
                }
            },
        }
    }
    if args.ns.is_empty() || args.ns.contains(&0) {
        bail!("--n needs positive message counts");
    }
    Ok(args)
}

/// One N's results.
struct Row {
    n: u64,
    batch_size: usize,
    dispatch_rate: f64,
    index_wait: Duration,
    relay_time: Duration,
    relay_rate: f64,
    batches: usize,
    checkpoints: u64,
    gas_backlog: f64,
    steady_messages: u64,
    steady_rate: f64,
    p50: Duration,
    p99: Duration,
    p50_recorded: Duration,
    gas_steady: f64,
    steady_txs: u64,
    rss_mb: f64,
}

fn main() -> Result<()> {
    let args = parse_args()?;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ =
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let mut rows = Vec::new();
    for &n in &args.ns {
        eprintln!("== N = {n}");
        let row = runtime.block_on(run(n))?;
        print_row(&row);
        rows.push(row);
    }
    // Inside the markers, so a rewrite replaces it.
    let kicks = format!(
        "- blocks mined by hand to release dispatches anvil left in its pool (a receipt over \
         {} s late): {}\n{END}",
        STALL_KICK.as_secs(),
        ANVIL_KICKS.load(std::sync::atomic::Ordering::Relaxed)
    );
    let section = section(&rows).replacen(END, &kicks, 1);
    println!("\n{section}");
    if args.write {
        write_section(&section)?;
        println!("written to docs/benchmarks.md");
    }
    Ok(())
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Peak resident set of this process (`VmHWM`), MB.
fn peak_rss_mb() -> Result<f64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .ok_or_else(|| eyre!("no VmHWM in /proc/self/status"))?;
    Ok(kb / 1024.0)
}

/// Resets `VmHWM` to the current RSS (Linux ≥ 4.0), so each N reports its own peak.
fn reset_peak_rss() {
    if let Err(e) = std::fs::write("/proc/self/clear_refs", "5") {
        eprintln!("   (could not reset the peak RSS: {e}; it includes earlier runs)");
    }
}

/// A dispatch receipt this late makes the bench mine a block on anvil (see `dispatch`).
const STALL_KICK: Duration = Duration::from_secs(2);
/// Blocks mined by hand to release transactions anvil left in its pool.
static ANVIL_KICKS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Sends `dispatch` transactions from the user account, fully filled here (no estimate, no
/// nonce or fee round trips), and polls their receipts.
#[derive(Clone)]
struct Dispatcher {
    provider: DynProvider,
    from: Address,
    mailbox: Address,
    recipient: B256,
    chain_id: u64,
    max_fee: u128,
}

/// A dispatch whose receipt came back.
struct Confirmed {
    id: B256,
    at: Instant,
    unix_ms: i64,
}

impl Dispatcher {
    async fn new(devnet: &Devnet) -> Result<Self> {
        let provider = ProviderBuilder::new()
            .disable_recommended_fillers()
            .wallet(devnet.user.clone())
            .connect_http(devnet.chains[0].anvil.endpoint_url())
            .erased();
        let chain_id = provider.get_chain_id().await?;
        // Base fees only fall on these near-empty blocks; twice today's price always suffices.
        let max_fee = provider.get_gas_price().await?.saturating_mul(2).max(2_000_000_000);
        Ok(Self {
            provider,
            from: devnet.user.address(),
            mailbox: devnet.hub.mailbox,
            recipient: devnet.message_log(L2.0).expect("l2 is a devnet chain").into_word(),
            chain_id,
            max_fee,
        })
    }

    async fn next_nonce(&self) -> Result<u64> {
        Ok(self.provider.get_transaction_count(self.from).pending().await?)
    }

    /// Dispatches message `seq` (a 32-byte body) with transaction nonce `nonce`.
    async fn dispatch(&self, nonce: u64, seq: u64) -> Result<Confirmed> {
        let body = Bytes::from(B256::left_padding_from(&seq.to_be_bytes()).to_vec());
        let tx = Mailbox::new(self.mailbox, &self.provider)
            .dispatch(L2.1, self.recipient, body)
            .into_transaction_request()
            .with_from(self.from)
            .with_nonce(nonce)
            .with_chain_id(self.chain_id)
            .with_gas_limit(DISPATCH_GAS)
            .with_max_fee_per_gas(self.max_fee)
            .with_max_priority_fee_per_gas(1);
        let hash = *self
            .provider
            .send_transaction(tx)
            .await
            .wrap_err_with(|| format!("sending dispatch {seq} (nonce {nonce})"))?
            .tx_hash();
        let sent = Instant::now();
        let mut last_kick = sent;
        let receipt = loop {
            if let Some(r) = self.provider.get_transaction_receipt(hash).await? {
                break r;
            }
            // anvil (1.7.1) now and then leaves a ready transaction in its pool under concurrent
            // submission with automine on; mining a block releases it. Counted and reported.
            if sent.elapsed() > STALL_KICK && last_kick.elapsed() > STALL_KICK {
                let _: String = self.provider.raw_request("evm_mine".into(), ()).await?;
                ANVIL_KICKS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                last_kick = Instant::now();
            }
            if sent.elapsed() > RECEIPT_TIMEOUT {
                let mined = self.provider.get_transaction_count(self.from).await?;
                bail!(
                    "dispatch {seq}: no receipt for {hash} (nonce {nonce}) after {} s; the chain \
                     has mined the user's nonces below {mined}",
                    RECEIPT_TIMEOUT.as_secs()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        let (at, unix_ms) = (Instant::now(), now_ms());
        if !receipt.status() {
            bail!("dispatch {seq}: transaction {hash} reverted");
        }
        let log = receipt
            .decoded_log::<Mailbox::Dispatch>()
            .ok_or_else(|| eyre!("dispatch {seq}: no Dispatch event in {hash}"))?;
        Message::decode(&log.data.message).map_err(|e| eyre!("dispatch {seq}: {e}"))?;
        Ok(Confirmed { id: log.data.id, at, unix_ms })
    }
}

/// Messages to l2 in the store, optionally only those with `status`.
async fn count_to_l2(reader: &Store, status: Option<MessageStatus>) -> Result<u64> {
    let mut q = messages::Entity::find().filter(messages::Column::Destination.eq(i64::from(L2.1)));
    if let Some(s) = status {
        q = q.filter(messages::Column::Status.eq(s.as_str()));
    }
    Ok(q.count(reader.connection()).await?)
}

/// Polls every `every` until `count_to_l2(status) >= want`, printing progress every 5 s.
async fn wait_count(
    reader: &Store,
    status: Option<MessageStatus>,
    want: u64,
    timeout: Duration,
    every: Duration,
    what: &str,
) -> Result<Duration> {
    let start = Instant::now();
    let mut said = Instant::now();
    loop {
        let have = count_to_l2(reader, status).await?;
        if have >= want {
            return Ok(start.elapsed());
        }
        if start.elapsed() > timeout {
            bail!("{what}: {have} of {want} after {} s", timeout.as_secs());
        }
        if said.elapsed() > Duration::from_secs(5) {
            eprintln!("   … {what}: {have}/{want} after {:.0} s", start.elapsed().as_secs_f64());
            said = Instant::now();
        }
        tokio::time::sleep(every).await;
    }
}

/// Records when each message to l2 with route nonce ≥ `first_nonce` is first seen delivered,
/// polling every 20 ms, until `count` were seen or `deadline`.
async fn watch_delivered(
    reader: Store,
    first_nonce: i64,
    count: u64,
    deadline: Instant,
) -> Result<HashMap<B256, Instant>> {
    let mut seen: HashMap<B256, Instant> = HashMap::new();
    let mut nonces: HashSet<i64> = HashSet::new();
    let mut low = first_nonce;
    while (seen.len() as u64) < count && Instant::now() < deadline {
        let rows: Vec<(Vec<u8>, i64)> = messages::Entity::find()
            .select_only()
            .column(messages::Column::Id)
            .column(messages::Column::Nonce)
            .filter(messages::Column::Destination.eq(i64::from(L2.1)))
            .filter(messages::Column::Status.eq(MessageStatus::Delivered.as_str()))
            .filter(messages::Column::Nonce.gte(low))
            .into_tuple()
            .all(reader.connection())
            .await?;
        let now = Instant::now();
        for (id, nonce) in rows {
            if nonces.insert(nonce) {
                seen.insert(B256::try_from(id.as_slice())?, now);
            }
        }
        while nonces.contains(&low) {
            low += 1;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(seen)
}

/// Nearest-rank percentile of sorted `v`.
fn percentile(v: &[Duration], p: f64) -> Duration {
    if v.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * v.len() as f64).ceil() as usize;
    v[rank.clamp(1, v.len()) - 1]
}

/// Mean per-message gas and distinct transactions of the deliveries of `ids`.
fn delivery_gas(
    deliveries: &HashMap<B256, causeway_store::DeliveryRecord>,
    ids: &[B256],
) -> Result<(f64, usize)> {
    let mut gas = 0u64;
    let mut txs = BTreeSet::new();
    for id in ids {
        let d = deliveries.get(id).ok_or_else(|| eyre!("no delivery recorded for {id}"))?;
        gas += d.gas_used;
        txs.insert(d.tx_hash);
    }
    Ok((gas as f64 / ids.len().max(1) as f64, txs.len()))
}

async fn run(n: u64) -> Result<Row> {
    let dir = std::env::temp_dir().join(format!(
        "causeway-throughput-{}-{n}-{}",
        std::process::id(),
        now_ms()
    ));
    let result = run_in(n, dir.clone()).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn run_in(n: u64, dir: PathBuf) -> Result<Row> {
    reset_peak_rss();
    let mut progress = |what: &str, took: Duration| {
        eprintln!("   {what} ({} ms)", took.as_millis());
    };
    let mut devnet = Devnet::start(DevnetOptions::ephemeral(dir), &mut progress).await?;
    let sup = Supervisor::new();
    let result = phases(n, &mut devnet, &sup).await;
    sup.shutdown().await;
    drop(devnet);
    result
}

async fn phases(n: u64, devnet: &mut Devnet, sup: &Supervisor) -> Result<Row> {
    let store = devnet.store().await?;
    // A separate connection for the benchmark's polling, so it never queues behind the roles'
    // single SQLite connection (WAL: reads do not block the writer).
    let reader = devnet.store().await?;
    let (indexer, _, _api) = devnet.start_indexer(store.clone(), sup).await?;
    let trees = indexer.trees;
    for i in 0..devnet.operators.len() {
        devnet.start_operator(i, sup).await?;
    }
    let dispatcher = Dispatcher::new(devnet).await?;
    let before = count_to_l2(&reader, None).await?;
    let received_before = devnet.received(L2.0).await?.to::<u64>();

    // 1. Backlog.
    let nonce0 = dispatcher.next_nonce().await?;
    let start = Instant::now();
    let backlog: Vec<Confirmed> = futures_util::stream::iter(0..n)
        .map(|i| dispatcher.dispatch(nonce0 + i, i))
        .buffer_unordered(IN_FLIGHT)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_>>()?;
    let last = backlog.iter().map(|c| c.at).max().unwrap_or(start);
    let dispatch_rate = n as f64 / (last - start).as_secs_f64();
    eprintln!("   dispatched {n} in {:.2} s ({dispatch_rate:.0}/s)", (last - start).as_secs_f64());
    let index_wait = wait_count(
        &reader,
        None,
        before + n,
        Duration::from_secs(300),
        Duration::from_millis(50),
        "indexed",
    )
    .await?;
    eprintln!("   indexer caught up {:.2} s after the last receipt", last.elapsed().as_secs_f64());

    let relayer_tx0 =
        l2_reader(devnet).get_transaction_count(devnet.relayer.address()).await.unwrap_or(0);
    devnet.start_relayer(store.clone(), trees, sup).await?;
    let relay_time = wait_count(
        &reader,
        Some(MessageStatus::Delivered),
        before + n,
        Duration::from_secs(60) + Duration::from_millis(20 * n),
        Duration::from_millis(50),
        "delivered",
    )
    .await?;
    let relay_rate = n as f64 / relay_time.as_secs_f64();
    eprintln!("   relayed {n} in {:.2} s ({relay_rate:.0}/s)", relay_time.as_secs_f64());
    let received = devnet.received(L2.0).await?.to::<u64>() - received_before;
    if received != n {
        bail!("the l2 MessageLog received {received} messages, expected {n}");
    }
    let relayer_tx1 = l2_reader(devnet).get_transaction_count(devnet.relayer.address()).await?;

    // 2. Latency at a steady rate.
    let m = n.min(LATENCY_MESSAGES);
    let first_route_nonce = i64::try_from(before + n)?;
    let watcher = tokio::spawn(watch_delivered(
        reader.clone(),
        first_route_nonce,
        m,
        Instant::now() + Duration::from_secs(120) + Duration::from_millis(1_000 * m / STEADY_RATE),
    ));
    let nonce1 = dispatcher.next_nonce().await?;
    let mut ticker = tokio::time::interval(Duration::from_micros(1_000_000 / STEADY_RATE));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut tasks = tokio::task::JoinSet::new();
    let steady_start = Instant::now();
    for i in 0..m {
        ticker.tick().await;
        let d = dispatcher.clone();
        tasks.spawn(async move { d.dispatch(nonce1 + i, n + i).await });
    }
    let mut steady = Vec::with_capacity(usize::try_from(m)?);
    while let Some(done) = tasks.join_next().await {
        steady.push(done??);
    }
    let steady_last = steady.iter().map(|c| c.at).max().unwrap_or(steady_start);
    let steady_rate = m as f64 / (steady_last - steady_start).as_secs_f64();
    let seen = watcher.await??;
    if (seen.len() as u64) < m {
        bail!("latency phase: {} of {m} messages delivered before the deadline", seen.len());
    }
    let received = devnet.received(L2.0).await?.to::<u64>() - received_before;
    if received != n + m {
        bail!("the l2 MessageLog received {received} messages, expected {}", n + m);
    }
    let mut latencies: Vec<Duration> = steady
        .iter()
        .map(|c| seen.get(&c.id).map_or(Duration::MAX, |t| t.saturating_duration_since(c.at)))
        .collect();
    latencies.sort();
    let relayer_tx2 = l2_reader(devnet).get_transaction_count(devnet.relayer.address()).await?;

    // 3. Gas, from the relayer's records.
    let deliveries: HashMap<B256, causeway_store::DeliveryRecord> = store
        .deliveries(before + n + m + 1_000)
        .await?
        .into_iter()
        .map(|d| (d.message_id, d))
        .collect();
    let backlog_ids: Vec<B256> = backlog.iter().map(|c| c.id).collect();
    let steady_ids: Vec<B256> = steady.iter().map(|c| c.id).collect();
    let (gas_backlog, batches) = delivery_gas(&deliveries, &backlog_ids)?;
    let (gas_steady, _) = delivery_gas(&deliveries, &steady_ids)?;
    let mut recorded: Vec<Duration> = steady
        .iter()
        .filter_map(|c| deliveries.get(&c.id).map(|d| (d, c)))
        .map(|(d, c)| Duration::from_millis(u64::try_from(d.delivered_at - c.unix_ms).unwrap_or(0)))
        .collect();
    recorded.sort();

    Ok(Row {
        n,
        batch_size: devnet.config.relayer.batch_size,
        dispatch_rate,
        index_wait,
        relay_time,
        relay_rate,
        batches,
        checkpoints: (relayer_tx1 - relayer_tx0).saturating_sub(batches as u64),
        gas_backlog,
        steady_messages: m,
        steady_rate,
        p50: percentile(&latencies, 50.0),
        p99: percentile(&latencies, 99.0),
        p50_recorded: percentile(&recorded, 50.0),
        gas_steady,
        steady_txs: relayer_tx2 - relayer_tx1,
        rss_mb: peak_rss_mb()?,
    })
}

/// A read-only provider of the second chain.
fn l2_reader(devnet: &Devnet) -> DynProvider {
    ProviderBuilder::new()
        .connect_http(devnet.chain(L2.0).expect("l2 is a devnet chain").anvil.endpoint_url())
        .erased()
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1_000.0)
}

fn met(ok: bool) -> &'static str {
    if ok { "met" } else { "not met" }
}

fn print_row(r: &Row) {
    eprintln!(
        "   N={} dispatch {:.0}/s, indexed +{:.2} s, relayed in {:.2} s = {:.0} msg/s ({} batches, {} checkpoints), \
         steady {} at {:.0}/s: p50 {} p99 {} (recorded p50 {}), gas/msg {:.0} backlog / {:.0} steady ({} relayer txs), peak RSS {:.1} MB",
        r.n,
        r.dispatch_rate,
        r.index_wait.as_secs_f64(),
        r.relay_time.as_secs_f64(),
        r.relay_rate,
        r.batches,
        r.checkpoints,
        r.steady_messages,
        r.steady_rate,
        ms(r.p50),
        ms(r.p99),
        ms(r.p50_recorded),
        r.gas_backlog,
        r.gas_steady,
        r.steady_txs,
        r.rss_mb
    );
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|v| v.trim_start_matches([' ', '\t', ':']).trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    format!("{cpu}, {cores} cores, {}", std::env::consts::ARCH)
}

fn section(rows: &[Row]) -> String {
    let batch_size = rows.first().map_or(0, |r| r.batch_size);
    let (y, m, d) = civil(now_ms().div_euclid(86_400_000));
    let profile = if cfg!(debug_assertions) { "debug" } else { "release (bench profile)" };
    let mut table = String::from(
        "| N | dispatch rate | relayer msg/s | p50 | p99 | gas/msg | peak RSS | ≥ 2,000 msg/s | p50 ≤ 300 ms | RSS ≤ 200 MB |\n\
         |---:|---:|---:|---:|---:|---:|---:|---|---|---|\n",
    );
    for r in rows {
        table.push_str(&format!(
            "| {} | {:.0}/s | {:.0} | {} | {} | {:.0} | {:.1} MB | {} | {} | {} |\n",
            r.n,
            r.dispatch_rate,
            r.relay_rate,
            ms(r.p50),
            ms(r.p99),
            r.gas_backlog,
            r.rss_mb,
            met(r.relay_rate >= TARGET_MSGS),
            met(r.p50.as_secs_f64() * 1_000.0 <= TARGET_P50_MS),
            met(r.rss_mb <= TARGET_RSS_MB),
        ));
    }
    let mut notes = String::new();
    for r in rows {
        notes.push_str(&format!(
            "- N = {}: relayer {:.2} s for the backlog in {} `processBatch` + {} checkpoint \
             transactions; indexer caught up {:.2} s after the last dispatch receipt; latency \
             phase {} messages at {:.0}/s, {} relayer transactions, {:.0} gas/msg, p50 from the \
             relayer's own `delivered_at` {}.\n",
            r.n,
            r.relay_time.as_secs_f64(),
            r.batches,
            r.checkpoints,
            r.index_wait.as_secs_f64(),
            r.steady_messages,
            r.steady_rate,
            r.steady_txs,
            r.gas_steady,
            ms(r.p50_recorded),
        ));
    }
    format!(
        "{BEGIN}\n## Relayer throughput (devnet, `cargo bench -p causeway-devnet --bench throughput`)\n\n\
         Measured {y}-{m:02}-{d:02} on {machine}, {profile}, anvil {anvil}; relayer `batch_size` \
         {batch_size} (the default), SQLite store. One process runs the indexer (two followers \
         and the API), the four operators, one relayer (l2 destination) and the load generator; \
         the two anvils are separate processes. **anvil automines one block per transaction**, \
         so there is no block interval: every dispatch, checkpoint and batch is its own block, \
         final at once.\n\n\
         - dispatch rate: N `dispatch` transactions from one account on the hub, explicit \
         nonces, ≤ {IN_FLIGHT} in flight, until the last receipt;\n\
         - relayer msg/s: N / (relayer started on the indexed backlog → last message seen \
         `delivered` in the store, polled every 50 ms); quorum collection and checkpoint \
         submission are inside that time; the l2 `MessageLog.received()` is checked to equal N;\n\
         - p50 / p99: then min(N, {LATENCY_MESSAGES}) more messages at {STEADY_RATE}/s, each \
         from its dispatch receipt to first seen `delivered` in the store (polled every 20 ms);\n\
         - gas/msg: mean per-message share of `processBatch` `gasUsed` recorded by the relayer \
         for the backlog (21,000 base included); checkpoint submissions are **not** included \
         (their count is below);\n\
         - peak RSS: `VmHWM` of the benchmark process (reset per N), anvil excluded;\n\
         - targets (issue): ≥ 2,000 msg/s per relayer; p50 ≤ one block + 300 ms after finality, \
         which with instant finality and no block interval on anvil is read as ≤ 300 ms; \
         RSS ≤ 200 MB.\n\n\
         {table}\n{notes}{END}",
        machine = machine(),
        anvil = causeway_toolchain::FOUNDRY_VERSION,
    )
}

fn write_section(section: &str) -> Result<()> {
    let root = causeway_toolchain::workspace_root()?;
    let path = root.join("docs/benchmarks.md");
    let current = std::fs::read_to_string(&path).unwrap_or_else(|_| "# Benchmarks\n".into());
    let updated = match (current.find(BEGIN), current.find(END)) {
        (Some(b), Some(e)) if e > b => {
            format!("{}{section}{}", &current[..b], &current[e + END.len()..])
        }
        _ => format!("{}\n\n{section}\n", current.trim_end()),
    };
    std::fs::write(&path, updated).wrap_err_with(|| format!("writing {}", path.display()))
}
