//! Mapping alloy failures into the core error kinds the relayer and indexer act on.
//!
//! This is the only place that looks at what an RPC said: JSON-RPC error codes first, then
//! the message texts providers are known to use for their limits, then the revert data decoded
//! against every Causeway contract's custom errors. Callers above the adapter match on
//! [`causeway_core::ErrorKind`] only.

use alloy::{
    contract::Error as ContractError,
    sol_types::SolInterface,
    transports::{RpcError, TransportError},
};
use causeway_core::ChainError;

use crate::bindings::{
    mailbox::Mailbox::MailboxErrors, token_bridge::TokenBridge::TokenBridgeErrors,
};

/// JSON-RPC code many providers use for "limit exceeded" (rate limits, oversized queries).
const LIMIT_EXCEEDED: i64 = -32005;

/// Phrases providers use when a log query spans too many blocks or returns too many results
/// (geth, erigon, Alchemy, Infura, QuickNode, Ankr, BlastAPI; hyperlane-monorepo #1256).
const RANGE_LIMIT_PHRASES: &[&str] = &[
    "log range limit",
    "block range",
    "range too large",
    "range is too large",
    "query returned more than",
    "too many results",
    "response size exceeded",
    "exceed maximum block range",
    "max results",
    "query timeout exceeded",
    "is limited to",
];

/// Phrases of transient node and proxy failures that arrive as JSON-RPC errors.
const TRANSIENT_PHRASES: &[&str] = &[
    "timeout",
    "timed out",
    "connection",
    "rate limit",
    "too many requests",
    "429",
    "502",
    "503",
    "504",
    "internal error",
    "header not found",
    "unknown block",
    "nonce too low",
    "underpriced",
];

/// Classifies a transport (RPC) failure: a provider range limit is [`ChainError::RangeTooLarge`]
/// (with the range the provider suggested, when it did); connection problems, timeouts, rate
/// limits and busy servers are retryable; everything else is permanent.
pub fn transport(context: impl Into<String>, error: TransportError) -> ChainError {
    let context = context.into();
    let message = match &error {
        RpcError::ErrorResp(payload) => payload.message.to_ascii_lowercase(),
        other => other.to_string().to_ascii_lowercase(),
    };
    if is_range_limit(&message) {
        return ChainError::RangeTooLarge {
            context,
            suggested: suggested_range(&message),
            source: Some(error.into()),
        };
    }
    let retryable = match &error {
        // The connection itself failed (refused, reset, timed out) or the server said "later"
        // (HTTP 429/5xx): transient by nature.
        RpcError::Transport(_) => true,
        RpcError::ErrorResp(payload) => {
            payload.code == LIMIT_EXCEEDED || payload.code == -32603 || is_transient(&message)
        }
        _ => is_transient(&message),
    };
    if retryable {
        ChainError::retryable(context, error)
    } else {
        ChainError::permanent(context, error)
    }
}

/// Whether an RPC error message (lower case) is a provider limit on a log query.
fn is_range_limit(message: &str) -> bool {
    RANGE_LIMIT_PHRASES.iter().any(|p| message.contains(p))
}

fn is_transient(message: &str) -> bool {
    TRANSIENT_PHRASES.iter().any(|p| message.contains(p))
}

/// The range a provider suggested in its refusal: Infura/Alchemy's "try with this block range
/// [0x10, 0x7d0]" gives the width of that range; "max(imum)? block range (is|of)? N" or "limited
/// to N blocks" give N.
fn suggested_range(message: &str) -> Option<u64> {
    if let Some(open) = message.find("block range [") {
        let inner = &message[open + "block range [".len()..];
        let inner = &inner[..inner.find(']')?];
        let mut ends = inner.split(',').map(|s| {
            let s = s.trim();
            s.strip_prefix("0x").map_or_else(|| s.parse().ok(), |h| u64::from_str_radix(h, 16).ok())
        });
        let (from, to) = (ends.next()??, ends.next()??);
        return to.checked_sub(from).map(|d| d + 1);
    }
    // The first number after a "range"/"limited to" phrase.
    let at = ["block range", "range limit", "limited to", "max range"]
        .iter()
        .find_map(|p| message.find(p).map(|i| i + p.len()))?;
    message[at..]
        .split(|c: char| !c.is_ascii_digit())
        .find(|s| !s.is_empty())
        .and_then(|n| n.parse().ok())
        .filter(|n| *n > 0)
}

