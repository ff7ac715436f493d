//! The committed `vectors/*.json` must be exactly what this crate generates, and must verify.

use std::path::PathBuf;

use causeway_core::{
    Checkpoint, Message, SigningDomain, branch_root,
    quorum::recover_signer,
    vectors::{CheckpointVectors, MerkleVectors, MessageVectors, generate},
};

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../vectors")
}

fn read(name: &str) -> String {
    let path = vectors_dir().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("cannot read {}: {e}; run `cargo xtask vectors`", path.display())
    })
}

#[test]
fn committed_files_equal_generated() {
    for (name, expected) in generate().unwrap().files().unwrap() {
        assert!(
            read(name) == expected,
            "vectors/{name} differs from what causeway-core generates; \
             if the change is intended run `cargo xtask vectors` and commit the result"
        );
    }
}

#[test]
fn merkle_vectors_verify() {
    let v: MerkleVectors = serde_json::from_str(&read("merkle.json")).unwrap();
    assert_eq!(v.roots.len(), v.leaves.len() + 1);
    assert!(v.leaves.len() >= 100);
    for p in &v.proofs {
        let branch: [_; 32] = p.branch.clone().try_into().unwrap();
        assert_eq!(branch_root(p.leaf, &branch, p.index as u32), p.root);
        assert_eq!(v.roots[p.count as usize].root, p.root);
    }
}

#[test]
fn message_vectors_decode() {
    let v: MessageVectors = serde_json::from_str(&read("message.json")).unwrap();
    for m in &v.messages {
        let decoded = Message::decode(&m.packed).unwrap();
        assert_eq!(decoded.id(), m.id);
        assert_eq!(
            (decoded.nonce, decoded.origin, decoded.destination),
            (m.nonce, m.origin, m.destination)
        );
    }
}

#[test]
fn checkpoint_signatures_recover_in_ascending_order() {
    let v: CheckpointVectors = serde_json::from_str(&read("checkpoint.json")).unwrap();
    let domain =
        SigningDomain { chain_id: v.domain.chain_id, registry: v.domain.verifying_contract };
    assert_eq!(domain.separator(), v.domain_separator);
    for c in &v.checkpoints {
        let cp = Checkpoint {
            origin: c.origin,
            outbox: c.outbox,
            root: c.root,
            index: c.index,
            epoch: c.epoch,
        };
        assert_eq!(cp.digest(&domain), c.digest);
        let signers: Vec<_> = c
            .signatures
            .iter()
            .map(|s| recover_signer(&c.digest, &s.signature, 0).unwrap())
            .collect();
        assert!(signers.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(signers, c.signatures.iter().map(|s| s.signer).collect::<Vec<_>>());
    }
}
