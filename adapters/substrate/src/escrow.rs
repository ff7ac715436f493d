//! The escrow: a `pallet_multisig` account of the operators' keys with a threshold. Bridged
//! funds arriving on the chain are locked in it; a message to the chain releases them by a
//! multisig call the operators approve one by one:
//! `utility.batch_all([balances.transfer_keep_alive(beneficiary, amount),
//! system.remark_with_event(message id)])`. The remark makes every release unique (its own call
//! hash) and leaves a `System.Remarked { sender: escrow, hash: blake2_256(id) }` event: the
//! on-chain record that the release executed, which [`ReleaseLog`] reads.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use causeway_core::{B256, ChainError, Domain, Message, chain::BlockRef};
use sp_crypto_hashing::blake2_256;
use subxt::{
    dynamic::{self, Value},
    ext::{codec::Encode, scale_encode::EncodeAsType},
};

use crate::{
    client::Client,
    decode::{field, read_block, uint},
    error::permanent,
    tx::{call, remark_with_event, transfer_keep_alive},
};

/// The escrow's signatories and threshold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escrow {
    /// Signatory accounts, ascending.
    pub signatories: Vec<B256>,
    /// Approvals needed.
    pub threshold: u16,
    /// The multisig account (`pallet_multisig::Pallet::multi_account_id`).
    pub account: B256,
}

impl Escrow {
    /// The escrow of `signatories` (any order, no duplicates) at `threshold` (2..=count).
    pub fn new(mut signatories: Vec<B256>, threshold: u16) -> Result<Self, String> {
        signatories.sort();
        if signatories.windows(2).any(|w| w[0] == w[1]) {
            return Err("a signatory is listed twice".into());
        }
        let n = signatories.len();
        if threshold < 2 || usize::from(threshold) > n {
            return Err(format!(
                "threshold {threshold} with {n} signatories; it must be 2..={n} (a threshold of 1 \
                 is a single key, not a multisig)"
            ));
        }
        let account = multi_account_id(&signatories, threshold);
        Ok(Self { signatories, threshold, account })
    }

    /// Every signatory but `me`, ascending (what `as_multi` takes).
    pub fn others(&self, me: &B256) -> Vec<B256> {
        self.signatories.iter().filter(|s| *s != me).copied().collect()
    }
}

/// `pallet_multisig`'s account of `sorted` signatories at `threshold`:
/// `blake2_256(b"modlpy/utilisuba" ++ SCALE(sorted) ++ SCALE(threshold))`.
pub fn multi_account_id(sorted: &[B256], threshold: u16) -> B256 {
    let who: Vec<[u8; 32]> = sorted.iter().map(|s| s.0).collect();
    let entropy = (b"modlpy/utilisuba", who, threshold).using_encoded(blake2_256);
    B256::from(entropy)
}

/// A Substrate destination's escrow as the relayer's sink and the operators' approvers share it:
/// the chain, the escrow, the bridges releases are accepted from, and the log of releases done.
#[derive(Debug, Clone)]
pub struct EscrowDomain {
    /// The chain's domain.
    pub domain: Domain,
    /// A connected client.
    pub client: Client,
    /// The escrow.
    pub escrow: Escrow,
    /// The token bridge of the chain's native token on each origin (the only allowed sender).
    pub bridges: Vec<(Domain, B256)>,
    /// Releases executed so far.
    pub log: Arc<ReleaseLog>,
}

impl EscrowDomain {
    /// The release `message` asks for, or why it asks for none.
    pub fn release(&self, message: &Message) -> Result<Release, String> {
        Release::from_message(message, self.domain, &self.escrow.account, &self.bridges)
    }

    /// Where the release of the message with `id` executed, if it did.
    pub async fn executed(&self, id: &B256) -> Result<Option<Executed>, ChainError> {
        self.log.executed_id(&self.client, id).await
    }
}

/// A release a message asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Release {
    /// The message id (the remark).
    pub id: B256,
    /// Who receives.
    pub beneficiary: B256,
    /// How much, in the chain's smallest unit.
    pub amount: u128,
}

