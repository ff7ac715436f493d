//! Golden test vectors shared with the Solidity tests (`vectors/*.json`).
//!
//! [`generate`] computes every vector from this crate; `cargo xtask vectors` writes them and
//! `cargo test -p causeway-core` fails when the committed files differ from what the code
//! produces. The format is documented in `docs/vectors-format.md`.

use alloy_primitives::{Address, B256, Bytes, keccak256};
use serde::{Deserialize, Serialize};

use crate::{
    checkpoint::{
        CHECKPOINT_TYPE, Checkpoint, HANDOVER_TYPE, OperatorKey, SignatureBytes, SigningDomain,
        checkpoint_type_hash, handover_digest,
    },
    merkle::{MerkleTree, TREE_DEPTH, TreeError},
    message::{Message, MessageError, address_to_bytes32},
    quorum::{OPERATOR_SET_TYPE, Operator, OperatorSet},
};

/// Leaves in `merkle.json`.
pub const MERKLE_LEAVES: u32 = 128;

/// Why vectors could not be generated.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VectorError {
    /// A tree operation failed.
    #[error(transparent)]
    Tree(#[from] TreeError),
    /// A message was invalid.
    #[error(transparent)]
    Message(#[from] MessageError),
    /// Signing failed.
    #[error(transparent)]
    Signature(#[from] crate::checkpoint::SignatureError),
    /// An operator set was invalid.
    #[error("operator set: {0}")]
    Set(String),
    /// JSON serialization failed.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
}

/// `merkle.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MerkleVectors {
    /// Always 32.
    pub depth: u32,
    /// How the leaves were made.
    pub leaf_rule: String,
    /// The leaves.
    pub leaves: Vec<B256>,
    /// Root at every count `0..=leaves.len()`.
    pub roots: Vec<RootVector>,
    /// Proofs at a spread of counts and indices.
    pub proofs: Vec<ProofVector>,
}

/// A root at a count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RootVector {
    /// Leaves in the tree.
    pub count: u64,
    /// Its root.
    pub root: B256,
}

/// A branch for `index` in the tree of `count` leaves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProofVector {
    /// Leaves in the tree proven against.
    pub count: u64,
    /// Leaf index.
    pub index: u64,
    /// Leaf value.
    pub leaf: B256,
    /// Root at `count`.
    pub root: B256,
    /// Siblings, leaf level first.
    pub branch: Vec<B256>,
}

/// `merkle_range.json`: range multiproofs over the leaves of `merkle.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RangeVectors {
    /// The cases.
    pub ranges: Vec<RangeVector>,
}

/// Leaves `[start, start + leaves.len())` of the tree of `count` leaves, and their proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RangeVector {
    /// Leaves in the tree proven against.
    pub count: u64,
    /// Index of the first leaf.
    pub start: u64,
    /// The consecutive leaves.
    pub leaves: Vec<B256>,
    /// Root at `count`.
    pub root: B256,
    /// The range multiproof (ADR 0003 order).
    pub proof: Vec<B256>,
}

/// `message.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageVectors {
    /// The cases.
    pub messages: Vec<MessageVector>,
}

/// One message with its packed form and id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageVector {
    /// Version byte.
    pub version: u8,
    /// Nonce.
    pub nonce: u32,
    /// Origin domain.
    pub origin: u32,
    /// Sender account.
    pub sender: B256,
    /// Destination domain.
    pub destination: u32,
    /// Recipient account.
    pub recipient: B256,
    /// Body.
    pub body: Bytes,
    /// Packed encoding.
    pub packed: Bytes,
    /// keccak256 of `packed`.
    pub id: B256,
}

impl From<&Message> for MessageVector {
    fn from(m: &Message) -> Self {
        Self {
            version: m.version,
            nonce: m.nonce,
            origin: m.origin,
            sender: m.sender,
            destination: m.destination,
            recipient: m.recipient,
            body: m.body.clone(),
            packed: m.encode().into(),
            id: m.id(),
        }
    }
}

/// `checkpoint.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CheckpointVectors {
    /// The EIP-712 domain.
    pub domain: DomainVector,
    /// The checkpoint type string.
    pub type_string: String,
    /// Its hash.
    pub type_hash: B256,
    /// The domain separator.
    pub domain_separator: B256,
    /// Test keys (never use them for anything real).
    pub keys: Vec<KeyVector>,
    /// The cases.
    pub checkpoints: Vec<CheckpointVector>,
}

