//! Incremental Merkle tree of depth 32 over keccak256, the outbox of every origin.
//!
//! The algorithm is the eth2 deposit contract's: leaves are appended left to right, empty
//! subtrees hash to the zero-subtree hashes `zero[0] = 0x00…00`,
//! `zero[h + 1] = keccak256(zero[h] ‖ zero[h])`, and the root always covers all 2^32 slots.
//! The `Mailbox` contract computes the same root on-chain (`MerkleLib.sol`), so a root signed
//! by operators off-chain and a root read from the contract are comparable byte for byte.
//!
//! Unlike the contract, this tree keeps every *complete* subtree hash. A complete subtree
//! never changes once filled, so the tree can produce a proof against the root at **any** count
//! `n > index`, not only at the tip: the relayer proves a message against the root the operators
//! signed, which is usually older than the newest leaf. Memory is about `2 × count × 32` bytes
//! (64 MiB for a million leaves).

use std::sync::{LazyLock, OnceLock};

use alloy_primitives::{B256, keccak256};

/// Height of the tree: a root covers 2^32 leaf slots.
pub const TREE_DEPTH: usize = 32;

/// Most leaves a tree accepts: 2^32 - 1, as in the eth2 deposit contract, so that `count - 1`
/// always fits the `u32` checkpoint index and the count fits its `u32` on-chain slot.
pub const MAX_LEAVES: u64 = (1 << TREE_DEPTH) - 1;

/// A Merkle branch: the sibling at each height, leaf level first.
pub type Branch = [B256; TREE_DEPTH];

/// Roots of empty subtrees, `ZERO_HASHES[h]` for heights `0..=32`.
pub static ZERO_HASHES: LazyLock<[B256; TREE_DEPTH + 1]> = LazyLock::new(|| {
    let mut zeros = [B256::ZERO; TREE_DEPTH + 1];
    for h in 0..TREE_DEPTH {
        zeros[h + 1] = hash_pair(&zeros[h], &zeros[h]);
    }
    zeros
});

/// Errors of tree operations. Each carries the numbers needed to see what was asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TreeError {
    /// The tree already holds [`MAX_LEAVES`] leaves.
    #[error("merkle tree is full: it holds the maximum of {MAX_LEAVES} leaves")]
    Full,
    /// A proof was asked for a leaf that is not below the requested count.
    #[error("leaf index {index} is not in a tree of {count} leaves (index must be < count)")]
    IndexOutOfRange {
        /// The requested leaf index.
        index: u64,
        /// The count the proof was asked against.
        count: u64,
    },
    /// A proof or root was asked against more leaves than the tree holds.
    #[error("count {requested} exceeds the {available} leaves the tree holds")]
    CountOutOfRange {
        /// The count asked for.
        requested: u64,
        /// The leaves inserted so far.
        available: u64,
    },
}

/// keccak256 of the 64-byte concatenation `left ‖ right`.
#[inline]
pub fn hash_pair(left: &B256, right: &B256) -> B256 {
    let mut buf = [0u8; 64];
    buf[..32].copy_from_slice(left.as_slice());
    buf[32..].copy_from_slice(right.as_slice());
    keccak256(buf)
}

/// The root a `branch` proves for `leaf` at `index`.
///
/// A proof is valid when this equals the root it claims; the function itself never fails, so
/// a caller compares the result with a root it trusts.
pub fn branch_root(leaf: B256, branch: &Branch, index: u32) -> B256 {
    let mut node = leaf;
    for (height, sibling) in branch.iter().enumerate() {
        node = if (index >> height) & 1 == 1 {
            hash_pair(sibling, &node)
        } else {
            hash_pair(&node, sibling)
        };
    }
    node
}

/// Why a range proof does not give a root.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RangeProofError {
    /// No leaves given.
    #[error("a range proof needs at least one leaf")]
    Empty,
    /// The range does not lie inside the tree of `count` leaves.
    #[error("leaves [{start}, {start} + {n}) are not inside a tree of {count} leaves")]
    OutOfTree {
        /// First leaf index.
        start: u64,
        /// Number of leaves.
        n: u64,
        /// Leaves in the tree.
        count: u64,
    },
    /// The proof ran out of hashes.
    #[error("range proof is too short ({len} hashes)")]
    TooShort {
        /// Hashes given.
        len: usize,
    },
    /// Hashes were left over.
    #[error("range proof has {len} hashes but only {used} are needed")]
    TooLong {
        /// Hashes given.
        len: usize,
        /// Hashes used.
        used: usize,
    },
}

