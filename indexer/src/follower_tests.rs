//! Follower tests against an in-process fake `MessageSource` and a SQLite file.

use std::{
    ops::RangeInclusive,
    sync::{Arc, Mutex},
    time::Duration,
};

use async_trait::async_trait;
use causeway_core::{
    B256, FinalityOracle, Message, MessageSource, OutboxKind,
    chain::{DispatchedMessage, OutboxState},
};

use super::*;
use causeway_store::MessageFilter;

const ORIGIN: Domain = 1;

#[derive(Debug, Default)]
struct Chain {
    /// Hash of block n at index n.
    hashes: Vec<B256>,
    messages: Vec<DispatchedMessage>,
    finalized: u64,
    /// Provider limit on a `messages` range.
    max_range: Option<u64>,
    /// Whether the limit error says the limit.
    suggest: bool,
    /// Every call fails as a connection failure would.
    down: bool,
    /// The origin has no on-chain tree: messages come unnumbered.
    virtual_outbox: bool,
    /// `messages` never answers for ranges starting at or above this.
    hang_from: Option<u64>,
    /// Every `messages` range asked for.
    asked: Vec<(u64, u64)>,
}

#[derive(Debug, Default, Clone)]
struct Fake(Arc<Mutex<Chain>>);

fn hash(fork: u8, n: u64) -> B256 {
    let mut h = [fork; 32];
    h[24..].copy_from_slice(&n.to_be_bytes());
    B256::from(h)
}

impl Fake {
    fn chain(&self) -> std::sync::MutexGuard<'_, Chain> {
        self.0.lock().unwrap()
    }

    /// Grows the chain to `height` on `fork`, dispatching one message to `dest` in each block
    /// listed in `with_messages`.
    fn extend(&self, height: u64, fork: u8, with_messages: &[(u64, Domain)]) {
        let mut c = self.chain();
        while c.hashes.len() as u64 <= height {
            let n = c.hashes.len() as u64;
            c.hashes.push(hash(fork, n));
            for (_, dest) in with_messages.iter().filter(|(b, _)| *b == n) {
                let nonce = c.messages.iter().filter(|m| m.message.destination == *dest).count();
                let message = Message::new(
                    nonce as u32,
                    ORIGIN,
                    B256::repeat_byte(1),
                    *dest,
                    B256::repeat_byte(2),
                    vec![fork, n as u8],
                )
                .unwrap();
                c.messages.push(DispatchedMessage {
                    id: message.id(),
                    message,
                    block: BlockRef { number: n, hash: hash(fork, n) },
                    tx_hash: B256::repeat_byte(fork),
                });
            }
        }
    }

    /// Drops every block above `height` (a reorg once the chain is extended again).
    fn truncate(&self, height: u64) {
        let mut c = self.chain();
        c.hashes.truncate(height as usize + 1);
        c.messages.retain(|m| m.block.number <= height);
    }

    fn head(&self) -> BlockRef {
        let c = self.chain();
        let n = c.hashes.len() as u64 - 1;
        BlockRef { number: n, hash: c.hashes[n as usize] }
    }
}

#[async_trait]
impl FinalityOracle for Fake {
    async fn head(&self) -> Result<BlockRef, ChainError> {
        if self.chain().down {
            return Err(ChainError::retryable("eth_blockNumber", "connection refused"));
        }
        Ok(Fake::head(self))
    }

    async fn finalized(&self) -> Result<BlockRef, ChainError> {
        let c = self.chain();
        Ok(BlockRef { number: c.finalized, hash: c.hashes[c.finalized as usize] })
    }

    async fn block_at(&self, number: u64) -> Result<BlockRef, ChainError> {
        let c = self.chain();
        match c.hashes.get(number as usize) {
            Some(h) => Ok(BlockRef { number, hash: *h }),
            None => Err(ChainError::retryable("block_at", format!("no block {number}"))),
        }
    }
}

#[async_trait]
impl MessageSource for Fake {
    fn domain(&self) -> Domain {
        ORIGIN
    }

    fn outbox_kind(&self) -> OutboxKind {
        if self.chain().virtual_outbox { OutboxKind::Virtual } else { OutboxKind::OnChain }
    }

