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

use alloy_primitives::{Address, B256, U256, keccak256};
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
    timestamp: u64,
    operators: Vec<Operator>,
    threshold_bps: u16,
    min_signers: u16,
    total_weight: U256,
}

/// Most operators a set may hold: the signer bitmap on-chain is one `uint256`.
pub const MAX_OPERATORS: usize = 256;

/// Largest weight one operator may carry: weights are `uint96` in the packed member word.
pub const MAX_WEIGHT: u128 = (1 << 96) - 1;

/// EIP-712 type string of an operator set; its struct hash is what verifiers store per epoch.
pub const OPERATOR_SET_TYPE: &str = "OperatorSet(uint64 epoch,uint64 timestamp,uint16 thresholdBps,uint16 minSigners,uint128 totalWeight,bytes32[] members)";

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
    /// More than [`MAX_OPERATORS`] operators.
    #[error("operator set has {0} operators; at most {MAX_OPERATORS} are allowed")]
    TooLarge(usize),
    /// A weight above [`MAX_WEIGHT`].
    #[error("operator {index} has weight {weight}, above the uint96 maximum {MAX_WEIGHT}")]
    WeightTooLarge {
        /// Position in the list.
        index: usize,
        /// The offending weight.
        weight: u128,
    },
    /// `threshold_bps` outside `1..=10000`.
    #[error("threshold {0} bps is outside 1..=10000")]
    Threshold(u16),
    /// `min_signers` outside `1..=operators`.
    #[error("min_signers {min_signers} is outside 1..={operators}")]
    MinSigners {
        /// Requested minimum.
        min_signers: u16,
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
        required: u16,
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
    /// A set from operators sorted by ascending address, in force from hub time `timestamp`.
    pub fn new(
        epoch: u64,
        timestamp: u64,
        operators: Vec<Operator>,
        threshold_bps: u16,
        min_signers: u16,
    ) -> Result<Self, SetError> {
        if operators.is_empty() {
            return Err(SetError::Empty);
        }
        if operators.len() > MAX_OPERATORS {
            return Err(SetError::TooLarge(operators.len()));
        }
        if threshold_bps == 0 || threshold_bps > BPS {
            return Err(SetError::Threshold(threshold_bps));
        }
        if min_signers == 0 || usize::from(min_signers) > operators.len() {
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
            if op.weight > MAX_WEIGHT {
                return Err(SetError::WeightTooLarge { index, weight: op.weight });
            }
            if previous.is_some_and(|p| p >= op.address) {
                return Err(SetError::Unsorted { index, address: op.address });
            }
            previous = Some(op.address);
            // 2^32 operators of 2^128 weight cannot overflow 256 bits.
            total_weight = total_weight.saturating_add(U256::from(op.weight));
        }
        Ok(Self { epoch, timestamp, operators, threshold_bps, min_signers, total_weight })
    }

    /// A set from operators in any order (sorted here).
    pub fn from_unsorted(
        epoch: u64,
        timestamp: u64,
        mut operators: Vec<Operator>,
        threshold_bps: u16,
        min_signers: u16,
    ) -> Result<Self, SetError> {
        operators.sort_by_key(|op| op.address);
        Self::new(epoch, timestamp, operators, threshold_bps, min_signers)
    }

    /// The epoch this set belongs to.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// Hub time (unix seconds) at which the set took effect; staleness counts from it.
    pub fn timestamp(&self) -> u64 {
        self.timestamp
    }

    /// The packed member words `address << 96 | weight`, ascending, as the contracts take them.
    pub fn members(&self) -> Vec<B256> {
        self.operators.iter().map(member_word).collect()
    }

    /// The EIP-712 struct hash of the set, which `QuorumVerifier` stores per epoch
    /// (`QuorumLib.hash`): `keccak256(abi.encode(typeHash, epoch, timestamp, thresholdBps,
    /// minSigners, totalWeight, keccak256(members)))`.
    pub fn hash(&self) -> B256 {
        let mut members = Vec::with_capacity(self.operators.len().saturating_mul(32));
        for word in self.members() {
            members.extend_from_slice(word.as_slice());
        }
        let mut buf = [0u8; 32 * 7];
        buf[..32].copy_from_slice(keccak256(OPERATOR_SET_TYPE).as_slice());
        buf[56..64].copy_from_slice(&self.epoch.to_be_bytes());
        buf[88..96].copy_from_slice(&self.timestamp.to_be_bytes());
        buf[126..128].copy_from_slice(&self.threshold_bps.to_be_bytes());
        buf[158..160].copy_from_slice(&self.min_signers.to_be_bytes());
        buf[160..192].copy_from_slice(&self.total_weight.to_be_bytes::<32>());
        buf[192..].copy_from_slice(keccak256(&members).as_slice());
        keccak256(buf)
    }

    /// The signer bitmap the contracts take: bit `j` set when operator `j` (ascending) signed.
    /// `signers` must be members; their order does not matter.
    pub fn signer_bitmap(&self, signers: &[Address]) -> Result<U256, QuorumError> {
        let mut bitmap = U256::ZERO;
        for (index, signer) in signers.iter().enumerate() {
            let position =
                self.operators.binary_search_by_key(signer, |op| op.address).map_err(|_| {
                    QuorumError::UnknownSigner { index, signer: *signer, epoch: self.epoch }
                })?;
            bitmap.set_bit(position, true);
        }
        Ok(bitmap)
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
    pub fn min_signers(&self) -> u16 {
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
        if signers.len() < usize::from(self.min_signers) {
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

/// The packed member word of `operator`: its address in the high 160 bits, weight in the low 96.
pub fn member_word(operator: &Operator) -> B256 {
    let mut word = [0u8; 32];
    word[..20].copy_from_slice(operator.address.as_slice());
    word[20..].copy_from_slice(&operator.weight.to_be_bytes()[4..]);
    B256::from(word)
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

    fn set(keys: &[OperatorKey], weights: &[u128], bps: u16, min: u16) -> OperatorSet {
        let ops = keys
            .iter()
            .zip(weights)
            .map(|(k, w)| Operator { address: k.address(), weight: *w })
            .collect();
        OperatorSet::new(4, 1_700_000_000, ops, bps, min).unwrap()
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
        let new = |ops, bps, min| OperatorSet::new(0, 0, ops, bps, min);
        assert_eq!(new(vec![], 5000, 1), Err(SetError::Empty));
        assert!(matches!(
            new(vec![op(1, 1), op(0, 1)], 5000, 1),
            Err(SetError::Unsorted { index: 1, .. })
        ));
        assert!(matches!(
            new(vec![op(0, 1), op(0, 1)], 5000, 1),
            Err(SetError::Unsorted { index: 1, .. })
        ));
        assert!(matches!(new(vec![op(0, 0)], 5000, 1), Err(SetError::ZeroWeight { .. })));
        assert_eq!(
            new(vec![op(0, MAX_WEIGHT + 1)], 5000, 1),
            Err(SetError::WeightTooLarge { index: 0, weight: MAX_WEIGHT + 1 })
        );
        assert!(new(vec![op(0, MAX_WEIGHT)], 5000, 1).is_ok());
        assert_eq!(new(vec![op(0, 1)], 0, 1), Err(SetError::Threshold(0)));
        assert_eq!(new(vec![op(0, 1)], 10_001, 1), Err(SetError::Threshold(10_001)));
        assert_eq!(
            new(vec![op(0, 1)], 5000, 2),
            Err(SetError::MinSigners { min_signers: 2, operators: 1 })
        );
        assert_eq!(
            new(vec![Operator { address: Address::ZERO, weight: 1 }], 5000, 1),
            Err(SetError::ZeroAddress { index: 0 })
        );
        let many: Vec<_> = (1..=257u16)
            .map(|i| Operator { address: Address::left_padding_from(&i.to_be_bytes()), weight: 1 })
            .collect();
        assert_eq!(new(many, 5000, 1), Err(SetError::TooLarge(257)));
    }

    #[test]
    fn set_hash_matches_alloy_sol_types_eip712() {
        use alloy_sol_types::{SolStruct, sol};
        sol! {
            struct OperatorSet {
                uint64 epoch;
                uint64 timestamp;
                uint16 thresholdBps;
                uint16 minSigners;
                uint128 totalWeight;
                bytes32[] members;
            }
        }
        let k = keys(4);
        let s = set(&k, &[10, 20, 30, MAX_WEIGHT], 6_667, 3);
        let theirs = OperatorSet {
            epoch: s.epoch(),
            timestamp: s.timestamp(),
            thresholdBps: s.threshold_bps(),
            minSigners: s.min_signers(),
            totalWeight: s.total_weight().to::<u128>(),
            members: s.members(),
        };
        assert_eq!(theirs.eip712_type_hash(), keccak256(OPERATOR_SET_TYPE));
        assert_eq!(theirs.eip712_hash_struct(), s.hash());
    }

    #[test]
    fn member_words_and_bitmap() {
        let k = keys(3);
        let s = set(&k, &[5, 6, 7], 5000, 1);
        let words = s.members();
        assert_eq!(&words[1][..20], k[1].address().as_slice());
        assert_eq!(U256::from_be_slice(&words[1][20..]), U256::from(6));
        assert_eq!(s.signer_bitmap(&[k[2].address(), k[0].address()]).unwrap(), U256::from(0b101));
        let outsider = Address::repeat_byte(0xee);
        assert!(matches!(
            s.signer_bitmap(&[outsider]),
            Err(QuorumError::UnknownSigner { index: 0, .. })
        ));
    }
}
