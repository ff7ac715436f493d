//! The operator's approval of escrow releases (`multisig.as_multi`), with its own key as a
//! Substrate ECDSA account (`blake2_256` of the compressed secp256k1 public key): one key per
//! operator for the hub and the escrow.

use async_trait::async_trait;
use causeway_core::{
    B256, ChainError, Domain, Message, chain::ReleaseApprover, wire::ApprovalStatus,
};
use subxt::dynamic::{self, Value};
use subxt_signer::ecdsa::Keypair;

use crate::{
    error::permanent,
    escrow::{EscrowDomain, encode_call, free_balance, pending},
    tx::submit,
};

/// Weight the release call may use at most (`max_weight`); a transfer and a remark need a few
/// hundred million ref-time units.
const MAX_WEIGHT_REF_TIME: u64 = 10_000_000_000;
const MAX_WEIGHT_PROOF_SIZE: u64 = 200_000;

/// The Substrate account of an operator key (`MultiSigner::Ecdsa`).
pub fn operator_account(key: &B256) -> Result<B256, String> {
    let pair = Keypair::from_secret_key(key.0).map_err(|e| format!("operator key: {e:?}"))?;
    Ok(B256::from(pair.public_key().to_account_id().0))
}

/// Approves releases from one escrow with one operator's key.
#[derive(Debug)]
pub struct SubstrateApprover {
    chain: EscrowDomain,
    pair: Keypair,
    me: B256,
}

impl SubstrateApprover {
    /// The approver of `chain`'s escrow with the operator key `key`, which must be one of the
    /// escrow's signatories.
    pub fn new(chain: EscrowDomain, key: &B256) -> Result<Self, String> {
        let pair = Keypair::from_secret_key(key.0).map_err(|e| format!("operator key: {e:?}"))?;
        let me = B256::from(pair.public_key().to_account_id().0);
        if !chain.escrow.signatories.contains(&me) {
            return Err(format!(
                "this operator's account 0x{} is not a signatory of the escrow {}",
                hex(me.as_slice()),
                chain.escrow.account
            ));
        }
        Ok(Self { chain, pair, me })
    }

    /// This operator's account.
    pub fn account(&self) -> B256 {
        self.me
    }
}

#[async_trait]
impl ReleaseApprover for SubstrateApprover {
    fn domain(&self) -> Domain {
        self.chain.domain
    }

    async fn approve(&self, message: &Message) -> Result<ApprovalStatus, ChainError> {
        let EscrowDomain { domain, client, escrow, .. } = &self.chain;
        let release = match self.chain.release(message) {
            Ok(r) => r,
            Err(reason) => return Ok(ApprovalStatus::Refused { reason }),
        };
        if let Some(done) = self.chain.executed(&release.id).await? {
            return Ok(ApprovalStatus::Executed {
                tx_hash: done.tx_hash,
                block: done.block,
                fee: done.fee,
            });
        }
        let threshold = u32::from(escrow.threshold);
        let call = release.call();
        let (_, call_hash) = encode_call(client, &call).await?;
        let open = pending(client, &escrow.account, &call_hash).await?;
        if let Some(open) = &open
            && open.approvals.contains(&self.me)
        {
            return Ok(ApprovalStatus::AlreadyApproved {
                approvals: u32::try_from(open.approvals.len()).unwrap_or(u32::MAX),
                threshold,
            });
        }
        let ed = client.info.existential_deposit;
        if release.amount < ed && free_balance(client, &release.beneficiary).await? == 0 {
            return Ok(ApprovalStatus::Refused {
                reason: format!(
                    "amount {} is below the existential deposit {ed} of a new account",
                    release.amount
                ),
            });
        }
        let timepoint = match &open {
            Some(p) => Value::unnamed_variant(
                "Some",
                [Value::named_composite([
                    ("height", Value::u128(u128::from(p.when.0))),
                    ("index", Value::u128(u128::from(p.when.1))),
                ])],
            ),
            None => Value::unnamed_variant("None", []),
        };
        let others: Vec<Value> =
            escrow.others(&self.me).iter().map(|a| Value::from_bytes(a.0)).collect();
        let tx = dynamic::tx(
            "Multisig",
            "as_multi",
            vec![
                Value::u128(u128::from(escrow.threshold)),
                Value::unnamed_composite(others),
                timepoint,
                call,
                Value::named_composite([
                    ("ref_time", Value::u128(u128::from(MAX_WEIGHT_REF_TIME))),
                    ("proof_size", Value::u128(u128::from(MAX_WEIGHT_PROOF_SIZE))),
                ]),
            ],
        );
        let included = submit(client, &tx, &self.pair).await?;
        if let Some(why) = included.failed {
            return Err(permanent(format!("multisig.as_multi for {}: {why}", release.id)));
        }
        tracing::info!(
            target: "causeway::substrate",
            domain = *domain,
            id = %release.id,
            tx = %included.tx_hash,
            "approved the release"
        );
        if let Some(done) = self.chain.executed(&release.id).await? {
            return Ok(ApprovalStatus::Executed {
                tx_hash: done.tx_hash,
                block: done.block,
                fee: done.fee,
            });
        }
        let approvals = pending(client, &escrow.account, &call_hash)
            .await?
            .map_or(0, |p| u32::try_from(p.approvals.len()).unwrap_or(u32::MAX));
        Ok(ApprovalStatus::Approved { tx_hash: included.tx_hash, approvals, threshold })
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
