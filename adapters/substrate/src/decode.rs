//! Reading one block: its extrinsics with their outcome, and turning a Causeway dispatch
//! (`utility.batch_all([balances.transfer_keep_alive(escrow, amount),
//! system.remark_with_event(payload)])`) into a message or a rejection with its reason.

use causeway_core::{
    B256, Bytes, ChainError, Domain, Message, U256,
    chain::{BlockRef, Rejected},
};
use subxt::{
    dynamic::Value,
    events::Phase,
    ext::scale_value::{Composite, Primitive, ValueDef},
};

use crate::{
    client::{Client, b256},
    error::{permanent, retryable},
    payload::{Payload, PayloadKind},
};

/// One signed extrinsic of a block, as this adapter sees it.
#[derive(Debug, Clone)]
pub(crate) struct SeenExtrinsic {
    pub(crate) index: u32,
    pub(crate) hash: B256,
    /// The signing account (`MultiAddress::Id`), when signed by one.
    pub(crate) signer: Option<B256>,
    /// The call decoded against the block's metadata.
    pub(crate) call: Value,
    /// `None` when it succeeded, else the dispatch error.
    pub(crate) failed: Option<String>,
}

/// What happened in one block that concerns the bridge.
#[derive(Debug, Clone)]
pub(crate) struct SeenBlock {
    pub(crate) block: BlockRef,
    pub(crate) extrinsics: Vec<SeenExtrinsic>,
    /// `System.Remarked { sender, hash }` events: (sender, blake2-256 of the remark, extrinsic
    /// index, fee paid by that extrinsic's signer).
    pub(crate) remarks: Vec<(B256, B256, u32)>,
    /// `TransactionPayment.TransactionFeePaid` actual fee per extrinsic index.
    pub(crate) fees: Vec<(u32, u128)>,
}

/// Reads block `number` (extrinsics and events).
pub(crate) async fn read_block(client: &Client, number: u64) -> Result<SeenBlock, ChainError> {
    let hash = client
        .rpc
        .chain_get_block_hash(Some(number.into()))
        .await
        .map_err(|e| crate::error::rpc(format!("chain_getBlockHash({number})"), e))?
        .ok_or_else(|| retryable(format!("no block {number} yet")))?;
    let at = client
        .api
        .at_block_hash_and_number(hash, number)
        .await
        .map_err(|e| ChainError::retryable(format!("block {number}"), e))?;
    let block = BlockRef { number, hash: b256(hash) };
    let extrinsics = at
        .extrinsics()
        .fetch()
        .await
        .map_err(|e| ChainError::retryable(format!("extrinsics of block {number}"), e))?;
    let events = at
        .events()
        .fetch()
        .await
        .map_err(|e| ChainError::retryable(format!("events of block {number}"), e))?;

    let mut failed: Vec<(u32, String)> = Vec::new();
    let mut remarks = Vec::new();
    let mut fees = Vec::new();
    for event in events.iter() {
        let event = event.map_err(|e| permanent(format!("an event of block {number}: {e}")))?;
        let Phase::ApplyExtrinsic(index) = event.phase() else { continue };
        match (event.pallet_name(), event.event_name()) {
            ("System", "ExtrinsicFailed") => {
                let detail =
                    subxt::error::DispatchError::decode_from(event.field_bytes(), at.metadata())
                        .map(|e| e.to_string())
                        .unwrap_or_else(|e| format!("an undecodable dispatch error: {e}"));
                failed.push((index, detail));
            }
            ("System", "Remarked") => {
                let value = event
                    .decode_as::<Value>()
                    .map_err(|e| permanent(format!("System.Remarked in block {number}: {e}")))?;
                let inner = inner_event(&value);
                let sender = field(inner, "sender").and_then(account);
                let hash = field(inner, "hash").and_then(bytes32);
                if let (Some(sender), Some(hash)) = (sender, hash) {
                    remarks.push((sender, hash, index));
                }
            }
            ("TransactionPayment", "TransactionFeePaid") => {
                if let Ok(value) = event.decode_as::<Value>()
                    && let Some(fee) = field(inner_event(&value), "actual_fee").and_then(uint)
                {
                    fees.push((index, fee));
                }
            }
            _ => {}
        }
    }

    let mut seen = Vec::new();
    for ext in extrinsics.iter() {
        let ext = ext.map_err(|e| permanent(format!("an extrinsic of block {number}: {e}")))?;
        if !ext.is_signed() {
            continue;
        }
        let index = u32::try_from(ext.index()).unwrap_or(u32::MAX);
        let call = ext
            .decode_call_data_as::<Value>()
            .map_err(|e| permanent(format!("extrinsic {number}-{index}: {e}")))?;
        let signer = ext.address_bytes().and_then(multi_address_id);
        let failed = failed.iter().find(|(i, _)| *i == index).map(|(_, why)| why.clone());
        seen.push(SeenExtrinsic { index, hash: b256(ext.hash()), signer, call, failed });
    }
    Ok(SeenBlock { block, extrinsics: seen, remarks, fees })
}

