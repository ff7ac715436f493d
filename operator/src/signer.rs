//! `Signer`: one task per origin that signs the finalized checkpoint of each watched route.
//!
//! Each round reads the origin's finalized block, checks that the finalized block it saw last
//! round is still on the canonical chain (a different hash at that height is a reorg below
//! finality: every route of the origin is halted and the evidence recorded), then for each
//! route reads the outbox at the finalized block and signs `(origin, outbox, root, count - 1,
//! epoch)` through [`SignedLog::sign`]. Nothing here ever lifts a halt.

use std::{collections::BTreeSet, fmt, sync::Arc, time::Duration};

use causeway_core::{
    B256, Checkpoint, Domain, MessageSource, OperatorKey, SigningDomain, chain::BlockRef,
};
use tokio_util::sync::CancellationToken;

use crate::{error::OperatorError, log::SignedLog, metrics, state::OperatorState};

/// The epoch to sign under, asked once per round.
pub type EpochFn = Arc<dyn Fn() -> u64 + Send + Sync>;

/// An [`EpochFn`] that always answers `epoch`.
pub fn fixed_epoch(epoch: u64) -> EpochFn {
    Arc::new(move || epoch)
}

/// Signs the finalized checkpoints of one origin's routes. See the module docs.
pub struct Signer {
    source: Arc<dyn MessageSource>,
    routes: Vec<(Domain, B256)>,
    key: OperatorKey,
    domain: SigningDomain,
    epoch: EpochFn,
    log: SignedLog,
    state: Arc<OperatorState>,
    poll: Duration,
    last_final: Option<BlockRef>,
    /// Halts the store could not persist yet: kept here so the route stays halted.
    unpersisted: BTreeSet<B256>,
    /// Per route outbox: the block and count of the last checkpoint signed at a round's end.
    signed_through: std::collections::HashMap<B256, (u64, u64)>,
}

