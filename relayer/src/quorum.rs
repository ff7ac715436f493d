//! Collecting a quorum of operator signatures for a route's checkpoint.
//!
//! Every announced operator is asked at once for its latest signed checkpoint of the route
//! (`causeway_core::wire`), each with its own timeout; an
//! operator that is slow, down, answers garbage or signs with a key that is not its own is
//! counted and left out. The answers are grouped by checkpoint; the newest checkpoint whose
//! signatures verify with the same rules as the contracts ([`OperatorSet::verify`]) wins.
//! Operators that are ahead of a candidate are asked for their signature at the candidate's index
//! (they keep every index they signed), so a quorum forms while operators are at different
//! heights.

use std::{
    collections::{BTreeMap, HashMap},
    fmt,
    sync::Arc,
    time::{Duration, Instant},
};

use async_trait::async_trait;
use causeway_core::{
    Address, B256, ChainError, Checkpoint, Domain, OperatorSet, SignatureBytes, SigningDomain,
    chain::SignedCheckpoint,
    quorum::recover_signer,
    wire::{SignatureView, Which, checkpoint_path},
};
use futures_util::{StreamExt, stream::FuturesUnordered};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use crate::{RelayError, metrics};

/// An operator the relayer may ask: its signing key and where it serves signatures.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OperatorEndpoint {
    /// Address its checkpoint signatures recover to.
    pub signing_key: Address,
    /// Base URL announced in the registry (no trailing slash needed).
    pub url: String,
}

/// Where the relayer learns who the operators are and what each epoch's set is.
#[async_trait]
pub trait OperatorDirectory: Send + Sync + fmt::Debug {
    /// The operators currently announced.
    async fn operators(&self) -> Result<Vec<OperatorEndpoint>, ChainError>;

    /// The operator set recorded for `epoch`, `None` when there is none.
    async fn operator_set(&self, epoch: u64) -> Result<Option<OperatorSet>, ChainError>;
}

/// What one collection round found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Collected {
    /// A checkpoint with a verified quorum, ready for `submitCheckpoint`.
    Quorum(SignedCheckpoint),
    /// No checkpoint reached the quorum.
    Short {
        /// Operators asked.
        asked: usize,
        /// Operators that answered with a valid signature.
        answered: usize,
        /// Best candidate's signed weight, and the weight it needed (0, 0 without candidates).
        signed_weight: u128,
        /// Weight required by the candidate's set.
        required_weight: u128,
        /// Why the best candidate fell short, or why there was none.
        reason: String,
    },
}

/// A checkpoint and the signatures found for it.
type Candidate = (Checkpoint, Vec<(Address, SignatureBytes)>);

/// How long the operator list is reused before the directory is read again.
const DIRECTORY_TTL: Duration = Duration::from_secs(30);
/// How long to keep waiting for other operators once a quorum is in hand (a newer checkpoint
/// may still arrive).
pub const QUORUM_GRACE: Duration = Duration::from_millis(150);
/// Timeout for an operator whose last request timed out, so one dead operator costs each round
/// this much at most instead of the full timeout (it gets the full timeout again once it answers).
pub const SLOW_TIMEOUT: Duration = Duration::from_millis(250);
/// How long a timeout marks an operator slow.
const SLOW_MEMORY: Duration = Duration::from_secs(60);
/// Candidates (distinct checkpoints) tried per round, newest first.
const MAX_CANDIDATES: usize = 3;

#[derive(Debug, Default)]
struct Cache {
    operators: Option<(Instant, Vec<OperatorEndpoint>)>,
    sets: HashMap<u64, OperatorSet>,
}

/// Asks the operators of a [`OperatorDirectory`] for signatures. See the module docs.
#[derive(Debug, Clone)]
pub struct QuorumCollector {
    directory: Arc<dyn OperatorDirectory>,
    http: reqwest::Client,
    domain: SigningDomain,
    timeout: Duration,
    cache: Arc<Mutex<Cache>>,
    /// Operators (by URL) whose last request timed out, and when.
    slow: Arc<std::sync::Mutex<HashMap<String, Instant>>>,
}

