//! The chain registry while everything runs, through the real binary: the indexer, four
//! operators and the relayer each in its own `causeway` process. A third chain joins (the
//! devnet rewrites `devnet.toml`, every process reloads it) and is served without a restart,
//! then leaves and nothing more is signed or delivered for it; a chain that goes away for good
//! stops the indexer with a non-zero exit naming its follower.

use std::{path::PathBuf, process::Stdio, time::Duration};

use causeway_adapter_evm::bindings::{mailbox::Mailbox, message_log::MessageLog};
use causeway_core::{Domain, U256};
use causeway_devnet::{
    ChainSpec, Devnet, DevnetOptions,
    scenario::{Sent, wait_delivered},
};
use causeway_store::{MessageStatus, Store};
use eyre::{Result, WrapErr, ensure, eyre};
use serde_json::Value;
use tokio::process::{Child, Command};

const TIMEOUT: Duration = Duration::from_secs(60);

/// A devnet whose roles run as processes (killed on drop), and the store they share.
struct Processes {
    devnet: Devnet,
    store: Store,
    children: Vec<Child>,
    logs: PathBuf,
    _dir: tempfile::TempDir,
}

impl Processes {
    /// A devnet with no role started in this process; its listeners are released so the
    /// processes can bind the addresses the configuration names.
    async fn devnet() -> Result<Self> {
        let dir = tempfile::tempdir()?;
        let mut quiet = |_: &str, _: Duration| {};
        let mut devnet =
            Devnet::start(DevnetOptions::ephemeral(dir.path().join("state")), &mut quiet).await?;
        drop(devnet.indexer_listener.take());
        for op in &mut devnet.operators {
            drop(op.listener.take());
        }
        let store = devnet.store().await?;
        let logs = dir.path().join("logs");
        std::fs::create_dir_all(&logs)?;
        Ok(Self { devnet, store, children: Vec::new(), logs, _dir: dir })
    }

    fn config(&self) -> PathBuf {
        self.devnet.config_path()
    }

    /// Starts `causeway ARGS --config devnet.toml EXTRA`, its stderr kept in `logs/NAME.log`.
    fn spawn(&mut self, name: &str, args: &[&str], extra: &[String]) -> Result<usize> {
        let log = std::fs::File::create(self.logs.join(format!("{name}.log")))?;
        let child = Command::new(env!("CARGO_BIN_EXE_causeway"))
            .args(args)
            .arg("--config")
            .arg(self.config())
            .args(extra)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::from(log))
            .kill_on_drop(true)
            .spawn()
            .wrap_err_with(|| format!("starting {name}"))?;
        self.children.push(child);
        Ok(self.children.len() - 1)
    }

    fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.logs.join(format!("{name}.log"))).unwrap_or_default()
    }

    fn indexer(&mut self, extra: &[String]) -> Result<usize> {
        self.spawn("indexer", &["indexer"], extra)
    }

    fn operators(&mut self) -> Result<()> {
        for i in 0..self.devnet.operators.len() {
            let op = &self.devnet.operators[i];
            let addr = op.url.trim_start_matches("http://").to_owned();
            let extra = vec![
                "--log".into(),
                op.log_path.display().to_string(),
                "--set".into(),
                format!("operator.key={{ file = \"{}\" }}", op.key_path.display()),
                "--set".into(),
                format!("operator.listen={addr}"),
                "--set".into(),
                format!("operator.public_url={}", op.url),
            ];
            self.spawn(&format!("operator-{}", i + 1), &["operator", "run"], &extra)?;
        }
        Ok(())
    }

    fn relayer(&mut self) -> Result<usize> {
        self.spawn("relayer", &["relayer", "run"], &[])
    }

    async fn get(&self, url: &str) -> Result<(u16, Value)> {
        let r = reqwest::get(url).await?;
        let status = r.status().as_u16();
        Ok((status, r.json().await.unwrap_or(Value::Null)))
    }

    /// The domains a role's `/ready` lists (`None` while it does not answer).
    async fn ready_domains(&self, base: &str) -> Option<Vec<u64>> {
        let (_, body) = self.get(&format!("{base}/ready")).await.ok()?;
        body["domains"].as_array().map(|d| d.iter().filter_map(Value::as_u64).collect())
    }

    /// HTTP status of every operator's answer for the newest checkpoint of `origin → dest`.
    async fn operator_statuses(&self, origin: Domain, destination: Domain) -> Vec<u16> {
        let mut out = Vec::new();
        for op in &self.devnet.operators {
            let url = format!("{}/checkpoints/{origin}/{destination}/latest", op.url);
            out.push(self.get(&url).await.map_or(0, |(s, _)| s));
        }
        out
    }

    /// Polls `check` until it holds, at most [`TIMEOUT`].
    async fn until<F, Fut>(&self, what: &str, check: F) -> Result<()>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<bool>>,
    {
        crate::until(what, TIMEOUT, check).await
    }

    async fn delivered(&self, sent: Sent) -> Result<()> {
        wait_delivered(&self.store, sent, TIMEOUT).await.map(drop)
    }
}