/// The root of a tree of `count` leaves from the consecutive `leaves` at `start` and their
/// [`MerkleTree::range_proof`]; the same computation as `MerkleLib.rangeRoot`. Compare the result
/// with a root you trust.
pub fn range_root(
    leaves: &[B256],
    start: u64,
    count: u64,
    proof: &[B256],
) -> Result<B256, RangeProofError> {
    let n = leaves.len() as u64;
    if n == 0 {
        return Err(RangeProofError::Empty);
    }
    if count > MAX_LEAVES || start >= count || n > count - start {
        return Err(RangeProofError::OutOfTree { start, n, count });
    }
    let mut proof_iter = proof.iter();
    let mut take =
        || proof_iter.next().copied().ok_or(RangeProofError::TooShort { len: proof.len() });
    let mut nodes = leaves.to_vec();
    let (mut lo, mut hi) = (start, start + n - 1);
    for (height, zero) in ZERO_HASHES.iter().take(TREE_DEPTH).enumerate() {
        let known = (hi - lo) as usize; // index of the last known node
        let mut next = Vec::with_capacity(known / 2 + 2);
        let mut i = 0;
        if lo & 1 == 1 {
            next.push(hash_pair(&take()?, &nodes[0]));
            i = 1;
        }
        while i < known {
            next.push(hash_pair(&nodes[i], &nodes[i + 1]));
            i += 2;
        }
        if i == known {
            let right = if (hi + 1) << height < count { take()? } else { *zero };
            next.push(hash_pair(&nodes[i], &right));
        }
        nodes = next;
        lo >>= 1;
        hi >>= 1;
    }
    let used = proof.len() - proof_iter.len();
    if used != proof.len() {
        return Err(RangeProofError::TooLong { len: proof.len(), used });
    }
    Ok(nodes[0])
}

/// An append-only Merkle tree that can prove any leaf against the root at any earlier count.
///
/// Invariant: `complete[h]` holds the hashes of the complete subtrees of height `h`, left to
/// right, so `complete[h].len() == count >> h`; `complete[0]` are the leaves.
#[derive(Debug, Clone)]
pub struct MerkleTree {
    complete: Vec<Vec<B256>>,
    count: u64,
    /// Hashes along the right edge at the current count, computed on first use.
    tip_edge: OnceLock<Edge>,
}

/// The node containing the last leaf at each height, for one count. `edge[32]` is the root.
type Edge = [B256; TREE_DEPTH + 1];

impl Default for MerkleTree {
    fn default() -> Self {
        Self::new()
    }
}

impl PartialEq for MerkleTree {
    fn eq(&self, other: &Self) -> bool {
        self.count == other.count && self.complete[0] == other.complete[0]
    }
}

impl Eq for MerkleTree {}

impl MerkleTree {
    /// An empty tree; its root is `ZERO_HASHES[32]`.
    pub fn new() -> Self {
        Self { complete: vec![Vec::new(); TREE_DEPTH], count: 0, tip_edge: OnceLock::new() }
    }

    /// An empty tree with room for `leaves` leaves before reallocating.
    pub fn with_capacity(leaves: usize) -> Self {
        let complete = (0..TREE_DEPTH).map(|h| Vec::with_capacity(leaves >> h)).collect();
        Self { complete, count: 0, tip_edge: OnceLock::new() }
    }

    /// A tree holding `leaves` in order, built level by level.
    ///
    /// Every hash of a level is independent of the others, so large levels are split across
    /// the machine's cores (scoped threads; levels under [`PARALLEL_MIN_PAIRS`] pairs stay on
    /// the calling thread). The result is identical to inserting the leaves one by one.
    pub fn from_leaves<I: IntoIterator<Item = B256>>(leaves: I) -> Result<Self, TreeError> {
        let leaves: Vec<B256> = leaves.into_iter().collect();
        if leaves.len() as u64 > MAX_LEAVES {
            return Err(TreeError::Full);
        }
        let count = leaves.len() as u64;
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        let mut complete = Vec::with_capacity(TREE_DEPTH);
        complete.push(leaves);
        for height in 1..TREE_DEPTH {
            let parents = hash_level(&complete[height - 1], threads);
            complete.push(parents);
        }
        Ok(Self { complete, count, tip_edge: OnceLock::new() })
    }