/// The event variant inside a decoded `RuntimeEvent` (`System(Remarked { … })`).
fn inner_event(value: &Value) -> &Value {
    variant(value).and_then(|(_, fields)| first(fields)).unwrap_or(value)
}

/// What the source needs to turn dispatches into messages.
#[derive(Debug, Clone)]
pub(crate) struct Rules {
    pub(crate) domain: Domain,
    /// The escrow account.
    pub(crate) escrow: B256,
    /// The token bridge on each destination (the message recipient of a transfer).
    pub(crate) bridges: Vec<(Domain, B256)>,
}

/// A Causeway dispatch found in an extrinsic.
#[derive(Debug)]
pub(crate) enum Found {
    Message(Message),
    Rejected(Rejected),
}

/// The Causeway dispatch of `ext`, if it carries one (a remark starting with the magic).
pub(crate) fn dispatch(rules: &Rules, block: BlockRef, ext: &SeenExtrinsic) -> Option<Found> {
    let calls: Vec<&Value> = match variant(&ext.call) {
        Some(("Utility", inner)) => match first(inner).and_then(variant) {
            Some(("batch_all", args)) => field_in(args, "calls").map(items).unwrap_or_default(),
            _ => return None,
        },
        Some(("System", _)) => vec![&ext.call],
        _ => return None,
    };
    let parsed: Vec<Call> = calls.iter().map(|c| Call::parse(c)).collect();
    let ours: Vec<&Vec<u8>> = parsed
        .iter()
        .filter_map(|c| match c {
            Call::Remark(r) if Payload::is_ours(r) => Some(r),
            _ => None,
        })
        .collect();
    let remark = *ours.first()?;
    let reject = |reason: String| {
        Some(Found::Rejected(Rejected {
            block,
            tx_hash: ext.hash,
            index: ext.index,
            sender: ext.signer.unwrap_or_default(),
            reason,
            data: Bytes::from(remark.clone()),
        }))
    };
    if ours.len() > 1 {
        return reject(format!("{} Causeway payloads in one extrinsic; send one", ours.len()));
    }
    if let Some(why) = &ext.failed {
        return reject(format!("the extrinsic failed: {why}"));
    }
    let Some(signer) = ext.signer else {
        return reject("signed by an address that is not an account id".into());
    };
    let payload = match Payload::decode(remark) {
        Ok(p) => p,
        Err(e) => return reject(e.to_string()),
    };
    if payload.destination == rules.domain {
        return reject(format!("destination {} is this chain", payload.destination));
    }
    let transfers: Vec<(B256, u128)> = parsed
        .iter()
        .filter_map(|c| match c {
            Call::Transfer { dest, amount } => Some((*dest, *amount)),
            _ => None,
        })
        .collect();
    if let Some(other) = parsed.iter().find_map(|c| match c {
        Call::Other(name) => Some(name),
        _ => None,
    }) {
        return reject(format!("unexpected call {other} beside the Causeway payload"));
    }
    let message = match payload.kind {
        PayloadKind::Message => {
            if !transfers.is_empty() {
                return reject("a message payload carries no transfer".into());
            }
            Message::new(
                0,
                rules.domain,
                signer,
                payload.destination,
                payload.recipient,
                payload.body,
            )
        }
        PayloadKind::Transfer => {
            let [(dest, amount)] = transfers.as_slice() else {
                return reject(format!(
                    "a transfer payload needs exactly one balances.transfer_keep_alive to the \
                     escrow, found {}",
                    transfers.len()
                ));
            };
            if *dest != rules.escrow {
                return reject(format!(
                    "transfer to 0x{}, not to the escrow 0x{}",
                    hex(dest.as_slice()),
                    hex(rules.escrow.as_slice())
                ));
            }
            if *amount == 0 {
                return reject("transfer of 0".into());
            }
            let Some((_, bridge)) = rules.bridges.iter().find(|(d, _)| *d == payload.destination)
            else {
                return reject(format!(
                    "no token bridge is configured for domain {}",
                    payload.destination
                ));
            };
            let mut body = payload.recipient.to_vec();
            body.extend_from_slice(&U256::from(*amount).to_be_bytes::<32>());
            Message::new(0, rules.domain, rules.escrow, payload.destination, *bridge, body)
        }
    };
    match message {
        Ok(m) => Some(Found::Message(m)),
        Err(e) => reject(e.to_string()),
    }
}