    fn outbox_id(&self, destination: Domain) -> B256 {
        causeway_core::route_outbox(causeway_core::Address::repeat_byte(0xaa), destination)
    }

    fn finality(&self) -> Arc<dyn FinalityOracle> {
        Arc::new(self.clone())
    }

    async fn messages(
        &self,
        range: RangeInclusive<u64>,
    ) -> Result<Vec<DispatchedMessage>, ChainError> {
        let hang = {
            let mut c = self.chain();
            c.asked.push((*range.start(), *range.end()));
            if let Some(max) = c.max_range
                && range.end() - range.start() + 1 > max
            {
                return Err(ChainError::RangeTooLarge {
                    context: format!("eth_getLogs {range:?}: query exceeds max block range {max}"),
                    suggested: c.suggest.then_some(max),
                    source: None,
                });
            }
            c.hang_from.is_some_and(|h| *range.start() >= h)
        };
        if hang {
            std::future::pending::<()>().await;
        }
        let c = self.chain();
        let unnumbered = |mut m: DispatchedMessage| {
            if c.virtual_outbox {
                m.message.nonce = 0;
                m.id = m.message.id();
            }
            m
        };
        Ok(c.messages
            .iter()
            .filter(|m| range.contains(&m.block.number))
            .cloned()
            .map(unnumbered)
            .collect())
    }

    async fn outbox_at(&self, _: u64, _: Domain) -> Result<OutboxState, ChainError> {
        Err(ChainError::permanent("outbox_at", "not in the fake"))
    }
}

fn config() -> FollowerConfig {
    FollowerConfig {
        poll_interval: Duration::from_millis(5),
        backoff_min: Duration::from_millis(1),
        backoff_max: Duration::from_millis(20),
        ..FollowerConfig::new("fake", 0)
    }
}

async fn store(dir: &tempfile::TempDir) -> Store {
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("idx.db").display());
    Store::connect(&url).await.unwrap()
}

type Task = tokio::task::JoinHandle<Result<(), FollowError>>;

fn spawn(fake: &Arc<Fake>, store: &Store, config: FollowerConfig) -> (Task, CancellationToken) {
    let cancel = CancellationToken::new();
    let source: Arc<dyn MessageSource> = fake.clone();
    let health = Health::new(Duration::from_secs(30));
    let task = tokio::spawn(follow(source, store.clone(), config, health, cancel.clone()));
    (task, cancel)
}

async fn wait_cursor(store: &Store, want: BlockRef) {
    for _ in 0..1_000 {
        if let Ok(Some(c)) = store.cursor(ORIGIN).await
            && c.block == Some(want)
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("cursor never reached {want:?}: {:?}", store.cursor(ORIGIN).await);
}

async fn all_messages(store: &Store) -> Vec<causeway_store::MessageRecord> {
    store.messages(MessageFilter { limit: 1_000, ..MessageFilter::default() }).await.unwrap()
}

#[tokio::test]
async fn ingests_marks_final_and_stops_on_cancel() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let fake = Arc::new(Fake::default());
    fake.extend(50, 0xa, &[(3, 2), (10, 2), (10, 3), (40, 2)]);
    fake.chain().finalized = 30;
    let (task, cancel) = spawn(&fake, &store, config());
    wait_cursor(&store, fake.head()).await;
    cancel.cancel();
    task.await.unwrap().unwrap();

    let stored = all_messages(&store).await;
    assert_eq!(stored.len(), 4);
    assert!(stored.iter().all(|m| m.finalized == (m.block.number <= 30)));
    assert_eq!(store.route_leaves(ORIGIN, 2, 0, None).await.unwrap().len(), 3);
    assert_eq!(store.cursor(ORIGIN).await.unwrap().unwrap().finalized, Some(30));
}

