//! End-to-end tests across the roles: two real anvil chains with every contract deployed, four
//! operators with unequal stake (100/200/300/400 tokens), the indexer, the relayer (in-process,
//! or the real `causeway` binary where a process must die), and a real store (a SQLite file, or
//! a schema of the local PostgreSQL). Assertions are on chain state and store rows.

mod delivery;
mod failures;
mod flows;
mod operators;
mod registry;
mod substrate;

use std::{sync::Arc, time::Duration};

use causeway_core::{B256, Domain};
use causeway_devnet::{Devnet, DevnetOptions};
use causeway_node::Supervisor;
use causeway_store::{MessageFilter, MessageStatus, RouteTrees, Store, StoreOptions};
use eyre::{Result, WrapErr, bail};

/// Which database the store uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backend {
    Sqlite,
    Postgres,
}

/// PostgreSQL of this machine (trust auth); `CAUSEWAY_TEST_PG` overrides.
fn pg_url() -> String {
    std::env::var("CAUSEWAY_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A devnet with its store and role supervisors; everything stops on drop (anvils are killed by
/// their handles, tasks are cancelled).
pub(crate) struct Net {
    pub(crate) devnet: Devnet,
    pub(crate) store: Store,
    pub(crate) trees: Arc<RouteTrees>,
    pub(crate) indexer: Supervisor,
    /// One supervisor per operator, `None` while it is stopped.
    pub(crate) operators: Vec<Option<Supervisor>>,
    pub(crate) relayer: Option<Supervisor>,
    /// The indexer API's address.
    pub(crate) api: std::net::SocketAddr,
    pg_schema: Option<String>,
    _dir: tempfile::TempDir,
}

impl Net {
    /// A devnet with the indexer running and the given operators (0-based) started; the relayer
    /// is started when `relayer` is true.
    pub(crate) async fn start(
        backend: Backend,
        operators: &[usize],
        relayer: bool,
    ) -> Result<Self> {
        Self::start_with(backend, |_| {}, operators, relayer).await
    }

    /// [`Self::start`] with the devnet options changed by `options` first (more chains, another
    /// finality).
    pub(crate) async fn start_with(
        backend: Backend,
        options: impl FnOnce(&mut DevnetOptions),
        operators: &[usize],
        relayer: bool,
    ) -> Result<Self> {
        let dir = tempfile::tempdir()?;
        let mut quiet = |_: &str, _: Duration| {};
        let mut devnet_options = DevnetOptions::ephemeral(dir.path().join("state"));
        options(&mut devnet_options);
        let mut devnet = Devnet::start(devnet_options, &mut quiet).await?;
        let (store, pg_schema) = match backend {
            Backend::Sqlite => (devnet.store().await?, None),
            Backend::Postgres => {
                let schema = format!("e2e_{:016x}", rand_u64());
                let admin = Store::connect(&pg_url()).await.wrap_err("local PostgreSQL")?;
                admin.execute_unprepared(&format!("CREATE SCHEMA {schema}")).await?;
                let mut options = StoreOptions::new(pg_url());
                options.schema = Some(schema.clone());
                (Store::connect_with(options).await?, Some(schema))
            }
        };
        let indexer = Supervisor::new();
        let (started, _, api) = devnet.start_indexer(store.clone(), &indexer).await?;
        let trees = started.trees;
        let mut net = Self {
            operators: (0..devnet.operators.len()).map(|_| None).collect(),
            devnet,
            store,
            trees,
            indexer,
            relayer: None,
            api,
            pg_schema,
            _dir: dir,
        };
        for &i in operators {
            net.start_operator(i).await?;
        }
        if relayer {
            net.start_relayer().await?;
        }
        Ok(net)
    }

    pub(crate) async fn start_operator(&mut self, i: usize) -> Result<()> {
        let sup = Supervisor::new();
        self.devnet.start_operator(i, &sup).await?;
        self.operators[i] = Some(sup);
        Ok(())
    }

    pub(crate) async fn stop_operator(&mut self, i: usize) {
        if let Some(sup) = self.operators[i].take() {
            sup.shutdown().await;
        }
    }

    pub(crate) async fn start_relayer(&mut self) -> Result<()> {
        let sup = Supervisor::new();
        self.devnet.start_relayer(self.store.clone(), self.trees.clone(), &sup).await?;
        self.relayer = Some(sup);
        Ok(())
    }

    /// Messages of the store with `status` to `destination`.
    pub(crate) async fn count(&self, destination: Domain, status: MessageStatus) -> Result<usize> {
        Ok(self
            .store
            .messages(MessageFilter {
                status: Some(status),
                destination: Some(destination),
                limit: 100_000,
                ..Default::default()
            })
            .await?
            .len())
    }

    /// Waits until `check` holds, polling every 50 ms, at most `timeout`.
    pub(crate) async fn until<F, Fut>(&self, what: &str, timeout: Duration, check: F) -> Result<()>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<bool>>,
    {
        until(what, timeout, check).await
    }

    /// Status of message `id` in the store.
    pub(crate) async fn status(&self, id: B256) -> Result<Option<MessageStatus>> {
        Ok(self.store.message(id).await?.map(|r| r.status))
    }

    pub(crate) async fn shutdown(mut self) {
        if let Some(r) = self.relayer.take() {
            r.shutdown().await;
        }
        for i in 0..self.operators.len() {
            self.stop_operator(i).await;
        }
        self.indexer.shutdown().await;
        if let Some(schema) = self.pg_schema.take()
            && let Ok(admin) = Store::connect(&pg_url()).await
        {
            let _ = admin.execute_unprepared(&format!("DROP SCHEMA {schema} CASCADE")).await;
        }
    }
}

/// Waits until `check` holds, polling every 50 ms, at most `timeout`.
pub(crate) async fn until<F, Fut>(what: &str, timeout: Duration, mut check: F) -> Result<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<bool>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if check().await? {
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            bail!("{what}: not reached within {} s", timeout.as_secs());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::SystemTime::now())
}
