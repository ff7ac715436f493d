//! The HTTP API on 127.0.0.1:0 queried over HTTP.

use std::sync::Arc;

use causeway_core::{Address, B256, Checkpoint, MerkleTree, branch_root};
use causeway_indexer::{ApiState, metrics, serve};
use causeway_store::{DeliveryRecord, OperatorRecord, RouteTrees, TreeCacheConfig};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use causeway_store::testing::{Backend, TestDb, block, dispatched, hash};

async fn start(state: ApiState) -> (String, CancellationToken) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let cancel = CancellationToken::new();
    tokio::spawn(serve(listener, state, cancel.clone()));
    (url, cancel)
}

async fn get(url: &str) -> (u16, Value) {
    let r = reqwest::get(url).await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_serves_messages_proofs_and_operations_endpoints() {
    let db = TestDb::new(Backend::Sqlite).await;
    let store = db.store.clone();
    store.ensure_domain(1, "alpha").await.unwrap();
    let messages: Vec<_> = (0..5).map(|n| dispatched(1, 2, n, u64::from(n) + 1)).collect();
    store.ingest(1, &[], &messages, block(5)).await.unwrap();
    store.mark_finalized(1, 5).await.unwrap();
    let tree = MerkleTree::from_leaves(messages.iter().map(|m| m.id)).unwrap();
    let mut outbox = [0u8; 32];
    outbox[8..12].copy_from_slice(&2u32.to_be_bytes());
    let cp = Checkpoint {
        origin: 1,
        outbox: B256::from(outbox),
        root: tree.root_at(4).unwrap(),
        index: 3,
        epoch: 1,
    };
    store.record_checkpoint(&cp, &[]).await.unwrap();
    let delivery = DeliveryRecord {
        message_id: messages[1].id,
        destination: 2,
        tx_hash: hash(0xde, 1),
        block_number: 9,
        block_hash: hash(0xbb, 9),
        gas_used: 60_000,
        fee: 60_000,
        latency_ms: 900,
        delivered_at: 1,
    };
    store.record_delivery(&delivery).await.unwrap();
    store
        .upsert_operator(&OperatorRecord {
            address: Address::repeat_byte(1),
            signing_key: Address::repeat_byte(2),
            url: "http://127.0.0.1:9000".into(),
            stake: 10u128.pow(24),
            status: "active".into(),
        })
        .await
        .unwrap();

    let handle = metrics::install();
    let _registered = metrics::DomainMetrics::new(1);
    let trees = Arc::new(RouteTrees::new(store.clone(), TreeCacheConfig::default()));
    let health = causeway_indexer::Health::new(std::time::Duration::from_secs(30));
    health.register(1, "alpha");
    let state = ApiState { store: store.clone(), trees, metrics: handle, health };
    let (url, cancel) = start(state.clone()).await;

    let (status, body) = get(&format!("{url}/health")).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("ok")));
    let (status, _) = get(&format!("{url}/ready")).await;
    assert_eq!(status, 200);

    // A message covered by the checkpoint (index 3): proof against its root.
    let id = messages[1].id;
    let (status, m) = get(&format!("{url}/messages/{id}")).await;
    assert_eq!(status, 200, "{m}");
    assert_eq!(m["id"], id.to_string());
    assert_eq!(m["status"], "delivered");
    assert_eq!(
        (m["origin"].as_u64(), m["destination"].as_u64(), m["nonce"].as_u64()),
        (Some(1), Some(2), Some(1))
    );
    assert_eq!(m["block_number"], 2);
    assert_eq!(m["delivery"]["tx_hash"], delivery.tx_hash.to_string());
    let proof = &m["proof"];
    assert_eq!(proof["count"], 4);
    assert_eq!(proof["root"], cp.root.to_string());
    assert_eq!(proof["root_matches_checkpoint"], true);
    assert_eq!(proof["checkpoint"]["index"], 3);
    let branch: Vec<B256> = proof["branch"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(branch.len(), 32);
    assert_eq!(branch_root(id, &branch.try_into().unwrap(), 1), cp.root);

    // Not covered by any checkpoint: proof against all stored leaves.
    let (_, m) = get(&format!("{url}/messages/{}", messages[4].id)).await;
    assert_eq!(m["proof"]["count"], 5);
    assert!(m["proof"]["checkpoint"].is_null());
    assert_eq!(m["proof"]["root"], tree.root().to_string());

    let (status, e) = get(&format!("{url}/messages/0x1234")).await;
    assert_eq!(status, 400);
    assert!(e["error"].as_str().unwrap().contains("64 hex digits"), "{e}");
    let (status, _) = get(&format!("{url}/messages/{}", "zz".repeat(32))).await;
    assert_eq!(status, 400);
    let (status, e) = get(&format!("{url}/messages/{}", B256::repeat_byte(7))).await;
    assert_eq!(status, 404);
    assert!(e["error"].as_str().unwrap().contains("not indexed"));

    let (status, list) =
        get(&format!("{url}/messages?status=pending&origin=1&destination=2&limit=2")).await;
    assert_eq!(status, 200);
    let nonces: Vec<u64> =
        list.as_array().unwrap().iter().map(|m| m["nonce"].as_u64().unwrap()).collect();
    assert_eq!(nonces, vec![0, 2]);
    let (status, e) = get(&format!("{url}/messages?status=lost")).await;
    assert_eq!(status, 400);
    assert!(e["error"].as_str().unwrap().contains("expected pending"));

    let (_, cps) = get(&format!("{url}/checkpoints?origin=1")).await;
    assert_eq!(cps[0]["root"], cp.root.to_string());
    assert_eq!(cps[0]["destination"], 2);
    let (_, cps) = get(&format!("{url}/checkpoints?origin=7")).await;
    assert_eq!(cps.as_array().unwrap().len(), 0);
    let (_, ops) = get(&format!("{url}/operators")).await;
    assert_eq!(ops[0]["stake"], "1000000000000000000000000");
    let (_, ds) = get(&format!("{url}/deliveries?limit=5")).await;
    assert_eq!(ds[0]["message_id"], delivery.message_id.to_string());

    let text = reqwest::get(format!("{url}/metrics")).await.unwrap().text().await.unwrap();
    for name in [metrics::HEAD, metrics::FINALIZED, metrics::INDEXED, metrics::MESSAGES] {
        assert!(text.contains(name), "/metrics lacks {name}:\n{text}");
    }

    let (_, doc) = get(&format!("{url}/openapi.json")).await;
    let paths = doc["paths"].as_object().unwrap();
    for route in [
        "/messages/{id}",
        "/messages",
        "/checkpoints",
        "/operators",
        "/deliveries",
        "/health",
        "/ready",
        "/metrics",
        "/openapi.json",
    ] {
        assert!(paths.contains_key(route), "OpenAPI lacks {route}");
    }
    assert!(doc["components"]["schemas"]["MessageView"].is_object());

    // /ready is 503 while a configured domain has no cursor.
    let health = causeway_indexer::Health::new(std::time::Duration::ZERO);
    health.register(1, "alpha");
    health.register(99, "omega");
    let (url2, cancel2) = start(ApiState { health: health.clone(), ..state }).await;
    let (status, body) = get(&format!("{url2}/ready")).await;
    assert_eq!(status, 503);
    assert_eq!(body["missing_domains"], serde_json::json!([99]));
    // ... and while a follower's RPC fails (here past a zero bound), with the reason.
    health.unregister(99);
    assert_eq!(get(&format!("{url2}/ready")).await.0, 200);
    health.failing(1, "connection refused");
    let (status, body) = get(&format!("{url2}/ready")).await;
    assert_eq!(status, 503);
    assert!(body["error"].as_str().unwrap().contains("connection refused"), "{body}");
    cancel.cancel();
    cancel2.cancel();
}
