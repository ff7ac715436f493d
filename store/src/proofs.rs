//! Per-route outbox trees (ADR 0003) rebuilt from the stored leaves, serving proofs.
//!
//! A route's tree is built once from its stored leaves (`MerkleTree::from_leaves` on a blocking
//! thread), then kept and extended with the leaves stored since. Before each use the cached tree
//! is checked against the store: a rollback in this process (generation counter) clears the
//! cache, and a changed last leaf (a rollback by another process sharing the database) rebuilds
//! the route. The cache is bounded by route count and by an estimate of bytes, evicting the least
//! recently used route.

use std::collections::HashMap;

use causeway_core::{B256, Domain, MerkleTree, TreeError};
use tokio::sync::Mutex;

use crate::{Store, error::ProofError};

/// Appends above this many leaves run on a blocking thread.
const BLOCKING_APPEND: usize = 4_096;

/// Bytes a tree holds per leaf: the leaf plus, on average, one inner node.
const BYTES_PER_LEAF: u64 = 64;

/// Bounds of the route tree cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TreeCacheConfig {
    /// Most routes kept.
    pub max_routes: usize,
    /// Most bytes kept (estimated as 64 per leaf); one route over it is still served.
    pub max_bytes: u64,
}

impl Default for TreeCacheConfig {
    fn default() -> Self {
        Self { max_routes: 64, max_bytes: 256 * 1024 * 1024 }
    }
}

/// A branch proving one leaf of a route tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteProof {
    /// Leaf index (the message nonce).
    pub leaf_index: u64,
    /// Leaves in the tree the root is of.
    pub count: u64,
    /// The root at `count` leaves.
    pub root: B256,
    /// The 32 sibling hashes, leaf level first.
    pub branch: Vec<B256>,
}

#[derive(Debug)]
struct Entry {
    tree: MerkleTree,
    last_used: u64,
}

#[derive(Debug, Default)]
struct Cache {
    entries: HashMap<(Domain, Domain), Entry>,
    tick: u64,
    generation: u64,
}

/// The cache of route trees over a [`Store`].
#[derive(Debug)]
pub struct RouteTrees {
    store: Store,
    config: TreeCacheConfig,
    cache: Mutex<Cache>,
}

impl RouteTrees {
    /// An empty cache reading leaves from `store`.
    pub fn new(store: Store, config: TreeCacheConfig) -> Self {
        let generation = store.rollback_generation();
        Self { store, config, cache: Mutex::new(Cache { generation, ..Cache::default() }) }
    }

    /// The branch of leaf `leaf_index` against the root at `count` leaves.
    pub async fn proof(
        &self,
        origin: Domain,
        destination: Domain,
        leaf_index: u64,
        count: u64,
    ) -> Result<RouteProof, ProofError> {
        self.with_tree(origin, destination, move |tree| {
            let branch = tree.proof_at(leaf_index, count)?;
            Ok(RouteProof {
                leaf_index,
                count,
                root: tree.root_at(count)?,
                branch: branch.to_vec(),
            })
        })
        .await
    }

    /// The range multiproof of leaves `[start, start + n)` against the root at `count` leaves,
    /// in `MerkleLib.rangeRoot` order.
    pub async fn range_proof(
        &self,
        origin: Domain,
        destination: Domain,
        start: u64,
        n: u64,
        count: u64,
    ) -> Result<Vec<B256>, ProofError> {
        self.with_tree(origin, destination, move |tree| tree.range_proof(start, n, count)).await
    }

    /// The route root at `count` leaves.
    pub async fn root_at(
        &self,
        origin: Domain,
        destination: Domain,
        count: u64,
    ) -> Result<B256, ProofError> {
        self.with_tree(origin, destination, move |tree| tree.root_at(count)).await
    }

    /// Leaves stored for the route.
    pub async fn count(&self, origin: Domain, destination: Domain) -> Result<u64, ProofError> {
        self.with_tree(origin, destination, |tree| Ok(tree.count())).await
    }

    /// Drops every cached route of `origin` (after a rollback done elsewhere).
    pub async fn invalidate(&self, origin: Domain) {
        self.cache.lock().await.entries.retain(|(o, _), _| *o != origin);
    }

    /// Routes currently cached.
    pub async fn cached_routes(&self) -> usize {
        self.cache.lock().await.entries.len()
    }

    async fn with_tree<R>(
        &self,
        origin: Domain,
        destination: Domain,
        f: impl FnOnce(&MerkleTree) -> Result<R, TreeError>,
    ) -> Result<R, ProofError> {
        let mut cache = self.cache.lock().await;
        let generation = self.store.rollback_generation();
        if cache.generation != generation {
            cache.entries.clear();
            cache.generation = generation;
        }
        let key = (origin, destination);
        let cached = cache.entries.remove(&key).map(|e| e.tree);
        let tree = self.sync(origin, destination, cached).await?;
        let result = f(&tree).map_err(|source| ProofError::Tree { origin, destination, source });
        cache.tick += 1;
        let tick = cache.tick;
        cache.entries.insert(key, Entry { tree, last_used: tick });
        self.evict(&mut cache, key);
        result
    }

    /// Brings `cached` (or a new tree) up to the stored leaves of the route.
    async fn sync(
        &self,
        origin: Domain,
        destination: Domain,
        cached: Option<MerkleTree>,
    ) -> Result<MerkleTree, ProofError> {
        let mut tree = match cached {
            Some(tree) if tree.count() > 0 => {
                let last = tree.count() - 1;
                let stored =
                    self.store.route_leaves(origin, destination, last, Some(last + 1)).await?;
                if stored.first().copied() == tree.leaf(last) { tree } else { MerkleTree::new() }
            }
            _ => MerkleTree::new(),
        };
        let new = self.store.route_leaves(origin, destination, tree.count(), None).await?;
        if new.is_empty() {
            return Ok(tree);
        }
        let tree_err = |source| ProofError::Tree { origin, destination, source };
        if tree.count() == 0 {
            return tokio::task::spawn_blocking(move || MerkleTree::from_leaves(new))
                .await
                .map_err(|e| ProofError::Task(e.to_string()))?
                .map_err(tree_err);
        }
        if new.len() > BLOCKING_APPEND {
            return tokio::task::spawn_blocking(move || {
                for leaf in new {
                    tree.insert(leaf)?;
                }
                Ok(tree)
            })
            .await
            .map_err(|e| ProofError::Task(e.to_string()))?
            .map_err(tree_err);
        }
        for leaf in new {
            tree.insert(leaf).map_err(tree_err)?;
        }
        Ok(tree)
    }

    fn evict(&self, cache: &mut Cache, keep: (Domain, Domain)) {
        loop {
            let bytes: u64 = cache.entries.values().map(|e| e.tree.count() * BYTES_PER_LEAF).sum();
            if cache.entries.len() <= self.config.max_routes.max(1)
                && bytes <= self.config.max_bytes
            {
                return;
            }
            let victim = cache
                .entries
                .iter()
                .filter(|(k, _)| **k != keep)
                .min_by_key(|(_, e)| e.last_used)
                .map(|(k, _)| *k);
            match victim {
                Some(k) => {
                    cache.entries.remove(&k);
                }
                None => return,
            }
        }
    }
}