/// The EIP-712 domain in JSON form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DomainVector {
    /// "Causeway".
    pub name: String,
    /// "1".
    pub version: String,
    /// Hub chain id.
    pub chain_id: u64,
    /// Registry address.
    pub verifying_contract: Address,
}

/// A test key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KeyVector {
    /// Secret key.
    pub private_key: B256,
    /// Its address.
    pub address: Address,
}

/// A checkpoint, its hashes and signatures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CheckpointVector {
    /// Origin domain.
    pub origin: u32,
    /// Outbox id.
    pub outbox: B256,
    /// Root.
    pub root: B256,
    /// Last leaf index.
    pub index: u32,
    /// Epoch.
    pub epoch: u64,
    /// EIP-712 struct hash.
    pub struct_hash: B256,
    /// EIP-712 digest.
    pub digest: B256,
    /// Signatures, ascending by signer.
    pub signatures: Vec<SignatureVector>,
}

/// A signature and who made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignatureVector {
    /// Signer address.
    pub signer: Address,
    /// `r ‖ s ‖ v`.
    pub signature: SignatureBytes,
}

/// `operator_set.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OperatorSetVectors {
    /// The EIP-712 type string.
    pub type_string: String,
    /// Its hash.
    pub type_hash: B256,
    /// The cases.
    pub sets: Vec<OperatorSetVector>,
    /// `HANDOVER_TYPE`, the handover type string.
    pub handover_type_string: String,
    /// Handovers from each set to the next, under `checkpoint.json`'s domain.
    pub handovers: Vec<HandoverVector>,
}

/// A handover from one set to the next, signed by every operator of the signing set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HandoverVector {
    /// Epoch of the signing set.
    pub epoch: u64,
    /// Hash of the next set.
    pub next_set_hash: B256,
    /// EIP-712 digest under `checkpoint.json`'s domain.
    pub digest: B256,
    /// Signatures of the signing set's operators, ascending by signer.
    pub signatures: Vec<SignatureVector>,
}

/// One operator set, its member words, hash, and a signer bitmap example.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OperatorSetVector {
    /// Epoch.
    pub epoch: u64,
    /// Hub time the set took effect.
    pub timestamp: u64,
    /// Threshold in basis points.
    pub threshold_bps: u16,
    /// Minimum distinct signers.
    pub min_signers: u16,
    /// Sum of weights (a JSON number; kept below 2^53 in these vectors).
    pub total_weight: u64,
    /// Operators ascending by address, with weights.
    pub operators: Vec<OperatorVector>,
    /// `address << 96 | weight`, ascending.
    pub members: Vec<B256>,
    /// EIP-712 struct hash.
    pub hash: B256,
    /// Signers of the example bitmap (every other operator, from the first).
    pub example_signers: Vec<Address>,
    /// Their bitmap.
    pub example_bitmap: alloy_primitives::U256,
}

/// An operator and its weight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperatorVector {
    /// Signing address.
    pub address: Address,
    /// Weight.
    pub weight: u64,
}

/// All vector files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vectors {
    /// `merkle.json`.
    pub merkle: MerkleVectors,
    /// `message.json`.
    pub message: MessageVectors,
    /// `checkpoint.json`.
    pub checkpoint: CheckpointVectors,
    /// `operator_set.json`.
    pub operator_set: OperatorSetVectors,
    /// `merkle_range.json`.
    pub merkle_range: RangeVectors,
}

impl Vectors {
    /// `(file name, pretty JSON with a trailing newline)` for each file.
    pub fn files(&self) -> Result<Vec<(&'static str, String)>, VectorError> {
        let pretty = |v: String| v + "\n";
        Ok(vec![
            ("merkle.json", pretty(serde_json::to_string_pretty(&self.merkle)?)),
            ("message.json", pretty(serde_json::to_string_pretty(&self.message)?)),
            ("checkpoint.json", pretty(serde_json::to_string_pretty(&self.checkpoint)?)),
            ("operator_set.json", pretty(serde_json::to_string_pretty(&self.operator_set)?)),
            ("merkle_range.json", pretty(serde_json::to_string_pretty(&self.merkle_range)?)),
        ])
    }
}

/// Leaf `i` of the vector tree: keccak256 of `i` as 4 big-endian bytes.
pub fn vector_leaf(i: u32) -> B256 {
    keccak256(i.to_be_bytes())
}

/// The secret bytes of the `i`-th fixed test key: keccak256("causeway-test-key-{i}"). Public
/// knowledge: for tests and the local devnet only.
pub fn test_key_secret(i: u32) -> B256 {
    keccak256(format!("causeway-test-key-{i}"))
}

