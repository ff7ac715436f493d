//! Stake-weighted quorum math: does a set of signatures make a checkpoint final?
//!
//! The rules are `QuorumVerifier.sol`'s, checked in the same order so both give the same
//! verdict for the same input:
//! 1. the root is not zero (an uninitialised root is never valid — Nomad);
//! 2. the checkpoint's epoch is the set's epoch;
//! 3. for each signature in order: `v ∈ {27, 28}`, `s ≤ n/2` (no malleable twin), it recovers
//!    to a non-zero address, that address is strictly greater than the previous one (no
//!    duplicates — Wormhole), and it is in the set;
//! 4. at least `min_signers` distinct operators signed (one entity's weight cannot carry the
//!    quorum alone — Ronin), and
//! 5. signed weight × 10 000 ≥ total weight × `threshold_bps`.
#![deny(clippy::arithmetic_side_effects)]

use alloy_primitives::{Address, B256, U256};
use serde::{Deserialize, Serialize};

use crate::checkpoint::{Checkpoint, SignatureBytes, SigningDomain};

/// Basis points in one whole.
pub const BPS: u16 = 10_000;

/// Half the secp256k1 group order: the largest `s` a canonical signature may have.
pub const SECP256K1_HALF_N: U256 = U256::from_limbs([
    0xdfe9_2f46_681b_20a0,
    0x5d57_6e73_57a4_501d,
    0xffff_ffff_ffff_ffff,
    0x7fff_ffff_ffff_ffff,
]);

/// One operator of a set: its signing address and stake weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Operator {
    /// Address its signatures recover to.
    pub address: Address,
    /// Stake weight (token units).
    pub weight: u128,
}

/// The operators of one epoch and the quorum rule that applies to them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorSet {
    epoch: u64,
    operators: Vec<Operator>,
    threshold_bps: u16,
    min_signers: u32,
    total_weight: U256,
}

/// Why an operator set is malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SetError {
    /// No operators.
    #[error("operator set is empty")]
    Empty,
    /// Addresses not strictly ascending.
    #[error(
        "operator {index} ({address}) is not above the previous address: operators must be strictly ascending with no duplicates"
    )]
    Unsorted {
        /// Position in the list.
        index: usize,
        /// The offending address.
        address: Address,
    },
    /// The zero address.
    #[error("operator {index} is the zero address")]
    ZeroAddress {
        /// Position in the list.
        index: usize,
    },
    /// An operator with no weight.
    #[error("operator {index} ({address}) has zero weight")]
    ZeroWeight {
        /// Position in the list.
        index: usize,
        /// The offending address.
        address: Address,
    },
    /// `threshold_bps` outside `1..=10000`.
    #[error("threshold {0} bps is outside 1..=10000")]
    Threshold(u16),
    /// `min_signers` outside `1..=operators`.
    #[error("min_signers {min_signers} is outside 1..={operators}")]
    MinSigners {
        /// Requested minimum.
        min_signers: u32,
        /// Operators in the set.
        operators: usize,
    },
}

/// Why signatures do not make a checkpoint final. Indices refer to the signature list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QuorumError {
    /// The checkpoint's root is zero.
    #[error("checkpoint root is zero; a zero root is never valid")]
    ZeroRoot,
    /// The checkpoint names another epoch than the set's.
    #[error("checkpoint is for epoch {checkpoint} but the operator set is epoch {set}")]
    EpochMismatch {
        /// Epoch of the set.
        set: u64,
        /// Epoch in the checkpoint.
        checkpoint: u64,
    },
    /// `v` is not 27 or 28.
    #[error("signature {index}: v = {v}, expected 27 or 28")]
    InvalidV {
        /// Signature position.
        index: usize,
        /// The `v` byte.
        v: u8,
    },
    /// `s` is in the upper half of the curve order (malleable).
    #[error("signature {index}: s is above n/2 (malleable signature; use the low-s form)")]
    HighS {
        /// Signature position.
        index: usize,
    },
    /// Recovery failed, as `ecrecover` returning the zero address.
    #[error("signature {index}: does not recover to any address (ecrecover would return 0)")]
    ZeroSigner {
        /// Signature position.
        index: usize,
    },
    /// The signer equals the previous one.
    #[error("signature {index}: signer {signer} appears twice")]
    DuplicateSigner {
        /// Signature position.
        index: usize,
        /// The repeated signer.
        signer: Address,
    },
    /// The signer is below the previous one.
    #[error(
        "signature {index}: signer {signer} is below the previous signer {previous}; signatures must be ordered by ascending signer address"
    )]
    UnsortedSigner {
        /// Signature position.
        index: usize,
        /// This signature's signer.
        signer: Address,
        /// The previous signature's signer.
        previous: Address,
    },
    /// The signer is not in the set.
    #[error("signature {index}: signer {signer} is not an operator of epoch {epoch}")]
    UnknownSigner {
        /// Signature position.
        index: usize,
        /// The recovered signer.
        signer: Address,
        /// The set's epoch.
        epoch: u64,
    },
    /// Fewer distinct signers than required.
    #[error("{signers} distinct operators signed; at least {required} are required")]
    TooFewSigners {
        /// Valid signers.
        signers: usize,
        /// The set's `min_signers`.
        required: u32,
    },
    /// Not enough weight signed.
    #[error("signed weight {signed} is below the required {required} of total {total}")]
    WeightShort {
        /// Weight of the valid signers.
        signed: U256,
        /// Smallest weight that would pass.
        required: U256,
        /// Total weight of the set.
        total: U256,
    },
}

