//! One follower per origin domain: reads a [`MessageSource`] into the [`Store`].
//!
//! Each round: read head and finalized; check the cursor block's hash against the chain and, on
//! a mismatch, walk back over the stored blocks to the fork point and roll back (a mismatch at a
//! final block halts: [`FollowError::is_below_finality`]); fetch messages of the next range, with
//! the range end's hash read before and after so a reorg during the fetch is caught; ingest rows
//! and cursor in one transaction; mark blocks final up to the finalized height.
//!
//! Ranges start at `max_log_range`, halve on a provider range/result limit
//! ([`ErrorKind::RangeTooLarge`], or drop straight to the range the provider suggested), never
//! below `min_log_range`, and double again after `grow_after` successes in a row. Other
//! retryable errors back off exponentially between `backoff_min` and `backoff_max`. Cancellation
//! interrupts source calls and sleeps, never a store transaction: what is stored is whole.

use std::{
    future::Future,
    sync::Arc,
    time::{Duration, Instant},
};

use causeway_core::{
    ChainError, Domain, ErrorKind, MessageSource, OutboxKind,
    chain::{BlockRef, DispatchedMessage},
};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use causeway_store::{Store, StoreError};

use crate::{error::FollowError, health::Health, metrics::DomainMetrics};

const TARGET: &str = "causeway::indexer::follower";

/// How a follower reads its domain.
#[derive(Debug, Clone)]
pub struct FollowerConfig {
    /// Name registered for the domain.
    pub name: String,
    /// First block to index when the store has no cursor (the Mailbox deployment block).
    pub start_block: u64,
    /// Largest block range per `messages` call (and the first one tried).
    pub max_log_range: u64,
    /// Smallest range; at this size a range-limit error is retried with backoff.
    pub min_log_range: u64,
    /// Successful ranges in a row before the range doubles.
    pub grow_after: u32,
    /// Wait when caught up with the head.
    pub poll_interval: Duration,
    /// First backoff after a retryable error.
    pub backoff_min: Duration,
    /// Largest backoff.
    pub backoff_max: Duration,
    /// Most stored blocks compared with the chain when looking for a fork point.
    pub reorg_walk_limit: u64,
    /// Retryable failures without a successful round in between for this long stop the
    /// follower ([`FollowError::GaveUp`]): the chain is gone, a person must look.
    pub give_up_after: Duration,
}

impl FollowerConfig {
    /// Defaults: ranges 2,000 down to 1, grow after 3 successes, poll 1 s, backoff 250 ms–30 s.
    pub fn new(name: impl Into<String>, start_block: u64) -> Self {
        Self {
            name: name.into(),
            start_block,
            max_log_range: 2_000,
            min_log_range: 1,
            grow_after: 3,
            poll_interval: Duration::from_secs(1),
            backoff_min: Duration::from_millis(250),
            backoff_max: Duration::from_secs(30),
            reorg_walk_limit: 10_000,
            give_up_after: Duration::from_secs(3_600),
        }
    }
}

/// Follows `source` into `store` until `cancel` fires (`Ok`) or a failure retrying cannot fix
/// (`Err`: permanent source error, store error, reorg below finality).
pub async fn follow(
    source: Arc<dyn MessageSource>,
    store: Store,
    config: FollowerConfig,
    health: Health,
    cancel: CancellationToken,
) -> Result<(), FollowError> {
    let domain = source.domain();
    store
        .ensure_domain(domain, &config.name)
        .await
        .map_err(|source| FollowError::Store { domain, source })?;
    let metrics = DomainMetrics::new(domain);
    let range = config.max_log_range.max(config.min_log_range).max(1);
    let mut f = Follower {
        source,
        store,
        domain,
        range,
        successes: 0,
        backoff: config.backoff_min,
        config,
        cancel,
        metrics,
        health,
        failing_since: None,
    };
    let span = tracing::info_span!(target: TARGET, "follower", domain, name = %f.config.name);
    let result = async {
        tracing::info!(target: TARGET, "follower started");
        f.run().await
    }
    .instrument(span)
    .await;
    match &result {
        Ok(()) => tracing::info!(target: TARGET, domain, "follower stopped"),
        Err(e) => tracing::error!(target: TARGET, domain, error = %e, "follower halted"),
    }
    result
}

/// What one round did.
enum Round {
    /// Work done; go again at once.
    Progress,
    /// Caught up; wait for the poll interval.
    Idle,
    /// Cancelled during a source call.
    Cancelled,
}