/// The `i`-th fixed test key ([`test_key_secret`]).
pub fn test_key(i: u32) -> Result<OperatorKey, VectorError> {
    Ok(OperatorKey::from_bytes(&test_key_secret(i))?)
}

/// Computes every vector.
pub fn generate() -> Result<Vectors, VectorError> {
    Ok(Vectors {
        merkle: merkle()?,
        message: messages()?,
        checkpoint: checkpoints()?,
        operator_set: operator_sets()?,
        merkle_range: ranges()?,
    })
}

fn ranges() -> Result<RangeVectors, VectorError> {
    let leaves: Vec<B256> = (0..MERKLE_LEAVES).map(vector_leaf).collect();
    let tree = MerkleTree::from_leaves(leaves.iter().copied())?;
    let cases: [(u64, u64, u64); 10] = [
        (1, 0, 1),
        (2, 1, 1),
        (5, 0, 5),
        (33, 31, 2),
        (64, 0, 32),
        (100, 37, 1),
        (100, 3, 60),
        (127, 96, 31),
        (128, 0, 128),
        (128, 127, 1),
    ];
    let ranges = cases
        .iter()
        .map(|&(count, start, n)| {
            Ok(RangeVector {
                count,
                start,
                leaves: leaves[start as usize..(start + n) as usize].to_vec(),
                root: tree.root_at(count)?,
                proof: tree.range_proof(start, n, count)?,
            })
        })
        .collect::<Result<_, TreeError>>()?;
    Ok(RangeVectors { ranges })
}

fn operator_sets() -> Result<OperatorSetVectors, VectorError> {
    let cases: [(u64, u64, &[u64], u16, u16); 4] = [
        (1, 1_700_000_000, &[100], 10_000, 1),
        (2, 1_700_003_600, &[10, 20, 30, 40], 6_667, 2),
        (7, 1_800_000_000, &[5, 5, 5, 5, 5], 6_000, 3),
        (
            9,
            1_900_000_000,
            &[1_000_000_000_000_000, 1, 3, 2_000_000_000_000, 7, 9, 11, 13],
            5_001,
            4,
        ),
    ];
    let domain = vector_domain();
    let mut sets = Vec::new();
    let mut built: Vec<OperatorSet> = Vec::new();
    for (epoch, timestamp, weights, threshold_bps, min_signers) in cases {
        let operators = (1u32..)
            .zip(weights)
            .map(|(i, w)| Ok(Operator { address: test_key(i)?.address(), weight: u128::from(*w) }))
            .collect::<Result<Vec<_>, VectorError>>()?;
        let set =
            OperatorSet::from_unsorted(epoch, timestamp, operators, threshold_bps, min_signers)
                .map_err(|e| VectorError::Set(e.to_string()))?;
        let example_signers: Vec<Address> =
            set.operators().iter().step_by(2).map(|op| op.address).collect();
        built.push(set.clone());
        sets.push(OperatorSetVector {
            epoch,
            timestamp,
            threshold_bps,
            min_signers,
            total_weight: weights.iter().sum(),
            operators: set
                .operators()
                .iter()
                .map(|op| OperatorVector { address: op.address, weight: op.weight as u64 })
                .collect(),
            members: set.members(),
            hash: set.hash(),
            example_bitmap: set
                .signer_bitmap(&example_signers)
                .map_err(|e| VectorError::Set(e.to_string()))?,
            example_signers,
        });
    }
    let mut handovers = Vec::new();
    for pair in built.windows(2) {
        let (current, next) = (&pair[0], &pair[1]);
        let digest = handover_digest(&domain, current.epoch(), next.hash());
        // The set's operators are test keys 1..=n (see the loop above).
        let mut signatures = Vec::new();
        for i in 1..=current.operators().len() as u32 {
            let key = test_key(i)?;
            signatures.push(SignatureVector {
                signer: key.address(),
                signature: key.sign_digest(&digest)?,
            });
        }
        signatures.sort_by_key(|s| s.signer);
        handovers.push(HandoverVector {
            epoch: current.epoch(),
            next_set_hash: next.hash(),
            digest,
            signatures,
        });
    }
    Ok(OperatorSetVectors {
        type_string: OPERATOR_SET_TYPE.into(),
        type_hash: keccak256(OPERATOR_SET_TYPE),
        sets,
        handover_type_string: HANDOVER_TYPE.into(),
        handovers,
    })
}