/// What a successful verification established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuorumReport {
    /// The signers, ascending.
    pub signers: Vec<Address>,
    /// Their total weight.
    pub signed_weight: U256,
    /// Weight of the whole set.
    pub total_weight: U256,
}

impl OperatorSet {
    /// A set from operators sorted by ascending address.
    pub fn new(
        epoch: u64,
        operators: Vec<Operator>,
        threshold_bps: u16,
        min_signers: u32,
    ) -> Result<Self, SetError> {
        if operators.is_empty() {
            return Err(SetError::Empty);
        }
        if threshold_bps == 0 || threshold_bps > BPS {
            return Err(SetError::Threshold(threshold_bps));
        }
        if min_signers == 0 || usize::try_from(min_signers).map_or(true, |m| m > operators.len()) {
            return Err(SetError::MinSigners { min_signers, operators: operators.len() });
        }
        let mut total_weight = U256::ZERO;
        let mut previous: Option<Address> = None;
        for (index, op) in operators.iter().enumerate() {
            if op.address == Address::ZERO {
                return Err(SetError::ZeroAddress { index });
            }
            if op.weight == 0 {
                return Err(SetError::ZeroWeight { index, address: op.address });
            }
            if previous.is_some_and(|p| p >= op.address) {
                return Err(SetError::Unsorted { index, address: op.address });
            }
            previous = Some(op.address);
            // 2^32 operators of 2^128 weight cannot overflow 256 bits.
            total_weight = total_weight.saturating_add(U256::from(op.weight));
        }
        Ok(Self { epoch, operators, threshold_bps, min_signers, total_weight })
    }

    /// A set from operators in any order (sorted here).
    pub fn from_unsorted(
        epoch: u64,
        mut operators: Vec<Operator>,
        threshold_bps: u16,
        min_signers: u32,
    ) -> Result<Self, SetError> {
        operators.sort_by_key(|op| op.address);
        Self::new(epoch, operators, threshold_bps, min_signers)
    }

    /// The epoch this set belongs to.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// Operators, ascending by address.
    pub fn operators(&self) -> &[Operator] {
        &self.operators
    }

    /// Required share of total weight, in basis points.
    pub fn threshold_bps(&self) -> u16 {
        self.threshold_bps
    }

    /// Required number of distinct signers.
    pub fn min_signers(&self) -> u32 {
        self.min_signers
    }

    /// Sum of all weights.
    pub fn total_weight(&self) -> U256 {
        self.total_weight
    }

    /// The weight of `address`, if it is an operator.
    pub fn weight_of(&self, address: &Address) -> Option<u128> {
        self.operators
            .binary_search_by_key(address, |op| op.address)
            .ok()
            .and_then(|i| self.operators.get(i))
            .map(|op| op.weight)
    }

    /// The smallest signed weight that meets the threshold: ⌈total × bps / 10 000⌉.
    pub fn required_weight(&self) -> U256 {
        let scaled = self.total_weight.saturating_mul(U256::from(self.threshold_bps));
        let bps = U256::from(BPS);
        let (quotient, remainder) = scaled.div_rem(bps);
        if remainder.is_zero() { quotient } else { quotient.saturating_add(U256::from(1)) }
    }