#[tokio::test]
async fn range_shrinks_on_provider_limit_and_grows_back() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let fake = Arc::new(Fake::default());
    fake.extend(300, 0xa, &[(5, 2), (150, 2), (299, 2)]);
    fake.chain().max_range = Some(8);
    let config = FollowerConfig { max_log_range: 64, min_log_range: 2, grow_after: 2, ..config() };
    let (task, cancel) = spawn(&fake, &store, config);
    wait_cursor(&store, fake.head()).await;
    cancel.cancel();
    task.await.unwrap().unwrap();

    let asked: Vec<u64> = fake.chain().asked.iter().map(|(a, b)| b - a + 1).collect();
    assert_eq!(&asked[..4], &[64, 32, 16, 8], "halves down to the provider limit");
    // After two successes at 8 it tries 16 again, fails, and halves back: growth happens.
    let grew = asked.windows(3).any(|w| w == [8, 16, 8]);
    assert!(grew, "range grew back after successes: {asked:?}");
    assert!(asked.iter().all(|r| *r >= 1));
    assert_eq!(all_messages(&store).await.len(), 3);
}

#[tokio::test]
async fn reorg_is_rolled_back_and_reingested() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let fake = Arc::new(Fake::default());
    fake.extend(30, 0xa, &[(5, 2), (20, 2), (25, 2)]);
    fake.chain().finalized = 10;
    let (task, cancel) = spawn(&fake, &store, FollowerConfig { max_log_range: 7, ..config() });
    wait_cursor(&store, fake.head()).await;
    let old = all_messages(&store).await;
    assert_eq!(old.len(), 3);

    fake.truncate(18);
    fake.extend(32, 0xb, &[(22, 2), (31, 3)]);
    wait_cursor(&store, fake.head()).await;
    cancel.cancel();
    task.await.unwrap().unwrap();

    let now = all_messages(&store).await;
    let ids: Vec<B256> = now.iter().map(|m| m.id).collect();
    assert_eq!(now.len(), 3, "{now:?}");
    assert!(ids.contains(&old[0].id), "the message below the fork stays");
    assert!(!ids.contains(&old[1].id) && !ids.contains(&old[2].id), "reorged messages gone");
    let expected: Vec<B256> = fake.chain().messages.iter().map(|m| m.id).collect();
    for id in expected {
        assert!(ids.contains(&id));
    }
    let leaves = store.route_leaves(ORIGIN, 2, 0, None).await.unwrap();
    assert_eq!(leaves.len(), 2);
}

#[tokio::test]
async fn reorg_below_finality_halts_and_deletes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let fake = Arc::new(Fake::default());
    fake.extend(30, 0xa, &[(16, 2), (25, 2)]);
    fake.chain().finalized = 20;
    let (task, _cancel) = spawn(&fake, &store, config());
    wait_cursor(&store, fake.head()).await;
    let before = all_messages(&store).await;
    let cursor_before = store.cursor(ORIGIN).await.unwrap();

    // The chain now disagrees at block 15, below the finalized height 20.
    fake.truncate(14);
    fake.extend(35, 0xc, &[]);
    fake.chain().finalized = 20;
    let err = tokio::time::timeout(Duration::from_secs(10), task).await.unwrap().unwrap();
    let err = err.expect_err("a reorg below finality must stop the follower");
    assert!(err.is_below_finality(), "{err}");
    assert_eq!(all_messages(&store).await, before);
    assert_eq!(store.cursor(ORIGIN).await.unwrap(), cursor_before);
}

#[tokio::test]
async fn cancel_mid_range_keeps_nothing_half_done_and_resumes_from_cursor() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let fake = Arc::new(Fake::default());
    fake.extend(100, 0xa, &[(5, 2), (45, 2), (55, 2), (95, 2)]);
    fake.chain().hang_from = Some(50);
    let config = FollowerConfig { max_log_range: 10, ..config() };
    let (task, cancel) = spawn(&fake, &store, config.clone());
    wait_cursor(&store, BlockRef { number: 49, hash: hash(0xa, 49) }).await;
    // Wait until the follower is stuck inside the hanging call, then cancel.
    while fake.chain().asked.last().map(|a| a.0) != Some(50) {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    cancel.cancel();
    tokio::time::timeout(Duration::from_secs(5), task).await.unwrap().unwrap().unwrap();
    assert_eq!(store.cursor(ORIGIN).await.unwrap().unwrap().block.unwrap().number, 49);
    assert_eq!(all_messages(&store).await.len(), 2);

    {
        let mut c = fake.chain();
        c.hang_from = None;
        c.asked.clear();
    }
    let (task, cancel) = spawn(&fake, &store, config);
    wait_cursor(&store, fake.head()).await;
    cancel.cancel();
    task.await.unwrap().unwrap();
    assert_eq!(fake.chain().asked[0].0, 50, "resumed from the cursor");
    assert_eq!(all_messages(&store).await.len(), 4);
}

