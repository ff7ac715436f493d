//! Indexer metrics (the `metrics` facade) and the Prometheus recorder `/metrics` renders.
//!
//! No HTTP listener of the exporter is used: the API serves the rendered text on its own
//! `/metrics` route, so one port carries the API and the metrics.

use std::sync::OnceLock;

use causeway_core::Domain;
use metrics::{Counter, Gauge, counter, describe_counter, describe_gauge, gauge};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

/// Newest block the source reported, per domain.
pub const HEAD: &str = "causeway_indexer_head_block";
/// Newest final block the source reported, per domain.
pub const FINALIZED: &str = "causeway_indexer_finalized_block";
/// Last block ingested (the cursor), per domain.
pub const INDEXED: &str = "causeway_indexer_indexed_block";
/// Current `messages` range size, per domain.
pub const LOG_RANGE: &str = "causeway_indexer_log_range_blocks";
/// Messages newly stored, per domain.
pub const MESSAGES: &str = "causeway_indexer_messages_total";
/// Reorgs rolled back, per domain.
pub const REORGS: &str = "causeway_indexer_reorgs_total";
/// Follower errors, per domain and kind (`retryable`, `range_limit`, `permanent`, `store`,
/// `below_finality`).
pub const INGEST_ERRORS: &str = "causeway_indexer_ingest_errors_total";

/// Every metric name this crate records.
pub const ALL: &[&str] = &[HEAD, FINALIZED, INDEXED, LOG_RANGE, MESSAGES, REORGS, INGEST_ERRORS];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the Prometheus recorder as the global `metrics` recorder (once per process) and
/// returns the handle that renders it. If another global recorder was installed first, the
/// returned handle renders an empty page and a warning is logged.
pub fn install() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!(
                    target: "causeway::indexer::metrics",
                    "a global metrics recorder was already installed; /metrics will be empty"
                );
            }
            describe();
            handle
        })
        .clone()
}

fn describe() {
    describe_gauge!(HEAD, "Newest block the source reported");
    describe_gauge!(FINALIZED, "Newest final block the source reported");
    describe_gauge!(INDEXED, "Last block ingested into the store");
    describe_gauge!(LOG_RANGE, "Current block range per messages query");
    describe_counter!(MESSAGES, "Messages newly stored");
    describe_counter!(REORGS, "Reorgs rolled back");
    describe_counter!(INGEST_ERRORS, "Follower errors by kind");
}

/// The per-domain handles a follower updates.
#[derive(Debug, Clone)]
pub struct DomainMetrics {
    domain: String,
    /// [`HEAD`].
    pub head: Gauge,
    /// [`FINALIZED`].
    pub finalized: Gauge,
    /// [`INDEXED`].
    pub indexed: Gauge,
    /// [`LOG_RANGE`].
    pub range: Gauge,
    /// [`MESSAGES`].
    pub messages: Counter,
    /// [`REORGS`].
    pub reorgs: Counter,
}

impl DomainMetrics {
    /// Registers (at zero) and returns the metrics of `domain`.
    pub fn new(domain: Domain) -> Self {
        let d = domain.to_string();
        let metrics = Self {
            head: gauge!(HEAD, "domain" => d.clone()),
            finalized: gauge!(FINALIZED, "domain" => d.clone()),
            indexed: gauge!(INDEXED, "domain" => d.clone()),
            range: gauge!(LOG_RANGE, "domain" => d.clone()),
            messages: counter!(MESSAGES, "domain" => d.clone()),
            reorgs: counter!(REORGS, "domain" => d.clone()),
            domain: d,
        };
        metrics.messages.increment(0);
        metrics.reorgs.increment(0);
        metrics
    }

    /// Counts one follower error of `kind`.
    pub fn error(&self, kind: &'static str) {
        counter!(INGEST_ERRORS, "domain" => self.domain.clone(), "kind" => kind).increment(1);
    }
}
