//! Turning subxt's errors into [`ChainError`]s: the only place this adapter classifies failures.

use causeway_core::ChainError;
use subxt::rpcs::Error as RpcError;

/// A failed RPC call: transport failures and server-side internal errors are retryable; a
/// request the node refuses as malformed (method not found, invalid params) or a response that
/// does not decode will fail the same way again.
pub(crate) fn rpc(context: impl Into<String>, error: RpcError) -> ChainError {
    match &error {
        RpcError::User(user) if matches!(user.code, -32602..=-32600) => {
            ChainError::permanent(context, error)
        }
        RpcError::Serialization(_) | RpcError::Deserialization(_) | RpcError::Decode(_) => {
            ChainError::permanent(context, error)
        }
        RpcError::InsecureUrl(_) => ChainError::permanent(context, error),
        _ => ChainError::retryable(context, error),
    }
}

/// A permanent error with only a message.
pub(crate) fn permanent(context: impl Into<String>) -> ChainError {
    ChainError::Permanent { context: context.into(), source: None }
}

/// A retryable error with only a message.
pub(crate) fn retryable(context: impl Into<String>) -> ChainError {
    ChainError::Retryable { context: context.into(), source: None }
}