    /// Number of leaves inserted.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The leaf at `index`, if inserted.
    pub fn leaf(&self, index: u64) -> Option<B256> {
        usize::try_from(index).ok().and_then(|i| self.complete[0].get(i)).copied()
    }

    /// All leaves, in insertion order.
    pub fn leaves(&self) -> &[B256] {
        &self.complete[0]
    }

    /// Appends `leaf` and returns its index.
    ///
    /// Costs one hash per insert on average (each completed subtree is hashed once).
    pub fn insert(&mut self, leaf: B256) -> Result<u64, TreeError> {
        check_capacity(self.count)?;
        let index = self.count;
        self.complete[0].push(leaf);
        let mut node = leaf;
        let mut position = index;
        let mut height = 0;
        // While the new node is a right child, its parent just became complete.
        while position & 1 == 1 {
            let left = self.complete[height][(position ^ 1) as usize];
            node = hash_pair(&left, &node);
            height += 1;
            position >>= 1;
            self.complete[height].push(node);
        }
        self.count = index + 1;
        self.tip_edge = OnceLock::new();
        Ok(index)
    }

    /// The root over all leaves inserted so far.
    pub fn root(&self) -> B256 {
        match self.tip_edge() {
            Some(edge) => edge[TREE_DEPTH],
            None => ZERO_HASHES[TREE_DEPTH],
        }
    }

    /// The root the tree had when it held `count` leaves.
    pub fn root_at(&self, count: u64) -> Result<B256, TreeError> {
        self.check_count(count)?;
        Ok(match self.edge_at(count) {
            Some(edge) => edge[TREE_DEPTH],
            None => ZERO_HASHES[TREE_DEPTH],
        })
    }

    /// The branch proving leaf `index` against the current root.
    pub fn proof(&self, index: u64) -> Result<Branch, TreeError> {
        self.proof_at(index, self.count)
    }

    /// The branch proving leaf `index` against the root the tree had at `count` leaves
    /// (`index < count <= self.count()`).
    pub fn proof_at(&self, index: u64, count: u64) -> Result<Branch, TreeError> {
        self.check_count(count)?;
        if index >= count {
            return Err(TreeError::IndexOutOfRange { index, count });
        }
        let edge = self.edge_at(count).ok_or(TreeError::IndexOutOfRange { index, count })?;
        let mut branch = [B256::ZERO; TREE_DEPTH];
        for (height, slot) in branch.iter_mut().enumerate() {
            *slot = self.node_at(height, (index >> height) ^ 1, count, &edge);
        }
        Ok(branch)
    }

    /// The range multiproof of the consecutive leaves `[start, start + n)` against the root at
    /// `count` leaves, in the order `MerkleLib.rangeRoot` consumes it (ADR 0003): level by level
    /// from the leaves up; within a level the left sibling of the range (when its first node is
    /// a right child) before the right sibling (when its last node is a left child and that
    /// sibling starts below `count`; an empty right sibling is a known zero hash and omitted).
    /// One message is `n = 1`: at most ⌈log2 count⌉ hashes.
    pub fn range_proof(&self, start: u64, n: u64, count: u64) -> Result<Vec<B256>, TreeError> {
        self.check_count(count)?;
        let end = start.checked_add(n).filter(|end| n > 0 && *end <= count);
        let Some(end) = end else {
            return Err(TreeError::IndexOutOfRange { index: start.saturating_add(n), count });
        };
        let edge = self.edge_at(count).ok_or(TreeError::IndexOutOfRange { index: start, count })?;
        let mut proof = Vec::new();
        for height in 0..TREE_DEPTH {
            let lo = start >> height;
            let hi = (end - 1) >> height;
            if lo & 1 == 1 {
                proof.push(self.node_at(height, lo - 1, count, &edge));
            }
            if hi & 1 == 0 && (hi + 1) << height < count {
                proof.push(self.node_at(height, hi + 1, count, &edge));
            }
        }
        Ok(proof)
    }

    /// The node at `height`, `position` of the tree as of `count >= 1` leaves whose right edge
    /// is `edge`.
    fn node_at(&self, height: usize, position: u64, count: u64, edge: &Edge) -> B256 {
        if position << height >= count {
            ZERO_HASHES[height]
        } else if position == (count - 1) >> height {
            edge[height]
        } else {
            // Left of the edge node and below `count`: a complete subtree.
            self.complete[height][position as usize]
        }
    }

