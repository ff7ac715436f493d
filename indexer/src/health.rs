//! What `/ready` needs to know about the followers: which domains are followed, whether a
//! follower halted, and since when its RPC has been failing.
//!
//! The follower reports every round; the API reads a snapshot. A domain whose RPC has failed
//! for longer than `unready_after` makes the indexer not ready (its store no longer follows the
//! chain), as does a halted follower, until the process stops.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use causeway_core::Domain;

/// One followed domain's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainHealth {
    /// Configured name.
    pub name: String,
    /// Why the follower halted, when it did.
    pub halted: Option<String>,
    /// Since when its source calls fail (none while they succeed).
    pub failing_since: Option<Instant>,
    /// The last source error.
    pub last_error: Option<String>,
}

/// Shared follower health. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Health {
    inner: Arc<Mutex<BTreeMap<Domain, DomainHealth>>>,
    unready_after: Duration,
}

impl Health {
    /// Health where an RPC failing longer than `unready_after` makes the indexer not ready.
    pub fn new(unready_after: Duration) -> Self {
        Self { inner: Arc::default(), unready_after }
    }

    fn with<R>(&self, f: impl FnOnce(&mut BTreeMap<Domain, DomainHealth>) -> R) -> R {
        let mut guard = self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut guard)
    }

    /// `domain` is followed from now on.
    pub fn register(&self, domain: Domain, name: &str) {
        self.with(|m| {
            m.insert(
                domain,
                DomainHealth {
                    name: name.to_owned(),
                    halted: None,
                    failing_since: None,
                    last_error: None,
                },
            );
        });
    }

    /// `domain` is no longer followed (removed from the registry).
    pub fn unregister(&self, domain: Domain) {
        self.with(|m| m.remove(&domain));
    }

    /// A round of `domain` reached its source.
    pub fn ok(&self, domain: Domain) {
        self.with(|m| {
            if let Some(h) = m.get_mut(&domain) {
                h.failing_since = None;
                h.last_error = None;
            }
        });
    }

    /// A source call of `domain` failed (the follower retries).
    pub fn failing(&self, domain: Domain, error: &str) {
        self.with(|m| {
            if let Some(h) = m.get_mut(&domain) {
                h.failing_since.get_or_insert_with(Instant::now);
                h.last_error = Some(error.to_owned());
            }
        });
    }

    /// The follower of `domain` halted.
    pub fn halted(&self, domain: Domain, reason: &str) {
        self.with(|m| {
            if let Some(h) = m.get_mut(&domain) {
                h.halted = Some(reason.to_owned());
            }
        });
    }

    /// Every followed domain.
    pub fn domains(&self) -> Vec<Domain> {
        self.with(|m| m.keys().copied().collect())
    }

    /// Why the indexer is not ready, one line per domain; empty when it is.
    pub fn problems(&self) -> Vec<String> {
        let unready_after = self.unready_after;
        self.with(|m| {
            m.iter()
                .filter_map(|(domain, h)| {
                    if let Some(reason) = &h.halted {
                        return Some(format!("{} (domain {domain}) halted: {reason}", h.name));
                    }
                    let since = h.failing_since?;
                    (since.elapsed() >= unready_after).then(|| {
                        format!(
                            "{} (domain {domain}): RPC failing for {} s: {}",
                            h.name,
                            since.elapsed().as_secs(),
                            h.last_error.as_deref().unwrap_or("unknown error")
                        )
                    })
                })
                .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failing_past_the_bound_or_halted_is_a_problem() {
        let h = Health::new(Duration::ZERO);
        h.register(1, "ethereum");
        h.register(2, "l2");
        assert!(h.problems().is_empty());
        h.failing(2, "connection refused");
        assert_eq!(h.problems().len(), 1);
        assert!(h.problems()[0].contains("connection refused"), "{:?}", h.problems());
        h.ok(2);
        assert!(h.problems().is_empty(), "a round that reaches the RPC clears it");
        h.halted(1, "reorg below finality");
        assert!(h.problems()[0].contains("halted"));
        h.unregister(1);
        assert_eq!(h.domains(), vec![2]);

        let patient = Health::new(Duration::from_secs(3600));
        patient.register(1, "ethereum");
        patient.failing(1, "timeout");
        assert!(patient.problems().is_empty(), "a short outage keeps the indexer ready");
    }
}
