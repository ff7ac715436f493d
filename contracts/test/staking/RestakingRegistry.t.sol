// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {StakingFixture} from "./StakingFixture.sol";
import {CheckpointLib} from "../../src/libs/CheckpointLib.sol";
import {QuorumLib} from "../../src/libs/QuorumLib.sol";
import {QuorumVerifier} from "../../src/QuorumVerifier.sol";
import {IStakeSource} from "../../src/staking/IStakeSource.sol";
import {RestakingRegistry} from "../../src/staking/RestakingRegistry.sol";
import {StakeVault} from "../../src/staking/StakeVault.sol";

/// @dev Registration, rotation, exit, announcements and epochs. Slashing: RestakingRegistrySlashing.t.sol.
contract RestakingRegistryTest is StakingFixture {
    function setUp() public {
        _deployStaking();
    }

    // ------------------------------------------------------------------ constructor

    function _expectConfigRevert(RestakingRegistry.Config memory c, bytes memory err) internal {
        vm.expectRevert(err);
        new RestakingRegistry(c);
    }

    function test_constructor_rejectsBadConfig() public {
        RestakingRegistry.Config memory c = _config();
        c.stakeSource = IStakeSource(address(0));
        _expectConfigRevert(c, abi.encodeWithSelector(RestakingRegistry.StakeSourceZero.selector));
        c = _config();
        c.treasury = address(0);
        _expectConfigRevert(c, abi.encodeWithSelector(RestakingRegistry.TreasuryZero.selector));
        c = _config();
        c.epochLength = 0;
        _expectConfigRevert(c, abi.encodeWithSelector(RestakingRegistry.EpochLengthZero.selector));
        c = _config();
        c.thresholdBps = 0;
        _expectConfigRevert(c, abi.encodeWithSelector(RestakingRegistry.InvalidBps.selector, 0));
        c.thresholdBps = 10_001;
        _expectConfigRevert(c, abi.encodeWithSelector(RestakingRegistry.InvalidBps.selector, 10_001));
        c = _config();
        c.slashBps = 0;
        _expectConfigRevert(c, abi.encodeWithSelector(RestakingRegistry.InvalidBps.selector, 0));
        c = _config();
        c.bountyBps = 10_001;
        _expectConfigRevert(c, abi.encodeWithSelector(RestakingRegistry.InvalidBps.selector, 10_001));
        c = _config();
        c.maxOperators = 0;
        _expectConfigRevert(c, abi.encodeWithSelector(RestakingRegistry.InvalidMaxOperators.selector, 0));
        c.maxOperators = 257;
        _expectConfigRevert(c, abi.encodeWithSelector(RestakingRegistry.InvalidMaxOperators.selector, 257));
        c = _config();
        c.minSigners = 0;
        _expectConfigRevert(c, abi.encodeWithSelector(RestakingRegistry.InvalidMinSigners.selector, 0, 16));
        c.minSigners = 17;
        _expectConfigRevert(c, abi.encodeWithSelector(RestakingRegistry.InvalidMinSigners.selector, 17, 16));
        c = _config();
        c.minStake = 0;
        _expectConfigRevert(c, abi.encodeWithSelector(RestakingRegistry.MinStakeZero.selector));
        c = _config();
        c.maxStaleness = 0;
        _expectConfigRevert(c, abi.encodeWithSelector(QuorumVerifier.MaxStalenessZero.selector));
    }

    /// Unbonding must exceed maxStaleness + one epoch (9 days > 7 + 1 here; 8 days is not enough).
    function test_constructor_rejectsUnbondingNotAboveStalenessPlusEpoch() public {
        RestakingRegistry.Config memory c = _config();
        c.stakeSource = new StakeVault(token, 8 days);
        _expectConfigRevert(c, abi.encodeWithSelector(RestakingRegistry.UnbondingTooShort.selector, 8 days, 8 days));
        c.maxStaleness = 8 days;
        c.stakeSource = vault;
        _expectConfigRevert(c, abi.encodeWithSelector(RestakingRegistry.UnbondingTooShort.selector, 9 days, 9 days));
    }

    function test_constructor_domainIsThisRegistry() public view {
        assertEq(registry.domainSeparator(), CheckpointLib.domainSeparator(block.chainid, address(registry)));
        assertEq(registry.latestEpoch(), 0);
        assertEq(registry.nextEpochAt(), START);
    }

    // ------------------------------------------------------------------ registration

    function test_register_recordsKeyAndAnnounces() public {
        _stake(_account(0), STAKE);
        vm.expectEmit(address(registry));
        emit RestakingRegistry.OperatorRegistered(_account(0), _signer(0), 1);
        vm.expectEmit(address(registry));
        emit RestakingRegistry.OperatorAnnounced(_account(0), "http://operator-0.test");
        _register(0);
        (address key, RestakingRegistry.Status status) = registry.operatorOf(_account(0));
        assertEq(key, _signer(0));
        assertTrue(status == RestakingRegistry.Status.Active);
        RestakingRegistry.KeyRecord memory r = registry.signingKeyRecord(_signer(0));
        assertEq(r.operator, _account(0));
        assertEq(r.fromEpoch, 1);
        assertEq(r.untilEpoch, type(uint48).max);
        assertEq(registry.activeOperators().length, 1);
    }

    function test_register_signingKeyMayBeTheStakingAccount() public {
        address account = vm.addr(_signerKey(7));
        _stake(account, STAKE);
        vm.prank(account);
        registry.registerOperator(account, "u");
        (address key,) = registry.operatorOf(account);
        assertEq(key, account);
    }

    function test_register_reverts() public {
        _stake(_account(0), STAKE);
        vm.prank(_account(0));
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.SigningKeyZero.selector));
        registry.registerOperator(address(0), "u");

        bytes memory longUrl = new bytes(513);
        vm.prank(_account(0));
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.UrlTooLong.selector, 513, 512));
        registry.registerOperator(_signer(0), string(longUrl));

        _register(0);
        vm.prank(_account(0));
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.AlreadyRegistered.selector, _account(0)));
        registry.registerOperator(_signer(1), "u");

        // Another account cannot take a bound key.
        _stake(_account(1), STAKE);
        vm.prank(_account(1));
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.SigningKeyTaken.selector, _signer(0), _account(0)));
        registry.registerOperator(_signer(0), "u");

        // Too little stake.
        _stake(_account(2), MIN_STAKE - 1);
        vm.prank(_account(2));
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.StakeTooLow.selector, MIN_STAKE - 1, MIN_STAKE));
        registry.registerOperator(_signer(2), "u");
    }

    function test_register_refusesBeyondMaxOperators() public {
        _onboard(MAX_OPERATORS, STAKE);
        _stake(_account(99), STAKE);
        vm.prank(_account(99));
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.TooManyOperators.selector, MAX_OPERATORS));
        registry.registerOperator(_signer(99), "u");
    }

    function test_announce() public {
        vm.prank(_account(0));
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.NotActive.selector, _account(0)));
        registry.announce("http://x");
        _onboard(1, STAKE);
        vm.expectEmit(address(registry));
        emit RestakingRegistry.OperatorAnnounced(_account(0), "https://op0.example/sigs");
        vm.prank(_account(0));
        registry.announce("https://op0.example/sigs");
        vm.prank(_account(0));
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.UrlTooLong.selector, 600, 512));
        registry.announce(string(new bytes(600)));
    }

    // ------------------------------------------------------------------ epochs

    function test_advance_firstSetSortedBySigningKeyWithCappedWeights() public {
        _onboard(4, STAKE);
        _stake(_account(3), uint256(type(uint96).max)); // operator 3's weight is capped
        assertTrue(_advance());
        assertEq(registry.latestEpoch(), 1);
        assertEq(hubSet.members.length, 4);
        uint256 total;
        for (uint256 j; j < 4; ++j) {
            if (j > 0) assertGt(uint256(hubSet.members[j]), uint256(hubSet.members[j - 1]), "ascending");
            address key = QuorumLib.memberAddress(hubSet.members[j]);
            uint96 w = QuorumLib.memberWeight(hubSet.members[j]);
            assertEq(w, key == _signer(3) ? type(uint96).max : uint96(STAKE));
            total += w;
        }
        assertEq(hubSet.totalWeight, total);
        assertEq(registry.latestSetTimestamp(), START);
        assertEq(registry.nextEpochAt(), START + EPOCH_LENGTH);
    }

    function test_advance_reverts() public {
        // No operators yet.
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.NotEnoughOperators.selector, 0, MIN_SIGNERS));
        registry.advanceEpoch();
        _onboard(2, STAKE);
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.NotEnoughOperators.selector, 2, MIN_SIGNERS));
        registry.advanceEpoch();
    }

    function test_advance_refusesBeforeBoundary() public {
        _onboard(3, STAKE);
        _advance();
        vm.warp(START + EPOCH_LENGTH - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                RestakingRegistry.EpochBoundaryNotReached.selector,
                uint64(START + EPOCH_LENGTH),
                START + EPOCH_LENGTH - 1
            )
        );
        registry.advanceEpoch();
    }

    function test_advance_refusesUnwiredStakeSource() public {
        StakeVault other = new StakeVault(token, UNBONDING);
        RestakingRegistry.Config memory c = _config();
        c.stakeSource = other;
        RestakingRegistry r = new RestakingRegistry(c);
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.StakeSourceNotWired.selector, address(0)));
        r.advanceEpoch();
    }

    function test_advance_excludesOperatorsBelowMinStake() public {
        _onboard(4, STAKE);
        vm.prank(_account(2));
        vault.requestWithdrawal(STAKE - MIN_STAKE + 1);
        _advance();
        assertEq(hubSet.members.length, 3);
        for (uint256 j; j < 3; ++j) {
            assertTrue(QuorumLib.memberAddress(hubSet.members[j]) != _signer(2));
        }
    }

    /// An identical set is not recorded again: the epoch number does not move, the boundary does.
    function test_advance_unchangedSetIsNotRecorded() public {
        _onboard(3, STAKE);
        _advance();
        bytes32 h = registry.operatorSetHash(1);
        vm.warp(START + EPOCH_LENGTH);
        vm.expectEmit(address(registry));
        emit RestakingRegistry.EpochAdvanced(1, false, uint64(START + 2 * EPOCH_LENGTH));
        assertFalse(registry.advanceEpoch());
        assertEq(registry.latestEpoch(), 1);
        assertEq(registry.operatorSetHash(1), h);
        assertEq(registry.operatorSetHash(2), bytes32(0));
        assertEq(registry.nextEpochAt(), START + 2 * EPOCH_LENGTH);
    }

    /// Boundaries stay on the grid even when advanceEpoch is called late.
    function test_advance_boundaryGridSurvivesLateCalls() public {
        _onboard(3, STAKE);
        _advance();
        vm.warp(START + 3 * EPOCH_LENGTH + 5 hours);
        registry.advanceEpoch();
        assertEq(registry.nextEpochAt(), START + 4 * EPOCH_LENGTH);
    }

    /// An unchanged set is re-recorded (same members, fresh timestamp) once half of maxStaleness
    /// has passed, so it never goes stale while someone calls advanceEpoch.
    function test_advance_refreshesUnchangedSetAtHalfStaleness() public {
        _onboard(3, STAKE);
        _advance();
        vm.warp(START + 3 * EPOCH_LENGTH); // 3 days < 3.5 days: still fresh enough
        assertFalse(registry.advanceEpoch());
        vm.warp(START + 4 * EPOCH_LENGTH); // past half of the 7-day maxStaleness
        assertTrue(_advance());
        assertEq(registry.latestEpoch(), 2);
        assertEq(hubSet.timestamp, START + 4 * EPOCH_LENGTH);
    }

    function test_advance_stakeChangeIsNewSet() public {
        _onboard(3, STAKE);
        _advance();
        _stake(_account(1), 1e18);
        assertTrue(_advance());
        assertEq(registry.latestEpoch(), 2);
    }

    // ------------------------------------------------------------------ next-epoch semantics

    function test_registration_effectiveOnlyNextEpoch() public {
        _onboard(3, STAKE);
        _advance();
        _stake(_account(3), STAKE);
        _register(3);
        // Epoch 1's set is in force and does not contain operator 3.
        assertEq(registry.operatorSetHash(1), QuorumLib.hashMemory(hubSet));
        assertEq(hubSet.members.length, 3);
        assertEq(registry.signingKeyRecord(_signer(3)).fromEpoch, 2);
        // Its checkpoint signature does not verify against epoch 1.
        CheckpointLib.Checkpoint memory c = _remoteCheckpoint(keccak256("r"), 0, 1);
        _verifyRefused(c, _signer(3));
        assertTrue(_advance());
        assertEq(hubSet.members.length, 4);
    }

    function test_rotation_effectiveOnlyNextEpoch() public {
        _onboard(3, STAKE);
        _advance();
        address newKey = _signer(1000);
        keyOfSigner[newKey] = _signerKey(1000);
        vm.expectEmit(address(registry));
        emit RestakingRegistry.SigningKeyRotated(_account(0), _signer(0), newKey, 2);
        vm.prank(_account(0));
        registry.rotateSigningKey(newKey);
        // Epoch 1 still has the old key; the old key signs for it, the new one cannot.
        CheckpointLib.Checkpoint memory c = _remoteCheckpoint(keccak256("r"), 0, 1);
        registry.verifyCheckpoint(c, hubSet, 7, _signMembers(hubSet, 7, _digest(registry, c)));
        assertEq(registry.signingKeyRecord(_signer(0)).untilEpoch, 2);
        assertEq(registry.signingKeyRecord(newKey).fromEpoch, 2);
        assertTrue(_advance());
        bool hasNew;
        for (uint256 j; j < 3; ++j) {
            address k = QuorumLib.memberAddress(hubSet.members[j]);
            assertTrue(k != _signer(0), "old key gone");
            if (k == newKey) hasNew = true;
        }
        assertTrue(hasNew, "new key in");
    }

    function test_rotation_reverts() public {
        vm.prank(_account(0));
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.NotActive.selector, _account(0)));
        registry.rotateSigningKey(_signer(5));
        _onboard(2, STAKE);
        vm.prank(_account(0));
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.SigningKeyTaken.selector, _signer(1), _account(1)));
        registry.rotateSigningKey(_signer(1));
        // Its own current key is taken too: keys are never reused.
        vm.prank(_account(0));
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.SigningKeyTaken.selector, _signer(0), _account(0)));
        registry.rotateSigningKey(_signer(0));
        vm.prank(_account(0));
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.SigningKeyZero.selector));
        registry.rotateSigningKey(address(0));
    }

    /// Two rotations within one epoch: the middle key is never accountable for any epoch.
    function test_rotation_twiceInOneEpoch() public {
        _onboard(3, STAKE);
        _advance();
        vm.startPrank(_account(0));
        registry.rotateSigningKey(_signer(1000));
        registry.rotateSigningKey(_signer(2000));
        vm.stopPrank();
        RestakingRegistry.KeyRecord memory mid = registry.signingKeyRecord(_signer(1000));
        assertEq(mid.fromEpoch, 2);
        assertEq(mid.untilEpoch, 2);
    }

    function test_exit_effectiveOnlyNextEpoch() public {
        _onboard(4, STAKE);
        _advance();
        vm.expectEmit(address(registry));
        emit RestakingRegistry.OperatorExited(_account(2), 2);
        vm.prank(_account(2));
        registry.exit();
        (, RestakingRegistry.Status status) = registry.operatorOf(_account(2));
        assertTrue(status == RestakingRegistry.Status.Exited);
        // Still in epoch 1's set: its signature counts there.
        CheckpointLib.Checkpoint memory c = _remoteCheckpoint(keccak256("r"), 0, 1);
        registry.verifyCheckpoint(c, hubSet, 15, _signMembers(hubSet, 15, _digest(registry, c)));
        assertTrue(_advance());
        assertEq(hubSet.members.length, 3);
        assertEq(registry.activeOperators().length, 3);
    }

    function test_exit_reverts() public {
        vm.prank(_account(0));
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.NotActive.selector, _account(0)));
        registry.exit();
        _onboard(1, STAKE);
        vm.prank(_account(0));
        registry.exit();
        vm.prank(_account(0));
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.NotActive.selector, _account(0)));
        registry.exit();
    }

    function test_exit_thenRegisterAgainNeedsNewKey() public {
        _onboard(3, STAKE);
        _advance();
        vm.prank(_account(0));
        registry.exit();
        vm.prank(_account(0));
        vm.expectRevert(abi.encodeWithSelector(RestakingRegistry.SigningKeyTaken.selector, _signer(0), _account(0)));
        registry.registerOperator(_signer(0), "u");
        _registerWithKey(0, 3000);
        (address key, RestakingRegistry.Status status) = registry.operatorOf(_account(0));
        assertEq(key, _signer(3000));
        assertTrue(status == RestakingRegistry.Status.Active);
    }

    /// The list stays consistent when the first, a middle and the last operator leave.
    function test_exit_swapAndPopKeepsList() public {
        _onboard(5, STAKE);
        vm.prank(_account(0));
        registry.exit();
        vm.prank(_account(4));
        registry.exit();
        vm.prank(_account(2));
        registry.exit();
        address[] memory list = registry.activeOperators();
        assertEq(list.length, 2);
        assertTrue(
            (list[0] == _account(1) && list[1] == _account(3)) || (list[0] == _account(3) && list[1] == _account(1))
        );
        vm.prank(_account(1));
        registry.exit();
        vm.prank(_account(3));
        registry.exit();
        assertEq(registry.activeOperators().length, 0);
    }

    /// The registry verifies checkpoints itself (it is the hub chain's quorum verifier).
    function test_verifyCheckpoint_onHub() public {
        _onboard(4, STAKE);
        _advance();
        CheckpointLib.Checkpoint memory c = _remoteCheckpoint(keccak256("r"), 9, 1);
        bytes32 d = _digest(registry, c);
        assertEq(registry.verifyCheckpoint(c, hubSet, 7, _signMembers(hubSet, 7, d)), d);
        // 2 of 4 is below 66.67%.
        vm.expectRevert();
        registry.verifyCheckpoint(c, hubSet, 3, _signMembers(hubSet, 3, d));
    }

    function _verifyRefused(CheckpointLib.Checkpoint memory c, address outsider) internal {
        // The outsider takes member 0's place: the bitmap is right, the signer is not in the set.
        bytes32 d = _digest(registry, c);
        bytes memory sigs = bytes.concat(_sig(keyOfSigner[outsider], d), _signMembers(hubSet, 6, d));
        vm.expectRevert();
        registry.verifyCheckpoint(c, hubSet, 7, sigs);
    }

    // ------------------------------------------------------------------ fuzz

    /// Any registration order and stakes give a strictly ascending, valid set.
    function testFuzz_advance_buildsValidSortedSet(uint256 seed, uint8 nRaw) public {
        uint256 n = bound(nRaw, MIN_SIGNERS, MAX_OPERATORS);
        for (uint256 i; i < n; ++i) {
            uint256 amount = bound(uint256(keccak256(abi.encode(seed, i))), MIN_STAKE, 1e24);
            _stake(_account(i), amount);
            _registerWithKey(i, seed ^ i);
        }
        assertTrue(_advance());
        assertEq(hubSet.members.length, n);
        for (uint256 j = 1; j < n; ++j) {
            assertGt(uint256(hubSet.members[j]), uint256(hubSet.members[j - 1]));
        }
    }
}