impl Release {
    /// The release `message` asks for, if it is a token transfer to this chain's escrow from an
    /// enrolled bridge (`bridges`: origin → bridge address), else why not.
    pub fn from_message(
        message: &Message,
        domain: Domain,
        escrow: &B256,
        bridges: &[(Domain, B256)],
    ) -> Result<Self, String> {
        if message.destination != domain {
            return Err(format!("message is for domain {}, not {domain}", message.destination));
        }
        if message.recipient != *escrow {
            return Err(format!(
                "message recipient {} is not the escrow {escrow}; only token transfers are \
                 delivered to a substrate chain",
                message.recipient
            ));
        }
        match bridges.iter().find(|(d, _)| *d == message.origin) {
            Some((_, bridge)) if *bridge == message.sender => {}
            Some((_, bridge)) => {
                return Err(format!(
                    "sender {} is not the token bridge {bridge} of domain {}",
                    message.sender, message.origin
                ));
            }
            None => {
                return Err(format!("no token bridge is configured for domain {}", message.origin));
            }
        }
        if message.body.len() != 64 {
            return Err(format!("a transfer body is 64 bytes, found {}", message.body.len()));
        }
        let beneficiary = B256::from_slice(&message.body[..32]);
        let amount = &message.body[32..64];
        if amount[..16].iter().any(|b| *b != 0) {
            return Err("amount does not fit in u128".into());
        }
        let amount = u128::from_be_bytes(amount[16..].try_into().expect("16 bytes"));
        if amount == 0 {
            return Err("amount is 0".into());
        }
        Ok(Self { id: message.id(), beneficiary, amount })
    }

    /// The call the escrow executes (a `RuntimeCall` value).
    pub fn call(&self) -> Value {
        call(
            "Utility",
            "batch_all",
            vec![(
                "calls",
                Value::unnamed_composite([
                    transfer_keep_alive(self.beneficiary, self.amount),
                    remark_with_event(self.id.as_slice()),
                ]),
            )],
        )
    }

    /// `blake2_256(id)`: the hash in the `System.Remarked` event of the executed release.
    pub fn remark_hash(&self) -> B256 {
        B256::from(blake2_256(self.id.as_slice()))
    }
}

/// SCALE bytes of a `RuntimeCall` value and their blake2-256 (the multisig call hash).
pub(crate) async fn encode_call(
    client: &Client,
    call: &Value,
) -> Result<(Vec<u8>, B256), ChainError> {
    let at = client
        .api
        .at_current_block()
        .await
        .map_err(|e| ChainError::retryable("the current block (for metadata)", e))?;
    let metadata = at.metadata();
    let mut bytes = Vec::new();
    call.encode_as_type_to(metadata.outer_enums().call_enum_ty(), metadata.types(), &mut bytes)
        .map_err(|e| permanent(format!("encode the release call: {e}")))?;
    let hash = B256::from(blake2_256(&bytes));
    Ok((bytes, hash))
}

/// An open multisig operation (`Multisig.Multisigs(escrow, call_hash)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// Timepoint of the first approval: block height and extrinsic index.
    pub when: (u32, u32),
    /// Accounts that approved, ascending.
    pub approvals: Vec<B256>,
}

/// The open operation for `call_hash` on `escrow`, if any.
pub(crate) async fn pending(
    client: &Client,
    escrow: &B256,
    call_hash: &B256,
) -> Result<Option<Pending>, ChainError> {
    let at = client
        .api
        .at_current_block()
        .await
        .map_err(|e| ChainError::retryable("the current block", e))?;
    let address = dynamic::storage::<([u8; 32], [u8; 32]), Value>("Multisig", "Multisigs");
    let Some(value) = at
        .storage()
        .try_fetch(address, (escrow.0, call_hash.0))
        .await
        .map_err(|e| ChainError::retryable("Multisig.Multisigs", e))?
    else {
        return Ok(None);
    };
    let value = value.decode().map_err(|e| permanent(format!("Multisig.Multisigs: {e}")))?;
    let when = field(&value, "when");
    let height = when.and_then(|w| field(w, "height")).and_then(uint);
    let index = when.and_then(|w| field(w, "index")).and_then(uint);
    let (Some(height), Some(index)) = (height, index) else {
        return Err(permanent(format!("Multisig.Multisigs has no timepoint: {value}")));
    };
    let approvals = field(&value, "approvals").map(crate::decode::accounts).unwrap_or_default();
    Ok(Some(Pending {
        when: (u32::try_from(height).unwrap_or(u32::MAX), u32::try_from(index).unwrap_or(u32::MAX)),
        approvals,
    }))
}

