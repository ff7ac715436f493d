//! Differential tests against straightforward references and `rs_merkle`.

use causeway_core::{
    B256, MerkleTree, TREE_DEPTH, keccak256,
    merkle::{ZERO_HASHES, hash_pair},
};
use proptest::prelude::*;

/// The obvious way: pad each level with the zero-subtree hash and hash pairs up to depth 32.
pub(crate) fn naive_root(leaves: &[B256]) -> B256 {
    let mut level = leaves.to_vec();
    for zero in ZERO_HASHES.iter().take(TREE_DEPTH) {
        if level.is_empty() {
            level.push(*zero);
        }
        if level.len() % 2 == 1 {
            level.push(*zero);
        }
        level = level.chunks(2).map(|p| hash_pair(&p[0], &p[1])).collect();
    }
    level[0]
}

#[derive(Clone)]
struct Keccak;

impl rs_merkle::Hasher for Keccak {
    type Hash = [u8; 32];

    fn hash(data: &[u8]) -> [u8; 32] {
        keccak256(data).0
    }
}

/// rs_merkle's root of a power-of-two leaf set, lifted through the zero hashes to depth 32.
fn rs_merkle_root_depth32(leaves: &[B256]) -> B256 {
    let raw: Vec<[u8; 32]> = leaves.iter().map(|l| l.0).collect();
    let tree = rs_merkle::MerkleTree::<Keccak>::from_leaves(&raw);
    let mut node = B256::from(tree.root().expect("non-empty tree has a root"));
    let height = leaves.len().trailing_zeros() as usize;
    for zero in &ZERO_HASHES[height..TREE_DEPTH] {
        node = hash_pair(&node, zero);
    }
    node
}

fn leaves(seed: u64, n: usize) -> Vec<B256> {
    (0..n).map(|i| keccak256([seed.to_be_bytes(), (i as u64).to_be_bytes()].concat())).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn root_equals_naive_recomputation(seed in any::<u64>(), n in 0usize..300) {
        let leaves = leaves(seed, n);
        let tree = MerkleTree::from_leaves(leaves.iter().copied()).unwrap();
        prop_assert_eq!(tree.root(), naive_root(&leaves));
        // and every earlier root, as the relayer asks for them
        let count = (seed % (n as u64 + 1)) as usize;
        prop_assert_eq!(tree.root_at(count as u64).unwrap(), naive_root(&leaves[..count]));
    }

    #[test]
    fn root_equals_rs_merkle_for_powers_of_two(seed in any::<u64>(), log in 0u32..=11) {
        let leaves = leaves(seed, 1 << log);
        let tree = MerkleTree::from_leaves(leaves.iter().copied()).unwrap();
        prop_assert_eq!(tree.root(), rs_merkle_root_depth32(&leaves));
    }
}

#[test]
fn rs_merkle_agrees_on_a_large_power_of_two() {
    let leaves = leaves(7, 1 << 16);
    let tree = MerkleTree::from_leaves(leaves.iter().copied()).unwrap();
    assert_eq!(tree.root(), rs_merkle_root_depth32(&leaves));
}