impl QuorumCollector {
    /// A collector asking `directory`'s operators, each with `timeout`, for signatures under
    /// `domain` (hub chain id and registry).
    pub fn new(
        directory: Arc<dyn OperatorDirectory>,
        domain: SigningDomain,
        timeout: Duration,
    ) -> Self {
        Self {
            directory,
            http: reqwest::Client::new(),
            domain,
            timeout,
            cache: Arc::new(Mutex::new(Cache::default())),
            slow: Arc::default(),
        }
    }

    /// The signing domain checkpoints are verified under.
    pub fn domain(&self) -> SigningDomain {
        self.domain
    }

    async fn operators(&self) -> Result<Vec<OperatorEndpoint>, RelayError> {
        let mut cache = self.cache.lock().await;
        if let Some((at, ops)) = &cache.operators
            && at.elapsed() < DIRECTORY_TTL
        {
            return Ok(ops.clone());
        }
        let ops = self.directory.operators().await.map_err(RelayError::Directory)?;
        cache.operators = Some((Instant::now(), ops.clone()));
        Ok(ops)
    }

    /// Forgets the cached operator list (after a quorum came up short, to pick up new
    /// announcements at once).
    pub async fn refresh(&self) {
        self.cache.lock().await.operators = None;
    }

    async fn set(&self, epoch: u64) -> Result<Option<OperatorSet>, RelayError> {
        if let Some(set) = self.cache.lock().await.sets.get(&epoch) {
            return Ok(Some(set.clone()));
        }
        let set = self.directory.operator_set(epoch).await.map_err(RelayError::Directory)?;
        if let Some(set) = &set {
            self.cache.lock().await.sets.insert(epoch, set.clone());
        }
        Ok(set)
    }

    /// The timeout for `op`: the configured one, or [`SLOW_TIMEOUT`] while `op` is known slow.
    fn timeout_for(&self, op: &OperatorEndpoint) -> Duration {
        let slow = self
            .slow
            .lock()
            .ok()
            .and_then(|slow| slow.get(&op.url).copied())
            .is_some_and(|at| at.elapsed() < SLOW_MEMORY);
        if slow { self.timeout.min(SLOW_TIMEOUT) } else { self.timeout }
    }

    /// `op` answered in time: it gets the full timeout again.
    fn answered(&self, op: &OperatorEndpoint) {
        if let Ok(mut slow) = self.slow.lock() {
            slow.remove(&op.url);
        }
    }

    async fn fetch(&self, op: &OperatorEndpoint, path: &str) -> Result<SignatureView, String> {
        let url = format!("{}/{path}", op.url.trim_end_matches('/'));
        let timed_out = |e: &reqwest::Error| {
            // Marked from its first timeout on; once the mark is older than SLOW_MEMORY the
            // operator gets one request with the full timeout before it is marked again.
            if e.is_timeout()
                && let Ok(mut slow) = self.slow.lock()
            {
                let at = slow.entry(op.url.clone()).or_insert_with(Instant::now);
                if at.elapsed() >= SLOW_MEMORY {
                    *at = Instant::now();
                }
            }
        };
        let response = self
            .http
            .get(&url)
            .timeout(self.timeout_for(op))
            .send()
            .await
            .inspect_err(timed_out)
            .map_err(|e| format!("GET {url}: {e}"))?;
        if !response.status().is_success() {
            self.answered(op);
            return Err(format!("GET {url}: HTTP {}", response.status()));
        }
        let view: SignatureView = response
            .json()
            .await
            .inspect_err(timed_out)
            .map_err(|e| format!("GET {url}: malformed answer: {e}"))?;
        self.answered(op);
        // The answer must be signed by the key the registry has for this operator.
        let digest = view.checkpoint.digest(&self.domain);
        let recovered = recover_signer(&digest, &view.signature, 0)
            .map_err(|e| format!("GET {url}: bad signature: {e}"))?;
        if recovered != op.signing_key || view.signer != op.signing_key {
            return Err(format!(
                "GET {url}: signed by {recovered}, but the registry's key is {}",
                op.signing_key
            ));
        }
        Ok(view)
    }

