//! Checkpoints: what an operator attests about an origin's outbox, and its EIP-712 digest.
//!
//! A checkpoint says "after `index + 1` messages, the outbox `outbox` of domain `origin` had
//! root `root`", signed for operator-set epoch `epoch`. Operators sign the EIP-712 typed data
//! `Checkpoint(uint32 origin,bytes32 outbox,bytes32 root,uint32 index,uint64 epoch)` under the
//! domain `{ name: "Causeway", version: "1", chainId: hub chain, verifyingContract: registry }`,
//! so a signature is valid for exactly one deployment. `CheckpointLib.sol` computes the same
//! digest; `vectors/checkpoint.json` pins both.

use alloy_primitives::{Address, B256, FixedBytes, U256, keccak256};
use k256::ecdsa::SigningKey;
use serde::{Deserialize, Serialize};

use crate::message::Domain;

/// EIP-712 type string of a checkpoint.
pub const CHECKPOINT_TYPE: &str =
    "Checkpoint(uint32 origin,bytes32 outbox,bytes32 root,uint32 index,uint64 epoch)";

/// EIP-712 type string of the signing domain.
pub const DOMAIN_TYPE: &str =
    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)";

/// EIP-712 domain name.
pub const DOMAIN_NAME: &str = "Causeway";

/// EIP-712 domain version.
pub const DOMAIN_VERSION: &str = "1";

/// A 65-byte ECDSA signature `r ‖ s ‖ v` with `v ∈ {27, 28}`, as `ecrecover` takes it.
pub type SignatureBytes = FixedBytes<65>;

/// An attestation of an origin's outbox root at a given message count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Domain whose outbox this is.
    pub origin: Domain,
    /// The outbox: a Mailbox address left-padded to 32 bytes, or a virtual outbox id.
    pub outbox: B256,
    /// Root of the outbox tree after `index + 1` leaves.
    pub root: B256,
    /// Index of the last leaf covered (`count - 1`).
    pub index: u32,
    /// Operator-set epoch the signatures belong to.
    pub epoch: u64,
}

/// The EIP-712 domain operators sign under: one hub deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SigningDomain {
    /// Chain id of the hub chain.
    pub chain_id: u64,
    /// Address of the hub's `RestakingRegistry`.
    pub registry: Address,
}

/// Why a key or signature could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// The bytes are not a valid secp256k1 secret key (zero, or not below the group order).
    #[error(
        "not a valid secp256k1 private key (must be 32 bytes, non-zero, below the curve order)"
    )]
    InvalidKey,
    /// Signing failed inside the ECDSA implementation.
    #[error("signing failed: {0}")]
    Signing(String),
}

/// `keccak256` of [`CHECKPOINT_TYPE`].
pub fn checkpoint_type_hash() -> B256 {
    keccak256(CHECKPOINT_TYPE)
}

impl SigningDomain {
    /// The EIP-712 domain separator.
    pub fn separator(&self) -> B256 {
        let mut buf = [0u8; 32 * 5];
        buf[..32].copy_from_slice(keccak256(DOMAIN_TYPE).as_slice());
        buf[32..64].copy_from_slice(keccak256(DOMAIN_NAME).as_slice());
        buf[64..96].copy_from_slice(keccak256(DOMAIN_VERSION).as_slice());
        buf[96..128].copy_from_slice(&U256::from(self.chain_id).to_be_bytes::<32>());
        buf[128..].copy_from_slice(self.registry.into_word().as_slice());
        keccak256(buf)
    }
}

impl Checkpoint {
    /// The EIP-712 `hashStruct` of this checkpoint.
    pub fn struct_hash(&self) -> B256 {
        let mut buf = [0u8; 32 * 6];
        buf[..32].copy_from_slice(checkpoint_type_hash().as_slice());
        buf[60..64].copy_from_slice(&self.origin.to_be_bytes());
        buf[64..96].copy_from_slice(self.outbox.as_slice());
        buf[96..128].copy_from_slice(self.root.as_slice());
        buf[156..160].copy_from_slice(&self.index.to_be_bytes());
        buf[184..192].copy_from_slice(&self.epoch.to_be_bytes());
        keccak256(buf)
    }

    /// The digest operators sign: `keccak256(0x1901 ‖ domainSeparator ‖ structHash)`.
    pub fn digest(&self, domain: &SigningDomain) -> B256 {
        let mut buf = [0u8; 2 + 32 + 32];
        buf[..2].copy_from_slice(&[0x19, 0x01]);
        buf[2..34].copy_from_slice(domain.separator().as_slice());
        buf[34..].copy_from_slice(self.struct_hash().as_slice());
        keccak256(buf)
    }

    /// Number of messages the checkpoint covers (`index + 1`).
    pub fn count(&self) -> u64 {
        u64::from(self.index) + 1
    }
}

/// EIP-712 type string of an operator-set handover: the operators of `epoch` approve the set
/// whose hash is `nextSetHash` as the next one (`OperatorSetMirror.updateSet`).
pub const HANDOVER_TYPE: &str = "OperatorSetHandover(uint64 epoch,bytes32 nextSetHash)";

/// The digest the operators of `epoch` sign to hand over to the set with hash `next_set_hash`
/// (`HandoverLib.digest`).
pub fn handover_digest(domain: &SigningDomain, epoch: u64, next_set_hash: B256) -> B256 {
    let mut body = [0u8; 96];
    body[..32].copy_from_slice(keccak256(HANDOVER_TYPE).as_slice());
    body[56..64].copy_from_slice(&epoch.to_be_bytes());
    body[64..].copy_from_slice(next_set_hash.as_slice());
    let mut buf = [0u8; 66];
    buf[..2].copy_from_slice(&[0x19, 0x01]);
    buf[2..34].copy_from_slice(domain.separator().as_slice());
    buf[34..].copy_from_slice(keccak256(body).as_slice());
    keccak256(buf)
}