/// Why a round failed.
enum RoundError {
    /// Back off and try again.
    Retry(&'static str, String),
    /// Stop the follower.
    Fatal(FollowError),
}

#[derive(Debug)]
struct Follower {
    source: Arc<dyn MessageSource>,
    store: Store,
    domain: Domain,
    config: FollowerConfig,
    cancel: CancellationToken,
    metrics: DomainMetrics,
    health: Health,
    /// Since when rounds fail without a success in between.
    failing_since: Option<Instant>,
    range: u64,
    successes: u32,
    backoff: Duration,
}

/// A source call result, or `None` when cancelled first.
type Called<T> = Option<Result<T, ChainError>>;

impl Follower {
    async fn run(&mut self) -> Result<(), FollowError> {
        self.metrics.range.set(self.range as f64);
        loop {
            if self.cancel.is_cancelled() {
                return Ok(());
            }
            let wait = match self.round().await {
                Ok(Round::Progress) => {
                    self.backoff = self.config.backoff_min;
                    self.failing_since = None;
                    self.health.ok(self.domain);
                    continue;
                }
                Ok(Round::Idle) => {
                    self.backoff = self.config.backoff_min;
                    self.failing_since = None;
                    self.health.ok(self.domain);
                    self.config.poll_interval
                }
                Ok(Round::Cancelled) => return Ok(()),
                Err(RoundError::Fatal(e)) => {
                    self.health.halted(self.domain, &e.to_string());
                    self.metrics.error(if e.is_below_finality() {
                        "below_finality"
                    } else {
                        "permanent"
                    });
                    return Err(e);
                }
                Err(RoundError::Retry(kind, message)) => {
                    self.metrics.error(kind);
                    self.health.failing(self.domain, &message);
                    let since = *self.failing_since.get_or_insert_with(Instant::now);
                    if since.elapsed() >= self.config.give_up_after {
                        let e = FollowError::GaveUp {
                            domain: self.domain,
                            secs: since.elapsed().as_secs(),
                            last: message,
                        };
                        self.health.halted(self.domain, &e.to_string());
                        self.metrics.error("gave_up");
                        return Err(e);
                    }
                    tracing::warn!(target: TARGET, domain = self.domain, kind, error = %message,
                        backoff_ms = self.backoff.as_millis() as u64, "retrying");
                    let wait = self.backoff;
                    self.backoff = (self.backoff * 2).min(self.config.backoff_max);
                    wait
                }
            };
            tokio::select! {
                biased;
                () = self.cancel.cancelled() => return Ok(()),
                () = tokio::time::sleep(wait) => {}
            }
        }
    }

    async fn call<T>(&self, fut: impl Future<Output = Result<T, ChainError>>) -> Called<T> {
        tokio::select! {
            biased;
            () = self.cancel.cancelled() => None,
            r = fut => Some(r),
        }
    }

    fn store_err(&self, source: StoreError) -> RoundError {
        match source {
            StoreError::Db(e) => RoundError::Retry("store", e.to_string()),
            source => RoundError::Fatal(FollowError::Store { domain: self.domain, source }),
        }
    }

    fn chain_err(&self, e: ChainError) -> RoundError {
        if e.is_retryable() {
            RoundError::Retry("retryable", with_sources(&e))
        } else {
            RoundError::Fatal(FollowError::Source { domain: self.domain, source: e })
        }
    }

    async fn round(&mut self) -> Result<Round, RoundError> {
        let source = Arc::clone(&self.source);
        let chain = source.finality();
        let Some(head) = self.call(chain.head()).await else { return Ok(Round::Cancelled) };
        let head = head.map_err(|e| self.chain_err(e))?;
        let Some(finalized) = self.call(chain.finalized()).await else {
            return Ok(Round::Cancelled);
        };
        let finalized = finalized.map_err(|e| self.chain_err(e))?;
        self.metrics.head.set(head.number as f64);
        self.metrics.finalized.set(finalized.number as f64);

        let cursor = self
            .store
            .cursor(self.domain)
            .await
            .map_err(|e| self.store_err(e))?
            .ok_or_else(|| self.store_err(StoreError::UnknownDomain(self.domain)))?;
        if let Some(c) = cursor.block {
            let Some(canonical) = self.call(chain.block_at(c.number)).await else {
                return Ok(Round::Cancelled);
            };
            let canonical = canonical.map_err(|e| self.chain_err(e))?;
            if canonical.hash != c.hash {
                return self.roll_back(c).await;
            }
            self.metrics.indexed.set(c.number as f64);
            self.store
                .mark_finalized(self.domain, finalized.number.min(c.number))
                .await
                .map_err(|e| self.store_err(e))?;
        }
        let from = cursor.block.map_or(self.config.start_block, |c| c.number + 1);
        if from > head.number {
            return Ok(Round::Idle);
        }
        let to = head.number.min(from.saturating_add(self.range - 1));
        let Some(before) = self.call(chain.block_at(to)).await else {
            return Ok(Round::Cancelled);
        };
        let before = before.map_err(|e| self.chain_err(e))?;
        let (messages, rejected) = match self.call(source.dispatches(from..=to)).await {
            None => return Ok(Round::Cancelled),
            Some(Ok(found)) => (found.messages, found.rejected),
            Some(Err(e)) => match e.kind() {
                ErrorKind::RangeTooLarge { suggested }
                    if self.range > self.config.min_log_range =>
                {
                    self.shrink(suggested, &e);
                    return Ok(Round::Progress);
                }
                ErrorKind::RangeTooLarge { .. } => {
                    return Err(RoundError::Retry("range_limit", e.to_string()));
                }
                _ => return Err(self.chain_err(e)),
            },
        };
        let Some(after) = self.call(chain.block_at(to)).await else {
            return Ok(Round::Cancelled);
        };
        let after = after.map_err(|e| self.chain_err(e))?;
        if after.hash != before.hash {
            return Err(RoundError::Retry("retryable", format!("block {to} changed during fetch")));
        }
        let messages = match source.outbox_kind() {
            OutboxKind::OnChain => messages,
            OutboxKind::Virtual => self.number(messages).await?,
        };
        if let Some(m) = messages.iter().find(|m| !(from..=to).contains(&m.block.number)) {
            return Err(RoundError::Fatal(FollowError::Halt {
                domain: self.domain,
                reason: format!(
                    "source returned message {} of block {} for range {from}..={to}",
                    m.id, m.block.number
                ),
            }));
        }
        if !rejected.is_empty() {
            self.store
                .record_rejections(self.domain, &rejected)
                .await
                .map_err(|e| self.store_err(e))?;
        }
        let summary = self
            .store
            .ingest(self.domain, &[], &messages, after)
            .await
            .map_err(|e| self.store_err(e))?;
        self.metrics.messages.increment(summary.messages);
        self.metrics.indexed.set(to as f64);
        self.store
            .mark_finalized(self.domain, finalized.number.min(to))
            .await
            .map_err(|e| self.store_err(e))?;
        tracing::debug!(target: TARGET, domain = self.domain, from, to, messages = summary.messages, "ingested");
        self.grow();
        Ok(Round::Progress)
    }

