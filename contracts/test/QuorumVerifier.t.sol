// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {QuorumFixture, QuorumHarness} from "./helpers/QuorumFixture.sol";
import {CheckpointLib} from "../src/libs/CheckpointLib.sol";
import {QuorumLib} from "../src/libs/QuorumLib.sol";
import {QuorumVerifier} from "../src/QuorumVerifier.sol";
import {IQuorumVerifier} from "../src/interfaces/IQuorumVerifier.sol";

contract QuorumVerifierTest is QuorumFixture {
    uint256 internal constant HALF_N = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    QuorumHarness internal verifier;
    QuorumLib.OperatorSet internal set5; // 5 operators, weight 100 each, 6,000 bps, min 3
    CheckpointLib.Checkpoint internal cp;
    bytes32 internal digest;

    function setUp() public {
        vm.warp(1_700_000_000);
        verifier = new QuorumHarness(HUB_CHAIN_ID, HUB_REGISTRY, MAX_STALENESS);
        QuorumLib.OperatorSet memory s = _makeSet(5, _equalWeights(5, 100), 6000, 3, 3, 0);
        _store(s);
        verifier.recordOperatorSet(s);
        cp = CheckpointLib.Checkpoint({
            origin: 1, outbox: bytes32(uint256(0xAB)), root: keccak256("root"), index: 7, epoch: 3
        });
        digest = _digest(verifier, cp);
    }

    function _store(QuorumLib.OperatorSet memory s) internal {
        set5.epoch = s.epoch;
        set5.timestamp = s.timestamp;
        set5.thresholdBps = s.thresholdBps;
        set5.minSigners = s.minSigners;
        set5.totalWeight = s.totalWeight;
        set5.members = s.members;
    }

    function _verify(uint256 bitmap, bytes memory sigs) internal view returns (bytes32) {
        return verifier.verifyCheckpoint(cp, set5, bitmap, sigs);
    }

    // ------------------------------------------------------------------ happy paths

    function test_quorumOfThree() public view {
        assertEq(_verify(0x07, _sign(0x07, digest)), digest);
    }

    function test_anyThreeOfFive() public view {
        uint256[4] memory bitmaps = [uint256(0x1c), 0x15, 0x0b, 0x1f];
        for (uint256 i; i < bitmaps.length; ++i) {
            assertEq(_verify(bitmaps[i], _sign(bitmaps[i], digest)), digest);
        }
    }

    function test_setAtExactlyMaxStalenessStillVerifies() public {
        vm.warp(set5.timestamp + MAX_STALENESS);
        _verify(0x07, _sign(0x07, digest));
    }

    function test_olderEpochStillUsableUntilStale() public {
        QuorumLib.OperatorSet memory next = _makeSet(4, _equalWeights(4, 10), 5000, 2, 4, 1);
        verifier.recordOperatorSet(next);
        // keys are now the epoch-4 operators; epoch 3's set still verifies with its own keys.
        _makeSet(5, _equalWeights(5, 100), 6000, 3, 3, 0);
        _verify(0x07, _sign(0x07, digest));
        assertEq(verifier.latestEpoch(), 4);
    }

    // ------------------------------------------------------------------ checkpoint and set checks

    function test_revertsOnZeroRoot() public {
        cp.root = bytes32(0);
        bytes memory sigs = _sign(0x07, _digest(verifier, cp));
        vm.expectRevert(QuorumVerifier.ZeroRoot.selector);
        _verify(0x07, sigs);
    }

    function test_revertsOnEpochMismatch() public {
        cp.epoch = 4;
        bytes memory sigs = _sign(0x07, _digest(verifier, cp));
        vm.expectRevert(abi.encodeWithSelector(QuorumVerifier.EpochMismatch.selector, 4, 3));
        _verify(0x07, sigs);
    }

    function test_revertsOnUnknownEpoch() public {
        cp.epoch = 9;
        set5.epoch = 9;
        bytes memory sigs = _sign(0x07, _digest(verifier, cp));
        vm.expectRevert(
            abi.encodeWithSelector(QuorumVerifier.UnknownOperatorSet.selector, 9, verifier.hashCalldata(set5))
        );
        _verify(0x07, sigs);
    }

    /// @dev Any change to the set passed in calldata is refused (it is checked against the hash).
    function test_revertsOnTamperedSet() public {
        bytes memory sigs = _sign(0x03, digest);
        // A lower threshold, fewer minimum signers, more weight for the signers, an outsider
        // swapped in, a fresher timestamp: each changes the hash.
        for (uint256 t; t < 6; ++t) {
            _store(_makeSet(5, _equalWeights(5, 100), 6000, 3, 3, 0));
            if (t == 0) set5.thresholdBps = 1;
            if (t == 1) set5.minSigners = 1;
            if (t == 2) set5.members[0] = bytes32(uint256(set5.members[0]) + 1000);
            if (t == 3) set5.totalWeight = 200;
            if (t == 4) set5.timestamp += 1;
            if (t == 5) set5.members.pop();
            vm.expectRevert(
                abi.encodeWithSelector(QuorumVerifier.UnknownOperatorSet.selector, 3, verifier.hashCalldata(set5))
            );
            _verify(0x03, sigs);
        }
    }

    function test_revertsOnStaleSet() public {
        bytes memory sigs = _sign(0x07, digest);
        vm.warp(set5.timestamp + MAX_STALENESS + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                QuorumVerifier.StaleOperatorSet.selector, set5.timestamp, MAX_STALENESS, block.timestamp
            )
        );
        _verify(0x07, sigs);
    }

    // ------------------------------------------------------------------ signature checks

    function test_revertsOnBitmapOutsideSet() public {
        bytes memory sigs = _sign(0x07, digest);
        vm.expectRevert(abi.encodeWithSelector(QuorumLib.SignerIndexOutOfRange.selector, 5, 5));
        _verify(0x07 | (1 << 5), bytes.concat(sigs, new bytes(65)));
        vm.expectRevert(abi.encodeWithSelector(QuorumLib.SignerIndexOutOfRange.selector, 255, 5));
        _verify(0x07 | (1 << 255), sigs);
    }

    function test_revertsOnMissingSignature() public {
        bytes memory sigs = _sign(0x03, digest); // two signatures for three bits
        vm.expectRevert(abi.encodeWithSelector(QuorumLib.SignaturesLengthMismatch.selector, 130, 195));
        _verify(0x07, sigs);
    }

    function test_revertsOnExtraSignatureBytes() public {
        bytes memory sigs = _sign(0x07, digest);
        vm.expectRevert(abi.encodeWithSelector(QuorumLib.SignaturesLengthMismatch.selector, 196, 195));
        _verify(0x07, bytes.concat(sigs, hex"00"));
        bytes memory four = _sign(0x0f, digest);
        vm.expectRevert(abi.encodeWithSelector(QuorumLib.SignaturesLengthMismatch.selector, 260, 195));
        _verify(0x07, four);
    }

    function test_revertsOnInvalidV() public {
        uint8[4] memory bad = [uint8(0), 1, 26, 29];
        for (uint256 i; i < bad.length; ++i) {
            bytes memory sigs = _sign(0x07, digest);
            sigs[65 + 64] = bytes1(bad[i]); // v of the second signature
            vm.expectRevert(abi.encodeWithSelector(QuorumLib.SignatureInvalidV.selector, 1, bad[i]));
            _verify(0x07, sigs);
        }
    }

    /// @dev The malleable twin (r, n - s, v ^ 1) recovers the same signer and is refused.
    function test_revertsOnHighS() public {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(keys[2], digest);
        assertLe(uint256(s), HALF_N);
        bytes32 highS = bytes32(SECP256K1_N - uint256(s));
        uint8 flippedV = v == 27 ? 28 : 27;
        assertEq(ecrecover(digest, flippedV, r, highS), vm.addr(keys[2]), "twin recovers the same signer");
        bytes memory sigs = bytes.concat(_sign(0x03, digest), abi.encodePacked(r, highS, flippedV));
        vm.expectRevert(abi.encodeWithSelector(QuorumLib.SignatureHighS.selector, 2));
        _verify(0x07, sigs);
    }

    function test_revertsOnSignatureRecoveringZero() public {
        bytes memory sigs =
            bytes.concat(abi.encodePacked(bytes32(0), bytes32(uint256(1)), uint8(27)), _sign(0x06, digest));
        vm.expectRevert(abi.encodeWithSelector(QuorumLib.SignatureRecoversZero.selector, 0));
        _verify(0x07, sigs);
    }

    /// @dev One operator's signature given for two bits: the second is not above the first.
    function test_revertsOnDuplicateSigner() public {
        bytes memory one = _sig(keys[0], digest);
        bytes memory sigs = bytes.concat(one, one, _sig(keys[2], digest));
        address a = vm.addr(keys[0]);
        vm.expectRevert(abi.encodeWithSelector(QuorumLib.SignerNotAscending.selector, 1, a, a));
        _verify(0x07, sigs);
    }

    /// @dev Valid signatures in the wrong order: the first does not match member 0.
    function test_revertsOnUnsortedSigners() public {
        bytes memory sigs = bytes.concat(_sig(keys[1], digest), _sig(keys[0], digest), _sig(keys[2], digest));
        vm.expectRevert(abi.encodeWithSelector(QuorumLib.SignerNotInSet.selector, 0, vm.addr(keys[1]), 0));
        _verify(0x07, sigs);
        // Ordered by address but claimed for the wrong bits.
        sigs = bytes.concat(_sig(keys[0], digest), _sig(keys[2], digest), _sig(keys[3], digest));
        vm.expectRevert(abi.encodeWithSelector(QuorumLib.SignerNotInSet.selector, 1, vm.addr(keys[2]), 1));
        _verify(0x07, sigs);
    }

    function test_revertsOnOutsider() public {
        uint256 outsider = boundKey(uint256(keccak256("outsider")));
        bytes memory sigs = bytes.concat(_sign(0x03, digest), _sig(outsider, digest));
        // The outsider sits where member 2 should; whichever check trips first names index 2.
        address o = vm.addr(outsider);
        if (o > vm.addr(keys[1])) {
            vm.expectRevert(abi.encodeWithSelector(QuorumLib.SignerNotInSet.selector, 2, o, 2));
        } else {
            vm.expectRevert(abi.encodeWithSelector(QuorumLib.SignerNotAscending.selector, 2, o, vm.addr(keys[1])));
        }
        _verify(0x07, sigs);
    }

    function test_revertsOnSignatureForAnotherCheckpoint() public {
        CheckpointLib.Checkpoint memory other = cp;
        other.root = keccak256("another root");
        bytes memory sigs = _sign(0x07, _digest(verifier, other));
        vm.expectRevert(); // recovers to an unrelated address: SignerNotInSet at index 0
        _verify(0x07, sigs);
    }

    function test_revertsOnSignatureForAnotherDeployment() public {
        QuorumHarness otherDeployment = new QuorumHarness(HUB_CHAIN_ID, address(0xBEEF), MAX_STALENESS);
        bytes memory sigs = _sign(0x07, _digest(otherDeployment, cp));
        vm.expectRevert();
        _verify(0x07, sigs);
    }

    function test_revertsOnTooFewSigners() public {
        // Ronin: one operator holding 70% of the stake cannot carry the quorum alone.
        QuorumLib.OperatorSet memory s = _makeSet(5, _equalWeights(5, 10), 6000, 3, 4, 7);
        s.members[4] = QuorumLib.packMember(QuorumLib.memberAddress(s.members[4]), 100);
        s.totalWeight = 140;
        verifier.recordOperatorSet(s);
        _store(s);
        cp.epoch = 4;
        bytes32 d = _digest(verifier, cp);
        vm.expectRevert(abi.encodeWithSelector(QuorumLib.TooFewSigners.selector, 1, 3));
        _verify(0x10, _sign(0x10, d));
        vm.expectRevert(abi.encodeWithSelector(QuorumLib.TooFewSigners.selector, 2, 3));
        _verify(0x11, _sign(0x11, d));
        _verify(0x13, _sign(0x13, d)); // three distinct operators: accepted
    }

    function test_revertsOnInsufficientWeight() public {
        // 3 of 5 equal weights = 60.00%: exactly the threshold passes, one basis point more fails.
        QuorumLib.OperatorSet memory s = _makeSet(5, _equalWeights(5, 100), 6001, 3, 4, 0);
        verifier.recordOperatorSet(s);
        _store(s);
        cp.epoch = 4;
        bytes32 d = _digest(verifier, cp);
        vm.expectRevert(abi.encodeWithSelector(QuorumLib.InsufficientWeight.selector, 300, 500, 6001));
        _verify(0x07, _sign(0x07, d));
        _verify(0x0f, _sign(0x0f, d));
    }

    /// @dev The library refuses a zero threshold or an empty signature set on its own, even for a
    /// set that never went through validation (a default value never means valid).
    function test_libraryRefusesDefaultValuedSet() public {
        QuorumLib.OperatorSet memory s = _makeSet(5, _equalWeights(5, 100), 0, 0, 3, 0);
        vm.expectRevert(abi.encodeWithSelector(QuorumLib.InsufficientWeight.selector, 100, 500, 0));
        verifier.libVerify(digest, s, 0x01, _sign(0x01, digest));
        vm.expectRevert(abi.encodeWithSelector(QuorumLib.TooFewSigners.selector, 0, 0));
        verifier.libVerify(digest, s, 0, "");
        s.thresholdBps = 1;
        s.totalWeight = 0;
        vm.expectRevert(abi.encodeWithSelector(QuorumLib.InsufficientWeight.selector, 100, 0, 1));
        verifier.libVerify(digest, s, 0x01, _sign(0x01, digest));
    }

    // ------------------------------------------------------------------ recording sets

    function test_recordEmitsFullSet() public {
        QuorumLib.OperatorSet memory s = _makeSet(3, _equalWeights(3, 5), 5000, 2, 10, 3);
        bytes32 h = QuorumLib.hashMemory(s);
        vm.expectEmit(address(verifier));
        emit IQuorumVerifier.OperatorSetRecorded(10, h, s);
        assertEq(verifier.recordOperatorSet(s), h);
        assertEq(verifier.operatorSetHash(10), h);
        assertEq(verifier.latestEpoch(), 10);
        assertEq(verifier.hashCalldata(s), h, "calldata and memory hashes agree");
    }

    function test_recordRefusesOldOrSameEpoch() public {
        QuorumLib.OperatorSet memory s = _makeSet(3, _equalWeights(3, 5), 5000, 2, 3, 3);
        vm.expectRevert(abi.encodeWithSelector(QuorumVerifier.EpochNotAfterLatest.selector, 3, 3));
        verifier.recordOperatorSet(s);
        s.epoch = 2;
        vm.expectRevert(abi.encodeWithSelector(QuorumVerifier.EpochNotAfterLatest.selector, 2, 3));
        verifier.recordOperatorSet(s);
    }

    function test_firstSetMayBeEpochZero() public {
        QuorumHarness fresh = new QuorumHarness(HUB_CHAIN_ID, HUB_REGISTRY, MAX_STALENESS);
        QuorumLib.OperatorSet memory s = _makeSet(3, _equalWeights(3, 5), 5000, 2, 0, 3);
        fresh.recordOperatorSet(s);
        vm.expectRevert(abi.encodeWithSelector(QuorumVerifier.EpochNotAfterLatest.selector, 0, 0));
        fresh.recordOperatorSet(s);
    }

    function test_constructorRefusesZeroStaleness() public {
        vm.expectRevert(QuorumVerifier.MaxStalenessZero.selector);
        new QuorumHarness(HUB_CHAIN_ID, HUB_REGISTRY, 0);
    }

    function test_validateRefusesMalformedSets() public {
        QuorumLib.OperatorSet memory s = _makeSet(4, _equalWeights(4, 5), 5000, 2, 20, 5);
        bytes32[] memory members = s.members;

        s.members = new bytes32[](0);
        vm.expectRevert(QuorumLib.OperatorSetEmpty.selector);
        verifier.recordOperatorSet(s);

        s.members = new bytes32[](257);
        vm.expectRevert(abi.encodeWithSelector(QuorumLib.OperatorSetTooLarge.selector, 257));
        verifier.recordOperatorSet(s);
        s.members = members;

        s.thresholdBps = 0;
        vm.expectRevert(abi.encodeWithSelector(QuorumLib.OperatorSetThresholdInvalid.selector, 0));
        verifier.recordOperatorSet(s);
        s.thresholdBps = 10_001;
        vm.expectRevert(abi.encodeWithSelector(QuorumLib.OperatorSetThresholdInvalid.selector, 10_001));
        verifier.recordOperatorSet(s);
        s.thresholdBps = 10_000;

        s.minSigners = 0;
        vm.expectRevert(abi.encodeWithSelector(QuorumLib.OperatorSetMinSignersInvalid.selector, 0, 4));
        verifier.recordOperatorSet(s);
        s.minSigners = 5;
        vm.expectRevert(abi.encodeWithSelector(QuorumLib.OperatorSetMinSignersInvalid.selector, 5, 4));
        verifier.recordOperatorSet(s);
        s.minSigners = 2;

        s.totalWeight = 21;
        vm.expectRevert(abi.encodeWithSelector(QuorumLib.OperatorSetTotalWeightMismatch.selector, 21, 20));
        verifier.recordOperatorSet(s);
        s.totalWeight = 20;
    }

    function test_validateRefusesBadMembers() public {
        QuorumLib.OperatorSet memory s = _makeSet(4, _equalWeights(4, 5), 5000, 2, 20, 5);
        bytes32 m1 = s.members[1];
        bytes32 m2 = s.members[2];

        s.members[2] = QuorumLib.packMember(QuorumLib.memberAddress(m2), 0); // zero weight
        vm.expectRevert(abi.encodeWithSelector(QuorumLib.OperatorSetMemberInvalid.selector, 2));
        verifier.recordOperatorSet(s);

        s.members[2] = m1; // duplicate member
        vm.expectRevert(abi.encodeWithSelector(QuorumLib.OperatorSetMemberInvalid.selector, 2));
        verifier.recordOperatorSet(s);

        s.members[2] = QuorumLib.packMember(QuorumLib.memberAddress(m1), 6); // same address, other weight
        vm.expectRevert(abi.encodeWithSelector(QuorumLib.OperatorSetMemberInvalid.selector, 2));
        verifier.recordOperatorSet(s);

        s.members[1] = m2; // descending
        s.members[2] = m1;
        vm.expectRevert(abi.encodeWithSelector(QuorumLib.OperatorSetMemberInvalid.selector, 2));
        verifier.recordOperatorSet(s);
        s.members[1] = m1;
        s.members[2] = m2;

        bytes32 m0 = s.members[0];
        s.members[0] = QuorumLib.packMember(address(0), 5); // zero address
        vm.expectRevert(abi.encodeWithSelector(QuorumLib.OperatorSetMemberInvalid.selector, 0));
        verifier.recordOperatorSet(s);
        s.members[0] = m0;

        verifier.recordOperatorSet(s);
    }

    // ------------------------------------------------------------------ fuzz

    /// @dev Random weights and a random signer subset of 10: accepted exactly when both the weight
    /// threshold and the minimum signer count are met.
    function testFuzz_quorumDecision(uint256 seed, uint256 bitmapSeed, uint16 bpsSeed, uint8 minSeed) public {
        uint256 n = 10;
        uint96[] memory weights = new uint96[](n);
        for (uint256 i; i < n; ++i) {
            weights[i] = uint96(bound(uint256(keccak256(abi.encode(seed, i))), 1, 1e24));
        }
        uint16 bps = uint16(bound(bpsSeed, 1, 10_000));
        uint16 minSigners = uint16(bound(minSeed, 1, n));
        QuorumLib.OperatorSet memory s = _makeSet(n, weights, bps, minSigners, 4, seed);
        verifier.recordOperatorSet(s);
        _store(s);
        cp.epoch = 4;
        bytes32 d = _digest(verifier, cp);
        uint256 bitmap = bound(bitmapSeed, 1, (1 << n) - 1);
        uint256 signed;
        uint256 count;
        for (uint256 j; j < n; ++j) {
            if ((bitmap >> j) & 1 == 1) {
                signed += weights[j];
                ++count;
            }
        }
        bytes memory sigs = _sign(bitmap, d);
        if (count < minSigners) {
            vm.expectRevert(abi.encodeWithSelector(QuorumLib.TooFewSigners.selector, count, minSigners));
        } else if (signed * 10_000 < uint256(s.totalWeight) * bps) {
            vm.expectRevert(abi.encodeWithSelector(QuorumLib.InsufficientWeight.selector, signed, s.totalWeight, bps));
        }
        _verify(bitmap, sigs);
    }

    /// @dev Any single flipped bit in the signatures, the bitmap or the checkpoint is refused.
    function testFuzz_flippedBitRefused(uint256 bit) public {
        bytes memory sigs = _sign(0x07, digest);
        uint256 sigBits = sigs.length * 8;
        bit = bound(bit, 0, sigBits + 5 + 5 * 256 - 1);
        uint256 bitmap = 0x07;
        if (bit < sigBits) {
            sigs[bit / 8] ^= bytes1(uint8(1) << uint8(bit % 8));
        } else if (bit < sigBits + 5) {
            bitmap ^= 1 << (bit - sigBits); // any change in members 0..4 breaks it
        } else {
            uint256 f = bit - sigBits - 5;
            uint256 mask = 1 << (f % 256);
            if (f < 256) cp.origin ^= uint32(mask % 2 ** 32 == 0 ? 1 : mask % 2 ** 32);
            else if (f < 512) cp.outbox ^= bytes32(mask);
            else if (f < 768) cp.root ^= bytes32(mask);
            else if (f < 1024) cp.index ^= uint32(mask % 2 ** 32 == 0 ? 1 : mask % 2 ** 32);
            else cp.epoch ^= uint64(mask % 2 ** 64 == 0 ? 1 : mask % 2 ** 64);
        }
        vm.expectRevert();
        _verify(bitmap, sigs);
    }
}