/// The calls of a Causeway batch this adapter tells apart.
enum Call {
    Transfer { dest: B256, amount: u128 },
    Remark(Vec<u8>),
    Other(String),
}

impl Call {
    fn parse(call: &Value) -> Self {
        let Some((pallet, inner)) = variant(call) else { return Self::Other("?".into()) };
        let Some((name, args)) = first(inner).and_then(variant) else {
            return Self::Other(format!("{pallet}.?"));
        };
        match (pallet, name) {
            ("Balances", "transfer_keep_alive") => {
                let dest = field_in(args, "dest").and_then(account);
                let amount = field_in(args, "value").and_then(uint);
                match (dest, amount) {
                    (Some(dest), Some(amount)) => Self::Transfer { dest, amount },
                    _ => Self::Other(format!("{pallet}.{name} with an unreadable destination")),
                }
            }
            ("System", "remark_with_event") => {
                field_in(args, "remark").and_then(bytes).map_or_else(
                    || Self::Other(format!("{pallet}.{name} with an unreadable remark")),
                    Self::Remark,
                )
            }
            _ => Self::Other(format!("{pallet}.{name}")),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `(name, fields)` of an enum value.
pub(crate) fn variant(v: &Value) -> Option<(&str, &Composite<()>)> {
    match &v.value {
        ValueDef::Variant(var) => Some((var.name.as_str(), &var.values)),
        _ => None,
    }
}

fn values(c: &Composite<()>) -> Vec<&Value> {
    match c {
        Composite::Named(fields) => fields.iter().map(|(_, v)| v).collect(),
        Composite::Unnamed(fields) => fields.iter().collect(),
    }
}

fn first(c: &Composite<()>) -> Option<&Value> {
    values(c).into_iter().next()
}

fn field_in<'a>(c: &'a Composite<()>, name: &str) -> Option<&'a Value> {
    match c {
        Composite::Named(fields) => fields.iter().find(|(n, _)| n == name).map(|(_, v)| v),
        Composite::Unnamed(_) => None,
    }
}

/// A named field of a struct or variant value.
pub(crate) fn field<'a>(v: &'a Value, name: &str) -> Option<&'a Value> {
    match &v.value {
        ValueDef::Composite(c) => field_in(c, name),
        ValueDef::Variant(var) => field_in(&var.values, name),
        _ => None,
    }
}

fn items(v: &Value) -> Vec<&Value> {
    match &v.value {
        ValueDef::Composite(c) => values(c),
        _ => Vec::new(),
    }
}

/// An unsigned integer value.
pub(crate) fn uint(v: &Value) -> Option<u128> {
    match &v.value {
        ValueDef::Primitive(Primitive::U128(n)) => Some(*n),
        ValueDef::Composite(c) if values(c).len() == 1 => uint(values(c)[0]),
        _ => None,
    }
}

/// A byte sequence (`Vec<u8>`, `[u8; N]`, or a newtype around one).
pub(crate) fn bytes(v: &Value) -> Option<Vec<u8>> {
    let ValueDef::Composite(c) = &v.value else { return None };
    let vals = values(c);
    let direct: Option<Vec<u8>> = vals
        .iter()
        .map(|x| match &x.value {
            ValueDef::Primitive(Primitive::U128(n)) => u8::try_from(*n).ok(),
            _ => None,
        })
        .collect();
    match direct {
        Some(b) => Some(b),
        None if vals.len() == 1 => bytes(vals[0]),
        None => None,
    }
}

fn bytes32(v: &Value) -> Option<B256> {
    bytes(v).filter(|b| b.len() == 32).map(|b| B256::from_slice(&b))
}

/// A 32-byte account: an `AccountId32` or a `MultiAddress::Id`.
pub(crate) fn account(v: &Value) -> Option<B256> {
    match variant(v) {
        Some(("Id", fields)) => first(fields).and_then(bytes32),
        Some(_) => None,
        None => bytes32(v),
    }
}

/// The account of an encoded `MultiAddress::Id` (variant byte 0 then 32 bytes).
fn multi_address_id(bytes: &[u8]) -> Option<B256> {
    match bytes {
        [0, rest @ ..] if rest.len() == 32 => Some(B256::from_slice(rest)),
        _ => None,
    }
}

/// A sequence of accounts (`Vec<AccountId32>`, `BoundedVec<…>`).
pub(crate) fn accounts(v: &Value) -> Vec<B256> {
    if let Some(a) = account(v) {
        return vec![a];
    }
    items(v).into_iter().flat_map(accounts).collect()
}
