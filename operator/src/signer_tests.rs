use std::{
    ops::RangeInclusive,
    sync::{Arc, Mutex},
};

use async_trait::async_trait;
use causeway_core::{
    Address, ChainError, FinalityOracle,
    chain::{DispatchedMessage, OutboxState},
    quorum::recover_signer,
};

use super::*;

/// A scripted origin: finalized height, a hash per height, and an outbox per route. Clones
/// share the script (the source hands one out as its finality).
#[derive(Debug, Default, Clone)]
struct Fake(Arc<Script>);

impl std::ops::Deref for Fake {
    type Target = Script;
    fn deref(&self) -> &Script {
        &self.0
    }
}

#[derive(Debug, Default)]
struct Script {
    finalized: Mutex<u64>,
    salt: Mutex<u8>,
    outbox: Mutex<(B256, u64)>,
    /// Outbox (root, count) at earlier heights; heights not listed read the current outbox.
    history: Mutex<std::collections::BTreeMap<u64, (B256, u64)>>,
}

const OUTBOX: B256 = B256::repeat_byte(0xaa);

impl Fake {
    fn hash(&self, n: u64) -> B256 {
        let mut h = B256::repeat_byte(*self.salt.lock().unwrap());
        h[..8].copy_from_slice(&n.to_be_bytes());
        h
    }
    fn set(&self, finalized: u64, root: u8, count: u64) {
        *self.finalized.lock().unwrap() = finalized;
        *self.outbox.lock().unwrap() = (B256::repeat_byte(root), count);
    }
}

#[async_trait]
impl FinalityOracle for Fake {
    async fn head(&self) -> Result<BlockRef, ChainError> {
        self.finalized().await
    }
    async fn finalized(&self) -> Result<BlockRef, ChainError> {
        let n = *self.finalized.lock().unwrap();
        Ok(BlockRef { number: n, hash: self.hash(n) })
    }
    async fn block_at(&self, number: u64) -> Result<BlockRef, ChainError> {
        Ok(BlockRef { number, hash: self.hash(number) })
    }
}

#[async_trait]
impl MessageSource for Fake {
    fn domain(&self) -> Domain {
        1
    }
    fn outbox_kind(&self) -> causeway_core::OutboxKind {
        causeway_core::OutboxKind::OnChain
    }
    fn outbox_id(&self, _destination: Domain) -> B256 {
        OUTBOX
    }
    fn finality(&self) -> Arc<dyn FinalityOracle> {
        Arc::new(self.clone())
    }
    async fn messages(
        &self,
        _range: RangeInclusive<u64>,
    ) -> Result<Vec<DispatchedMessage>, ChainError> {
        Ok(vec![])
    }
    async fn outbox_at(&self, number: u64, destination: Domain) -> Result<OutboxState, ChainError> {
        let current = *self.outbox.lock().unwrap();
        let (root, count) = self.history.lock().unwrap().get(&number).copied().unwrap_or(current);
        Ok(OutboxState {
            block: BlockRef { number, hash: self.hash(number) },
            destination,
            outbox: OUTBOX,
            root,
            count,
        })
    }
}

async fn setup(dir: &tempfile::TempDir) -> (Arc<Fake>, Signer, Arc<OperatorState>, SignedLog) {
    let fake = Arc::new(Fake::default());
    let key = OperatorKey::from_bytes(&B256::repeat_byte(7)).unwrap();
    let state = Arc::new(OperatorState::new(key.address()));
    let log = SignedLog::open(&dir.path().join("op.db")).await.unwrap();
    let signer = Signer::new(
        fake.clone(),
        vec![(2, OUTBOX)],
        key,
        domain(),
        fixed_epoch(5),
        log.clone(),
        state.clone(),
    );
    (fake, signer, state, log)
}

fn domain() -> SigningDomain {
    SigningDomain { chain_id: 1, registry: Address::repeat_byte(1) }
}

#[tokio::test]
async fn signs_the_finalized_outbox_and_becomes_ready() {
    let dir = tempfile::tempdir().unwrap();
    let (fake, mut signer, state, _log) = setup(&dir).await;
    assert!(!state.ready());
    fake.set(10, 0, 0);
    signer.round().await.unwrap();
    assert!(state.ready(), "an empty outbox still completes a round");
    assert!(state.route(1, 2).unwrap().latest.is_none());

    fake.set(11, 0x33, 3);
    signer.round().await.unwrap();
    let (cp, sig) = state.route(1, 2).unwrap().latest.unwrap();
    assert_eq!(
        cp,
        Checkpoint { origin: 1, outbox: OUTBOX, root: B256::repeat_byte(0x33), index: 2, epoch: 5 }
    );
    assert_eq!(recover_signer(&cp.digest(&domain()), &sig, 0).unwrap(), state.signer());
}

