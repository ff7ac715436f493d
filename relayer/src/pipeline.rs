//! `Relayer`: the delivery loop of one destination.
//!
//! Each tick:
//! 1. takes the final, due, pending messages for the destination from the store, per origin in
//!    nonce order;
//! 2. gets a quorum-signed checkpoint of the route covering them (cached while it covers what is
//!    pending, otherwise collected from the operators); messages past it wait, uncounted;
//! 3. checks that the store's leaves give the signed root (otherwise sends nothing);
//! 4. reads each message's `delivered` bit on the destination; delivered ones are recorded as
//!    such and never sent;
//! 5. delivers runs of consecutive nonces, at most `batch_size` (and the sink's `max_batch`) at
//!    a time, through [`MessageSink::deliver`] (the sink decides how the checkpoint travels).
//!    A batch the chain refuses is retried message by message at once, so one bad message never
//!    holds back the others; a message that fails is given its next attempt time (bounded
//!    exponential backoff) and, after `max_attempts`, the final `failed` state, unless its
//!    failure clears by itself ([`causeway_core::ErrorKind::clears_by_itself`]);
//! 6. prepare → submit → confirm: a delivered batch is `submitted` with its destination block
//!    until that block is final on the destination ([`FinalityOracle`]), then `delivered`. When
//!    the destination's canonical block at that height is another one (a reorg dropped it) and
//!    the message is not delivered there, it is `pending` again and delivered again, once.
//!
//! Cancellation is checked between batches: a batch in flight finishes and is recorded, so
//! stopping loses nothing, and a crash at any point is repaired by step 4 on restart.

use std::{
    collections::{BTreeMap, BTreeSet, HashMap, HashSet},
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use causeway_core::{
    B256, ChainError, Domain, FinalityOracle, MessageSink,
    chain::{BlockRef, DeliveryBatch, SignedCheckpoint},
};
use causeway_store::{DeliveryRecord, MessageRecord, RouteTrees, Store};
use futures_util::StreamExt;
use tokio_util::sync::CancellationToken;

use crate::{Collected, QuorumCollector, RelayError, RetryPolicy, metrics};

/// How a [`Relayer`] works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RelayerSettings {
    /// Most messages per `processBatch`.
    pub batch_size: usize,
    /// Backoff and the final failed state.
    pub retry: RetryPolicy,
    /// Wait between ticks when there was nothing to do.
    pub poll_interval: Duration,
    /// Most pending messages read per tick.
    pub fetch_limit: u64,
    /// `delivered` reads in flight at once.
    pub delivered_checks: usize,
}

impl Default for RelayerSettings {
    fn default() -> Self {
        Self {
            batch_size: 128,
            retry: RetryPolicy::default(),
            poll_interval: Duration::from_millis(500),
            fetch_limit: 2_048,
            delivered_checks: 32,
        }
    }
}

/// What one tick did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TickReport {
    /// Due pending messages read.
    pub pending: usize,
    /// Delivered by this relayer.
    pub delivered: usize,
    /// Found delivered already (before a restart, or by another relayer).
    pub found_delivered: usize,
    /// Waiting for a quorum that covers them.
    pub waiting_for_quorum: usize,
    /// Failed attempts recorded.
    pub failed_attempts: usize,
    /// Messages that reached the final failed state.
    pub failed_final: usize,
    /// Checkpoints verified on the destination by this relayer's deliveries.
    pub checkpoints_submitted: usize,
    /// Execution units (EVM gas) of every transaction sent.
    pub gas_used: u64,
    /// Submitted deliveries whose block became final.
    pub confirmed: usize,
    /// Submitted deliveries a destination reorg dropped, put back to pending.
    pub reverted: usize,
    /// Route-level problems (no quorum, checkpoint refused, store behind), one line each.
    pub problems: Vec<String>,
}

impl TickReport {
    /// Whether the tick changed anything on a chain or in the store.
    pub fn progressed(&self) -> bool {
        self.delivered
            + self.found_delivered
            + self.failed_attempts
            + self.checkpoints_submitted
            + self.reverted
            > 0
    }
}

