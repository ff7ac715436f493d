// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Test} from "./base/Test.sol";
import {RefTree} from "./helpers/RefTree.sol";
import {MerkleLib} from "../src/libs/MerkleLib.sol";

/// @dev External entry points, so reverts can be expected and calldata proofs passed.
contract MerkleHarness {
    using MerkleLib for MerkleLib.Tree;

    MerkleLib.Tree internal tree;

    function insert(bytes32 leaf) external returns (uint256) {
        return tree.insert(leaf);
    }

    function root() external view returns (bytes32) {
        return tree.root();
    }

    function count() external view returns (uint256) {
        return tree.count;
    }

    /// @dev Test-only: jump to a count (the branch stays as is).
    function setCount(uint256 c) external {
        tree.count = c;
    }

    function branchRoot(bytes32 leaf, bytes32[32] memory branch, uint256 index) external pure returns (bytes32) {
        return MerkleLib.branchRoot(leaf, branch, index);
    }

    function rangeRoot(bytes32[] memory leaves, uint256 start, uint256 count_, bytes32[] calldata proof)
        external
        pure
        returns (bytes32)
    {
        return MerkleLib.rangeRoot(leaves, start, count_, proof);
    }
}

contract MerkleLibTest is Test {
    MerkleHarness internal h;

    function setUp() public {
        h = new MerkleHarness();
    }

    function _copy(bytes32[] memory a) internal pure returns (bytes32[] memory b) {
        b = new bytes32[](a.length);
        for (uint256 i; i < a.length; ++i) {
            b[i] = a[i];
        }
    }

    function _slice(bytes32[] memory a, uint256 start, uint256 n) internal pure returns (bytes32[] memory b) {
        b = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            b[i] = a[start + i];
        }
    }

    // ------------------------------------------------------------------ zero hashes and roots

    function test_zeroHashesMatchDefinition() public pure {
        bytes32[32] memory z = MerkleLib.zeroHashes();
        bytes32 expected;
        for (uint256 i; i < 32; ++i) {
            assertEq(z[i], expected, "zero hash");
            expected = keccak256(abi.encodePacked(expected, expected));
        }
    }

    function test_emptyRootIsZeroSubtreeOfHeight32() public view {
        bytes32 z;
        for (uint256 i; i < 32; ++i) {
            z = keccak256(abi.encodePacked(z, z));
        }
        assertEq(h.root(), z);
        // The well-known eth2 deposit contract empty root (before the length mix-in).
        assertEq(z, 0x27ae5ba08d7291c96c8cbddcc148bf48a6d68c7974b94356f53754ef6171d757);
    }

    function test_insertMatchesReferenceForEveryCountTo70() public {
        bytes32[] memory leaves = RefTree.leavesFor(70);
        for (uint256 c = 1; c <= 70; ++c) {
            assertEq(h.insert(leaves[c - 1]), c - 1, "index");
            assertEq(h.count(), c);
            assertEq(h.root(), RefTree.root(RefTree.build(_slice(leaves, 0, c))), "root");
        }
    }

    function test_insertRevertsWhenFull() public {
        h.setCount(MerkleLib.MAX_LEAVES - 1);
        h.insert(bytes32(uint256(1))); // the last slot
        assertEq(h.count(), MerkleLib.MAX_LEAVES);
        vm.expectRevert(MerkleLib.MerkleTreeFull.selector);
        h.insert(bytes32(uint256(2)));
    }

    // ------------------------------------------------------------------ branch proofs

    function test_branchRootOfEveryLeaf() public view {
        bytes32[] memory leaves = RefTree.leavesFor(19);
        RefTree.Levels memory t = RefTree.build(leaves);
        for (uint256 i; i < 19; ++i) {
            assertEq(h.branchRoot(leaves[i], RefTree.branch(t, i), i), RefTree.root(t));
        }
    }

    function testFuzz_branchRootFlippedBitFails(uint256 countSeed, uint256 indexSeed, uint256 bit) public view {
        uint256 count = bound(countSeed, 1, 40);
        uint256 index = bound(indexSeed, 0, count - 1);
        bytes32[] memory leaves = RefTree.leavesFor(count);
        RefTree.Levels memory t = RefTree.build(leaves);
        bytes32[32] memory b = RefTree.branch(t, index);
        bytes32 leaf = leaves[index];
        assertEq(h.branchRoot(leaf, b, index), RefTree.root(t));
        // Flip one bit of the leaf, of a sibling, or of the index.
        bit = bound(bit, 0, 33 * 256 + 31);
        uint256 idx = index;
        if (bit < 256) leaf ^= bytes32(uint256(1) << bit);
        else if (bit < 33 * 256) b[bit / 256 - 1] ^= bytes32(uint256(1) << (bit % 256));
        else idx ^= uint256(1) << (bit - 33 * 256);
        assertNotEq(h.branchRoot(leaf, b, idx), RefTree.root(t));
    }

    /// @dev The root of the first i + 1 leaves, recovered from leaf i's branch in a larger tree.
    function testFuzz_prefixRootFromLaterTree(uint256 countSeed, uint256 indexSeed) public pure {
        uint256 count = bound(countSeed, 1, 150);
        uint256 index = bound(indexSeed, 0, count - 1);
        bytes32[] memory leaves = RefTree.leavesFor(count);
        bytes32[32] memory b = RefTree.branch(RefTree.build(leaves), index);
        bytes32 expected = RefTree.root(RefTree.build(_slice(leaves, 0, index + 1)));
        assertEq(MerkleLib.prefixRoot(leaves[index], b, index), expected);
    }

    // ------------------------------------------------------------------ range proofs

    function test_rangeRootEveryRangeOf13() public view {
        bytes32[] memory leaves = RefTree.leavesFor(13);
        RefTree.Levels memory t = RefTree.build(leaves);
        for (uint256 s; s < 13; ++s) {
            for (uint256 n = 1; s + n <= 13; ++n) {
                bytes32[] memory proof = RefTree.rangeProof(t, s, n);
                assertEq(h.rangeRoot(_slice(leaves, s, n), s, 13, proof), RefTree.root(t));
            }
        }
    }

    function test_rangeRootSingleLeafMatchesCompactedBranch() public view {
        bytes32[] memory leaves = RefTree.leavesFor(37);
        RefTree.Levels memory t = RefTree.build(leaves);
        for (uint256 i; i < 37; ++i) {
            bytes32[] memory proof = RefTree.compact(RefTree.branch(t, i), i, 37);
            assertEq(proof.length, RefTree.rangeProof(t, i, 1).length);
            assertEq(h.rangeRoot(_slice(leaves, i, 1), i, 37, proof), RefTree.root(t));
        }
    }

    function test_rangeRootProofSizeIsLogarithmic() public pure {
        bytes32[] memory leaves = RefTree.leavesFor(1000);
        RefTree.Levels memory t = RefTree.build(leaves);
        // 32 consecutive leaves anywhere in a 1000-leaf tree: at most 2 * 10 hashes.
        assertLe(RefTree.rangeProof(t, 500, 32).length, 20);
        assertLe(RefTree.rangeProof(t, 999, 1).length, 10);
    }

    function testFuzz_rangeRoot(uint256 countSeed, uint256 startSeed, uint256 nSeed) public view {
        uint256 count = bound(countSeed, 1, 300);
        uint256 start = bound(startSeed, 0, count - 1);
        uint256 n = bound(nSeed, 1, count - start);
        bytes32[] memory leaves = RefTree.leavesFor(count);
        RefTree.Levels memory t = RefTree.build(leaves);
        bytes32[] memory proof = RefTree.rangeProof(t, start, n);
        assertEq(h.rangeRoot(_slice(leaves, start, n), start, count, proof), RefTree.root(t));
    }

    /// @dev Any flipped bit in a leaf, a proof hash or `start` gives another root or a revert.
    /// (`count` only tells which siblings are known-empty and left out of the proof; soundness
    /// rests on the root, and the Mailbox takes `count` from the verified checkpoint.)
    function testFuzz_rangeRootFlippedBitFails(uint256 countSeed, uint256 startSeed, uint256 nSeed, uint256 bit)
        public
        view
    {
        uint256 count = bound(countSeed, 1, 200);
        uint256 start = bound(startSeed, 0, count - 1);
        uint256 n = bound(nSeed, 1, count - start);
        bytes32[] memory leaves = RefTree.leavesFor(count);
        RefTree.Levels memory t = RefTree.build(leaves);
        bytes32[] memory proof = RefTree.rangeProof(t, start, n);
        bytes32[] memory range = _slice(leaves, start, n);
        uint256 words = n + proof.length;
        bit = bound(bit, 0, words * 256 + 31);
        uint256 word = bit / 256;
        uint256 s = start;
        if (word < n) range[word] ^= bytes32(uint256(1) << (bit % 256));
        else if (word < words) proof[word - n] ^= bytes32(uint256(1) << (bit % 256));
        else s ^= uint256(1) << (bit % 32);
        try h.rangeRoot(range, s, count, proof) returns (bytes32 r) {
            assertNotEq(r, RefTree.root(t), "flipped input still proves the root");
        } catch {}
    }

    /// @dev A wrong `count` never proves a leaf at another position or with another value.
    function testFuzz_rangeRootWrongCountProvesNothingNew(uint256 countSeed, uint256 startSeed, uint256 claimedSeed)
        public
        view
    {
        uint256 count = bound(countSeed, 1, 200);
        uint256 start = bound(startSeed, 0, count - 1);
        uint256 claimed = bound(claimedSeed, start + 1, 400);
        bytes32[] memory leaves = RefTree.leavesFor(count);
        RefTree.Levels memory t = RefTree.build(leaves);
        bytes32[] memory proof = RefTree.rangeProof(t, start, 1);
        bytes32[] memory one = new bytes32[](1);
        one[0] = leaves[start] ^ bytes32(uint256(1));
        try h.rangeRoot(one, start, claimed, proof) returns (bytes32 r) {
            assertNotEq(r, RefTree.root(t), "altered leaf proved with another count");
        } catch {}
    }

    function test_rangeRootRevertsOnEmptyRange() public {
        vm.expectRevert(MerkleLib.EmptyRange.selector);
        h.rangeRoot(new bytes32[](0), 0, 1, new bytes32[](0));
    }

    function test_rangeRootRevertsOutsideTree() public {
        bytes32[] memory one = new bytes32[](1);
        vm.expectRevert(abi.encodeWithSelector(MerkleLib.RangeOutOfTree.selector, 5, 1, 5));
        h.rangeRoot(one, 5, 5, new bytes32[](0));
        bytes32[] memory three = new bytes32[](3);
        vm.expectRevert(abi.encodeWithSelector(MerkleLib.RangeOutOfTree.selector, 3, 3, 5));
        h.rangeRoot(three, 3, 5, new bytes32[](0));
        vm.expectRevert(abi.encodeWithSelector(MerkleLib.RangeOutOfTree.selector, 0, 1, 2 ** 32));
        h.rangeRoot(one, 0, 2 ** 32, new bytes32[](0));
    }

    function test_rangeRootRevertsOnShortProof() public {
        bytes32[] memory leaves = RefTree.leavesFor(6);
        RefTree.Levels memory t = RefTree.build(leaves);
        // Leaves 3 and 4 of 6: left and right siblings at h0, a left sibling at h1.
        bytes32[] memory proof = RefTree.rangeProof(t, 3, 2);
        assertEq(proof.length, 3);
        bytes32[] memory shorter = new bytes32[](2);
        shorter[0] = proof[0];
        shorter[1] = proof[1];
        vm.expectRevert(abi.encodeWithSelector(MerkleLib.ProofTooShort.selector, 2));
        h.rangeRoot(_slice(leaves, 3, 2), 3, 6, shorter);
        // A right sibling is needed, too: leaf 0 of 2.
        vm.expectRevert(abi.encodeWithSelector(MerkleLib.ProofTooShort.selector, 0));
        h.rangeRoot(_slice(leaves, 0, 1), 0, 2, new bytes32[](0));
    }

    function test_rangeRootRevertsOnLongProof() public {
        bytes32[] memory leaves = RefTree.leavesFor(6);
        RefTree.Levels memory t = RefTree.build(leaves);
        bytes32[] memory proof = RefTree.rangeProof(t, 3, 2);
        bytes32[] memory longer = new bytes32[](4);
        longer[0] = proof[0];
        longer[1] = proof[1];
        longer[2] = proof[2];
        vm.expectRevert(abi.encodeWithSelector(MerkleLib.ProofTooLong.selector, 4, 3));
        h.rangeRoot(_slice(leaves, 3, 2), 3, 6, longer);
    }

    function test_wholeTreeNeedsNoProof() public view {
        bytes32[] memory leaves = RefTree.leavesFor(8);
        assertEq(h.rangeRoot(_copy(leaves), 0, 8, new bytes32[](0)), RefTree.root(RefTree.build(leaves)));
    }
}