#[tokio::test]
async fn a_reorg_below_finality_halts_and_stays_halted() {
    let dir = tempfile::tempdir().unwrap();
    let (fake, mut signer, state, log) = setup(&dir).await;
    fake.set(10, 0x33, 3);
    signer.round().await.unwrap();
    // Block 10, already final, changes hash.
    *fake.salt.lock().unwrap() = 9;
    fake.set(12, 0x44, 5);
    signer.round().await.unwrap();
    let status = state.route(1, 2).unwrap();
    assert!(status.halted.as_deref().unwrap_or("").contains("reorg below finality"), "{status:?}");
    assert_eq!(status.latest.unwrap().0.index, 2, "nothing signed after the reorg");
    assert!(log.halted(1, OUTBOX).await.unwrap().is_some());
    assert_eq!(state.halted_count(), 1);

    // Later rounds on a healthy chain do not resume by themselves.
    fake.set(13, 0x55, 6);
    signer.round().await.unwrap();
    signer.round().await.unwrap();
    assert_eq!(state.route(1, 2).unwrap().latest.unwrap().0.index, 2);

    // A person resumes; the next round signs again.
    assert!(log.resume(1, OUTBOX).await.unwrap());
    signer.round().await.unwrap();
    let status = state.route(1, 2).unwrap();
    assert!(status.halted.is_none());
    assert_eq!(status.latest.unwrap().0.index, 5);
}

#[tokio::test]
async fn a_conflicting_root_at_a_signed_index_halts_the_route() {
    let dir = tempfile::tempdir().unwrap();
    let (fake, mut signer, state, log) = setup(&dir).await;
    fake.set(10, 0x33, 3);
    signer.round().await.unwrap();
    fake.set(11, 0x34, 3);
    signer.round().await.unwrap();
    assert!(state.route(1, 2).unwrap().halted.is_some());
    let stored = log.get(1, OUTBOX, 2, 5).await.unwrap().unwrap();
    assert_eq!(stored.checkpoint.root, B256::repeat_byte(0x33), "nothing overwritten");
}

#[tokio::test]
async fn a_finalized_count_going_back_halts_the_route() {
    let dir = tempfile::tempdir().unwrap();
    let (fake, mut signer, state, _log) = setup(&dir).await;
    fake.set(10, 0x33, 3);
    signer.round().await.unwrap();
    fake.set(11, 0x22, 2);
    signer.round().await.unwrap();
    let reason = state.route(1, 2).unwrap().halted.unwrap();
    assert!(reason.contains("went back"), "{reason}");
}

#[tokio::test]
async fn counts_reached_at_blocks_between_rounds_are_signed_too() {
    let dir = tempfile::tempdir().unwrap();
    let (fake, mut signer, state, log) = setup(&dir).await;
    fake.set(10, 0x20, 1);
    signer.round().await.unwrap();
    // Between rounds: block 11 reaches 2 leaves, 12 adds none, 13 reaches 4; the round runs at 14.
    *fake.history.lock().unwrap() = [
        (11, (B256::repeat_byte(0x21), 2)),
        (12, (B256::repeat_byte(0x21), 2)),
        (13, (B256::repeat_byte(0x23), 4)),
    ]
    .into();
    fake.set(14, 0x24, 5);
    signer.round().await.unwrap();
    let signed = |index| {
        let log = log.clone();
        async move { log.at_index(1, OUTBOX, index).await.unwrap().map(|r| r.checkpoint.root) }
    };
    assert_eq!(signed(0).await, Some(B256::repeat_byte(0x20)));
    assert_eq!(signed(1).await, Some(B256::repeat_byte(0x21)), "block 11");
    assert_eq!(signed(2).await, None, "no block ended with 3 leaves");
    assert_eq!(signed(3).await, Some(B256::repeat_byte(0x23)), "block 13");
    assert_eq!(signed(4).await, Some(B256::repeat_byte(0x24)), "the round's own block");
    assert_eq!(state.route(1, 2).unwrap().latest.unwrap().0.index, 4, "latest is the newest");
}

/// An origin without an on-chain tree: unnumbered messages at blocks, instant finality.
#[derive(Debug, Default, Clone)]
struct Unnumbered(Arc<Mutex<(u64, Vec<DispatchedMessage>)>>);

