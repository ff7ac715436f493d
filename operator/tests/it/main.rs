//! The operator against a real anvil: a `Signer` over an `EvmSource` signs the Mailbox's
//! finalized route outbox, the HTTP server serves it, and the signed log refuses a conflicting
//! root for a served slot.

use std::{sync::Arc, time::Duration};

use alloy::{
    node_bindings::{Anvil, AnvilInstance},
    primitives::{Address, B256, Bytes, U256},
    providers::DynProvider,
    signers::local::PrivateKeySigner,
};
use causeway_adapter_evm::{EvmSource, FinalityRule, Mailbox, connect_http, route_outbox};
use causeway_core::{
    Checkpoint, MessageSource, OperatorKey, SigningDomain, quorum::recover_signer,
};
use causeway_operator::{
    OperatorError, OperatorState, SignedLog, Signer, fixed_epoch, metrics, serve,
};
use eyre::{Result, WrapErr, bail, ensure};
use tokio_util::sync::CancellationToken;

/// An anvil from the project's own toolchain, killed when dropped.
fn anvil(chain_id: u64) -> Result<AnvilInstance> {
    let root = causeway_toolchain::workspace_root()?;
    let toolchain = causeway_toolchain::ensure(&root)?;
    Anvil::at(&toolchain.anvil).chain_id(chain_id).try_spawn().wrap_err("starting anvil")
}

async fn dispatch(mailbox: &Mailbox::MailboxInstance<DynProvider>, n: usize) -> Result<()> {
    for i in 0..n {
        let receipt = mailbox
            .dispatch(2, B256::repeat_byte(0x22), Bytes::from(format!("message {i}").into_bytes()))
            .send()
            .await?
            .get_receipt()
            .await?;
        ensure!(receipt.status(), "dispatch reverted");
    }
    Ok(())
}

/// Polls `url` until it answers a checkpoint with `index`, for up to 30 s.
async fn served_at(
    http: &reqwest::Client,
    url: &str,
    index: u32,
) -> Result<causeway_core::wire::SignatureView> {
    for _ in 0..300 {
        let resp = http.get(url).send().await?;
        if resp.status().is_success() {
            let view: causeway_core::wire::SignatureView = resp.json().await?;
            if view.checkpoint.index == index {
                return Ok(view);
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("{url} never served index {index}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signer_and_server_against_anvil() -> Result<()> {
    let chain = anvil(31337)?;
    let wallet: PrivateKeySigner = chain.keys()[0].clone().into();
    let me = wallet.address();
    let provider = connect_http(chain.endpoint_url(), wallet);
    let mailbox = Mailbox::deploy(provider.clone(), 1, Address::ZERO, me, me).await?;
    dispatch(&mailbox, 3).await?;

    let dir = tempfile::tempdir()?;
    let db = dir.path().join("operator.db");
    let log = SignedLog::open(&db).await?;
    let key = OperatorKey::from_bytes(&B256::repeat_byte(0x42))?;
    let domain = SigningDomain { chain_id: 31337, registry: Address::repeat_byte(0x77) };
    let outbox = route_outbox(*mailbox.address(), 2);
    let source: Arc<dyn MessageSource> = Arc::new(EvmSource::with_rule(
        1,
        provider.clone(),
        *mailbox.address(),
        FinalityRule::Instant,
    ));
    let state = Arc::new(OperatorState::new(key.address()));
    let signer = Signer::new(
        source,
        vec![(2, outbox)],
        key.clone(),
        domain,
        fixed_epoch(1),
        log.clone(),
        state.clone(),
    )
    .with_poll_interval(Duration::from_millis(100));

    let cancel = CancellationToken::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let server = tokio::spawn(serve(
        listener,
        state.clone(),
        log.clone(),
        {
            metrics::describe();
            causeway_indexer::metrics::install()
        },
        None,
        cancel.clone(),
    ));
    let signing = tokio::spawn(signer.run(cancel.clone()));
    let http = reqwest::Client::new();

    // Ready once the first round ran; then the served checkpoint is the Mailbox's.
    let latest = format!("{base}/checkpoints/1/2/latest");
    let view = served_at(&http, &latest, 2).await?;
    assert_eq!(http.get(format!("{base}/ready")).send().await?.status(), 200);
    assert_eq!(http.get(format!("{base}/health")).send().await?.status(), 200);
    let on_chain = mailbox.outboxState(2).call().await?;
    assert_eq!(on_chain.count, U256::from(3));
    assert_eq!(
        view.checkpoint,
        Checkpoint { origin: 1, outbox, root: on_chain.root, index: 2, epoch: 1 }
    );
    assert_eq!(view.signer, key.address());
    assert_eq!(
        recover_signer(&view.checkpoint.digest(&domain), &view.signature, 0)?,
        key.address()
    );
    let by_index: causeway_core::wire::SignatureView =
        http.get(format!("{base}/checkpoints/1/2/2")).send().await?.json().await?;
    assert_eq!(by_index, view);
    assert_eq!(http.get(format!("{base}/checkpoints/1/2/9")).send().await?.status(), 404);
    assert_eq!(http.get(format!("{base}/checkpoints/1/3/latest")).send().await?.status(), 404);
    assert_eq!(http.get(format!("{base}/checkpoints/1/2/nope")).send().await?.status(), 400);

    // More messages: the served index advances to the new finalized count.
    dispatch(&mailbox, 2).await?;
    let advanced = served_at(&http, &latest, 4).await?;
    let on_chain = mailbox.outboxState(2).call().await?;
    assert_eq!(on_chain.count, U256::from(5));
    assert_eq!(advanced.checkpoint.root, on_chain.root);
    assert_eq!(
        recover_signer(&advanced.checkpoint.digest(&domain), &advanced.signature, 0)?,
        key.address()
    );

    let text = http.get(format!("{base}/metrics")).send().await?.text().await?;
    for name in ["causeway_operator_signed_total", "causeway_operator_halted_routes"] {
        assert!(text.contains(name), "{name} missing from /metrics:\n{text}");
    }
    assert!(text.contains("causeway_operator_finalized_block{domain=\"1\"}"), "{text}");

    // A second handle on the same file refuses another root for a served slot.
    let other = SignedLog::open(&db).await?;
    let forged = Checkpoint { root: B256::repeat_byte(0xee), ..view.checkpoint };
    match other.sign_once(&key, &domain, &forged).await {
        Err(OperatorError::Conflict { stored_root, .. }) => {
            assert_eq!(stored_root, view.checkpoint.root)
        }
        other => bail!("expected a conflict, got {other:?}"),
    }
    assert_eq!(other.sign_once(&key, &domain, &view.checkpoint).await?, view.signature);

    cancel.cancel();
    signing.await?;
    server.await??;
    assert_eq!(state.halted_count(), 0, "nothing halted on a healthy chain");
    Ok(())
}