/// The delivery loop of one destination. See the module docs.
#[derive(Debug)]
pub struct Relayer {
    destination: Domain,
    store: Store,
    trees: Arc<RouteTrees>,
    sink: Arc<dyn MessageSink>,
    finality: Arc<dyn FinalityOracle>,
    quorum: QuorumCollector,
    settings: RelayerSettings,
    /// The newest quorum per origin, reused while it covers the pending messages.
    checkpoints: HashMap<Domain, SignedCheckpoint>,
    /// Checkpoints recorded in the store by this relayer.
    recorded: HashSet<(Domain, B256)>,
    /// Origins served to this destination; `None` serves every origin.
    origins: Option<tokio::sync::watch::Receiver<BTreeSet<Domain>>>,
}

/// A failure clears by itself (connection, rate limit, a bridge's refilling bucket): the
/// message is retried with backoff but never reaches the failed state for it.
fn is_transient(e: &ChainError) -> bool {
    e.kind().clears_by_itself()
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

impl Relayer {
    /// A relayer delivering to `sink`'s domain the messages in `store`, with proofs from
    /// `trees` and quorums from `quorum`; `finality` is the destination's, for confirming
    /// deliveries.
    pub fn new(
        store: Store,
        trees: Arc<RouteTrees>,
        sink: Arc<dyn MessageSink>,
        finality: Arc<dyn FinalityOracle>,
        quorum: QuorumCollector,
        settings: RelayerSettings,
    ) -> Self {
        Self {
            destination: sink.domain(),
            store,
            trees,
            sink,
            finality,
            quorum,
            settings,
            checkpoints: HashMap::new(),
            recorded: HashSet::new(),
            origins: None,
        }
    }

    /// Delivers only messages from the origins in `origins` (changed while running: a removed
    /// origin's messages stay pending, untouched).
    pub fn with_origins(mut self, origins: tokio::sync::watch::Receiver<BTreeSet<Domain>>) -> Self {
        self.origins = Some(origins);
        self
    }

    /// The destination domain.
    pub fn destination(&self) -> Domain {
        self.destination
    }

    /// Ticks until `cancel` fires; a tick in progress finishes its current batch first.
    pub async fn run(mut self, cancel: CancellationToken) {
        let destination = self.destination;
        tracing::info!(target: "causeway::relayer", destination, "relayer started");
        while !cancel.is_cancelled() {
            let busy = match self.tick(&cancel).await {
                Ok(report) => {
                    for problem in &report.problems {
                        tracing::warn!(target: "causeway::relayer", destination, %problem, "route not relayed this tick");
                    }
                    report.progressed()
                }
                Err(e) => {
                    tracing::warn!(target: "causeway::relayer", destination, error = %e, "relayer tick failed");
                    false
                }
            };
            if !busy {
                tokio::select! {
                    () = cancel.cancelled() => break,
                    () = tokio::time::sleep(self.settings.poll_interval) => {}
                }
            }
        }
        tracing::info!(target: "causeway::relayer", destination, "relayer stopped");
    }

    /// One pass over the due pending messages. Route-level problems are in the report; an
    /// error means the store could not be read.
    pub async fn tick(&mut self, cancel: &CancellationToken) -> Result<TickReport, RelayError> {
        let mut report = TickReport::default();
        if let Err(e) = self.confirm(&mut report).await {
            report.problems.push(format!("confirming deliveries on {}: {e}", self.destination));
        }
        let served = self.origins.as_ref().map(|rx| rx.borrow().clone());
        let limit = self.settings.fetch_limit;
        let pending = match &served {
            Some(origins) => self.store.pending_from(self.destination, origins, limit).await?,
            None => self.store.pending(self.destination, limit).await?,
        };
        report.pending = pending.len();
        let mut by_origin: BTreeMap<Domain, Vec<MessageRecord>> = BTreeMap::new();
        for record in pending {
            by_origin.entry(record.message.origin).or_default().push(record);
        }
        for (origin, records) in by_origin {
            if cancel.is_cancelled() {
                break;
            }
            if let Err(e) = self.relay_origin(origin, records, &mut report, cancel).await {
                report.problems.push(format!("route {origin} -> {}: {e}", self.destination));
            }
        }
        if report.delivered > 0
            && let Err(e) = self.confirm(&mut report).await
        {
            report.problems.push(format!("confirming deliveries on {}: {e}", self.destination));
        }
        Ok(report)
    }

    /// Step 6: submitted deliveries whose block is final become `delivered`; those whose block
    /// a reorg replaced, and that the destination does not have, are `pending` again.
    async fn confirm(&self, report: &mut TickReport) -> Result<(), RelayError> {
        let submitted = self.store.submitted(self.destination, self.settings.fetch_limit).await?;
        if submitted.is_empty() {
            return Ok(());
        }
        let finalized = self.finality.finalized().await?;
        // The canonical block at every submitted height, read concurrently (a backlog's batches
        // sit in many blocks).
        let heights: BTreeSet<u64> =
            submitted.iter().filter_map(|r| r.block.map(|b| b.number)).collect();
        let finality = &self.finality;
        let looked_up: Vec<(u64, Result<BlockRef, ChainError>)> =
            futures_util::stream::iter(heights)
                .map(|n| async move { (n, finality.block_at(n).await) })
                .buffer_unordered(self.settings.delivered_checks.max(1))
                .collect()
                .await;
        let mut canonical: HashMap<u64, BlockRef> = HashMap::new();
        for (n, found) in looked_up {
            let block = match found {
                Ok(b) => b,
                // Past the head after a deep reorg: not canonical any more.
                Err(e) if e.is_retryable() && n > finalized.number => {
                    BlockRef { number: n, hash: B256::ZERO }
                }
                Err(e) => return Err(e.into()),
            };
            canonical.insert(n, block);
        }
        let mut confirmed = Vec::new();
        for record in submitted {
            let Some(block) = record.block else {
                // Submitted by a version that kept no block: trust the destination's bit.
                confirmed.push(record.id);
                continue;
            };
            let now = canonical.get(&block.number).map_or(B256::ZERO, |b| b.hash);
            if now == block.hash {
                if block.number <= finalized.number {
                    confirmed.push(record.id);
                }
                continue;
            }
            // The block that included the delivery is gone. The same transaction may have been
            // included again elsewhere; only the destination's own bit says.
            let (origin, nonce) = (record.origin, record.nonce);
            if self.sink.is_delivered(origin, nonce, record.id).await? {
                // Included again in another block: the recorded delivery (dropped block) goes,
                // the message is delivered by a transaction this relayer does not know.
                self.store.revert_submission(record.id, "delivery block reorged out").await?;
                self.store.mark_found_delivered(record.id).await?;
                report.found_delivered += 1;
                continue;
            }
            let reason = format!(
                "delivery in block {} {} dropped by a reorg on domain {}; delivering again",
                block.number, block.hash, self.destination
            );
            tracing::warn!(target: "causeway::relayer", id = %record.id, destination = self.destination, block = block.number, "delivery dropped by a destination reorg");
            // Before the message is due again: the sink must not send on from its assumptions
            // about the dropped transactions (its next nonce among them).
            self.sink.reorged().await;
            self.store.revert_submission(record.id, &reason).await?;
            report.reverted += 1;
            ::metrics::counter!(metrics::REORGED).increment(1);
        }
        report.confirmed += confirmed.len();
        self.store.confirm_deliveries(&confirmed).await?;
        Ok(())
    }

    /// A quorum covering leaf `needed`, or the best one there is (which may cover less).
    async fn checkpoint_for(
        &mut self,
        origin: Domain,
        needed: u64,
        report: &mut TickReport,
    ) -> Result<Option<SignedCheckpoint>, RelayError> {
        let cached = self.checkpoints.get(&origin).cloned();
        if let Some(c) = &cached
            && u64::from(c.checkpoint.index) >= needed
        {
            return Ok(cached);
        }
        // Only a checkpoint the stored leaves can prove against is of use.
        let stored = self.trees.count(origin, self.destination).await.map_err(|source| {
            RelayError::Proof { origin, destination: self.destination, source }
        })?;
        let max_index = u32::try_from(stored.saturating_sub(1)).unwrap_or(u32::MAX);
        match self.quorum.collect(origin, self.destination, max_index).await? {
            Collected::Quorum(signed) => {
                let newer =
                    cached.as_ref().is_none_or(|c| signed.checkpoint.index >= c.checkpoint.index);
                if newer {
                    self.checkpoints.insert(origin, signed.clone());
                    return Ok(Some(signed));
                }
                Ok(cached)
            }
            Collected::Short { asked, answered, signed_weight, required_weight, reason } => {
                self.quorum.refresh().await;
                if cached.is_none() {
                    report.problems.push(format!(
                        "no quorum for route {origin} -> {}: {answered} of {asked} operators \
                         answered, weight {signed_weight} of {required_weight} needed ({reason})",
                        self.destination
                    ));
                }
                Ok(cached)
            }
        }
    }

    async fn relay_origin(
        &mut self,
        origin: Domain,
        records: Vec<MessageRecord>,
        report: &mut TickReport,
        cancel: &CancellationToken,
    ) -> Result<(), RelayError> {
        let Some(needed) = records.last().map(|r| u64::from(r.message.nonce)) else {
            return Ok(());
        };
        let Some(signed) = self.checkpoint_for(origin, needed, report).await? else {
            report.waiting_for_quorum += records.len();
            return Ok(());
        };
        let index = u64::from(signed.checkpoint.index);
        let count = index + 1;
        let (deliverable, waiting): (Vec<_>, Vec<_>) =
            records.into_iter().partition(|r| u64::from(r.message.nonce) <= index);
        report.waiting_for_quorum += waiting.len();
        if deliverable.is_empty() {
            return Ok(());
        }

        let stored =
            self.trees.root_at(origin, self.destination, count).await.map_err(|source| {
                RelayError::Proof { origin, destination: self.destination, source }
            })?;
        if stored != signed.checkpoint.root {
            return Err(RelayError::RootMismatch {
                origin,
                destination: self.destination,
                count,
                stored,
                signed: signed.checkpoint.root,
            });
        }
        let remaining = self.skip_delivered(deliverable, report).await?;
        let batch_size = self.settings.batch_size.min(self.sink.capabilities().max_batch);
        for run in runs(&remaining, batch_size) {
            if cancel.is_cancelled() {
                break;
            }
            self.deliver(origin, &signed, run, report).await?;
        }
        Ok(())
    }

    /// Reads the `delivered` bit of each message; records the delivered ones and returns the
    /// rest, in order.
    async fn skip_delivered(
        &self,
        records: Vec<MessageRecord>,
        report: &mut TickReport,
    ) -> Result<Vec<MessageRecord>, RelayError> {
        let keys: Vec<(Domain, u32, B256)> =
            records.iter().map(|r| (r.message.origin, r.message.nonce, r.id)).collect();
        let flags: Vec<Result<bool, ChainError>> = futures_util::stream::iter(keys)
            .map(|(origin, nonce, id)| {
                let sink = self.sink.clone();
                async move { sink.is_delivered(origin, nonce, id).await }
            })
            .buffered(self.settings.delivered_checks.max(1))
            .collect()
            .await;
        let mut remaining = Vec::with_capacity(records.len());
        for (record, flag) in records.into_iter().zip(flags) {
            if flag? {
                self.store.mark_found_delivered(record.id).await?;
                report.found_delivered += 1;
                ::metrics::counter!(metrics::FOUND_DELIVERED).increment(1);
            } else {
                remaining.push(record);
            }
        }
        Ok(remaining)
    }

    async fn deliver(
        &mut self,
        origin: Domain,
        signed: &SignedCheckpoint,
        run: &[MessageRecord],
        report: &mut TickReport,
    ) -> Result<(), RelayError> {
        match self.send(origin, signed, run, report).await? {
            None => Ok(()),
            // The batch was refused: deliver each message alone, so only the bad one waits.
            Some(e) if run.len() > 1 && !is_transient(&e) => {
                tracing::info!(target: "causeway::relayer", origin, destination = self.destination, error = %e, messages = run.len(), "batch refused; delivering one by one");
                for single in run.chunks(1) {
                    if let Some(e) = self.send(origin, signed, single, report).await? {
                        self.fail(single, &e, report).await?;
                    }
                }
                Ok(())
            }
            Some(e) => self.fail(run, &e, report).await,
        }
    }

    /// Sends one batch. `Ok(Some(e))` is a delivery failure to act on; `Ok(None)` is done
    /// (delivered, or found delivered).
    async fn send(
        &mut self,
        origin: Domain,
        signed: &SignedCheckpoint,
        run: &[MessageRecord],
        report: &mut TickReport,
    ) -> Result<Option<ChainError>, RelayError> {
        let (Some(first), n) = (run.first(), run.len()) else { return Ok(None) };
        let count = u64::from(signed.checkpoint.index) + 1;
        let start = u64::from(first.message.nonce);
        let proof = self
            .trees
            .range_proof(origin, self.destination, start, n as u64, count)
            .await
            .map_err(|source| RelayError::Proof {
                origin,
                destination: self.destination,
                source,
            })?;
        let batch = DeliveryBatch {
            origin,
            root: signed.checkpoint.root,
            count,
            messages: run.iter().map(|r| r.message.clone()).collect(),
            proof,
        };
        match self.sink.deliver(signed, &batch).await {
            Ok(receipt) => {
                if receipt.verified_checkpoint {
                    report.checkpoints_submitted += 1;
                    ::metrics::counter!(metrics::CHECKPOINTS).increment(1);
                    tracing::info!(
                        target: "causeway::relayer",
                        origin,
                        destination = self.destination,
                        index = signed.checkpoint.index,
                        root = %signed.checkpoint.root,
                        signers = signed.signatures.len(),
                        "checkpoint verified on the destination"
                    );
                }
                let key = (origin, signed.checkpoint.root);
                if !self.recorded.contains(&key) {
                    self.store.record_checkpoint(&signed.checkpoint, &signed.signatures).await?;
                    self.recorded.insert(key);
                }
                let outcome = &receipt.delivery;
                let now = now_ms();
                let units = receipt.exec_units();
                let per_message = units / n as u64;
                let fee_per_message = receipt.fee() / n as u128;
                let records: Vec<DeliveryRecord> = run
                    .iter()
                    .map(|r| DeliveryRecord {
                        message_id: r.id,
                        destination: self.destination,
                        tx_hash: outcome.tx_hash,
                        block_number: outcome.block.number,
                        block_hash: outcome.block.hash,
                        gas_used: per_message,
                        fee: fee_per_message,
                        latency_ms: u64::try_from(now.saturating_sub(r.created_at)).unwrap_or(0),
                        delivered_at: now,
                    })
                    .collect();
                self.store.record_submissions(&records).await?;
                report.delivered += n;
                report.gas_used += units;
                ::metrics::counter!(metrics::DELIVERED).increment(n as u64);
                ::metrics::counter!(metrics::BATCHES).increment(1);
                ::metrics::counter!(metrics::GAS).increment(units);
                tracing::debug!(target: "causeway::relayer", origin, destination = self.destination, first = start, messages = n, tx = %outcome.tx_hash, gas = units, "batch delivered");
                Ok(None)
            }
            Err(ChainError::AlreadyDelivered { id }) if run.iter().any(|r| r.id == id) => {
                // Another relayer got there between our check and our send. Record that one;
                // the rest of the run is picked up again next tick, nothing counted against it.
                self.store.mark_found_delivered(id).await?;
                report.found_delivered += 1;
                Ok(None)
            }
            Err(e) => Ok(Some(e)),
        }
    }

    /// Counts a failed attempt for each message of `run`; past the policy, the final state.
    async fn fail(
        &self,
        run: &[MessageRecord],
        error: &ChainError,
        report: &mut TickReport,
    ) -> Result<(), RelayError> {
        let reason = error.reason();
        let kind = error.kind();
        let transient = is_transient(error);
        for record in run {
            let attempts = record.attempts.saturating_add(1);
            let delay = self.settings.retry.delay(attempts);
            let next =
                now_ms().saturating_add(i64::try_from(delay.as_millis()).unwrap_or(i64::MAX));
            self.store.record_attempt(record.id, kind, &reason, next).await?;
            report.failed_attempts += 1;
            ::metrics::counter!(metrics::ATTEMPT_FAILURES).increment(1);
            if !transient && self.settings.retry.exhausted(attempts) {
                self.store
                    .mark_failed(record.id, &format!("gave up after {attempts} attempts: {reason}"))
                    .await?;
                report.failed_final += 1;
                ::metrics::counter!(metrics::FAILED).increment(1);
                tracing::warn!(target: "causeway::relayer", id = %record.id, attempts, %kind, %reason, "message failed for good");
            } else {
                tracing::info!(target: "causeway::relayer", id = %record.id, attempts, retry_in_ms = delay.as_millis() as u64, %kind, error = %error, "delivery attempt failed");
            }
        }
        Ok(())
    }
}

/// Runs of consecutive nonces, each at most `batch_size` long, in order.
pub fn runs(records: &[MessageRecord], batch_size: usize) -> Vec<&[MessageRecord]> {
    let batch_size = batch_size.max(1);
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=records.len() {
        let split = i == records.len()
            || i - start == batch_size
            || records[i].message.nonce != records[i - 1].message.nonce.wrapping_add(1)
            || records[i].message.origin != records[i - 1].message.origin;
        if split {
            out.push(&records[start..i]);
            start = i;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use causeway_core::{Message, chain::BlockRef};
    use causeway_store::MessageStatus;

    use super::*;

    fn record(origin: Domain, nonce: u32) -> MessageRecord {
        let message = Message {
            version: causeway_core::MESSAGE_VERSION,
            nonce,
            origin,
            sender: B256::ZERO,
            destination: 9,
            recipient: B256::ZERO,
            body: Default::default(),
        };
        MessageRecord {
            id: message.id(),
            message,
            block: BlockRef { number: 1, hash: B256::ZERO },
            tx_hash: B256::ZERO,
            finalized: true,
            status: MessageStatus::Pending,
            status_reason: None,
            error_kind: None,
            submitted_block: None,
            attempts: 0,
            next_attempt_at: 0,
            delivered_tx: None,
            created_at: 0,
        }
    }

    fn shape(runs: &[&[MessageRecord]]) -> Vec<Vec<u32>> {
        runs.iter().map(|r| r.iter().map(|m| m.message.nonce).collect()).collect()
    }

    #[test]
    fn runs_split_on_gaps_size_and_origin() {
        let records: Vec<_> =
            [0, 1, 2, 3, 4, 7, 8].into_iter().map(|n| record(1, n)).chain([record(2, 9)]).collect();
        assert_eq!(shape(&runs(&records, 3)), vec![vec![0, 1, 2], vec![3, 4], vec![7, 8], vec![9]]);
        assert_eq!(shape(&runs(&records, 0)).len(), records.len(), "size 0 acts as 1");
        assert!(runs(&[], 4).is_empty());
    }

    #[test]
    fn transience_is_the_adapters_word_not_the_text() {
        let revert = |error: &str, transient| ChainError::Reverted {
            context: "processBatch".into(),
            error: error.into(),
            transient,
            tx_hash: None,
        };
        assert!(is_transient(&revert("RateLimited(2, 10, 5)", true)));
        // The same text without the adapter's word is not transient: no guessing from names.
        assert!(!is_transient(&revert("RateLimited(2, 10, 5)", false)));
        assert!(!is_transient(&revert("InvalidProof()", false)));
        assert!(!is_transient(&ChainError::AlreadyDelivered { id: B256::ZERO }));
        assert!(is_transient(&ChainError::Retryable { context: "rpc".into(), source: None }));
    }
}