fn base(addr: impl std::fmt::Display) -> String {
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chain_added_while_roles_run_is_served_and_one_removed_is_no_longer() -> Result<()> {
    let mut p = Processes::devnet().await?;
    p.indexer(&[])?;
    p.operators()?;
    p.relayer()?;
    let indexer = base(p.devnet.indexer_addr);
    let relayer = base(p.devnet.relayer_addr);
    let first = p.devnet.send_message("ethereum", "l2", b"before l3").await?;
    p.delivered(first).await.wrap_err("the processes deliver at all")?;

    // A third chain joins: its anvil starts, its contracts are deployed and connected with the
    // hub, and devnet.toml gains [chains.l3]. Nobody is restarted.
    p.devnet.add_chain(ChainSpec::new("l3", 3, 31339)).await.wrap_err("adding l3")?;
    p.until("the indexer follows l3", || async {
        Ok(p.ready_domains(&indexer).await.is_some_and(|d| d.contains(&3)))
    })
    .await?;
    let to_l3 = p.devnet.send_message("ethereum", "l3", b"hello l3").await.wrap_err("to l3")?;
    let from_l3 =
        p.devnet.send_message("l3", "ethereum", b"hello from l3").await.wrap_err("from l3")?;
    p.delivered(to_l3).await.wrap_err("hub -> l3 after l3 joined")?;
    p.delivered(from_l3).await.wrap_err("l3 -> hub after l3 joined")?;
    ensure!(p.devnet.received("l3").await? == U256::from(1), "l3 received its message");
    let signed = p.operator_statuses(1, 3).await;
    ensure!(signed.iter().all(|s| *s == 200), "every operator signs 1 -> 3: {signed:?}");

    // l3 leaves (its chain keeps running, so no role sees a failing RPC): every process stops
    // following, signing and delivering for it.
    let l3_log = p.devnet.message_log("l3")?;
    let l3_reader = p.devnet.provider("l3", &p.devnet.user)?;
    let received_on_l3 = || async {
        let log = MessageLog::new(l3_log, &l3_reader);
        Ok::<_, eyre::Report>(log.received().call().await?)
    };
    let _l3 = p.devnet.remove_chain("l3")?;
    p.until("every process dropped l3", || async {
        let indexed = p.ready_domains(&indexer).await;
        let relayed = p.ready_domains(&relayer).await;
        let signing = p.operator_statuses(1, 3).await;
        Ok(indexed.is_some_and(|d| !d.contains(&3))
            && relayed.is_some_and(|d| !d.contains(&3))
            && signing.iter().all(|s| *s == 404))
    })
    .await?;
    // The devnet no longer knows l3; the user still dispatches to it on the hub.
    let hub = p.devnet.provider("ethereum", &p.devnet.user)?;
    let hub_mailbox = Mailbox::new(p.devnet.mailbox("ethereum")?, &hub);
    let dispatch = hub_mailbox.dispatch(3, l3_log.into_word(), b"after l3 left".to_vec().into());
    let receipt = causeway_adapter_evm::deploy::send("dispatch to l3", dispatch).await?;
    let after_id = receipt
        .decoded_log::<Mailbox::Dispatch>()
        .ok_or_else(|| eyre!("no Dispatch event"))?
        .data
        .id;
    let marker = p.devnet.send_message("ethereum", "l2", b"still relaying").await?;
    p.delivered(marker).await.wrap_err("the hub and l2 are still served")?;
    let row = p.store.message(after_id).await?.ok_or_else(|| eyre!("hub -> l3 not indexed"))?;
    ensure!(row.status == MessageStatus::Pending, "delivered to a removed chain: {:?}", row.status);
    ensure!(received_on_l3().await? == U256::from(1), "nothing more reached l3");
    let signed = p.operator_statuses(1, 3).await;
    ensure!(signed.iter().all(|s| *s == 404), "an operator still signs 1 -> 3: {signed:?}");

    // Every process is still running.
    for (i, child) in p.children.iter_mut().enumerate() {
        ensure!(child.try_wait()?.is_none(), "process {i} exited");
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_whose_chain_is_gone_for_good_stops_the_indexer_naming_it() -> Result<()> {
    let mut p = Processes::devnet().await?;
    let extra: Vec<String> = ["indexer.unready_after_ms=300", "indexer.give_up_after_ms=1500"]
        .iter()
        .flat_map(|kv| ["--set".to_owned(), (*kv).to_owned()])
        .collect();
    let i = p.indexer(&extra)?;
    let indexer = base(p.devnet.indexer_addr);
    p.until("the indexer is ready", || async {
        Ok(p.get(&format!("{indexer}/ready")).await.is_ok_and(|(s, _)| s == 200))
    })
    .await?;

    // l2's node goes away; the configuration still names it.
    let l2 = p.devnet.chains.remove(1);
    ensure!(l2.spec.name == "l2", "removed {}", l2.spec.name);
    drop(l2);
    // First not ready, saying why ...
    p.until("/ready names the failing chain", || async {
        let (status, body) = match p.get(&format!("{indexer}/ready")).await {
            Ok(answer) => answer,
            Err(_) => return Ok(false), // already exited: checked below
        };
        Ok(status == 503 && body["error"].as_str().is_some_and(|e| e.contains("l2")))
    })
    .await
    .or_else(|e| if p.log("indexer").contains("follower l2") { Ok(()) } else { Err(e) })?;
    // ... then the process stops on its own with a non-zero exit and a line naming the task.
    let deadline = tokio::time::Instant::now() + TIMEOUT;
    let status = loop {
        if let Some(status) = p.children[i].try_wait()? {
            break status;
        }
        ensure!(tokio::time::Instant::now() < deadline, "the indexer kept running");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    ensure!(!status.success(), "exit status {status}");
    let log = p.log("indexer");
    ensure!(
        log.contains("critical task `follower l2` stopped") && log.contains("giving up"),
        "stderr does not name the follower and the cause:\n{log}"
    );
    Ok(())
}