/// Classifies a contract call or transaction failure: a revert becomes
/// [`ChainError::Reverted`] with the custom error decoded by name and whether it clears by
/// itself ([`is_transient_revert`]); the rest is classified as a transport failure.
pub fn contract(context: impl Into<String>, error: ContractError) -> ChainError {
    let context = context.into();
    if let Some(data) = error.as_revert_data() {
        return reverted(context, &data, None);
    }
    match error {
        ContractError::TransportError(e) => transport(context, e),
        other => ChainError::permanent(context, other),
    }
}

/// A revert with `data`, decoded.
pub fn reverted(context: String, data: &[u8], tx_hash: Option<causeway_core::B256>) -> ChainError {
    let error = decode_revert(data).unwrap_or_else(|| {
        if data.is_empty() {
            "no revert data".to_owned()
        } else {
            format!("revert data 0x{}", alloy::hex::encode(data))
        }
    });
    ChainError::Reverted { context, error, transient: is_transient_revert(data), tx_hash }
}

/// Whether a revert clears by itself: a bridge's rate-limit bucket refills
/// (`TokenBridge.RateLimited`), value in flight settles (`TokenBridge.ValueCapExceeded`), a
/// guardian pause expires (`Mailbox.MailboxPaused`). The relayer retries these with backoff
/// and never gives a message up for them.
pub fn is_transient_revert(data: &[u8]) -> bool {
    match TokenBridgeErrors::abi_decode(data) {
        Ok(TokenBridgeErrors::RateLimited(_) | TokenBridgeErrors::ValueCapExceeded(_)) => {
            return true;
        }
        Ok(_) => return false,
        Err(_) => {}
    }
    matches!(MailboxErrors::abi_decode(data), Ok(MailboxErrors::MailboxPaused(_)))
}

/// Whether the node refused a transaction because its nonce was already used.
pub fn is_nonce_too_low(error: &ContractError) -> bool {
    let ContractError::TransportError(RpcError::ErrorResp(payload)) = error else {
        return false;
    };
    payload.message.to_ascii_lowercase().contains("nonce too low")
}

/// The nonce a delivery clashed with, when `error` is the Mailbox's `AlreadyDelivered`.
pub fn already_delivered_nonce(error: &ContractError) -> Option<u64> {
    match error.as_decoded_interface_error::<MailboxErrors>()? {
        MailboxErrors::AlreadyDelivered(e) => u64::try_from(e.nonce).ok(),
        _ => None,
    }
}

/// Names a revert by trying the custom errors of every Causeway contract (a revert may come
/// from a contract the call reached, e.g. the quorum verifier behind a Mailbox, or the
/// recipient a delivery called) and `Error(string)`. `None` when nothing matches.
pub fn decode_revert(data: &[u8]) -> Option<String> {
    use alloy::sol_types::GenericContractError;

    use crate::bindings::{
        causeway_token::CausewayToken::CausewayTokenErrors,
        managed_stake_cap::ManagedStakeCap::ManagedStakeCapErrors,
        operator_set_mirror::OperatorSetMirror::OperatorSetMirrorErrors,
        restaking_registry::RestakingRegistry::RestakingRegistryErrors,
        rollup_registry::RollupRegistry::RollupRegistryErrors,
        settlement_verifier::SettlementVerifier::SettlementVerifierErrors,
        stake_vault::StakeVault::StakeVaultErrors,
        state_commitment_chain::StateCommitmentChain::StateCommitmentChainErrors,
        synthetic_token::SyntheticToken::SyntheticTokenErrors,
        vault_stake_cap::VaultStakeCap::VaultStakeCapErrors,
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
        StakeVaultErrors,
        CausewayTokenErrors,
        RollupRegistryErrors,
        StateCommitmentChainErrors,
        SyntheticTokenErrors,
        VaultStakeCapErrors,
        ManagedStakeCapErrors,
        GenericContractError
    );
    None
}