    /// Verifies `signatures` over `checkpoint` under `domain`.
    pub fn verify(
        &self,
        checkpoint: &Checkpoint,
        domain: &SigningDomain,
        signatures: &[SignatureBytes],
    ) -> Result<QuorumReport, QuorumError> {
        if checkpoint.root == B256::ZERO {
            return Err(QuorumError::ZeroRoot);
        }
        if checkpoint.epoch != self.epoch {
            return Err(QuorumError::EpochMismatch {
                set: self.epoch,
                checkpoint: checkpoint.epoch,
            });
        }
        let digest = checkpoint.digest(domain);
        let mut signers = Vec::with_capacity(signatures.len());
        let mut signed_weight = U256::ZERO;
        for (index, signature) in signatures.iter().enumerate() {
            let signer = recover_signer(&digest, signature, index)?;
            if let Some(&previous) = signers.last() {
                if signer == previous {
                    return Err(QuorumError::DuplicateSigner { index, signer });
                }
                if signer < previous {
                    return Err(QuorumError::UnsortedSigner { index, signer, previous });
                }
            }
            let weight = self.weight_of(&signer).ok_or(QuorumError::UnknownSigner {
                index,
                signer,
                epoch: self.epoch,
            })?;
            signed_weight = signed_weight.saturating_add(U256::from(weight));
            signers.push(signer);
        }
        if usize::try_from(self.min_signers).map_or(true, |m| signers.len() < m) {
            return Err(QuorumError::TooFewSigners {
                signers: signers.len(),
                required: self.min_signers,
            });
        }
        let required = self.required_weight();
        if signed_weight < required {
            return Err(QuorumError::WeightShort {
                signed: signed_weight,
                required,
                total: self.total_weight,
            });
        }
        Ok(QuorumReport { signers, signed_weight, total_weight: self.total_weight })
    }
}

