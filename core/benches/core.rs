//! Core benchmarks: tree build and proofs at a million leaves (against rs_merkle on the same
//! leaves), message id, and a 10-signature quorum check. `cargo xtask bench` runs them and
//! writes the table in `docs/benchmarks.md`.

use std::hint::black_box;

use causeway_core::{
    Address, B256, Checkpoint, MerkleTree, Message, Operator, OperatorSet, SigningDomain,
    keccak256, vectors::test_key,
};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use rand::{Rng, SeedableRng, rngs::StdRng};

const LEAVES: usize = 1_000_000;

#[derive(Clone)]
struct Keccak;

impl rs_merkle::Hasher for Keccak {
    type Hash = [u8; 32];

    fn hash(data: &[u8]) -> [u8; 32] {
        keccak256(data).0
    }
}

fn leaves() -> Vec<B256> {
    (0..LEAVES as u64).map(|i| keccak256(i.to_be_bytes())).collect()
}

fn tree(c: &mut Criterion) {
    let leaves = leaves();
    let raw: Vec<[u8; 32]> = leaves.iter().map(|l| l.0).collect();
    let mut group = c.benchmark_group("tree_build_1m");
    group.sample_size(10);
    group.bench_function("causeway", |b| {
        b.iter(|| MerkleTree::from_leaves(leaves.iter().copied()).unwrap().root())
    });
    group.bench_function("causeway_insert_1_thread", |b| {
        b.iter(|| {
            let mut tree = MerkleTree::with_capacity(LEAVES);
            for leaf in &leaves {
                tree.insert(*leaf).unwrap();
            }
            tree.root()
        })
    });
    group.bench_function("rs_merkle", |b| {
        b.iter(|| rs_merkle::MerkleTree::<Keccak>::from_leaves(black_box(&raw)).root())
    });
    group.finish();

    let tree = MerkleTree::from_leaves(leaves.iter().copied()).unwrap();
    let _ = tree.root();
    let mut rng = StdRng::seed_from_u64(7);
    let mut group = c.benchmark_group("tree_proof_1m");
    group.bench_function("tip", |b| {
        b.iter_batched(
            || rng.random_range(0..LEAVES as u64),
            |i| tree.proof(i).unwrap(),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("historical_count", |b| {
        b.iter_batched(
            || {
                let count = rng.random_range(1..=LEAVES as u64);
                (rng.random_range(0..count), count)
            },
            |(i, count)| tree.proof_at(i, count).unwrap(),
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

fn message(c: &mut Criterion) {
    let m =
        Message::new(1, 1, B256::repeat_byte(1), 2, B256::repeat_byte(2), vec![7u8; 32]).unwrap();
    c.bench_function("message_id_32b_body", |b| b.iter(|| black_box(&m).id()));
}

fn quorum(c: &mut Criterion) {
    let keys: Vec<_> = (1..=10).map(|i| test_key(i).unwrap()).collect();
    let operators = keys
        .iter()
        .enumerate()
        .map(|(i, k)| Operator { address: k.address(), weight: 100 + i as u128 })
        .collect();
    let set = OperatorSet::from_unsorted(1, 0, operators, 6_667, 7).unwrap();
    let domain = SigningDomain { chain_id: 1, registry: Address::repeat_byte(9) };
    let cp = Checkpoint {
        origin: 1,
        outbox: B256::repeat_byte(1),
        root: B256::repeat_byte(2),
        index: 5,
        epoch: 1,
    };
    let mut signed: Vec<_> =
        keys.iter().map(|k| (k.address(), k.sign_checkpoint(&cp, &domain).unwrap())).collect();
    signed.sort_by_key(|(a, _)| *a);
    let signatures: Vec<_> = signed.into_iter().map(|(_, s)| s).collect();
    c.bench_function("quorum_verify_10_sigs", |b| {
        b.iter(|| set.verify(black_box(&cp), &domain, black_box(&signatures)).unwrap())
    });
}

criterion_group!(benches, tree, message, quorum);
criterion_main!(benches);