    fn check_count(&self, count: u64) -> Result<(), TreeError> {
        if count > self.count {
            return Err(TreeError::CountOutOfRange { requested: count, available: self.count });
        }
        Ok(())
    }

    fn tip_edge(&self) -> Option<&Edge> {
        if self.count == 0 {
            return None;
        }
        Some(self.tip_edge.get_or_init(|| self.compute_edge(self.count)))
    }

    /// The right edge at `count`, borrowed from the cache when `count` is the tip.
    fn edge_at(&self, count: u64) -> Option<std::borrow::Cow<'_, Edge>> {
        if count == 0 {
            None
        } else if count == self.count {
            self.tip_edge().map(std::borrow::Cow::Borrowed)
        } else {
            Some(std::borrow::Cow::Owned(self.compute_edge(count)))
        }
    }

    /// For `count >= 1`, the hash of the node holding leaf `count - 1` at every height,
    /// with everything right of that leaf empty. 32 hashes.
    fn compute_edge(&self, count: u64) -> Edge {
        let last = count - 1;
        let mut edge = [B256::ZERO; TREE_DEPTH + 1];
        let mut node = self.complete[0][last as usize];
        edge[0] = node;
        for height in 0..TREE_DEPTH {
            let position = last >> height;
            node = if position & 1 == 1 {
                hash_pair(&self.complete[height][(position ^ 1) as usize], &node)
            } else {
                hash_pair(&node, &ZERO_HASHES[height])
            };
            edge[height + 1] = node;
        }
        edge
    }
}

/// Levels with fewer parent hashes than this are hashed on the calling thread.
pub const PARALLEL_MIN_PAIRS: usize = 1 << 13;

/// The complete parents of a level: `hash(nodes[2i], nodes[2i + 1])` for every full pair.
fn hash_level(nodes: &[B256], threads: usize) -> Vec<B256> {
    let pairs = nodes.len() / 2;
    let mut parents = vec![B256::ZERO; pairs];
    let hash_into = |out: &mut [B256], first_pair: usize| {
        for (i, slot) in out.iter_mut().enumerate() {
            let left = 2 * (first_pair + i);
            *slot = hash_pair(&nodes[left], &nodes[left + 1]);
        }
    };
    if threads <= 1 || pairs < PARALLEL_MIN_PAIRS {
        hash_into(&mut parents, 0);
    } else {
        let chunk = pairs.div_ceil(threads);
        std::thread::scope(|scope| {
            for (n, out) in parents.chunks_mut(chunk).enumerate() {
                scope.spawn(move || hash_into(out, n * chunk));
            }
        });
    }
    parents
}