#[tokio::test]
async fn a_suggested_range_is_taken_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let fake = Arc::new(Fake::default());
    fake.extend(60, 0xa, &[(3, 2), (40, 2)]);
    {
        let mut c = fake.chain();
        c.max_range = Some(7);
        c.suggest = true;
    }
    let (task, cancel) = spawn(&fake, &store, FollowerConfig { max_log_range: 64, ..config() });
    wait_cursor(&store, fake.head()).await;
    cancel.cancel();
    task.await.unwrap().unwrap();
    let asked = fake.chain().asked.clone();
    assert_eq!(asked[0], (0, 60), "first the whole range");
    assert_eq!(asked[1], (0, 6), "then the provider's 7 blocks, not a halving to 32");
    assert_eq!(all_messages(&store).await.len(), 2);
}

#[tokio::test]
async fn a_chain_gone_for_good_stops_the_follower_with_a_named_error() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let fake = Arc::new(Fake::default());
    fake.extend(5, 0xa, &[(2, 2)]);
    let config = FollowerConfig { give_up_after: Duration::from_millis(100), ..config() };
    let (task, _cancel) = spawn(&fake, &store, config);
    wait_cursor(&store, fake.head()).await;
    // A short outage is retried; one that outlasts `give_up_after` ends the follower.
    fake.chain().down = true;
    let err = tokio::time::timeout(Duration::from_secs(10), task).await.unwrap().unwrap();
    let err = err.expect_err("the follower gave up");
    assert!(matches!(err, FollowError::GaveUp { domain: ORIGIN, .. }), "{err}");
    assert!(err.to_string().contains("connection refused"), "{err}");
    assert_eq!(all_messages(&store).await.len(), 1, "what was stored stays");
}

#[tokio::test]
async fn a_virtual_outbox_origin_is_numbered_per_route_in_chain_order() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let fake = Arc::new(Fake::default());
    fake.chain().virtual_outbox = true;
    fake.extend(6, 0xa, &[(1, 2), (2, 3), (2, 2), (4, 2), (5, 3)]);
    let (task, cancel) = spawn(&fake, &store, FollowerConfig { max_log_range: 3, ..config() });
    wait_cursor(&store, fake.head()).await;
    // More blocks later: numbering continues from what the store holds.
    fake.extend(9, 0xa, &[(8, 2), (9, 3)]);
    wait_cursor(&store, fake.head()).await;
    cancel.cancel();
    task.await.unwrap().unwrap();

    // The same messages folded by the core's virtual outbox, in chain order.
    let mut outbox = causeway_core::VirtualOutbox::new(ORIGIN, causeway_core::Address::ZERO);
    for m in fake.chain().messages.iter() {
        let m = &m.message;
        outbox.append(m.destination, m.sender, m.recipient, m.body.clone()).unwrap();
    }
    let stored = all_messages(&store).await;
    assert_eq!(stored.len(), 7);
    for destination in [2, 3] {
        let route: Vec<_> =
            stored.iter().filter(|r| r.message.destination == destination).collect();
        let nonces: Vec<u32> = route.iter().map(|r| r.message.nonce).collect();
        assert_eq!(nonces, (0..route.len() as u32).collect::<Vec<_>>(), "to {destination}");
        assert!(route.iter().all(|r| r.id == r.message.id()), "ids follow the nonces");
        let leaves = store.route_leaves(ORIGIN, destination, 0, None).await.unwrap();
        let tree = causeway_core::MerkleTree::from_leaves(leaves).unwrap();
        assert_eq!((tree.root(), tree.count()), outbox.state(destination), "to {destination}");
    }
    assert_eq!(store.route_count(ORIGIN, 2).await.unwrap(), 4);
    assert_eq!(store.route_count(ORIGIN, 9).await.unwrap(), 0);
}