impl Unnumbered {
    fn send(&self, block: u64, destination: Domain, body: &[u8]) {
        let mut g = self.0.lock().unwrap();
        let message = causeway_core::Message {
            version: causeway_core::MESSAGE_VERSION,
            nonce: 0,
            origin: 7,
            sender: B256::repeat_byte(1),
            destination,
            recipient: B256::repeat_byte(2),
            body: body.to_vec().into(),
        };
        g.1.push(DispatchedMessage {
            id: message.id(),
            message,
            block: BlockRef { number: block, hash: B256::with_last_byte(block as u8) },
            tx_hash: B256::ZERO,
        });
        g.0 = g.0.max(block);
    }
}

#[async_trait]
impl FinalityOracle for Unnumbered {
    async fn head(&self) -> Result<BlockRef, ChainError> {
        self.finalized().await
    }
    async fn finalized(&self) -> Result<BlockRef, ChainError> {
        let n = self.0.lock().unwrap().0;
        self.block_at(n).await
    }
    async fn block_at(&self, number: u64) -> Result<BlockRef, ChainError> {
        Ok(BlockRef { number, hash: B256::with_last_byte(number as u8) })
    }
}

#[async_trait]
impl MessageSource for Unnumbered {
    fn domain(&self) -> Domain {
        7
    }
    fn outbox_kind(&self) -> causeway_core::OutboxKind {
        causeway_core::OutboxKind::Virtual
    }
    fn outbox_id(&self, destination: Domain) -> B256 {
        causeway_core::route_outbox(Address::repeat_byte(0x77), destination)
    }
    fn finality(&self) -> Arc<dyn FinalityOracle> {
        Arc::new(self.clone())
    }
    async fn messages(
        &self,
        range: RangeInclusive<u64>,
    ) -> Result<Vec<DispatchedMessage>, ChainError> {
        // A provider that refuses ranges over 3 blocks, saying so.
        if range.end() - range.start() >= 3 {
            return Err(ChainError::RangeTooLarge {
                context: "messages".into(),
                suggested: Some(3),
                source: None,
            });
        }
        let g = self.0.lock().unwrap();
        Ok(g.1.iter().filter(|m| range.contains(&m.block.number)).cloned().collect())
    }
    async fn outbox_at(&self, _: u64, _: Domain) -> Result<OutboxState, ChainError> {
        Err(ChainError::Permanent { context: "no on-chain outbox".into(), source: None })
    }
}

#[tokio::test]
async fn a_virtual_outbox_origin_is_folded_and_its_routes_signed() {
    let dir = tempfile::tempdir().unwrap();
    let chain = Unnumbered::default();
    chain.send(2, 1, b"a");
    chain.send(4, 9, b"b");
    chain.send(5, 1, b"c");
    chain.send(11, 1, b"d");
    let key = OperatorKey::from_bytes(&B256::repeat_byte(7)).unwrap();
    let state = Arc::new(OperatorState::new(key.address()));
    let log = SignedLog::open(&dir.path().join("op.db")).await.unwrap();
    let routes = vec![(1, chain.outbox_id(1)), (9, chain.outbox_id(9))];
    let mut signer = Signer::new(
        Arc::new(chain.clone()),
        routes,
        key,
        domain(),
        fixed_epoch(5),
        log,
        state.clone(),
    )
    .with_start_block(1);
    signer.round().await.unwrap();

    // The same messages folded by hand, in chain order.
    let mut expected = causeway_core::VirtualOutbox::new(7, Address::repeat_byte(0x77));
    for m in chain.0.lock().unwrap().1.iter() {
        let m = &m.message;
        expected.append(m.destination, m.sender, m.recipient, m.body.clone()).unwrap();
    }
    let (to_1, _) = state.route(7, 1).unwrap().latest.unwrap();
    assert_eq!((to_1.root, to_1.index), (expected.state(1).0, 2), "three messages to 1");
    assert_eq!(to_1.outbox, chain.outbox_id(1));
    let (to_9, _) = state.route(7, 9).unwrap().latest.unwrap();
    assert_eq!((to_9.root, to_9.index), (expected.state(9).0, 0));

    // Later blocks extend it; nothing before is folded twice.
    chain.send(12, 9, b"e");
    signer.round().await.unwrap();
    expected.append(9, B256::repeat_byte(1), B256::repeat_byte(2), b"e".to_vec().into()).unwrap();
    let (to_9, _) = state.route(7, 9).unwrap().latest.unwrap();
    assert_eq!((to_9.root, to_9.index), (expected.state(9).0, 1));
    assert_eq!(state.route(7, 1).unwrap().latest.unwrap().0.index, 2);
}