    /// Gives the messages of a virtual-outbox origin their leaf indices: each route's next
    /// index in the store, then one more per message in chain order (every party numbers
    /// the same finalized, ordered messages the same way, so operators and indexer agree), and their ids.
    async fn number(
        &self,
        messages: Vec<DispatchedMessage>,
    ) -> Result<Vec<DispatchedMessage>, RoundError> {
        let mut next: std::collections::HashMap<Domain, u64> = std::collections::HashMap::new();
        let mut out = Vec::with_capacity(messages.len());
        for mut m in messages {
            let destination = m.message.destination;
            let nonce = match next.get(&destination) {
                Some(n) => *n,
                None => self
                    .store
                    .route_count(self.domain, destination)
                    .await
                    .map_err(|e| self.store_err(e))?,
            };
            m.message.nonce = u32::try_from(nonce).map_err(|_| {
                RoundError::Fatal(FollowError::Halt {
                    domain: self.domain,
                    reason: format!("route to {destination} is full ({nonce} messages)"),
                })
            })?;
            m.id = m.message.id();
            next.insert(destination, nonce + 1);
            out.push(m);
        }
        Ok(out)
    }

    /// Halves the range, or takes the provider's suggestion when it is smaller.
    fn shrink(&mut self, suggested: Option<u64>, e: &ChainError) {
        let half = self.range / 2;
        let next = suggested.filter(|s| *s < self.range).unwrap_or(half);
        self.range = next.max(self.config.min_log_range).max(1);
        self.successes = 0;
        self.metrics.range.set(self.range as f64);
        self.metrics.error("range_limit");
        tracing::info!(target: TARGET, domain = self.domain, range = self.range, error = %e, "range shrunk");
    }

    fn grow(&mut self) {
        self.successes += 1;
        if self.successes >= self.config.grow_after && self.range < self.config.max_log_range {
            self.range = (self.range * 2).min(self.config.max_log_range);
            self.successes = 0;
            self.metrics.range.set(self.range as f64);
        }
    }

    /// The cursor block is no longer canonical: find the highest stored block that still is and
    /// roll back everything above it. A final block that is not canonical halts (the store
    /// refuses the rollback and nothing is deleted).
    async fn roll_back(&mut self, cursor: BlockRef) -> Result<Round, RoundError> {
        let chain = self.source.finality();
        let stored = self
            .store
            .recent_blocks(self.domain, self.config.reorg_walk_limit)
            .await
            .map_err(|e| self.store_err(e))?;
        let mut first_bad = cursor.number;
        for block in stored {
            let Some(canonical) = self.call(chain.block_at(block.block.number)).await else {
                return Ok(Round::Cancelled);
            };
            let canonical = canonical.map_err(|e| self.chain_err(e))?;
            if canonical.hash == block.block.hash {
                break;
            }
            first_bad = block.block.number;
            if block.finalized {
                break;
            }
        }
        let summary = match self.store.rollback_from(self.domain, first_bad).await {
            Ok(s) => s,
            Err(e) => return Err(self.store_err(e)),
        };
        self.metrics.reorgs.increment(1);
        tracing::warn!(target: TARGET, domain = self.domain, from = first_bad,
            messages = summary.messages, blocks = summary.blocks,
            cursor = ?summary.cursor.map(|c| c.number), "reorg rolled back");
        self.successes = 0;
        Ok(Round::Progress)
    }
}

/// `e` and every source under it, `: `-separated (what an operator needs to see why).
fn with_sources(e: &ChainError) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
#[path = "follower_tests.rs"]
mod tests;
