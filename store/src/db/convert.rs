//! Conversions between core types and column values.

use std::time::{SystemTime, UNIX_EPOCH};

use causeway_core::B256;

use crate::error::StoreError;

/// Unix time in milliseconds.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// A `u64` for a `BIGINT` column.
pub(crate) fn i64_of(what: &'static str, value: u64) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::OutOfRange { what, value: u128::from(value) })
}

/// A `BIGINT` column read back as `u64`.
pub(crate) fn u64_of(value: i64) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt {
        table: "(numeric column)",
        reason: format!("negative value {value}"),
    })
}

/// A 32-byte column.
pub(crate) fn b256(table: &'static str, bytes: &[u8]) -> Result<B256, StoreError> {
    B256::try_from(bytes).map_err(|_| StoreError::Corrupt {
        table,
        reason: format!("expected 32 bytes, found {}", bytes.len()),
    })
}
