//! What the signers share with the HTTP server: the newest signature and status per route.

use std::{
    collections::BTreeMap,
    sync::{PoisonError, RwLock},
};

use causeway_core::{Address, B256, Checkpoint, Domain, SignatureBytes};

/// Status of one route (origin → destination) as the signer last saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteStatus {
    /// Route outbox (ADR 0003).
    pub outbox: B256,
    /// Newest checkpoint signed and its signature.
    pub latest: Option<(Checkpoint, SignatureBytes)>,
    /// Signing rounds completed for this route (one is enough for `/ready`).
    pub rounds: u64,
    /// Why the route is halted, if it is.
    pub halted: Option<String>,
}

/// Shared between every [`crate::Signer`] of one operator and its server.
#[derive(Debug)]
pub struct OperatorState {
    signer: Address,
    routes: RwLock<BTreeMap<(Domain, Domain), RouteStatus>>,
}

impl OperatorState {
    /// State for the operator whose key has address `signer`.
    pub fn new(signer: Address) -> Self {
        Self { signer, routes: RwLock::default() }
    }

    /// The operator's address.
    pub fn signer(&self) -> Address {
        self.signer
    }

    /// Registers a route (origin → destination) before its first round.
    pub fn register(&self, origin: Domain, destination: Domain, outbox: B256) {
        self.write(|routes| {
            routes.entry((origin, destination)).or_insert(RouteStatus {
                outbox,
                latest: None,
                rounds: 0,
                halted: None,
            });
        });
    }

    /// Forgets every route `keep` says no to (its origin or destination left the hub): the
    /// server answers for it as for a route this operator does not sign.
    pub fn retain(&self, keep: impl Fn(Domain, Domain) -> bool) {
        self.write(|routes| routes.retain(|(origin, destination), _| keep(*origin, *destination)));
    }

    /// The status of a route.
    pub fn route(&self, origin: Domain, destination: Domain) -> Option<RouteStatus> {
        self.routes
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&(origin, destination))
            .cloned()
    }

    /// Every route and its status.
    pub fn routes(&self) -> Vec<((Domain, Domain), RouteStatus)> {
        let routes = self.routes.read().unwrap_or_else(PoisonError::into_inner);
        routes.iter().map(|(k, v)| (*k, v.clone())).collect()
    }

    /// Ready once at least one route is registered and every route completed a round.
    pub fn ready(&self) -> bool {
        let routes = self.routes.read().unwrap_or_else(PoisonError::into_inner);
        !routes.is_empty() && routes.values().all(|r| r.rounds > 0)
    }

    /// Number of halted routes.
    pub fn halted_count(&self) -> usize {
        let routes = self.routes.read().unwrap_or_else(PoisonError::into_inner);
        routes.values().filter(|r| r.halted.is_some()).count()
    }

    pub(crate) fn update(
        &self,
        origin: Domain,
        destination: Domain,
        f: impl FnOnce(&mut RouteStatus),
    ) {
        self.write(|routes| {
            if let Some(status) = routes.get_mut(&(origin, destination)) {
                f(status);
            }
        });
    }

    fn write(&self, f: impl FnOnce(&mut BTreeMap<(Domain, Domain), RouteStatus>)) {
        f(&mut self.routes.write().unwrap_or_else(PoisonError::into_inner));
    }
}
