// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title MerkleLib
/// @notice The depth-32 incremental Merkle tree of an outbox, identical to `causeway_core`'s tree:
/// keccak256 over (left ‖ right), empty subtrees are the zero hashes `zero[0] = 0`,
/// `zero[h + 1] = keccak256(zero[h] ‖ zero[h])` (the eth2 deposit contract algorithm).
/// A tree holds at most 2^32 - 1 leaves.
///
/// Proofs come in three forms:
/// - `branchRoot`: the classic 32-sibling branch (`branch[h]` = sibling at height h);
/// - `rangeRoot`: a multiproof for `n` consecutive leaves `[start, start + n)` of a tree of `count`
///   leaves. It carries only the siblings that are not known empty: a sibling subtree that starts at
///   or after `count` is a zero hash and is filled in here, so a proof against a tree of `count`
///   leaves has at most about 2·log2(count) hashes, not 32 per leaf. `rangeRoot` with `n = 1` is the
///   compact single-leaf proof. The proof format is specified in docs/adr/0003-outbox-tree-per-route.md.
library MerkleLib {
    uint256 internal constant DEPTH = 32;
    /// @notice Capacity: 2^32 - 1 leaves (as the eth2 deposit contract), so `count` fits a u32.
    uint256 internal constant MAX_LEAVES = 2 ** 32 - 1;

    struct Tree {
        /// @dev `branch[h]` is the root of the last complete subtree of height h on the left edge
        /// of the next insertion; only meaningful where bit h of `count` is set.
        bytes32[32] branch;
        uint256 count;
    }

    /// @notice The tree already holds `MAX_LEAVES` leaves.
    error MerkleTreeFull();
    /// @notice A range proof was asked for no leaves.
    error EmptyRange();
    /// @notice The leaves `[start, start + n)` are not all inside a tree of `count` leaves.
    error RangeOutOfTree(uint256 start, uint256 n, uint256 count);
    /// @notice The proof ran out of hashes before the root was reached.
    error ProofTooShort(uint256 length);
    /// @notice The proof has hashes left over after the root was reached.
    error ProofTooLong(uint256 length, uint256 used);

    // ------------------------------------------------------------------ incremental tree

    /// @notice Appends `leaf` and returns its index.
    function insert(Tree storage tree, bytes32 leaf) internal returns (uint256 index) {
        uint256 size = tree.count;
        if (size >= MAX_LEAVES) revert MerkleTreeFull();
        index = size;
        unchecked {
            size += 1;
        }
        tree.count = size;
        bytes32 node = leaf;
        for (uint256 h; h < DEPTH;) {
            if (size & 1 == 1) {
                tree.branch[h] = node;
                return index;
            }
            node = _hash(tree.branch[h], node);
            size >>= 1;
            unchecked {
                ++h;
            }
        }
        // Unreachable: size < 2^32 after the increment, so some bit below 32 is set.
        assert(false);
    }

    /// @notice The current root. Reads only the branch entries that are in use (one per set bit of
    /// `count`).
    function root(Tree storage tree) internal view returns (bytes32 node) {
        uint256 size = tree.count;
        bytes32[32] memory z = zeroHashes();
        for (uint256 h; h < DEPTH;) {
            if ((size >> h) & 1 == 1) node = _hash(tree.branch[h], node);
            else node = _hash(node, z[h]);
            unchecked {
                ++h;
            }
        }
    }

    // ------------------------------------------------------------------ proofs

    /// @notice The root reached from `leaf` at `index` through the 32 siblings `branch`.
    function branchRoot(bytes32 leaf, bytes32[32] memory branch, uint256 index) internal pure returns (bytes32 node) {
        node = leaf;
        for (uint256 h; h < DEPTH;) {
            if ((index >> h) & 1 == 1) node = _hash(branch[h], node);
            else node = _hash(node, branch[h]);
            unchecked {
                ++h;
            }
        }
    }

    /// @notice The root the tree had when `leaf` (at `index`) was its last leaf, from the leaf's
    /// branch in any later tree: the left siblings of the path are complete subtrees that never
    /// change, and everything to the right was empty. Check the branch against the later root
    /// first (`branchRoot`); this is how a signed root is proven false without storing history.
    function prefixRoot(bytes32 leaf, bytes32[32] memory branch, uint256 index) internal pure returns (bytes32 node) {
        bytes32[32] memory z = zeroHashes();
        node = leaf;
        for (uint256 h; h < DEPTH;) {
            if ((index >> h) & 1 == 1) node = _hash(branch[h], node);
            else node = _hash(node, z[h]);
            unchecked {
                ++h;
            }
        }
    }

    /// @notice The root of a tree of `count` leaves, computed from the consecutive leaves
    /// `leaves[i]` at index `start + i` and the range proof `proof`.
    /// @dev Proof order: level by level from the leaves up (h = 0..31); within a level, the left
    /// sibling of the range (present when the range's first node is a right child) comes before
    /// the right sibling (present when the range's last node is a left child and its sibling
    /// subtree starts before `count`; otherwise it is `zero[h]` and not in the proof). Every hash
    /// must be used. `leaves` is overwritten (it is the work buffer).
    /// @return node The root; compare it with a verified root.
    function rangeRoot(bytes32[] memory leaves, uint256 start, uint256 count, bytes32[] calldata proof)
        internal
        pure
        returns (bytes32 node)
    {
        uint256 n = leaves.length;
        if (n == 0) revert EmptyRange();
        if (count > MAX_LEAVES || start >= count || n > count - start) revert RangeOutOfTree(start, n, count);
        bytes32[32] memory z = zeroHashes();
        uint256 used;
        // Stack is tight here: `start` becomes the position of the first known node at the
        // current level (lo), `n` the position of the last (hi), `leaves` points at its first
        // element, and `used` = 2^256 - 1 flags a proof that ran out.
        assembly ("memory-safe") {
            leaves := add(leaves, 0x20)
            n := add(start, sub(n, 1))
            for { let h := 0 } lt(h, 32) { h := add(h, 1) } {
                // Pairs (2k, 2k+1) of this level become node k of the next, written in place:
                // node `out` is written only after nodes >= 2*out - 1 have been read.
                let out := 0
                let i := 0
                if and(start, 1) {
                    // The first known node is a right child: its left sibling is in the proof.
                    if eq(used, proof.length) {
                        used := not(0)
                        break
                    }
                    mstore(0x00, calldataload(add(proof.offset, shl(5, used))))
                    mstore(0x20, mload(leaves))
                    mstore(leaves, keccak256(0x00, 0x40))
                    used := add(used, 1)
                    out := 1
                    i := 1
                }
                // Full pairs inside the known range: i + 1 <= hi - lo.
                for {} lt(i, sub(n, start)) {} {
                    mstore(0x00, mload(add(leaves, shl(5, i))))
                    mstore(0x20, mload(add(leaves, shl(5, add(i, 1)))))
                    mstore(add(leaves, shl(5, out)), keccak256(0x00, 0x40))
                    out := add(out, 1)
                    i := add(i, 2)
                }
                if eq(i, sub(n, start)) {
                    // The last known node is a left child. Its right sibling covers the leaves
                    // from (hi + 1) << h: empty (a zero hash) at or past `count`, else in the proof.
                    let right := mload(add(z, shl(5, h)))
                    if lt(shl(h, add(n, 1)), count) {
                        if eq(used, proof.length) {
                            used := not(0)
                            break
                        }
                        right := calldataload(add(proof.offset, shl(5, used)))
                        used := add(used, 1)
                    }
                    mstore(0x00, mload(add(leaves, shl(5, i))))
                    mstore(0x20, right)
                    mstore(add(leaves, shl(5, out)), keccak256(0x00, 0x40))
                }
                start := shr(1, start)
                n := shr(1, n)
            }
            node := mload(leaves)
        }
        if (used == type(uint256).max) revert ProofTooShort(proof.length);
        if (used != proof.length) revert ProofTooLong(proof.length, used);
    }

    /// @notice The zero hashes: `z[h]` is the root of an empty subtree of height h.
    function zeroHashes() internal pure returns (bytes32[32] memory z) {
        z[1] = 0xad3228b676f7d3cd4284a5443f17f1962b36e491b30a40b2405849e597ba5fb5;
        z[2] = 0xb4c11951957c6f8f642c4af61cd6b24640fec6dc7fc607ee8206a99e92410d30;
        z[3] = 0x21ddb9a356815c3fac1026b6dec5df3124afbadb485c9ba5a3e3398a04b7ba85;
        z[4] = 0xe58769b32a1beaf1ea27375a44095a0d1fb664ce2dd358e7fcbfb78c26a19344;
        z[5] = 0x0eb01ebfc9ed27500cd4dfc979272d1f0913cc9f66540d7e8005811109e1cf2d;
        z[6] = 0x887c22bd8750d34016ac3c66b5ff102dacdd73f6b014e710b51e8022af9a1968;
        z[7] = 0xffd70157e48063fc33c97a050f7f640233bf646cc98d9524c6b92bcf3ab56f83;
        z[8] = 0x9867cc5f7f196b93bae1e27e6320742445d290f2263827498b54fec539f756af;
        z[9] = 0xcefad4e508c098b9a7e1d8feb19955fb02ba9675585078710969d3440f5054e0;
        z[10] = 0xf9dc3e7fe016e050eff260334f18a5d4fe391d82092319f5964f2e2eb7c1c3a5;
        z[11] = 0xf8b13a49e282f609c317a833fb8d976d11517c571d1221a265d25af778ecf892;
        z[12] = 0x3490c6ceeb450aecdc82e28293031d10c7d73bf85e57bf041a97360aa2c5d99c;
        z[13] = 0xc1df82d9c4b87413eae2ef048f94b4d3554cea73d92b0f7af96e0271c691e2bb;
        z[14] = 0x5c67add7c6caf302256adedf7ab114da0acfe870d449a3a489f781d659e8becc;
        z[15] = 0xda7bce9f4e8618b6bd2f4132ce798cdc7a60e7e1460a7299e3c6342a579626d2;
        z[16] = 0x2733e50f526ec2fa19a22b31e8ed50f23cd1fdf94c9154ed3a7609a2f1ff981f;
        z[17] = 0xe1d3b5c807b281e4683cc6d6315cf95b9ade8641defcb32372f1c126e398ef7a;
        z[18] = 0x5a2dce0a8a7f68bb74560f8f71837c2c2ebbcbf7fffb42ae1896f13f7c7479a0;
        z[19] = 0xb46a28b6f55540f89444f63de0378e3d121be09e06cc9ded1c20e65876d36aa0;
        z[20] = 0xc65e9645644786b620e2dd2ad648ddfcbf4a7e5b1a3a4ecfe7f64667a3f0b7e2;
        z[21] = 0xf4418588ed35a2458cffeb39b93d26f18d2ab13bdce6aee58e7b99359ec2dfd9;
        z[22] = 0x5a9c16dc00d6ef18b7933a6f8dc65ccb55667138776f7dea101070dc8796e377;
        z[23] = 0x4df84f40ae0c8229d0d6069e5c8f39a7c299677a09d367fc7b05e3bc380ee652;
        z[24] = 0xcdc72595f74c7b1043d0e1ffbab734648c838dfb0527d971b602bc216c9619ef;
        z[25] = 0x0abf5ac974a1ed57f4050aa510dd9c74f508277b39d7973bb2dfccc5eeb0618d;
        z[26] = 0xb8cd74046ff337f0a7bf2c8e03e10f642c1886798d71806ab1e888d9e5ee87d0;
        z[27] = 0x838c5655cb21c6cb83313b5a631175dff4963772cce9108188b34ac87c81c41e;
        z[28] = 0x662ee4dd2dd7b2bc707961b1e646c4047669dcb6584f0d8d770daf5d7e7deb2e;
        z[29] = 0x388ab20e2573d171a88108e79d820e98f26c0b84aa8b2f4aa4968dbb818ea322;
        z[30] = 0x93237c50ba75ee485f4c22adf2f741400bdf8d6a9cc7df7ecae576221665d735;
        z[31] = 0x8448818bb4ae4562849e949e17ac16e0be16688e156b5cf15e098c627c0056a9;
    }

    /// @dev keccak256(a ‖ b) in scratch space.
    function _hash(bytes32 a, bytes32 b) private pure returns (bytes32 r) {
        assembly ("memory-safe") {
            mstore(0x00, a)
            mstore(0x20, b)
            r := keccak256(0x00, 0x40)
        }
    }
}
