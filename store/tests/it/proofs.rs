//! Route trees served from the store against `causeway_core::MerkleTree`.

use causeway_core::{MerkleTree, merkle::range_root};
use causeway_store::{RouteTrees, Store, TreeCacheConfig};

use causeway_store::{
    both,
    testing::{Backend, block, dispatched},
};

async fn proofs_follow_the_store(store: &Store, _: Backend) {
    store.ensure_domain(1, "a").await.unwrap();
    let first: Vec<_> = (0..40).map(|n| dispatched(1, 2, n, u64::from(n) + 1)).collect();
    store.ingest(1, &[], &first, block(40)).await.unwrap();
    let trees =
        RouteTrees::new(store.clone(), TreeCacheConfig { max_routes: 1, max_bytes: 1 << 20 });

    let reference = MerkleTree::from_leaves(first.iter().map(|m| m.id)).unwrap();
    let p = trees.proof(1, 2, 7, 30).await.unwrap();
    assert_eq!(p.root, reference.root_at(30).unwrap());
    assert_eq!(p.branch, reference.proof_at(7, 30).unwrap().to_vec());
    let range = trees.range_proof(1, 2, 3, 5, 40).await.unwrap();
    assert_eq!(range, reference.range_proof(3, 5, 40).unwrap());
    let ids: Vec<_> = first[3..8].iter().map(|m| m.id).collect();
    assert_eq!(range_root(&ids, 3, 40, &range).unwrap(), reference.root());

    // Incremental: new leaves are appended.
    let more: Vec<_> = (40..50).map(|n| dispatched(1, 2, n, u64::from(n) + 1)).collect();
    store.ingest(1, &[], &more, block(50)).await.unwrap();
    let all = MerkleTree::from_leaves(first.iter().chain(&more).map(|m| m.id)).unwrap();
    assert_eq!(trees.count(1, 2).await.unwrap(), 50);
    assert_eq!(trees.root_at(1, 2, 50).await.unwrap(), all.root());

    // Rollback: the cache rebuilds from what is stored.
    store.rollback_from(1, 46).await.unwrap();
    assert_eq!(trees.count(1, 2).await.unwrap(), 45);
    assert_eq!(trees.root_at(1, 2, 45).await.unwrap(), all.root_at(45).unwrap());

    // Bounded: one route at a time with max_routes = 1.
    store.ingest(1, &[], &[dispatched(1, 3, 0, 46)], block(46)).await.unwrap();
    assert_eq!(trees.count(1, 3).await.unwrap(), 1);
    assert_eq!(trees.cached_routes().await, 1);
    assert!(trees.proof(1, 2, 45, 46).await.is_err(), "beyond the stored leaves");
}
both!(proofs_follow_the_store);
