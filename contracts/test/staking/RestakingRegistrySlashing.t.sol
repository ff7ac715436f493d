// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {StakingFixture} from "./StakingFixture.sol";
import {CheckpointLib} from "../../src/libs/CheckpointLib.sol";
import {QuorumLib} from "../../src/libs/QuorumLib.sol";
import {IOutboxHistory} from "../../src/staking/IOutboxHistory.sol";
import {RestakingRegistry} from "../../src/staking/RestakingRegistry.sol";

/// @dev Equivocation, false hub roots, false handovers: evidence, bounty, ejection, replay.
contract RestakingRegistrySlashingTest is StakingFixture {
    uint32 internal constant DEST = 200;
    bytes32 internal constant R1 = keccak256("root one");
    bytes32 internal constant R2 = keccak256("root two");

    function setUp() public {
        _deployStaking();
        _onboard(4, STAKE);
        _advance(); // epoch 1: operators 0..3
    }

    function _equivocate(uint256 keyIndex, uint32 index, uint64 epoch)
        internal
        view
        returns (CheckpointLib.Checkpoint memory a, bytes memory sa, CheckpointLib.Checkpoint memory b, bytes memory sb)
    {
        a = _remoteCheckpoint(R1, index, epoch);
        b = _remoteCheckpoint(R2, index, epoch);
        sa = _signCheckpoint(keyIndex, a);
        sb = _signCheckpoint(keyIndex, b);
    }

    function _slashEq(uint256 keyIndex, uint32 index, uint64 epoch) internal returns (uint256) {
        (CheckpointLib.Checkpoint memory a, bytes memory sa, CheckpointLib.Checkpoint memory b, bytes memory sb) =
            _equivocate(keyIndex, index, epoch);
        vm.prank(reporter);
        return registry.slashEquivocation(a, sa, b, sb);
    }

    function _status(uint256 i) internal view returns (RestakingRegistry.Status status) {
        (, status) = registry.operatorOf(_account(i));
    }

    // ------------------------------------------------------------------ equivocation

    function test_equivocation_slashedWithBountyAndEjected() public {
        (CheckpointLib.Checkpoint memory a, bytes memory sa, CheckpointLib.Checkpoint memory b, bytes memory sb) =
            _equivocate(1, 7, 1);
        uint256 amount = STAKE * SLASH_BPS / 10_000;
        uint256 bounty = amount * BOUNTY_BPS / 10_000;
        bytes32 evidence =
            keccak256(abi.encode(bytes32("equivocation"), _signer(1), a.origin, a.outbox, a.index, a.epoch));
        vm.expectEmit(address(registry));
        emit RestakingRegistry.OperatorEjected(_account(1), 2);
        vm.expectEmit(address(registry));
        emit RestakingRegistry.OperatorSlashed(_account(1), evidence, reporter, amount, bounty);
        vm.prank(reporter);
        assertEq(registry.slashEquivocation(a, sa, b, sb), amount);

        assertEq(token.balanceOf(reporter), bounty, "bounty");
        assertEq(token.balanceOf(treasury), amount - bounty, "treasury");
        assertEq(_slashable(1), STAKE - amount, "left");
        assertTrue(registry.evidenceUsed(evidence));
        assertTrue(_status(1) == RestakingRegistry.Status.Ejected);
        assertTrue(registry.ejectionPending());
        assertEq(registry.signingKeyRecord(_signer(1)).untilEpoch, 2);

        // The next set may be built at once, without operator 1.
        assertLt(block.timestamp, registry.nextEpochAt());
        assertTrue(_advance());
        assertEq(registry.latestEpoch(), 2);
        assertEq(hubSet.members.length, 3);
        for (uint256 j; j < 3; ++j) {
            assertTrue(QuorumLib.memberAddress(hubSet.members[j]) != _signer(1));
        }
        // ...and only once: the boundary rule is back.
        vm.expectRevert(
            abi.encodeWithSelector(
                RestakingRegistry.EpochBoundaryNotReached.selector, registry.nextEpochAt(), block.timestamp
            )
        );
        registry.advanceEpoch();
    }

    function test_equivocation_bothOrdersAndReSignedCopiesAreOneEvidence() public {
        (CheckpointLib.Checkpoint memory a, bytes memory sa, CheckpointLib.Checkpoint memory b, bytes memory sb) =
            _equivocate(0, 3, 1);
        vm.prank(reporter);
        registry.slashEquivocation(a, sa, b, sb);
        bytes32 evidence =
            keccak256(abi.encode(bytes32("equivocation"), _signer(0), a.origin, a.outbox, a.index, a.epoch));
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.EvidenceAlreadyUsed.selector, evidence));
        registry.slashEquivocation(a, sa, b, sb);
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.EvidenceAlreadyUsed.selector, evidence));
        registry.slashEquivocation(b, sb, a, sa);
        // A third root for the same slot is not a new offence either.
        CheckpointLib.Checkpoint memory c = _remoteCheckpoint(keccak256("root three"), 3, 1);
        bytes memory sc = _signCheckpoint(0, c);
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.EvidenceAlreadyUsed.selector, evidence));
        registry.slashEquivocation(a, sa, c, sc);
    }

    function test_equivocation_ejectedOperatorStillSlashableForOtherEvidence() public {
        _slashEq(2, 1, 1);
        uint256 left = _slashable(2);
        assertEq(left, STAKE / 2);
        uint256 second = _slashEq(2, 2, 1); // another slot: new evidence
        assertEq(second, left / 2);
        assertEq(_slashable(2), left - second);
        assertTrue(_status(2) == RestakingRegistry.Status.Ejected);
        vm.prank(_account(2));
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.OperatorIsEjected.selector, _account(2)));
        registry.registerOperator(_signer(77), "u");
    }

    /// Unbonding stake is slashable: requesting withdrawal does not escape the slash, and the slashed
    /// part never comes out.
    function test_equivocation_slashesUnbondingStake() public {
        vm.prank(_account(0));
        vault.requestWithdrawal(STAKE);
        assertEq(vault.stakeOf(_account(0)), 0);
        uint256 slashed = _slashEq(0, 5, 1);
        assertEq(slashed, STAKE / 2);
        (uint256 unbonding, uint64 withdrawableAt) = vault.unbondingOf(_account(0));
        assertEq(unbonding, STAKE / 2);
        vm.warp(withdrawableAt);
        vm.prank(_account(0));
        assertEq(vault.completeWithdrawal(_account(0)), STAKE / 2);
        assertEq(token.balanceOf(_account(0)), STAKE / 2);
    }

    function test_equivocation_afterExitStillSlashable() public {
        vm.prank(_account(3));
        registry.exit();
        assertEq(_slashEq(3, 5, 1), STAKE / 2);
        assertTrue(_status(3) == RestakingRegistry.Status.Ejected);
    }

    /// Once the stake is gone the evidence still ejects and is recorded, but pays nothing.
    function test_equivocation_stakeGonePaysNothing() public {
        vm.prank(_account(0));
        vault.requestWithdrawal(STAKE);
        vm.warp(block.timestamp + UNBONDING);
        vm.prank(_account(0));
        vault.completeWithdrawal(_account(0));
        assertEq(_slashEq(0, 5, 1), 0);
        assertEq(token.balanceOf(reporter), 0);
        assertTrue(_status(0) == RestakingRegistry.Status.Ejected);
    }

    function test_equivocation_refusesNonConflicts() public {
        CheckpointLib.Checkpoint memory a = _remoteCheckpoint(R1, 4, 1);
        bytes memory sa = _signCheckpoint(0, a);
        CheckpointLib.Checkpoint[5] memory others;
        others[0] = _remoteCheckpoint(R1, 4, 1); // same root
        others[1] = _remoteCheckpoint(R2, 5, 1); // different index
        others[2] = _remoteCheckpoint(R2, 4, 1);
        others[2].origin = REMOTE + 1; // different origin
        others[3] = _remoteCheckpoint(R2, 4, 1);
        others[3].outbox = bytes32(uint256(0xDEAD)); // different outbox
        others[4] = _remoteCheckpoint(R2, 4, 2); // different epoch
        for (uint256 k; k < others.length; ++k) {
            bytes memory so = _signCheckpoint(0, others[k]);
            vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.NotEquivocation.selector));
            registry.slashEquivocation(a, sa, others[k], so);
        }
    }

    function test_equivocation_refusesDifferentSigners() public {
        CheckpointLib.Checkpoint memory a = _remoteCheckpoint(R1, 4, 1);
        CheckpointLib.Checkpoint memory b = _remoteCheckpoint(R2, 4, 1);
        bytes memory sa = _signCheckpoint(0, a);
        bytes memory sb = _signCheckpoint(1, b);
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.SignersDiffer.selector, _signer(0), _signer(1)));
        registry.slashEquivocation(a, sa, b, sb);
    }

    function test_equivocation_refusesUnknownKeyAndUnrecordedEpoch() public {
        (CheckpointLib.Checkpoint memory a, bytes memory sa, CheckpointLib.Checkpoint memory b, bytes memory sb) =
            _equivocate(55, 4, 1);
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.UnknownSigningKey.selector, _signer(55)));
        registry.slashEquivocation(a, sa, b, sb);
        (a, sa, b, sb) = _equivocate(0, 4, 2);
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.EpochNotRecorded.selector, 2, 1));
        registry.slashEquivocation(a, sa, b, sb);
        (a, sa, b, sb) = _equivocate(0, 4, 0);
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.EpochNotRecorded.selector, 0, 1));
        registry.slashEquivocation(a, sa, b, sb);
    }

    /// A retired key is not accountable after its last epoch (it may have leaked), and a new key
    /// not before its first.
    function test_equivocation_keyAccountableOnlyInItsEpochs() public {
        vm.prank(_account(0));
        registry.rotateSigningKey(_signer(1000));
        _advance(); // epoch 2 with the new key
        (CheckpointLib.Checkpoint memory a, bytes memory sa, CheckpointLib.Checkpoint memory b, bytes memory sb) =
            _equivocate(0, 4, 2);
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.KeyNotActiveInEpoch.selector, _signer(0), 2, 1, 2));
        registry.slashEquivocation(a, sa, b, sb);
        (a, sa, b, sb) = _equivocate(1000, 4, 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                RestakingRegistry.KeyNotActiveInEpoch.selector, _signer(1000), 1, 2, type(uint48).max
            )
        );
        registry.slashEquivocation(a, sa, b, sb);
        // Both keys answer for their own epochs.
        _slashEq(0, 4, 1);
        (a, sa, b, sb) = _equivocate(1000, 9, 2);
        vm.prank(reporter);
        registry.slashEquivocation(a, sa, b, sb);
    }

    function test_equivocation_refusesMalformedSignatures() public {
        (CheckpointLib.Checkpoint memory a, bytes memory sa, CheckpointLib.Checkpoint memory b, bytes memory sb) =
            _equivocate(0, 4, 1);
        (bytes32 r, bytes32 s, uint8 v) = _split(sb);
        vm.expectRevert(abi.encodeWithSelector(QuorumLib.SignaturesLengthMismatch.selector, 64, 65));
        registry.slashEquivocation(a, sa, b, abi.encodePacked(r, s));
        vm.expectRevert(abi.encodeWithSelector(QuorumLib.SignatureInvalidV.selector, 0, 29));
        registry.slashEquivocation(a, sa, b, abi.encodePacked(r, s, uint8(29)));
        // The malleable twin (n - s, flipped v) is refused.
        bytes32 highS = bytes32(SECP256K1_N - uint256(s));
        vm.expectRevert(abi.encodeWithSelector(QuorumLib.SignatureHighS.selector, 0));
        registry.slashEquivocation(a, sa, b, abi.encodePacked(r, highS, v == 27 ? uint8(28) : uint8(27)));
        vm.expectRevert(abi.encodeWithSelector(QuorumLib.SignatureRecoversZero.selector, 0));
        registry.slashEquivocation(a, sa, b, abi.encodePacked(bytes32(0), s, v));
    }

    function _split(bytes memory sig) internal pure returns (bytes32 r, bytes32 s, uint8 v) {
        assembly {
            r := mload(add(sig, 0x20))
            s := mload(add(sig, 0x40))
            v := byte(0, mload(add(sig, 0x60)))
        }
    }

    // ------------------------------------------------------------------ false hub root

    function _slashRoot(uint256 keyIndex, CheckpointLib.Checkpoint memory c) internal returns (uint256) {
        bytes memory sig = _signCheckpoint(keyIndex, c);
        vm.prank(reporter);
        return registry.slashFalseRoot(c, sig);
    }

    function test_falseRoot_differsFromCurrentRoot() public {
        history.endBlock(DEST, 5, R1);
        assertEq(_slashRoot(0, _hubCheckpoint(DEST, 4, R2, 1)), STAKE / 2);
        assertEq(token.balanceOf(reporter), STAKE / 2 * BOUNTY_BPS / 10_000);
        assertTrue(_status(0) == RestakingRegistry.Status.Ejected);
    }

    function test_falseRoot_differsFromHistoricalRoot() public {
        history.endBlock(DEST, 5, R1);
        history.endBlock(DEST, 9, keccak256("nine"));
        assertEq(_slashRoot(1, _hubCheckpoint(DEST, 4, R2, 1)), STAKE / 2);
    }

    function test_falseRoot_premature() public {
        history.endBlock(DEST, 5, R1);
        // Index 5 means 6 leaves; the route has 5. Any root, even a real-looking one, is premature.
        assertEq(_slashRoot(2, _hubCheckpoint(DEST, 5, R1, 1)), STAKE / 2);
        // A route that never dispatched.
        assertEq(_slashRoot(3, _hubCheckpoint(DEST + 1, 0, R1, 1)), STAKE / 2);
    }

    function test_falseRoot_refusesTrueRoots() public {
        history.endBlock(DEST, 5, R1);
        history.endBlock(DEST, 9, R2);
        CheckpointLib.Checkpoint memory c = _hubCheckpoint(DEST, 4, R1, 1);
        bytes memory sig = _signCheckpoint(0, c);
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.RootNotFalse.selector, DEST, 5, R1));
        registry.slashFalseRoot(c, sig);
        c = _hubCheckpoint(DEST, 8, R2, 1);
        sig = _signCheckpoint(0, c);
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.RootNotFalse.selector, DEST, 9, R2));
        registry.slashFalseRoot(c, sig);
    }

    /// A count that was only ever reached mid-block has no history entry: not provable, refused.
    function test_falseRoot_refusesUnknownHistory() public {
        history.endBlock(DEST, 5, R1);
        history.midBlock(DEST, 8, R2);
        CheckpointLib.Checkpoint memory c = _hubCheckpoint(DEST, 5, keccak256("x"), 1);
        bytes memory sig = _signCheckpoint(0, c);
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.RootHistoryUnknown.selector, DEST, 6));
        registry.slashFalseRoot(c, sig);
    }

    function test_falseRoot_refusesOtherOriginsAndOutboxes() public {
        CheckpointLib.Checkpoint memory c = _hubCheckpoint(DEST, 4, R2, 1);
        c.origin = REMOTE;
        bytes memory sig = _signCheckpoint(0, c);
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.NotHubOrigin.selector, REMOTE, HUB));
        registry.slashFalseRoot(c, sig);

        c = _hubCheckpoint(DEST, 4, R2, 1);
        c.outbox = bytes32(uint256(uint160(address(0xABCD))) | (uint256(DEST) << 160));
        sig = _signCheckpoint(0, c);
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.NotHubOutbox.selector, c.outbox));
        registry.slashFalseRoot(c, sig);

        c = _hubCheckpoint(DEST, 4, R2, 1);
        c.outbox = bytes32(uint256(c.outbox) | (uint256(1) << 200)); // bits above 191 set
        sig = _signCheckpoint(0, c);
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.NotHubOutbox.selector, c.outbox));
        registry.slashFalseRoot(c, sig);
    }

    function test_falseRoot_refusesWithoutMailbox() public {
        RestakingRegistry.Config memory cfg = _config();
        cfg.mailbox = IOutboxHistory(address(0));
        RestakingRegistry r = new RestakingRegistry(cfg);
        CheckpointLib.Checkpoint memory c = _hubCheckpoint(DEST, 4, R2, 1);
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.HubMailboxUnset.selector));
        r.slashFalseRoot(c, new bytes(65));
    }

    function test_falseRoot_doubleSlashRefused() public {
        history.endBlock(DEST, 5, R1);
        CheckpointLib.Checkpoint memory c = _hubCheckpoint(DEST, 4, R2, 1);
        _slashRoot(0, c);
        bytes32 evidence =
            keccak256(abi.encode(bytes32("false-root"), _signer(0), c.origin, c.outbox, c.index, c.epoch));
        bytes memory sig = _signCheckpoint(0, c);
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.EvidenceAlreadyUsed.selector, evidence));
        registry.slashFalseRoot(c, sig);
        // Another false root for the same slot: the same offence.
        c.root = keccak256("another lie");
        sig = _signCheckpoint(0, c);
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.EvidenceAlreadyUsed.selector, evidence));
        registry.slashFalseRoot(c, sig);
    }

    // ------------------------------------------------------------------ false handover

    function test_falseHandover_slashed() public {
        QuorumLib.OperatorSet memory fake = hubSet;
        fake.epoch = 2;
        fake.timestamp = uint64(block.timestamp + 1);
        bytes memory sig = _sig(_signerKey(2), _handoverDigest(registry.domainSeparator(), 1, fake));
        vm.prank(reporter);
        assertEq(registry.slashFalseHandover(1, fake, sig), STAKE / 2);
        assertTrue(_status(2) == RestakingRegistry.Status.Ejected);
    }

    function test_falseHandover_refusesRecordedSet() public {
        _stake(_account(0), 1); // changes the set
        _advance(); // epoch 2 recorded
        QuorumLib.OperatorSet memory real = hubSet;
        bytes memory sig = _sig(_signerKey(2), _handoverDigest(registry.domainSeparator(), 1, real));
        vm.expectRevert(
            abi.encodeWithSelector(RestakingRegistry.HandoverNotFalse.selector, 2, QuorumLib.hashMemory(real))
        );
        registry.slashFalseHandover(1, real, sig);
    }

    // ------------------------------------------------------------------ fuzz

    function testFuzz_equivocation_anyTwoRootsSlashedOnce(bytes32 r1, bytes32 r2, uint32 index, uint8 who) public {
        vm.assume(r1 != r2);
        uint256 i = bound(who, 0, 3);
        CheckpointLib.Checkpoint memory a = _remoteCheckpoint(r1, index, 1);
        CheckpointLib.Checkpoint memory b = _remoteCheckpoint(r2, index, 1);
        bytes memory sa = _signCheckpoint(i, a);
        bytes memory sb = _signCheckpoint(i, b);
        vm.prank(reporter);
        uint256 slashed = registry.slashEquivocation(a, sa, b, sb);
        assertEq(slashed, STAKE * SLASH_BPS / 10_000);
        assertEq(token.balanceOf(reporter) + token.balanceOf(treasury), slashed);
        vm.expectRevert();
        registry.slashEquivocation(b, sb, a, sa);
    }

    function testFuzz_falseRoot_onlyFalseOrPrematureSlashed(uint32 index, bytes32 root, uint16 countRaw) public {
        uint256 count = bound(countRaw, 1, 1000);
        bytes32 trueRoot = keccak256(abi.encode("root at", count));
        history.endBlock(DEST, count, trueRoot);
        CheckpointLib.Checkpoint memory c = _hubCheckpoint(DEST, index, root, 1);
        bytes memory sig = _signCheckpoint(0, c);
        uint256 signedCount = uint256(index) + 1;
        if (signedCount > count || (signedCount == count && root != trueRoot)) {
            assertEq(registry.slashFalseRoot(c, sig), STAKE / 2);
        } else {
            vm.expectRevert(); // the true root, or a count with no history
            registry.slashFalseRoot(c, sig);
        }
    }
}