/// Free balance of `account`.
pub async fn free_balance(client: &Client, account: &B256) -> Result<u128, ChainError> {
    let at = client
        .api
        .at_current_block()
        .await
        .map_err(|e| ChainError::retryable("the current block", e))?;
    let address = dynamic::storage::<([u8; 32],), Value>("System", "Account");
    let Some(value) = at
        .storage()
        .try_fetch(address, (account.0,))
        .await
        .map_err(|e| ChainError::retryable("System.Account", e))?
    else {
        return Ok(0);
    };
    let value = value.decode().map_err(|e| permanent(format!("System.Account: {e}")))?;
    Ok(field(&value, "data").and_then(|d| field(d, "free")).and_then(uint).unwrap_or(0))
}

/// Where an executed release was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Executed {
    /// Its block.
    pub block: BlockRef,
    /// The final approval's extrinsic.
    pub tx_hash: B256,
    /// What that extrinsic paid.
    pub fee: u128,
}

/// Every release the escrow executed, read from `System.Remarked` events by the escrow, block
/// by block up to the finalized head; shared by the relayer's sink and the operator's approver
/// so neither approves or reports a release twice.
#[derive(Debug)]
pub struct ReleaseLog {
    escrow: B256,
    state: tokio::sync::Mutex<LogState>,
    /// Blocks read so far (for metrics and tests).
    read: Mutex<u64>,
}

#[derive(Debug, Default)]
struct LogState {
    next: u64,
    executed: HashMap<B256, Executed>,
}

impl ReleaseLog {
    /// A log of `escrow`'s releases from block `start`.
    pub fn new(escrow: B256, start: u64) -> Self {
        Self {
            escrow,
            state: tokio::sync::Mutex::new(LogState { next: start, executed: HashMap::new() }),
            read: Mutex::new(0),
        }
    }

    /// Reads the blocks up to the finalized head and says whether `release` executed.
    pub async fn executed(
        &self,
        client: &Client,
        release: &Release,
    ) -> Result<Option<Executed>, ChainError> {
        self.executed_id(client, &release.id).await
    }

    /// Reads the blocks up to the finalized head and says whether the release of the message
    /// with `id` executed.
    pub async fn executed_id(
        &self,
        client: &Client,
        id: &B256,
    ) -> Result<Option<Executed>, ChainError> {
        let mut state = self.state.lock().await;
        let finalized = client
            .rpc
            .chain_get_finalized_head()
            .await
            .map_err(|e| crate::error::rpc("chain_getFinalizedHead", e))?;
        let header = client
            .rpc
            .chain_get_header(Some(finalized))
            .await
            .map_err(|e| crate::error::rpc("chain_getHeader", e))?;
        let head = header.map(|h| subxt::config::Header::number(&h)).unwrap_or(0);
        while state.next <= head {
            let number = state.next;
            let seen = read_block(client, number).await?;
            for (sender, hash, index) in &seen.remarks {
                if *sender != self.escrow {
                    continue;
                }
                let Some(ext) = seen.extrinsics.iter().find(|e| e.index == *index) else {
                    continue;
                };
                let fee = seen.fees.iter().find(|(i, _)| i == index).map_or(0, |(_, f)| *f);
                state
                    .executed
                    .insert(*hash, Executed { block: seen.block, tx_hash: ext.hash, fee });
            }
            state.next = number + 1;
            *self.read.lock().unwrap_or_else(std::sync::PoisonError::into_inner) += 1;
        }
        Ok(state.executed.get(&B256::from(blake2_256(id.as_slice()))).copied())
    }

    /// Forgets what it read from block `from` on (a reorg of the destination).
    pub async fn rewind(&self, from: u64) {
        let mut state = self.state.lock().await;
        state.executed.retain(|_, e| e.block.number < from);
        state.next = state.next.min(from);
    }
}