/// An operator's secp256k1 key, for signing checkpoints. `Debug` never shows the key.
#[derive(Clone)]
pub struct OperatorKey {
    key: SigningKey,
    address: Address,
}

impl std::fmt::Debug for OperatorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OperatorKey").field("address", &self.address).finish_non_exhaustive()
    }
}

impl OperatorKey {
    /// A key from its 32 secret bytes.
    pub fn from_bytes(secret: &B256) -> Result<Self, SignatureError> {
        let key =
            SigningKey::from_slice(secret.as_slice()).map_err(|_| SignatureError::InvalidKey)?;
        let address = Address::from_private_key(&key);
        Ok(Self { key, address })
    }

    /// The Ethereum address of this key.
    pub fn address(&self) -> Address {
        self.address
    }

    /// Signs a 32-byte digest; the signature has low `s` and `v ∈ {27, 28}`.
    pub fn sign_digest(&self, digest: &B256) -> Result<SignatureBytes, SignatureError> {
        let (signature, recovery) = self
            .key
            .sign_prehash_recoverable(digest.as_slice())
            .map_err(|e| SignatureError::Signing(e.to_string()))?;
        // RFC 6979 signatures from k256 are already normalized to low s; keep the parity in step
        // in case a future version is not.
        let (signature, recovery) = match signature.normalize_s() {
            Some(normalized) => {
                (normalized, k256::ecdsa::RecoveryId::from_byte(recovery.to_byte() ^ 1))
            }
            None => (signature, Some(recovery)),
        };
        let recovery = recovery.ok_or_else(|| SignatureError::Signing("bad recovery id".into()))?;
        let mut out = [0u8; 65];
        out[..64].copy_from_slice(&signature.to_bytes());
        out[64] = 27 + recovery.to_byte();
        Ok(SignatureBytes::from(out))
    }

    /// Signs `checkpoint` under `domain`.
    pub fn sign_checkpoint(
        &self,
        checkpoint: &Checkpoint,
        domain: &SigningDomain,
    ) -> Result<SignatureBytes, SignatureError> {
        self.sign_digest(&checkpoint.digest(domain))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_sol_types::{SolStruct, eip712_domain, sol};

    sol! {
        struct Checkpoint {
            uint32 origin;
            bytes32 outbox;
            bytes32 root;
            uint32 index;
            uint64 epoch;
        }
    }

    fn sample() -> super::Checkpoint {
        super::Checkpoint {
            origin: 1,
            outbox: B256::repeat_byte(0xaa),
            root: B256::repeat_byte(0xbb),
            index: 41,
            epoch: 3,
        }
    }

    #[test]
    fn digest_matches_alloy_sol_types() {
        let registry = Address::repeat_byte(0x42);
        let ours = SigningDomain { chain_id: 31337, registry };
        let cp = sample();
        let theirs = Checkpoint {
            origin: cp.origin,
            outbox: cp.outbox,
            root: cp.root,
            index: cp.index,
            epoch: cp.epoch,
        };
        let domain = eip712_domain! {
            name: "Causeway",
            version: "1",
            chain_id: 31337,
            verifying_contract: registry,
        };
        assert_eq!(theirs.eip712_type_hash(), checkpoint_type_hash());
        assert_eq!(domain.separator(), ours.separator());
        assert_eq!(theirs.eip712_hash_struct(), cp.struct_hash());
        assert_eq!(theirs.eip712_signing_hash(&domain), cp.digest(&ours));
    }

    #[test]
    fn signature_recovers_to_signer_with_low_s() {
        let key = OperatorKey::from_bytes(&B256::with_last_byte(1)).unwrap();
        // The well-known address of secret key 1.
        assert_eq!(
            key.address(),
            "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf".parse::<Address>().unwrap()
        );
        let domain = SigningDomain { chain_id: 1, registry: Address::ZERO };
        let digest = sample().digest(&domain);
        let sig = key.sign_digest(&digest).unwrap();
        assert!(sig[64] == 27 || sig[64] == 28);
        let parsed = alloy_primitives::Signature::from_raw(sig.as_slice()).unwrap();
        assert!(parsed.normalize_s().is_none(), "s must already be low");
        assert_eq!(parsed.recover_address_from_prehash(&digest).unwrap(), key.address());
    }

    #[test]
    fn handover_digest_matches_alloy_sol_types() {
        sol! {
            struct OperatorSetHandover {
                uint64 epoch;
                bytes32 nextSetHash;
            }
        }
        let registry = Address::repeat_byte(0x42);
        let domain = eip712_domain! {
            name: "Causeway",
            version: "1",
            chain_id: 31337,
            verifying_contract: registry,
        };
        let theirs = OperatorSetHandover { epoch: 9, nextSetHash: B256::repeat_byte(7) };
        assert_eq!(
            theirs.eip712_signing_hash(&domain),
            handover_digest(&SigningDomain { chain_id: 31337, registry }, 9, B256::repeat_byte(7))
        );
    }

    #[test]
    fn zero_key_is_rejected() {
        assert_eq!(OperatorKey::from_bytes(&B256::ZERO).unwrap_err(), SignatureError::InvalidKey);
    }
}
