// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {StakingFixture} from "./StakingFixture.sol";
import {CheckpointLib} from "../../src/libs/CheckpointLib.sol";
import {QuorumLib} from "../../src/libs/QuorumLib.sol";
import {QuorumVerifier} from "../../src/QuorumVerifier.sol";
import {IQuorumVerifier} from "../../src/interfaces/IQuorumVerifier.sol";
import {HandoverLib} from "../../src/staking/HandoverLib.sol";
import {OperatorSetMirror} from "../../src/staking/OperatorSetMirror.sol";

contract OperatorSetMirrorTest is StakingFixture {
    OperatorSetMirror internal mirror;
    QuorumLib.OperatorSet internal genesis; // 5 x weight 100, 6,000 bps, min 2, epoch 1
    uint256[] internal genesisKeys;
    QuorumLib.OperatorSet internal next; // 4 other operators, epoch 2
    uint256[] internal nextKeys;

    function setUp() public {
        vm.warp(START);
        _copy(genesis, _makeSet(5, _equalWeights(5, 100), 6000, 2, 1, 1));
        genesisKeys = keys;
        vm.warp(START + 1 days);
        _copy(next, _makeSet(4, _equalWeights(4, 50), 6667, 3, 2, 2));
        nextKeys = keys;
        mirror = new OperatorSetMirror(HUB_CHAIN_ID, HUB_REGISTRY, MAX_STALENESS, genesis);
    }

    function _copy(QuorumLib.OperatorSet storage dst, QuorumLib.OperatorSet memory src) internal {
        dst.epoch = src.epoch;
        dst.timestamp = src.timestamp;
        dst.thresholdBps = src.thresholdBps;
        dst.minSigners = src.minSigners;
        dst.totalWeight = src.totalWeight;
        dst.members = src.members;
    }

    function _signWith(uint256[] storage ks, uint256 bitmap, bytes32 d) internal view returns (bytes memory sigs) {
        for (uint256 j; j < ks.length; ++j) {
            if ((bitmap >> j) & 1 == 1) sigs = bytes.concat(sigs, _sig(ks[j], d));
        }
    }

    function _attestation(QuorumLib.OperatorSet memory current, uint256[] storage ks, uint256 bitmap, bytes32 d)
        internal
        view
        returns (OperatorSetMirror.Attestation memory a)
    {
        a.set = current;
        a.signerBitmap = bitmap;
        a.signatures = _signWith(ks, bitmap, d);
    }

    function _handover(uint256 bitmap) internal view returns (OperatorSetMirror.Attestation memory) {
        return _attestation(genesis, genesisKeys, bitmap, _handoverDigest(mirror.domainSeparator(), 1, next));
    }

    // ------------------------------------------------------------------ construction

    function test_constructor_recordsGenesis() public view {
        assertEq(mirror.latestEpoch(), 1);
        assertEq(mirror.operatorSetHash(1), QuorumLib.hashMemory(genesis));
        assertEq(mirror.domainSeparator(), CheckpointLib.domainSeparator(HUB_CHAIN_ID, HUB_REGISTRY));
    }

    function test_constructor_rejectsInvalidGenesis() public {
        QuorumLib.OperatorSet memory empty;
        empty.thresholdBps = 6000;
        empty.minSigners = 1;
        vm.expectRevert(abi.encodeWithSelector(QuorumLib.OperatorSetEmpty.selector));
        new OperatorSetMirror(HUB_CHAIN_ID, HUB_REGISTRY, MAX_STALENESS, empty);
        vm.expectRevert(abi.encodeWithSelector(QuorumVerifier.MaxStalenessZero.selector));
        new OperatorSetMirror(HUB_CHAIN_ID, HUB_REGISTRY, 0, genesis);
    }

    // ------------------------------------------------------------------ handover

    function test_updateSet_quorumAccepted() public {
        bytes32 h = QuorumLib.hashMemory(next);
        vm.expectEmit(address(mirror));
        emit IQuorumVerifier.OperatorSetRecorded(2, h, next);
        assertEq(mirror.updateSet(next, _handover(0x07)), h); // 3 of 5 = 60%
        assertEq(mirror.latestEpoch(), 2);
        assertEq(mirror.operatorSetHash(2), h);
        // The new set verifies checkpoints.
        CheckpointLib.Checkpoint memory c = _remoteCheckpoint(keccak256("r"), 3, 2);
        bytes32 d = _digest(mirror, c);
        assertEq(mirror.verifyCheckpoint(c, next, 0x07, _signWith(nextKeys, 0x07, d)), d);
    }

    function test_updateSet_minorityRefused() public {
        OperatorSetMirror.Attestation memory a = _handover(0x03); // 2 of 5 = 40% < 60%
        vm.expectRevert(abi.encodeWithSelector(QuorumLib.InsufficientWeight.selector, 200, 500, 6000));
        mirror.updateSet(next, a);
        a = _handover(0x10); // 1 signer < minSigners 2
        vm.expectRevert(abi.encodeWithSelector(QuorumLib.TooFewSigners.selector, 1, 2));
        mirror.updateSet(next, a);
    }

    function test_updateSet_outsiderRefused() public {
        OperatorSetMirror.Attestation memory a = _handover(0x07);
        // Member 0's signature replaced by one of the next set's keys (not a current member).
        bytes32 d = _handoverDigest(mirror.domainSeparator(), 1, next);
        bytes memory outsider = _sig(nextKeys[0], d);
        bytes memory sigs = a.signatures;
        for (uint256 k; k < 65; ++k) {
            sigs[k] = outsider[k];
        }
        vm.expectRevert(); // SignerNotInSet (or SignerNotAscending, depending on the outsider's address)
        mirror.updateSet(next, a);
    }

    function test_updateSet_staleSetRefused() public {
        OperatorSetMirror.Attestation memory a = _handover(0x1f);
        vm.warp(uint256(genesis.timestamp) + MAX_STALENESS + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                QuorumVerifier.StaleOperatorSet.selector, genesis.timestamp, MAX_STALENESS, block.timestamp
            )
        );
        mirror.updateSet(next, a);
    }

    function test_updateSet_atExactlyMaxStalenessAccepted() public {
        OperatorSetMirror.Attestation memory a = _handover(0x07);
        vm.warp(uint256(genesis.timestamp) + MAX_STALENESS);
        mirror.updateSet(next, a);
    }

    function test_updateSet_wrongAttestingSetRefused() public {
        // A set the mirror does not hold for its latest epoch.
        QuorumLib.OperatorSet memory forged = genesis;
        forged.thresholdBps = 1;
        OperatorSetMirror.Attestation memory a = _handover(0x01);
        a.set = forged;
        vm.expectRevert(
            abi.encodeWithSelector(QuorumVerifier.UnknownOperatorSet.selector, 1, QuorumLib.hashMemory(forged))
        );
        mirror.updateSet(next, a);
        // After a handover, the old set no longer hands over: replay refused.
        OperatorSetMirror.Attestation memory good = _handover(0x07);
        mirror.updateSet(next, good);
        vm.expectRevert(abi.encodeWithSelector(OperatorSetMirror.NotLatestSet.selector, 1, 2));
        mirror.updateSet(next, good);
    }

    function test_updateSet_signaturesOverOtherMessageRefused() public {
        QuorumLib.OperatorSet memory other = next;
        other.thresholdBps = 5000;
        // Signed for `next`, submitted with `other`.
        OperatorSetMirror.Attestation memory a = _handover(0x07);
        vm.expectRevert();
        mirror.updateSet(other, a);
        // Signed with the wrong epoch.
        a = _attestation(genesis, genesisKeys, 0x07, _handoverDigest(mirror.domainSeparator(), 2, next));
        vm.expectRevert();
        mirror.updateSet(next, a);
        // Signed under another deployment's domain.
        a = _attestation(
            genesis,
            genesisKeys,
            0x07,
            _handoverDigest(CheckpointLib.domainSeparator(HUB_CHAIN_ID, address(1)), 1, next)
        );
        vm.expectRevert();
        mirror.updateSet(next, a);
        // A checkpoint signature is not a handover signature.
        a = _attestation(
            genesis, genesisKeys, 0x07, CheckpointLib.digest(mirror.domainSeparator(), QuorumLib.hashMemory(next))
        );
        vm.expectRevert();
        mirror.updateSet(next, a);
    }

    function test_updateSet_epochAndTimestampMustAdvance() public {
        QuorumLib.OperatorSet memory same = next;
        same.epoch = 1;
        OperatorSetMirror.Attestation memory a =
            _attestation(genesis, genesisKeys, 0x07, _handoverDigest(mirror.domainSeparator(), 1, same));
        vm.expectRevert(abi.encodeWithSelector(QuorumVerifier.EpochNotAfterLatest.selector, 1, 1));
        mirror.updateSet(same, a);

        QuorumLib.OperatorSet memory back = next;
        back.timestamp = genesis.timestamp - 1;
        a = _attestation(genesis, genesisKeys, 0x07, _handoverDigest(mirror.domainSeparator(), 1, back));
        vm.expectRevert(
            abi.encodeWithSelector(
                OperatorSetMirror.HandoverTimestampBackwards.selector, genesis.timestamp - 1, genesis.timestamp
            )
        );
        mirror.updateSet(back, a);
    }

    function test_updateSet_invalidNextSetRefused() public {
        QuorumLib.OperatorSet memory bad = next;
        bad.members = new bytes32[](2);
        bad.members[0] = next.members[1];
        bad.members[1] = next.members[0]; // descending
        bad.minSigners = 1;
        bad.totalWeight = 100;
        OperatorSetMirror.Attestation memory a =
            _attestation(genesis, genesisKeys, 0x07, _handoverDigest(mirror.domainSeparator(), 1, bad));
        vm.expectRevert(abi.encodeWithSelector(QuorumLib.OperatorSetMemberInvalid.selector, 1));
        mirror.updateSet(bad, a);
    }

    /// The hub records a set only when it changes, so handovers may skip epoch numbers.
    function test_updateSet_mayJumpEpochs() public {
        QuorumLib.OperatorSet memory later = next;
        later.epoch = 9;
        OperatorSetMirror.Attestation memory a =
            _attestation(genesis, genesisKeys, 0x07, _handoverDigest(mirror.domainSeparator(), 1, later));
        mirror.updateSet(later, a);
        assertEq(mirror.latestEpoch(), 9);
    }

    /// The old set's checkpoints still verify after a handover, until that set is stale.
    function test_oldSetVerifiesUntilStale() public {
        mirror.updateSet(next, _handover(0x07));
        CheckpointLib.Checkpoint memory c = _remoteCheckpoint(keccak256("r"), 3, 1);
        bytes32 d = _digest(mirror, c);
        bytes memory sigs = _signWith(genesisKeys, 0x07, d);
        mirror.verifyCheckpoint(c, genesis, 0x07, sigs);
        vm.warp(uint256(genesis.timestamp) + MAX_STALENESS + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                QuorumVerifier.StaleOperatorSet.selector, genesis.timestamp, MAX_STALENESS, block.timestamp
            )
        );
        mirror.verifyCheckpoint(c, genesis, 0x07, sigs);
    }

    // ------------------------------------------------------------------ hub to mirror

    /// Sets recorded by the real registry, handed over by its operators' signing keys.
    function test_hubToMirror_endToEnd() public {
        _deployStaking();
        _onboard(4, STAKE);
        _advance();
        QuorumLib.OperatorSet memory first = hubSet;
        OperatorSetMirror m = new OperatorSetMirror(block.chainid, address(registry), MAX_STALENESS, first);
        assertEq(m.domainSeparator(), registry.domainSeparator());

        // Operator 4 joins; the hub records epoch 2; 3 of epoch 1's 4 members hand over.
        _stake(_account(4), STAKE);
        _register(4);
        _advance();
        bytes32 d = _handoverDigest(m.domainSeparator(), 1, hubSet);
        OperatorSetMirror.Attestation memory a;
        a.set = first;
        a.signerBitmap = 0x07;
        a.signatures = _signMembers(first, 0x07, d);
        m.updateSet(hubSet, a);
        assertEq(m.operatorSetHash(2), registry.operatorSetHash(2));

        // A checkpoint signed by epoch 2 verifies on the mirror, as on the hub.
        CheckpointLib.Checkpoint memory c = _remoteCheckpoint(keccak256("r"), 0, 2);
        bytes32 cd = _digest(m, c);
        bytes memory sigs = _signMembers(hubSet, 0x0f, cd);
        assertEq(m.verifyCheckpoint(c, hubSet, 0x0f, sigs), cd);
        assertEq(registry.verifyCheckpoint(c, hubSet, 0x0f, sigs), cd);
    }

    // ------------------------------------------------------------------ fuzz

    /// A handover passes exactly when the signers reach both minSigners and the threshold.
    function testFuzz_updateSet_acceptedIffQuorum(uint8 bitmapRaw) public {
        uint256 bitmap = bitmapRaw & 0x1f;
        vm.assume(bitmap != 0);
        uint256 n;
        for (uint256 b = bitmap; b != 0; b &= b - 1) {
            ++n;
        }
        OperatorSetMirror.Attestation memory a = _handover(bitmap);
        bool quorum = n >= 2 && n * 100 * 10_000 >= 500 * 6000;
        if (!quorum) vm.expectRevert();
        mirror.updateSet(next, a);
        assertEq(mirror.latestEpoch(), quorum ? 2 : 1);
    }
}
