// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Test} from "../base/Test.sol";
import {CheckpointLib} from "../../src/libs/CheckpointLib.sol";
import {QuorumLib} from "../../src/libs/QuorumLib.sol";
import {QuorumVerifier} from "../../src/QuorumVerifier.sol";

/// @dev Exposes the internal recording function and the bare library check.
contract QuorumHarness is QuorumVerifier {
    constructor(uint256 hubChainId, address hubRegistry, uint256 maxStaleness_)
        QuorumVerifier(hubChainId, hubRegistry, maxStaleness_)
    {}

    function recordOperatorSet(QuorumLib.OperatorSet memory set) external returns (bytes32) {
        return _recordOperatorSet(set);
    }

    function libVerify(bytes32 digest, QuorumLib.OperatorSet calldata set, uint256 bitmap, bytes calldata sigs)
        external
        view
        returns (uint256 signers, uint256 signedWeight)
    {
        return QuorumLib.verify(digest, set, bitmap, sigs);
    }

    function hashCalldata(QuorumLib.OperatorSet calldata set) external pure returns (bytes32) {
        return QuorumLib.hash(set);
    }
}

/// @dev Test operators: keys, a set sorted by address, and signing helpers.
abstract contract QuorumFixture is Test {
    uint256 internal constant HUB_CHAIN_ID = 31_337;
    address internal constant HUB_REGISTRY = address(0xC0FFEE);
    uint256 internal constant MAX_STALENESS = 7 days;

    uint256[] internal keys; // keys[j] signs for members[j]

    /// @dev `n` operators with the given weights (assigned after sorting by address), keys derived
    /// from `salt`.
    function _makeSet(
        uint256 n,
        uint96[] memory weights,
        uint16 thresholdBps,
        uint16 minSigners,
        uint64 epoch,
        uint256 salt
    ) internal returns (QuorumLib.OperatorSet memory set) {
        delete keys;
        for (uint256 i; i < n; ++i) {
            keys.push(boundKey(uint256(keccak256(abi.encode("operator", salt, i)))));
        }
        // Insertion sort by address.
        for (uint256 i = 1; i < n; ++i) {
            uint256 k = keys[i];
            uint256 j = i;
            while (j > 0 && vm.addr(keys[j - 1]) > vm.addr(k)) {
                keys[j] = keys[j - 1];
                --j;
            }
            keys[j] = k;
        }
        set.epoch = epoch;
        set.timestamp = uint64(block.timestamp);
        set.thresholdBps = thresholdBps;
        set.minSigners = minSigners;
        set.members = new bytes32[](n);
        uint256 total;
        for (uint256 i; i < n; ++i) {
            set.members[i] = QuorumLib.packMember(vm.addr(keys[i]), weights[i]);
            total += weights[i];
        }
        set.totalWeight = uint128(total);
    }

    function _equalWeights(uint256 n, uint96 w) internal pure returns (uint96[] memory weights) {
        weights = new uint96[](n);
        for (uint256 i; i < n; ++i) {
            weights[i] = w;
        }
    }

    function _sig(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    /// @dev Signatures of the members whose bits are set in `bitmap`, in member order.
    function _sign(uint256 bitmap, bytes32 digest) internal view returns (bytes memory sigs) {
        for (uint256 j; j < keys.length; ++j) {
            if ((bitmap >> j) & 1 == 1) sigs = bytes.concat(sigs, _sig(keys[j], digest));
        }
    }

    /// @dev The lowest `k` members.
    function _firstK(uint256 k) internal pure returns (uint256) {
        return k == 256 ? type(uint256).max : (uint256(1) << k) - 1;
    }

    function _digest(QuorumVerifier verifier, CheckpointLib.Checkpoint memory c) internal view returns (bytes32) {
        return CheckpointLib.digest(verifier.domainSeparator(), CheckpointLib.structHash(c));
    }
}
