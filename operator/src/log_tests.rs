use super::*;
use causeway_core::quorum::recover_signer;

fn key(byte: u8) -> OperatorKey {
    OperatorKey::from_bytes(&B256::repeat_byte(byte)).unwrap()
}

fn domain() -> SigningDomain {
    SigningDomain { chain_id: 31337, registry: Address::repeat_byte(0x77) }
}

fn cp(index: u32, root: u8) -> Checkpoint {
    Checkpoint {
        origin: 1,
        outbox: B256::repeat_byte(0xaa),
        root: B256::repeat_byte(root),
        index,
        epoch: 3,
    }
}

async fn open(dir: &tempfile::TempDir) -> SignedLog {
    SignedLog::open(&dir.path().join("operator.db")).await.unwrap()
}

#[tokio::test]
async fn re_signing_the_same_checkpoint_returns_the_stored_signature() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(&dir).await;
    let (k, d) = (key(1), domain());
    let first = log.sign(&k, &d, &cp(4, 0x11)).await.unwrap();
    assert!(first.fresh);
    let again = log.sign(&k, &d, &cp(4, 0x11)).await.unwrap();
    assert!(!again.fresh);
    assert_eq!(again.signature, first.signature);
    assert_eq!(log.sign_once(&k, &d, &cp(4, 0x11)).await.unwrap(), first.signature);
    let digest = cp(4, 0x11).digest(&d);
    assert_eq!(recover_signer(&digest, &first.signature, 0).unwrap(), k.address());
}

#[tokio::test]
async fn a_conflicting_root_is_refused_and_nothing_is_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(&dir).await;
    let (k, d) = (key(1), domain());
    let sig = log.sign_once(&k, &d, &cp(4, 0x11)).await.unwrap();
    let err = log.sign_once(&k, &d, &cp(4, 0x22)).await.unwrap_err();
    match err {
        OperatorError::Conflict { stored_root, requested_root, index, epoch, .. } => {
            assert_eq!(stored_root, B256::repeat_byte(0x11));
            assert_eq!(requested_root, B256::repeat_byte(0x22));
            assert_eq!((index, epoch), (4, 3));
        }
        other => panic!("expected a conflict, got {other}"),
    }
    let stored = log.get(1, B256::repeat_byte(0xaa), 4, 3).await.unwrap().unwrap();
    assert_eq!(stored.checkpoint, cp(4, 0x11));
    assert_eq!(stored.signature, sig);
    assert_eq!(stored.signer, k.address());
    // Other slots (next index, next epoch) are free.
    log.sign_once(&k, &d, &cp(5, 0x22)).await.unwrap();
    log.sign_once(&k, &d, &Checkpoint { epoch: 4, ..cp(4, 0x22) }).await.unwrap();
    assert_eq!(log.latest(1, B256::repeat_byte(0xaa)).await.unwrap().unwrap().checkpoint.index, 5);
    assert_eq!(
        log.at_index(1, B256::repeat_byte(0xaa), 4).await.unwrap().unwrap().checkpoint.epoch,
        4
    );
}

#[tokio::test]
async fn another_key_cannot_reuse_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(&dir).await;
    log.sign_once(&key(1), &domain(), &cp(0, 0x11)).await.unwrap();
    let err = log.sign_once(&key(2), &domain(), &cp(0, 0x11)).await.unwrap_err();
    assert!(matches!(err, OperatorError::KeyMismatch { .. }), "{err}");
}

#[tokio::test]
async fn a_halted_route_is_refused_until_resumed() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(&dir).await;
    let (k, d) = (key(1), domain());
    let outbox = B256::repeat_byte(0xaa);
    log.halt(1, outbox, "reorg below finality at 7").await.unwrap();
    log.halt(1, outbox, "second reason").await.unwrap();
    assert_eq!(log.halted(1, outbox).await.unwrap().as_deref(), Some("reorg below finality at 7"));
    let err = log.sign_once(&k, &d, &cp(0, 0x11)).await.unwrap_err();
    assert!(
        matches!(err, OperatorError::Halted { ref reason, .. } if reason.contains("at 7")),
        "{err}"
    );
    assert!(log.get(1, outbox, 0, 3).await.unwrap().is_none(), "a refused signature is not stored");
    // Another route of the same origin is unaffected.
    log.sign_once(&k, &d, &Checkpoint { outbox: B256::repeat_byte(0xbb), ..cp(0, 0x11) })
        .await
        .unwrap();
    let halted = log.halted_routes().await.unwrap();
    assert_eq!(halted.len(), 1);
    assert_eq!((halted[0].origin, halted[0].outbox), (1, outbox));

    assert!(log.resume(1, outbox).await.unwrap());
    assert!(!log.resume(1, outbox).await.unwrap(), "resuming twice is a no-op");
    assert!(log.halted(1, outbox).await.unwrap().is_none());
    log.sign_once(&k, &d, &cp(0, 0x11)).await.unwrap();
    // A new halt after a resume records the new reason.
    log.halt(1, outbox, "again").await.unwrap();
    assert_eq!(log.halted(1, outbox).await.unwrap().as_deref(), Some("again"));
}

#[tokio::test]
async fn signatures_and_halts_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let (k, d) = (key(1), domain());
    let sig = {
        let log = open(&dir).await;
        log.halt(2, B256::repeat_byte(0xcc), "evidence").await.unwrap();
        log.sign_once(&k, &d, &cp(9, 0x11)).await.unwrap()
    };
    let log = open(&dir).await;
    assert_eq!(log.sign_once(&k, &d, &cp(9, 0x11)).await.unwrap(), sig);
    assert!(matches!(
        log.sign_once(&k, &d, &cp(9, 0x22)).await,
        Err(OperatorError::Conflict { .. })
    ));
    assert_eq!(log.halted(2, B256::repeat_byte(0xcc)).await.unwrap().as_deref(), Some("evidence"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_handles_on_one_file_agree_on_the_slot() {
    for _ in 0..20 {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (open(&dir).await, open(&dir).await);
        let (k, d) = (key(1), domain());
        let (c1, c2) = (cp(1, 0x11), cp(1, 0x22));
        let (ra, rb) = tokio::join!(a.sign_once(&k, &d, &c1), b.sign_once(&k, &d, &c2));
        // Exactly one root wins; the other handle is refused.
        let conflicts =
            [&ra, &rb].iter().filter(|r| matches!(r, Err(OperatorError::Conflict { .. }))).count();
        assert!(ra.is_ok() != rb.is_ok() && conflicts == 1, "{ra:?} {rb:?}");
    }
}

#[tokio::test]
async fn only_sqlite_urls_are_accepted() {
    let err = SignedLog::connect("postgres://x@localhost/db").await.unwrap_err();
    assert!(matches!(err, OperatorError::UnsupportedUrl(_)), "{err}");
}
