//! Mapping alloy failures into the core error kinds the relayer acts on.

use alloy::{
    contract::Error as ContractError,
    transports::{RpcError, TransportError},
};
use causeway_core::ChainError;

use crate::bindings::mailbox::Mailbox::MailboxErrors;

/// Classifies a transport (RPC) failure: connection problems, timeouts, rate limits and
/// provider limits are retryable; everything else is permanent.
pub fn transport(context: impl Into<String>, error: TransportError) -> ChainError {
    let context = context.into();
    let retryable = match &error {
        // The connection itself failed (refused, reset, timed out) or the server said "later".
        // A transport failure (refused, reset, timed out, HTTP 429/503) is transient by nature:
        // the relayer keeps trying, and the CLI reports the RPC as unreachable.
        RpcError::Transport(_) => true,
        // JSON-RPC error responses: -32005 is the common "limit exceeded"/rate-limit code.
        RpcError::ErrorResp(payload) => payload.code == -32005 || looks_transient(&payload.message),
        _ => false,
    };
    if retryable || looks_transient(&error.to_string()) {
        ChainError::retryable(context, error)
    } else {
        ChainError::permanent(context, error)
    }
}

/// Whether an RPC error message is a provider limit (too many blocks or results in one
/// `eth_getLogs`) that a smaller range would avoid.
pub fn is_range_limit(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    [
        "block range",
        "range too large",
        "too many",
        "limit exceeded",
        "query returned more than",
        "response size",
    ]
    .iter()
    .any(|needle| m.contains(needle))
}

fn looks_transient(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    is_range_limit(&m)
        || [
            "timeout",
            "timed out",
            "connection",
            "rate limit",
            "429",
            "503",
            "nonce too low",
            "underpriced",
        ]
        .iter()
        .any(|needle| m.contains(needle))
}

/// Classifies a contract call or transaction failure, decoding Mailbox custom errors by name.
pub fn contract(context: impl Into<String>, error: ContractError) -> ChainError {
    let context = context.into();
    if let Some(data) = error.as_revert_data() {
        let reason = decode_revert(&data).unwrap_or_else(|| format!("revert data {data}"));
        return ChainError::Reverted { reason: format!("{context}: {reason}"), tx_hash: None };
    }
    match error {
        ContractError::TransportError(e) => transport(context, e),
        other => ChainError::permanent(context, other),
    }
}

/// Whether the node refused a transaction because its nonce was already used.
pub fn is_nonce_too_low(error: &ContractError) -> bool {
    error.to_string().to_ascii_lowercase().contains("nonce too low")
}

/// The nonce a delivery clashed with, when `error` is the Mailbox's `AlreadyDelivered`.
pub fn already_delivered_nonce(error: &ContractError) -> Option<u64> {
    match error.as_decoded_interface_error::<MailboxErrors>()? {
        MailboxErrors::AlreadyDelivered(e) => u64::try_from(e.nonce).ok(),
        _ => None,
    }
}

/// Names a revert by trying the custom errors of every Causeway contract (a revert may come
/// from a contract the call reached, e.g. the quorum verifier behind a Mailbox) and
/// `Error(string)`. `None` when nothing matches.
pub fn decode_revert(data: &[u8]) -> Option<String> {
    use alloy::sol_types::{GenericContractError, SolInterface};

    use crate::bindings::{
        operator_set_mirror::OperatorSetMirror::OperatorSetMirrorErrors,
        restaking_registry::RestakingRegistry::RestakingRegistryErrors,
        settlement_verifier::SettlementVerifier::SettlementVerifierErrors,
        token_bridge::TokenBridge::TokenBridgeErrors,
    };
    macro_rules! try_decode {
        ($($ty:ty),*) => {$(
            if let Ok(decoded) = <$ty>::abi_decode(data) {
                return Some(format!("{decoded:?}"));
            }
        )*};
    }
    try_decode!(
        MailboxErrors,
        OperatorSetMirrorErrors,
        RestakingRegistryErrors,
        SettlementVerifierErrors,
        TokenBridgeErrors,
        GenericContractError
    );
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_a_verifier_error_behind_the_mailbox() {
        let data = alloy::hex::decode("43f0a850000000000000000000000000000000000000000000000000000000000000001e00000000000000000000000000000000000000000000000000000000000000640000000000000000000000000000000000000000000000000000000000001a0b").unwrap();
        let reason = decode_revert(&data).expect("known error");
        assert!(reason.contains("InsufficientWeight"), "{reason}");
        assert!(is_range_limit("query returned more than 10000 results"));
        assert!(!is_range_limit("execution reverted"));
    }
}
