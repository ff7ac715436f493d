//! Property tests: encodings round-trip, proofs verify, tampering fails.

use causeway_core::{
    B256, MerkleTree, Message, branch_root, keccak256,
    merkle::range_root,
    message::{MAX_BODY_LEN, MESSAGE_VERSION},
};
use proptest::prelude::*;

fn b256() -> impl Strategy<Value = B256> {
    any::<[u8; 32]>().prop_map(B256::from)
}

fn message() -> impl Strategy<Value = Message> {
    (
        any::<u32>(),
        any::<u32>(),
        b256(),
        any::<u32>(),
        b256(),
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..512),
            proptest::collection::vec(any::<u8>(), MAX_BODY_LEN - 8..=MAX_BODY_LEN),
        ],
    )
        .prop_map(|(nonce, origin, sender, destination, recipient, body)| {
            Message::new(nonce, origin, sender, destination, recipient, body).unwrap()
        })
}

/// A tree of `n` leaves, an index below some historical count, and that count.
fn tree_case() -> impl Strategy<Value = (Vec<B256>, u64, u64)> {
    (1usize..200).prop_flat_map(|n| {
        (proptest::collection::vec(b256(), n), 1..=n as u64)
            .prop_flat_map(|(leaves, count)| (Just(leaves), 0..count, Just(count)))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn message_round_trips(m in message()) {
        let packed = m.encode();
        prop_assert_eq!(packed.len(), 77 + m.body.len());
        prop_assert_eq!(m.id(), keccak256(&packed));
        prop_assert_eq!(Message::decode(&packed).unwrap(), m);
    }

    #[test]
    fn decode_never_panics_and_rejects_what_it_cannot_read(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        match Message::decode(&bytes) {
            Ok(m) => prop_assert_eq!(m.encode(), bytes),
            Err(_) => prop_assert!(bytes.len() < 77 || bytes[0] != MESSAGE_VERSION),
        }
    }

    #[test]
    fn every_proof_verifies_at_every_count((leaves, index, count) in tree_case()) {
        let tree = MerkleTree::from_leaves(leaves.iter().copied()).unwrap();
        let branch = tree.proof_at(index, count).unwrap();
        prop_assert_eq!(branch_root(leaves[index as usize], &branch, index as u32), tree.root_at(count).unwrap());
    }

    #[test]
    fn any_changed_byte_breaks_the_proof(
        (leaves, index, count) in tree_case(),
        which in 0usize..3,
        byte in 0usize..32,
        level in 0usize..32,
        bit in 0u8..8,
        index_bit in 0u32..32,
    ) {
        let tree = MerkleTree::from_leaves(leaves.iter().copied()).unwrap();
        let root = tree.root_at(count).unwrap();
        let mut leaf = leaves[index as usize];
        let mut branch = tree.proof_at(index, count).unwrap();
        let mut idx = index as u32;
        match which {
            0 => leaf[byte] ^= 1 << bit,
            1 => branch[level][byte] ^= 1 << bit,
            _ => idx ^= 1 << index_bit,
        }
        prop_assert_ne!(branch_root(leaf, &branch, idx), root);
    }
}

/// A tree, a historical count, and a range of consecutive leaves below it.
fn range_case() -> impl Strategy<Value = (Vec<B256>, u64, u64, u64)> {
    (1usize..600).prop_flat_map(|n| {
        (proptest::collection::vec(b256(), n), 1..=n as u64).prop_flat_map(|(leaves, count)| {
            (0..count).prop_flat_map(move |start| {
                (Just(leaves.clone()), Just(count), Just(start), 1..=(count - start).min(130))
            })
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn range_proofs_verify_and_tampering_fails(
        (leaves, count, start, n) in range_case(),
        pick in any::<prop::sample::Index>(),
        bit in 0u8..8,
    ) {
        let tree = MerkleTree::from_leaves(leaves.iter().copied()).unwrap();
        let root = tree.root_at(count).unwrap();
        let proof = tree.range_proof(start, n, count).unwrap();
        let range = &leaves[start as usize..(start + n) as usize];
        prop_assert_eq!(range_root(range, start, count, &proof).unwrap(), root);
        // flip one bit of one leaf, or of one proof hash
        let mut range = range.to_vec();
        let mut proof = proof;
        let total = range.len() + proof.len();
        let at = pick.index(total);
        if at < range.len() { range[at][0] ^= 1 << bit } else { proof[at - range.len()][31] ^= 1 << bit }
        prop_assert_ne!(range_root(&range, start, count, &proof).ok(), Some(root));
    }
}
