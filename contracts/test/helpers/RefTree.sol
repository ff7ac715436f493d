// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @notice A straightforward, independent Merkle tree for differential tests: every level is
/// materialised in memory, empty positions take the zero hash (computed here by hashing, not from
/// MerkleLib's constants). Slow and obviously correct; used for up to a few thousand leaves.
library RefTree {
    uint256 internal constant DEPTH = 32;

    struct Levels {
        bytes32[][] nodes; // nodes[h][pos], only positions that cover at least one leaf
        bytes32[] zero; // zero[h]
        uint256 count;
    }

    function leafFor(uint256 i) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(uint32(i)));
    }

    function leavesFor(uint256 count) internal pure returns (bytes32[] memory leaves) {
        leaves = new bytes32[](count);
        for (uint256 i; i < count; ++i) {
            leaves[i] = leafFor(i);
        }
    }

    function build(bytes32[] memory leaves) internal pure returns (Levels memory t) {
        t.count = leaves.length;
        t.zero = new bytes32[](DEPTH + 1);
        for (uint256 h; h < DEPTH; ++h) {
            t.zero[h + 1] = keccak256(abi.encodePacked(t.zero[h], t.zero[h]));
        }
        t.nodes = new bytes32[][](DEPTH + 1);
        t.nodes[0] = leaves;
        for (uint256 h; h < DEPTH; ++h) {
            uint256 width = (t.nodes[h].length + 1) / 2;
            bytes32[] memory up = new bytes32[](width);
            for (uint256 i; i < width; ++i) {
                up[i] = keccak256(abi.encodePacked(node(t, h, 2 * i), node(t, h, 2 * i + 1)));
            }
            t.nodes[h + 1] = up;
        }
    }

    function node(Levels memory t, uint256 h, uint256 pos) internal pure returns (bytes32) {
        return pos < t.nodes[h].length ? t.nodes[h][pos] : t.zero[h];
    }

    function root(Levels memory t) internal pure returns (bytes32) {
        return node(t, DEPTH, 0);
    }

    /// @notice The classic 32-sibling branch of leaf `index`.
    function branch(Levels memory t, uint256 index) internal pure returns (bytes32[32] memory b) {
        for (uint256 h; h < DEPTH; ++h) {
            b[h] = node(t, h, (index >> h) ^ 1);
        }
    }

    /// @notice The range proof of leaves [start, start + n), in the format of MerkleLib.rangeRoot
    /// (ADR 0003): per level, left sibling if the first node is a right child, then right sibling
    /// if the last node is a left child whose sibling starts inside the tree.
    function rangeProof(Levels memory t, uint256 start, uint256 n) internal pure returns (bytes32[] memory proof) {
        bytes32[] memory buf = new bytes32[](2 * DEPTH);
        uint256 k;
        for (uint256 h; h < DEPTH; ++h) {
            uint256 lo = start >> h;
            uint256 hi = (start + n - 1) >> h;
            if (lo % 2 == 1) buf[k++] = node(t, h, lo - 1);
            if (hi % 2 == 0 && ((hi + 1) << h) < t.count) buf[k++] = node(t, h, hi + 1);
        }
        proof = new bytes32[](k);
        for (uint256 i; i < k; ++i) {
            proof[i] = buf[i];
        }
    }

    /// @notice Compacts a full 32-sibling branch into the single-leaf range proof (n = 1) for a
    /// tree of `count` leaves: drops the right siblings that are known-empty subtrees.
    function compact(bytes32[32] memory b, uint256 index, uint256 count) internal pure returns (bytes32[] memory) {
        bytes32[] memory buf = new bytes32[](DEPTH);
        uint256 k;
        for (uint256 h; h < DEPTH; ++h) {
            uint256 pos = index >> h;
            if (pos % 2 == 1 || ((pos + 1) << h) < count) buf[k++] = b[h];
        }
        bytes32[] memory proof = new bytes32[](k);
        for (uint256 i; i < k; ++i) {
            proof[i] = buf[i];
        }
        return proof;
    }
}