    async fn fetch_all(
        &self,
        ops: &[OperatorEndpoint],
        path: &str,
    ) -> Vec<(OperatorEndpoint, SignatureView)> {
        let answers = futures_util::future::join_all(ops.iter().map(|op| async move {
            let r = self.fetch(op, path).await;
            (op.clone(), r)
        }))
        .await;
        let mut good = Vec::new();
        for (op, r) in answers {
            match r {
                Ok(view) => good.push((op, view)),
                Err(e) => {
                    ::metrics::counter!(metrics::OPERATOR_ERRORS).increment(1);
                    tracing::debug!(target: "causeway::relayer::quorum", error = %e, "operator answer left out");
                }
            }
        }
        good
    }

    /// Every operator's latest signature of the route. Stops waiting for stragglers
    /// [`QUORUM_GRACE`] after the answers in hand already make a quorum, so one slow operator
    /// costs at most that, not its full timeout.
    async fn fetch_latest(
        &self,
        ops: &[OperatorEndpoint],
        origin: Domain,
        destination: Domain,
    ) -> Result<Vec<(OperatorEndpoint, SignatureView)>, RelayError> {
        let path = checkpoint_path(origin, destination, Which::Latest);
        let mut pending: FuturesUnordered<_> = ops
            .iter()
            .map(|op| {
                let path = &path;
                async move { (op.clone(), self.fetch(op, path).await) }
            })
            .collect();
        let mut latest = Vec::new();
        let mut grace: Option<tokio::time::Instant> = None;
        loop {
            let next = match grace {
                Some(deadline) => {
                    tokio::time::timeout_at(deadline, pending.next()).await.ok().flatten()
                }
                None => pending.next().await,
            };
            let Some((op, answer)) = next else { break };
            match answer {
                Ok(view) => latest.push((op, view)),
                Err(e) => {
                    ::metrics::counter!(metrics::OPERATOR_ERRORS).increment(1);
                    tracing::debug!(target: "causeway::relayer::quorum", error = %e, "operator answer left out");
                }
            }
            if grace.is_none() && self.quorum_in(&latest).await? {
                grace = Some(tokio::time::Instant::now() + QUORUM_GRACE);
            }
        }
        Ok(latest)
    }