fn merkle() -> Result<MerkleVectors, VectorError> {
    let leaves: Vec<B256> = (0..MERKLE_LEAVES).map(vector_leaf).collect();
    let tree = MerkleTree::from_leaves(leaves.iter().copied())?;
    let roots = (0..=u64::from(MERKLE_LEAVES))
        .map(|count| Ok(RootVector { count, root: tree.root_at(count)? }))
        .collect::<Result<_, TreeError>>()?;
    let mut proofs = Vec::new();
    for count in [1u64, 2, 3, 5, 8, 33, 64, 100, 127, 128] {
        let mut indices = vec![0, count / 2, count - 1];
        indices.dedup();
        for index in indices {
            let branch = tree.proof_at(index, count)?;
            proofs.push(ProofVector {
                count,
                index,
                leaf: leaves[index as usize],
                root: tree.root_at(count)?,
                branch: branch.to_vec(),
            });
        }
    }
    Ok(MerkleVectors {
        depth: TREE_DEPTH as u32,
        leaf_rule: "leaf[i] = keccak256(uint32 big-endian i)".into(),
        leaves,
        roots,
        proofs,
    })
}

fn messages() -> Result<MessageVectors, VectorError> {
    let evm = |b: u8| address_to_bytes32(Address::repeat_byte(b));
    let cases = [
        Message::new(0, 1, evm(0x11), 2, evm(0x22), Vec::new())?,
        Message::new(1, 1, evm(0x11), 2, evm(0x22), vec![0x42])?,
        Message::new(7, 2, evm(0x33), 1, evm(0x44), b"hello, causeway".to_vec())?,
        Message::new(
            u32::MAX,
            u32::MAX,
            B256::repeat_byte(0xff),
            u32::MAX,
            B256::repeat_byte(0xee),
            vec![0u8; 32],
        )?,
        // A Substrate account (32 bytes, not an EVM address) as sender.
        Message::new(42, 1000, keccak256("alice"), 1, evm(0x55), (0u8..=255).collect::<Vec<_>>())?,
        Message::new(3, 1, evm(0x66), 1000, keccak256("bob"), vec![0xab; 4096])?,
    ];
    Ok(MessageVectors { messages: cases.iter().map(MessageVector::from).collect() })
}

/// The EIP-712 domain of every signed vector: chain 31337, registry
/// `address(keccak256("causeway-test-registry"))`.
fn vector_domain() -> SigningDomain {
    SigningDomain {
        chain_id: 31337,
        registry: Address::from_word(keccak256("causeway-test-registry")),
    }
}

fn checkpoints() -> Result<CheckpointVectors, VectorError> {
    let domain = vector_domain();
    let mut keys = (1..=5).map(test_key).collect::<Result<Vec<_>, _>>()?;
    keys.sort_by_key(OperatorKey::address);
    let cases = [
        Checkpoint {
            origin: 1,
            outbox: B256::left_padding_from(&[0x11; 20]),
            root: vector_leaf(1),
            index: 0,
            epoch: 1,
        },
        Checkpoint {
            origin: 2,
            outbox: B256::left_padding_from(&[0x22; 20]),
            root: vector_leaf(2),
            index: 127,
            epoch: 7,
        },
        Checkpoint {
            origin: 1000,
            outbox: keccak256("virtual-outbox-1000"),
            root: vector_leaf(3),
            index: u32::MAX - 1,
            epoch: 1 << 40,
        },
    ];
    let mut checkpoints = Vec::new();
    for cp in cases {
        let signatures = keys
            .iter()
            .map(|k| {
                Ok(SignatureVector {
                    signer: k.address(),
                    signature: k.sign_checkpoint(&cp, &domain)?,
                })
            })
            .collect::<Result<_, VectorError>>()?;
        checkpoints.push(CheckpointVector {
            origin: cp.origin,
            outbox: cp.outbox,
            root: cp.root,
            index: cp.index,
            epoch: cp.epoch,
            struct_hash: cp.struct_hash(),
            digest: cp.digest(&domain),
            signatures,
        });
    }
    Ok(CheckpointVectors {
        domain: DomainVector {
            name: crate::checkpoint::DOMAIN_NAME.into(),
            version: crate::checkpoint::DOMAIN_VERSION.into(),
            chain_id: domain.chain_id,
            verifying_contract: domain.registry,
        },
        type_string: CHECKPOINT_TYPE.into(),
        type_hash: checkpoint_type_hash(),
        domain_separator: domain.separator(),
        keys: (1..=5)
            .map(|i| {
                let secret = keccak256(format!("causeway-test-key-{i}"));
                Ok(KeyVector { private_key: secret, address: test_key(i)?.address() })
            })
            .collect::<Result<_, VectorError>>()?,
        checkpoints,
    })
}
