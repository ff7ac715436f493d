//! Names of the relayer's metrics (the binary installs the one recorder).

/// Messages delivered, by destination.
pub const DELIVERED: &str = "causeway_relayer_messages_delivered_total";
/// Messages found already delivered on the destination.
pub const FOUND_DELIVERED: &str = "causeway_relayer_messages_found_delivered_total";
/// Messages that reached the final failed state.
pub const FAILED: &str = "causeway_relayer_messages_failed_total";
/// Failed delivery attempts.
pub const ATTEMPT_FAILURES: &str = "causeway_relayer_attempt_failures_total";
/// Delivery transactions sent.
pub const BATCHES: &str = "causeway_relayer_batches_total";
/// Gas of delivery transactions.
pub const GAS: &str = "causeway_relayer_gas_used_total";
/// Checkpoints submitted.
pub const CHECKPOINTS: &str = "causeway_relayer_checkpoints_submitted_total";
/// Submitted deliveries dropped by a destination reorg and put back to pending.
pub const REORGED: &str = "causeway_relayer_deliveries_reorged_total";
/// Rounds where no quorum could be collected.
pub const QUORUM_SHORT: &str = "causeway_relayer_quorum_short_total";
/// Operators that did not answer in time or answered wrongly.
pub const OPERATOR_ERRORS: &str = "causeway_relayer_operator_errors_total";

/// Registers descriptions with the installed recorder.
pub fn describe() {
    metrics::describe_counter!(DELIVERED, "Messages delivered");
    metrics::describe_counter!(FOUND_DELIVERED, "Messages found already delivered");
    metrics::describe_counter!(FAILED, "Messages that reached the final failed state");
    metrics::describe_counter!(ATTEMPT_FAILURES, "Failed delivery attempts");
    metrics::describe_counter!(BATCHES, "Delivery transactions sent");
    metrics::describe_counter!(GAS, "Gas used by delivery and checkpoint transactions");
    metrics::describe_counter!(CHECKPOINTS, "Checkpoints submitted");
    metrics::describe_counter!(REORGED, "Submitted deliveries dropped by a destination reorg");
    metrics::describe_counter!(QUORUM_SHORT, "Collection rounds without a quorum");
    metrics::describe_counter!(OPERATOR_ERRORS, "Operators that failed to answer");
}