    /// Whether some checkpoint among `answers` already has a quorum's weight and signers.
    async fn quorum_in(
        &self,
        answers: &[(OperatorEndpoint, SignatureView)],
    ) -> Result<bool, RelayError> {
        for (_, view) in answers {
            let Some(set) = self.set(view.checkpoint.epoch).await? else { continue };
            let same: Vec<(Address, SignatureBytes)> = answers
                .iter()
                .filter(|(_, v)| v.checkpoint == view.checkpoint)
                .map(|(_, v)| (v.signer, v.signature))
                .collect();
            if meets(&set, &same) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// One round: asks every operator, returns the newest checkpoint of `origin → destination`
    /// with a quorum, or why there is none.
    ///
    /// Only checkpoints up to leaf `max_index` count (the relayer's store must hold the leaves to
    /// prove against it); when every operator is past it, they are asked for `max_index` itself.
    pub async fn collect(
        &self,
        origin: Domain,
        destination: Domain,
        max_index: u32,
    ) -> Result<Collected, RelayError> {
        let ops = self.operators().await?;
        let latest = self.fetch_latest(&ops, origin, destination).await?;
        let answered = latest.len();
        let mut short = Collected::Short {
            asked: ops.len(),
            answered,
            signed_weight: 0,
            required_weight: 0,
            reason: if ops.is_empty() {
                "no operator is announced".into()
            } else {
                format!(
                    "no operator answered with a signed checkpoint of route {origin} -> {destination}"
                )
            },
        };

        // Distinct checkpoints, newest first. Root and outbox are part of the key: a checkpoint
        // of the same index and epoch with another root (a lying operator's) is a candidate of
        // its own instead of taking the honest one's place.
        let mut by_checkpoint: BTreeMap<(u32, u64, B256, B256), Candidate> = BTreeMap::new();
        let mut candidates: Vec<SignatureView> = latest.iter().map(|(_, v)| v.clone()).collect();
        if !latest.is_empty() && latest.iter().all(|(_, v)| v.checkpoint.index > max_index) {
            let path = checkpoint_path(origin, destination, Which::Index(max_index));
            let ahead: Vec<OperatorEndpoint> = latest.iter().map(|(op, _)| op.clone()).collect();
            candidates = self.fetch_all(&ahead, &path).await.into_iter().map(|(_, v)| v).collect();
        }
        for view in &candidates {
            let c = view.checkpoint;
            if c.origin != origin || c.index > max_index {
                continue;
            }
            let entry = by_checkpoint
                .entry((u32::MAX - c.index, u64::MAX - c.epoch, c.root, c.outbox))
                .or_insert((c, Vec::new()));
            entry.1.push((view.signer, view.signature));
        }

        for (checkpoint, mut signatures) in by_checkpoint.into_values().take(MAX_CANDIDATES) {
            let Some(set) = self.set(checkpoint.epoch).await? else {
                short = with_reason(
                    short,
                    format!(
                        "epoch {} of checkpoint {} is not recorded",
                        checkpoint.epoch, checkpoint.index
                    ),
                );
                continue;
            };
            // Operators that are past this index may have signed it too.
            let ahead: Vec<OperatorEndpoint> = latest
                .iter()
                .filter(|(_, v)| v.checkpoint.index > checkpoint.index)
                .map(|(op, _)| op.clone())
                .collect();
            if !ahead.is_empty() && !meets(&set, &signatures) {
                let path = checkpoint_path(origin, destination, Which::Index(checkpoint.index));
                for (_, view) in self.fetch_all(&ahead, &path).await {
                    if view.checkpoint == checkpoint {
                        signatures.push((view.signer, view.signature));
                    }
                }
            }
            signatures.sort_by_key(|(a, _)| *a);
            signatures.dedup_by_key(|(a, _)| *a);
            // Only members sign; anything else would make the contract revert.
            signatures.retain(|(a, _)| set.weight_of(a).is_some());
            let signed = SignedCheckpoint { checkpoint, set: set.clone(), signatures };
            match signed.verify(&self.domain) {
                Ok(_) => return Ok(Collected::Quorum(signed)),
                Err(e) => {
                    let weight: u128 =
                        signed.signatures.iter().filter_map(|(a, _)| set.weight_of(a)).sum();
                    let required = set.required_weight().saturating_to::<u128>();
                    if matches!(short, Collected::Short { signed_weight, .. } if weight >= signed_weight)
                    {
                        short = Collected::Short {
                            asked: ops.len(),
                            answered,
                            signed_weight: weight,
                            required_weight: required,
                            reason: format!(
                                "checkpoint {} of route {origin} -> {destination}: {e}",
                                checkpoint.index
                            ),
                        };
                    }
                }
            }
        }
        ::metrics::counter!(metrics::QUORUM_SHORT).increment(1);
        Ok(short)
    }
}

fn with_reason(short: Collected, reason: String) -> Collected {
    match short {
        Collected::Short { asked, answered, signed_weight, required_weight, .. } => {
            Collected::Short { asked, answered, signed_weight, required_weight, reason }
        }
        q => q,
    }
}

/// Whether the members among `signatures` reach the set's weight and signer count.
fn meets(set: &OperatorSet, signatures: &[(Address, SignatureBytes)]) -> bool {
    let mut signers: Vec<&Address> = signatures.iter().map(|(a, _)| a).collect();
    signers.sort();
    signers.dedup();
    let weight: u128 = signers.iter().filter_map(|a| set.weight_of(a)).sum();
    signers.len() >= usize::from(set.min_signers())
        && causeway_core::U256::from(weight) >= set.required_weight()
}

#[cfg(test)]
#[path = "quorum_tests.rs"]
mod tests;
