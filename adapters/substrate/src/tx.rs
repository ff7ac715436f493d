//! Building and submitting the calls a user or an operator sends: a Causeway dispatch (transfer
//! to the escrow plus the payload remark) and its parts, through subxt's dynamic API.

use causeway_core::{B256, ChainError, chain::BlockRef};
use subxt::{
    config::Header,
    dynamic::{self, Value},
    transactions::{DynamicPayload, Signer},
};

use crate::{
    client::{Cfg, Client, b256},
    error::{retryable, rpc},
    payload::Payload,
};

/// A call as a `RuntimeCall` value (`Pallet(call { fields })`), to nest in `utility.batch_all`.
pub fn call(pallet: &str, name: &str, fields: Vec<(&str, Value)>) -> Value {
    Value::unnamed_variant(pallet, [Value::named_variant(name, fields)])
}

/// `balances.transfer_keep_alive(MultiAddress::Id(to), amount)`.
pub fn transfer_keep_alive(to: B256, amount: u128) -> Value {
    call(
        "Balances",
        "transfer_keep_alive",
        vec![
            ("dest", Value::unnamed_variant("Id", [Value::from_bytes(to.0)])),
            ("value", Value::u128(amount)),
        ],
    )
}

/// `system.remark_with_event(bytes)`.
pub fn remark_with_event(bytes: &[u8]) -> Value {
    call("System", "remark_with_event", vec![("remark", Value::from_bytes(bytes))])
}

/// `utility.batch_all(calls)` as a transaction.
pub fn batch_all(calls: Vec<Value>) -> DynamicPayload<Vec<Value>> {
    dynamic::tx("Utility", "batch_all", vec![Value::unnamed_composite(calls)])
}

/// The dispatch that bridges `amount` to `payload`'s beneficiary: the transfer to `escrow` and
/// the payload remark, atomically.
pub fn bridge_transfer(
    escrow: B256,
    amount: u128,
    payload: &Payload,
) -> DynamicPayload<Vec<Value>> {
    batch_all(vec![transfer_keep_alive(escrow, amount), remark_with_event(&payload.encode())])
}

/// An extrinsic included in a finalized block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Included {
    /// The block.
    pub block: BlockRef,
    /// Extrinsic hash.
    pub tx_hash: B256,
    /// The dispatch error when it failed (it is included and paid for either way).
    pub failed: Option<String>,
}

/// Signs `payload` with `signer`, submits it and waits until its block is finalized.
pub async fn submit<S: Signer<Cfg>>(
    client: &Client,
    payload: &DynamicPayload<Vec<Value>>,
    signer: &S,
) -> Result<Included, ChainError> {
    let what = format!("{}.{}", payload.pallet_name(), payload.call_name());
    let mut txs = client
        .api
        .transactions()
        .await
        .map_err(|e| ChainError::retryable(format!("{what}: the current block"), e))?;
    let progress = txs
        .sign_and_submit_then_watch_default(payload, signer)
        .await
        .map_err(|e| ChainError::retryable(format!("submit {what}"), e))?;
    let in_block = progress
        .wait_for_finalized()
        .await
        .map_err(|e| ChainError::retryable(format!("{what}: waiting for finality"), e))?;
    let failed = match in_block.wait_for_success().await {
        Ok(_) => None,
        Err(subxt::error::TransactionEventsError::ExtrinsicFailed(e)) => Some(e.to_string()),
        Err(e) => return Err(ChainError::retryable(format!("{what}: events"), e)),
    };
    let header = client
        .rpc
        .chain_get_header(Some(in_block.block_hash()))
        .await
        .map_err(|e| rpc(format!("{what}: its block header"), e))?
        .ok_or_else(|| retryable(format!("{what}: its block is gone")))?;
    Ok(Included {
        block: BlockRef { number: header.number(), hash: b256(in_block.block_hash()) },
        tx_hash: b256(in_block.extrinsic_hash()),
        failed,
    })
}