/// The address that signed `digest`, with the same acceptance rules as `QuorumVerifier.sol`.
pub fn recover_signer(
    digest: &B256,
    signature: &SignatureBytes,
    index: usize,
) -> Result<Address, QuorumError> {
    let v = signature[64];
    let parity = match v {
        27 => false,
        28 => true,
        _ => return Err(QuorumError::InvalidV { index, v }),
    };
    let r = U256::from_be_slice(&signature[..32]);
    let s = U256::from_be_slice(&signature[32..64]);
    if s > SECP256K1_HALF_N {
        return Err(QuorumError::HighS { index });
    }
    alloy_primitives::Signature::new(r, s, parity)
        .recover_address_from_prehash(digest)
        .ok()
        .filter(|a| *a != Address::ZERO)
        .ok_or(QuorumError::ZeroSigner { index })
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use crate::checkpoint::OperatorKey;

    const DOMAIN: SigningDomain = SigningDomain { chain_id: 31337, registry: Address::ZERO };

    fn keys(n: u8) -> Vec<OperatorKey> {
        let mut keys: Vec<_> =
            (1..=n).map(|i| OperatorKey::from_bytes(&B256::with_last_byte(i)).unwrap()).collect();
        keys.sort_by_key(|k| k.address());
        keys
    }

    fn checkpoint() -> Checkpoint {
        Checkpoint {
            origin: 1,
            outbox: B256::repeat_byte(1),
            root: B256::repeat_byte(2),
            index: 9,
            epoch: 4,
        }
    }

    fn set(keys: &[OperatorKey], weights: &[u128], bps: u16, min: u32) -> OperatorSet {
        let ops = keys
            .iter()
            .zip(weights)
            .map(|(k, w)| Operator { address: k.address(), weight: *w })
            .collect();
        OperatorSet::new(4, ops, bps, min).unwrap()
    }

    fn sign(keys: &[&OperatorKey], cp: &Checkpoint) -> Vec<SignatureBytes> {
        keys.iter().map(|k| k.sign_checkpoint(cp, &DOMAIN).unwrap()).collect()
    }

    #[test]
    fn two_thirds_of_weight_passes() {
        let k = keys(4);
        let s = set(&k, &[10, 20, 30, 40], 6_667, 2);
        let cp = checkpoint();
        let report = s.verify(&cp, &DOMAIN, &sign(&[&k[1], &k[2], &k[3]], &cp)).unwrap();
        assert_eq!(report.signed_weight, U256::from(90));
        assert_eq!(report.signers.len(), 3);
    }

    #[test]
    fn every_rejection_reason() {
        let k = keys(4);
        let s = set(&k, &[10, 20, 30, 40], 6_667, 2);
        let cp = checkpoint();
        let good = sign(&[&k[0], &k[1], &k[2], &k[3]], &cp);

        let mut zero = cp;
        zero.root = B256::ZERO;
        assert_eq!(
            s.verify(&zero, &DOMAIN, &sign(&[&k[0], &k[1]], &zero)),
            Err(QuorumError::ZeroRoot)
        );

        let mut other_epoch = cp;
        other_epoch.epoch = 5;
        assert!(matches!(
            s.verify(&other_epoch, &DOMAIN, &good),
            Err(QuorumError::EpochMismatch { .. })
        ));

        let dup = vec![good[0], good[0]];
        assert!(matches!(
            s.verify(&cp, &DOMAIN, &dup),
            Err(QuorumError::DuplicateSigner { index: 1, .. })
        ));

        let unsorted = vec![good[1], good[0]];
        assert!(matches!(
            s.verify(&cp, &DOMAIN, &unsorted),
            Err(QuorumError::UnsortedSigner { index: 1, .. })
        ));

        let outsider = keys(6).into_iter().find(|x| s.weight_of(&x.address()).is_none()).unwrap();
        let with_outsider = sign(&[&outsider], &cp);
        assert!(matches!(
            s.verify(&cp, &DOMAIN, &with_outsider),
            Err(QuorumError::UnknownSigner { index: 0, .. })
        ));

        let mut bad_v = good[0];
        bad_v[64] = 29;
        assert_eq!(
            s.verify(&cp, &DOMAIN, &[bad_v]),
            Err(QuorumError::InvalidV { index: 0, v: 29 })
        );

        // The malleable twin (n - s, flipped v) recovers to the same signer and must be refused.
        let mut high = good[0];
        let n = SECP256K1_HALF_N * U256::from(2) + U256::from(1);
        let s_val = U256::from_be_slice(&high[32..64]);
        high[32..64].copy_from_slice(&(n - s_val).to_be_bytes::<32>());
        high[64] ^= 27 ^ 28;
        assert_eq!(s.verify(&cp, &DOMAIN, &[high]), Err(QuorumError::HighS { index: 0 }));

        let mut garbage = good[0];
        garbage[..32].copy_from_slice(&[0u8; 32]);
        assert_eq!(s.verify(&cp, &DOMAIN, &[garbage]), Err(QuorumError::ZeroSigner { index: 0 }));

        // Weight: the two heaviest reach 70 of 100 (≥ 66.67); the two lightest 30.
        let light = sign(&[&k[0], &k[1]], &cp);
        assert!(matches!(s.verify(&cp, &DOMAIN, &light), Err(QuorumError::WeightShort { .. })));

        // Signer count: one operator holding most weight cannot carry the quorum alone.
        let whale = set(&k, &[1, 1, 1, 97], 6_667, 2);
        assert_eq!(
            whale.verify(&cp, &DOMAIN, &sign(&[&k[3]], &cp)),
            Err(QuorumError::TooFewSigners { signers: 1, required: 2 })
        );
    }

    #[test]
    fn required_weight_rounds_up() {
        let k = keys(3);
        assert_eq!(set(&k, &[1, 1, 1], 6_667, 1).required_weight(), U256::from(3));
        assert_eq!(set(&k, &[1, 1, 1], 6_666, 1).required_weight(), U256::from(2));
        assert_eq!(set(&k, &[5, 5, 10], 5_000, 1).required_weight(), U256::from(10));
    }

    #[test]
    fn malformed_sets_are_refused() {
        let k = keys(2);
        let op = |i: usize, w| Operator { address: k[i].address(), weight: w };
        assert_eq!(OperatorSet::new(0, vec![], 5000, 1), Err(SetError::Empty));
        assert!(matches!(
            OperatorSet::new(0, vec![op(1, 1), op(0, 1)], 5000, 1),
            Err(SetError::Unsorted { index: 1, .. })
        ));
        assert!(matches!(
            OperatorSet::new(0, vec![op(0, 1), op(0, 1)], 5000, 1),
            Err(SetError::Unsorted { index: 1, .. })
        ));
        assert!(matches!(
            OperatorSet::new(0, vec![op(0, 0)], 5000, 1),
            Err(SetError::ZeroWeight { .. })
        ));
        assert_eq!(OperatorSet::new(0, vec![op(0, 1)], 0, 1), Err(SetError::Threshold(0)));
        assert_eq!(
            OperatorSet::new(0, vec![op(0, 1)], 10_001, 1),
            Err(SetError::Threshold(10_001))
        );
        assert_eq!(
            OperatorSet::new(0, vec![op(0, 1)], 5000, 2),
            Err(SetError::MinSigners { min_signers: 2, operators: 1 })
        );
        assert_eq!(
            OperatorSet::new(0, vec![Operator { address: Address::ZERO, weight: 1 }], 5000, 1),
            Err(SetError::ZeroAddress { index: 0 })
        );
    }
}
