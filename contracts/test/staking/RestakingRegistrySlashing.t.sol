// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {StakingFixture} from "./StakingFixture.sol";
import {Mailbox} from "../../src/Mailbox.sol";
import {CheckpointLib} from "../../src/libs/CheckpointLib.sol";
import {MerkleLib} from "../../src/libs/MerkleLib.sol";
import {QuorumLib} from "../../src/libs/QuorumLib.sol";
import {RollupTypes} from "../../src/rollups/RollupTypes.sol";
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

    // ------------------------------------------------------------------ commitment equivocation

    uint32 internal constant ROLLUP = 0x10000000;

    function _commitment(bytes32 stateRoot, uint64 l2Block, uint64 epoch)
        internal
        pure
        returns (RollupTypes.StateCommitment memory)
    {
        return RollupTypes.StateCommitment({
            rollup: ROLLUP,
            l2Block: l2Block,
            stateRoot: stateRoot,
            blockHash: keccak256(abi.encode("block", l2Block)),
            outboxRoot: keccak256(abi.encode("outbox", l2Block)),
            outboxIndex: 41,
            epoch: epoch
        });
    }

    /// @dev What StateCommitmentChain.digestOf gives when its hub is this registry.
    function _commitmentDigest(RollupTypes.StateCommitment memory c) internal view returns (bytes32) {
        return CheckpointLib.digest(registry.domainSeparator(), RollupTypes.structHash(c));
    }

    function _signCommitment(uint256 keyIndex, RollupTypes.StateCommitment memory c)
        internal
        view
        returns (bytes memory)
    {
        return _sig(_signerKey(keyIndex), _commitmentDigest(c));
    }

    function _commitmentEvidence(uint256 keyIndex, RollupTypes.StateCommitment memory c)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(
            abi.encode(bytes32("commitment-equivocation"), _signer(keyIndex), c.rollup, c.l2Block, c.epoch)
        );
    }

    function test_commitmentEquivocation_slashedWithBountyAndEjected() public {
        RollupTypes.StateCommitment memory a = _commitment(R1, 100, 1);
        RollupTypes.StateCommitment memory b = _commitment(R2, 100, 1);
        bytes memory sa = _signCommitment(1, a);
        bytes memory sb = _signCommitment(1, b);
        uint256 amount = STAKE * SLASH_BPS / 10_000;
        uint256 bounty = amount * BOUNTY_BPS / 10_000;
        bytes32 evidence = _commitmentEvidence(1, a);
        vm.expectEmit(address(registry));
        emit RestakingRegistry.OperatorEjected(_account(1), 2);
        vm.expectEmit(address(registry));
        emit RestakingRegistry.OperatorSlashed(_account(1), evidence, reporter, amount, bounty);
        vm.prank(reporter);
        assertEq(registry.slashCommitmentEquivocation(a, sa, b, sb), amount);
        assertEq(token.balanceOf(reporter), bounty, "bounty");
        assertEq(token.balanceOf(treasury), amount - bounty, "treasury");
        assertTrue(registry.evidenceUsed(evidence));
        assertTrue(_status(1) == RestakingRegistry.Status.Ejected);
        assertTrue(registry.ejectionPending());
    }

    /// Any content but the slot may differ: state root, block hash, outbox root, outbox index.
    function test_commitmentEquivocation_anyContentDifference() public {
        RollupTypes.StateCommitment memory a = _commitment(R1, 100, 1);
        RollupTypes.StateCommitment[4] memory others;
        for (uint256 k; k < 4; ++k) {
            others[k] = _commitment(R1, 100, 1);
        }
        others[0].stateRoot = R2;
        others[1].blockHash = keccak256("other block");
        others[2].outboxRoot = keccak256("other outbox");
        others[3].outboxIndex = 42;
        for (uint256 k; k < 4; ++k) {
            vm.prank(reporter);
            assertEq(
                registry.slashCommitmentEquivocation(
                    a, _signCommitment(k, a), others[k], _signCommitment(k, others[k])
                ),
                STAKE / 2
            );
            assertTrue(_status(k) == RestakingRegistry.Status.Ejected);
        }
    }

    function test_commitmentEquivocation_refusesNonConflicts() public {
        RollupTypes.StateCommitment memory a = _commitment(R1, 100, 1);
        bytes memory sa = _signCommitment(0, a);
        RollupTypes.StateCommitment[4] memory others;
        others[0] = _commitment(R1, 100, 1); // identical
        others[1] = _commitment(R2, 100, 1);
        others[1].rollup = ROLLUP + 1; // another rollup
        others[2] = _commitment(R2, 101, 1); // another block
        others[2].blockHash = a.blockHash;
        others[2].outboxRoot = a.outboxRoot;
        others[3] = _commitment(R2, 100, 2); // another epoch
        for (uint256 k; k < others.length; ++k) {
            bytes memory so = _signCommitment(0, others[k]);
            vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.NotEquivocation.selector));
            registry.slashCommitmentEquivocation(a, sa, others[k], so);
        }
    }

    function test_commitmentEquivocation_refusesDifferentSigners() public {
        RollupTypes.StateCommitment memory a = _commitment(R1, 100, 1);
        RollupTypes.StateCommitment memory b = _commitment(R2, 100, 1);
        bytes memory sa = _signCommitment(0, a);
        bytes memory sb = _signCommitment(1, b);
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.SignersDiffer.selector, _signer(0), _signer(1)));
        registry.slashCommitmentEquivocation(a, sa, b, sb);
    }

    /// A checkpoint signature over the same numbers is no commitment signature (another type
    /// hash): it recovers to some unrelated address.
    function test_commitmentEquivocation_checkpointSignatureDoesNotCount() public {
        RollupTypes.StateCommitment memory a = _commitment(R1, 100, 1);
        RollupTypes.StateCommitment memory b = _commitment(R2, 100, 1);
        CheckpointLib.Checkpoint memory cp = _remoteCheckpoint(R2, 41, 1);
        bytes memory cpSig = _signCheckpoint(0, cp);
        (bytes32 r, bytes32 s_, uint8 v) = _split(cpSig);
        address other = ecrecover(_commitmentDigest(b), v, r, s_);
        assertTrue(other != _signer(0));
        bytes memory sa = _signCommitment(0, a);
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.SignersDiffer.selector, _signer(0), other));
        registry.slashCommitmentEquivocation(a, sa, b, cpSig);
    }

    function test_commitmentEquivocation_evidenceOnce() public {
        RollupTypes.StateCommitment memory a = _commitment(R1, 100, 1);
        RollupTypes.StateCommitment memory b = _commitment(R2, 100, 1);
        bytes memory sa = _signCommitment(2, a);
        bytes memory sb = _signCommitment(2, b);
        vm.prank(reporter);
        registry.slashCommitmentEquivocation(a, sa, b, sb);
        bytes32 evidence = _commitmentEvidence(2, a);
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.EvidenceAlreadyUsed.selector, evidence));
        registry.slashCommitmentEquivocation(a, sa, b, sb);
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.EvidenceAlreadyUsed.selector, evidence));
        registry.slashCommitmentEquivocation(b, sb, a, sa);
        // A third version of the same slot is the same offence.
        RollupTypes.StateCommitment memory c = _commitment(keccak256("root three"), 100, 1);
        bytes memory sc = _signCommitment(2, c);
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.EvidenceAlreadyUsed.selector, evidence));
        registry.slashCommitmentEquivocation(a, sa, c, sc);
        // Another block is new evidence, and so is a checkpoint equivocation by the same key.
        uint256 left = _slashable(2);
        a = _commitment(R1, 101, 1);
        b = _commitment(R2, 101, 1);
        vm.prank(reporter);
        assertEq(registry.slashCommitmentEquivocation(a, _signCommitment(2, a), b, _signCommitment(2, b)), left / 2);
        assertEq(_slashEq(2, 100, 1), left / 4);
    }

    function test_commitmentEquivocation_refusesUnknownKeyAndUnaccountableEpochs() public {
        RollupTypes.StateCommitment memory a = _commitment(R1, 100, 1);
        RollupTypes.StateCommitment memory b = _commitment(R2, 100, 1);
        bytes memory sa = _signCommitment(55, a);
        bytes memory sb = _signCommitment(55, b);
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.UnknownSigningKey.selector, _signer(55)));
        registry.slashCommitmentEquivocation(a, sa, b, sb);
        a.epoch = 2;
        b.epoch = 2;
        sa = _signCommitment(0, a);
        sb = _signCommitment(0, b);
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.EpochNotRecorded.selector, 2, 1));
        registry.slashCommitmentEquivocation(a, sa, b, sb);
        // A rotated-away key is not accountable for later epochs.
        vm.prank(_account(0));
        registry.rotateSigningKey(_signer(1000));
        _advance(); // epoch 2
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.KeyNotActiveInEpoch.selector, _signer(0), 2, 1, 2));
        registry.slashCommitmentEquivocation(a, sa, b, sb);
    }

    function test_commitmentEquivocation_refusesMalformedSignature() public {
        RollupTypes.StateCommitment memory a = _commitment(R1, 100, 1);
        RollupTypes.StateCommitment memory b = _commitment(R2, 100, 1);
        bytes memory sa = _signCommitment(0, a);
        (bytes32 r, bytes32 s_, uint8 v) = _split(_signCommitment(0, b));
        bytes32 highS = bytes32(SECP256K1_N - uint256(s_));
        vm.expectRevert(abi.encodeWithSelector(QuorumLib.SignatureHighS.selector, 0));
        registry.slashCommitmentEquivocation(a, sa, b, abi.encodePacked(r, highS, v == 27 ? uint8(28) : uint8(27)));
        vm.expectRevert(abi.encodeWithSelector(QuorumLib.SignaturesLengthMismatch.selector, 64, 65));
        registry.slashCommitmentEquivocation(a, sa, b, abi.encodePacked(r, s_));
    }

    // ------------------------------------------------------------------ false hub root
    //
    // Against the real hub Mailbox: messages are dispatched on its route to DEST, and a false root
    // is shown false with the last leaf it covers and that leaf's branch in today's tree.

    bytes32[32] internal noBranch;

    function _slashRoot(uint256 keyIndex, CheckpointLib.Checkpoint memory c) internal returns (uint256) {
        (bytes32 leaf, bytes32[32] memory branch) = _hubBranch(DEST, c.index);
        return _slashRootWith(keyIndex, c, leaf, branch);
    }

    function _slashRootWith(
        uint256 keyIndex,
        CheckpointLib.Checkpoint memory c,
        bytes32 leaf,
        bytes32[32] memory branch
    ) internal returns (uint256) {
        bytes memory sig = _signCheckpoint(keyIndex, c);
        vm.prank(reporter);
        return registry.slashFalseRoot(c, sig, leaf, branch);
    }

    function test_falseRoot_fixtureMatchesMailbox() public {
        _hubDispatch(DEST, 7);
        (bytes32 root, uint256 count) = hubMailbox.outboxState(DEST);
        assertEq(count, 7);
        assertEq(root, _hubRootAt(DEST, 7), "reference tree");
        for (uint256 k = 1; k <= 7; ++k) {
            (bytes32 leaf, bytes32[32] memory branch) = _hubBranch(DEST, k - 1);
            assertEq(hubMailbox.rootAt(DEST, k, leaf, branch), _hubRootAt(DEST, k), "rootAt");
        }
        assertEq(address(registry.mailbox()), address(hubMailbox));
    }

    function test_falseRoot_differsFromCurrentRoot() public {
        _hubDispatch(DEST, 5);
        assertEq(_slashRoot(0, _hubCheckpoint(DEST, 4, R2, 1)), STAKE / 2);
        assertEq(token.balanceOf(reporter), STAKE / 2 * BOUNTY_BPS / 10_000);
        assertTrue(_status(0) == RestakingRegistry.Status.Ejected);
    }

    /// A false root for a count the route passed long ago, in an earlier block, proven from
    /// today's tree.
    function test_falseRoot_differsFromPastRoot() public {
        _hubDispatch(DEST, 5);
        bytes32 rootAt5 = _hubRootAt(DEST, 5);
        vm.roll(block.number + 1);
        _hubDispatch(DEST, 4);
        vm.roll(block.number + 1);
        _hubDispatch(DEST, 20);
        CheckpointLib.Checkpoint memory c = _hubCheckpoint(DEST, 4, R2, 1);
        assertEq(_slashRoot(1, c), STAKE / 2);
        // Any root but the true one is false, including the route's current root.
        (bytes32 current,) = hubMailbox.outboxState(DEST);
        c.root = current;
        c.epoch = 1;
        assertEq(_slashRoot(2, c), STAKE / 2);
        assertNotEq(rootAt5, current);
    }

    /// A count the route only passed through within a block has no special status: its root is
    /// recomputed like any other.
    function test_falseRoot_midBlockCountProvable() public {
        _hubDispatch(DEST, 9); // one block
        assertEq(_slashRoot(0, _hubCheckpoint(DEST, 5, keccak256("x"), 1)), STAKE / 2);
    }

    function test_falseRoot_premature() public {
        _hubDispatch(DEST, 5);
        // Index 5 means 6 leaves; the route has 5. Any root, even the one it will have, is premature.
        _hubDispatch(DEST + 1, 6);
        bytes32 future = _hubRootAt(DEST + 1, 6); // the same messages will give the same root
        assertEq(_slashRootWith(2, _hubCheckpoint(DEST, 5, future, 1), 0, noBranch), STAKE / 2);
        // No proof is needed: whatever leaf and branch come along are ignored.
        (bytes32 leaf, bytes32[32] memory branch) = _hubBranch(DEST, 4);
        assertEq(_slashRootWith(1, _hubCheckpoint(DEST, 1000, R1, 1), leaf, branch), STAKE / 2);
        // A route that never dispatched; a zero root is premature too.
        assertEq(_slashRootWith(3, _hubCheckpoint(DEST + 2, 0, bytes32(0), 1), 0, noBranch), STAKE / 2);
        // The largest index: count 2^32.
        assertEq(_slashRootWith(0, _hubCheckpoint(DEST, type(uint32).max, R1, 1), 0, noBranch), STAKE / 2);
    }

    function test_falseRoot_refusesTrueRoots() public {
        _hubDispatch(DEST, 5);
        vm.roll(block.number + 1);
        _hubDispatch(DEST, 4);
        for (uint32 index; index < 9; ++index) {
            bytes32 truth = _hubRootAt(DEST, index + 1);
            CheckpointLib.Checkpoint memory c = _hubCheckpoint(DEST, index, truth, 1);
            bytes memory sig = _signCheckpoint(0, c);
            (bytes32 leaf, bytes32[32] memory branch) = _hubBranch(DEST, index);
            vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.RootNotFalse.selector, DEST, index + 1, truth));
            registry.slashFalseRoot(c, sig, leaf, branch);
        }
    }

    /// The proof must match today's tree: a wrong leaf, a tampered branch, another leaf's branch,
    /// or no branch at all for a reached count is refused by the Mailbox.
    function test_falseRoot_refusesForgedBranch() public {
        _hubDispatch(DEST, 9);
        (bytes32 current,) = hubMailbox.outboxState(DEST);
        CheckpointLib.Checkpoint memory c = _hubCheckpoint(DEST, 4, R2, 1);
        bytes memory sig = _signCheckpoint(0, c);
        (bytes32 leaf, bytes32[32] memory branch) = _hubBranch(DEST, 4);

        bytes32 forgedLeaf = keccak256("not leaf 4");
        _expectInvalidProof(forgedLeaf, branch, 4, current);
        registry.slashFalseRoot(c, sig, forgedLeaf, branch);

        (, bytes32[32] memory tampered) = _hubBranch(DEST, 4); // a copy
        tampered[1] = keccak256("tampered");
        _expectInvalidProof(leaf, tampered, 4, current);
        registry.slashFalseRoot(c, sig, leaf, tampered);

        (bytes32 leaf3, bytes32[32] memory branch3) = _hubBranch(DEST, 3);
        _expectInvalidProof(leaf3, branch3, 4, current);
        registry.slashFalseRoot(c, sig, leaf3, branch3);

        _expectInvalidProof(bytes32(0), noBranch, 4, current);
        registry.slashFalseRoot(c, sig, bytes32(0), noBranch);

        // The honest evidence still works afterwards.
        vm.prank(reporter);
        assertEq(registry.slashFalseRoot(c, sig, leaf, branch), STAKE / 2);
    }

    function _expectInvalidProof(bytes32 leaf, bytes32[32] memory branch, uint256 index, bytes32 current) internal {
        bytes32 computed = MerkleLib.branchRoot(leaf, branch, index);
        vm.expectRevert(abi.encodeWithSelector(Mailbox.InvalidProof.selector, computed, current));
    }

    function test_falseRoot_refusesOtherOriginsAndOutboxes() public {
        _hubDispatch(DEST, 5);
        (bytes32 leaf, bytes32[32] memory branch) = _hubBranch(DEST, 4);
        CheckpointLib.Checkpoint memory c = _hubCheckpoint(DEST, 4, R2, 1);
        c.origin = REMOTE;
        bytes memory sig = _signCheckpoint(0, c);
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.NotHubOrigin.selector, REMOTE, HUB));
        registry.slashFalseRoot(c, sig, leaf, branch);

        c = _hubCheckpoint(DEST, 4, R2, 1);
        c.outbox = bytes32(uint256(uint160(address(0xABCD))) | (uint256(DEST) << 160));
        sig = _signCheckpoint(0, c);
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.NotHubOutbox.selector, c.outbox));
        registry.slashFalseRoot(c, sig, leaf, branch);

        c = _hubCheckpoint(DEST, 4, R2, 1);
        c.outbox = bytes32(uint256(c.outbox) | (uint256(1) << 200)); // bits above 191 set
        sig = _signCheckpoint(0, c);
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.NotHubOutbox.selector, c.outbox));
        registry.slashFalseRoot(c, sig, leaf, branch);
    }

    function test_falseRoot_refusesWithoutMailbox() public {
        RestakingRegistry.Config memory cfg = _config();
        cfg.mailbox = IOutboxHistory(address(0));
        RestakingRegistry r = new RestakingRegistry(cfg);
        CheckpointLib.Checkpoint memory c = _hubCheckpoint(DEST, 4, R2, 1);
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.HubMailboxUnset.selector));
        r.slashFalseRoot(c, new bytes(65), 0, noBranch);
    }

    function test_falseRoot_doubleSlashRefused() public {
        _hubDispatch(DEST, 5);
        (bytes32 leaf, bytes32[32] memory branch) = _hubBranch(DEST, 4);
        CheckpointLib.Checkpoint memory c = _hubCheckpoint(DEST, 4, R2, 1);
        _slashRoot(0, c);
        bytes32 evidence =
            keccak256(abi.encode(bytes32("false-root"), _signer(0), c.origin, c.outbox, c.index, c.epoch));
        bytes memory sig = _signCheckpoint(0, c);
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.EvidenceAlreadyUsed.selector, evidence));
        registry.slashFalseRoot(c, sig, leaf, branch);
        // Another false root for the same slot: the same offence.
        c.root = keccak256("another lie");
        sig = _signCheckpoint(0, c);
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.EvidenceAlreadyUsed.selector, evidence));
        registry.slashFalseRoot(c, sig, leaf, branch);
        // ...also once the route has grown and the evidence is a different branch.
        _hubDispatch(DEST, 3);
        (leaf, branch) = _hubBranch(DEST, 4);
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.EvidenceAlreadyUsed.selector, evidence));
        registry.slashFalseRoot(c, sig, leaf, branch);
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

    function testFuzz_commitmentEquivocation_anyTwoSlashedOnce(
        bytes32 root1,
        bytes32 root2,
        uint64 l2Block,
        uint32 outboxIndex,
        uint8 who
    ) public {
        uint256 i = bound(who, 0, 3);
        RollupTypes.StateCommitment memory a = _commitment(root1, l2Block, 1);
        RollupTypes.StateCommitment memory b = _commitment(root2, l2Block, 1);
        b.outboxIndex = outboxIndex;
        vm.assume(RollupTypes.structHash(a) != RollupTypes.structHash(b));
        bytes memory sa = _signCommitment(i, a);
        bytes memory sb = _signCommitment(i, b);
        vm.prank(reporter);
        assertEq(registry.slashCommitmentEquivocation(a, sa, b, sb), STAKE * SLASH_BPS / 10_000);
        vm.expectRevert(
            abi.encodeWithSelector(RestakingRegistry.EvidenceAlreadyUsed.selector, _commitmentEvidence(i, a))
        );
        registry.slashCommitmentEquivocation(b, sb, a, sa);
    }

    function testFuzz_falseRoot_onlyFalseOrPrematureSlashed(uint32 indexRaw, bytes32 root, uint8 countRaw, bool lie)
        public
    {
        uint256 count = bound(countRaw, 0, 40);
        _hubDispatch(DEST, count);
        uint32 index = uint32(bound(indexRaw, 0, count + 3));
        uint256 signedCount = uint256(index) + 1;
        bool premature = signedCount > count;
        if (!premature && !lie) root = _hubRootAt(DEST, signedCount);
        CheckpointLib.Checkpoint memory c = _hubCheckpoint(DEST, index, root, 1);
        bytes memory sig = _signCheckpoint(0, c);
        bytes32 leaf;
        bytes32[32] memory branch;
        if (!premature) (leaf, branch) = _hubBranch(DEST, index);
        if (premature || root != _hubRootAt(DEST, signedCount)) {
            assertEq(registry.slashFalseRoot(c, sig, leaf, branch), STAKE / 2);
        } else {
            vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.RootNotFalse.selector, DEST, signedCount, root));
            registry.slashFalseRoot(c, sig, leaf, branch);
        }
    }
}