/// `Ok` when a tree holding `count` leaves can take one more.
pub fn check_capacity(count: u64) -> Result<(), TreeError> {
    if count >= MAX_LEAVES { Err(TreeError::Full) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(i: u32) -> B256 {
        keccak256(i.to_be_bytes())
    }

    /// Straightforward reference: pad the leaves to 2^32 with zero subtrees level by level.
    fn naive_root(leaves: &[B256]) -> B256 {
        let mut level: Vec<B256> = leaves.to_vec();
        for zero in ZERO_HASHES.iter().take(TREE_DEPTH) {
            if level.len() % 2 == 1 {
                level.push(*zero);
            }
            level = level.chunks(2).map(|p| hash_pair(&p[0], &p[1])).collect();
            if level.is_empty() {
                level.push(hash_pair(zero, zero));
            }
        }
        level[0]
    }

    #[test]
    fn empty_root_is_top_zero_hash() {
        assert_eq!(MerkleTree::new().root(), ZERO_HASHES[TREE_DEPTH]);
        assert_eq!(naive_root(&[]), ZERO_HASHES[TREE_DEPTH]);
    }

    #[test]
    fn known_empty_root() {
        // eth2 deposit contract: the root of the empty depth-32 tree.
        let expected: B256 =
            "0x27ae5ba08d7291c96c8cbddcc148bf48a6d68c7974b94356f53754ef6171d757".parse().unwrap();
        assert_eq!(ZERO_HASHES[TREE_DEPTH], expected);
    }

    #[test]
    fn roots_match_naive_for_small_counts() {
        let leaves: Vec<B256> = (0..70).map(leaf).collect();
        let mut tree = MerkleTree::new();
        for (i, l) in leaves.iter().enumerate() {
            tree.insert(*l).unwrap();
            assert_eq!(tree.root(), naive_root(&leaves[..=i]), "count {}", i + 1);
        }
        for n in 0..=70u64 {
            assert_eq!(tree.root_at(n).unwrap(), naive_root(&leaves[..n as usize]));
        }
    }

    #[test]
    fn bulk_build_equals_incremental_inserts() {
        // Large enough that several levels take the multi-threaded path.
        let n = 3 * PARALLEL_MIN_PAIRS + 7;
        let bulk = MerkleTree::from_leaves((0..n as u32).map(leaf)).unwrap();
        let mut incremental = MerkleTree::new();
        for i in 0..n as u32 {
            incremental.insert(leaf(i)).unwrap();
        }
        assert_eq!(bulk.complete, incremental.complete);
        assert_eq!(bulk.root(), incremental.root());
        let mut grown = bulk;
        grown.insert(leaf(n as u32)).unwrap();
        incremental.insert(leaf(n as u32)).unwrap();
        assert_eq!(grown.root(), incremental.root());
    }

    #[test]
    fn historical_proofs_verify() {
        let tree = MerkleTree::from_leaves((0..33).map(leaf)).unwrap();
        for count in 1..=33u64 {
            let root = tree.root_at(count).unwrap();
            for index in 0..count {
                let branch = tree.proof_at(index, count).unwrap();
                assert_eq!(branch_root(leaf(index as u32), &branch, index as u32), root);
            }
        }
    }

    #[test]
    fn out_of_range_requests_are_errors() {
        let tree = MerkleTree::from_leaves((0..4).map(leaf)).unwrap();
        assert_eq!(tree.proof(4), Err(TreeError::IndexOutOfRange { index: 4, count: 4 }));
        assert_eq!(tree.proof_at(2, 2), Err(TreeError::IndexOutOfRange { index: 2, count: 2 }));
        assert_eq!(
            tree.proof_at(0, 5),
            Err(TreeError::CountOutOfRange { requested: 5, available: 4 })
        );
        assert_eq!(tree.root_at(9), Err(TreeError::CountOutOfRange { requested: 9, available: 4 }));
        assert_eq!(
            MerkleTree::new().proof(0),
            Err(TreeError::IndexOutOfRange { index: 0, count: 0 })
        );
    }

    #[test]
    fn range_proofs_verify_for_every_range() {
        let tree = MerkleTree::from_leaves((0..21).map(leaf)).unwrap();
        for count in 1..=21u64 {
            let root = tree.root_at(count).unwrap();
            for start in 0..count {
                for n in 1..=count - start {
                    let proof = tree.range_proof(start, n, count).unwrap();
                    let leaves = &tree.leaves()[start as usize..(start + n) as usize];
                    assert_eq!(range_root(leaves, start, count, &proof), Ok(root));
                    if !proof.is_empty() {
                        let mut long = proof.clone();
                        long.push(B256::ZERO);
                        assert!(matches!(
                            range_root(leaves, start, count, &long),
                            Err(RangeProofError::TooLong { .. })
                        ));
                        assert!(matches!(
                            range_root(leaves, start, count, &proof[1..]),
                            Err(RangeProofError::TooShort { .. })
                        ));
                    }
                }
            }
        }
        assert_eq!(tree.range_proof(0, 1, 1).unwrap().len(), 0);
        assert_eq!(range_root(&[], 0, 1, &[]), Err(RangeProofError::Empty));
        assert!(matches!(
            range_root(&[leaf(0)], 5, 5, &[]),
            Err(RangeProofError::OutOfTree { .. })
        ));
        assert!(tree.range_proof(20, 2, 21).is_err());
        assert!(tree.range_proof(0, 0, 21).is_err());
    }

    #[test]
    fn capacity_is_two_pow_32_minus_one() {
        assert_eq!(check_capacity(MAX_LEAVES - 1), Ok(()));
        assert_eq!(check_capacity(MAX_LEAVES), Err(TreeError::Full));
        assert_eq!(MAX_LEAVES, u32::MAX as u64);
    }

    #[test]
    fn insert_into_full_tree_is_an_error_not_a_panic() {
        // Filling 2^32 - 1 leaves takes 256 GiB; pretend the tree is full instead.
        let mut tree = MerkleTree::new();
        tree.count = MAX_LEAVES;
        assert_eq!(tree.insert(leaf(0)), Err(TreeError::Full));
        assert_eq!(tree.count(), MAX_LEAVES);
    }
}
