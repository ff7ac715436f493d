//! Starting the roles under one supervisor, each over the chain registry.
//!
//! Every role keeps one task per domain (a follower, a signer, a relayer loop) and reconciles
//! them with the registry whenever it changes ([`Reconciler`]): a domain added gets its task, a
//! domain removed has its task cancelled, a domain rebuilt (new RPC, new addresses) has its task
//! restarted. No role reads the configuration's chains after start-up.

mod indexer;
mod operator;
mod relayer;

use std::collections::BTreeMap;

use eyre::{Result, WrapErr};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use self::{
    indexer::{Indexer, spawn_indexer},
    operator::spawn_operator,
    relayer::{relayer_settings, serve_relayer, spawn_relayer},
};
use crate::{ChainRegistry, Supervisor};

/// Binds `addr`, saying which role wanted it when the port is taken.
pub async fn bind(addr: std::net::SocketAddr, what: &str) -> Result<TcpListener> {
    TcpListener::bind(addr).await.wrap_err_with(|| {
        format!("{what}: cannot listen on {addr} (is another Causeway process using it?)")
    })
}

/// Per-key tasks kept in step with a wanted set: each key runs one task, started with a child
/// token of the supervisor's, under the spec it was started with; a key no longer wanted is
/// cancelled, a key whose spec changed is restarted.
#[derive(Debug)]
pub(crate) struct Reconciler<K, S> {
    running: BTreeMap<K, (S, CancellationToken)>,
}

impl<K: Ord + Clone, S: PartialEq> Reconciler<K, S> {
    pub(crate) fn new() -> Self {
        Self { running: BTreeMap::new() }
    }

    /// Stops what is not in `wanted` (or changed), then starts what is not running.
    pub(crate) fn reconcile(
        &mut self,
        wanted: BTreeMap<K, S>,
        parent: &CancellationToken,
        mut start: impl FnMut(&K, &S, CancellationToken),
        mut stopped: impl FnMut(&K),
    ) {
        let keys: Vec<K> = self.running.keys().cloned().collect();
        for key in keys {
            let keep = matches!(
                (self.running.get(&key), wanted.get(&key)),
                (Some((old, _)), Some(new)) if old == new
            );
            if !keep && let Some((_, token)) = self.running.remove(&key) {
                token.cancel();
                stopped(&key);
            }
        }
        for (key, spec) in wanted {
            if let std::collections::btree_map::Entry::Vacant(slot) = self.running.entry(key) {
                let token = parent.child_token();
                start(slot.key(), &spec, token.clone());
                slot.insert((spec, token));
            }
        }
    }
}

/// Runs `on_change` now and after every change of `registry`, until `sup` is cancelled.
pub(crate) fn on_registry_change(
    registry: &ChainRegistry,
    sup: &Supervisor,
    mut on_change: impl FnMut() + Send + 'static,
) {
    let mut changes = registry.subscribe();
    let cancel = sup.cancel.clone();
    sup.spawn(async move {
        loop {
            changes.borrow_and_update();
            on_change();
            tokio::select! {
                () = cancel.cancelled() => break,
                changed = changes.changed() => if changed.is_err() { break },
            }
        }
    });
}

/// A handle's identity: the same `Arc` means nothing about the chain changed.
pub(crate) fn identity<T>(arc: &std::sync::Arc<T>) -> usize {
    std::sync::Arc::as_ptr(arc) as usize
}
