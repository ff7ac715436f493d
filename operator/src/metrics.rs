//! Operator metrics (the `metrics` facade) and the Prometheus recorder `/metrics` renders.

use causeway_core::Domain;
use metrics::{describe_counter, describe_gauge};

/// Checkpoints newly signed, per origin and destination.
pub const SIGNED: &str = "causeway_operator_signed_total";
/// Routes halted now (reorg below finality or a refused conflicting root).
pub const HALTED: &str = "causeway_operator_halted_routes";
/// Newest final block the origin reported, per domain.
pub const FINALIZED: &str = "causeway_operator_finalized_block";
/// Signing-round errors, per domain and kind (`chain`, `store`, `conflict`).
pub const ERRORS: &str = "causeway_operator_errors_total";

/// Every metric name this crate records.
pub const ALL: &[&str] = &[SIGNED, HALTED, FINALIZED, ERRORS];

/// Registers the descriptions of [`ALL`] with the installed recorder.
pub fn describe() {
    describe_counter!(SIGNED, "Checkpoints newly signed");
    describe_gauge!(HALTED, "Routes halted until a person resumes them");
    describe_gauge!(FINALIZED, "Newest final block the origin reported");
    describe_counter!(ERRORS, "Signing-round errors by kind");
}

pub(crate) fn signed(origin: Domain, destination: Domain) {
    metrics::counter!(SIGNED, "origin" => origin.to_string(), "destination" => destination.to_string())
        .increment(1);
}

pub(crate) fn halted(count: usize) {
    metrics::gauge!(HALTED).set(count as f64);
}

pub(crate) fn finalized(domain: Domain, number: u64) {
    metrics::gauge!(FINALIZED, "domain" => domain.to_string()).set(number as f64);
}

pub(crate) fn error(domain: Domain, kind: &'static str) {
    metrics::counter!(ERRORS, "domain" => domain.to_string(), "kind" => kind).increment(1);
}
