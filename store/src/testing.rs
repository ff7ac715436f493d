//! Test fixtures for this crate's and other crates' tests (feature `testing`): stores on both
//! backends (a SQLite file in a temporary folder, a fresh schema of the local PostgreSQL at
//! `CAUSEWAY_TEST_PG`, default `postgres://postgres@127.0.0.1:5432/test`, dropped afterwards),
//! messages and blocks.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use crate::{Store, StoreOptions};
use causeway_core::{B256, Domain, Message, chain::BlockRef, chain::DispatchedMessage};
use sea_orm::ConnectionTrait;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A store and what it takes to clean it up.
#[derive(Debug)]
pub struct TestDb {
    pub store: Store,
    pub backend: Backend,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

pub fn pg_url() -> String {
    std::env::var("CAUSEWAY_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

impl TestDb {
    pub async fn new(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}?mode=rwc", dir.path().join("indexer.db").display());
                let store = Store::connect(&url).await.unwrap();
                Self { store, backend, _dir: Some(dir), pg: None }
            }
            Backend::Postgres => {
                let url = pg_url();
                let schema = format!("t_{:016x}", rand::random::<u64>());
                let admin = sea_orm::Database::connect(&url).await.unwrap();
                admin.execute_unprepared(&format!("CREATE SCHEMA {schema}")).await.unwrap();
                admin.close().await.unwrap();
                let options = StoreOptions {
                    schema: Some(schema.clone()),
                    max_connections: 4,
                    ..StoreOptions::new(url.clone())
                };
                let store = Store::connect_with(options).await.unwrap();
                Self { store, backend, _dir: None, pg: Some((url, schema)) }
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((url, schema)) = self.pg.take() {
            // Drop the schema from a fresh runtime on another thread (Drop cannot await).
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
                rt.block_on(async {
                    if let Ok(db) = sea_orm::Database::connect(&url).await {
                        let _ =
                            db.execute_unprepared(&format!("DROP SCHEMA {schema} CASCADE")).await;
                        let _ = db.close().await;
                    }
                });
                Ok::<_, std::io::Error>(())
            })
            .join();
        }
    }
}

/// Runs an `async fn(&Store, Backend)` check on SQLite and on PostgreSQL as two tests.
#[macro_export]
macro_rules! both {
    ($check:ident) => {
        mod $check {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let db = $crate::testing::TestDb::new($crate::testing::Backend::Sqlite).await;
                super::$check(&db.store, db.backend).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let db = $crate::testing::TestDb::new($crate::testing::Backend::Postgres).await;
                super::$check(&db.store, db.backend).await;
            }
        }
    };
}

pub fn hash(tag: u8, n: u64) -> B256 {
    let mut h = [tag; 32];
    h[24..].copy_from_slice(&n.to_be_bytes());
    B256::from(h)
}

pub fn block(n: u64) -> BlockRef {
    BlockRef { number: n, hash: hash(0xb0, n) }
}

/// A message from `origin` to `destination` at `nonce`, dispatched in block `number`.
pub fn dispatched(
    origin: Domain,
    destination: Domain,
    nonce: u32,
    number: u64,
) -> DispatchedMessage {
    let message = Message::new(
        nonce,
        origin,
        B256::repeat_byte(0x11),
        destination,
        B256::repeat_byte(0x22),
        format!("body {origin}->{destination} #{nonce}").into_bytes(),
    )
    .unwrap();
    DispatchedMessage {
        id: message.id(),
        message,
        block: block(number),
        tx_hash: hash(0x7c, number * 1_000 + u64::from(nonce)),
    }
}