/// Most earlier blocks of one round whose outbox counts are also signed.
const BACKFILL_BLOCKS: u64 = 32;

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("origin", &self.source.domain())
            .field("routes", &self.routes)
            .field("signer", &self.key.address())
            .field("poll", &self.poll)
            .field("last_final", &self.last_final)
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// A signer for `source`'s routes, each `(destination, route outbox)`. Registers the routes
    /// in `state` (shared with the server and other signers of the same key). Polls every
    /// second unless [`Self::with_poll_interval`] says otherwise.
    pub fn new(
        source: Arc<dyn MessageSource>,
        routes: Vec<(Domain, B256)>,
        key: OperatorKey,
        domain: SigningDomain,
        epoch: EpochFn,
        log: SignedLog,
        state: Arc<OperatorState>,
    ) -> Self {
        let origin = source.domain();
        for (destination, outbox) in &routes {
            state.register(origin, *destination, *outbox);
        }
        Self {
            source,
            routes,
            key,
            domain,
            epoch,
            log,
            state,
            poll: Duration::from_secs(1),
            last_final: None,
            unpersisted: BTreeSet::new(),
            signed_through: std::collections::HashMap::new(),
        }
    }

    /// Sets the time between rounds.
    pub fn with_poll_interval(mut self, poll: Duration) -> Self {
        self.poll = poll;
        self
    }

    /// Runs rounds until `cancel` fires. Errors of a round are logged and counted; the next
    /// round retries.
    pub async fn run(mut self, cancel: CancellationToken) {
        let origin = self.source.domain();
        tracing::info!(target: "causeway::operator::signer", origin, routes = self.routes.len(), "signer started");
        loop {
            if let Err(e) = self.round().await {
                tracing::warn!(target: "causeway::operator::signer", origin, error = %e, "signing round failed");
            }
            tokio::select! {
                () = cancel.cancelled() => break,
                () = tokio::time::sleep(self.poll) => {}
            }
        }
        tracing::info!(target: "causeway::operator::signer", origin, "signer stopped");
    }

    /// One round over every route. Returns an error only when the origin could not be read at
    /// all; per-route failures are logged, counted and leave that route for the next round.
    pub async fn round(&mut self) -> Result<(), OperatorError> {
        let origin = self.source.domain();
        let chain = self.source.finality();
        let finalized = chain.finalized().await.inspect_err(|_| {
            metrics::error(origin, "chain");
        })?;
        metrics::finalized(origin, finalized.number);
        if let Some(prev) = self.last_final {
            let now = chain.block_at(prev.number).await.inspect_err(|_| {
                metrics::error(origin, "chain");
            })?;
            if now.hash != prev.hash {
                let reason = format!(
                    "reorg below finality on domain {origin}: finalized block {} was {} and is \
                     now {} (newest finalized {} {})",
                    prev.number, prev.hash, now.hash, finalized.number, finalized.hash
                );
                for (destination, outbox) in self.routes.clone() {
                    self.halt(destination, outbox, &reason).await;
                }
            }
        }
        if self.last_final.is_none_or(|prev| finalized.number >= prev.number) {
            self.last_final = Some(finalized);
        }
        for (destination, outbox) in self.routes.clone() {
            if let Err(e) = self.sign_route(finalized, destination, outbox).await {
                tracing::warn!(target: "causeway::operator::signer", origin, destination, error = %e, "route not signed this round");
            }
        }
        metrics::halted(self.state.halted_count());
        Ok(())
    }

    async fn sign_route(
        &mut self,
        finalized: BlockRef,
        destination: Domain,
        outbox: B256,
    ) -> Result<(), OperatorError> {
        let origin = self.source.domain();
        let done = |state: &OperatorState, halted: Option<String>| {
            state.update(origin, destination, |s| {
                s.rounds = s.rounds.saturating_add(1);
                if halted.is_some() {
                    s.halted = halted;
                }
            });
        };
        if self.unpersisted.contains(&outbox) {
            let reason = self.state.route(origin, destination).and_then(|s| s.halted);
            let reason = reason.unwrap_or_else(|| "halt not yet persisted".to_owned());
            self.halt(destination, outbox, &reason).await;
            done(&self.state, None);
            return Ok(());
        }
        if let Some(reason) = self.log.halted(origin, outbox).await.inspect_err(|_| {
            metrics::error(origin, "store");
        })? {
            done(&self.state, Some(reason));
            return Ok(());
        }
        // A halt lifted by a person since the last round.
        self.state.update(origin, destination, |s| s.halted = None);
        let out = self.source.outbox_at(finalized.number, destination).await.inspect_err(|_| {
            metrics::error(origin, "chain");
        })?;
        if out.outbox != outbox {
            metrics::error(origin, "config");
            return Err(OperatorError::Corrupt(format!(
                "origin {origin} reports outbox {} for destination {destination}, configured {outbox}",
                out.outbox
            )));
        }
        let Some(last) = out.count.checked_sub(1) else {
            done(&self.state, None);
            return Ok(());
        };
        let index = u32::try_from(last)
            .map_err(|_| OperatorError::OutOfRange { what: "outbox count", value: out.count })?;
        let epoch = (self.epoch)();
        if let Some((prev, _)) = self.state.route(origin, destination).and_then(|s| s.latest)
            && prev.epoch == epoch
            && prev.index > index
        {
            let reason = format!(
                "finalized outbox of domain {origin} to {destination} went back from index {} \
                 to {index} at block {} {}",
                prev.index, finalized.number, finalized.hash
            );
            self.halt(destination, outbox, &reason).await;
            done(&self.state, None);
            return Ok(());
        }
        // Counts the outbox reached at blocks since the last round, so that operators polling at
        // different moments still sign common checkpoints a relayer can gather a quorum on.
        if let Some(&(prev_block, prev_count)) = self.signed_through.get(&outbox)
            && out.count > prev_count
            && finalized.number > prev_block + 1
        {
            let from = (prev_block + 1).max(finalized.number.saturating_sub(BACKFILL_BLOCKS - 1));
            let mut count = prev_count;
            for number in from..finalized.number {
                let at = self.source.outbox_at(number, destination).await.inspect_err(|_| {
                    metrics::error(origin, "chain");
                })?;
                if at.count <= count || at.outbox != outbox {
                    continue;
                }
                count = at.count;
                let index = u32::try_from(at.count - 1).map_err(|_| OperatorError::OutOfRange {
                    what: "outbox count",
                    value: at.count,
                })?;
                let cp = Checkpoint { origin, outbox, root: at.root, index, epoch };
                if !self.sign_checkpoint(destination, outbox, cp, number).await? {
                    return Ok(());
                }
            }
        }
        let cp = Checkpoint { origin, outbox, root: out.root, index, epoch };
        if self.sign_checkpoint(destination, outbox, cp, finalized.number).await? {
            self.signed_through.insert(outbox, (finalized.number, out.count));
        }
        Ok(())
    }

    /// Signs `cp` through the log. `Ok(false)` when the route is (now) halted.
    async fn sign_checkpoint(
        &mut self,
        destination: Domain,
        outbox: B256,
        cp: Checkpoint,
        block: u64,
    ) -> Result<bool, OperatorError> {
        let origin = cp.origin;
        let done = |state: &OperatorState, halted: Option<String>| {
            state.update(origin, destination, |s| {
                s.rounds = s.rounds.saturating_add(1);
                if halted.is_some() {
                    s.halted = halted;
                }
            });
        };
        match self.log.sign(&self.key, &self.domain, &cp).await {
            Ok(signed) => {
                if signed.fresh {
                    metrics::signed(origin, destination);
                    tracing::debug!(target: "causeway::operator::signer", origin, destination, index = cp.index, root = %cp.root, block, "checkpoint signed");
                }
                self.state.update(origin, destination, |s| {
                    s.latest = Some((cp, signed.signature));
                });
                done(&self.state, None);
                Ok(true)
            }
            Err(OperatorError::Halted { reason, .. }) => {
                done(&self.state, Some(reason));
                Ok(false)
            }
            Err(e @ OperatorError::Conflict { .. }) => {
                metrics::error(origin, "conflict");
                self.halt(destination, outbox, &e.to_string()).await;
                done(&self.state, None);
                Err(e)
            }
            Err(e) => {
                metrics::error(origin, "store");
                Err(e)
            }
        }
    }

    /// Persists a halt and shows it in the state. If the store cannot be written the route is
    /// still halted in memory for this process's life.
    async fn halt(&mut self, destination: Domain, outbox: B256, reason: &str) {
        let origin = self.source.domain();
        if let Err(e) = self.log.halt(origin, outbox, reason).await {
            metrics::error(origin, "store");
            tracing::error!(target: "causeway::operator::signer", origin, destination, error = %e, "could not persist halt");
            self.unpersisted.insert(outbox);
        } else {
            self.unpersisted.remove(&outbox);
        }
        let reason = self
            .log
            .halted(origin, outbox)
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| reason.to_owned());
        self.state.update(origin, destination, |s| s.halted = Some(reason));
    }
}

#[cfg(test)]
#[path = "signer_tests.rs"]
mod tests;