#[cfg(test)]
mod tests {
    use alloy::sol_types::SolError;

    use super::*;

    #[test]
    fn every_error_of_every_committed_abi_decodes_by_name() {
        // StakeVault.AmountZero(), which `operator register --stake 0` used to print as hex.
        assert_eq!(
            decode_revert(&[0xcb, 0xca, 0x5a, 0xa2]).as_deref(),
            Some("AmountZero(AmountZero)")
        );
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("abi");
        let mut checked = 0;
        for file in std::fs::read_dir(&dir).unwrap() {
            let path = file.unwrap().path();
            let json: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            for item in json["abi"].as_array().unwrap() {
                if item["type"] != "error" {
                    continue;
                }
                let name = item["name"].as_str().unwrap();
                let types: Vec<&str> = item["inputs"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i["type"].as_str().unwrap())
                    .collect();
                let static_only = types.iter().all(|t| {
                    ["uint", "int", "address", "bool", "bytes32"].iter().any(|p| t.starts_with(p))
                        && !t.ends_with("[]")
                });
                if !static_only {
                    continue;
                }
                let signature = format!("{name}({})", types.join(","));
                let mut data = alloy::primitives::keccak256(signature.as_bytes())[..4].to_vec();
                data.extend(std::iter::repeat_n(0u8, 32 * types.len()));
                let decoded = decode_revert(&data)
                    .unwrap_or_else(|| panic!("{} {signature} does not decode", path.display()));
                assert!(decoded.starts_with(name), "{signature} decoded as {decoded}");
                checked += 1;
            }
        }
        assert!(checked > 40, "only {checked} errors checked");
    }

    #[test]
    fn decodes_a_verifier_error_behind_the_mailbox() {
        let data = alloy::hex::decode("43f0a850000000000000000000000000000000000000000000000000000000000000001e00000000000000000000000000000000000000000000000000000000000000640000000000000000000000000000000000000000000000000000000000001a0b").unwrap();
        let reason = decode_revert(&data).expect("known error");
        assert!(reason.contains("InsufficientWeight"), "{reason}");
        assert!(!is_transient_revert(&data));
    }

    #[test]
    fn bridge_limits_and_pauses_clear_by_themselves() {
        use crate::bindings::{mailbox::Mailbox, token_bridge::TokenBridge};
        let rate = TokenBridge::RateLimited {
            origin: 2,
            amount: alloy::primitives::U256::from(10),
            available: alloy::primitives::U256::from(5),
        }
        .abi_encode();
        assert!(is_transient_revert(&rate));
        let e = reverted("processBatch".into(), &rate, None);
        assert_eq!(e.kind(), causeway_core::ErrorKind::Reverted { transient: true });
        assert!(e.reason().starts_with("RateLimited"), "{}", e.reason());
        let paused = Mailbox::MailboxPaused { until: 99 }.abi_encode();
        assert!(is_transient_revert(&paused));
        let e = reverted("processBatch".into(), &[0xde, 0xad], None);
        assert_eq!(e.kind(), causeway_core::ErrorKind::Reverted { transient: false });
        assert_eq!(e.reason(), "revert data 0xdead");
    }

    #[test]
    fn range_limits_are_recognised_with_their_suggestion() {
        assert!(is_range_limit("query returned more than 10000 results"));
        assert!(!is_range_limit("execution reverted"));
        assert_eq!(
            suggested_range(
                "query returned more than 10000 results. try with this block range [0x10, 0x7d9]."
            ),
            Some(0x7d9 - 0x10 + 1)
        );
        assert_eq!(suggested_range("exceed maximum block range: 5000"), Some(5000));
        assert_eq!(suggested_range("eth_getlogs is limited to 1024 blocks"), Some(1024));
        assert_eq!(suggested_range("query returned more than 10000 results"), None);
    }
}
