//! `Signer`: one task per origin that signs the finalized checkpoint of each watched route.
//!
//! Each round reads the origin's finalized block, checks that the finalized block it saw last
//! round is still on the canonical chain (a different hash at that height is a reorg below
//! finality: every route of the origin is halted and the evidence recorded), then for each
//! route reads the outbox at the finalized block and signs `(origin, outbox, root, count - 1,
//! epoch)` through [`SignedLog::sign`]. Nothing here ever lifts a halt.
//!
//! An origin without an on-chain tree ([`OutboxKind::Virtual`]) is folded by the signer itself:
//! every finalized block from the start block on is read through the source and its messages are
//! appended, in chain order, to a [`VirtualOutbox`] (numbered per route as the indexer numbers
//! them), whose route roots are what gets signed. The operator trusts no one else's numbering.

use std::{collections::BTreeSet, fmt, sync::Arc, time::Duration};

use causeway_core::{
    Address, B256, Checkpoint, Domain, ErrorKind, MessageSource, OperatorKey, OutboxKind,
    SigningDomain, VirtualOutbox,
    chain::{BlockRef, OutboxState},
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
    /// The folded outbox of a virtual-outbox origin.
    folded: Option<Folded>,
    /// First block folded for a virtual-outbox origin.
    start_block: u64,
}

/// A virtual outbox folded from finalized blocks, with the route counts reached at recent
/// blocks (for signing the counts of blocks between rounds).
#[derive(Debug)]
struct Folded {
    outbox: VirtualOutbox,
    /// Next block to read.
    next_block: u64,
    /// Blocks read per `messages` call (shrinks on a provider's range limit).
    range: u64,
    /// Route counts after each block that had messages, for the last [`BACKFILL_BLOCKS`].
    counts: std::collections::BTreeMap<u64, std::collections::BTreeMap<Domain, u64>>,
}

impl Folded {
    /// The count of route `destination` at the end of block `number`.
    fn count_at(&self, number: u64, destination: Domain) -> u64 {
        self.counts
            .range(..=number)
            .next_back()
            .and_then(|(_, c)| c.get(&destination).copied())
            .unwrap_or(0)
    }
}

/// Most blocks folded per `messages` call of a virtual-outbox origin.
const FOLD_RANGE: u64 = 1_000;

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
            folded: None,
            start_block: 0,
        }
    }

    /// For a virtual-outbox origin: fold its messages from block `start` on (the indexer's
    /// `start_block` of the chain, so both number the same messages; 0 unless set).
    pub fn with_start_block(mut self, start: u64) -> Self {
        self.start_block = start;
        self
    }

    /// Reads the finalized blocks not folded yet into the virtual outbox, in chain order. The
    /// outbox's 20-byte base is the low 160 bits of the source's route ids.
    async fn fold(&mut self, finalized: u64) -> Result<(), OperatorError> {
        let origin = self.source.domain();
        let folded = self.folded.get_or_insert_with(|| Folded {
            outbox: VirtualOutbox::new(
                origin,
                Address::from_slice(&self.source.outbox_id(0)[12..]),
            ),
            next_block: self.start_block,
            range: FOLD_RANGE,
            counts: std::collections::BTreeMap::new(),
        });
        while folded.next_block <= finalized {
            let from = folded.next_block;
            let to = finalized.min(from.saturating_add(folded.range - 1));
            let messages = match self.source.messages(from..=to).await {
                Ok(m) => m,
                Err(e) => match e.kind() {
                    ErrorKind::RangeTooLarge { suggested } if folded.range > 1 => {
                        folded.range = suggested
                            .filter(|s| *s > 0 && *s < folded.range)
                            .unwrap_or(folded.range / 2);
                        continue;
                    }
                    _ => return Err(e.into()),
                },
            };
            for m in messages {
                let msg = &m.message;
                folded
                    .outbox
                    .append(msg.destination, msg.sender, msg.recipient, msg.body.clone())
                    .map_err(|e| {
                        OperatorError::Corrupt(format!("folding block {}: {e}", m.block.number))
                    })?;
                folded.counts.insert(m.block.number, folded.outbox.routes().collect());
            }
            folded.next_block = to + 1;
        }
        // Keep the counts of the backfill window, and the last one before it.
        let cutoff = finalized.saturating_sub(BACKFILL_BLOCKS);
        if let Some(&keep) = folded.counts.range(..=cutoff).next_back().map(|(n, _)| n) {
            folded.counts = folded.counts.split_off(&keep);
        }
        Ok(())
    }

    /// The outbox of the route to `destination` at the end of block `number`: read from the
    /// chain, or from the folded virtual outbox.
    async fn outbox_at(
        &self,
        number: u64,
        destination: Domain,
    ) -> Result<OutboxState, OperatorError> {
        let Some(folded) = &self.folded else {
            return Ok(self.source.outbox_at(number, destination).await?);
        };
        let count = folded.count_at(number, destination);
        let root = folded
            .outbox
            .root_at(destination, count)
            .map_err(|e| OperatorError::Corrupt(format!("virtual outbox to {destination}: {e}")))?;
        let block = self.source.finality().block_at(number).await?;
        Ok(OutboxState {
            block,
            destination,
            outbox: self.source.outbox_id(destination),
            root,
            count,
        })
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
        if self.source.outbox_kind() == OutboxKind::Virtual {
            self.fold(finalized.number).await.inspect_err(|_| metrics::error(origin, "chain"))?;
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
        let out = self.outbox_at(finalized.number, destination).await.inspect_err(|_| {
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
                let at = self.outbox_at(number, destination).await.inspect_err(|_| {
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
